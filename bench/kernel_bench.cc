// The window accumulation kernel alone (AccumulateSpan: Σy, Σy², Σy·v, Σy·cos, Σy·sin) per SIMD
// target on 95 planar float rows × 2560 samples held in cache — what the SIMD width buys,
// without the per-window scalar work (tracker, finalisation) that Process adds.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bench/kernel_bench.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "meterdsp/simd/window-inl.h"

HWY_BEFORE_NAMESPACE();
namespace meterdsp {
namespace HWY_NAMESPACE {
namespace {
void KernelImpl(const KernelRows* rows, size_t count, size_t len, float* lanes) {
  for (size_t k = 0; k < count; ++k) {
    AccumulateSpan(rows[k], 0, len, lanes + k * kSumCount * kMaxLanes, /*aligned=*/true);
  }
}
}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace meterdsp
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

#include "hwy/aligned_allocator.h"

namespace meterdsp {
namespace {
HWY_EXPORT(KernelImpl);

constexpr size_t kRows = 95, kLen = 2560;

void BM_Kernel(benchmark::State& state, int64_t target, bool filtered) {
  hwy::SetSupportedTargetsForTest(target);
  // 64-byte aligned rows with 16 samples of history before each, as the engine's tile rows.
  const size_t nx = kRows * (kLen + 32), naux = 3 * kLen;
  auto x = hwy::AllocateAligned<float>(nx), aux = hwy::AllocateAligned<float>(naux);
  for (size_t j = 0; j < nx; ++j) x[j] = static_cast<float>(std::sin(0.01 * static_cast<double>(j)));
  for (size_t j = 0; j < naux; ++j) aux[j] = static_cast<float>(std::cos(0.02 * static_cast<double>(j)));
  DelayFilter f;
  f.taps[0] = 0.1f, f.taps[1] = 0.7f, f.taps[2] = 0.25f, f.taps[3] = -0.05f;
  f.tap0 = 2;
  f.ntaps = 4;
  std::vector<KernelRows> rows(kRows);
  for (size_t k = 0; k < kRows; ++k) {
    rows[k].x = x.get() + k * (kLen + 32) + 16;
    rows[k].filter = filtered ? &f : nullptr;
    rows[k].ref = aux.get();
    rows[k].cosr = aux.get() + kLen;
    rows[k].sinr = aux.get() + 2 * kLen;
  }
  auto lanes = hwy::AllocateAligned<float>(kRows * kSumCount * kMaxLanes);
  for (size_t j = 0; j < kRows * kSumCount * kMaxLanes; ++j) lanes[j] = 0;
  for (auto _ : state) {
    HWY_DYNAMIC_DISPATCH(KernelImpl)(rows.data(), kRows, kLen, lanes.get());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kRows * kLen));
  hwy::SetSupportedTargetsForTest(0);
}

int Register() {
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    const std::string name = hwy::TargetName(target);
    benchmark::RegisterBenchmark(("Kernel/" + name).c_str(), BM_Kernel, target, false);
    benchmark::RegisterBenchmark(("KernelDelayFiltered/" + name).c_str(), BM_Kernel, target, true);
  }
  return 0;
}
const int kRegistered = Register();
}  // namespace
}  // namespace meterdsp

BENCHMARK_MAIN();
#endif  // HWY_ONCE
