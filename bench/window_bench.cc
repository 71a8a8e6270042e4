// Window-engine throughput per SIMD target: 92 currents + 3 voltages, one second of frames per
// iteration, planar float32 and interleaved int16 layouts, and Measure() on planar float32.
// Rates are channel-samples per second; compare targets as ratios within one run.
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "hwy/targets.h"
#include "meterdsp/meterdsp.h"
#include "reference/reference_meter.h"

namespace {

constexpr double kFs = 2560.0;
constexpr size_t kNv = 3, kNc = 92, kFrames = 2560;

struct Data {
  std::vector<float> v, i;
  std::vector<int16_t> frames;
  Data() : v(kNv * kFrames), i(kNc * kFrames), frames((kNv + kNc) * kFrames) {
    for (size_t t = 0; t < kFrames; ++t) {
      const double th = 2 * 3.14159265358979 * 50.02 * static_cast<double>(t) / kFs;
      for (size_t k = 0; k < kNv; ++k) {
        v[k * kFrames + t] = static_cast<float>(325 * std::sin(th - 2.0944 * static_cast<double>(k)));
        frames[t * (kNv + kNc) + k] = static_cast<int16_t>(20000 * std::sin(th - 2.0944 * static_cast<double>(k)));
      }
      for (size_t k = 0; k < kNc; ++k) {
        const double x = std::sin(th - 0.01 * static_cast<double>(k)) + 0.2 * std::sin(5 * th);
        i[k * kFrames + t] = static_cast<float>(10 * x);
        frames[t * (kNv + kNc) + kNv + k] = static_cast<int16_t>(8000 * x);
      }
    }
  }
};

const Data& GetData() {
  static const Data d;
  return d;
}

std::unique_ptr<meterdsp::WindowEngine> MakeMeter(bool calibrated) {
  auto cfg = std::make_unique<meterdsp::WindowConfig>();
  cfg->fs_hz = kFs;
  cfg->currents = kNc;
  for (size_t k = 0; k < kNc; ++k) {
    cfg->phase[k] = static_cast<uint8_t>(k % 3);
    if (calibrated) cfg->current_cal[k].skew_us = 2.0 * static_cast<double>(k);
  }
  auto m = std::make_unique<meterdsp::WindowEngine>();
  if (meterdsp::Init(*cfg, *m) != meterdsp::Status::kOk) std::abort();
  return m;
}

void Finish(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kFrames * (kNv + kNc)));
  state.counters["panels_per_core"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kFrames / kFs, benchmark::Counter::kIsRate);
}

// Process() on one second of the shared data, in the layout `make_block` returns.
template <typename MakeBlock>
void BM_Process(benchmark::State& state, int64_t target, bool calibrated, MakeBlock make_block) {
  hwy::SetSupportedTargetsForTest(target);
  const auto block = make_block(GetData());
  auto m = MakeMeter(calibrated);
  std::vector<meterdsp::WindowResult> out(meterdsp::MaxWindowsPerBlock(*m, kFrames));
  size_t done = 0;
  for (auto _ : state) {
    auto s = meterdsp::Process(*m, block, out.data(), out.size(), &done);
    benchmark::DoNotOptimize(s);
  }
  Finish(state);
  hwy::SetSupportedTargetsForTest(0);
}

meterdsp::PlanarBlock<float> Planar(const Data& d) {
  return {d.v.data(), kFrames, d.i.data(), kFrames, kFrames};
}
meterdsp::FrameBlock<int16_t> Frames(const Data& d) { return {d.frames.data(), kFrames, kNv + kNc}; }

void BM_MeasureF32(benchmark::State& state, int64_t target) {
  hwy::SetSupportedTargetsForTest(target);
  const Data& d = GetData();
  meterdsp::MeasureConfig c;
  c.fs_hz = kFs;
  c.voltages = kNv;
  c.currents = kNc;
  for (size_t k = 0; k < kNc; ++k) c.phase[k] = static_cast<uint8_t>(k % 3);
  auto r = std::make_unique<meterdsp::WindowResult>();
  for (auto _ : state) {
    auto s = meterdsp::Measure(meterdsp::PlanarBlock<float>{d.v.data(), kFrames, d.i.data(), kFrames, kFrames}, c, *r);
    benchmark::DoNotOptimize(s);
  }
  Finish(state);
  hwy::SetSupportedTargetsForTest(0);
}

// The plain scalar reference of tests/reference (double precision, per-sample loops) on the
// same second of data: the peer for "AVX3 vs the scalar reference".
void BM_PlainScalarReference(benchmark::State& state) {
  const Data& d = GetData();
  auto cfg = std::make_unique<meterdsp::WindowConfig>();
  cfg->fs_hz = kFs;
  cfg->currents = kNc;
  for (size_t k = 0; k < kNc; ++k) cfg->phase[k] = static_cast<uint8_t>(k % 3);
  std::vector<std::vector<double>> rows(kNv + kNc, std::vector<double>(kFrames));
  for (size_t k = 0; k < kNv; ++k)
    for (size_t t = 0; t < kFrames; ++t) rows[k][t] = d.v[k * kFrames + t];
  for (size_t k = 0; k < kNc; ++k)
    for (size_t t = 0; t < kFrames; ++t) rows[kNv + k][t] = d.i[k * kFrames + t];
  for (auto _ : state) {
    auto r = meterdsp::test::ReferenceRun(*cfg, rows);
    benchmark::DoNotOptimize(r);
  }
  Finish(state);
}
BENCHMARK(BM_PlainScalarReference)->Unit(benchmark::kMicrosecond);

int Register() {
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    const std::string name = hwy::TargetName(target);
    benchmark::RegisterBenchmark(("ProcessPlanarF32/" + name).c_str(), BM_Process<decltype(&Planar)>, target, false, &Planar);
    benchmark::RegisterBenchmark(("ProcessPlanarF32_skewcal/" + name).c_str(), BM_Process<decltype(&Planar)>, target, true, &Planar);
    benchmark::RegisterBenchmark(("ProcessFramesI16/" + name).c_str(), BM_Process<decltype(&Frames)>, target, false, &Frames);
    benchmark::RegisterBenchmark(("MeasureF32/" + name).c_str(), BM_MeasureF32, target);
  }
  return 0;
}
const int kRegistered = Register();

}  // namespace

BENCHMARK_MAIN();
