// The window accumulation kernel alone (AccumulateSpan: Σy, Σy², Σy·v, Σy·cos, Σy·sin) per SIMD
// target on 95 planar float rows × 2560 samples held in cache — what the SIMD width buys,
// without the per-window scalar work (tracker, finalisation) that Process adds. And the floor of
// the chain on int16 frames where they take the frame-major path (AVX-512): the front end and
// the lane kernel alone, tile after tile, nothing else, from cache and from DRAM — the share of
// the memory-read roofline that the per-sample work leaves before any per-frame or per-window
// work.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bench/kernel_bench.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "meterdsp/simd/frontend-inl.h"
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

// int16 frames [0, count) → the scaled frame-major tile (FramesToLanes, prefetching a tile
// ahead, as Process converts) → the lane kernel's sums, 256 frames at a time.
void LaneFloorImpl(const int16_t* frames, size_t columns, size_t count, const float* gain, const float* offset,
                   const LaneTile& s, float (*tile)[kLaneStride], float (*sums)[kLaneStride]) {
  uint8_t clip[kLaneStride] = {};
  for (size_t p = 0; p + kTileFrames <= count; p += kTileFrames) {
    FramesToLanes<int16_t>(frames + p * columns, columns, kTileFrames, count - p, -32768, 32767, gain, offset, tile,
                           clip);
    AccumulateLanes(s, columns, 0, kTileFrames, sums);
  }
}
}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace meterdsp
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "hwy/aligned_allocator.h"

namespace meterdsp {
namespace {
HWY_EXPORT(KernelImpl);
HWY_EXPORT(LaneFloorImpl);

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

constexpr size_t kFloorColumns = 95;  // 3 voltages + 92 currents

// int16 frames of a 1-s pattern: one second (cache-resident), or repeated to 256 MiB
// (DRAM-resident, as window_bench's read roofline and DRAM chain).
std::vector<int16_t> MakeFloorFrames(bool dram) {
  std::vector<int16_t> one(kFloorColumns * kLen);
  for (size_t t = 0; t < kLen; ++t) {
    const double th = 2 * 3.14159265358979 * 50.02 * static_cast<double>(t) / static_cast<double>(kLen);
    for (size_t c = 0; c < kFloorColumns; ++c) {
      one[t * kFloorColumns + c] = static_cast<int16_t>(8000 * std::sin(th - 0.01 * static_cast<double>(c)));
    }
  }
  if (!dram) return one;
  std::vector<int16_t> big((size_t{256} << 20) / sizeof(int16_t) / one.size() * one.size());
  for (size_t k = 0; k < big.size(); k += one.size()) std::memcpy(&big[k], one.data(), one.size() * sizeof(int16_t));
  return big;
}

void BM_LaneFloor(benchmark::State& state, int64_t target, bool dram) {
  hwy::SetSupportedTargetsForTest(target);
  static const std::vector<int16_t> cached = MakeFloorFrames(false);
  static std::vector<int16_t> big;
  if (dram && big.empty()) big = MakeFloorFrames(true);
  const std::vector<int16_t>& frames = dram ? big : cached;
  const size_t count = frames.size() / kFloorColumns;
  auto tile = hwy::AllocateAligned<float>(kRowLength * kLaneStride);
  auto vref = hwy::AllocateAligned<float>(kRowLength * 4);
  auto osc = hwy::AllocateAligned<float>(2 * kRowLength);
  auto ref = hwy::AllocateAligned<int32_t>(kLaneStride);
  auto sums = hwy::AllocateAligned<float>(kSumCount * kLaneStride);
  auto gain = hwy::AllocateAligned<float>(kLaneStride), offset = hwy::AllocateAligned<float>(kLaneStride);
  for (size_t j = 0; j < kRowLength * kLaneStride; ++j) tile[j] = 0;
  for (size_t j = 0; j < kRowLength * 4; ++j) vref[j] = static_cast<float>(std::sin(0.02 * static_cast<double>(j)));
  for (size_t j = 0; j < 2 * kRowLength; ++j) osc[j] = static_cast<float>(std::cos(0.03 * static_cast<double>(j)));
  for (size_t l = 0; l < kLaneStride; ++l) {
    ref[l] = static_cast<int32_t>(l % 3);
    gain[l] = l < kFloorColumns ? 0.01f : 0.0f;
    offset[l] = 0;
  }
  for (size_t j = 0; j < kSumCount * kLaneStride; ++j) sums[j] = 0;
  using Lanes = float (*)[kLaneStride];
  LaneTile s;
  s.x = reinterpret_cast<Lanes>(tile.get()) + kHistoryFrames;
  s.vref = reinterpret_cast<const float(*)[4]>(vref.get()) + kHistoryFrames;
  s.cosr = osc.get() + kHistoryFrames;
  s.sinr = osc.get() + kRowLength + kHistoryFrames;
  s.ref = ref.get();
  for (auto _ : state) {
    HWY_DYNAMIC_DISPATCH(LaneFloorImpl)(frames.data(), kFloorColumns, count, gain.get(), offset.get(), s,
                                        reinterpret_cast<Lanes>(tile.get()) + kHistoryFrames,
                                        reinterpret_cast<Lanes>(sums.get()));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(count * kFloorColumns));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(count * kFloorColumns * sizeof(int16_t)));
  hwy::SetSupportedTargetsForTest(0);
}

int Register() {
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    const std::string name = hwy::TargetName(target);
    benchmark::RegisterBenchmark(("Kernel/" + name).c_str(), BM_Kernel, target, false);
    benchmark::RegisterBenchmark(("KernelDelayFiltered/" + name).c_str(), BM_Kernel, target, true);
    if (target == HWY_AVX3 || target == HWY_AVX3_DL) {  // where frames take the frame-major path
      benchmark::RegisterBenchmark(("LaneFloorI16/cache/" + name).c_str(), BM_LaneFloor, target, false);
      // The shared machine's memory bandwidth varies: medians of five, as the roofline's.
      benchmark::RegisterBenchmark(("LaneFloorI16/dram/" + name).c_str(), BM_LaneFloor, target, true)
          ->Unit(benchmark::kMillisecond)
          ->Repetitions(5)
          ->ReportAggregatesOnly(true);
    }
  }
  return 0;
}
const int kRegistered = Register();
}  // namespace
}  // namespace meterdsp

BENCHMARK_MAIN();
#endif  // HWY_ONCE
