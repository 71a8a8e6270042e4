// Window engine: per-target SIMD accumulation (dispatched once per segment), and the scalar
// frequency tracker, window tiling and per-window finalisation.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/window.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "meterdsp/simd/frontend-inl.h"
#include "meterdsp/simd/window-inl.h"
#include "src/state_bytes.h"

// GCC fuses a multiply and a following add into one rounding where the target has FMA, also
// across Highway's operations; a kernel that must give the scalar code's bits says no.
#ifndef METERDSP_NO_CONTRACT
#if defined(__GNUC__) && !defined(__clang__)
#define METERDSP_NO_CONTRACT __attribute__((optimize("fp-contract=off")))
#else
#define METERDSP_NO_CONTRACT
#endif
#endif

HWY_BEFORE_NAMESPACE();
namespace meterdsp {
namespace HWY_NAMESPACE {
namespace {

// The rows current k's accumulation reads from the tile (rows layout): r with the current's
// own row, delay filter and phase voltage.
KernelRows CurrentTileRow(const WindowEngine& m, const KernelRows& r, size_t k) {
  const size_t nv = m.config.voltages;
  KernelRows c = r;
  c.x = m.crow[k] + kHistoryFrames;
  c.filter = &m.delay[nv + k];
  c.ref = m.vcal[ReferenceRow(nv + k, nv, m.config.phase)] + kHistoryFrames;
  return c;
}

// Float64 rows read in place, where the target has float64 vectors and a fixed vector length
// (not SCALAR, 32-bit Arm or SVE: there a float64 piece is converted into the tile).
#undef METERDSP_IN_PLACE_F64  // per target
#if HWY_HAVE_FLOAT64 && HWY_TARGET != HWY_SCALAR && !(HWY_TARGET & (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128))
#define METERDSP_IN_PLACE_F64 1
using ::meterdsp::HWY_NAMESPACE::InPlaceAt;  // the float32 overloads, beside these
using ::meterdsp::HWY_NAMESPACE::RawAt;
// A float vector of float64 samples src[t − begin ..], demoted as ScaleRow demotes them (two
// float64 vectors, each to half a float vector), then scaled.
template <InPlaceScale kScale, class D>
HWY_INLINE hn::Vec<D> InPlaceAt(D d, const double* HWY_RESTRICT src, size_t begin, const ChannelScale& s,
                                ptrdiff_t t) {
  const hn::Repartition<double, D> dd;
  const hn::Rebind<float, decltype(dd)> dh;
  const double* p = src + (static_cast<size_t>(t) - begin);
  const auto x = hn::Combine(d, hn::DemoteTo(dh, hn::LoadU(dd, p + hn::Lanes(dd))), hn::DemoteTo(dh, hn::LoadU(dd, p)));
  return ScaledInPlace<kScale>(d, x, s);
}
// The test of float64 samples src[t − begin ..] as AddFiniteProbe makes it (x·stretch·0 in
// float64: 0 for a sample within float32's range, NaN otherwise), demoted to a float vector.
template <class D>
HWY_INLINE hn::Vec<D> RawAt(D d, const double* HWY_RESTRICT src, size_t begin, ptrdiff_t t) {
  const hn::Repartition<double, D> dd;
  const hn::Rebind<float, decltype(dd)> dh;
  const double* p = src + (static_cast<size_t>(t) - begin);
  const auto lo = AddFiniteProbe(dd, hn::LoadU(dd, p), hn::Zero(dd));
  const auto hi = AddFiniteProbe(dd, hn::LoadU(dd, p + hn::Lanes(dd)), hn::Zero(dd));
  return hn::Combine(d, hn::DemoteTo(dh, hi), hn::DemoteTo(dh, lo));
}
#endif
bool InPlaceF64Impl() {
#ifdef METERDSP_IN_PLACE_F64
  return true;
#else
  return false;
#endif
}

// The currents' frames [b, e) of an in-place piece (InPlaceRows; rows layout), each current's
// sums as AccumulateSpan gives them from its tile row: the piece's whole vectors from the
// caller's rows, scaled in registers, the partial vectors at the piece's edges (frames the
// tile holds) from the tile. Currents that are not read in place (InPlaceCurrent) from the
// tile. On AVX-512 two currents at a time, as there. With ip.test (ProcessOnePass) the samples
// read in place are tested as the front end tests them (the tile's were tested when written):
// returns false if one is not finite (true otherwise; the sums then hold whatever it gave).
template <typename Sample>
bool AccumulateInPlace(WindowEngine& m, const KernelRows& r, const InPlaceRows& ip, const Sample* rows, size_t b,
                       size_t e) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d), nv = m.config.voltages, nc = m.config.currents;
  // [b, lo) and [hi, e) from the tile, [lo, hi) in place: the vectors of [lo, hi) lie within
  // the piece's whole vectors [first, last).
  const size_t first = (ip.begin + N - 1) / N * N, last = ip.end / N * N;
  const size_t lo = std::min(std::max(first, b), e), hi = std::max(lo, std::min(last, e));
  auto tile_row = [&](size_t k) { return CurrentTileRow(m, r, k); };
  auto sums = [&](size_t k) { return &m.lanes[nv + k][0][0]; };
  auto src = [&](size_t k) { return rows + k * ip.stride; };
  // The caller's rows come from memory or L3 (a block is read once): while current k is
  // accumulated, the span of current k + kAhead is prefetched, a line at a time.
  constexpr size_t kAhead = 2, kLine = 64 / sizeof(Sample);
  auto prefetch = [&](size_t k) {
    if (k >= nc || lo >= hi) return;
    const Sample* p = src(k) + (lo - ip.begin);
    for (size_t j = 0; j < hi - lo; j += kLine) __builtin_prefetch(p + j, 0, 3);
    __builtin_prefetch(p + (hi - lo - 1), 0, 3);
  };
  using None = std::integral_constant<InPlaceScale, kScaleNone>;
  using Gain = std::integral_constant<InPlaceScale, kScaleGain>;
  using OffsetGain = std::integral_constant<InPlaceScale, kScaleOffsetGain>;
  // f(tag) with the scale variant `scale` as the tag's type.
  auto with_scale = [](InPlaceScale scale, const auto& f) {
    if (scale == kScaleNone) return f(None{});
    if (scale == kScaleGain) return f(Gain{});
    return f(OffsetGain{});
  };
  bool finite = true;  // ip.test: no sample read in place was NaN/Inf
  auto one = [&](size_t k) {
    const KernelRows c = tile_row(k);
    const ChannelScale& s = m.scale[nv + k];
    if (b < lo) AccumulateSpan(c, b, lo, sums(k), /*aligned=*/true);
    if (lo < hi) {
      with_scale(ScaleOf(s), [&](auto tag) {
        constexpr InPlaceScale kScale = decltype(tag)::value;
        auto y = [&](ptrdiff_t t) { return InPlaceAt<kScale>(d, src(k), ip.begin, s, t); };
        if (ip.test) {
          finite &= AccumulateSpanWith(d, c, lo, hi, sums(k), y,
                                       [&](ptrdiff_t t) { return RawAt(d, src(k), ip.begin, t); });
        } else {
          (void)AccumulateSpanWith(d, c, lo, hi, sums(k), y);
        }
      });
    }
    if (hi < e) AccumulateSpan(c, hi, e, sums(k), /*aligned=*/true);
  };
  size_t k = 0;
#ifdef METERDSP_PAIRED_KERNEL
  // Both currents of a pair take the larger of their two scale variants (the same values).
  auto pair = [&](size_t k0) {
    const KernelRows ca = tile_row(k0), cb = tile_row(k0 + 1);
    const ChannelScale &sa = m.scale[nv + k0], &sb = m.scale[nv + k0 + 1];
    if (b < lo) AccumulatePair(ca, cb, b, lo, sums(k0), sums(k0 + 1));
    if (lo < hi) {
      with_scale(std::max(ScaleOf(sa), ScaleOf(sb)), [&](auto tag) {
        constexpr InPlaceScale kScale = decltype(tag)::value;
        auto ya = [&](ptrdiff_t t) { return InPlaceAt<kScale>(d, src(k0), ip.begin, sa, t); };
        auto yb = [&](ptrdiff_t t) { return InPlaceAt<kScale>(d, src(k0 + 1), ip.begin, sb, t); };
        if (ip.test) {
          finite &= AccumulatePairWith(d, ca, cb, lo, hi, sums(k0), sums(k0 + 1), ya, yb,
                                       [&](ptrdiff_t t) { return RawAt(d, src(k0), ip.begin, t); },
                                       [&](ptrdiff_t t) { return RawAt(d, src(k0 + 1), ip.begin, t); });
        } else {
          (void)AccumulatePairWith(d, ca, cb, lo, hi, sums(k0), sums(k0 + 1), ya, yb);
        }
      });
    }
    if (hi < e) AccumulatePair(ca, cb, hi, e, sums(k0), sums(k0 + 1));
  };
  for (; k + 1 < nc; k += 2) {
    const bool in_a = InPlaceCurrent(m, k), in_b = InPlaceCurrent(m, k + 1);
    prefetch(k + kAhead);
    prefetch(k + kAhead + 1);
    if (in_a && in_b) {
      pair(k);
    } else if (!in_a && !in_b) {
      AccumulatePair(tile_row(k), tile_row(k + 1), b, e, sums(k), sums(k + 1));
    } else {
      break;  // one of each: one at a time from here
    }
  }
#endif
  for (; k < nc; ++k) {
    prefetch(k + kAhead);
    if (InPlaceCurrent(m, k)) {
      one(k);
    } else {
      AccumulateSpan(tile_row(k), b, e, sums(k), /*aligned=*/true);
    }
  }
  return finite;
}

// The in-place currents of a piece (InPlaceRows) into their tile rows where the tile's frames
// are read later, scaled as ScaleRow scales (the same values): the frames of the piece's
// partial vectors at both ends (AccumulateInPlace reads them from the tile), the last frame
// (the next piece's first window boundary may need it), and the tile's last kHistoryFrames
// frames if the piece ends the tile (the next tile's history). With ip.test the frames written
// are tested as ScaleRow<true> tests them: false if one is not finite.
template <typename Sample>
bool InPlaceEdges(WindowEngine& m, const InPlaceRows& ip, const Sample* rows) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d), nv = m.config.voltages, n = ip.end - ip.begin;
  const size_t head = std::min((ip.begin + N - 1) / N * N, ip.end) - ip.begin;
  const size_t tail_from = ip.end == kTileFrames ? ip.end - kHistoryFrames : std::min(ip.end / N * N, ip.end - 1);
  const size_t tail = ip.end - tail_from;
  for (size_t k = 0; k < m.config.currents; ++k) {
    if (!InPlaceCurrent(m, k)) continue;
    const Sample* src = rows + k * ip.stride;
    const ChannelScale& s = m.scale[nv + k];
    float* row = m.crow[k] + kHistoryFrames;
    uint32_t found = 0;
    if (ip.test) {
      // ProcessOnePass: the edges are tested here, the rest as the kernel reads it; the row's
      // next tile of samples is prefetched into L2 meanwhile, as ScaleRow<true> does.
      const size_t ahead = std::min(ip.readable, n + kTileFrames);
      for (size_t j = n; j < ahead; j += 64 / sizeof(Sample)) __builtin_prefetch(src + j, 0, 2);
      if (head > 0) found |= ScaleRow<true>(src, head, head, s.gain, s.offset, 0.0f, row + ip.begin);
      found |= ScaleRow<true>(src + (tail_from - ip.begin), tail, tail, s.gain, s.offset, 0.0f, row + tail_from);
    } else {
      if (head > 0) found |= ScaleRow<false>(src, head, head, s.gain, s.offset, 0.0f, row + ip.begin);
      found |= ScaleRow<false>(src + (tail_from - ip.begin), tail, tail, s.gain, s.offset, 0.0f, row + tail_from);
    }
    if (found & kRowNonFinite) return false;
  }
  return true;
}
bool InPlaceEdgesImpl(WindowEngine& m, const InPlaceRows& ip) {
#ifdef METERDSP_IN_PLACE_F64
  if (ip.i64 != nullptr) return InPlaceEdges(m, ip, ip.i64);
#endif
  return InPlaceEdges(m, ip, ip.i);
}

// Accumulates tile frames [b, e) of every channel: the voltages row by row into their lane
// sums, the currents likewise (rows layout) or frame by frame, all side by side, into their
// frame-major lane sums (lanes layout). Rows layout: meanwhile the bytes [ahead.begin,
// ahead.end) are prefetched into L2, a slice after each channel (interleaved frames converted
// into rows prefetch the next tile this way; in the lanes layout the conversion does); the
// currents of an in-place piece (ip.active()) are read where the caller holds them. Returns
// false only where AccumulateInPlace does (ip.test: a sample read in place not finite).
bool AccumulateTileImpl(WindowEngine& m, size_t b, size_t e, AheadBytes ahead, const InPlaceRows& ip) {
  const size_t nv = m.config.voltages, nc = m.config.currents;
  const size_t lines = ahead.begin < ahead.end ? static_cast<size_t>(ahead.end - ahead.begin + 63) / 64 : 0;
  size_t fetched = 0;
  auto prefetch_share = [&](size_t channels_done) {
    const size_t upto = lines * channels_done / (nv + nc);
    for (; fetched < upto; ++fetched) __builtin_prefetch(ahead.begin + fetched * 64, 0, 1);
  };
  KernelRows r;
  r.cosr = m.cosr + kHistoryFrames;
  r.sinr = m.sinr + kHistoryFrames;
  for (size_t k = 0; k < nv; ++k) {
    r.x = m.vcal[k] + kHistoryFrames;  // already delay-corrected
    r.filter = nullptr;
    r.ref = m.vcal[ReferenceRow(k, nv, m.config.phase)] + kHistoryFrames;  // Σ v_k·v_k+1: line-to-line RMS
    AccumulateSpan(r, b, e, &m.lanes[k][0][0]);
  }
  for (size_t j = 0; j < kGramRows; ++j) {  // the reference's own sums (WindowEngine::gram)
    KernelRows g = r;
    g.x = j == 0 ? r.cosr : r.sinr;
    g.ref = j == 0 ? r.sinr : r.cosr;
    AccumulateSpan(g, b, e, &m.gram_lanes[j][0][0]);
  }
  if (nc == 0) return true;
  if (m.tile_layout == kLayoutLanes) {
    LaneTile t;
    t.x = m.lane + kHistoryFrames;
    t.vref = m.vref + kHistoryFrames;
    t.cosr = r.cosr;
    t.sinr = r.sinr;
    t.weight = m.lag_plain ? nullptr : m.lag_weight;
    t.ref = m.ref_index;
    t.lag_lo = m.lag_lo;
    t.lag_hi = m.lag_hi;
    AccumulateLanes(t, nv + nc, b, e, m.lane_sums);
    return true;
  }
  if (ip.i != nullptr) return AccumulateInPlace(m, r, ip, ip.i, b, e);
#ifdef METERDSP_IN_PLACE_F64
  if (ip.i64 != nullptr) return AccumulateInPlace(m, r, ip, ip.i64, b, e);
#endif
  prefetch_share(nv);
  auto current_rows = [&](size_t k) { return CurrentTileRow(m, r, k); };
  size_t k = 0;
#ifdef METERDSP_PAIRED_KERNEL
  for (; k + 1 < nc; k += 2) {
    AccumulatePair(current_rows(k), current_rows(k + 1), b, e, &m.lanes[nv + k][0][0], &m.lanes[nv + k + 1][0][0]);
    prefetch_share(nv + k + 2);
  }
#endif
  for (; k < nc; ++k) {
    AccumulateSpan(current_rows(k), b, e, &m.lanes[nv + k][0][0], /*aligned=*/true);
    prefetch_share(nv + k + 1);
  }
  return true;
}

// Writes the delay-corrected voltages of tile frames [b, e), referred to the virtual
// neutral for 3-wire delta.
void DelayVoltagesImpl(WindowEngine& m, size_t b, size_t e) {
  const size_t nv = m.config.voltages;
  for (size_t k = 0; k < nv; ++k) {
    DelayRow(m.x[k] + kHistoryFrames, &m.delay[k], b, e, m.vcal[k] + kHistoryFrames);
  }
  if (m.config.virtual_neutral && m.config.voltages == 3) {
    float* va = m.vcal[0] + kHistoryFrames;
    float* vb = m.vcal[1] + kHistoryFrames;
    float* vc = m.vcal[2] + kHistoryFrames;
    for (size_t t = b; t < e; ++t) {
      const float vn = (va[t] + vb[t] + vc[t]) * (1.0f / 3.0f);
      va[t] -= vn;
      vb[t] -= vn;
      vc[t] -= vn;
    }
  }
  // Frame-major copy for the current lanes' Σy·v: vref[t] = (v0, v1, v2, 0), a vector of
  // frames at a time (the entries of absent voltages stay 0).
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  const float* v0 = m.vcal[0] + kHistoryFrames;
  const float* v1 = m.vcal[nv > 1 ? 1 : 0] + kHistoryFrames;
  const float* v2 = m.vcal[nv > 2 ? 2 : 0] + kHistoryFrames;
  float* vref = &m.vref[kHistoryFrames][0];
  size_t t = b;
  for (; t + N <= e; t += N) {
    const auto a = hn::LoadU(d, v0 + t);
    const auto b1 = nv > 1 ? hn::LoadU(d, v1 + t) : hn::Zero(d);
    const auto c = nv > 2 ? hn::LoadU(d, v2 + t) : hn::Zero(d);
    hn::StoreInterleaved4(a, b1, c, hn::Zero(d), d, vref + 4 * t);
  }
  for (; t < e; ++t) {
    float* v = m.vref[kHistoryFrames + t];
    for (size_t k = 0; k < nv; ++k) v[k] = m.vcal[k][kHistoryFrames + t];
  }
}

// The last count < kMeasureGroup rows of a chunk, side by side as well (one row alone waits on
// its own memory stream); src: their samples (MeasureRowsFrom).
template <class Source>
HWY_INLINE void MeasureRest(const KernelRows* rows, size_t count, size_t len, double* sums, const Source& src) {
  switch (count) {
    case 1: return MeasureRowsFrom<1>(rows, len, sums, src);
#if METERDSP_MEASURE_GROUP > 2
    case 2: return MeasureRowsFrom<2>(rows, len, sums, src);
    case 3: return MeasureRowsFrom<3>(rows, len, sums, src);
#endif
    default: return;  // 0 (count < kMeasureGroup ≤ 4)
  }
}

// Rows [0, count) kMeasureGroup at a time, then the rest side by side; source_of(k, next): the
// samples of rows k, k + 1, … (MeasureRowsFrom), the next group's prefetched meanwhile if next.
template <class SourceOf>
HWY_INLINE void MeasureInGroups(const KernelRows* rows, size_t count, size_t len, double* sums,
                                const SourceOf& source_of) {
  size_t k = 0;
  for (; k + kMeasureGroup <= count; k += kMeasureGroup) {
    MeasureRowsFrom<kMeasureGroup>(rows + k, len, sums + k * kSumCount,
                                   source_of(k, k + 2 * kMeasureGroup <= count));
  }
  MeasureRest(rows + k, count - k, len, sums + k * kSumCount, source_of(k, false));
}

// Measure(): accumulates samples [0, len) (relative to the chunk origin) of every float32 row
// into sums[row][kSumCount].
void MeasureChunkImpl(const KernelRows* rows, size_t count, size_t len, double* sums) {
  MeasureInGroups(rows, count, len, sums, [&](size_t k, bool next) {
    return MeasureF32Source{rows + k, next ? rows + k + kMeasureGroup : nullptr};
  });
}

// Measure()'s reference voltage: the sum, minimum and maximum of x[0, n) in double, in one
// pass of double vectors (the samples widened exactly; lane partial sums, then the lanes).
template <typename Sample>
HWY_INLINE void SumMinMax(const Sample* HWY_RESTRICT x, size_t n, double* HWY_RESTRICT out) {
  double total = 0, mn = HUGE_VAL, mx = -HUGE_VAL;
  size_t t = 0;
#if HWY_HAVE_FLOAT64  // else (32-bit Arm) all in the scalar loop below
  const hn::ScalableTag<double> d;
  const hn::Rebind<Sample, decltype(d)> ds;
  const size_t N = hn::Lanes(d);
  auto sum = hn::Zero(d), sum2 = hn::Zero(d);
  auto lo = hn::Set(d, HUGE_VAL), hi = hn::Set(d, -HUGE_VAL);
  auto widen = [&](size_t j) {
    if constexpr (std::is_same_v<Sample, double>) {
      return hn::LoadU(d, x + j);
    } else {
      return hn::PromoteTo(d, hn::LoadU(ds, x + j));
    }
  };
  for (; t + 2 * N <= n; t += 2 * N) {  // two sums: two independent add chains
    const auto a = widen(t), b = widen(t + N);
    sum = hn::Add(sum, a);
    sum2 = hn::Add(sum2, b);
    lo = hn::Min(lo, hn::Min(a, b));
    hi = hn::Max(hi, hn::Max(a, b));
  }
  total = hn::GetLane(hn::SumOfLanes(d, hn::Add(sum, sum2)));
  mn = hn::GetLane(hn::MinOfLanes(d, lo));
  mx = hn::GetLane(hn::MaxOfLanes(d, hi));
#endif
  for (; t < n; ++t) {
    const double v = x[t];
    total += v;
    mn = std::min(mn, v);
    mx = std::max(mx, v);
  }
  out[0] = total;
  out[1] = mn;
  out[2] = mx;
}
void SumMinMaxF32Impl(const float* x, size_t n, double* out) { SumMinMax(x, n, out); }
void SumMinMaxF64Impl(const double* x, size_t n, double* out) { SumMinMax(x, n, out); }

// Measure()'s fundamental reference rows: cosr[j] = cos(th0 + j·omega), sinr[j] = sin(...),
// as float32, for j < len rounded up to whole double vectors (the arrays have room). One
// phasor per double lane, anchored with std::cos/std::sin and rotated a vector of samples at a
// time (at most kChunk rotations per call, on SCALAR: the drift stays at double rounding).
void PhasorRowsImpl(double th0, double omega, size_t len, float* HWY_RESTRICT cosr, float* HWY_RESTRICT sinr) {
#if !HWY_HAVE_FLOAT64  // 32-bit Arm: the same recurrence on two phasors in scalars
  constexpr size_t N = 2;
  double c[N], s[N];
  for (size_t u = 0; u < N; ++u) {
    c[u] = std::cos(th0 + static_cast<double>(u) * omega);
    s[u] = std::sin(th0 + static_cast<double>(u) * omega);
  }
  const double dc = std::cos(static_cast<double>(N) * omega), ds = std::sin(static_cast<double>(N) * omega);
  for (size_t j = 0; j < len; j += N) {
    for (size_t u = 0; u < N; ++u) {
      cosr[j + u] = static_cast<float>(c[u]);
      sinr[j + u] = static_cast<float>(s[u]);
      const double next_c = c[u] * dc - s[u] * ds;
      s[u] = s[u] * dc + c[u] * ds;
      c[u] = next_c;
    }
  }
#else
  const hn::ScalableTag<double> d;
  const hn::Rebind<float, decltype(d)> df;
  const size_t N = hn::Lanes(d);
  HWY_ALIGN double c0[kMaxLanes], s0[kMaxLanes];
  for (size_t u = 0; u < N; ++u) {
    c0[u] = std::cos(th0 + static_cast<double>(u) * omega);
    s0[u] = std::sin(th0 + static_cast<double>(u) * omega);
  }
  auto c = hn::Load(d, c0), s = hn::Load(d, s0);
  const auto dc = hn::Set(d, std::cos(static_cast<double>(N) * omega));
  const auto ds = hn::Set(d, std::sin(static_cast<double>(N) * omega));
  for (size_t j = 0; j < len; j += N) {
    hn::StoreU(hn::DemoteTo(df, c), df, cosr + j);
    hn::StoreU(hn::DemoteTo(df, s), df, sinr + j);
    const auto next_c = hn::MulSub(c, dc, hn::Mul(s, ds));  // rotation by N·omega
    s = hn::MulAdd(s, dc, hn::Mul(c, ds));
    c = next_c;
  }
#endif
}

// Measure() on float64 rows x[ch] (voltages first), samples [0, len), as MeasureChunkImpl on
// their float32 values (reference rows: ReferenceRow): the voltages, every current's reference,
// are demoted into float32 rows first; the currents are read kMeasureGroup rows at a time and
// demoted in registers (MeasureF64Source; one at a time through a float32 row on the targets
// that measure one row at a time). Precondition: len ≤ kMeasureChunkF64.
void MeasureChunkF64Impl(const double* const* x, const uint8_t* phase, size_t nv, size_t nch, size_t len,
                         const float* cosr, const float* sinr, double* sums) {
  // A value beyond the float32 range demotes to ±Inf (x86) or ±FLT_MAX (SCALAR); either way
  // its square overflows, Σy² reads Inf and Measure reports kNonFiniteInput.
  HWY_ALIGN float v[kMaxVoltages][kMeasureChunkF64];
  // Rows [first, first + n) into dst[0, n), the n rows after them prefetched meanwhile.
  auto demote = [&](size_t first, size_t n, float* const* dst) {
    size_t j = 0;
#if HWY_HAVE_FLOAT64  // else (32-bit Arm) all in the scalar loop below
    const hn::ScalableTag<double> d;
    const hn::Rebind<float, decltype(d)> df;
    const size_t N = hn::Lanes(d);
    for (; j + N <= len; j += N) {
      for (size_t g = 0; g < n; ++g) {
        if (first + g + n < nch && j % 8 == 0) __builtin_prefetch(x[first + g + n] + j, 0, 3);
        hn::StoreU(hn::DemoteTo(df, hn::LoadU(d, x[first + g] + j)), df, dst[g] + j);
      }
    }
#endif
    for (size_t g = 0; g < n; ++g) {
      for (size_t t = j; t < len; ++t) dst[g][t] = ToFloat32(x[first + g][t]);
    }
  };
  float* const vrows[kMaxVoltages] = {v[0], v[1], v[2]};
  demote(0, nv, vrows);
  KernelRows r[kMaxChannels];
  for (size_t ch = 0; ch < nch; ++ch) {
    r[ch].x = ch < nv ? v[ch] : nullptr;  // currents: from x (MeasureF64Source)
    r[ch].ref = v[ReferenceRow(ch, nv, phase)];
    r[ch].cosr = cosr;
    r[ch].sinr = sinr;
  }
  MeasureChunkImpl(r, nv, len, sums);
#ifdef METERDSP_MEASURE_ONE_ROW
  HWY_ALIGN float y[kMeasureChunkF64];
  float* const yrow[1] = {y};
  for (size_t ch = nv; ch < nch; ++ch) {
    demote(ch, 1, yrow);
    r[ch].x = y;
    MeasureChunkImpl(r + ch, 1, len, sums + ch * kSumCount);
  }
#else
  MeasureInGroups(r + nv, nch - nv, len, sums + nv * kSumCount, [&](size_t k, bool next) {
    return MeasureF64Source{x + nv + k, next ? x + nv + k + kMeasureGroup : nullptr};
  });
#endif
}

// Moves the lane partial sums of channels [first, first + nch) into their double window sums
// (lanes widened to double and added in the target's fixed order, the same for every grouping)
// and clears them.
// The reference's pseudo-channels (WindowEngine::gram) go with the voltages (first == 0).
// lane_window[q][lane] += lane_sums[q][lane] for lane < n, then lane_sums = 0 (FlushCurrentLanes):
// each float widened exactly and added as the scalar loop adds it, so the same bits.
void FlushCurrentLanesImpl(WindowEngine& m, size_t n) {
  size_t lane = 0;
#if HWY_HAVE_FLOAT64
  if constexpr (kFrameLanesPossible) {
    const hn::ScalableTag<double> dd;
    const hn::Rebind<float, decltype(dd)> df;
    const size_t N = hn::Lanes(dd);
    for (; lane + N <= n; lane += N) {
      for (size_t q = 0; q < kSumCount; ++q) {
        double* w = &m.lane_window[q][lane];
        hn::Store(hn::Add(hn::Load(dd, w), hn::PromoteTo(dd, hn::Load(df, &m.lane_sums[q][lane]))), dd, w);
      }
    }
  }
#endif
  for (size_t q = 0; q < kSumCount; ++q) {
    for (size_t k = lane; k < n; ++k) m.lane_window[q][k] += double{m.lane_sums[q][k]};
  }
  std::memset(m.lane_sums, 0, sizeof(m.lane_sums));
}

void FlushLanesImpl(WindowEngine& m, size_t first, size_t nch) {
  const hn::ScalableTag<float> d;
  float* lanes = &m.lanes[first][0][0];  // flat index (ch − first)·kSumCount + q, as the sums
  AddManyLaneSums(lanes, &m.sums[first][0], nch * kSumCount);
  for (size_t i = 0; i < nch * kSumCount; ++i) hn::Store(hn::Zero(d), d, lanes + i * kMaxLanes);
  if (first != 0) return;
  AddManyLaneSums(&m.gram_lanes[0][0][0], &m.gram[0][0], kGramRows * kSumCount);
  std::memset(m.gram_lanes, 0, sizeof(m.gram_lanes));
}

// The currents' side of a window boundary in the lanes layout, a vector of lanes at a time
// (their window sums are by lane: WindowEngine::lane_window). Tile samples t−1 and t of every
// lane are filtered (as ScalarY) and their five terms formed (as SampleTerms); then, open ==
// false: the lane sums are added to the window sums (as FlushCurrentLanes, which this replaces
// at a window end: the lane sums are cleared), then −w_prev × the terms of t−1 and w_cur × those
// of t (as CloseBoundary); open: the sums become w_prev × the terms of t−1 − w_cur × those of t
// (as OpenBoundary). Every lane sees the scalar functions' operations in their order, and GCC
// may not fuse a multiply and an add (METERDSP_NO_CONTRACT): the bits are the scalar code's.
METERDSP_NO_CONTRACT void CurrentLaneBoundaryImpl(WindowEngine& m, ptrdiff_t t, double w_prev, double w_cur,
                                                  bool open) {
  if constexpr (!kFrameLanesPossible) return;  // a build without frame-major tiles
  const size_t nv = m.config.voltages, nch = nv + m.config.currents;
  const ptrdiff_t b1 = static_cast<ptrdiff_t>(kHistoryFrames) + t - 1, b0 = b1 + 1;
  // The arithmetic once for doubles (the lane-by-lane tail) and vectors (SVE's have no operators).
  auto mul = [](auto a, auto b) {
    if constexpr (std::is_same_v<decltype(a), double>) {
      return a * b;
    } else {
      return hn::Mul(a, b);
    }
  };
  auto add = [](auto a, auto b) {
    if constexpr (std::is_same_v<decltype(a), double>) {
      return a + b;
    } else {
      return hn::Add(a, b);
    }
  };
  // Term q of a sample: y, y², y·v, y·cos, y·sin (SampleTerms).
  auto term = [&](size_t q, auto y, auto v, auto c, auto sn) {
    if (q == 0) return y;
    return mul(y, q == 1 ? y : q == 2 ? v : q == 3 ? c : sn);
  };
  // A window sum at the boundary, from the terms of samples t−1 (a1) and t (a0): closing, the
  // sum plus its lane sum, −w_prev·a1 and w_cur·a0, one at a time (FlushCurrentLanes, then
  // CloseBoundary); opening, 0 + w_prev·a1 + (−w_cur)·a0 (OpenBoundary).
  auto closed = [&](auto sum, auto lane_sum, auto a1, auto a0, auto neg_w_prev, auto w_cur_) {
    return add(add(add(sum, lane_sum), mul(neg_w_prev, a1)), mul(w_cur_, a0));
  };
  auto opened = [&](auto zero, auto a1, auto a0, auto w_prev_, auto neg_w_cur) {
    return add(add(zero, mul(w_prev_, a1)), mul(neg_w_cur, a0));
  };
  size_t lane = 0;
#if HWY_HAVE_FLOAT64
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const hn::Rebind<int32_t, decltype(dd)> di;
  using V = hn::Vec<decltype(dd)>;
  const size_t N = hn::Lanes(dd);
  // y of lanes [g, g + N) at tile row `base`: the lag weights in increasing lag, from +0, as
  // ScalarY sums its taps (the weights of other lanes' lags are 0 and add ±0: no change).
  auto y_at = [&](ptrdiff_t base, size_t g) {
    V y = hn::Zero(dd);
    for (uint32_t lag = m.lag_lo; lag <= m.lag_hi; ++lag) {
      const V x = hn::PromoteTo(dd, hn::LoadU(df, &m.lane[base - static_cast<ptrdiff_t>(lag)][g]));
      y = hn::Add(y, m.lag_plain ? x : hn::Mul(hn::PromoteTo(dd, hn::LoadU(df, &m.lag_weight[lag][g])), x));
    }
    return y;
  };
  // Each lane's reference voltage (row ref_index < 3) by selection, not a gather (slow on Intel).
  auto v_at = [&](ptrdiff_t base, V ref) {
    auto row = [&](size_t k) { return hn::Set(dd, double{m.vcal[k < nv ? k : 0][base]}); };
    return hn::IfThenElse(hn::Eq(ref, hn::Zero(dd)), row(0), hn::IfThenElse(hn::Eq(ref, hn::Set(dd, 1.0)), row(1), row(2)));
  };
  const V c1 = hn::Set(dd, double{m.cosr[b1]}), s1 = hn::Set(dd, double{m.sinr[b1]});
  const V c0 = hn::Set(dd, double{m.cosr[b0]}), s0 = hn::Set(dd, double{m.sinr[b0]});
  for (; lane < nch && lane + N <= kLaneWindowLanes; lane += N) {
    const V ref = hn::PromoteTo(dd, hn::LoadU(di, &m.ref_index[lane]));
    const V y1 = y_at(b1, lane), y0 = y_at(b0, lane), v1 = v_at(b1, ref), v0 = v_at(b0, ref);
    for (size_t q = 0; q < kSumCount; ++q) {
      const V a1 = term(q, y1, v1, c1, s1), a0 = term(q, y0, v0, c0, s0);
      double* sums = &m.lane_window[q][lane];
      hn::Store(open ? opened(hn::Zero(dd), a1, a0, hn::Set(dd, w_prev), hn::Set(dd, -w_cur))
                     : closed(hn::Load(dd, sums), hn::PromoteTo(dd, hn::LoadU(df, &m.lane_sums[q][lane])), a1, a0,
                              hn::Set(dd, -w_prev), hn::Set(dd, w_cur)),
                dd, sums);
    }
  }
#endif
  // The same lane by lane: 32-bit Arm (no float64 vectors), and lanes past the last whole vector.
  for (; lane < nch; ++lane) {
    double y[2] = {0.0, 0.0}, v[2];
    for (int i = 0; i < 2; ++i) {
      const ptrdiff_t base = i == 0 ? b1 : b0;
      for (uint32_t lag = m.lag_lo; lag <= m.lag_hi; ++lag) {
        const double x = m.lane[base - static_cast<ptrdiff_t>(lag)][lane];
        y[i] += m.lag_plain ? x : double{m.lag_weight[lag][lane]} * x;
      }
      const size_t ref = static_cast<size_t>(m.ref_index[lane]);
      v[i] = m.vcal[ref < nv ? ref : 0][base];
    }
    for (size_t q = 0; q < kSumCount; ++q) {
      const double a1 = term(q, y[0], v[0], double{m.cosr[b1]}, double{m.sinr[b1]});
      const double a0 = term(q, y[1], v[1], double{m.cosr[b0]}, double{m.sinr[b0]});
      double& sum = m.lane_window[q][lane];
      sum = open ? opened(0.0, a1, a0, w_prev, -w_cur) : closed(sum, double{m.lane_sums[q][lane]}, a1, a0, -w_prev, w_cur);
    }
  }
  if (!open) std::memset(m.lane_sums, 0, sizeof(m.lane_sums));
}

// The reference's sums over one Measure() chunk (cosr, sinr: len floats) added to gram.
void GramChunkImpl(const float* HWY_RESTRICT cosr, const float* HWY_RESTRICT sinr, size_t len,
                   double (*HWY_RESTRICT gram)[kSumCount]) {
  HWY_ALIGN float lanes[kGramRows][kSumCount * kMaxLanes] = {};
  for (size_t j = 0; j < kGramRows; ++j) {
    KernelRows g;
    g.x = j == 0 ? cosr : sinr;
    g.ref = j == 0 ? sinr : cosr;
    g.cosr = cosr;
    g.sinr = sinr;
    AccumulateSpan(g, 0, len, lanes[j]);
  }
  AddManyLaneSums(lanes[0], &gram[0][0], kGramRows * kSumCount);
}

// deg[k] = atan2(y[k], x[k]) in degrees, (−180, 180], for k < n.
void AnglesDegImpl(const double* HWY_RESTRICT y, const double* HWY_RESTRICT x, size_t n,
                   double* HWY_RESTRICT deg) {
#if !HWY_HAVE_FLOAT64  // 32-bit Arm: std::atan2
  for (size_t k = 0; k < n; ++k) {
    const double a = std::atan2(y[k], x[k]) * (180.0 / 3.14159265358979323846);
    deg[k] = a <= -180.0 ? a + 360.0 : a;
  }
#else
  const hn::ScalableTag<double> d;
  const size_t N = hn::Lanes(d);
  size_t k = 0;
  for (; k + N <= n; k += N) hn::StoreU(Atan2Deg(d, hn::LoadU(d, y + k), hn::LoadU(d, x + k)), d, deg + k);
  if (k < n) {  // the tail through a padded vector, so every lane takes the same arithmetic
    HWY_ALIGN double yt[kMaxLanes] = {}, xt[kMaxLanes] = {}, dt[kMaxLanes];
    for (size_t j = k; j < n; ++j) {
      yt[j - k] = y[j];
      xt[j - k] = x[j];
    }
    hn::Store(Atan2Deg(d, hn::Load(d, yt), hn::Load(d, xt)), d, dt);
    for (size_t j = k; j < n; ++j) deg[j] = dt[j - k];
  }
#endif
}

// pct[k] = 100·√(num[k] / den[k]) for k < n (num ≥ 0, den > 0). Division and square root are
// correctly rounded, so the values are those of the scalar expression on every target.
void DistortionPctImpl(const double* HWY_RESTRICT num, const double* HWY_RESTRICT den, size_t n,
                       double* HWY_RESTRICT pct) {
#if !HWY_HAVE_FLOAT64  // 32-bit Arm: the scalar expression itself
  for (size_t k = 0; k < n; ++k) pct[k] = 100.0 * std::sqrt(num[k] / den[k]);
#else
  const hn::ScalableTag<double> d;
  const size_t N = hn::Lanes(d);
  const auto hundred = hn::Set(d, 100.0);
  auto one = [&](hn::Vec<decltype(d)> a, hn::Vec<decltype(d)> b) { return hn::Mul(hundred, hn::Sqrt(hn::Div(a, b))); };
  size_t k = 0;
  for (; k + N <= n; k += N) hn::StoreU(one(hn::LoadU(d, num + k), hn::LoadU(d, den + k)), d, pct + k);
  const size_t rest = n - k < N ? n - k : 0;  // < N ≤ kMaxLanes (bounded for the compiler too)
  if (rest > 0) {
    HWY_ALIGN double nt[kMaxLanes] = {}, dt[kMaxLanes], pt[kMaxLanes];
    for (size_t j = 0; j < kMaxLanes; ++j) dt[j] = 1.0;
    for (size_t j = 0; j < rest && j < kMaxLanes; ++j) {
      nt[j] = num[k + j];
      dt[j] = den[k + j];
    }
    hn::Store(one(hn::Load(d, nt), hn::Load(d, dt)), d, pt);
    for (size_t j = 0; j < rest && j < kMaxLanes; ++j) pct[k + j] = pt[j];
  }
#endif
}

// Whether FinalizeCurrentsImpl computes currents (not on 32-bit Arm: no float64 vectors).
bool FinalizeInLanesImpl() { return HWY_HAVE_FLOAT64 != 0; }

// FinalizeCurrents (simd/window-inl.h) with the scalar code's bits: no fused multiply-adds.
METERDSP_NO_CONTRACT bool FinalizeCurrentsImpl(const CurrentTerms& c, WindowResult& r) {
#if HWY_HAVE_FLOAT64
  return FinalizeCurrents(c, r);
#else  // 32-bit Arm: no float64 vectors; the scalar code
  (void)c, (void)r;
  return false;
#endif
}

size_t LanesImpl() { return hn::Lanes(hn::ScalableTag<float>()); }

// Whether interleaved frames take frame-major lanes on this target where they are wide enough
// (FramesLayout, below): AVX-512 (int16 chain +21 % over the transpose into rows); elsewhere
// rows (AVX2 −13 %: the fifteen accumulators of the three-group pass do not fit in 16 registers).
bool FrameLanesImpl() { return HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL; }

const char* TargetNameImpl() { return hwy::TargetName(HWY_TARGET); }

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace meterdsp
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <cstring>
#include <type_traits>

#include "meterdsp/window.h"
#include "src/angles.h"

namespace meterdsp {
namespace {

HWY_EXPORT(AccumulateTileImpl);
HWY_EXPORT(InPlaceEdgesImpl);
HWY_EXPORT(InPlaceF64Impl);
HWY_EXPORT(DelayVoltagesImpl);
HWY_EXPORT(MeasureChunkImpl);
HWY_EXPORT(MeasureChunkF64Impl);
HWY_EXPORT(PhasorRowsImpl);
HWY_EXPORT(SumMinMaxF32Impl);
HWY_EXPORT(SumMinMaxF64Impl);
HWY_EXPORT(TargetNameImpl);
HWY_EXPORT(FlushLanesImpl);
HWY_EXPORT(FlushCurrentLanesImpl);
HWY_EXPORT(GramChunkImpl);
HWY_EXPORT(LanesImpl);
HWY_EXPORT(FrameLanesImpl);
HWY_EXPORT(AnglesDegImpl);
HWY_EXPORT(DistortionPctImpl);
HWY_EXPORT(CurrentLaneBoundaryImpl);
HWY_EXPORT(FinalizeCurrentsImpl);
HWY_EXPORT(FinalizeInLanesImpl);

constexpr double kPi = 3.14159265358979323846;
constexpr double kSqrt2 = 1.41421356237309504880;
constexpr uint32_t kInitMagic = 0x4D445350u;  // "MDSP"
// Window 0 is partial; window 1 is measured with the nominal reference frequency and no DC
// estimate; window 2 may straddle the first DC-estimate update.
constexpr uint64_t kSettlingWindows = 3;

enum TrackMode : uint8_t { kAcquire = 0, kSync = 1, kNominal = 2 };

// ∫_{−∞}^{u} hat(s) ds for the unit triangle on [−1, 1]: the linear-interpolation weight
// a sample at 0 gives to the part of the time axis before u.
double HatCdf(double u) {
  if (u <= -1.0) return 0.0;
  if (u <= 0.0) return 0.5 * (u + 1.0) * (u + 1.0);
  if (u <= 1.0) return 1.0 - 0.5 * (1.0 - u) * (1.0 - u);
  return 1.0;
}

// Parameters of the sums → results step, shared by the stream and by Measure().
// Refers to the configuration instead of copying it (the stream builds one per window).
struct FinalizeParams {
  size_t voltages, currents;
  const uint8_t* phase;
  const ChannelCalibration* voltage_cal;  // dc_removal per channel; nullptr: DC removed on all
  const ChannelCalibration* current_cal;
  const CurrentTable* table;  // per current, or nullptr: none
  const TableLogs* table_logs;  // of each table (with table)
  const double (*gram)[kSumCount];  // the reference's sums (WindowEngine::gram)
  const double* min_on;  // minimum ON current per channel; nullptr: min_on_all for every one
  // The currents' sums by lane (the stream's lanes layout: WindowEngine::lane_window, lane =
  // frame_column[channel]), or nullptr: the currents' sums are rows of `sums` as well.
  const double (*lane_window)[kLaneWindowLanes];
  const uint8_t* frame_column;
  double min_on_all;
  double min_voltage_peak;
  AngleReference angle_reference;
  bool VoltageDc(size_t k) const { return voltage_cal == nullptr || voltage_cal[k].dc_removal; }
  bool CurrentDc(size_t k) const { return current_cal == nullptr || current_cal[k].dc_removal; }
  double MinOn(size_t k) const { return min_on == nullptr ? min_on_all : min_on[k]; }
  bool HasTable(size_t k) const { return table != nullptr && table[k].points > 0; }
  // Current k's kSumCount sums: its row of `sums`, or its lane's, copied into buf.
  const double* CurrentSums(const double (*sums)[kSumCount], size_t k, double* buf) const {
    if (lane_window == nullptr) return sums[voltages + k];
    const size_t lane = frame_column[voltages + k];
    for (size_t q = 0; q < kSumCount; ++q) buf[q] = lane_window[q][lane];
    return buf;
  }
};

// Angles of phasors relative to others, collected and computed kMaxLanes at a time in SIMD
// (a scalar atan2 per channel was 9 % of the whole chain). Every angle takes the same lane
// arithmetic, so the values do not depend on the batching; 8 entries keep the stack small (the
// currents' angles are computed in FinalizeCurrents; this batch takes the voltages' and those of
// currents left to the scalar code).
struct AngleBatch {
  static constexpr size_t kCapacity = kCurrentBatch;
  size_t count = 0;
  double im[kCapacity], re[kCapacity];
  double* dst[kCapacity];
  // *dst will receive the angle of a relative to b in degrees, (−180, 180]: arg(a·conj(b)).
  void Add(std::complex<double> a, std::complex<double> b, double* out) {
    re[count] = a.real() * b.real() + a.imag() * b.imag();
    im[count] = a.imag() * b.real() - a.real() * b.imag();
    dst[count++] = out;
    if (count == kCapacity) Run();
  }
  void Run() {
    double deg[kCapacity];
    AnglesDeg(im, re, count, deg);
    for (size_t k = 0; k < count; ++k) *dst[k] = deg[k];
    count = 0;
  }
};

// ln(x) for finite x > 0 (normal), relative error < 1e-9: x = m·2^e with m in [√½, √2), and
// ln m = 2·atanh((m − 1)/(m + 1)) to the s⁹ term. Two of these per channel and window instead of
// libm's log made a 92-channel panel with current tables 1.2× faster.
HWY_INLINE double FastLn(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  int e = static_cast<int>((bits >> 52) & 0x7ff) - 1022;
  bits = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1022} << 52);  // m in [0.5, 1)
  double m;
  std::memcpy(&m, &bits, sizeof(m));
  if (m < 0.70710678118654752) {
    m *= 2.0;
    --e;
  }
  const double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  constexpr double k3 = 1.0 / 3, k5 = 1.0 / 5, k7 = 1.0 / 7, k9 = 1.0 / 9;
  const double ln_m = 2.0 * s * (1.0 + s2 * (k3 + s2 * (k5 + s2 * (k7 + s2 * k9))));
  return ln_m + static_cast<double>(e) * 0.69314718055994530942;
}

void MakeTableLogs(const CurrentTable& t, TableLogs* logs) {
  *logs = TableLogs{};
  for (size_t j = 0; j < t.points; ++j) logs->ln_amps[j] = static_cast<float>(FastLn(t.amps[j]));
  for (size_t j = 0; j + 1 < t.points; ++j) {
    logs->inv_step[j] = static_cast<float>(1.0 / (FastLn(t.amps[j + 1]) - FastLn(t.amps[j])));
  }
}

// CurrentTableAt's work, inline where the engine finalises every channel's window: one
// logarithm and no division (they made a panel with tables on all 92 currents 1.25× slower).
HWY_INLINE void TableLookup(const CurrentTable& t, const TableLogs& logs, double amps, double* gain,
                            double* phase_deg) {
  const size_t n = t.points;
  double g = t.gain[0], deg = t.phase_deg[0];
  if (amps >= double{t.amps[n - 1]}) {
    g = t.gain[n - 1];
    deg = t.phase_deg[n - 1];
  } else if (amps > double{t.amps[0]}) {
    size_t j = 0;
    while (amps >= double{t.amps[j + 1]}) ++j;
    const double u = (FastLn(amps) - double{logs.ln_amps[j]}) * double{logs.inv_step[j]};
    g = t.gain[j] + u * (double{t.gain[j + 1]} - t.gain[j]);
    deg = t.phase_deg[j] + u * (double{t.phase_deg[j + 1]} - t.phase_deg[j]);
  }
  *gain = g;
  *phase_deg = deg;
}

// The correction of a current table at `amps`: gain factor and the phasor that turns the
// fundamental back by the table's phase (interpolated in log(current), ends held).
struct TableCorrection {
  double gain;
  std::complex<double> turn;
};
TableCorrection TableAt(const CurrentTable& t, const TableLogs& logs, double amps) {
  double g = 1.0, deg = 0.0;
  TableLookup(t, logs, amps, &g, &deg);
  // |angle| ≤ 10° (0.175 rad): Taylor terms to x⁴ / x⁵ are within 4e-8 of cos and 1e-9 of sin
  // (the turn's length 1 − 4e-8 at 10°, 1 − 4e-14 at 1°), with no libm call per channel.
  constexpr double kRadPerDeg = kPi / 180.0;
  const double x = -deg * kRadPerDeg, x2 = x * x;
  const double c = 1.0 + x2 * (-0.5 + x2 * (1.0 / 24));
  const double sn = x * (1.0 + x2 * (-1.0 / 6 + x2 * (1.0 / 120)));
  return TableCorrection{g, std::complex<double>(c, sn)};
}

// |z| without hypot's overflow care (phasor magnitudes are far from the double range).
double Magnitude(std::complex<double> z) { return std::sqrt(z.real() * z.real() + z.imag() * z.imag()); }

// Total distortion of a channel from its window sums: a least-squares fit of DC + fundamental
// (the reference's cos θ and sin θ) under the window's own sample weights; the residual's RMS
// over the fundamental's, in %. RMS² − |fundamental|² would say the same in exact arithmetic,
// but the window's edge weights and the last bits of its length leave the fundamental's
// single-bin estimate 1e-6–1e-5 off a pure sine's RMS, which reads 0.1–0.7 % distortion; the
// fit uses the reference's own sums, so a pure sine leaves no residual but rounding.
// The fit's ratios are collected and turned into % kMaxLanes at a time in SIMD lanes (its
// division and square root in each channel's chain of dependent operations made the 92-channel
// int16 chain 1.04–1.08× slower).
struct DistortionBatch {
  static constexpr size_t kCapacity = kCurrentBatch;  // as AngleBatch
  size_t count = 0;
  double num[kCapacity], den[kCapacity];
  double* dst[kCapacity];
  void Add(double n, double d, double* out) {
    num[count] = n;
    den[count] = d;
    dst[count++] = out;
    if (count == kCapacity) Run();
  }
  void Run() {
    double pct[kCapacity];
    HWY_DYNAMIC_DISPATCH(DistortionPctImpl)(num, den, count, pct);
    for (size_t k = 0; k < count; ++k) *dst[k] = pct[k];
    count = 0;
  }
};

class DistortionFit {
 public:
  DistortionFit(const double (*gram)[kSumCount], double w) {
    const double a = w, b = gram[0][0], c = gram[1][0];             // W, Σc, Σs
    const double d = gram[0][1], e = gram[0][2], f = gram[1][1];    // Σc², Σc·s, Σs²
    inv_[0] = d * f - e * e;
    inv_[1] = c * e - b * f;
    inv_[2] = b * e - c * d;
    inv_[3] = a * f - c * c;
    inv_[4] = b * c - a * e;
    inv_[5] = a * d - b * b;
    const double det = a * inv_[0] + b * inv_[1] + c * inv_[2];
    ok_ = det > 0 && w > 0;
    scale_ = ok_ ? 1.0 / det : 0.0;
    w_ = w;
  }
  // The fit for FinalizeCurrents, which computes Pct in SIMD lanes.
  void ExportTo(CurrentTerms& c) const {
    c.fit_ok = ok_;
    for (size_t i = 0; i < 6; ++i) c.fit_inv[i] = inv_[i];
    c.fit_scale = scale_;
    c.w = w_;
  }
  // s: a channel's sums (Σy, Σy², Σy·v, Σy·cos, Σy·sin). *out receives the distortion in %
  // (through the batch), NaN without a fundamental.
  void Pct(const double* s, DistortionBatch& batch, double* out) const {
    const double y0 = s[0], y1 = s[3], y2 = s[4];
    const double x0 = (inv_[0] * y0 + inv_[1] * y1 + inv_[2] * y2) * scale_;
    const double x1 = (inv_[1] * y0 + inv_[3] * y1 + inv_[4] * y2) * scale_;
    const double x2 = (inv_[2] * y0 + inv_[4] * y1 + inv_[5] * y2) * scale_;
    const double fund2 = x1 * x1 + x2 * x2;  // squared peak of the fitted fundamental
    if (!ok_ || !(fund2 > 0)) {
      *out = std::nan("");
      return;
    }
    const double residual = s[1] - (x0 * y0 + x1 * y1 + x2 * y2);
    batch.Add(2.0 * std::max(residual, 0.0), w_ * fund2, out);
  }

 private:
  double inv_[6];  // adjugate of the symmetric 3×3 Gram matrix: 00 01 02 11 12 22
  double scale_, w_;
  bool ok_;
};

// Tests only (SetScalarFinalizeForTest): the currents by the scalar code; whether the windows
// are counted (after the first call) — not in a meter's hot path otherwise, and no cache line
// shared between threads.
bool g_scalar_finalize = false, g_count_finalize = false;
// Windows whose currents FinalizeCurrents took, and of them those that left its domain
// (LaneFinalizeCountsForTest).
std::atomic<size_t> g_lane_finalized{0}, g_lane_finalize_fallbacks{0};

// The currents in SIMD lanes, one per lane (FinalizeCurrents), the same bits as FinalizeChannels'
// loop: every result field of all currents, of which the caller recomputes those listed in
// scalar[0 .. *scalar_count) — with a current table or without a phase voltage. Returns false
// where a lane leaves the kernel's domain (the caller then computes all). The scalar loop was
// 12–14 % of the AVX-512 int16 chain, about 75 cycles per current.
__attribute__((noinline)) bool FinalizeCurrentsInLanes(const FinalizeParams& fp, const double (*sums)[kSumCount],
                                                    double inv_w, const DistortionFit& distortion,
                                                    const std::complex<double>* vph, const double* vmag,
                                                    const bool* v_on, const uint8_t* clipped, WindowResult& r,
                                                    uint8_t* scalar, size_t* scalar_count) {
  CurrentTerms c;
  const size_t nv = fp.voltages, nc = fp.currents;
  size_t listed = 0;
  c.flags = r.flags;
  c.inv_w = inv_w;
  c.phasor_scale = kSqrt2 * inv_w;
  c.distortion = !(r.flags & kFlagNoVoltage);
  distortion.ExportTo(c);
  for (size_t v = 0; v < nv; ++v) {
    const size_t ref = fp.angle_reference == AngleReference::kV1 ? 0 : v;
    c.vre[v] = vph[v].real();
    c.vim[v] = vph[v].imag();
    c.vrms[v] = r.vrms[v];
    c.vmag[v] = vmag[v];
    c.vmean[v] = sums[v][0] * inv_w;
    c.vdc[v] = fp.VoltageDc(v) ? 1.0 : 0.0;
    c.rre[v] = vph[ref].real();
    c.rim[v] = vph[ref].imag();
    c.ron[v] = v_on[ref] ? 1.0 : 0.0;
  }
  bool ok = true;
  for (c.first = 0; c.first < nc; c.first += kCurrentBatch) {
    c.count = std::min(kCurrentBatch, nc - c.first);
    // A frame-major tile's lane sums are read in place where the batch's currents are
    // consecutive lanes with a whole vector batch of lanes after the first (the panels' usual
    // strapping); else copied in channel order.
    size_t lane0 = 0;
    bool in_place = fp.lane_window != nullptr;
    if (in_place) {
      lane0 = fp.frame_column[nv + c.first];
      in_place = lane0 + kCurrentBatch <= kLaneWindowLanes;
      for (size_t j = 1; j < c.count && in_place; ++j) in_place = fp.frame_column[nv + c.first + j] == lane0 + j;
    }
    for (size_t q = 0; q < kSumCount; ++q) c.s[q] = in_place ? &fp.lane_window[q][lane0] : c.copy[q];
    for (size_t j = 0; j < kCurrentBatch; ++j) {
      const size_t k = c.first + j;
      const bool in = j < c.count;
      if (!in_place) {
        double buf[kSumCount];
        const double* sk = in ? fp.CurrentSums(sums, k, buf) : nullptr;
        for (size_t q = 0; q < kSumCount; ++q) c.copy[q][j] = in ? sk[q] : 0.0;
      }
      c.phase[j] = !in || fp.phase[k] == kCurrentOnly ? 0.0 : fp.phase[k];
      c.dc[j] = in && fp.CurrentDc(k) ? 1.0 : 0.0;
      c.min_on[j] = in ? fp.MinOn(k) : 0.0;
      c.clip[j] = in && clipped[nv + k] ? kFlagClipped : uint32_t{0};
      if (in && (fp.phase[k] == kCurrentOnly || fp.HasTable(k))) scalar[listed++] = static_cast<uint8_t>(k);
    }
    ok = HWY_DYNAMIC_DISPATCH(FinalizeCurrentsImpl)(c, r) && ok;
  }
  *scalar_count = listed;
  if (g_count_finalize) {
    g_lane_finalized.fetch_add(1, std::memory_order_relaxed);
    if (!ok) g_lane_finalize_fallbacks.fetch_add(1, std::memory_order_relaxed);
  }
  return ok;
}

// Turns window sums (sums[ch][kSumCount], voltages first) over a window of `w` samples into
// the result fields. Window-level fields are set by the caller.
void FinalizeChannels(const FinalizeParams& fp, const double (*sums)[kSumCount], double w,
                      const uint8_t* clipped, WindowResult& r) {
  using C = std::complex<double>;
  C vph[kMaxVoltages];
  double vmag[kMaxVoltages];  // |phasor|, once per voltage (each current reuses its phase's)
  double vmean[kMaxVoltages];
  bool v_on[kMaxVoltages];
  const double inv_w = w > 0 ? 1.0 / w : 0.0;
  auto vmean_raw = [&](size_t k) { return sums[k][0] * inv_w; };
  r.voltages = fp.voltages;
  r.currents = fp.currents;
  const DistortionFit distortion(fp.gram, w);
  DistortionBatch thd;
  for (size_t k = 0; k < fp.voltages; ++k) {
    const double* s = sums[k];
    const double mean = s[0] * inv_w;
    double ms = s[1] * inv_w;
    if (fp.VoltageDc(k)) ms -= mean * mean;
    r.vrms[k] = std::sqrt(std::max(ms, 0.0));
    vmean[k] = fp.VoltageDc(k) ? mean : 0.0;
    vph[k] = C(s[3], -s[4]) * (kSqrt2 * inv_w);
    vmag[k] = Magnitude(vph[k]);
    v_on[k] = r.vrms[k] * kSqrt2 >= fp.min_voltage_peak && vmag[k] > 0;
    r.v_thd_pct[k] = std::nan("");
    if (v_on[k]) distortion.Pct(s, thd, &r.v_thd_pct[k]);
  }
  // Line-to-line: mean((va − vb)²) = ms_a + ms_b − 2·mean(va·vb), all after DC removal.
  for (size_t k = 0; k < kMaxVoltages; ++k) r.vll_rms[k] = std::nan("");
  const size_t pairs = fp.voltages == 3 ? 3 : fp.voltages == 2 ? 1 : 0;
  for (size_t k = 0; k < pairs; ++k) {
    const size_t j = (k + 1) % fp.voltages;
    double cross = sums[k][2] * inv_w;
    if (fp.VoltageDc(k) || fp.VoltageDc(j)) cross -= vmean_raw(k) * vmean_raw(j);
    const double va2 = r.vrms[k] * r.vrms[k], vb2 = r.vrms[j] * r.vrms[j];
    r.vll_rms[k] = std::sqrt(std::max(va2 + vb2 - 2.0 * cross, 0.0));
  }
  AngleBatch angles;
  for (size_t k = 0; k < fp.voltages; ++k) {
    r.v_angle_deg[k] = std::nan("");
    if (v_on[k] && v_on[0]) angles.Add(vph[k], vph[0], &r.v_angle_deg[k]);
  }
  // Current tables first, in a loop of their own: a table's lookup (a logarithm, a sine and a
  // cosine) in the channel loop below lengthened each channel's chain of dependent operations
  // so much that channels no longer overlapped (92 currents with tables: chain 1.2× the time).
  // The corrections wait in r.s (gain) and r.pf, r.dpf (the turn), which the loop below then
  // overwrites.
  auto current_rms = [&](size_t k) {
    double buf[kSumCount];
    const double* s = fp.CurrentSums(sums, k, buf);
    const double mean = s[0] * inv_w;
    double ms = s[1] * inv_w;
    if (fp.CurrentDc(k)) ms -= mean * mean;
    return std::sqrt(std::max(ms, 0.0));
  };
  // The currents the loops below compute: all, or those FinalizeCurrentsInLanes leaves them.
  static_assert(kMaxCurrents <= 256, "current indices as bytes");
  uint8_t scalar[kMaxCurrents];
  size_t scalar_count = 0;
  const bool lanes_done = fp.currents > 0 && !g_scalar_finalize && HWY_DYNAMIC_DISPATCH(FinalizeInLanesImpl)() &&
                          FinalizeCurrentsInLanes(fp, sums, inv_w, distortion, vph, vmag, v_on, clipped, r, scalar,
                                                  &scalar_count);
  if (!lanes_done) {
    scalar_count = fp.currents;
    for (size_t k = 0; k < fp.currents; ++k) scalar[k] = static_cast<uint8_t>(k);
  }
  for (size_t i = 0; i < scalar_count; ++i) {
    const size_t k = scalar[i];
    if (!fp.HasTable(k)) continue;
    const TableCorrection t = TableAt(fp.table[k], fp.table_logs[k], current_rms(k));
    r.s[k] = t.gain;
    r.pf[k] = t.turn.real();
    r.dpf[k] = t.turn.imag();
  }
  for (size_t i = 0; i < scalar_count; ++i) {
    const size_t k = scalar[i];
    const size_t ph = fp.phase[k];
    const uint32_t flags = r.flags | (clipped[fp.voltages + k] ? kFlagClipped : uint32_t{0});
    double buf[kSumCount];
    const double* s = fp.CurrentSums(sums, k, buf);
    const double mean = s[0] * inv_w;
    double irms = current_rms(k);
    C iph = C(s[3], -s[4]) * (kSqrt2 * inv_w);
    const bool table = fp.HasTable(k);
    TableCorrection corr{1.0, C(1.0, 0.0)};
    if (table) {
      corr = TableCorrection{r.s[k], C(r.pf[k], r.dpf[k])};
      irms *= corr.gain;
    }
    if (!(irms >= fp.MinOn(k)) || irms == 0.0) {
      r.irms[k] = r.p[k] = r.q[k] = r.s[k] = r.n[k] = r.pf[k] = r.dpf[k] = 0.0;
      r.angle_deg[k] = r.i_thd_pct[k] = std::nan("");
      r.quadrant[k] = 0;
      r.flags_ch[k] = flags | kFlagBelowMinCurrent;
      continue;
    }
    const C iph_read = iph;
    if (table) iph *= corr.turn * corr.gain;
    const double imag = Magnitude(iph);
    // Without voltage the reference runs at nominal, not at the current's frequency: 0.1 Hz off
    // reads as 3–4 % distortion, so none is given. A table's gain scales residual and
    // fundamental alike.
    r.i_thd_pct[k] = std::nan("");
    if (!(r.flags & kFlagNoVoltage)) distortion.Pct(s, thd, &r.i_thd_pct[k]);
    if (ph == kCurrentOnly) {  // e.g. a neutral CT: current and its angle vs V1 only
      r.irms[k] = irms;
      r.p[k] = r.q[k] = r.s[k] = r.n[k] = r.pf[k] = r.dpf[k] = 0.0;
      r.angle_deg[k] = std::nan("");
      if (v_on[0] && imag > 0) angles.Add(iph, vph[0], &r.angle_deg[k]);
      r.quadrant[k] = 0;
      r.flags_ch[k] = flags;
      continue;
    }
    double p = s[2] * inv_w;
    if (fp.CurrentDc(k) || fp.VoltageDc(ph)) p -= mean * (sums[ph][0] * inv_w);
    (void)vmean;
    const C vi = vph[ph] * std::conj(iph);  // P1 + jQ1, Q1 > 0 when the current lags
    // A table turns the fundamental part of P and scales the rest (harmonics, DC).
    if (table) p = corr.gain * (p - (vph[ph] * std::conj(iph_read)).real()) + vi.real();
    const double sa = r.vrms[ph] * irms;
    const double s1 = vmag[ph] * imag;
    r.irms[k] = irms;
    r.p[k] = p;
    r.q[k] = vi.imag();
    r.s[k] = sa;
    r.n[k] = std::sqrt(std::max(sa * sa - p * p, 0.0));
    // Clamped to ±1: |P| ≤ S holds for the samples, but the float32 partial sums can put P
    // about 1e-6 above S when current and voltage have the same waveform (found by
    // tests/fuzz/fuzz_meter.cc: PF 1.0000015).
    r.pf[k] = sa > 0 ? std::clamp(p / sa, -1.0, 1.0) : 0.0;
    r.dpf[k] = s1 > 0 ? std::clamp(vi.real() / s1, -1.0, 1.0) : 0.0;
    const size_t ref = fp.angle_reference == AngleReference::kV1 ? 0 : ph;
    r.angle_deg[k] = std::nan("");
    if (v_on[ref] && imag > 0) angles.Add(iph, vph[ref], &r.angle_deg[k]);
    const bool pos_p = p >= 0, pos_q = r.q[k] >= 0;
    r.quadrant[k] = pos_p ? (pos_q ? 1 : 4) : (pos_q ? 2 : 3);
    r.flags_ch[k] = flags;
  }
  angles.Run();
  thd.Run();
}

FinalizeParams ParamsOf(const WindowEngine& m) {
  const WindowConfig& c = m.config;
  FinalizeParams fp{};
  fp.voltages = c.voltages;
  fp.currents = c.currents;
  fp.phase = c.phase;
  fp.voltage_cal = c.voltage_cal;
  fp.current_cal = c.current_cal;
  fp.min_on = c.min_on_current;
  fp.table = c.current_table;
  fp.table_logs = m.table_logs;
  fp.gram = m.gram;
  if (m.tile_layout == kLayoutLanes) {
    fp.lane_window = m.lane_window;
    fp.frame_column = c.frame_column;
  }
  fp.min_voltage_peak = c.min_voltage;
  fp.angle_reference = c.angle_reference;
  return fp;
}

// ---------------------------------------------------------------- streaming engine

size_t Channels(const WindowEngine& m) { return m.config.voltages + m.config.currents; }
// The channels whose window boundaries the scalar functions below take: all of them in the rows
// layout; in the lanes layout the voltages (the currents' take CurrentLaneBoundaryImpl).
size_t RowChannels(const WindowEngine& m) {
  return m.tile_layout == kLayoutLanes ? m.config.voltages : Channels(m);
}

// Delay-filtered sample of channel ch at tile index t (t may be negative, into history).
double ScalarY(const WindowEngine& m, size_t ch, ptrdiff_t t) {
  const ptrdiff_t base = static_cast<ptrdiff_t>(kHistoryFrames) + t;
  if (ch < m.config.voltages) return m.vcal[ch][base];
  const DelayFilter& f = m.delay[ch];
  double y = 0;
  if (m.tile_layout == kLayoutLanes) {
    const size_t lane = m.config.frame_column[ch];
    for (int j = 0; j < f.ntaps; ++j) y += double{f.taps[j]} * m.lane[base - f.tap0 - j][lane];
  } else {
    const float* row = m.crow[ch - m.config.voltages];
    for (int j = 0; j < f.ntaps; ++j) y += double{f.taps[j]} * row[base - f.tap0 - j];
  }
  return y;
}

// The five sum terms of channel ch's sample y at tile index t: y, y², y·v (v: the channel's
// reference row), y·cos, y·sin.
void SampleTerms(const WindowEngine& m, size_t ch, ptrdiff_t t, double y, double a[kSumCount]) {
  const ptrdiff_t base = static_cast<ptrdiff_t>(kHistoryFrames) + t;
  const size_t ref = ReferenceRow(ch, m.config.voltages, m.config.phase);
  a[0] = y;
  a[1] = y * y;
  a[2] = y * double{m.vcal[ref][base]};
  a[3] = y * double{m.cosr[base]};
  a[4] = y * double{m.sinr[base]};
}

// A window boundary between tile samples t−1 and t splits both between the closing window
// and the next one: sample t−1 (all in the closing window's sums so far) moves w_prev to the
// next window, sample t (in neither yet) gives w_cur to the closing window and the rest, −w_cur
// of it relative to the next window's start, to the next. The filtered samples of both are
// computed once (y) and used twice: CloseBoundary before the closing window is finalised,
// OpenBoundary after, which overwrites the sums with the next window's start (no second sums
// array on the stack).
struct BoundaryY {
  ptrdiff_t t;
  double w_prev, w_cur;
  double prev[kMaxChannels], cur[kMaxChannels];  // y at t−1 and t, per channel
};

// ScalarY of channel ch at tile index t, read where the caller holds it if it is a current of
// an in-place piece (InPlaceRows) and t lies in the piece (a window boundary's samples, the
// stream's first): the value the tile would hold, (x − offset)·gain in float, through
// ScalarY's one-tap sum (0 + 1·y).
double SampleY(const WindowEngine& m, size_t ch, ptrdiff_t t, const InPlaceRows& ip) {
  const size_t nv = m.config.voltages;
  if (!ip.active() || ch < nv || t < static_cast<ptrdiff_t>(ip.begin) || t >= static_cast<ptrdiff_t>(ip.end) ||
      !InPlaceCurrent(m, ch - nv)) {
    return ScalarY(m, ch, t);
  }
  const ChannelScale& s = m.scale[ch];
  const float x = (ip.At(ch - nv, static_cast<size_t>(t)) - s.offset) * s.gain;
  double y = 0;
  y += double{m.delay[ch].taps[0]} * x;
  return y;
}

BoundaryY BoundarySamples(const WindowEngine& m, ptrdiff_t t, double w_prev, double w_cur, const InPlaceRows& ip) {
  BoundaryY b;
  b.t = t;
  b.w_prev = w_prev;
  b.w_cur = w_cur;
  for (size_t ch = 0; ch < RowChannels(m); ++ch) {
    b.prev[ch] = SampleY(m, ch, t - 1, ip);
    b.cur[ch] = SampleY(m, ch, t, ip);
  }
  return b;
}

// The five sum terms of the reference's pseudo-channel j (WindowEngine::gram) at tile index t.
void GramTerms(const WindowEngine& m, size_t j, ptrdiff_t t, double a[kSumCount]) {
  const ptrdiff_t base = static_cast<ptrdiff_t>(kHistoryFrames) + t;
  const double c = m.cosr[base], s = m.sinr[base];
  const double y = j == 0 ? c : s;
  a[0] = y;
  a[1] = y * y;
  a[2] = y * (j == 0 ? s : c);
  a[3] = y * c;
  a[4] = y * s;
}

// Calls update(sums[ch], terms of sample t−1, terms of sample t) for every channel, and for
// the reference's pseudo-channels.
template <typename Update>
void ForBoundaryTerms(WindowEngine& m, const BoundaryY& b, const Update& update) {
  double a1[kSumCount], a0[kSumCount];
  for (size_t ch = 0; ch < RowChannels(m); ++ch) {
    SampleTerms(m, ch, b.t - 1, b.prev[ch], a1);
    SampleTerms(m, ch, b.t, b.cur[ch], a0);
    update(m.sums[ch], a1, a0);
  }
  for (size_t j = 0; j < kGramRows; ++j) {
    GramTerms(m, j, b.t - 1, a1);
    GramTerms(m, j, b.t, a0);
    update(m.gram[j], a1, a0);
  }
}

void CloseBoundary(WindowEngine& m, const BoundaryY& b) {
  ForBoundaryTerms(m, b, [&](double* sums, const double* a1, const double* a0) {
    for (size_t q = 0; q < kSumCount; ++q) {
      sums[q] += -b.w_prev * a1[q];
      sums[q] += b.w_cur * a0[q];
    }
  });
  if (m.tile_layout == kLayoutLanes) HWY_DYNAMIC_DISPATCH(CurrentLaneBoundaryImpl)(m, b.t, b.w_prev, b.w_cur, false);
}

void OpenBoundary(WindowEngine& m, const BoundaryY& b) {
  ForBoundaryTerms(m, b, [&](double* sums, const double* a1, const double* a0) {
    for (size_t q = 0; q < kSumCount; ++q) {
      double s = 0.0;  // as a sum from zero (keeps the sign of zero terms as before)
      s += b.w_prev * a1[q];
      s += -b.w_cur * a0[q];
      sums[q] = s;
    }
  });
  if (m.tile_layout == kLayoutLanes) HWY_DYNAMIC_DISPATCH(CurrentLaneBoundaryImpl)(m, b.t, b.w_prev, b.w_cur, true);
}

// Adds weight·(contribution of tile sample t) to the double sums of every channel and of the
// reference's pseudo-channels (the currents of an in-place piece, ip, read where they lie).
void AddSample(WindowEngine& m, ptrdiff_t t, double weight, const InPlaceRows& ip) {
  double a[kSumCount];
  for (size_t ch = 0; ch < Channels(m); ++ch) {
    SampleTerms(m, ch, t, SampleY(m, ch, t, ip), a);
    const bool by_lane = ch >= RowChannels(m);
    for (size_t q = 0; q < kSumCount; ++q) {
      (by_lane ? m.lane_window[q][m.config.frame_column[ch]] : m.sums[ch][q]) += weight * a[q];
    }
  }
  for (size_t j = 0; j < kGramRows; ++j) {
    GramTerms(m, j, t, a);
    for (size_t q = 0; q < kSumCount; ++q) m.gram[j][q] += weight * a[q];
  }
}

// Moves the frame-major lane sums into their double window sums, lane by lane, and clears them.
void FlushCurrentLanes(WindowEngine& m) { HWY_DYNAMIC_DISPATCH(FlushCurrentLanesImpl)(m, Channels(m)); }

// The row kernel's lane sums of the channels it accumulates in the tile's layout.
void FlushRowLanes(WindowEngine& m) {
  const size_t n = m.config.voltages + (m.tile_layout == kLayoutRows ? m.config.currents : 0);
  HWY_DYNAMIC_DISPATCH(FlushLanesImpl)(m, 0, n);
}

void SetOscillatorHz(WindowEngine& m, double hz) {
  m.osc_step = 2.0 * kPi * hz / m.config.fs_hz;
  m.osc_step_cos = std::cos(m.osc_step);
  m.osc_step_sin = std::sin(m.osc_step);
}

void UpdateF10(WindowEngine& m, double tc) {
  const uint64_t interval = static_cast<uint64_t>(tc / (10.0 * m.config.fs_hz));
  if (m.f10_first < 0 || interval != m.f10_interval) {
    if (m.f10_first >= 0 && m.f10_count >= 2) {
      m.f10_value = (m.f10_count - 1) * m.config.fs_hz / (m.f10_last - m.f10_first);
    }
    m.f10_interval = interval;
    m.f10_first = m.f10_last = tc;
    m.f10_count = 1;
  } else {
    m.f10_last = tc;
    ++m.f10_count;
  }
}

// Samples of the shortest whole window: K cycles at kMaxTrackHz.
double ShortestWindow(const WindowEngine& m) { return m.cycles_per_window * m.config.fs_hz / kMaxTrackHz; }

struct Boundary {
  double at;       // absolute fractional sample time of the boundary
  uint32_t flags;  // window flags
  uint32_t cycles; // whole cycles, 0 if the window is not cycle-synchronous
};

// Moves the clipped frames among tile frames [0, t) into clipped[] — the window that closes at
// t holds them — and forgets them; t = kTileFrames at a tile's end, where the open window
// takes what is left.
void TakeClips(WindowEngine& m, size_t t) {
  if (!m.clip_pending) return;
  const size_t nch = m.config.voltages + m.config.currents;
  bool left = false;
  for (size_t k = 0; k < nch; ++k) {
    for (size_t w = 0; w < kTileFrames / 64; ++w) {
      const size_t lo = w * 64;
      const uint64_t mask = t <= lo ? 0 : t - lo >= 64 ? ~uint64_t{0} : (uint64_t{1} << (t - lo)) - 1;
      if (m.clip_bits[k][w] & mask) m.clipped[k] = 1;
      m.clip_bits[k][w] &= ~mask;
      left = left || m.clip_bits[k][w] != 0;
    }
  }
  m.clip_pending = left ? 1 : 0;
}

// Closes the open window at boundary bd, detected at tile index t (bd ∈ [t−1, t) in tile
// time). Samples < t are in the lanes/sums; sample t is not yet accumulated.
// ip: the in-place piece that holds frame t, if any (its currents' boundary samples are read
// where the caller holds them).
void CloseWindow(WindowEngine& m, ptrdiff_t t, const Boundary& bd, const InPlaceRows& ip, WindowResult* out,
                 size_t* count) {
  FlushRowLanes(m);  // the currents' frame-major lane sums: in CloseBoundary
  const double t_abs = static_cast<double>(m.tile_start) + static_cast<double>(t);
  // Split samples t−1 (fully in the old window so far) and t (not yet in either) by their
  // linear-interpolation weights; the new window starts with the complements.
  const double w_prev_old = HatCdf(bd.at - (t_abs - 1.0));  // part of sample t−1 before bd
  const double w_cur_old = HatCdf(bd.at - t_abs);
  const BoundaryY boundary = BoundarySamples(m, t, 1.0 - w_prev_old, w_cur_old, ip);
  CloseBoundary(m, boundary);

  const double w = bd.at - m.window_start;
  WindowResult& r = out[*count];
  r.start_samples = m.window_start;
  r.length_samples = w;
  r.start_s = m.window_start / m.config.fs_hz;
  r.duration_s = w / m.config.fs_hz;
  r.cycles = bd.cycles;
  r.flags = bd.flags | (m.windows_done < kSettlingWindows || m.after_incomplete ? kFlagSettling : uint32_t{0});
  const double f_est = m.osc_step * m.config.fs_hz / (2.0 * kPi);
  r.frequency_hz = bd.cycles > 0 ? bd.cycles * m.config.fs_hz / w
                   : (bd.flags & kFlagNoVoltage) ? m.config.nominal_hz : f_est;
  if (bd.cycles > 0 && (r.frequency_hz < kMinInRangeHz || r.frequency_hz > kMaxInRangeHz)) {
    r.flags |= kFlagFreqOutOfRange;
  }
  r.frequency_10s_hz = m.f10_value > 0 ? m.f10_value : std::nan("");
  r.index = m.windows_done;
  TakeClips(m, static_cast<size_t>(t));
  FinalizeChannels(ParamsOf(m), m.sums, w, m.clipped, r);
  ++*count;
  ++m.windows_done;

  // The next window: DC estimate for the zero-crossing detector, reference frequency.
  // Only whole cycles give an unbiased mean; a partial window's mean is not a DC offset.
  // A window with a non-finite voltage sample leaves the estimate as it was (the tracker's input
  // would otherwise be NaN from then on).
  const double mean = m.sums[m.ref_voltage][0] / w;
  if (bd.cycles > 0 && std::isfinite(mean)) m.dc_estimate = mean;
  // Reference voltage: V1, else the first phase with voltage (judged on the window just
  // closed). A change restarts the tracker; the next window ends at the new reference's first
  // crossing, flagged incomplete. Judged only on windows of at least the shortest whole
  // window (MaxWindowsPerBlock's argument): the partial windows a restart leaves would let
  // phases near the minimum voltage take turns, a window per crossing (found by
  // tests/fuzz/fuzz_meter.cc: 29 windows in 681 frames).
  for (size_t k = 0; w >= ShortestWindow(m) && k < m.config.voltages; ++k) {
    if (r.vrms[k] * kSqrt2 >= m.config.min_voltage) {
      if (k != m.ref_voltage) {
        m.ref_voltage = static_cast<uint32_t>(k);
        m.mode = kAcquire;
        m.armed = 0;
        m.prev_v = 0;
        m.env = 0;
        m.dc_estimate = 0;
      }
      break;
    }
  }
  // A window that is not whole cycles leaves the next one's first cycle on an unverified
  // reference: flag it settling. Without voltage the reference returns to nominal.
  m.after_incomplete = bd.cycles == 0 ? 1 : 0;
  if (bd.flags & kFlagNoVoltage) SetOscillatorHz(m, m.config.nominal_hz);
  const double norm = 1.0 / std::hypot(m.osc_cos, m.osc_sin);
  m.osc_cos *= norm;
  m.osc_sin *= norm;
  OpenBoundary(m, boundary);
  std::memset(m.clipped, 0, sizeof(m.clipped));
  m.window_start = bd.at;
  m.crossings_in_window = 0;
}

// Where the open window times out: open time past `sync` (synchronised) or `acquire`
// (acquiring) samples, or, without voltage, the nominal window end.
struct TrackLimits {
  double sync, acquire, nominal_end;
};
TrackLimits LimitsOf(const WindowEngine& m) {
  const double fs = m.config.fs_hz;
  const uint32_t k_cycles = m.cycles_per_window;
  return {k_cycles * fs / kMinTrackHz, 2.0 * fs / kMinTrackHz,
          m.window_start + k_cycles * fs / m.config.nominal_hz};
}

// The tracker's input at a frame: the reference voltage less its DC estimate, rounded to float
// (Track and FastTracker form it alike, so the quiet frames are Track's exactly). A value that
// is not finite — a voltage beyond float's range once calibrated, or the delay filter's
// inf − inf — counts as 0: no Inf or NaN enters the tracker's envelope, last sample or crossing
// times (a crossing time from an infinite sample is NaN), which also keeps the state one that a
// snapshot restores.
inline float TrackerInput(float vcal, double dc) {
  const float v = static_cast<float>(vcal - dc);
  return std::isfinite(v) ? v : 0.0f;
}

// Runs the tracker on tile frame t; returns true and fills *bd when a window ends there.
bool Track(WindowEngine& m, size_t t, Boundary* bd) {
  const double fs = m.config.fs_hz;
  const double t_abs = static_cast<double>(m.tile_start + t);
  const float v = TrackerInput(m.vcal[m.ref_voltage][kHistoryFrames + t], m.dc_estimate);
  const double av = std::fabs(double{v});
  m.env = std::max(av, m.env * m.env_decay);
  const bool present = m.env >= m.config.min_voltage;
  bool crossing = false;
  double tc = 0;
  if (v < -0.1 * m.env) {
    m.armed = 1;
  } else if (m.armed && v >= 0.0f && m.prev_v < 0.0f) {
    tc = t_abs - 1.0 + double{m.prev_v} / (double{m.prev_v} - double{v});
    m.armed = 0;
    crossing = true;
  }
  m.prev_v = v;
  const uint32_t k_cycles = m.cycles_per_window;
  if (crossing && present) {
    if (m.mode == kSync) {
      const double period = tc - m.last_crossing;
      if (period < fs / kMaxTrackHz) return false;  // glitch: ignore this crossing
      m.last_crossing = tc;
      if (period > fs / kMinTrackHz) {  // a cycle was lost: the window cannot be whole
        m.crossings_in_window = k_cycles + 1;
        return false;
      }
      UpdateF10(m, tc);
      ++m.crossings_in_window;
      // The fundamental reference follows the cycles measured so far in this window, so the
      // phasors stay synchronous through frequency ramps and after a resync.
      if (m.crossings_in_window <= k_cycles) {
        SetOscillatorHz(m, m.crossings_in_window * fs / (tc - m.window_start));
      }
      if (m.crossings_in_window == k_cycles) {
        *bd = Boundary{tc, 0u, k_cycles};
        return true;
      }
      if (m.crossings_in_window == 2 * k_cycles + 1) {  // counted from a lost cycle
        *bd = Boundary{tc, kFlagIncomplete, 0u};
        return true;
      }
      return false;
    }
    // Acquire or nominal: the first crossing ends the open (partial) window.
    const uint32_t flags = kFlagIncomplete | (m.mode == kNominal ? kFlagNoVoltage : uint32_t{0});
    m.mode = kSync;
    m.last_crossing = tc;
    *bd = Boundary{tc, flags, 0u};
    return true;
  }
  const double open = t_abs - m.window_start;
  const TrackLimits lim = LimitsOf(m);
  if (m.mode == kSync && open > lim.sync) {
    m.mode = kNominal;
    *bd = Boundary{t_abs - 0.5, kFlagIncomplete | (present ? kFlagFreqOutOfRange : kFlagNoVoltage), 0u};
    return true;
  }
  if (m.mode == kAcquire && open > lim.acquire) {
    m.mode = kNominal;
    *bd = Boundary{t_abs - 0.5, kFlagIncomplete | kFlagNoVoltage, 0u};
    return true;
  }
  if (m.mode == kNominal && lim.nominal_end < t_abs) {
    *bd = Boundary{lim.nominal_end, kFlagNoVoltage, 0u};
    return true;
  }
  return false;
}

// The tracker's per-frame state in registers, for the frames where Track would change nothing
// but the envelope and the arming: no crossing candidate, no timeout. Every other frame goes
// through Track itself with the state written back, so the results are Track's exactly.
// Track's input, the reference voltage less its DC estimate rounded to float, is formed for the
// rest of the tile in one loop the compiler vectorises (into m.scratch, free while the tile is
// tracked), and formed again only when a window's end changes the estimate or the reference;
// the timeouts are one frame bound (quiet_end) instead of a test per frame. The frame loop then
// holds little more than the envelope's and the oscillator's chains: 3.1 ns per frame against
// 4.4 before, with the forming 0.3 (a loop of the same code alone, Intel VM, 2026-12-06).
struct FastTracker {
  float* v;                    // m.scratch: tile frame t's input, formed up to the call's end
  const float* vrow = nullptr; // reference voltage (tile index) and DC estimate v was formed from
  double dc = 0;
  double decay = 0, env = 0;
  double prev_v = 0;  // a float's value
  uint8_t armed = 0;
  size_t quiet_end = 0;  // frames before it: no timeout due, not the stream's first frame

  // dst[t] = TrackerInput(row[t], dc) for t in [from, e) (restrict: the two are rows of the
  // same engine, which kept the compiler from vectorising the loop).
  static void Form(const float* HWY_RESTRICT row, double dc, size_t from, size_t e, float* HWY_RESTRICT dst) {
    for (size_t t = from; t < e; ++t) dst[t] = TrackerInput(row[t], dc);
  }
  // Takes the state for tile frames [from, e); one tracker serves one call, whose `from` only
  // grows, so the input formed for [from, e) covers every later Load's frames.
  FastTracker(WindowEngine& m, size_t from, size_t e) : v(m.scratch) { Load(m, from, e); }
  void Load(WindowEngine& m, size_t from, size_t e) {
    const float* row = m.vcal[m.ref_voltage] + kHistoryFrames;
    if (row != vrow || !(m.dc_estimate == dc)) {  // the first Load, or a window end changed them
      vrow = row;
      dc = m.dc_estimate;
      Form(vrow, dc, from, e, v);
    }
    decay = m.env_decay;
    env = m.env;
    prev_v = m.prev_v;
    armed = m.armed;
    // Track's own limits as one bound on the frame time. Track times out when open time
    // t − window_start exceeds the limit (sync / acquire) or when t > nominal_end; the bound
    // is one frame early for the first two (window_start + limit is rounded), so a timeout is
    // never missed — the frames in between simply go through Track.
    const TrackLimits lim = LimitsOf(m);
    const double deadline = m.mode == kSync      ? m.window_start + lim.sync - 1.0
                            : m.mode == kAcquire ? m.window_start + lim.acquire - 1.0
                                                 : lim.nominal_end;
    // Frame t may be quiet while (double)(tile_start + t) ≤ deadline, i.e. tile_start + t ≤
    // floor(deadline) (frame numbers are far below 2^53, exact as doubles).
    const uint64_t first = m.tile_start + from;
    const double last = std::floor(deadline);
    quiet_end = from;
    if (from < e && first != 0 && last >= static_cast<double>(first)) {
      const double room = last - static_cast<double>(first);  // exact: integers below 2^53
      quiet_end = room >= static_cast<double>(e - from - 1) ? e : from + 1 + static_cast<size_t>(room);
    }
  }
  void Store(WindowEngine& m) const {
    m.env = env;
    m.prev_v = static_cast<float>(prev_v);
    m.armed = armed;
  }
  // Runs frame t (< quiet_end) if nothing can happen there (returns true), else leaves the
  // state alone.
  bool Quiet(size_t t) {
    const double x = v[t];
    if (armed && x >= 0.0 && prev_v < 0.0) return false;  // a crossing: Track decides
    env = std::max(std::fabs(x), env * decay);
    armed |= static_cast<uint8_t>(x < -0.1 * env);
    prev_v = x;
    return true;
  }
};

// The caller's interleaved block, for prefetching the frames a tile ahead (data nullptr: planar
// input, nothing to prefetch). next_tile: block frame of tile frame 0 of the next tile.
struct BlockAhead {
  const char* data = nullptr;
  size_t frame_bytes = 0, frames = 0, next_tile = 0;
  // The bytes of the next tile's frames [from, to) that lie in the block.
  AheadBytes Frames(size_t from, size_t to) const {
    AheadBytes a;
    const size_t first = next_tile + from, last = std::min(next_tile + to, frames);
    if (data == nullptr || first >= last) return a;
    a.begin = data + first * frame_bytes;
    a.end = data + last * frame_bytes;
    return a;
  }
};

// Processes tile frames [b, e) that have just been converted into m.x (the currents of an
// in-place piece, ip, read where the caller holds them). Returns false, part-way, where the
// in-place kernel finds a sample that is not finite (ip.test only: ProcessOnePass, whose caller
// puts the state back).
bool ProcessTileRange(WindowEngine& m, size_t b, size_t e, const BlockAhead& blk, const InPlaceRows& ip,
                      WindowResult* out, size_t* count) {
  HWY_DYNAMIC_DISPATCH(DelayVoltagesImpl)(m, b, e);
  // Frames are accumulated when a window closes and when the tile is full, not at the end of
  // every call: blocks of a few frames then cost no per-row kernel call each (the sums are the
  // same bits however the accumulation is cut, as they are for the stream). An in-place piece
  // is accumulated whole before the call returns (the caller's rows are read then), the frames
  // still pending before it first, from the tile.
  size_t seg = m.pending;
  if (ip.active() && seg < b) {
    HWY_DYNAMIC_DISPATCH(AccumulateTileImpl)(m, seg, b, AheadBytes{}, InPlaceRows{});
    seg = b;
  }
  // The oscillator and the tracker run in registers; the state is written back before Track
  // and CloseWindow (which renormalises the oscillator) and at the end.
  double oc = m.osc_cos, os = m.osc_sin;
  double step_c = m.osc_step_cos, step_s = m.osc_step_sin;  // Track may change the step
  auto oscillate = [&](size_t t) {  // the reference at frame t, then one step on
    m.cosr[kHistoryFrames + t] = static_cast<float>(oc);
    m.sinr[kHistoryFrames + t] = static_cast<float>(os);
    const double c = oc, sn = os;
    oc = c * step_c - sn * step_s;
    os = sn * step_c + c * step_s;
  };
  FastTracker ft(m, b, e);
  for (size_t t = b; t < e; ++t) {
    bool quiet = true;
    for (; t < ft.quiet_end; ++t) {
      oscillate(t);
      if (!ft.Quiet(t)) {
        quiet = false;
        break;
      }
    }
    if (t == e) break;
    if (quiet) oscillate(t);  // frame t is past quiet_end: a timeout may be due, or frame 0
    const uint64_t t_abs = m.tile_start + t;
    ft.Store(m);
    Boundary bd;
    const bool closes = Track(m, t, &bd);
    if (t_abs == 0) {
      // The stream starts at sample 0's instant: only the half of its weight after 0 counts.
      if (!HWY_DYNAMIC_DISPATCH(AccumulateTileImpl)(m, t, t + 1, AheadBytes{}, ip)) return false;
      seg = t + 1;
      AddSample(m, 0, -0.5, ip);
    }
    if (closes && bd.at > m.window_start) {
      if (!HWY_DYNAMIC_DISPATCH(AccumulateTileImpl)(m, seg, t, blk.Frames(seg, t), ip)) return false;
      seg = t;
      m.osc_cos = oc;
      m.osc_sin = os;
      CloseWindow(m, static_cast<ptrdiff_t>(t), bd, ip, out, count);
      oc = m.osc_cos;
      os = m.osc_sin;
    }
    ft.Load(m, t + 1, e);
    step_c = m.osc_step_cos;
    step_s = m.osc_step_sin;
  }
  ft.Store(m);
  m.osc_cos = oc;
  m.osc_sin = os;
  if ((e == kTileFrames || ip.active()) && seg < e) {
    if (!HWY_DYNAMIC_DISPATCH(AccumulateTileImpl)(m, seg, e, blk.Frames(seg, e), ip)) return false;
    seg = e;
  }
  m.pending = seg;
  return true;
}

// Ends a full tile: carry the history rows into the next tile. The voltages' lanes are flushed
// at every window end and at least every 256 terms per lane (every N tiles for N lanes), the
// currents' frame-major lane sums at every window end and tile end, at absolute stream
// positions, so precision and results do not depend on the block cut.
void RollTile(WindowEngine& m) {
  TakeClips(m, kTileFrames);
  const uint64_t flush_frames = kTileFrames * HWY_DYNAMIC_DISPATCH(LanesImpl)();
  if ((m.tile_start + kTileFrames) % flush_frames == 0) FlushRowLanes(m);
  if (m.tile_layout == kLayoutLanes) FlushCurrentLanes(m);
  const size_t keep = kHistoryFrames;
  for (size_t k = 0; k < m.config.voltages; ++k) {
    std::memcpy(m.x[k], m.x[k] + kTileFrames, keep * sizeof(float));
    std::memcpy(m.vcal[k], m.vcal[k] + kTileFrames, keep * sizeof(float));
  }
  if (kFrameLanesPossible && m.tile_layout == kLayoutLanes) {
    if constexpr (kFrameLanesPossible) std::memcpy(m.lane, m.lane + kTileFrames, keep * sizeof(m.lane[0]));
  } else {
    for (size_t k = 0; k < m.config.currents; ++k) {
      std::memcpy(m.crow[k], m.crow[k] + kTileFrames, keep * sizeof(float));
    }
  }
  std::memcpy(m.vref, m.vref + kTileFrames, keep * sizeof(m.vref[0]));
  std::memcpy(m.cosr, m.cosr + kTileFrames, keep * sizeof(float));
  std::memcpy(m.sinr, m.sinr + kTileFrames, keep * sizeof(float));
  const double norm = 1.0 / std::hypot(m.osc_cos, m.osc_sin);
  m.osc_cos *= norm;
  m.osc_sin *= norm;
  m.tile_start += kTileFrames;
  m.filled = 0;
  m.pending = 0;
}

Status CheckOutput(const WindowEngine& m, size_t frames, const WindowResult* out, size_t cap,
                   const size_t* completed) {
  if (m.initialized != kInitMagic) return Status::kNotInitialized;
  if (completed == nullptr) return Status::kNullPointer;
  if (frames > 0 && out == nullptr) return Status::kNullPointer;
  if (cap < MaxWindowsPerBlock(m, frames)) return Status::kOutputTooSmall;
  return Status::kOk;
}

// Puts the currents of a new tile (nothing received yet) in `layout`: the history frames move
// across, the currents' partial sums of the old layout go to the window sums first. The
// voltages are rows in both layouts and keep their flush schedule, so their sums, and with them
// the tracker and the window boundaries, do not depend on the input types.
void SwitchLayout(WindowEngine& m, uint32_t layout) {
  const size_t nv = m.config.voltages, nc = m.config.currents;
  if (m.tile_layout == kLayoutRows) {
    HWY_DYNAMIC_DISPATCH(FlushLanesImpl)(m, nv, nc);
  } else {
    FlushCurrentLanes(m);
  }
  // The currents' window sums move between their rows of sums and their lanes.
  for (size_t k = 0; k < nc; ++k) {
    const size_t lane = m.config.frame_column[nv + k];
    for (size_t q = 0; q < kSumCount; ++q) {
      double& row = m.sums[nv + k][q];
      double& by_lane = m.lane_window[q][lane];
      if (layout == kLayoutLanes) {
        by_lane = row;
        row = 0;
      } else {
        row = by_lane;
        by_lane = 0;
      }
    }
  }
  for (size_t t = 0; t < kHistoryFrames; ++t) {
    for (size_t k = 0; k < nc; ++k) {
      m.history_swap[t][k] = m.tile_layout == kLayoutLanes ? m.lane[t][m.config.frame_column[nv + k]] : m.crow[k][t];
    }
  }
  m.tile_layout = layout;
  for (size_t t = 0; t < kHistoryFrames; ++t) {
    for (size_t k = 0; k < nc; ++k) {
      if (layout == kLayoutLanes) {
        m.lane[t][m.config.frame_column[nv + k]] = m.history_swap[t][k];
      } else {
        m.crow[k][t] = m.history_swap[t][k];
      }
    }
  }
}

// Rows of the rows layout as the converters want them: voltages, then currents.
void TileRows(WindowEngine& m, float** rows) {
  for (size_t k = 0; k < m.config.voltages; ++k) rows[k] = m.x[k] + kHistoryFrames + m.filled;
  for (size_t k = 0; k < m.config.currents; ++k) {
    rows[m.config.voltages + k] = m.crow[k] + kHistoryFrames + m.filled;
  }
}

// The voltages of lanes-layout rows [filled, filled + n) into their rows (the tracker's).
void VoltageRowsFromLanes(WindowEngine& m, size_t n) {
  for (size_t k = 0; k < m.config.voltages; ++k) {
    float* row = m.x[k] + kHistoryFrames + m.filled;
    const size_t lane = m.config.frame_column[k];
    for (size_t j = 0; j < n; ++j) row[j] = m.lane[kHistoryFrames + m.filled + j][lane];
  }
}

// Frames narrower than this take row tiles on every target (SetFrameLanesMinColumnsForTest).
size_t g_lanes_min_columns = kFrameLanesMinColumns;
bool g_lanes_everywhere = false;  // tests: frame-major tiles on every target

// Layout of the tiles that frames of `columns` columns start: frame-major lanes where the
// target has them (FrameLanesImpl) and a frame fills at least one 16-lane group. Narrower
// frames (small meters) would be converted into lanes column by column and accumulated 32
// lanes at a time, most of them empty: with row tiles instead the int16 chain with 4 and 12
// currents took 0.60–0.68× the time on AVX-512 (measured when the lane kernel always took
// 48 lanes; 13 currents, 16 columns: 0.92–1.04×, 16–29 currents 1.03–1.11×, 45 currents
// 1.3×; bench/inprocess_ab.sh --currents).
uint32_t FramesLayout(size_t columns) {
  return kFrameLanesPossible && (g_lanes_everywhere || HWY_DYNAMIC_DISPATCH(FrameLanesImpl)()) && columns >= g_lanes_min_columns
             ? kLayoutLanes
             : kLayoutRows;
}

// The front end reports clipping per channel and converted span (chunk[ch]: a clipped sample
// among tile frames [filled, filled + n)); the rare channels it names are scanned again to mark
// the very frames (clip_bits), so that each window's flag covers its own frames.
// is_clipped(ch, j): whether the sample of channel ch at tile frame filled + j clipped.
// chunk: kClipFlagBytes entries (whole words for AnyClipped).
template <typename IsClipped>
void MarkClips(WindowEngine& m, const uint8_t* chunk, size_t n, const IsClipped& is_clipped) {
  if (!AnyClipped(chunk, kClipFlagBytes)) return;
  const size_t nch = m.config.voltages + m.config.currents;
  for (size_t k = 0; k < nch; ++k) {
    if (!chunk[k]) continue;
    for (size_t j = 0; j < n; ++j) {
      if (!is_clipped(k, j)) continue;
      const size_t f = m.filled + j;
      m.clip_bits[k][f / 64] |= uint64_t{1} << (f % 64);
      m.clip_pending = 1;
    }
  }
}

// convert(first, n, &ip) writes block frames [first, first + n) into the tile at `filled`, in
// the tile's layout (or leaves the currents it sets in ip where they are), and returns false if
// it found a sample it refuses (the run then stops there, part-way: false; so does a sample
// the in-place kernel refuses); a tile takes the layout `layout` of the input that starts it.
// convert(first, n, ip), in a frame of its own: the conversion's locals (the rows' addresses,
// clip flags: about 0.9 KB) are not in Run's frame, which stays on the stack while the tile is
// tracked, accumulated and its windows finalised — the deepest point of Process, within the
// firmware's 8-KB budget on SVE only so (tests/stack_test.cc).
template <typename Convert>
HWY_NOINLINE bool ConvertPiece(const Convert& convert, size_t first, size_t n, InPlaceRows* ip) {
  return convert(first, n, ip);
}

template <typename Convert>
bool Run(WindowEngine& m, size_t frames, uint32_t layout, const Convert& convert, WindowResult* out,
         size_t* completed, const char* interleaved = nullptr, size_t frame_bytes = 0) {
  size_t done = 0, count = 0;
  *completed = 0;
  while (done < frames) {
    if (m.filled == 0 && m.tile_layout != layout) SwitchLayout(m, layout);
    const size_t n = std::min(frames - done, kTileFrames - m.filled);
    InPlaceRows ip;
    if (!ConvertPiece(convert, done, n, &ip)) return false;
    const bool rows_frames = m.tile_layout == kLayoutRows && interleaved != nullptr;
    const BlockAhead blk{rows_frames ? interleaved : nullptr, frame_bytes, frames, done + kTileFrames - m.filled};
    if (!ProcessTileRange(m, m.filled, m.filled + n, blk, ip, out, &count)) return false;
    m.filled += n;
    done += n;
    if (m.filled == kTileFrames) RollTile(m);
  }
  *completed = count;
  return true;
}

template <typename Code>
Status ProcessFramesT(WindowEngine& m, const FrameBlock<Code>& block, WindowResult* out, size_t cap,
                      size_t* completed, int adc_bits) {
  if (Status s = CheckOutput(m, block.frames, out, cap, completed); s != Status::kOk) return s;
  if (block.frames > 0 && block.data == nullptr) return Status::kNullPointer;
  if (block.channels != Channels(m)) return Status::kBadBlock;
  // The ADC limits, as the front end tests them: a code ≤ lo or ≥ hi clipped.
  const int64_t half = int64_t{1} << ((sizeof(Code) == 2 ? 16 : adc_bits) - 1);
  const int64_t lo = -half, hi = half - 1;
  (void)Run(m, block.frames, FramesLayout(block.channels),
      [&](size_t first, size_t n, InPlaceRows*) {
        uint8_t chunk[kClipFlagBytes] = {};
        if (m.tile_layout == kLayoutLanes) {
          float (*lanes)[kLaneStride] = m.lane + kHistoryFrames + m.filled;
          if constexpr (sizeof(Code) == 2) {
            ConvertFramesToLanes(block, first, n, m.config.frame_column, m.lane_scale, lanes, chunk);
          } else {
            ConvertFramesToLanes(block, first, n, adc_bits, m.config.frame_column, m.lane_scale, lanes, chunk);
          }
          VoltageRowsFromLanes(m, n);
        } else {  // a tile that planar input started
          float* rows[kMaxChannels];
          TileRows(m, rows);
          if constexpr (sizeof(Code) == 2) {
            ConvertFrames(block, first, n, m.config.frame_column, m.lane_scale, rows, chunk);
          } else {
            ConvertFrames(block, first, n, adc_bits, m.config.frame_column, m.lane_scale, rows, chunk);
          }
        }
        MarkClips(m, chunk, n, [&](size_t k, size_t j) {
          const int64_t code = block.data[(first + j) * block.channels + m.config.frame_column[k]];
          return code <= lo || code >= hi;
        });
        return true;
      },
      out, completed, reinterpret_cast<const char*>(block.data), block.channels * sizeof(Code));
  return Status::kOk;
}

bool g_in_place = true;  // SetInPlaceRowsForTest
std::atomic<size_t> g_in_place_pieces{0};  // pieces read in place since SetInPlaceRowsForTest

// Whether a piece of n frames of a planar block (f64: of float64 rows, where the target reads
// them in place) goes in place (InPlaceRows): long enough, and some current is read in place
// (rows tiles only).
bool InPlacePiece(const WindowEngine& m, size_t n, bool f64) {
  if (!g_in_place || n < kInPlaceMinFrames || (f64 && !HWY_DYNAMIC_DISPATCH(InPlaceF64Impl)())) return false;
  for (size_t k = 0; k < m.config.currents; ++k) {
    if (InPlaceCurrent(m, k)) return true;
  }
  return false;
}

// Converts block frames [first, first + n) of an in-place piece into the tile rows at `filled`:
// the voltages and the currents not read in place whole, of the in-place currents the frames
// InPlaceEdgesImpl names; fills *ip. `test` (ProcessOnePass): the samples converted here are
// tested as ConvertPlanar tests them (false if one is not finite), the in-place currents' other
// samples later, as the kernel reads them (ProcessTileRange). No clip flags: an in-place
// current has no clip level.
template <typename Sample>
bool ConvertInPlace(WindowEngine& m, const PlanarBlock<Sample>& block, size_t first, size_t n, float* const* rows,
                    bool test, InPlaceRows* ip) {
  const size_t nv = m.config.voltages;
  uint8_t chunk[kClipFlagBytes] = {};
  const PlanarBlock<Sample> voltages{block.v, block.v_stride, nullptr, 0, block.frames};
  if (!ConvertPlanar(voltages, nv, 0, first, n, m.scale, rows, chunk, test)) return false;
  for (size_t k = 0; k < m.config.currents; ++k) {
    if (InPlaceCurrent(m, k)) continue;
    const PlanarBlock<Sample> row{block.i + k * block.i_stride, 0, nullptr, 0, block.frames};
    if (!ConvertPlanar(row, 1, 0, first, n, &m.scale[nv + k], &rows[nv + k], &chunk[nv + k], test)) return false;
  }
  if constexpr (std::is_same_v<Sample, float>) {
    ip->i = block.i + first;
  } else {
    ip->i64 = block.i + first;
  }
  ip->stride = block.i_stride;
  ip->begin = m.filled;
  ip->end = m.filled + n;
  ip->readable = block.frames - first;
  ip->test = test;
  if (!HWY_DYNAMIC_DISPATCH(InPlaceEdgesImpl)(m, *ip)) return false;
  g_in_place_pieces.fetch_add(1, std::memory_order_relaxed);
  MarkClips(m, chunk, n, [&](size_t k, size_t j) {  // the voltages and the tile's currents
    return std::fabs(rows[k][j]) >= static_cast<float>(m.scale[k].clip_level);
  });
  return true;
}

// one_pass: the samples are tested as they are converted, not in a pass over the whole block
// first; a non-finite one then stops the run part-way (kNonFiniteInput, the state changed).
template <typename Sample>
Status ProcessPlanarT(WindowEngine& m, const PlanarBlock<Sample>& block, WindowResult* out,
                      size_t cap, size_t* completed, bool one_pass) {
  if (Status s = CheckOutput(m, block.frames, out, cap, completed); s != Status::kOk) return s;
  const size_t nv = m.config.voltages, nc = m.config.currents;
  if (block.frames > 0) {
    if (block.v == nullptr || (nc > 0 && block.i == nullptr)) return Status::kNullPointer;
    if ((nv > 1 && block.v_stride < block.frames) || (nc > 1 && block.i_stride < block.frames)) {
      return Status::kBadBlock;
    }
    if (!one_pass && !AllFinite(block, nv, nc)) return Status::kNonFiniteInput;
  }
  const bool ran = Run(m, block.frames, kLayoutRows, [&](size_t first, size_t n, InPlaceRows* ip) {
    uint8_t chunk[kClipFlagBytes] = {};
    float* rows[kMaxChannels];
    TileRows(m, rows);
    if (m.tile_layout == kLayoutRows) {
      if (InPlacePiece(m, n, sizeof(Sample) == 8)) return ConvertInPlace(m, block, first, n, rows, one_pass, ip);
      if (!ConvertPlanar(block, nv, nc, first, n, m.scale, rows, chunk, /*test=*/one_pass)) return false;
    } else {  // a tile that interleaved frames started
      if (one_pass) {  // the rest of that tile at most: tested apart
        const PlanarBlock<Sample> part{block.v + first, block.v_stride, block.i == nullptr ? nullptr : block.i + first,
                                       block.i_stride, n};
        if (!AllFinite(part, nv, nc)) return false;
      }
      ConvertPlanarToLanes(block, nv, nc, first, n, m.config.frame_column, m.scale, m.lane + kHistoryFrames + m.filled,
                           m.scratch, chunk);
      VoltageRowsFromLanes(m, n);
    }
    // The converted values, as the front end tested them: |value| ≥ clip level clipped.
    MarkClips(m, chunk, n, [&](size_t k, size_t j) {
      const float y = m.tile_layout == kLayoutRows || k < nv ? rows[k][j]
                                                             : m.lane[kHistoryFrames + m.filled + j][m.config.frame_column[k]];
      return std::fabs(y) >= static_cast<float>(m.scale[k].clip_level);
    });
    return true;
  }, out, completed);
  return ran ? Status::kOk : Status::kNonFiniteInput;
}

template <typename Sample>
Status ProcessOnePassT(WindowEngine& m, const PlanarBlock<Sample>& block, WindowResult* out, size_t cap,
                       size_t* completed, const WindowEngine& before) {
  const Status s = ProcessPlanarT(m, block, out, cap, completed, /*one_pass=*/true);
  if (s == Status::kNonFiniteInput) {
    m = before;
    *completed = 0;
  }
  return s;
}

bool Finite(double x) { return std::isfinite(x); }

Status ValidateCommon(double fs, size_t nv, size_t nc, const uint8_t* phase) {
  if (!ValidSampleRate(fs)) return Status::kBadSampleRate;
  if (nv < 1 || nv > kMaxVoltages || nc > kMaxCurrents) return Status::kBadChannelCount;
  for (size_t k = 0; k < nc; ++k) {
    if (phase[k] >= nv && phase[k] != kCurrentOnly) return Status::kBadPhaseAssignment;
  }
  return Status::kOk;
}

}  // namespace

void CurrentTableAt(const CurrentTable& t, double amps, double* gain, double* phase_deg) noexcept {
  TableLogs logs;
  MakeTableLogs(t, &logs);
  TableLookup(t, logs, amps, gain, phase_deg);
}

void AnglesDeg(const double* y, const double* x, size_t n, double* deg) noexcept {
  HWY_DYNAMIC_DISPATCH(AnglesDegImpl)(y, x, n, deg);
  for (size_t k = 0; k < n; ++k) {
    const double ax = std::fabs(x[k]), ay = std::fabs(y[k]);
    if (!(ax + ay > 0) || !std::isfinite(ax + ay)) {  // outside the kernel's domain
      deg[k] = std::atan2(y[k], x[k]) * (180.0 / kPi);
      if (deg[k] <= -180.0) deg[k] += 360.0;
    }
  }
}

namespace {
// What the frame-major (lanes) layout derives from the configuration's frame columns, phases,
// delay filters and scales: per lane, the current's delay filter as weights of the frames
// lag_lo .. lag_hi back and its reference voltage; the scales in frame-column order.
void BuildLaneTables(WindowEngine& m) {
  const WindowConfig& c = m.config;
  const size_t nch = c.voltages + c.currents;
  MakeLaneScale(c.frame_column, m.scale, nch, &m.lane_scale);
  std::memset(m.lag_weight, 0, sizeof(m.lag_weight));
  std::memset(m.ref_index, 0, sizeof(m.ref_index));
  int32_t lo = kMaxLag, hi = 0;
  bool plain = true;
  for (size_t k = c.voltages; k < nch; ++k) {
    const DelayFilter& f = m.delay[k];
    const size_t lane = c.frame_column[k];
    for (int32_t j = 0; j < f.ntaps; ++j) m.lag_weight[f.tap0 + j][lane] = f.taps[j];
    m.ref_index[lane] = static_cast<int32_t>(ReferenceRow(k, c.voltages, c.phase));
    lo = std::min(lo, f.tap0);
    hi = std::max(hi, f.tap0 + f.ntaps - 1);
    plain = plain && f.ntaps == 1 && f.taps[0] == 1.0f && f.tap0 == m.delay[c.voltages].tap0;
  }
  if (c.currents == 0) lo = hi = 0;
  m.lag_lo = static_cast<uint32_t>(lo);
  m.lag_hi = static_cast<uint32_t>(hi);
  m.lag_plain = plain ? 1u : 0u;
}

// A current table as CurrentTable's comment (window.h) allows it.
bool ValidTable(const CurrentTable& t) {
  if (t.points > kMaxTablePoints) return false;
  for (size_t j = 0; j < t.points; ++j) {
    if (!Finite(t.amps[j]) || t.amps[j] <= 0 || (j > 0 && !(t.amps[j] > t.amps[j - 1])) ||
        !(t.gain[j] >= 0.5f && t.gain[j] <= 2.0f) || !(std::fabs(t.phase_deg[j]) <= 10.0f)) {
      return false;
    }
  }
  return true;
}

// The configuration's scalar settings as Init accepts them (its status when not).
bool ValidAngleReference(AngleReference r) {
  return r == AngleReference::kV1 || r == AngleReference::kAssignedPhase;
}

Status ValidateSettings(double nominal_hz, double min_voltage, int adc_bits, bool virtual_neutral, size_t voltages,
                        AngleReference angle_reference) {
  if (nominal_hz != 50.0 && nominal_hz != 60.0) return Status::kBadNominalFrequency;
  if (!Finite(min_voltage) || min_voltage < 0 || !ValidAngleReference(angle_reference)) return Status::kBadThreshold;
  if (adc_bits < 2 || adc_bits > 32) return Status::kBadCalibration;
  if (virtual_neutral && voltages != 3) return Status::kBadChannelCount;
  return Status::kOk;
}

// A channel's gain, offset and clip level as Init accepts them (its correction is DesignDelays').
bool ValidCalibration(const ChannelCalibration& cal) {
  return Finite(cal.gain) && cal.gain != 0 && Finite(cal.offset) && Finite(cal.clip_level) && cal.clip_level >= 0;
}

bool ValidMinOn(double amps) { return Finite(amps) && amps >= 0; }

// Frame columns: a permutation of the channels 0 .. nch − 1.
bool ValidColumns(const uint8_t* frame_column, size_t nch) {
  bool seen[kMaxChannels] = {};
  for (size_t k = 0; k < nch; ++k) {
    if (frame_column[k] >= nch || seen[frame_column[k]]) return false;
    seen[frame_column[k]] = true;
  }
  return true;
}
}  // namespace

Status Init(const WindowConfig& c, WindowEngine& m) noexcept {
  if (Status s = ValidateCommon(c.fs_hz, c.voltages, c.currents, c.phase); s != Status::kOk) {
    return s;
  }
  if (Status s = ValidateSettings(c.nominal_hz, c.min_voltage, c.adc_bits, c.virtual_neutral, c.voltages,
                                  c.angle_reference);
      s != Status::kOk) {
    return s;
  }
  ChannelCalibration cal[kMaxChannels];
  for (size_t k = 0; k < c.voltages; ++k) cal[k] = c.voltage_cal[k];
  for (size_t k = 0; k < c.currents; ++k) {
    cal[c.voltages + k] = c.current_cal[k];
    if (!ValidMinOn(c.min_on_current[k])) return Status::kBadThreshold;
  }
  const size_t nch = c.voltages + c.currents;
  if (!ValidColumns(c.frame_column, nch)) return Status::kBadBlock;
  for (size_t k = 0; k < c.currents; ++k) {
    if (!ValidTable(c.current_table[k])) return Status::kBadCalibration;
  }
  for (size_t k = 0; k < nch; ++k) {
    if (!ValidCalibration(cal[k])) return Status::kBadCalibration;
  }
  DelayFilter filters[kMaxChannels];
  int32_t base = 0;
  if (Status s = DesignDelays(cal, nch, c.fs_hz, c.nominal_hz, filters, &base);
      s != Status::kOk) {
    return s;
  }
  // Validated: now write the state.
  m.config = c;
  std::memcpy(m.delay, filters, sizeof(filters));
  for (size_t k = 0; k < kMaxChannels; ++k) {
    m.scale[k] = k < nch ? ChannelScale{static_cast<float>(cal[k].gain),
                                        static_cast<float>(cal[k].offset), cal[k].clip_level}
                         : ChannelScale{};
  }
  m.base_delay = base;
  for (size_t k = 0; k < kMaxCurrents; ++k) {
    if (k < c.currents) MakeTableLogs(c.current_table[k], &m.table_logs[k]);
    else m.table_logs[k] = TableLogs{};
  }
  BuildLaneTables(m);
  m.cycles_per_window = c.nominal_hz == 50.0 ? 10u : 12u;
  m.initialized = kInitMagic;
  Reset(m);
  return Status::kOk;
}

Status CheckRestoredEngine(const uint8_t* bytes) noexcept {
  const StateBytes<WindowEngine> m(bytes);
  const auto c = m.Part<WindowConfig>(offsetof(WindowEngine, config));
  // The configuration, as Init validates it (piece by piece: the whole is 12 KB).
  const double fs = METERDSP_FIELD(c, WindowConfig, fs_hz), nominal = METERDSP_FIELD(c, WindowConfig, nominal_hz);
  const size_t nv = METERDSP_FIELD(c, WindowConfig, voltages), nc = METERDSP_FIELD(c, WindowConfig, currents);
  if (!ValidSampleRate(fs) || (nominal != 50.0 && nominal != 60.0) || nv < 1 || nv > kMaxVoltages ||
      nc > kMaxCurrents) {
    return Status::kBadSnapshot;
  }
  const size_t nch = nv + nc;
  uint8_t phase[kMaxCurrents], columns[kMaxChannels];
  for (size_t k = 0; k < nc; ++k) phase[k] = METERDSP_ELEMENT(c, WindowConfig, phase, k);
  for (size_t k = 0; k < nch; ++k) columns[k] = METERDSP_ELEMENT(c, WindowConfig, frame_column, k);
  if (!c.BoolAt(offsetof(WindowConfig, virtual_neutral))) return Status::kBadSnapshot;
  if (ValidateCommon(fs, nv, nc, phase) != Status::kOk || !ValidColumns(columns, nch) ||
      ValidateSettings(nominal, METERDSP_FIELD(c, WindowConfig, min_voltage), METERDSP_FIELD(c, WindowConfig, adc_bits),
                       METERDSP_FIELD(c, WindowConfig, virtual_neutral), nv,
                       METERDSP_FIELD(c, WindowConfig, angle_reference)) != Status::kOk) {
    return Status::kBadSnapshot;
  }
  for (size_t ch = 0; ch < nch; ++ch) {
    const size_t at = ch < nv ? offsetof(WindowConfig, voltage_cal) + ch * sizeof(ChannelCalibration)
                              : offsetof(WindowConfig, current_cal) + (ch - nv) * sizeof(ChannelCalibration);
    if (!c.Part<ChannelCalibration>(at).BoolAt(offsetof(ChannelCalibration, dc_removal))) return Status::kBadSnapshot;
    const ChannelCalibration cal = c.At<ChannelCalibration>(at);
    if (!ValidCalibration(cal) || !(std::fabs(CorrectionSamples(cal, fs, nominal)) <= kMaxCorrectionSamples)) {
      return Status::kBadSnapshot;
    }
  }
  for (size_t k = 0; k < nc; ++k) {
    if (!ValidMinOn(METERDSP_ELEMENT(c, WindowConfig, min_on_current, k)) ||
        !ValidTable(METERDSP_ELEMENT(c, WindowConfig, current_table, k))) {
      return Status::kBadSnapshot;
    }
  }
  // What Init derives and the stream indexes with: delay filters within the history, lane lags
  // and reference rows, the window length in cycles.
  if (METERDSP_FIELD(m, WindowEngine, initialized) != kInitMagic ||
      METERDSP_FIELD(m, WindowEngine, cycles_per_window) != (nominal == 50.0 ? 10u : 12u)) {
    return Status::kBadSnapshot;
  }
  for (size_t ch = 0; ch < nch; ++ch) {
    const DelayFilter f = METERDSP_ELEMENT(m, WindowEngine, delay, ch);
    if (f.ntaps < 1 || f.ntaps > 4 || f.tap0 < 0 || f.tap0 + f.ntaps - 1 > static_cast<int32_t>(kMaxLag)) {
      return Status::kBadSnapshot;
    }
  }
  const uint32_t lag_lo = METERDSP_FIELD(m, WindowEngine, lag_lo), lag_hi = METERDSP_FIELD(m, WindowEngine, lag_hi);
  if (lag_lo > lag_hi || lag_hi > kMaxLag || METERDSP_FIELD(m, WindowEngine, lag_plain) > 1) return Status::kBadSnapshot;
  for (size_t lane = 0; lane < kLaneStride; ++lane) {
    const int32_t ref = METERDSP_ELEMENT(m, WindowEngine, ref_index, lane);
    if (ref < 0 || ref >= static_cast<int32_t>(kMaxVoltages)) return Status::kBadSnapshot;
  }
  // The stream: the tile's fill and layout, the tracker's mode, reference and state (NaN
  // there would reach an integer conversion).
  const uint32_t layout = METERDSP_FIELD(m, WindowEngine, tile_layout);
  const size_t filled = METERDSP_FIELD(m, WindowEngine, filled);
  if ((layout != kLayoutRows && !(layout == kLayoutLanes && kFrameLanesPossible)) || filled >= kTileFrames ||
      METERDSP_FIELD(m, WindowEngine, pending) > filled || METERDSP_FIELD(m, WindowEngine, mode) > kNominal ||
      METERDSP_FIELD(m, WindowEngine, ref_voltage) >= nv || METERDSP_FIELD(m, WindowEngine, armed) > 1 ||
      METERDSP_FIELD(m, WindowEngine, after_incomplete) > 1 || METERDSP_FIELD(m, WindowEngine, clip_pending) > 1) {
    return Status::kBadSnapshot;
  }
  const double tracker[] = {
      METERDSP_FIELD(m, WindowEngine, osc_cos),      METERDSP_FIELD(m, WindowEngine, osc_sin),
      METERDSP_FIELD(m, WindowEngine, osc_step),     METERDSP_FIELD(m, WindowEngine, osc_step_cos),
      METERDSP_FIELD(m, WindowEngine, osc_step_sin), METERDSP_FIELD(m, WindowEngine, window_start),
      METERDSP_FIELD(m, WindowEngine, last_crossing), METERDSP_FIELD(m, WindowEngine, env),
      METERDSP_FIELD(m, WindowEngine, env_decay),    METERDSP_FIELD(m, WindowEngine, dc_estimate),
      METERDSP_FIELD(m, WindowEngine, f10_first),    METERDSP_FIELD(m, WindowEngine, f10_last),
      METERDSP_FIELD(m, WindowEngine, f10_value),    double{METERDSP_FIELD(m, WindowEngine, prev_v)}};
  for (double x : tracker) {
    if (!Finite(x)) return Status::kBadSnapshot;
  }
  return Status::kOk;
}

Status SetCurrentGain(WindowEngine& m, size_t k, double gain) noexcept {
  if (m.initialized != kInitMagic) return Status::kNotInitialized;
  if (k >= m.config.currents) return Status::kBadChannelCount;
  if (!Finite(gain) || gain == 0) return Status::kBadCalibration;
  const size_t ch = m.config.voltages + k;
  m.config.current_cal[k].gain = gain;
  m.scale[ch].gain = static_cast<float>(gain);
  m.lane_scale.gain[m.config.frame_column[ch]] = m.scale[ch].gain;
  return Status::kOk;
}

Status SetTopology(WindowEngine& m, const uint8_t* phase, const uint8_t* frame_column) noexcept {
  if (m.initialized != kInitMagic) return Status::kNotInitialized;
  if (phase == nullptr || frame_column == nullptr) return Status::kNullPointer;
  const size_t nv = m.config.voltages, nc = m.config.currents, nch = nv + nc;
  if (Status s = ValidateCommon(m.config.fs_hz, nv, nc, phase); s != Status::kOk) return s;
  if (!ValidColumns(frame_column, nch)) return Status::kBadBlock;
  // The frames received so far are accumulated with the topology they arrived under.
  if (m.pending < m.filled) {
    HWY_DYNAMIC_DISPATCH(AccumulateTileImpl)(m, m.pending, m.filled, AheadBytes{}, InPlaceRows{});
    m.pending = m.filled;
  }
  if (m.tile_layout == kLayoutLanes) {
    // The frame-major tile holds its frames in the old columns: the lanes' partial sums go to
    // their channels first, then the tile's frames (history and received) move to the new ones.
    FlushCurrentLanes(m);
    float moved[kMaxChannels];
    for (size_t t = 0; t < kHistoryFrames + m.filled; ++t) {
      for (size_t k = 0; k < nch; ++k) moved[k] = m.lane[t][m.config.frame_column[k]];
      for (size_t k = 0; k < nch; ++k) m.lane[t][frame_column[k]] = moved[k];
    }
    double moved_sums[kMaxChannels];  // and the open window's sums, channel by channel
    for (size_t q = 0; q < kSumCount; ++q) {
      for (size_t k = 0; k < nch; ++k) moved_sums[k] = m.lane_window[q][m.config.frame_column[k]];
      for (size_t k = 0; k < nch; ++k) m.lane_window[q][frame_column[k]] = moved_sums[k];
    }
  }
  std::memmove(m.config.phase, phase, nc);  // the arrays may be the configuration's own
  std::memmove(m.config.frame_column, frame_column, nch);
  BuildLaneTables(m);
  return Status::kOk;
}

void Reset(WindowEngine& m) noexcept {
  std::memset(m.x, 0, sizeof(m.x));
  std::memset(m.vcal, 0, sizeof(m.vcal));
  std::memset(m.lane, 0, sizeof(m.lane));  // and crow (same storage)
  m.tile_layout = kLayoutRows;
  std::memset(m.vref, 0, sizeof(m.vref));
  std::memset(m.lane_sums, 0, sizeof(m.lane_sums));
  std::memset(m.cosr, 0, sizeof(m.cosr));
  std::memset(m.sinr, 0, sizeof(m.sinr));
  std::memset(m.lanes, 0, sizeof(m.lanes));
  std::memset(m.sums, 0, sizeof(m.sums));
  std::memset(m.lane_window, 0, sizeof(m.lane_window));
  std::memset(m.gram_lanes, 0, sizeof(m.gram_lanes));
  std::memset(m.gram, 0, sizeof(m.gram));
  std::memset(m.clipped, 0, sizeof(m.clipped));
  std::memset(m.clip_bits, 0, sizeof(m.clip_bits));
  m.clip_pending = 0;
  m.tile_start = 0;
  m.filled = 0;
  m.pending = 0;
  m.osc_cos = 1.0;
  m.osc_sin = 0.0;
  SetOscillatorHz(m, m.config.nominal_hz);
  m.window_start = 0;
  m.last_crossing = 0;
  m.env = 0;
  // Envelope time constant 50 ms: bridges a cycle, forgets a lost voltage within a window.
  m.env_decay = std::exp(-1.0 / (0.05 * m.config.fs_hz));
  m.dc_estimate = 0;
  m.prev_v = 0;
  m.armed = 0;
  m.mode = kAcquire;
  m.crossings_in_window = 0;
  m.ref_voltage = 0;
  m.after_incomplete = 0;
  m.windows_done = 0;
  m.f10_interval = 0;
  m.f10_first = -1;
  m.f10_last = 0;
  m.f10_count = 0;
  m.f10_value = 0;
}

size_t MaxWindowsPerBlock(const WindowEngine& m, size_t frames) noexcept {
  // Long windows (at least ShortestWindow: whole cycles, a lost cycle, a sync timeout, a
  // nominal window) end at least ShortestWindow apart. Shorter ones end at the first crossing
  // after the acquire or nominal mode, or at the acquire timeout (2 cycles at 40 Hz), and
  // acquiring follows start-up or a change of the reference voltage, which only a long window
  // makes: at most two short windows follow a long one, two more at start-up
  // (docs/measurement.md). Long windows ending in `frames`: ⌊frames / shortest⌋ + 1.
  const size_t longs = static_cast<size_t>(static_cast<double>(frames) / ShortestWindow(m)) + 1;
  return 3 * longs + 2 + 2;  // each with two short ones; start-up; the two after a long before
}

Status Process(WindowEngine& m, const FrameBlock<int16_t>& b, WindowResult* out, size_t cap,
               size_t* completed) noexcept {
  return ProcessFramesT(m, b, out, cap, completed, 16);
}
Status Process(WindowEngine& m, const FrameBlock<int32_t>& b, WindowResult* out, size_t cap,
               size_t* completed) noexcept {
  return ProcessFramesT(m, b, out, cap, completed, m.config.adc_bits);
}
Status Process(WindowEngine& m, const PlanarBlock<float>& b, WindowResult* out, size_t cap,
               size_t* completed) noexcept {
  return ProcessPlanarT(m, b, out, cap, completed, /*one_pass=*/false);
}
Status Process(WindowEngine& m, const PlanarBlock<double>& b, WindowResult* out, size_t cap,
               size_t* completed) noexcept {
  return ProcessPlanarT(m, b, out, cap, completed, /*one_pass=*/false);
}
Status ProcessOnePass(WindowEngine& m, const PlanarBlock<float>& b, WindowResult* out, size_t cap,
                      size_t* completed, const WindowEngine& before) noexcept {
  return ProcessOnePassT(m, b, out, cap, completed, before);
}
Status ProcessOnePass(WindowEngine& m, const PlanarBlock<double>& b, WindowResult* out, size_t cap,
                      size_t* completed, const WindowEngine& before) noexcept {
  return ProcessOnePassT(m, b, out, cap, completed, before);
}

// ---------------------------------------------------------------- one-shot measurement

namespace {

// Measure() on float32 or float64 rows. float64 rows are read in place by the crossing search
// and the weighted ends and converted to float32 a chunk at a time for the accumulation kernel
// (the stream's front end converts them the same way).
// Measure()'s span: whole cycles of the reference voltage from its first to its last rising
// crossing (a, b in samples), or the whole block without crossings.
struct MeasureSpan {
  double a = 0, b = 0, freq = 0;
  uint32_t cycles = 0, flags = 0;
  size_t ref = 0;  // the reference voltage's row
};

// Validates a Measure() call and finds its span.
template <typename Sample>
Status FindMeasureSpan(const PlanarBlock<Sample>& in, const MeasureConfig& c, MeasureSpan* span) {
  if (Status s = ValidateCommon(c.fs_hz, c.voltages, c.currents, c.phase); s != Status::kOk) {
    return s;
  }
  if (c.nominal_hz != 0.0 && c.nominal_hz != 50.0 && c.nominal_hz != 60.0) {
    return Status::kBadNominalFrequency;
  }
  if (!Finite(c.min_on_current) || c.min_on_current < 0 || !ValidAngleReference(c.angle_reference)) {
    return Status::kBadThreshold;
  }
  if (in.v == nullptr || (c.currents > 0 && in.i == nullptr)) return Status::kNullPointer;
  const size_t n = in.frames;
  if (n < 2 || (c.voltages > 1 && in.v_stride < n) || (c.currents > 1 && in.i_stride < n)) {
    return Status::kBadBlock;
  }
  const double fs = c.fs_hz;
  const size_t nv = c.voltages;

  // Reference voltage: V1, else the first row that swings.
  size_t ref = 0;
  double mean = 0, peak = 0;
  for (size_t k = 0; k < nv; ++k) {
    const Sample* row = in.v + k * in.v_stride;
    // max |x − mean| from the extremes, in one pass: x − mean (rounded) is monotonic in x, so
    // this is the same value as the largest rounded |x − mean| over the samples.
    double smm[3];
    if constexpr (std::is_same_v<Sample, float>) {
      HWY_DYNAMIC_DISPATCH(SumMinMaxF32Impl)(row, n, smm);
    } else {
      HWY_DYNAMIC_DISPATCH(SumMinMaxF64Impl)(row, n, smm);
    }
    const double mk = smm[0] / static_cast<double>(n);
    const double pk = std::max(smm[2] - mk, mk - smm[1]);
    if (pk > 0) {
      ref = k;
      mean = mk;
      peak = pk;
      break;
    }
  }
  // Rising zero crossings with 10 % hysteresis; keep the first and the last.
  const Sample* vr = in.v + ref * in.v_stride;
  double first = -1, last = -1;
  uint32_t crossings = 0;
  // Alternately: look for a sample below −10 % of the peak (arming), then for the first
  // sample ≥ 0 after a negative one (the crossing, which disarms).
  const double arm = -0.1 * peak;
  for (size_t t = 1; t < n && peak > 0;) {
    while (t < n && !(vr[t] - mean < arm)) ++t;
    if (t == n) break;
    double prev = vr[t] - mean;  // armed at t
    for (++t; t < n; ++t) {
      const double v = vr[t] - mean;
      if (v >= 0 && prev < 0) {
        const double tc = static_cast<double>(t) - 1.0 + prev / (prev - v);
        if (first < 0) first = tc;
        last = tc;
        ++crossings;
        break;
      }
      prev = v;
    }
    ++t;
  }
  double a = 0, b = static_cast<double>(n - 1);
  uint32_t cycles = 0, flags = 0;
  double freq = 0;
  if (crossings >= 2) {
    a = first;
    b = last;
    cycles = crossings - 1;
    freq = cycles * fs / (b - a);
    if (freq < kMinInRangeHz || freq > kMaxInRangeHz) flags |= kFlagFreqOutOfRange;
  } else {
    flags |= kFlagNoVoltage | kFlagIncomplete;
    freq = c.nominal_hz != 0.0 ? c.nominal_hz : 50.0;
  }
  *span = MeasureSpan{a, b, freq, cycles, flags, ref};
  return Status::kOk;
}

// The span's rows of every channel (voltages first) → their window sums against the reference
// cos/sin(omega·(t − a)) (omega: the fundamental's, or a harmonic's), with the span's weights;
// gram (may be null): the reference's own sums, as the engine's WindowEngine::gram.
template <typename Sample>
void SumMeasureSpan(const PlanarBlock<Sample>& in, const MeasureConfig& c, const MeasureSpan& sp, double omega,
                    double (*sums)[kSumCount], double (*gram)[kSumCount]) {
  const size_t n = in.frames, nv = c.voltages, nch = nv + c.currents;
  const double a = sp.a, b = sp.b;
  for (size_t ch = 0; ch < nch; ++ch) std::fill(sums[ch], sums[ch] + kSumCount, 0.0);
  if (gram != nullptr) for (size_t j = 0; j < kGramRows; ++j) std::fill(gram[j], gram[j] + kSumCount, 0.0);
  auto row_of = [&](size_t ch) {
    return ch < nv ? in.v + ch * in.v_stride : in.i + (ch - nv) * in.i_stride;
  };
  auto ref_of = [&](size_t ch) { return in.v + ReferenceRow(ch, nv, c.phase) * in.v_stride; };

  // Samples with partial weight sit at the two ends; the rest weigh 1.
  const size_t lo = static_cast<size_t>(std::floor(a));
  const size_t hi = static_cast<size_t>(std::floor(b));
  const size_t full_lo = std::min(lo + 2, n), full_hi = hi >= 1 ? std::max(hi - 1, full_lo) : full_lo;
  auto add_weighted = [&](size_t t) {
    const double w = HatCdf(b - static_cast<double>(t)) - HatCdf(a - static_cast<double>(t));
    if (w == 0) return;
    const double th = omega * (static_cast<double>(t) - a);
    const double cs = std::cos(th), sn = std::sin(th);
    const double gy[kGramRows] = {cs, sn};
    for (size_t j = 0; gram != nullptr && j < kGramRows; ++j) {
      const double y = gy[j];
      gram[j][0] += w * y;
      gram[j][1] += w * y * y;
      gram[j][2] += w * y * gy[1 - j];
      gram[j][3] += w * y * cs;
      gram[j][4] += w * y * sn;
    }
    for (size_t ch = 0; ch < nch; ++ch) {
      // As float32, like the kernel's samples (float64 rows: beyond the range reads as Inf).
      const double y = ToFloat32(row_of(ch)[t]), v = ToFloat32(ref_of(ch)[t]);
      sums[ch][0] += w * y;
      sums[ch][1] += w * y * y;
      sums[ch][2] += w * y * v;
      sums[ch][3] += w * y * cs;
      sums[ch][4] += w * y * sn;
    }
  };
  for (size_t t = lo; t < full_lo; ++t) add_weighted(t);
  for (size_t t = std::max(full_hi, full_lo); t <= std::min(hi + 1, n - 1); ++t) add_weighted(t);

  constexpr bool kInPlace = std::is_same_v<Sample, float>;
  // 1024 float32 frames: a group's rows (4 × 4 KB), the next group's being prefetched, the
  // reference rows (12 KB) and cos/sin (8 KB) come to about L1's size (2048 and 1536 frames:
  // 1.2–1.4× the time on AVX-512 and AVX2; 768 and 512 no faster; docs/performance.md).
  constexpr size_t kChunk = kInPlace ? 1024 : kMeasureChunkF64;
  alignas(64) float cbuf[kChunk], sbuf[kChunk];
  // Chunks start at sample offsets of the span, never at addresses: the sums, and so the
  // results, depend on the samples alone, not on where the rows lie in memory (tested).
  for (size_t c0 = full_lo; c0 < full_hi; c0 += kChunk) {
    const size_t len = std::min(kChunk, full_hi - c0);
    HWY_DYNAMIC_DISPATCH(PhasorRowsImpl)(omega * (static_cast<double>(c0) - a), omega, len, cbuf, sbuf);
    if (gram != nullptr) HWY_DYNAMIC_DISPATCH(GramChunkImpl)(cbuf, sbuf, len, gram);
    if constexpr (kInPlace) {
      KernelRows rows[kMaxChannels];
      for (size_t ch = 0; ch < nch; ++ch) {
        rows[ch].x = row_of(ch) + c0;
        rows[ch].ref = ref_of(ch) + c0;
        rows[ch].cosr = cbuf;
        rows[ch].sinr = sbuf;
        rows[ch].filter = nullptr;
      }
      HWY_DYNAMIC_DISPATCH(MeasureChunkImpl)(rows, nch, len, &sums[0][0]);
    } else {
      const double* x[kMaxChannels];
      for (size_t ch = 0; ch < nch; ++ch) x[ch] = row_of(ch) + c0;
      HWY_DYNAMIC_DISPATCH(MeasureChunkF64Impl)(x, c.phase, nv, nch, len, cbuf, sbuf, &sums[0][0]);
    }
  }
}

// kNonFiniteInput if a used row holds NaN/Inf. Non-finite samples inside the span poison the
// fundamental's sums; the few outside it (less than a cycle at each end) are checked directly.
template <typename Sample>
Status CheckMeasureFinite(const PlanarBlock<Sample>& in, const MeasureConfig& c, const MeasureSpan& sp,
                          const double (*sums)[kSumCount]) {
  const size_t n = in.frames, nv = c.voltages, nch = nv + c.currents;
  const size_t lo = static_cast<size_t>(std::floor(sp.a));
  const size_t hi = static_cast<size_t>(std::floor(sp.b));
  auto row_of = [&](size_t ch) {
    return ch < nv ? in.v + ch * in.v_stride : in.i + (ch - nv) * in.i_stride;
  };
  // float32 rows: the SIMD finiteness test of the front end; float64 rows: finite after
  // the demotion (isfinite(ToFloat32(x))), which float64's own test does not say.
  auto all_finite = [](const Sample* x, size_t len) {
    if constexpr (std::is_same_v<Sample, float>) {
      const PlanarBlock<float> one{x, len, nullptr, len, len};
      return AllFinite(one, 1, 0);
    } else {
      for (size_t t = 0; t < len; ++t) {
        if (!std::isfinite(ToFloat32(x[t]))) return false;
      }
      return true;
    }
  };
  for (size_t ch = 0; ch < nch; ++ch) {
    if (!std::isfinite(sums[ch][1]) || !std::isfinite(sums[ch][2])) return Status::kNonFiniteInput;
    const Sample* row = row_of(ch);
    const size_t tail = std::min(hi + 2, n);
    if (!all_finite(row, std::min(lo, n)) || !all_finite(row + tail, n - tail)) return Status::kNonFiniteInput;
  }

  return Status::kOk;
}

// The span's sums → the WindowResult of Measure().
void FinalizeMeasure(const MeasureConfig& c, const MeasureSpan& sp, const double (*sums)[kSumCount],
                     const double (*gram)[kSumCount], WindowResult& r) {
  const double fs = c.fs_hz;
  FinalizeParams fp{};
  fp.voltages = c.voltages;
  fp.currents = c.currents;
  fp.phase = c.phase;
  fp.min_on_all = c.min_on_current;  // null calibration and min_on: DC removal and one minimum
  fp.gram = gram;
  fp.min_voltage_peak = 0.0;
  fp.angle_reference = c.angle_reference;
  const double w = sp.b - sp.a;
  uint8_t clipped[kMaxChannels] = {};
  r.start_samples = sp.a;
  r.length_samples = w;
  r.start_s = sp.a / fs;
  r.duration_s = w / fs;
  r.frequency_hz = sp.freq;
  r.frequency_10s_hz = std::nan("");
  r.cycles = sp.cycles;
  r.flags = sp.flags;
  r.index = 0;
  FinalizeChannels(fp, sums, w, clipped, r);
}

// Measure(): the span, its sums (left in sums, the fundamental's), the finite check, r.
template <typename Sample>
Status MeasureInto(const PlanarBlock<Sample>& in, const MeasureConfig& c, WindowResult& r, MeasureSpan* sp,
                   double (*sums)[kSumCount]) {
  if (Status s = FindMeasureSpan(in, c, sp); s != Status::kOk) return s;
  double gram[kGramRows][kSumCount];
  SumMeasureSpan(in, c, *sp, 2.0 * kPi * sp->freq / c.fs_hz, sums, gram);
  if (Status s = CheckMeasureFinite(in, c, *sp, sums); s != Status::kOk) return s;
  FinalizeMeasure(c, *sp, sums, gram, r);
  return Status::kOk;
}

template <typename Sample>
Status MeasureT(const PlanarBlock<Sample>& in, const MeasureConfig& c, WindowResult& r) {
  MeasureSpan sp;
  double sums[kMaxChannels][kSumCount];
  return MeasureInto(in, c, r, &sp, sums);
}

// Measure() and the harmonics of every channel: order h's phasor from the span's sums against
// cos/sin(h·omega·(t − a)), one pass over the rows per order.
template <typename Sample>
Status MeasureHarmonicsT(const PlanarBlock<Sample>& in, const MeasureConfig& c, size_t max_order,
                         WindowResult& r, double* rms, double* phase_deg) {
  if (max_order < 1 || max_order > kMaxHarmonicOrder) return Status::kBadHarmonicOrder;
  if (rms == nullptr || phase_deg == nullptr) return Status::kNullPointer;
  MeasureSpan sp;
  double sums[kMaxChannels][kSumCount];
  if (Status s = MeasureInto(in, c, r, &sp, sums); s != Status::kOk) return s;
  const double omega = 2.0 * kPi * sp.freq / c.fs_hz;
  const size_t nch = c.voltages + c.currents;
  const double w = sp.b - sp.a;
  // Phases are relative to the reference voltage's fundamental (its sine phase times h), so
  // they do not depend on where the span starts or on how exactly its crossing was placed.
  const double ref_deg = std::arg(std::complex<double>(sums[sp.ref][3], -sums[sp.ref][4])) * (180.0 / kPi) + 90.0;
  for (size_t h = 1; h <= max_order; ++h) {
    const bool below_nyquist = 2.0 * static_cast<double>(h) * sp.freq < c.fs_hz;
    if (h > 1 && below_nyquist) SumMeasureSpan(in, c, sp, omega * static_cast<double>(h), sums, nullptr);
    for (size_t ch = 0; ch < nch; ++ch) {
      double& m = rms[ch * max_order + h - 1];
      double& deg = phase_deg[ch * max_order + h - 1];
      m = deg = std::nan("");
      if (!below_nyquist || !(w > 0)) continue;
      // X = √2/W·Σ w·y·e^(−jθ): RMS and cosine phase; + 90° gives the phase of a sine.
      const std::complex<double> x = std::complex<double>(sums[ch][3], -sums[ch][4]) * (kSqrt2 / w);
      m = std::abs(x);
      const double own = std::arg(x) * (180.0 / kPi) + 90.0;
      if (m > 0) deg = std::remainder(own - static_cast<double>(h) * ref_deg, 360.0);
    }
  }
  return Status::kOk;
}

}  // namespace

Status Measure(const PlanarBlock<float>& in, const MeasureConfig& c, WindowResult& r) noexcept {
  return MeasureT(in, c, r);
}
Status Measure(const PlanarBlock<double>& in, const MeasureConfig& c, WindowResult& r) noexcept {
  return MeasureT(in, c, r);
}
Status MeasureHarmonics(const PlanarBlock<float>& in, const MeasureConfig& c, size_t max_order, WindowResult& r,
                        double* rms, double* phase_deg) noexcept {
  return MeasureHarmonicsT(in, c, max_order, r, rms, phase_deg);
}
Status MeasureHarmonics(const PlanarBlock<double>& in, const MeasureConfig& c, size_t max_order, WindowResult& r,
                        double* rms, double* phase_deg) noexcept {
  return MeasureHarmonicsT(in, c, max_order, r, rms, phase_deg);
}

const char* SimdTarget() noexcept { return HWY_DYNAMIC_DISPATCH(TargetNameImpl)(); }

size_t WindowLanes() noexcept { return HWY_DYNAMIC_DISPATCH(LanesImpl)(); }

void SetFrameLanesMinColumnsForTest(size_t columns, bool every_target) noexcept {
  g_lanes_min_columns = columns == 0 ? kFrameLanesMinColumns : columns;
  g_lanes_everywhere = columns != 0 && every_target;
}

size_t SetInPlaceRowsForTest(bool in_place) noexcept {
  g_in_place = in_place;
  return g_in_place_pieces.exchange(0);
}

void SetScalarFinalizeForTest(bool scalar) noexcept {
  g_scalar_finalize = scalar;
  g_count_finalize = true;
}

LaneFinalizeCounts LaneFinalizeCountsForTest() noexcept {
  return {g_lane_finalized.load(std::memory_order_relaxed), g_lane_finalize_fallbacks.load(std::memory_order_relaxed)};
}

void FoldAllLanes(WindowEngine& m) noexcept {
  auto fold = [](float (*lanes)[kMaxLanes], double* sums) {  // one channel's kSumCount vectors
    for (size_t q = 0; q < kSumCount; ++q) {
      double acc = 0;
      for (size_t l = 0; l < kMaxLanes; ++l) acc += lanes[q][l];
      sums[q] += acc;
      std::memset(lanes[q], 0, sizeof(lanes[q]));
    }
  };
  for (size_t ch = 0; ch < kMaxChannels; ++ch) fold(m.lanes[ch], m.sums[ch]);
  for (size_t j = 0; j < kGramRows; ++j) fold(m.gram_lanes[j], m.gram[j]);
  FlushCurrentLanes(m);  // target-independent layout: as any target flushes them
}

}  // namespace meterdsp
#endif  // HWY_ONCE
