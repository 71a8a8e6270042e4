// Window-kernel tests compiled per SIMD target: AccumulateSpan on the engine's aligned tile
// rows (where AVX-512 builds the delay filter's shifted vectors with valignd) gives sums
// bit-identical to the generic unaligned-load path, for every integer delay the filter
// design yields, random taps, and spans with odd starts and ends; the AVX-512 two-channel
// pass gives each channel the sums of its own pass.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "tests/kernel_test.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "meterdsp/simd/window-inl.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "hwy/aligned_allocator.h"
#include "hwy/tests/hwy_gtest.h"

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
      ReduceLanesToDouble(lanes.get() + k * kMaxLanes, one + k, 1);
    }
    _mm512_storeu_pd(eight, _mm512_add_pd(_mm512_loadu_pd(eight), ReduceEightLanes(lanes.get())));
    ASSERT_EQ(std::memcmp(one, eight, sizeof(one)), 0) << "rep " << rep;
  }
#endif
}

}  // namespace HWY_NAMESPACE
}  // namespace meterdsp
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace meterdsp {
HWY_BEFORE_TEST(KernelTest);
HWY_EXPORT_AND_TEST_P(KernelTest, AlignedFilterMatchesUnalignedLoads);
HWY_EXPORT_AND_TEST_P(KernelTest, PairedKernelMatchesSingleChannels);
HWY_EXPORT_AND_TEST_P(KernelTest, ReduceEightMatchesOneAtATime);
}  // namespace meterdsp
#endif
