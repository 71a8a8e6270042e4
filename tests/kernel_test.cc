// Window-kernel tests compiled per SIMD target: AccumulateSpan on the engine's aligned tile
// rows (where AVX-512 builds the delay filter's shifted vectors with valignd) gives sums
// bit-identical to the generic unaligned-load path, for every integer delay the filter
// design yields, random taps, and spans with odd starts and ends; the AVX-512 two-channel
// pass gives each channel the sums of its own pass; the frame-major lane kernel matches a
// double-precision reference.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "tests/kernel_test.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "meterdsp/simd/window-inl.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "hwy/aligned_allocator.h"
#include "hwy/tests/hwy_gtest.h"
#include "targets.h"

HWY_BEFORE_NAMESPACE();
namespace meterdsp {
namespace HWY_NAMESPACE {

void AlignedFilterMatchesUnalignedLoads() {
  constexpr size_t kRow = kRowLength;
  auto x = hwy::AllocateAligned<float>(kRow), aux = hwy::AllocateAligned<float>(3 * kRow);
  auto acc_a = hwy::AllocateAligned<float>(kSumCount * kMaxLanes);
  auto acc_u = hwy::AllocateAligned<float>(kSumCount * kMaxLanes);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (size_t j = 0; j < kRow; ++j) x[j] = u(rng);
  for (size_t j = 0; j < 3 * kRow; ++j) aux[j] = u(rng);
  KernelRows r;
  r.x = x.get() + kHistoryFrames;
  r.ref = aux.get() + kHistoryFrames;
  r.cosr = aux.get() + kRow + kHistoryFrames;
  r.sinr = aux.get() + 2 * kRow + kHistoryFrames;
  for (int32_t tap0 = 0; tap0 <= 4; ++tap0) {
    DelayFilter f;
    f.ntaps = 4;
    f.tap0 = tap0;
    for (float& tap : f.taps) tap = u(rng);
    r.filter = &f;
    for (int rep = 0; rep < 40; ++rep) {
      const size_t b = rng() % kTileFrames, e = b + rng() % (kTileFrames - b + 1);
      for (size_t j = 0; j < kSumCount * kMaxLanes; ++j) acc_a[j] = acc_u[j] = static_cast<float>(j);
      AccumulateSpan(r, b, e, acc_a.get(), /*aligned=*/true);
      AccumulateSpan(r, b, e, acc_u.get(), /*aligned=*/false);
      ASSERT_EQ(std::memcmp(acc_a.get(), acc_u.get(), kSumCount * kMaxLanes * sizeof(float)), 0)
          << "tap0 " << tap0 << " span [" << b << ", " << e << ")";
    }
  }
}

// Two channels in one pass (AVX-512) give each channel's sums bit-identical to its own pass,
// for every combination of filters the engine meets (none, 1-tap, 4-tap with equal or
// different tap0) and spans with odd starts and ends. Other targets have no paired pass.
void PairedKernelMatchesSingleChannels() {
#ifdef METERDSP_PAIRED_KERNEL
  constexpr size_t kRow = kRowLength;
  auto xa = hwy::AllocateAligned<float>(kRow), xb = hwy::AllocateAligned<float>(kRow);
  auto aux = hwy::AllocateAligned<float>(4 * kRow);
  auto pa = hwy::AllocateAligned<float>(kSumCount * kMaxLanes), pb = hwy::AllocateAligned<float>(kSumCount * kMaxLanes);
  auto sa = hwy::AllocateAligned<float>(kSumCount * kMaxLanes), sb = hwy::AllocateAligned<float>(kSumCount * kMaxLanes);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (size_t j = 0; j < kRow; ++j) xa[j] = u(rng), xb[j] = u(rng);
  for (size_t j = 0; j < 4 * kRow; ++j) aux[j] = u(rng);
  auto filter = [&](int kind) {  // 0: 1-tap, 1..5: 4-tap with tap0 = kind − 1
    DelayFilter f;
    if (kind > 0) {
      f.ntaps = 4;
      f.tap0 = kind - 1;
      for (float& tap : f.taps) tap = u(rng);
    }
    return f;
  };
  for (int ka = 0; ka <= 5; ++ka) {
    for (int kb = 0; kb <= 5; ++kb) {
      const DelayFilter fa = filter(ka), fb = filter(kb);
      KernelRows ra, rb;
      ra.x = xa.get() + kHistoryFrames;
      rb.x = xb.get() + kHistoryFrames;
      ra.filter = &fa;
      rb.filter = &fb;
      ra.ref = aux.get() + kHistoryFrames;
      rb.ref = aux.get() + 3 * kRow + kHistoryFrames;  // another phase
      ra.cosr = rb.cosr = aux.get() + kRow + kHistoryFrames;
      ra.sinr = rb.sinr = aux.get() + 2 * kRow + kHistoryFrames;
      for (int rep = 0; rep < 12; ++rep) {
        const size_t b = rng() % kTileFrames, e = b + rng() % (kTileFrames - b + 1);
        for (size_t j = 0; j < kSumCount * kMaxLanes; ++j) {
          pa[j] = sa[j] = static_cast<float>(j);
          pb[j] = sb[j] = -static_cast<float>(j);
        }
        AccumulatePair(ra, rb, b, e, pa.get(), pb.get());
        AccumulateSpan(ra, b, e, sa.get(), /*aligned=*/true);
        AccumulateSpan(rb, b, e, sb.get(), /*aligned=*/true);
        ASSERT_EQ(std::memcmp(pa.get(), sa.get(), kSumCount * kMaxLanes * sizeof(float)), 0)
            << "filters " << ka << "/" << kb << " span [" << b << ", " << e << ")";
        ASSERT_EQ(std::memcmp(pb.get(), sb.get(), kSumCount * kMaxLanes * sizeof(float)), 0)
            << "filters " << ka << "/" << kb << " span [" << b << ", " << e << ")";
      }
    }
  }
#endif
}

// The AVX-512 transposed reduction of eight lane vectors gives each total bit for bit as its own
// horizontal reduction does (window sums do not change with the flush path), for lanes of
// mixed magnitudes and signs. Other targets reduce one sum at a time.
void ReduceEightMatchesOneAtATime() {
#ifdef METERDSP_REDUCE_EIGHT
  auto lanes = hwy::AllocateAligned<float>(8 * kMaxLanes);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::uniform_int_distribution<int> e(-30, 30);
  for (int rep = 0; rep < 200; ++rep) {
    for (size_t j = 0; j < 8 * kMaxLanes; ++j) lanes[j] = std::ldexp(u(rng), e(rng));
    double one[8], eight[8];
    for (size_t k = 0; k < 8; ++k) {
      one[k] = eight[k] = std::ldexp(u(rng), e(rng));  // the window sums so far
      AddLaneSums(lanes.get() + k * kMaxLanes, one + k, 1);
    }
    _mm512_storeu_pd(eight, _mm512_add_pd(_mm512_loadu_pd(eight), ReduceEightLanes(lanes.get())));
    ASSERT_EQ(std::memcmp(one, eight, sizeof(one)), 0) << "rep " << rep;
  }
#endif
}

// The frame-major lane kernel against a double-precision reference of its definition, per
// lane: plain (one lag) and filtered (per-lane weights over lags lag_lo..lag_hi, some lanes
// all-zero), every reference voltage index, lane counts that end inside a group, spans with odd
// starts and ends. The float sums of up to 256 frames stay within 2e-5 of Σ|term| (a wrong lag,
// lane or voltage is off by O(1)); and a span split into two calls gives the same bits.
void LaneKernelMatchesDoubleReference() {
  constexpr size_t kRow = kRowLength;
  auto x = hwy::AllocateAligned<float>(kRow * kLaneStride);
  auto vref = hwy::AllocateAligned<float>(kRow * 4);
  auto osc = hwy::AllocateAligned<float>(2 * kRow);
  auto weight = hwy::AllocateAligned<float>((kMaxLag + 1) * kLaneStride);
  auto ref = hwy::AllocateAligned<int32_t>(kLaneStride);
  auto sums = hwy::AllocateAligned<float>(kSumCount * kLaneStride);
  auto split = hwy::AllocateAligned<float>(kSumCount * kLaneStride);
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (size_t j = 0; j < kRow * kLaneStride; ++j) x[j] = u(rng);
  for (size_t j = 0; j < kRow * 4; ++j) vref[j] = j % 4 == 3 ? 0.0f : 300.0f * u(rng);
  for (size_t j = 0; j < 2 * kRow; ++j) osc[j] = u(rng);
  for (size_t l = 0; l < kLaneStride; ++l) ref[l] = static_cast<int32_t>(rng() % 3);
  using Lanes = float (*)[kLaneStride];
  LaneTile s;
  s.x = reinterpret_cast<Lanes>(x.get()) + kHistoryFrames;
  s.vref = reinterpret_cast<const float(*)[4]>(vref.get()) + kHistoryFrames;
  s.cosr = osc.get() + kHistoryFrames;
  s.sinr = osc.get() + kRow + kHistoryFrames;
  s.ref = ref.get();
  Lanes sum = reinterpret_cast<Lanes>(sums.get()), part = reinterpret_cast<Lanes>(split.get());
  for (int rep = 0; rep < 60; ++rep) {
    const bool plain = rep % 3 == 0;
    s.lag_lo = static_cast<ptrdiff_t>(rng() % 5);
    s.lag_hi = plain ? s.lag_lo : std::min<ptrdiff_t>(s.lag_lo + static_cast<ptrdiff_t>(rng() % 4), kMaxLag);
    std::fill(weight.get(), weight.get() + (kMaxLag + 1) * kLaneStride, 0.0f);
    for (size_t l = 0; l < kLaneStride; ++l) {
      if (l % 7 == 3) continue;  // a lane whose filter weights are all 0
      for (ptrdiff_t lag = s.lag_lo; lag <= s.lag_hi; ++lag) weight[static_cast<size_t>(lag) * kLaneStride + l] = u(rng);
    }
    s.weight = plain ? nullptr : reinterpret_cast<Lanes>(weight.get());
    const size_t lane_counts[] = {1, 16, 17, 48, 50, 95};
    const size_t lanes = lane_counts[rep % 6];
    const size_t b = rng() % kTileFrames, e = b + rng() % (kTileFrames - b + 1), m = b + (e - b) / 3;
    std::fill(sums.get(), sums.get() + kSumCount * kLaneStride, 0.0f);
    std::fill(split.get(), split.get() + kSumCount * kLaneStride, 0.0f);
    AccumulateLanes(s, lanes, b, e, sum);
    AccumulateLanes(s, lanes, b, m, part);
    AccumulateLanes(s, lanes, m, e, part);
    ASSERT_EQ(std::memcmp(sums.get(), split.get(), kSumCount * kLaneStride * sizeof(float)), 0)
        << "rep " << rep << " split [" << b << ", " << m << ", " << e << ")";
    for (size_t l = 0; l < lanes; ++l) {
      double want[kSumCount] = {}, mag[kSumCount] = {};
      for (size_t t = b; t < e; ++t) {
        const ptrdiff_t ti = static_cast<ptrdiff_t>(t);
        double y = 0;
        for (ptrdiff_t lag = s.lag_lo; lag <= s.lag_hi; ++lag) {
          const double w = plain ? 1.0 : double{s.weight[lag][l]};
          y += w * s.x[ti - lag][l];
        }
        const double terms[kSumCount] = {y, y * y, y * s.vref[t][ref[l]], y * s.cosr[t], y * s.sinr[t]};
        for (size_t q = 0; q < kSumCount; ++q) want[q] += terms[q], mag[q] += std::fabs(terms[q]);
      }
      for (size_t q = 0; q < kSumCount; ++q) {
        ASSERT_NEAR(sum[q][l], want[q], 2e-5 * mag[q] + 1e-30)
            << "rep " << rep << (plain ? " plain" : " filtered") << " lane " << l << " sum " << q << " span [" << b
            << ", " << e << ")";
      }
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace meterdsp
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace meterdsp {
class KernelTest : public hwy::TestWithParamTarget {};
METERDSP_INSTANTIATE_TARGETS(KernelTest);
HWY_EXPORT_AND_TEST_P(KernelTest, AlignedFilterMatchesUnalignedLoads);
HWY_EXPORT_AND_TEST_P(KernelTest, PairedKernelMatchesSingleChannels);
HWY_EXPORT_AND_TEST_P(KernelTest, ReduceEightMatchesOneAtATime);
HWY_EXPORT_AND_TEST_P(KernelTest, LaneKernelMatchesDoubleReference);
}  // namespace meterdsp
#endif
