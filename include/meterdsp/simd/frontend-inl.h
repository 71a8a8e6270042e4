// meterdsp/simd/frontend-inl.h — Highway kernels of the front end, re-included once per SIMD
// target by src/frontend.cc. No validation: callers pass valid pointers and lengths.
// Never allocates or throws.
#ifndef METERDSP_SIMD_FRONTEND_FLAGS_
#define METERDSP_SIMD_FRONTEND_FLAGS_
#include <stdint.h>
namespace meterdsp {
// What ScaleRow found in a row (flags; once, not per target).
inline constexpr uint32_t kRowClipped = 1;    // a |value| ≥ clip
inline constexpr uint32_t kRowNonFinite = 2;  // a sample that RowFinite would refuse
}  // namespace meterdsp
#endif

#if defined(METERDSP_SIMD_FRONTEND_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef METERDSP_SIMD_FRONTEND_INL_H_
#undef METERDSP_SIMD_FRONTEND_INL_H_
#else
#define METERDSP_SIMD_FRONTEND_INL_H_
#endif

#include <stddef.h>
#include <stdint.h>

#include <cmath>
#include <limits>
#include <type_traits>

#include "hwy/highway.h"
#include "meterdsp/frontend.h"

HWY_BEFORE_NAMESPACE();
namespace meterdsp {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Whether this target has float64 vectors (not 32-bit Arm NEON): without them, float64 rows
// are read by the scalar loops, which compute every element as the vectors do.
inline constexpr bool kFloat64Vectors = HWY_HAVE_FLOAT64 != 0;

// Samples are tested for NaN/Inf as x·0, which is ±0 for finite x and NaN otherwise: sums of
// x·0 (one fused multiply-add per vector) stay 0 exactly when every x is finite — cheaper
// than classifying every lane. float64 samples are first scaled by 2^896·(1 + 3·2^-26), which
// overflows to ±Inf exactly for the values that round to ±Inf as float32 (|x| ≥ (2 − 2^-24)·
// 2^127; FLT_MAX·K stays below DBL_MAX), as unusable as Inf: demotion is not used, its
// out-of-range result differs between targets.
template <typename Sample>
inline constexpr Sample kFiniteStretch = sizeof(Sample) == 8 ? static_cast<Sample>(0x1.000000Cp+896) : Sample{1};

template <class D>
HWY_INLINE hn::Vec<D> AddFiniteProbe(D d, hn::Vec<D> x, hn::Vec<D> probe) {
  using T = hn::TFromD<D>;
  if constexpr (sizeof(T) == 8) x = hn::Mul(x, hn::Set(d, kFiniteStretch<T>));
  return hn::MulAdd(x, hn::Zero(d), probe);
}

template <typename Sample>
HWY_INLINE bool FiniteScalar(Sample x) {
  return std::isfinite(x * kFiniteStretch<Sample>);
}

// dst[j] = (float(src[j]) − offset) · gain for j < n. Returns kRowClipped if any |dst[j]| ≥
// clip (clip ≤ 0: never). Every element is computed the same way in vectors and in the tail,
// so the result does not depend on where a block starts. kTest (a block tested as it is
// converted, in one pass): also kRowNonFinite if a sample is not finite (as RowFinite tests
// it), and src[n, readable) may be read: the part up to one tile further (the same row's part
// of the next tile) is prefetched into L2 as the row goes, so that rows converted a tile at a
// time stream from memory as a sequential read does (the hardware prefetchers do not follow
// 95 runs of 1 KB). Without kTest the block was read whole by the test before: neither is
// done (both measured slower there: chain-f32 1.04–1.08× the time).
template <bool kTest, typename Sample>
HWY_INLINE uint32_t ScaleRow(const Sample* HWY_RESTRICT src, size_t n, size_t readable, float gain, float offset,
                             float clip, float* HWY_RESTRICT dst) {
  size_t j = 0;
  bool clipped = false, finite = true;
  if constexpr (sizeof(Sample) == 4 || kFloat64Vectors) {  // else all in the tail loop
    const hn::ScalableTag<Sample> ds;
    const hn::Rebind<float, decltype(ds)> df;  // as many float lanes as Sample lanes
    const size_t N = hn::Lanes(ds);
    const auto g = hn::Set(df, gain), o = hn::Set(df, offset), lim = hn::Set(df, clip);
    auto over = hn::Zero(df);
    auto probe = hn::Zero(ds);
    for (; j + N <= n; j += N) {
      const auto raw = hn::LoadU(ds, src + j);
      if constexpr (kTest) {
        if (j + kTileFrames < readable) __builtin_prefetch(src + j + kTileFrames, 0, 2);
        probe = AddFiniteProbe(ds, raw, probe);
      }
      hn::Vec<decltype(df)> x;
      if constexpr (sizeof(Sample) == 4) {
        x = raw;
      } else {
        x = hn::DemoteTo(df, raw);
      }
      const auto y = hn::Mul(hn::Sub(x, o), g);
      over = hn::Or(over, hn::VecFromMask(df, hn::Ge(hn::Abs(y), lim)));
      hn::StoreU(y, df, dst + j);
    }
    clipped = !hn::AllFalse(df, hn::MaskFromVec(over));
    if constexpr (kTest) finite = hn::AllTrue(ds, hn::Eq(probe, hn::Zero(ds)));
  }
  for (; j < n; ++j) {
    dst[j] = (static_cast<float>(src[j]) - offset) * gain;
    clipped = clipped || std::fabs(dst[j]) >= clip;
    if constexpr (kTest) finite = finite && FiniteScalar(src[j]);
  }
  return (clip > 0.0f && clipped ? kRowClipped : 0u) | (finite ? 0u : kRowNonFinite);
}

// True if no element of row[0, n) is NaN or ±Inf, and (float64 rows) none lies beyond the
// float32 range the engine computes in (the probe above; four chains).
template <typename Sample>
HWY_INLINE bool RowFinite(const Sample* HWY_RESTRICT row, size_t n) {
  size_t j = 0;
  if constexpr (sizeof(Sample) == 4 || kFloat64Vectors) {  // else all in the tail loop
    const hn::ScalableTag<Sample> d;
    const size_t N = hn::Lanes(d);
    const auto zero = hn::Zero(d);
    auto a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (; j + 4 * N <= n; j += 4 * N) {
      a0 = AddFiniteProbe(d, hn::LoadU(d, row + j), a0);
      a1 = AddFiniteProbe(d, hn::LoadU(d, row + j + N), a1);
      a2 = AddFiniteProbe(d, hn::LoadU(d, row + j + 2 * N), a2);
      a3 = AddFiniteProbe(d, hn::LoadU(d, row + j + 3 * N), a3);
    }
    for (; j + N <= n; j += N) a0 = AddFiniteProbe(d, hn::LoadU(d, row + j), a0);
    const auto sum = hn::Add(hn::Add(a0, a1), hn::Add(a2, a3));
    if (!hn::AllTrue(d, hn::Eq(sum, zero))) return false;
  }
  for (; j < n; ++j) {
    if (!FiniteScalar(row[j])) return false;
  }
  return true;
}

// Interleaved frames → per-column float rows (int16 and int32 codes):
// row_of[c][j] = (code − offset[c]) · gain[c]; clip[c] = 1 if a code is ≤ lo or ≥ hi.
// A group of R = 16 / sizeof(Code) frames (8 or 4) × Lanes columns is loaded a frame per
// register and transposed within each 128-bit block (log2 R interleave stages), so register
// k then holds, per block b, column c + R·b + k for R frames. The last column group and the
// last frame group overlap the previous ones (recomputing identical values) instead of
// taking a scalar tail; fewer than R frames or 128 bits of columns take the scalar path, with
// the same arithmetic, so results do not depend on the path. Reads stay in the frames
// [0, count). (The window engine prefetches the frames a tile ahead while it accumulates.)
#undef METERDSP_HAVE_FRAME_TRANSPOSE  // per target
#if HWY_TARGET != HWY_SCALAR && !(HWY_TARGET & (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128))
#define METERDSP_HAVE_FRAME_TRANSPOSE 1
#endif
#ifdef METERDSP_HAVE_FRAME_TRANSPOSE
// Fixed-size registers (x86, NEON): arrays of vectors are allowed.

// Stores consecutive P-lane pieces of v to dst[0], dst[1], … (+ at); kNarrow: none where dst
// is null.
template <size_t P, bool kNarrow = false, class D>
HWY_INLINE void StorePieces(D d, hn::Vec<D> v, float* const* dst, size_t at) {
  if constexpr (hn::MaxLanes(D()) <= P) {
    if (!kNarrow || dst[0] != nullptr) hn::StoreU(v, d, dst[0] + at);
  } else {
    const hn::Half<D> dh;
    StorePieces<P, kNarrow>(dh, hn::LowerHalf(dh, v), dst, at);
    StorePieces<P, kNarrow>(dh, hn::UpperHalf(dh, v), dst + hn::MaxLanes(dh) / P, at);
  }
}

// Transposes R registers in place within each 128-bit block: r[k] (frame k, lane = column)
// becomes, per block b, column R·b + k of the block's columns.
template <class D>
HWY_INLINE void TransposeBlocks(D d, hn::Vec<D>* r) {
  using Code = hn::TFromD<D>;
  const hn::Repartition<int32_t, D> d32;
  const hn::Repartition<int64_t, D> d64;
  if constexpr (sizeof(Code) == 2) {
    hn::Vec<D> a[8];
    for (size_t k = 0; k < 4; ++k) {
      a[2 * k] = hn::InterleaveLower(d, r[2 * k], r[2 * k + 1]);
      a[2 * k + 1] = hn::InterleaveUpper(d, r[2 * k], r[2 * k + 1]);
    }
    for (size_t k = 0; k < 2; ++k) {
      for (size_t h = 0; h < 2; ++h) {
        const auto x = hn::BitCast(d32, a[4 * k + h]), y = hn::BitCast(d32, a[4 * k + h + 2]);
        r[4 * k + 2 * h] = hn::BitCast(d, hn::InterleaveLower(d32, x, y));
        r[4 * k + 2 * h + 1] = hn::BitCast(d, hn::InterleaveUpper(d32, x, y));
      }
    }
    for (size_t k = 0; k < 4; ++k) {
      const auto x = hn::BitCast(d64, r[k]), y = hn::BitCast(d64, r[k + 4]);
      a[2 * k] = hn::BitCast(d, hn::InterleaveLower(d64, x, y));
      a[2 * k + 1] = hn::BitCast(d, hn::InterleaveUpper(d64, x, y));
    }
    for (size_t k = 0; k < 8; ++k) r[k] = a[k];
  } else {
    const auto a0 = hn::InterleaveLower(d, r[0], r[1]), a1 = hn::InterleaveUpper(d, r[0], r[1]);
    const auto a2 = hn::InterleaveLower(d, r[2], r[3]), a3 = hn::InterleaveUpper(d, r[2], r[3]);
    r[0] = hn::BitCast(d, hn::InterleaveLower(d64, hn::BitCast(d64, a0), hn::BitCast(d64, a2)));
    r[1] = hn::BitCast(d, hn::InterleaveUpper(d64, hn::BitCast(d64, a0), hn::BitCast(d64, a2)));
    r[2] = hn::BitCast(d, hn::InterleaveLower(d64, hn::BitCast(d64, a1), hn::BitCast(d64, a3)));
    r[3] = hn::BitCast(d, hn::InterleaveUpper(d64, hn::BitCast(d64, a1), hn::BitCast(d64, a3)));
  }
}

// One group of MaxLanes(d) columns starting at c, all frames. kNarrow (fewer columns than
// lanes, c = 0): the columns at or past `columns` are read but neither stored nor checked.
// Precondition: count ≥ R; MaxLanes(d) codes readable from every frame's column c.
template <bool kNarrow = false, class D>
HWY_INLINE void TransposeColumnGroup(D d, const hn::TFromD<D>* HWY_RESTRICT frames, size_t columns,
                                     size_t count, size_t c, hn::TFromD<D> lo, hn::TFromD<D> hi,
                                     const float* HWY_RESTRICT gain, const float* HWY_RESTRICT offset,
                                     float* const* row_of, uint8_t* HWY_RESTRICT clip) {
  using Code = hn::TFromD<D>;
  constexpr size_t N = hn::MaxLanes(D());
  constexpr size_t R = 16 / sizeof(Code);  // frames per group = lanes per 128-bit block
  constexpr size_t H = sizeof(Code) == 2 ? 2 : 1;  // float vectors per register
  constexpr size_t NF = N / H;
  constexpr size_t P = NF < R ? NF : R;  // floats per store: R frames of one column, or fewer
  const hn::Half<D> dh;
  using DF = hn::Rebind<float, std::conditional_t<sizeof(Code) == 2, hn::Half<D>, D>>;  // NF floats
  const DF df;
  // Float lane i of part h of register k is code lane L = h·NF + i: column c + R·⌊L/R⌋ + k,
  // frame j0 + L mod R. Gain, offset and destination of each, hoisted out of the frame loop.
  hn::Vec<DF> g[R][H], o[R][H];
  float* dst[R][H][NF / P];
  for (size_t k = 0; k < R; ++k) {
    for (size_t h = 0; h < H; ++h) {
      HWY_ALIGN float gl[NF], ol[NF];
      for (size_t i = 0; i < NF; ++i) {
        const size_t col = c + R * ((h * NF + i) / R) + k;
        const bool exists = !kNarrow || col < columns;
        gl[i] = exists ? gain[col] : 0.0f;
        ol[i] = exists ? offset[col] : 0.0f;
        if (i % P == 0) dst[k][h][i / P] = exists ? row_of[col] + (h * NF + i) % R : nullptr;
      }
      g[k][h] = hn::Load(df, gl);
      o[k][h] = hn::Load(df, ol);
    }
  }
  auto mn = hn::Set(d, hi), mx = hn::Set(d, lo);
  for (size_t j0 = 0;; j0 += R) {
    if (j0 + R > count) j0 = count - R;  // the last group overlaps: same values again
    hn::Vec<D> r[R];
    for (size_t k = 0; k < R; ++k) {
      r[k] = hn::LoadU(d, frames + (j0 + k) * columns + c);  // lane = column c + lane
      mn = hn::Min(mn, r[k]);
      mx = hn::Max(mx, r[k]);
    }
    TransposeBlocks(d, r);
    for (size_t k = 0; k < R; ++k) {
      for (size_t h = 0; h < H; ++h) {
        hn::Vec<DF> x;
        if constexpr (sizeof(Code) == 2) {
          const hn::Rebind<int32_t, decltype(dh)> dw;
          x = hn::ConvertTo(df, hn::PromoteTo(dw, h == 0 ? hn::LowerHalf(dh, r[k]) : hn::UpperHalf(dh, r[k])));
        } else {
          x = hn::ConvertTo(df, r[k]);
        }
        StorePieces<P, kNarrow>(df, hn::Mul(hn::Sub(x, o[k][h]), g[k][h]), dst[k][h], j0);
      }
    }
    if (j0 + R == count) break;
  }
  // min ≤ lo or max ≥ hi (integer Le/Ge are missing in Highway 1.0.3).
  const auto inside = hn::And(hn::Gt(mn, hn::Set(d, lo)), hn::Lt(mx, hn::Set(d, hi)));
  if (!hn::AllTrue(d, inside)) {
    HWY_ALIGN Code low[N], high[N];
    hn::Store(mn, d, low);
    hn::Store(mx, d, high);
    for (size_t l = 0; l < N && (!kNarrow || c + l < columns); ++l) {
      if (low[l] <= lo || high[l] >= hi) clip[c + l] = 1;
    }
  }
}

// Every column group of d's width, the last one overlapping. Precondition: columns ≥
// MaxLanes(d), count ≥ R.
template <class D>
HWY_INLINE void TransposeColumns(D d, const hn::TFromD<D>* HWY_RESTRICT frames, size_t columns,
                                 size_t count, hn::TFromD<D> lo, hn::TFromD<D> hi,
                                 const float* HWY_RESTRICT gain, const float* HWY_RESTRICT offset,
                                 float* const* row_of, uint8_t* HWY_RESTRICT clip) {
  constexpr size_t N = hn::MaxLanes(D());
  for (size_t c = 0;; c += N) {
    if (c + N > columns) c = columns - N;
    TransposeColumnGroup(d, frames, columns, count, c, lo, hi, gain, offset, row_of, clip);
    if (c + N == columns) break;
  }
}
#endif

// Frames [from, count) column by column, with TransposeColumnGroup's arithmetic.
template <typename Code>
HWY_INLINE void ScalarFrames(const Code* HWY_RESTRICT frames, size_t columns, size_t from, size_t count,
                             Code lo, Code hi, const float* HWY_RESTRICT gain,
                             const float* HWY_RESTRICT offset, float* const* row_of,
                             uint8_t* HWY_RESTRICT clip) {
  for (size_t c = 0; c < columns; ++c) {
    const float g = gain[c], o = offset[c];
    float* dst = row_of[c];
    uint8_t cl = 0;
    for (size_t j = from; j < count; ++j) {
      const Code code = frames[j * columns + c];
      cl |= static_cast<uint8_t>((code <= lo) | (code >= hi));
      dst[j] = (static_cast<float>(code) - o) * g;
    }
    if (cl) clip[c] = 1;
  }
}

template <typename Code>
HWY_INLINE void TransposeFrames(const Code* HWY_RESTRICT frames, size_t columns, size_t count,
                                Code lo, Code hi, const float* HWY_RESTRICT gain,
                                const float* HWY_RESTRICT offset, float* const* row_of,
                                uint8_t* HWY_RESTRICT clip) {
#ifdef METERDSP_HAVE_FRAME_TRANSPOSE
  // SSSE3 lacks 32-bit min/max (emulated: the transpose measured slower than the scalar loop).
  constexpr bool kScalarFaster = sizeof(Code) == 4 && HWY_TARGET == HWY_SSSE3;
  constexpr size_t R = 16 / sizeof(Code);  // frames per transposed group
  if (!kScalarFaster && count >= R) {
    const hn::ScalableTag<Code> d;
    const hn::Full128<Code> d128;
    if (columns >= hn::MaxLanes(d)) {
      return TransposeColumns(d, frames, columns, count, lo, hi, gain, offset, row_of, clip);
    }
    if (columns >= hn::MaxLanes(d128)) {
      return TransposeColumns(d128, frames, columns, count, lo, hi, gain, offset, row_of, clip);
    }
    // Narrow frames (small meters, e.g. 3 voltages and 4 currents): each frame's 128 bits are
    // read into the next frame, whose codes fill the lanes past `columns` and are ignored;
    // the last frames, whose read would pass the block's end, go column by column (the same
    // values). Int16 chain of 3 voltages and 4 currents: 0.90–0.91× the time of the column by
    // column loop alone (AVX-512 and AVX2, in-process A/B), this conversion's share 30 → 21 %.
    const size_t over = (hn::MaxLanes(d128) + columns - 1) / columns;  // frames one read spans
    const size_t safe = count + 1 > over ? count + 1 - over : 0;  // frames [0, safe) may read 128 bits
    if (safe >= R) {
      TransposeColumnGroup<true>(d128, frames, columns, safe, 0, lo, hi, gain, offset, row_of, clip);
      return ScalarFrames(frames, columns, safe, count, lo, hi, gain, offset, row_of, clip);
    }
  }
#endif
  ScalarFrames(frames, columns, 0, count, lo, hi, gain, offset, row_of, clip);
}

// Frames → frame-major lanes, helpers of FramesToLanes (below). Per frame: the codes of N
// columns at a time widened in place (the last group overlapping the one before, recomputing
// identical values), scaled and stored, frame after frame so that the tile is written
// sequentially; the frames about 3 KB ahead are prefetched meanwhile. mn / mx collect
// the smallest and largest code of every column group.
// Column starts of a frame's V groups: 0, N, …, and columns − N for the last.
inline size_t LaneGroupStart(size_t v, size_t groups, size_t n, size_t columns) {
  return v + 1 < groups ? v * n : columns - n;
}

template <class DF, class DC, class D32>
HWY_INLINE hn::Vec<DF> ScaledLaneGroup(DF df, DC dc, D32 d32, const hn::TFromD<DC>* HWY_RESTRICT codes,
                                       hn::Vec<DF> gain, hn::Vec<DF> offset, hn::Vec<DC>& mn, hn::Vec<DC>& mx) {
  const auto code = hn::LoadU(dc, codes);
  mn = hn::Min(mn, code);
  mx = hn::Max(mx, code);
  hn::Vec<D32> wide;
  if constexpr (sizeof(hn::TFromD<DC>) == 2) {
    wide = hn::PromoteTo(d32, code);
  } else {
    wide = code;
  }
  return hn::Mul(hn::Sub(hn::ConvertTo(df, wide), offset), gain);
}

// Frames this far ahead are prefetched while a frame is converted: about 3 KB of frames (16
// int16 frames of 95 columns), into every cache level (prefetcht0). Measured against a whole
// tile (256 frames) ahead: int16 chain from DRAM 0.93–0.98× (four alternating runs), cache
// unchanged; 6 KB ahead: the same. Non-temporal (prefetchnta) is 1.03× faster from DRAM on AMD
// EPYC, but on Intel Xeon (Ice Lake) the prefetch itself stalls this loop even with the frames
// in L2: the conversion took twice the time, the int16 chain 1.2× (docs/performance.md).
inline size_t PrefetchFramesAhead(size_t frame_bytes) {
  constexpr size_t kAheadBytes = 3072;
  return frame_bytes < kAheadBytes ? kAheadBytes / frame_bytes : 1;
}

HWY_INLINE void PrefetchAhead(const void* frame, size_t frame_bytes, size_t ahead, size_t j, size_t readable) {
  if (j + ahead < readable) {
    const char* p = static_cast<const char*>(frame) + ahead * frame_bytes;
    for (size_t b = 0; b < frame_bytes; b += 64) __builtin_prefetch(p + b, 0, 3);
  }
}

#ifdef METERDSP_HAVE_FRAME_TRANSPOSE
// Exactly V groups per frame: gains, offsets and group starts stay in registers and the frame
// loop is straight-line (int16 chain +10 % over the loop below, for 95 columns on AVX-512).
template <size_t V, class DF, class DC, class D32>
HWY_INLINE void FramesToLanesFixed(DF df, DC dc, D32 d32, const hn::TFromD<DC>* HWY_RESTRICT frames,
                                   size_t columns, size_t count, size_t readable, const float* HWY_RESTRICT gain,
                                   const float* HWY_RESTRICT offset, float (*HWY_RESTRICT dst)[kLaneStride],
                                   hn::Vec<DC>& mn, hn::Vec<DC>& mx) {
  const size_t N = hn::Lanes(df);
  size_t at[V];
  hn::Vec<DF> g[V], o[V];
  for (size_t v = 0; v < V; ++v) {
    at[v] = LaneGroupStart(v, V, N, columns);
    g[v] = hn::LoadU(df, gain + at[v]);
    o[v] = hn::LoadU(df, offset + at[v]);
  }
  const size_t ahead = PrefetchFramesAhead(columns * sizeof(*frames));
  for (size_t j = 0; j < count; ++j) {
    const auto* f = frames + j * columns;
    PrefetchAhead(f, columns * sizeof(*f), ahead, j, readable);
    for (size_t v = 0; v < V; ++v) {
      hn::StoreU(ScaledLaneGroup(df, dc, d32, f + at[v], g[v], o[v], mn, mx), df, dst[j] + at[v]);
    }
  }
}
#endif

// Any number of groups per frame.
template <class DF, class DC, class D32>
HWY_INLINE void FramesToLanesAny(DF df, DC dc, D32 d32, const hn::TFromD<DC>* HWY_RESTRICT frames,
                                 size_t columns, size_t count, size_t readable, const float* HWY_RESTRICT gain,
                                 const float* HWY_RESTRICT offset, float (*HWY_RESTRICT dst)[kLaneStride],
                                 hn::Vec<DC>& mn, hn::Vec<DC>& mx) {
  const size_t N = hn::Lanes(df), groups = (columns + N - 1) / N;
  const size_t ahead = PrefetchFramesAhead(columns * sizeof(*frames));
  for (size_t j = 0; j < count; ++j) {
    const auto* f = frames + j * columns;
    PrefetchAhead(f, columns * sizeof(*f), ahead, j, readable);
    for (size_t v = 0; v < groups; ++v) {
      const size_t c = LaneGroupStart(v, groups, N, columns);
      const auto y = ScaledLaneGroup(df, dc, d32, f + c, hn::LoadU(df, gain + c), hn::LoadU(df, offset + c), mn, mx);
      hn::StoreU(y, df, dst[j] + c);
    }
  }
}

// Frames → frame-major lanes: dst[j][c] = (float(frames[j·columns + c]) − offset[c])·gain[c]
// for j < count, c < columns, as ScaleRow computes it; clip[c] = 1 if a code of column c is at
// or beyond lo/hi. No transpose. `readable`: frames [0, readable) may be read (prefetched).
// Precondition: dst rows of kLaneStride floats.
template <typename Code>
HWY_INLINE void FramesToLanes(const Code* HWY_RESTRICT frames, size_t columns, size_t count, size_t readable, Code lo,
                              Code hi, const float* HWY_RESTRICT gain, const float* HWY_RESTRICT offset,
                              float (*HWY_RESTRICT dst)[kLaneStride], uint8_t* HWY_RESTRICT clip) {
  const hn::CappedTag<float, 16> df;
  const hn::Rebind<Code, decltype(df)> dc;
  const hn::Rebind<int32_t, decltype(df)> d32;
  const size_t N = hn::Lanes(df);
  if (columns >= N) {
    // One minimum and maximum over every column: clipping is rare, and only when one is found
    // are the columns looked at one by one.
    auto mn = hn::Set(dc, hi), mx = hn::Set(dc, lo);
    switch ((columns + N - 1) / N) {
#ifdef METERDSP_HAVE_FRAME_TRANSPOSE
#define METERDSP_FIXED_CASE(V) \
  case V:                      \
    FramesToLanesFixed<V>(df, dc, d32, frames, columns, count, readable, gain, offset, dst, mn, mx); \
    break;
      METERDSP_FIXED_CASE(1)
      METERDSP_FIXED_CASE(2)
      METERDSP_FIXED_CASE(3)
      METERDSP_FIXED_CASE(4)
      METERDSP_FIXED_CASE(5)
      METERDSP_FIXED_CASE(6)
#undef METERDSP_FIXED_CASE
#endif
      default:
        FramesToLanesAny(df, dc, d32, frames, columns, count, readable, gain, offset, dst, mn, mx);
    }
    // min ≤ lo or max ≥ hi (integer Le/Ge are missing in Highway 1.0.3).
    const auto inside = hn::And(hn::Gt(mn, hn::Set(dc, lo)), hn::Lt(mx, hn::Set(dc, hi)));
    if (!hn::AllTrue(dc, inside)) {
      for (size_t j = 0; j < count; ++j) {
        for (size_t c = 0; c < columns; ++c) {
          const Code code = frames[j * columns + c];
          if (code <= lo || code >= hi) clip[c] = 1;
        }
      }
    }
    return;
  }
  for (size_t c = 0; c < columns; ++c) {  // fewer columns than lanes
    const float g = gain[c], o = offset[c];
    uint8_t cl = 0;
    for (size_t j = 0; j < count; ++j) {
      const Code code = frames[j * columns + c];
      cl |= static_cast<uint8_t>((code <= lo) | (code >= hi));
      dst[j][c] = (static_cast<float>(code) - o) * g;
    }
    if (cl) clip[c] = 1;
  }
}

// Four planar rows → four adjacent lanes, scaled as ScaleRow does it:
// dst[j][lane + i] = (float(rows[i][j]) − offset[i])·gain[i] for i < 4, j < n; clipped[i] = 1
// if clip[i] > 0 and some |value| ≥ clip[i]. Per N frames: four loads, an in-register 4 × 4
// transpose per 128-bit block, and a 4-float store per frame.
template <typename Sample>
HWY_INLINE void FourRowsToLanes(const Sample* const* HWY_RESTRICT rows, size_t n, const float* gain,
                                const float* offset, const float* clip, float (*HWY_RESTRICT dst)[kLaneStride],
                                size_t lane, uint8_t* HWY_RESTRICT clipped) {
  size_t j = 0;
  bool over[4] = {false, false, false, false};
#ifdef METERDSP_HAVE_FRAME_TRANSPOSE
  const hn::ScalableTag<float> d;
  constexpr size_t N = hn::MaxLanes(hn::ScalableTag<float>());
  if constexpr (N >= 4 && (sizeof(Sample) == 4 || kFloat64Vectors)) {
    auto load = [&](const Sample* HWY_RESTRICT src) {
      if constexpr (sizeof(Sample) == 8) {
        const hn::Half<decltype(d)> dh;
        const hn::Rebind<double, decltype(dh)> dd;
        return hn::Combine(d, hn::DemoteTo(dh, hn::LoadU(dd, src + N / 2)), hn::DemoteTo(dh, hn::LoadU(dd, src)));
      } else {
        return hn::LoadU(d, src);
      }
    };
    auto o0 = hn::Zero(d), o1 = o0, o2 = o0, o3 = o0;  // |y| ≥ clip seen, per row
    const auto lim0 = hn::Set(d, clip[0]), lim1 = hn::Set(d, clip[1]), lim2 = hn::Set(d, clip[2]),
               lim3 = hn::Set(d, clip[3]);
    for (; j + N <= n; j += N) {
      hn::Vec<decltype(d)> r[4];
      for (size_t i = 0; i < 4; ++i) {
        __builtin_prefetch(rows[i] + j + 256, 0, 3);
        r[i] = hn::Mul(hn::Sub(load(rows[i] + j), hn::Set(d, offset[i])), hn::Set(d, gain[i]));
      }
      o0 = hn::Or(o0, hn::VecFromMask(d, hn::Ge(hn::Abs(r[0]), lim0)));
      o1 = hn::Or(o1, hn::VecFromMask(d, hn::Ge(hn::Abs(r[1]), lim1)));
      o2 = hn::Or(o2, hn::VecFromMask(d, hn::Ge(hn::Abs(r[2]), lim2)));
      o3 = hn::Or(o3, hn::VecFromMask(d, hn::Ge(hn::Abs(r[3]), lim3)));
      TransposeBlocks(d, r);  // r[k], block b: the four rows at frame j + 4b + k
      for (size_t k = 0; k < 4; ++k) {
        float* to[N / 4];
        for (size_t b = 0; b < N / 4; ++b) to[b] = dst[j + 4 * b + k] + lane;
        StorePieces<4>(d, r[k], to, 0);
      }
    }
    over[0] = !hn::AllFalse(d, hn::MaskFromVec(o0));
    over[1] = !hn::AllFalse(d, hn::MaskFromVec(o1));
    over[2] = !hn::AllFalse(d, hn::MaskFromVec(o2));
    over[3] = !hn::AllFalse(d, hn::MaskFromVec(o3));
  }
#endif
  for (; j < n; ++j) {
    for (size_t i = 0; i < 4; ++i) {
      const float y = (static_cast<float>(rows[i][j]) - offset[i]) * gain[i];
      dst[j][lane + i] = y;
      over[i] = over[i] || std::fabs(y) >= clip[i];
    }
  }
  for (size_t i = 0; i < 4; ++i) {
    if (clip[i] > 0.0f && over[i]) clipped[i] = 1;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace meterdsp
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
