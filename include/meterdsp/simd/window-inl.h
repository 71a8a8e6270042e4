// meterdsp/simd/window-inl.h — Highway kernels of the window engine, re-included once per
// SIMD target by src/window.cc. No validation, no ownership: callers guarantee the
// preconditions stated per kernel. Never allocates or throws.

// Target-independent part (normal include guard).
#ifndef METERDSP_SIMD_WINDOW_ROWS_H_
#define METERDSP_SIMD_WINDOW_ROWS_H_
#include <stddef.h>
#include <stdint.h>

#include <limits>
#include <type_traits>

#include "meterdsp/frontend.h"
#include "meterdsp/window.h"

namespace meterdsp {
// x as float32, the engine's sample type: ±Inf from the rounding midpoint above FLT_MAX on (as
// IEEE rounding gives, and as the front end's finite check rejects), NaN for NaN, without the
// undefined behaviour of a plain out-of-range conversion in C++.
inline float ToFloat32(double x) {
  constexpr double kMid = 0x1.ffffffp+127;  // (2 − 2^-24)·2^127
  if (x > -kMid && x < kMid) return static_cast<float>(x);
  constexpr float kInf = std::numeric_limits<float>::infinity();
  return x > 0 ? kInf : x < 0 ? -kInf : std::numeric_limits<float>::quiet_NaN();
}

// Voltage row of channel ch's Σy·v (channels: nv voltages, then currents with voltage index
// phase[]): the next voltage for a voltage (its line-to-line product), the assigned phase for a
// current, V1 for a current-only channel (whose P is then ignored).
inline size_t ReferenceRow(size_t ch, size_t nv, const uint8_t* phase) {
  if (ch < nv) return (ch + 1) % nv;
  return phase[ch - nv] == kCurrentOnly ? 0 : phase[ch - nv];
}

// WindowEngine::tile_layout: currents as rows (planar input) or frame-major lanes (frames).
inline constexpr uint32_t kLayoutRows = 0, kLayoutLanes = 1;

// Frames per chunk of Measure() on float64 rows (demoted to float32 scratch rows of this length).
inline constexpr size_t kMeasureChunkF64 = 512;

// Rows one channel's accumulation reads, all indexed by the same time index t.
struct KernelRows {
  const float* x = nullptr;       // input row (scaled samples)
  const DelayFilter* filter = nullptr;  // nullptr: y = x
  const float* ref = nullptr;     // assigned voltage (delay-corrected) for Σy·v
  const float* cosr = nullptr;    // fundamental reference cos θ_t
  const float* sinr = nullptr;    // fundamental reference sin θ_t
};

// The frame-major tile of the window engine as the lane kernel reads it (WindowEngine fields).
struct LaneTile {
  const float (*x)[kLaneStride] = nullptr;       // tile frame 0; kHistoryFrames rows before it
  const float (*vref)[4] = nullptr;              // reference voltages per frame, same origin
  const float* cosr = nullptr;                   // same origin
  const float* sinr = nullptr;
  const float (*weight)[kLaneStride] = nullptr;  // weight[L][lane] of the sample L frames back
  const int32_t* ref = nullptr;                  // per lane: index into vref
  ptrdiff_t lag_lo = 0, lag_hi = 0;
};

// Bytes of the caller's block to prefetch while a tile is accumulated (empty: none).
struct AheadBytes {
  const char* begin = nullptr;
  const char* end = nullptr;
};

// A piece of a caller's planar block whose currents the row kernel reads where the caller holds
// them ("in place"), demoted (float64) and scaled in registers as the front end converts a row
// into the tile, (x − offset)·gain: the same values, so the same sums, without writing the
// piece's rows into the tile and reading them back. Current k's sample at tile frame t is
// i[k·stride + (t − begin)] (or i64[…]), t in [begin, end). The tile rows receive only the
// frames read from the tile later: the partial vectors at the piece's ends, its last frame,
// and the next tile's history (InPlaceEdgesImpl); a window boundary's samples are read in place
// too. Neither row pointer set: no piece, every row from the tile.
struct InPlaceRows {
  const float* i = nullptr;     // float32 rows, or
  const double* i64 = nullptr;  // float64 rows, demoted in registers as the front end demotes them
  size_t stride = 0;
  size_t begin = 0, end = 0;
  size_t readable = 0;  // samples of each current's row readable from its start on (≥ end − begin)
  bool test = false;    // ProcessOnePass: the samples are tested for NaN/Inf as they are read
  bool active() const { return i != nullptr || i64 != nullptr; }
  // Current k's sample at tile frame t in [begin, end), as the engine's float32 (a float64 one
  // rounded to nearest, as the front end converts it; within range after the finite test).
  float At(size_t k, size_t t) const {
    const size_t j = k * stride + (t - begin);
    return i != nullptr ? i[j] : static_cast<float>(i64[j]);
  }
};
// Pieces shorter than this are converted into the tile and accumulated later, as blocks of a
// few frames are (an in-place piece is accumulated before the call returns).
inline constexpr size_t kInPlaceMinFrames = 64;
static_assert(kInPlaceMinFrames >= kHistoryFrames && kInPlaceMinFrames >= 2 * kMaxLanes,
              "a piece holds the next tile's history, and whole vectors between its ends");

// Whether current k of an engine with rows tiles is read in place in such a piece: no clip
// level (no sample to test) and no delay filter (y = x: no sample before the piece is read).
inline bool InPlaceCurrent(const WindowEngine& m, size_t k) {
  const size_t ch = m.config.voltages + k;
  const DelayFilter& f = m.delay[ch];
  return m.scale[ch].clip_level == 0 && f.ntaps == 1 && f.tap0 == 0;
}

// Up to kCurrentBatch currents of one window as FinalizeCurrentsImpl takes them, one per SIMD
// lane: currents first .. first + count − 1, their sums and settings (zero past count), and what
// each takes from its phase voltage through per-voltage tables indexed by phase[j]. Filled by the
// window engine's and Measure()'s finalisation (FinalizeChannels) from their window sums (rows,
// or lanes of a frame-major tile). Eight currents keep it to about 700 bytes of stack: with 16,
// Process on SVE took 8,624 bytes, above the firmware's budget of 8,192 (tests/stack_test.cc).
inline constexpr size_t kCurrentBatch = 8;  // one AVX-512 vector of doubles
struct CurrentTerms {
  size_t first = 0, count = 0;
  uint32_t flags = 0;            // the window's flags (each current's flags_ch adds its own)
  double inv_w = 0, w = 0;       // 1 / window length, the length (samples)
  double phasor_scale = 0;       // √2 / length: the fundamental's peak phasor from Σy·cos, Σy·sin
  bool distortion = false;       // the window has a voltage: distortion is computed
  bool fit_ok = false;           // DistortionFit: the reference's Gram matrix is invertible
  double fit_inv[6] = {}, fit_scale = 0;  // its adjugate (00 01 02 11 12 22) and 1 / determinant
  // Per voltage (the index phase[k]): phasor, RMS, |phasor|, mean (after / 1 / length), whether
  // its DC is removed (1 / 0); the angle reference's phasor and whether it has voltage (1 / 0).
  double vre[kMaxVoltages] = {}, vim[kMaxVoltages] = {}, vrms[kMaxVoltages] = {};
  double vmag[kMaxVoltages] = {}, vmean[kMaxVoltages] = {}, vdc[kMaxVoltages] = {};
  double rre[kMaxVoltages] = {}, rim[kMaxVoltages] = {}, ron[kMaxVoltages] = {};
  // Σy, Σy², Σy·v, Σy·cos, Σy·sin of current first + j at s[q][j], j < kCurrentBatch (readable
  // past count): the lane sums of a frame-major tile in place, or `copy`.
  const double* s[kSumCount];
  alignas(64) double copy[kSumCount][kCurrentBatch];
  alignas(64) double phase[kCurrentBatch];   // 0, 1, 2 (as a double: lane selection)
  alignas(64) double dc[kCurrentBatch];      // 1: the current's DC is removed
  alignas(64) double min_on[kCurrentBatch];  // minimum ON current (A)
  uint32_t clip[kCurrentBatch];              // kFlagClipped where a sample of the current clipped
};
}  // namespace meterdsp
#endif  // METERDSP_SIMD_WINDOW_ROWS_H_

// Per-target part.
#if defined(METERDSP_SIMD_WINDOW_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef METERDSP_SIMD_WINDOW_INL_H_
#undef METERDSP_SIMD_WINDOW_INL_H_
#else
#define METERDSP_SIMD_WINDOW_INL_H_
#endif

#include "hwy/highway.h"

#undef METERDSP_ALIGNED_FILTER  // per target
#undef METERDSP_PAIRED_KERNEL   // per target
#undef METERDSP_REDUCE_EIGHT    // per target
#undef METERDSP_MEASURE_ONE_ROW  // per target
#undef METERDSP_MEASURE_GROUP    // per target

HWY_BEFORE_NAMESPACE();
namespace meterdsp {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// y at t..t+N−1: the channel's delay filter applied to x.
template <class D>
HWY_INLINE hn::Vec<D> FilteredAt(D d, const float* HWY_RESTRICT x, const DelayFilter* f,
                                 ptrdiff_t t) {
  if (f == nullptr) return hn::LoadU(d, x + t);
  const float* p = x + t - f->tap0;
  if (f->ntaps == 1) return hn::LoadU(d, p);
  auto y = hn::Mul(hn::Set(d, f->taps[0]), hn::LoadU(d, p));
  y = hn::MulAdd(hn::Set(d, f->taps[1]), hn::LoadU(d, p - 1), y);
  y = hn::MulAdd(hn::Set(d, f->taps[2]), hn::LoadU(d, p - 2), y);
  return hn::MulAdd(hn::Set(d, f->taps[3]), hn::LoadU(d, p - 3), y);
}

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
#define METERDSP_ALIGNED_FILTER 1
// The 4-tap filter's four unaligned loads split cache lines (x + t − tap0 − j, t a multiple of
// 16): on AVX-512 the shifted vectors are built from the aligned vectors at t − 16 and t by
// valignd (filtered kernel 5.6 → 10.8 G samples/s in kernel_bench). Same taps, same order as
// FilteredAt, so the values are identical.
// x[t − kOff .. t − kOff + 15] from the aligned vectors lo = x[t − 16 ..], hi = x[t ..].
template <int kOff>
HWY_INLINE hn::Vec512<float> ShiftedBack(hn::Vec512<float> lo, hn::Vec512<float> hi) {
  if constexpr (kOff == 0) {
    return hi;
  } else {
    return hn::Vec512<float>{_mm512_castsi512_ps(
        _mm512_alignr_epi32(_mm512_castps_si512(hi.raw), _mm512_castps_si512(lo.raw), 16 - kOff))};
  }
}

// FilteredAt for a 4-tap filter with tap0 = kTap0 at a multiple of 16, rows 64-byte aligned.
template <int kTap0>
HWY_INLINE hn::Vec512<float> FilteredAligned(hn::Full512<float> d, const float* HWY_RESTRICT x,
                                             const DelayFilter* f, ptrdiff_t t) {
  const auto lo = hn::Load(d, x + t - 16), hi = hn::Load(d, x + t);
  auto y = hn::Mul(hn::Set(d, f->taps[0]), ShiftedBack<kTap0>(lo, hi));
  y = hn::MulAdd(hn::Set(d, f->taps[1]), ShiftedBack<kTap0 + 1>(lo, hi), y);
  y = hn::MulAdd(hn::Set(d, f->taps[2]), ShiftedBack<kTap0 + 2>(lo, hi), y);
  return hn::MulAdd(hn::Set(d, f->taps[3]), ShiftedBack<kTap0 + 3>(lo, hi), y);
}
#endif

// AccumulateSpanWith's and AccumulatePairWith's `tested` when nothing is tested.
struct NoTest {};

// Adds samples [b, e) of one channel into its lane partial sums acc[kSumCount][kMaxLanes]
// (64-byte aligned): Σy, Σy², Σy·ref, Σy·cos, Σy·sin, with y = filtered(t) for the vector
// at t. Sample t goes to lane t mod N, so the sums do not depend on how [b, e) was split
// into calls. `tested` (unless NoTest): tested(t) gives the raw vector at t, whose every lane
// is tested as the front end tests a sample (x·0 summed: 0 exactly when all are finite);
// returns false if one is not finite (true without a test).
template <class D, class Filtered, class Tested = NoTest>
HWY_INLINE bool AccumulateSpanWith(D d, const KernelRows& r, size_t b, size_t e, float* HWY_RESTRICT acc,
                                   const Filtered& filtered, const Tested& tested = Tested()) {
  constexpr bool kTest = !std::is_same_v<Tested, NoTest>;
  const size_t N = hn::Lanes(d);
  auto probe = hn::Zero(d);
  auto s0 = hn::Load(d, acc + 0 * kMaxLanes);
  auto s1 = hn::Load(d, acc + 1 * kMaxLanes);
  auto s2 = hn::Load(d, acc + 2 * kMaxLanes);
  auto s3 = hn::Load(d, acc + 3 * kMaxLanes);
  auto s4 = hn::Load(d, acc + 4 * kMaxLanes);
  for (size_t t = b / N * N; t < e; t += N) {
    if constexpr (kTest) probe = hn::MulAdd(tested(static_cast<ptrdiff_t>(t)), hn::Zero(d), probe);
    auto y = filtered(static_cast<ptrdiff_t>(t));
    if (t < b || t + N > e) {  // partial vector: zero the lanes outside [b, e)
      const size_t lo = b > t ? b - t : 0;
      const size_t hi = e - t < N ? e - t : N;
      y = hn::IfThenElseZero(hn::AndNot(hn::FirstN(d, lo), hn::FirstN(d, hi)), y);
    }
    s0 = hn::Add(s0, y);
    s1 = hn::MulAdd(y, y, s1);
    s2 = hn::MulAdd(y, hn::LoadU(d, r.ref + t), s2);
    s3 = hn::MulAdd(y, hn::LoadU(d, r.cosr + t), s3);
    s4 = hn::MulAdd(y, hn::LoadU(d, r.sinr + t), s4);
  }
  hn::Store(s0, d, acc + 0 * kMaxLanes);
  hn::Store(s1, d, acc + 1 * kMaxLanes);
  hn::Store(s2, d, acc + 2 * kMaxLanes);
  hn::Store(s3, d, acc + 3 * kMaxLanes);
  hn::Store(s4, d, acc + 4 * kMaxLanes);
  if constexpr (kTest) return hn::AllTrue(d, hn::Eq(probe, hn::Zero(d)));
  return true;
}

// AccumulateSpan: as AccumulateSpanWith for the channel's own filter.
// Precondition: r.x readable on [⌊b/N⌋·N − max(16, tap0 + 3), ⌈e/N⌉·N), the other rows on
// [⌊b/N⌋·N, ⌈e/N⌉·N), all finite there; `aligned`: r.x is 64-byte aligned (the engine's tile
// rows), which lets AVX-512 build the filter's shifted vectors from aligned loads.
HWY_INLINE void AccumulateSpan(const KernelRows& r, size_t b, size_t e, float* HWY_RESTRICT acc,
                               bool aligned = false) {
  const hn::ScalableTag<float> d;
#ifdef METERDSP_ALIGNED_FILTER
  if (aligned && r.filter != nullptr && r.filter->ntaps == 4) {
    const DelayFilter* f = r.filter;
    switch (f->tap0) {  // tap0 ∈ [0, 4] for corrections within ±kMaxCorrectionSamples
      case 0: (void)AccumulateSpanWith(d, r, b, e, acc, [&](ptrdiff_t t) { return FilteredAligned<0>(d, r.x, f, t); }); return;
      case 1: (void)AccumulateSpanWith(d, r, b, e, acc, [&](ptrdiff_t t) { return FilteredAligned<1>(d, r.x, f, t); }); return;
      case 2: (void)AccumulateSpanWith(d, r, b, e, acc, [&](ptrdiff_t t) { return FilteredAligned<2>(d, r.x, f, t); }); return;
      case 3: (void)AccumulateSpanWith(d, r, b, e, acc, [&](ptrdiff_t t) { return FilteredAligned<3>(d, r.x, f, t); }); return;
      case 4: (void)AccumulateSpanWith(d, r, b, e, acc, [&](ptrdiff_t t) { return FilteredAligned<4>(d, r.x, f, t); }); return;
      default: break;
    }
  }
#else
  (void)aligned;
#endif
  (void)AccumulateSpanWith(d, r, b, e, acc, [&](ptrdiff_t t) { return FilteredAt(d, r.x, r.filter, t); });
}

// A current's samples read in place (InPlaceRows): src[t − begin] scaled as the front end
// scales them into the tile, (x − offset)·gain, with the operations that change nothing left out
// (the same values for every finite x, −0 included: x − 0 = x, x·1 = x).
enum InPlaceScale { kScaleNone, kScaleGain, kScaleOffsetGain };
inline InPlaceScale ScaleOf(const ChannelScale& s) {
  return s.offset != 0.0f ? kScaleOffsetGain : s.gain != 1.0f ? kScaleGain : kScaleNone;
}
// The raw samples src[t − begin ..] (the in-place kernel's test reads them).
template <class D>
HWY_INLINE hn::Vec<D> RawAt(D d, const float* HWY_RESTRICT src, size_t begin, ptrdiff_t t) {
  return hn::LoadU(d, src + (static_cast<size_t>(t) - begin));
}
// x scaled as the front end scales it into the tile, with kScale's operations.
template <InPlaceScale kScale, class D>
HWY_INLINE hn::Vec<D> ScaledInPlace(D d, hn::Vec<D> x, const ChannelScale& s) {
  if constexpr (kScale == kScaleOffsetGain) {
    return hn::Mul(hn::Sub(x, hn::Set(d, s.offset)), hn::Set(d, s.gain));
  } else if constexpr (kScale == kScaleGain) {
    return hn::Mul(x, hn::Set(d, s.gain));
  } else {
    return x;
  }
}
template <InPlaceScale kScale, class D>
HWY_INLINE hn::Vec<D> InPlaceAt(D d, const float* HWY_RESTRICT src, size_t begin, const ChannelScale& s,
                                ptrdiff_t t) {
  return ScaledInPlace<kScale>(d, RawAt(d, src, begin, t), s);
}

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
#define METERDSP_PAIRED_KERNEL 1
// Two channels in one pass: each sum is a chain of dependent multiply-adds (one per vector),
// so one channel leaves the FMA pipes waiting on latency; interleaving two channels' chains
// fills them. Each channel's lanes take exactly the operations of AccumulateSpanWith, in the
// same order, so the sums are bit-identical. Only on AVX-512 (32 registers hold both
// channels' ten sums, rows and filter operands).
// `tested_a`, `tested_b`: as AccumulateSpanWith's `tested` (both NoTest or neither).
template <class D, class FilteredA, class FilteredB, class TestedA = NoTest, class TestedB = NoTest>
HWY_INLINE bool AccumulatePairWith(D d, const KernelRows& ra, const KernelRows& rb, size_t b, size_t e,
                                   float* HWY_RESTRICT acc_a, float* HWY_RESTRICT acc_b,
                                   const FilteredA& filtered_a, const FilteredB& filtered_b,
                                   const TestedA& tested_a = TestedA(), const TestedB& tested_b = TestedB()) {
  constexpr bool kTest = !std::is_same_v<TestedA, NoTest>;
  static_assert(kTest == !std::is_same_v<TestedB, NoTest>, "both channels tested or neither");
  const size_t N = hn::Lanes(d);
  auto probe = hn::Zero(d);
  auto a0 = hn::Load(d, acc_a + 0 * kMaxLanes), b0 = hn::Load(d, acc_b + 0 * kMaxLanes);
  auto a1 = hn::Load(d, acc_a + 1 * kMaxLanes), b1 = hn::Load(d, acc_b + 1 * kMaxLanes);
  auto a2 = hn::Load(d, acc_a + 2 * kMaxLanes), b2 = hn::Load(d, acc_b + 2 * kMaxLanes);
  auto a3 = hn::Load(d, acc_a + 3 * kMaxLanes), b3 = hn::Load(d, acc_b + 3 * kMaxLanes);
  auto a4 = hn::Load(d, acc_a + 4 * kMaxLanes), b4 = hn::Load(d, acc_b + 4 * kMaxLanes);
  for (size_t t = b / N * N; t < e; t += N) {
    if constexpr (kTest) {
      probe = hn::MulAdd(tested_a(static_cast<ptrdiff_t>(t)), hn::Zero(d), probe);
      probe = hn::MulAdd(tested_b(static_cast<ptrdiff_t>(t)), hn::Zero(d), probe);
    }
    auto ya = filtered_a(static_cast<ptrdiff_t>(t));
    auto yb = filtered_b(static_cast<ptrdiff_t>(t));
    if (t < b || t + N > e) {  // partial vector: zero the lanes outside [b, e)
      const size_t lo = b > t ? b - t : 0;
      const size_t hi = e - t < N ? e - t : N;
      const auto keep = hn::AndNot(hn::FirstN(d, lo), hn::FirstN(d, hi));
      ya = hn::IfThenElseZero(keep, ya);
      yb = hn::IfThenElseZero(keep, yb);
    }
    const auto cs = hn::LoadU(d, ra.cosr + t), sn = hn::LoadU(d, ra.sinr + t);
    a0 = hn::Add(a0, ya);
    b0 = hn::Add(b0, yb);
    a1 = hn::MulAdd(ya, ya, a1);
    b1 = hn::MulAdd(yb, yb, b1);
    a2 = hn::MulAdd(ya, hn::LoadU(d, ra.ref + t), a2);
    b2 = hn::MulAdd(yb, hn::LoadU(d, rb.ref + t), b2);
    a3 = hn::MulAdd(ya, cs, a3);
    b3 = hn::MulAdd(yb, cs, b3);
    a4 = hn::MulAdd(ya, sn, a4);
    b4 = hn::MulAdd(yb, sn, b4);
  }
  hn::Store(a0, d, acc_a + 0 * kMaxLanes);
  hn::Store(a1, d, acc_a + 1 * kMaxLanes);
  hn::Store(a2, d, acc_a + 2 * kMaxLanes);
  hn::Store(a3, d, acc_a + 3 * kMaxLanes);
  hn::Store(a4, d, acc_a + 4 * kMaxLanes);
  hn::Store(b0, d, acc_b + 0 * kMaxLanes);
  hn::Store(b1, d, acc_b + 1 * kMaxLanes);
  hn::Store(b2, d, acc_b + 2 * kMaxLanes);
  hn::Store(b3, d, acc_b + 3 * kMaxLanes);
  hn::Store(b4, d, acc_b + 4 * kMaxLanes);
  if constexpr (kTest) return hn::AllTrue(d, hn::Eq(probe, hn::Zero(d)));
  return true;
}

// AccumulateSpan for two channels sharing the cos/sin rows (the engine's tile rows, 64-byte
// aligned): both 4-tap filters with the same tap0 take the aligned AVX-512 filter, any other
// combination the generic one (same values).
HWY_INLINE void AccumulatePair(const KernelRows& ra, const KernelRows& rb, size_t b, size_t e,
                               float* HWY_RESTRICT acc_a, float* HWY_RESTRICT acc_b) {
  const hn::ScalableTag<float> d;
  const DelayFilter *fa = ra.filter, *fb = rb.filter;
  if (fa != nullptr && fb != nullptr && fa->ntaps == 4 && fb->ntaps == 4 && fa->tap0 == fb->tap0) {
    switch (fa->tap0) {
#define METERDSP_PAIR_CASE(k)                                                                        \
  case k:                                                                                            \
    (void)AccumulatePairWith(                                                                        \
        d, ra, rb, b, e, acc_a, acc_b, [&](ptrdiff_t t) { return FilteredAligned<k>(d, ra.x, fa, t); }, \
        [&](ptrdiff_t t) { return FilteredAligned<k>(d, rb.x, fb, t); });                           \
    return;
      METERDSP_PAIR_CASE(0)
      METERDSP_PAIR_CASE(1)
      METERDSP_PAIR_CASE(2)
      METERDSP_PAIR_CASE(3)
      METERDSP_PAIR_CASE(4)
#undef METERDSP_PAIR_CASE
      default:
        break;
    }
  }
  (void)AccumulatePairWith(d, ra, rb, b, e, acc_a, acc_b, [&](ptrdiff_t t) { return FilteredAt(d, ra.x, fa, t); },
                           [&](ptrdiff_t t) { return FilteredAt(d, rb.x, fb, t); });
}
#endif

// Writes y[t] (the delay-filtered row) for t in [b, e). May also write up to N − 1 entries
// past e (the caller's row has room). Precondition as AccumulateSpan.
HWY_INLINE void DelayRow(const float* HWY_RESTRICT x, const DelayFilter* f, size_t b,
                         size_t e, float* HWY_RESTRICT y) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  for (size_t t = b / N * N; t < e; t += N) {
    const auto v = FilteredAt(d, x, f, static_cast<ptrdiff_t>(t));
    if (t < b) {  // keep the entries before b as they are
      hn::StoreU(hn::IfThenElse(hn::FirstN(d, b - t), hn::LoadU(d, y + t), v), d, y + t);
    } else {
      hn::StoreU(v, d, y + t);
    }
  }
}

// ---------------------------------------------------------------- frame-major lane kernel
// Every channel of a frame side by side (lane = frame column): per lane l and tile frame t,
// y = Σ_{L = lag_lo..lag_hi} weight[L][l]·x[t − L][l] (kPlain: x[t − lag_lo][l], no filter),
// and sums[q][l] += Σy, Σy², Σy·vref[t][ref[l]], Σy·cos_t, Σy·sin_t, in frame order. Lanes
// are independent and each adds its frames in order, so the sums do not depend on how [b, e)
// is split into calls.
// Vectors of at most 16 lanes (kLaneStride is a multiple of three such groups).
using LaneTag = hn::CappedTag<float, 16>;

template <bool kPlain, class D>
HWY_INLINE hn::Vec<D> LaneY(D d, const LaneTile& s, ptrdiff_t t, size_t l) {
  if constexpr (kPlain) {
    return hn::Load(d, s.x[t - s.lag_lo] + l);
  } else {
    auto y = hn::Mul(hn::Load(d, s.weight[s.lag_lo] + l), hn::Load(d, s.x[t - s.lag_lo] + l));
    for (ptrdiff_t lag = s.lag_lo + 1; lag <= s.lag_hi; ++lag) {
      y = hn::MulAdd(hn::Load(d, s.weight[lag] + l), hn::Load(d, s.x[t - lag] + l), y);
    }
    return y;
  }
}

#if HWY_TARGET == HWY_SCALAR || (HWY_TARGET & (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128))
// Reference voltage per lane by selection (one lane, or sizeless vectors, which cannot be
// members: the masks are rebuilt from the lane's reference index at each use). Only the tests
// run the frame-major kernel on these targets: frames take row tiles there (FramesLayoutImpl).
template <class D>
struct LaneRef {
  const int32_t* ref;
  LaneRef(D /*d*/, const int32_t* r) : ref(r) {}
  hn::Vec<D> At(D d, const float* v) const {
    const hn::RebindToSigned<D> di;
    const auto r = hn::Load(di, ref);
    const auto is0 = hn::RebindMask(d, hn::Eq(r, hn::Zero(di)));
    const auto is1 = hn::RebindMask(d, hn::Eq(r, hn::Set(di, 1)));
    return hn::IfThenElse(is0, hn::Set(d, v[0]), hn::IfThenElse(is1, hn::Set(d, v[1]), hn::Set(d, v[2])));
  }
};
#else
// Reference voltage per lane by a table lookup in the frame's four voltages.
template <class D>
struct LaneRef {
  decltype(hn::IndicesFromVec(D(), hn::Zero(hn::RebindToSigned<D>()))) idx;
  LaneRef(D d, const int32_t* ref) : idx(hn::IndicesFromVec(d, hn::Load(hn::RebindToSigned<D>(), ref))) {}
  hn::Vec<D> At(D d, const float* v) const { return hn::TableLookupLanes(hn::LoadDup128(d, v), idx); }
};
#endif

// Three groups of lanes [l, l + 3N) (kThird; else two, [l, l + 2N)), sums in registers across
// the frames: each sum is a chain of dependent multiply-adds, one per frame; fifteen (or ten)
// chains keep the FMA pipes busy where five leave them waiting on latency. A lane takes the
// same operations in either form.
template <bool kPlain, bool kThird, class D>
HWY_INLINE void AccumulateLaneGroups(D d, const LaneTile& s, size_t l, size_t b, size_t e,
                                     float (*HWY_RESTRICT sums)[kLaneStride]) {
  const size_t N = hn::Lanes(d);
  const size_t la = l, lb = l + N, lc = kThird ? l + 2 * N : l;
  auto a0 = hn::Load(d, sums[0] + la), a1 = hn::Load(d, sums[1] + la), a2 = hn::Load(d, sums[2] + la);
  auto a3 = hn::Load(d, sums[3] + la), a4 = hn::Load(d, sums[4] + la);
  auto b0 = hn::Load(d, sums[0] + lb), b1 = hn::Load(d, sums[1] + lb), b2 = hn::Load(d, sums[2] + lb);
  auto b3 = hn::Load(d, sums[3] + lb), b4 = hn::Load(d, sums[4] + lb);
  auto c0 = hn::Load(d, sums[0] + lc), c1 = hn::Load(d, sums[1] + lc), c2 = hn::Load(d, sums[2] + lc);
  auto c3 = hn::Load(d, sums[3] + lc), c4 = hn::Load(d, sums[4] + lc);
  const LaneRef<D> ra(d, s.ref + la), rb(d, s.ref + lb), rc(d, s.ref + lc);
  for (size_t t = b; t < e; ++t) {
    const ptrdiff_t ti = static_cast<ptrdiff_t>(t);
    const auto ya = LaneY<kPlain>(d, s, ti, la), yb = LaneY<kPlain>(d, s, ti, lb);
    const auto cs = hn::Set(d, s.cosr[t]), sn = hn::Set(d, s.sinr[t]);
    a0 = hn::Add(a0, ya), b0 = hn::Add(b0, yb);
    a1 = hn::MulAdd(ya, ya, a1), b1 = hn::MulAdd(yb, yb, b1);
    a2 = hn::MulAdd(ya, ra.At(d, s.vref[t]), a2);
    b2 = hn::MulAdd(yb, rb.At(d, s.vref[t]), b2);
    a3 = hn::MulAdd(ya, cs, a3), b3 = hn::MulAdd(yb, cs, b3);
    a4 = hn::MulAdd(ya, sn, a4), b4 = hn::MulAdd(yb, sn, b4);
    if constexpr (kThird) {
      const auto yc = LaneY<kPlain>(d, s, ti, lc);
      c0 = hn::Add(c0, yc);
      c1 = hn::MulAdd(yc, yc, c1);
      c2 = hn::MulAdd(yc, rc.At(d, s.vref[t]), c2);
      c3 = hn::MulAdd(yc, cs, c3);
      c4 = hn::MulAdd(yc, sn, c4);
    }
  }
  hn::Store(a0, d, sums[0] + la), hn::Store(a1, d, sums[1] + la), hn::Store(a2, d, sums[2] + la);
  hn::Store(a3, d, sums[3] + la), hn::Store(a4, d, sums[4] + la);
  hn::Store(b0, d, sums[0] + lb), hn::Store(b1, d, sums[1] + lb), hn::Store(b2, d, sums[2] + lb);
  hn::Store(b3, d, sums[3] + lb), hn::Store(b4, d, sums[4] + lb);
  if constexpr (kThird) {
    hn::Store(c0, d, sums[0] + lc), hn::Store(c1, d, sums[1] + lc), hn::Store(c2, d, sums[2] + lc);
    hn::Store(c3, d, sums[3] + lc), hn::Store(c4, d, sums[4] + lc);
  }
}

// Lanes [0, lanes) (rounded up to whole triples, or a pair at the end where two groups cover
// the rest; ≤ kLaneStride) over tile frames [b, e). A pair instead of a triple where the third
// group would hold no channel: int16 chain with 3 V + 24 I (27 columns) 0.92× the time, 64 I
// 0.98×, 92 I unchanged (in-process A/B, 15–21 rounds; the same bits).
// Precondition: s.x readable from row b − lag_hi, the rows 64-byte aligned; sums 64-byte
// aligned.
template <bool kPlain>
HWY_INLINE void AccumulateLanesT(const LaneTile& s, size_t lanes, size_t b, size_t e,
                                 float (*HWY_RESTRICT sums)[kLaneStride]) {
  const LaneTag d;
  const size_t N = hn::Lanes(d);
  // 3N divides kLaneStride (N ≤ 16, a power of two), so whole triples cover [0, lanes).
  static_assert(kLaneStride % 48 == 0, "lane rows hold whole triples of 16-lane groups");
  for (size_t l = 0; l < lanes; l += 3 * N) {
    if (lanes - l <= 2 * N) {
      AccumulateLaneGroups<kPlain, false>(d, s, l, b, e, sums);
    } else {
      AccumulateLaneGroups<kPlain, true>(d, s, l, b, e, sums);
    }
  }
}
HWY_INLINE void AccumulateLanes(const LaneTile& s, size_t lanes, size_t b, size_t e,
                                float (*HWY_RESTRICT sums)[kLaneStride]) {
  if (s.weight == nullptr) {
    AccumulateLanesT<true>(s, lanes, b, e, sums);
  } else {
    AccumulateLanesT<false>(s, lanes, b, e, sums);
  }
}

// Adds the N lanes of acc[count][kMaxLanes], widened to double, to sums[count].
HWY_INLINE void AddLaneSums(const float* HWY_RESTRICT acc, double* HWY_RESTRICT sums,
                            size_t count = kSumCount) {
  for (size_t q = 0; q < count; ++q) {
#if HWY_TARGET == HWY_SCALAR
    sums[q] += double{acc[q * kMaxLanes]};
#elif !HWY_HAVE_FLOAT64  // 32-bit Arm: the halves widened and added lane by lane, then in order
    const size_t H = hn::Lanes(hn::ScalableTag<float>()) / 2;
    const float* a = acc + q * kMaxLanes;
    double total = 0;
    for (size_t k = 0; k < H; ++k) total += double{a[k]} + double{a[H + k]};
    sums[q] += total;
#else
    const hn::ScalableTag<float> d;
    const hn::Half<decltype(d)> dh;
    const hn::Rebind<double, decltype(dh)> dd;
    const auto v = hn::Load(d, acc + q * kMaxLanes);
    const auto wide = hn::Add(hn::PromoteTo(dd, hn::LowerHalf(dh, v)),
                              hn::PromoteTo(dd, hn::UpperHalf(dh, v)));
    sums[q] += hn::GetLane(hn::SumOfLanes(dd, wide));
#endif
  }
}

#ifdef METERDSP_ALIGNED_FILTER  // AVX-512
#define METERDSP_REDUCE_EIGHT 1
// Eight consecutive lane vectors acc[0..8) (16 floats each) → their eight totals, each added in
// exactly AddLaneSums's order — halves widened and added, then the tree of
// _mm512_reduce_add_pd (256-bit halves, 128-bit halves, the last pair) — but for eight sums
// at once, transposed, instead of one horizontal reduction each.
HWY_INLINE __m512d ReduceEightLanes(const float* HWY_RESTRICT acc) {
  __m512d w[8];
  for (int k = 0; k < 8; ++k) {
    const __m512 v = _mm512_load_ps(acc + k * kMaxLanes);
    const __m256 lo = _mm512_castps512_ps256(v);
    const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    w[k] = _mm512_add_pd(_mm512_cvtps_pd(lo), _mm512_cvtps_pd(hi));
  }
  __m512d u[4];  // u[j] = [hi256 + lo256 of w[2j] | of w[2j+1]]
  for (int j = 0; j < 4; ++j) {
    u[j] = _mm512_add_pd(_mm512_shuffle_f64x2(w[2 * j], w[2 * j + 1], _MM_SHUFFLE(3, 2, 3, 2)),
                         _mm512_shuffle_f64x2(w[2 * j], w[2 * j + 1], _MM_SHUFFLE(1, 0, 1, 0)));
  }
  __m512d z[2];  // z[j] = per 128-bit block b: hi128 + lo128 of u's sum 4j + b
  for (int j = 0; j < 2; ++j) {
    z[j] = _mm512_add_pd(_mm512_shuffle_f64x2(u[2 * j], u[2 * j + 1], _MM_SHUFFLE(3, 1, 3, 1)),
                         _mm512_shuffle_f64x2(u[2 * j], u[2 * j + 1], _MM_SHUFFLE(2, 0, 2, 0)));
  }
  // Per block b: [total b, total 4 + b]; then in sum order.
  const __m512d r = _mm512_add_pd(_mm512_unpacklo_pd(z[0], z[1]), _mm512_unpackhi_pd(z[0], z[1]));
  return _mm512_permutexvar_pd(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), r);
}
#endif

// AddLaneSums for count consecutive lane vectors acc[i·kMaxLanes] → sums[i], the same
// values, eight at a time on AVX-512.
HWY_INLINE void AddManyLaneSums(const float* HWY_RESTRICT acc, double* HWY_RESTRICT sums, size_t count) {
  size_t i = 0;
#ifdef METERDSP_REDUCE_EIGHT
  for (; i + 8 <= count; i += 8) {
    _mm512_storeu_pd(sums + i, _mm512_add_pd(_mm512_loadu_pd(sums + i), ReduceEightLanes(acc + i * kMaxLanes)));
  }
#endif
  AddLaneSums(acc + i * kMaxLanes, sums + i, count - i);
}

// Measure(): how many channels' rows are accumulated side by side (MeasureRowsFrom, below).
#if HWY_HAVE_SCALABLE || HWY_TARGET == HWY_SCALAR
// Sizeless vectors cannot form arrays; SCALAR's one-lane vectors in arrays live in memory
// (2.1× slower than one row at a time).
#define METERDSP_MEASURE_ONE_ROW 1
#define METERDSP_MEASURE_GROUP 1
#elif HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
#define METERDSP_MEASURE_GROUP 4  // 20 sums + 4 operands in 32 registers
#else
#define METERDSP_MEASURE_GROUP 2  // 10 sums + 4 operands in 16 registers
#endif
inline constexpr size_t kMeasureGroup = METERDSP_MEASURE_GROUP;

// MeasureRowsFrom's samples: float32 rows read in place (r[g].x), the next G rows' [0, e)
// prefetched into L1 meanwhile, a line per 16 floats per row (for first calls, whose rows come
// from DRAM; docs/performance.md) when `ahead` is set.
struct MeasureF32Source {
  const KernelRows* HWY_RESTRICT r;
  const KernelRows* HWY_RESTRICT ahead;
  template <class D>
  HWY_INLINE hn::Vec<D> Load(D d, size_t g, size_t t) const {
    if (ahead != nullptr && t % 16 == 0) __builtin_prefetch(ahead[g].x + t, 0, 3);
    return hn::LoadU(d, r[g].x + t);
  }
  HWY_INLINE double At(size_t g, size_t t) const { return r[g].x[t]; }
};

// Measure(): G channels' rows at a time over [0, e) (caller-owned arrays, readable only there,
// no delay filter), sharing the cos/sin loads; samples y from `src` (MeasureF32Source,
// MeasureF64Source), the other rows from r[g]. Several rows read side by side keep several
// memory streams in flight (one row at a time waits on each row chunk's first lines;
// docs/performance.md) and give the FMA pipes independent chains. Whole vectors go to lanes
// that start at zero and are then added to sums[g][kSumCount] in double
// (AddLaneSums), after the tail samples t ∈ [⌊e/N⌋·N, e), which are added to the sums
// directly: each row takes the operations of a single-row pass in the same order, so the sums
// are the same bits however the rows are grouped.
template <size_t G, class Source>
HWY_INLINE void MeasureRowsFrom(const KernelRows* HWY_RESTRICT r, size_t e, double* HWY_RESTRICT sums,
                                const Source& src) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const size_t ve = e / N * N;
  for (size_t g = 0; g < G; ++g) {
    double* edge = sums + g * kSumCount;
    for (size_t t = ve; t < e; ++t) {
      const double y = src.At(g, t);
      edge[0] += y;
      edge[1] += y * y;
      edge[2] += y * r[g].ref[t];
      edge[3] += y * r[g].cosr[t];
      edge[4] += y * r[g].sinr[t];
    }
  }
  HWY_ALIGN float lanes[G][kSumCount * kMaxLanes];
#ifdef METERDSP_MEASURE_ONE_ROW
  static_assert(G == 1, "this target measures one row at a time");
  for (float& x : lanes[0]) x = 0.0f;
  (void)AccumulateSpanWith(d, r[0], 0, ve, lanes[0], [&](ptrdiff_t t) { return src.Load(d, 0, static_cast<size_t>(t)); });
#else
  using V = hn::Vec<decltype(d)>;
  V s[G][kSumCount];
  for (size_t g = 0; g < G; ++g) {
    for (size_t q = 0; q < kSumCount; ++q) s[g][q] = hn::Zero(d);
  }
  for (size_t t = 0; t < ve; t += N) {
    const V cs = hn::LoadU(d, r[0].cosr + t), sn = hn::LoadU(d, r[0].sinr + t);
    for (size_t g = 0; g < G; ++g) {
      const V y = src.Load(d, g, t);
      s[g][0] = hn::Add(s[g][0], y);
      s[g][1] = hn::MulAdd(y, y, s[g][1]);
      s[g][2] = hn::MulAdd(y, hn::LoadU(d, r[g].ref + t), s[g][2]);
      s[g][3] = hn::MulAdd(y, cs, s[g][3]);
      s[g][4] = hn::MulAdd(y, sn, s[g][4]);
    }
  }
  for (size_t g = 0; g < G; ++g) {
    for (size_t q = 0; q < kSumCount; ++q) hn::Store(s[g][q], d, lanes[g] + q * kMaxLanes);
  }
#endif
  AddManyLaneSums(lanes[0], sums, G * kSumCount);  // lanes[g][q] → sums[g·kSumCount + q]
}

#ifndef METERDSP_MEASURE_ONE_ROW
// MeasureRowsFrom's samples from float64 rows x[g], demoted to float32 in registers (the values a
// demotion into a float32 row gives: DemoteTo in the vectors, ToFloat32 in the tail), the next
// G rows' [0, e) prefetched into L1 meanwhile when `ahead` is set.
struct MeasureF64Source {
  const double* const* HWY_RESTRICT x;
  const double* const* HWY_RESTRICT ahead;
  template <class D>
  HWY_INLINE hn::Vec<D> Load(D d, size_t g, size_t t) const {
    const size_t N = hn::Lanes(d);
    if (ahead != nullptr && t % 8 == 0) {  // a line per 8 doubles
      for (size_t k = 0; k < N; k += 8) __builtin_prefetch(ahead[g] + t + k, 0, 3);
    }
#if HWY_HAVE_FLOAT64
    const hn::Half<D> dh;
    const hn::Rebind<double, decltype(dh)> dd;
    const auto lo = hn::DemoteTo(dh, hn::LoadU(dd, x[g] + t));
    const auto hi = hn::DemoteTo(dh, hn::LoadU(dd, x[g] + t + N / 2));
    return hn::Combine(d, hi, lo);
#else  // 32-bit Arm: no float64 vectors; the same values demoted one by one
    HWY_ALIGN float y[kMaxLanes];
    for (size_t k = 0; k < N; ++k) y[k] = ToFloat32(x[g][t + k]);
    return hn::Load(d, y);
#endif
  }
  HWY_INLINE double At(size_t g, size_t t) const { return ToFloat32(x[g][t]); }
};
#endif

// atan2(y, x) in degrees, (−180, 180], per lane. Argument reduction to |t| ≤ tan(π/8), then
// a degree-10 polynomial in t² (least squares on Chebyshev nodes against a long-double
// series); |error| < 1e-14 rad. Lanes with x = y = 0 or a non-finite argument are
// unspecified (the caller falls back to std::atan2 for them).
template <class D>
HWY_INLINE hn::Vec<D> Atan2Deg(D d, hn::Vec<D> y, hn::Vec<D> x) {
  constexpr double kPi = 3.14159265358979323846;
  const auto ax = hn::Abs(x), ay = hn::Abs(y);
  const auto n0 = hn::Div(hn::Min(ax, ay), hn::Max(ax, ay));  // [0, 1]
  const auto one = hn::Set(d, 1.0);
  const auto far = hn::Gt(n0, hn::Set(d, 0.41421356237309504880));  // atan(n) = π/4 + atan((n−1)/(n+1))
  const auto n = hn::IfThenElse(far, hn::Div(hn::Sub(n0, one), hn::Add(n0, one)), n0);
  const auto u = hn::Mul(n, n);
  auto p = hn::Set(d, -0.030407934943471198);
  p = hn::MulAdd(p, u, hn::Set(d, 0.048385838988920363));
  p = hn::MulAdd(p, u, hn::Set(d, -0.054016836401250129));
  p = hn::MulAdd(p, u, hn::Set(d, 0.059184442039117761));
  p = hn::MulAdd(p, u, hn::Set(d, -0.066714347001931962));
  p = hn::MulAdd(p, u, hn::Set(d, 0.07692673269452853));
  p = hn::MulAdd(p, u, hn::Set(d, -0.090909256035332314));
  p = hn::MulAdd(p, u, hn::Set(d, 0.1111111153071408));
  p = hn::MulAdd(p, u, hn::Set(d, -0.14285714291046114));
  p = hn::MulAdd(p, u, hn::Set(d, 0.20000000000025764));
  p = hn::MulAdd(p, u, hn::Set(d, -0.33333333333336712));
  auto a = hn::Add(hn::IfThenElseZero(far, hn::Set(d, kPi / 4)), hn::MulAdd(hn::Mul(n, u), p, n));
  a = hn::IfThenElse(hn::Gt(ay, ax), hn::Sub(hn::Set(d, kPi / 2), a), a);
  a = hn::IfThenElse(hn::Lt(x, hn::Zero(d)), hn::Sub(hn::Set(d, kPi), a), a);
  // (−180, 180]: −π (y = −0, x < 0) reads +180.
  const auto deg = hn::Mul(hn::CopySign(a, y), hn::Set(d, 180.0 / kPi));
  return hn::IfThenElse(hn::Le(deg, hn::Set(d, -180.0)), hn::Add(deg, hn::Set(d, 360.0)), deg);
}

#if HWY_HAVE_FLOAT64
// A window's results of currents [c.first, c.first + c.count) from their sums, N currents at a
// time, each lane with the operations of the scalar FinalizeChannels in their order (a caller
// that wants its bits forbids fusing multiplies and adds): irms, p, q, s, n, pf, dpf, angle_deg,
// i_thd_pct, quadrant and flags_ch of r. Returns false (r then partly written) where a current
// above its minimum ON current leaves the scalar code's fast path: P1 and Q1 both NaN (the
// complex product's special cases) or an angle outside Atan2Deg's domain (zero or non-finite).
HWY_INLINE bool FinalizeCurrents(const CurrentTerms& c, WindowResult& r) {
  const hn::CappedTag<double, kCurrentBatch> d;  // a batch's arrays hold kCurrentBatch
  using V = hn::Vec<decltype(d)>;
  const size_t N = hn::Lanes(d);
  const V zero = hn::Zero(d), one = hn::Set(d, 1.0), minus_one = hn::Set(d, -1.0);
  const V nan = hn::Set(d, std::numeric_limits<double>::quiet_NaN());
  const V inf = hn::Set(d, std::numeric_limits<double>::infinity());
  const V inv_w = hn::Set(d, c.inv_w), phasor_scale = hn::Set(d, c.phasor_scale);
  auto max0 = [&](V x) { return hn::IfThenElse(hn::Lt(x, zero), zero, x); };  // std::max(x, 0.0)
  auto clamp1 = [&](V x) {  // std::clamp(x, -1.0, 1.0)
    return hn::IfThenElse(hn::Lt(x, minus_one), minus_one, hn::IfThenElse(hn::Lt(one, x), one, x));
  };
  auto fit = [&](size_t i) { return hn::Set(d, c.fit_inv[i]); };
  bool ok = true;
  for (size_t k = 0; k < c.count; k += N) {
    const V s0 = hn::LoadU(d, c.s[0] + k), s1 = hn::LoadU(d, c.s[1] + k), s2 = hn::LoadU(d, c.s[2] + k);
    const V s3 = hn::LoadU(d, c.s[3] + k), s4 = hn::LoadU(d, c.s[4] + k);
    const V ph = hn::Load(d, c.phase + k);
    const auto is0 = hn::Eq(ph, zero), is1 = hn::Eq(ph, one);
    auto pick = [&](const double* per_voltage) {  // per lane, the entry of its phase
      return hn::IfThenElse(is0, hn::Set(d, per_voltage[0]),
                            hn::IfThenElse(is1, hn::Set(d, per_voltage[1]), hn::Set(d, per_voltage[2])));
    };
    const V mean = hn::Mul(s0, inv_w);
    const auto current_dc = hn::Ne(hn::Load(d, c.dc + k), zero);
    V ms = hn::Mul(s1, inv_w);
    ms = hn::IfThenElse(current_dc, hn::Sub(ms, hn::Mul(mean, mean)), ms);
    const V irms = hn::Sqrt(max0(ms));
    const auto on = hn::AndNot(hn::Eq(irms, zero), hn::Ge(irms, hn::Load(d, c.min_on + k)));
    const V ire = hn::Mul(s3, phasor_scale), iim = hn::Mul(hn::Neg(s4), phasor_scale);
    const V imag = hn::Sqrt(hn::Add(hn::Mul(ire, ire), hn::Mul(iim, iim)));
    V thd = nan;
    if (c.distortion && c.fit_ok) {  // DistortionFit::Pct, y = (Σy, Σy·cos, Σy·sin)
      const V scale = hn::Set(d, c.fit_scale);
      auto row = [&](size_t a, size_t b, size_t e) {
        return hn::Mul(hn::Add(hn::Add(hn::Mul(fit(a), s0), hn::Mul(fit(b), s3)), hn::Mul(fit(e), s4)), scale);
      };
      const V x0 = row(0, 1, 2), x1 = row(1, 3, 4), x2 = row(2, 4, 5);
      const V fund2 = hn::Add(hn::Mul(x1, x1), hn::Mul(x2, x2));
      const V residual = hn::Sub(s1, hn::Add(hn::Add(hn::Mul(x0, s0), hn::Mul(x1, s3)), hn::Mul(x2, s4)));
      const V num = hn::Mul(hn::Set(d, 2.0), max0(residual)), den = hn::Mul(hn::Set(d, c.w), fund2);
      thd = hn::IfThenElse(hn::Gt(fund2, zero), hn::Mul(hn::Set(d, 100.0), hn::Sqrt(hn::Div(num, den))), nan);
    }
    V p = hn::Mul(s2, inv_w);
    const auto p_dc = hn::Or(current_dc, hn::Ne(pick(c.vdc), zero));
    p = hn::IfThenElse(p_dc, hn::Sub(p, hn::Mul(mean, pick(c.vmean))), p);
    // vph · conj(iph) as GCC expands a complex product: (ar·br − ai·bi, ar·bi + ai·br).
    const V vre = pick(c.vre), vim = pick(c.vim), bi = hn::Neg(iim);
    const V p1 = hn::Sub(hn::Mul(vre, ire), hn::Mul(vim, bi));
    const V q1 = hn::Add(hn::Mul(vre, bi), hn::Mul(vim, ire));
    const V sa = hn::Mul(pick(c.vrms), irms), s1v = hn::Mul(pick(c.vmag), imag);
    const V n = hn::Sqrt(max0(hn::Sub(hn::Mul(sa, sa), hn::Mul(p, p))));
    const V pf = hn::IfThenElseZero(hn::Gt(sa, zero), clamp1(hn::Div(p, sa)));
    const V dpf = hn::IfThenElseZero(hn::Gt(s1v, zero), clamp1(hn::Div(p1, s1v)));
    // The angle of iph against the reference phasor b: arg(iph · conj(b)) (AngleBatch::Add).
    const V rre = pick(c.rre), rim = pick(c.rim);
    const V are = hn::Add(hn::Mul(ire, rre), hn::Mul(iim, rim));
    const V aim = hn::Sub(hn::Mul(iim, rre), hn::Mul(ire, rim));
    const auto angle_on = hn::And(on, hn::And(hn::Ne(pick(c.ron), zero), hn::Gt(imag, zero)));
    const V extent = hn::Add(hn::Abs(are), hn::Abs(aim));
    const auto in_domain = hn::And(hn::Gt(extent, zero), hn::Lt(extent, inf));
    const size_t count = c.count - k < N ? c.count - k : N;  // lanes past it: not currents
    const auto nan_product = hn::And(on, hn::And(hn::IsNaN(p1), hn::IsNaN(q1)));
    const auto special = hn::Or(nan_product, hn::AndNot(in_domain, angle_on));
    if (!hn::AllFalse(d, hn::And(hn::FirstN(d, count), special))) ok = false;
    const V angle = hn::IfThenElse(angle_on, Atan2Deg(d, aim, are), nan);
    auto put = [&](double* field, V v) {  // lanes [0, count) into field[c.first + k …]
      double* to = field + c.first + k;
      if (count == N) {
        hn::StoreU(v, d, to);
      } else {  // the last currents, through a whole vector (r's arrays may end here)
        HWY_ALIGN double tail[kCurrentBatch];
        hn::Store(v, d, tail);
        for (size_t j = 0; j < count; ++j) to[j] = tail[j];
      }
    };
    put(r.irms, hn::IfThenElseZero(on, irms));
    put(r.p, hn::IfThenElseZero(on, p));
    put(r.q, hn::IfThenElseZero(on, q1));
    put(r.s, hn::IfThenElseZero(on, sa));
    put(r.n, hn::IfThenElseZero(on, n));
    put(r.pf, hn::IfThenElseZero(on, pf));
    put(r.dpf, hn::IfThenElseZero(on, dpf));
    put(r.angle_deg, angle);
    put(r.i_thd_pct, hn::IfThenElse(on, thd, nan));
    // Quadrant (IEC: I P ≥ 0 Q ≥ 0, II P < 0 Q ≥ 0, III, IV; 0 below the minimum ON current) and
    // the current's flags, lane by lane from the selections.
    const auto pos_q = hn::Ge(q1, zero);
    const V quadrant = hn::IfThenElseZero(
        on, hn::IfThenElse(hn::Ge(p, zero), hn::IfThenElse(pos_q, one, hn::Set(d, 4.0)),
                           hn::IfThenElse(pos_q, hn::Set(d, 2.0), hn::Set(d, 3.0))));
    HWY_ALIGN double quadrant_lane[kCurrentBatch];
    hn::Store(quadrant, d, quadrant_lane);
    for (size_t j = 0; j < count; ++j) {
      const size_t at = c.first + k + j;
      r.quadrant[at] = static_cast<uint8_t>(quadrant_lane[j]);
      const uint32_t below = quadrant_lane[j] == 0.0 ? uint32_t{kFlagBelowMinCurrent} : 0u;
      r.flags_ch[at] = c.flags | c.clip[k + j] | below;
    }
  }
  return ok;
}
#endif

}  // namespace HWY_NAMESPACE
}  // namespace meterdsp
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
