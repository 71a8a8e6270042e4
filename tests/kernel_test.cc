// Window-kernel tests compiled per SIMD target: AccumulateSpan on the engine's aligned tile
// rows (where AVX-512 builds the delay filter's shifted vectors with valignd) gives sums
// bit-identical to the generic unaligned-load path, for every integer delay the filter
// design yields, random taps, and spans with odd starts and ends.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "tests/kernel_test.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "meterdsp/simd/window-inl.h"

#include <gtest/gtest.h>

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

}  // namespace HWY_NAMESPACE
}  // namespace meterdsp
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace meterdsp {
HWY_BEFORE_TEST(KernelTest);
HWY_EXPORT_AND_TEST_P(KernelTest, AlignedFilterMatchesUnalignedLoads);
}  // namespace meterdsp
#endif
