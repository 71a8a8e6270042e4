// Throughput per SIMD target, as ratios within one run (rates in channel-samples per second;
// one 92-channel panel at 2560 Hz is 243,200 channel-samples/s):
// - the front end alone (interleaved int16 / int32 frames, planar float32 / float64 → rows);
// - window engine and the full chain (Meter: window → energy → demand → events) for every input
//   layout (int16 / int32 frames, float32 / float64 planar), 92 currents + 3 voltages;
// - each later stage alone (energy, demand, events per window; a full register-map read);
// - scaling with channel count and block length;
// - the memory-read roofline: a SIMD sum over the same bytes, cache-resident and DRAM-resident,
//   next to the full chain on DRAM-resident int16 frames;
// - Measure() on planar float32, and the plain scalar reference as a peer.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "hwy/targets.h"
#include "bench_panel.h"
#include "meterdsp/meterdsp.h"
#include "reference/reference_meter.h"

namespace {

constexpr double kFs = 2560.0;
constexpr size_t kNv = 3, kNc = 92, kFrames = 2560;

struct Data {
  std::vector<float> v, i;
  std::vector<double> vd, id;
  std::vector<int16_t> frames;
  std::vector<int32_t> frames32;
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
    vd.assign(v.begin(), v.end());
    id.assign(i.begin(), i.end());
    frames32.resize(frames.size());
    for (size_t k = 0; k < frames.size(); ++k) frames32[k] = int32_t{frames[k]} * 256;  // 24-bit codes
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
meterdsp::FrameBlock<int32_t> Frames32(const Data& d) { return {d.frames32.data(), kFrames, kNv + kNc}; }
meterdsp::PlanarBlock<double> Planar64(const Data& d) {
  return {d.vd.data(), kFrames, d.id.data(), kFrames, kFrames};
}

// The front end alone: interleaved frames → 95 scaled float rows, in 256-frame tile pieces as
// Process feeds it.
// Destination of the front-end benchmarks: 95 tile rows in identity column order, one scale.
struct TileRows {
  static constexpr size_t kCh = kNv + kNc, kTile = 256;
  std::vector<float> rows = std::vector<float>(kCh * kTile);
  float* row_ptr[kCh];
  uint8_t columns[kCh], clipped[kCh] = {};
  meterdsp::ChannelScale scale[kCh];
  TileRows() {
    for (size_t k = 0; k < kCh; ++k) {
      row_ptr[k] = rows.data() + k * kTile;
      columns[k] = static_cast<uint8_t>(k);
      scale[k] = meterdsp::ChannelScale{0.01f, 0.5f, 0.0};
    }
  }
};

template <typename Code>
void BM_FrontEnd(benchmark::State& state, int64_t target, const std::vector<Code>* frames) {
  hwy::SetSupportedTargetsForTest(target);
  TileRows t;
  const meterdsp::FrameBlock<Code> block{frames->data(), kFrames, TileRows::kCh};
  for (auto _ : state) {
    for (size_t first = 0; first < kFrames; first += TileRows::kTile) {
      if constexpr (sizeof(Code) == 2) {
        meterdsp::ConvertFrames(block, first, TileRows::kTile, t.columns, t.scale, t.row_ptr, t.clipped);
      } else {
        meterdsp::ConvertFrames(block, first, TileRows::kTile, 24, t.columns, t.scale, t.row_ptr, t.clipped);
      }
    }
    benchmark::ClobberMemory();
  }
  Finish(state);
  hwy::SetSupportedTargetsForTest(0);
}

// The same frames → the frame-major tile (lane = frame column), as Process converts interleaved
// frames on AVX-512.
template <typename Code>
void BM_FrontEndLanes(benchmark::State& state, int64_t target, const std::vector<Code>* frames) {
  hwy::SetSupportedTargetsForTest(target);
  TileRows t;
  std::vector<float> store(TileRows::kTile * meterdsp::kLaneStride);
  auto* lanes = reinterpret_cast<float(*)[meterdsp::kLaneStride]>(store.data());
  const meterdsp::FrameBlock<Code> block{frames->data(), kFrames, TileRows::kCh};
  for (auto _ : state) {
    for (size_t first = 0; first < kFrames; first += TileRows::kTile) {
      if constexpr (sizeof(Code) == 2) {
        meterdsp::ConvertFramesToLanes(block, first, TileRows::kTile, t.columns, t.scale, lanes, t.clipped);
      } else {
        meterdsp::ConvertFramesToLanes(block, first, TileRows::kTile, 24, t.columns, t.scale, lanes, t.clipped);
      }
    }
    benchmark::ClobberMemory();
  }
  Finish(state);
  hwy::SetSupportedTargetsForTest(0);
}

// The front end alone on planar rows: the whole-block finite check, then scaling into 95 float
// rows in 256-frame tile pieces, as Process does.
template <typename Sample>
void BM_FrontEndPlanar(benchmark::State& state, int64_t target, const std::vector<Sample>* v,
                       const std::vector<Sample>* i) {
  hwy::SetSupportedTargetsForTest(target);
  TileRows t;
  const meterdsp::PlanarBlock<Sample> block{v->data(), kFrames, i->data(), kFrames, kFrames};
  for (auto _ : state) {
    if (!meterdsp::AllFinite(block, kNv, kNc)) std::abort();
    for (size_t first = 0; first < kFrames; first += TileRows::kTile) {
      meterdsp::ConvertPlanar(block, kNv, kNc, first, TileRows::kTile, t.scale, t.row_ptr, t.clipped);
    }
    benchmark::ClobberMemory();
  }
  Finish(state);
  hwy::SetSupportedTargetsForTest(0);
}

// The meter of the chain benchmarks (bench_panel.h).
std::unique_ptr<meterdsp::Meter> MakeChainMeter(bool calibrated, bool tables = false) {
  auto m = meterdsp::bench::MakePanelMeter(calibrated, meterdsp::bench::kPanelCurrents, tables);
  if (m == nullptr) std::abort();
  return m;
}

// The full chain (window engine → energy → demand → events) in the layout `make_block` gives.
template <typename MakeBlock>
void BM_Chain(benchmark::State& state, int64_t target, MakeBlock make_block, bool calibrated,
              bool tables) {
  hwy::SetSupportedTargetsForTest(target);
  const auto block = make_block(GetData());
  auto m = MakeChainMeter(calibrated, tables);
  std::vector<meterdsp::WindowResult> out(meterdsp::MaxWindowsPerBlock(m->window, kFrames));
  size_t done = 0;
  for (auto _ : state) {
    auto s = meterdsp::Process(*m, block, out.data(), out.size(), &done);
    benchmark::DoNotOptimize(s);
  }
  Finish(state);
  hwy::SetSupportedTargetsForTest(0);
}

using meterdsp::bench::PanelMeasureConfig;  // bench_panel.h

// Measure() on the 1-s block's rows v, i (float32 or float64).
template <typename Sample>
void BM_Measure(benchmark::State& state, int64_t target, const std::vector<Sample>* v, const std::vector<Sample>* i) {
  hwy::SetSupportedTargetsForTest(target);
  const meterdsp::MeasureConfig c = PanelMeasureConfig();
  auto r = std::make_unique<meterdsp::WindowResult>();
  for (auto _ : state) {
    auto s = meterdsp::Measure(meterdsp::PlanarBlock<Sample>{v->data(), kFrames, i->data(), kFrames, kFrames}, c, *r);
    benchmark::DoNotOptimize(s);
  }
  Finish(state);
  hwy::SetSupportedTargetsForTest(0);
}

// Measure() on 10 s of 95 rows (float32: 9.7 MB, as `meterdsp.measure` gets them from a
// notebook; float64: 19.5 MB; more than L2 holds): `first_call` reads 64 MiB of other data
// before each call (outside the timing), so the rows come from memory as on a first call;
// otherwise they are in the caches from the call before. Best SIMD target only.
template <typename Sample>
void MeasureLong(benchmark::State& state, bool first_call) {
  constexpr size_t kLong = 10 * kFrames;
  static const std::vector<Sample> rows = [] {
    std::vector<Sample> x((kNv + kNc) * kLong);
    const Data& d = GetData();
    for (size_t k = 0; k < kNv + kNc; ++k) {
      const float* src = k < kNv ? &d.v[k * kFrames] : &d.i[(k - kNv) * kFrames];
      for (size_t t = 0; t < kLong; ++t) x[k * kLong + t] = src[t % kFrames];  // 50.02 Hz: not periodic in 1 s, fine for timing
    }
    return x;
  }();
  static std::vector<double> other(size_t{8} << 20, 1.0);  // 64 MiB
  const meterdsp::MeasureConfig c = PanelMeasureConfig();
  auto r = std::make_unique<meterdsp::WindowResult>();
  const meterdsp::PlanarBlock<Sample> block{rows.data(), kLong, rows.data() + kNv * kLong, kLong, kLong};
  for (auto _ : state) {
    if (first_call) {
      state.PauseTiming();
      double sum = 0;
      for (double x : other) sum += x;
      benchmark::DoNotOptimize(sum);
      state.ResumeTiming();
    }
    auto st = meterdsp::Measure(block, c, *r);
    benchmark::DoNotOptimize(st);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(rows.size() * sizeof(Sample)));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows.size()));
}
void BM_MeasureLong(benchmark::State& state, bool first_call) { MeasureLong<float>(state, first_call); }
void BM_MeasureLongF64(benchmark::State& state, bool first_call) { MeasureLong<double>(state, first_call); }
BENCHMARK_CAPTURE(BM_MeasureLong, cached, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MeasureLong, first_call, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MeasureLongF64, cached, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_MeasureLongF64, first_call, true)->Unit(benchmark::kMillisecond);

// The plain scalar reference allocates about 2 MB per call (95 rows of 20 KB). glibc gives the
// heap's freed top back to the OS or not depending on what the other benchmarks left above it,
// and on this VM faulting those pages in again made a call 3.5 or 9 ms from run to run (the
// random interleaving changes the layout). Freed memory stays with the process: the reference
// is timed as computation, at its steady state.
const bool kKeepFreedMemory = [] { return mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1; }();

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

// Later stages alone, per window of 92 channels (items: windows; 5 per second of signal).
std::unique_ptr<meterdsp::WindowResult> SampleWindow() {
  auto w = std::make_unique<meterdsp::WindowResult>();
  w->duration_s = 0.2;
  w->frequency_hz = 50;
  w->voltages = kNv;
  w->currents = kNc;
  for (size_t k = 0; k < kNv; ++k) w->vrms[k] = 230;
  for (size_t k = 0; k < kNc; ++k) {
    w->irms[k] = 1 + 0.1 * static_cast<double>(k);
    w->p[k] = 200.0 * w->irms[k] * (k % 4 == 1 ? -1 : 1);
    w->q[k] = 80.0 * w->irms[k] * (k % 3 == 1 ? -1 : 1);
    w->s[k] = 230 * w->irms[k];
    w->pf[k] = w->p[k] / w->s[k];
    w->quadrant[k] = static_cast<uint8_t>(w->p[k] >= 0 ? (w->q[k] >= 0 ? 1 : 4) : (w->q[k] >= 0 ? 2 : 3));
  }
  return w;
}

void BM_StageEnergy(benchmark::State& state) {
  auto w = SampleWindow();
  meterdsp::EnergyRegisters e;
  std::vector<uint8_t> ph(kNc, 0);
  if (meterdsp::InitEnergy({}, kNv, kNc, ph.data(), e) != meterdsp::Status::kOk) std::abort();
  for (auto _ : state) {
    meterdsp::AccumulateEnergy(e, *w);
    w->start_s += 0.2;
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StageEnergy);

void BM_StageDemand(benchmark::State& state) {
  auto w = SampleWindow();
  auto d = std::make_unique<meterdsp::DemandState>();
  meterdsp::DemandConfig c;
  c.mode = meterdsp::DemandMode::kSliding;
  c.subinterval_s = 60;
  c.subintervals = 15;
  meterdsp::EnergyRegisters e;
  std::vector<uint8_t> ph(kNc, 0);
  if (meterdsp::InitDemand(c, kNc, *d) != meterdsp::Status::kOk) std::abort();
  if (meterdsp::InitEnergy({}, kNv, kNc, ph.data(), e) != meterdsp::Status::kOk) std::abort();
  for (auto _ : state) {
    meterdsp::UpdateDemand(*d, *w, e);
    w->start_s += 0.2;
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StageDemand);

void BM_StageEvents(benchmark::State& state) {
  auto w = SampleWindow();
  auto ev = std::make_unique<meterdsp::EventState>();
  auto c = std::make_unique<meterdsp::EventConfig>();
  std::vector<uint8_t> ph(kNc, 0);
  if (meterdsp::InitEvents(*c, kNv, kNc, ph.data(), *ev) != meterdsp::Status::kOk) std::abort();
  for (auto _ : state) {
    meterdsp::UpdateEvents(*ev, *w);
    w->start_s += 0.2;
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StageEvents);

// A client reading the whole single-phase section (1000–1671) and the SunSpec chain of a panel.
void BM_StageRegisterMaps(benchmark::State& state) {
  auto cfg = std::make_unique<meterdsp::MeterConfig>();
  auto m = std::make_unique<meterdsp::Meter>();
  meterdsp::PanelConfig pc;
  if (meterdsp::ApplyPanel(pc, cfg->window) != meterdsp::Status::kOk) std::abort();
  if (meterdsp::Init(*cfg, *m) != meterdsp::Status::kOk) std::abort();
  meterdsp::RegisterSettings st;
  auto w = SampleWindow();
  meterdsp::RegisterContext ctx{m.get(), cfg.get(), &pc, &st, w.get()};
  std::vector<uint16_t> regs(700);
  const size_t sun = meterdsp::SunSpecLength(ctx);
  std::vector<uint16_t> sregs(sun);
  for (auto _ : state) {
    if (meterdsp::ReadPointMap(ctx, 0, 1000, 672, regs.data()) != meterdsp::Status::kOk) std::abort();
    if (meterdsp::ReadSunSpec(ctx, 40001, sun, sregs.data()) != meterdsp::Status::kOk) std::abort();
    benchmark::DoNotOptimize(regs.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(672 + sun));  // registers
}
BENCHMARK(BM_StageRegisterMaps);

// Scaling: channel count — the full chain on int16 frames of 3 voltages and the panel's first
// state.range(0) currents, one second per iteration, as BM_Chain does for all 92 — and block length.
void BM_Channels(benchmark::State& state, int64_t target) {
  hwy::SetSupportedTargetsForTest(target);
  const size_t nc = static_cast<size_t>(state.range(0)), cols = kNv + nc;
  const Data& d = GetData();
  std::vector<int16_t> frames(kFrames * cols);  // the first cols columns of the panel's frames
  for (size_t t = 0; t < kFrames; ++t) {
    std::copy_n(d.frames.data() + t * (kNv + kNc), cols, frames.data() + t * cols);
  }
  auto m = meterdsp::bench::MakePanelMeter(false, nc);
  if (m == nullptr) std::abort();
  std::vector<meterdsp::WindowResult> out(meterdsp::MaxWindowsPerBlock(m->window, kFrames));
  size_t done = 0;
  for (auto _ : state) {
    auto s = meterdsp::Process(*m, meterdsp::FrameBlock<int16_t>{frames.data(), kFrames, cols}, out.data(),
                               out.size(), &done);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kFrames * cols));
  hwy::SetSupportedTargetsForTest(0);
}

// Blocks of state.range(0) frames through the window engine on `target` (0: the best).
void BlockLength(benchmark::State& state, int64_t target) {
  if (target != 0 && (hwy::SupportedTargets() & target) == 0) {
    state.SkipWithError("target not supported here");
    return;
  }
  hwy::SetSupportedTargetsForTest(target);
  const size_t block = static_cast<size_t>(state.range(0));
  const Data& d = GetData();
  auto m = MakeMeter(false);
  std::vector<meterdsp::WindowResult> out(meterdsp::MaxWindowsPerBlock(*m, block));
  size_t done = 0, pos = 0;
  for (auto _ : state) {
    for (size_t fed = 0; fed < kFrames; fed += block) {
      const size_t n = std::min(block, kFrames - fed);
      const size_t at = (pos + fed) % (kFrames - n + 1);
      auto s = meterdsp::Process(*m, meterdsp::FrameBlock<int16_t>{d.frames.data() + at * (kNv + kNc), n, kNv + kNc},
                                 out.data(), out.size(), &done);
      benchmark::DoNotOptimize(s);
    }
    pos += 7;
  }
  Finish(state);
  hwy::SetSupportedTargetsForTest(0);
}
void BM_BlockLength(benchmark::State& state) { BlockLength(state, 0); }
BENCHMARK(BM_BlockLength)->Arg(1)->Arg(16)->Arg(256)->Arg(2560)->Arg(25600)->Unit(benchmark::kMicrosecond);
// Row tiles (AVX2): the layout of the firmware build and of Arm, whose conversion transposes.
void BM_BlockLengthRows(benchmark::State& state) { BlockLength(state, HWY_AVX2); }
BENCHMARK(BM_BlockLengthRows)->Arg(1)->Arg(16)->Arg(256)->Arg(2560)->Unit(benchmark::kMicrosecond);

// Memory-read roofline: int16 frames far larger than the caches (256 MiB, 9.6 min of a panel),
// read by the simplest SIMD reduction the compiler makes of a sum, and by the full chain.
// DRAM-resident input: 256 MiB of one layout, made of copies of the one-second test signal.
constexpr size_t kBigBytes = size_t{256} << 20;

template <typename Code>
const std::vector<Code>& BigFrames() {
  static const std::vector<Code> big = [] {
    const std::vector<Code>& one = []() -> const std::vector<Code>& {
      if constexpr (sizeof(Code) == 2) return GetData().frames;
      else return GetData().frames32;
    }();
    std::vector<Code> b(kBigBytes / sizeof(Code) / one.size() * one.size());
    for (size_t k = 0; k < b.size(); k += one.size()) std::memcpy(&b[k], one.data(), one.size() * sizeof(Code));
    return b;
  }();
  return big;
}

// Planar rows of a whole number of seconds each: voltages [kNv][frames], then currents.
template <typename Sample>
struct BigPlanar {
  std::vector<Sample> rows;
  size_t frames = 0;
};
template <typename Sample>
const BigPlanar<Sample>& BigPlanarRows() {
  static const BigPlanar<Sample> big = [] {
    const Data& d = GetData();
    BigPlanar<Sample> b;
    b.frames = kBigBytes / sizeof(Sample) / (kNv + kNc) / kFrames * kFrames;
    b.rows.resize((kNv + kNc) * b.frames);
    for (size_t ch = 0; ch < kNv + kNc; ++ch) {
      const float* src = ch < kNv ? &d.v[ch * kFrames] : &d.i[(ch - kNv) * kFrames];
      for (size_t t = 0; t < b.frames; ++t) b.rows[ch * b.frames + t] = static_cast<Sample>(src[t % kFrames]);
    }
    return b;
  }();
  return big;
}

// The roofline's read: the simplest SIMD reduction the compiler makes of a sum of codes [0, n),
// compiled for AVX-512, AVX2 and the baseline and chosen at load time, as the library picks its
// best target (built for baseline x86-64 only, SSE2, it read 5–12 % slower from DRAM and 2.5×
// slower from cache: bound by its own sign extensions, not by the memory).
#if defined(__x86_64__) && defined(__GNUC__)
#define METERDSP_BEST_X86 __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define METERDSP_BEST_X86
#endif
METERDSP_BEST_X86 int64_t SumCodes(const int16_t* codes, size_t n) {
  int32_t acc[16] = {};
  for (size_t k = 0; k + 16 <= n; k += 16)
    for (int l = 0; l < 16; ++l) acc[l] += codes[k + l];
  int64_t sum = 0;
  for (int l = 0; l < 16; ++l) sum += acc[l];
  return sum;
}

void BM_RooflineRead(benchmark::State& state, bool dram) {
  const std::vector<int16_t>& big = BigFrames<int16_t>();
  const size_t n = dram ? big.size() : size_t{1} << 16;  // 128 KiB: cache-resident
  for (auto _ : state) benchmark::DoNotOptimize(SumCodes(big.data(), n));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(n * sizeof(int16_t)));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
// The shared machine's memory bandwidth varies: medians of five.
BENCHMARK_CAPTURE(BM_RooflineRead, dram, true)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(BM_RooflineRead, cache, false)->Repetitions(5)->ReportAggregatesOnly(true);

// The full chain of BM_Chain (same configuration) streaming 256 MiB of one layout in blocks of
// state.range(0) frames: `block_at(pos, n)` is the block of frames [pos, pos + n).
template <typename BlockAt>
void RunChainDram(benchmark::State& state, size_t frames, size_t bytes, const BlockAt& block_at) {
  const size_t block = static_cast<size_t>(state.range(0));
  auto m = MakeChainMeter(false);
  std::vector<meterdsp::WindowResult> out(meterdsp::MaxWindowsPerBlock(m->window, block));
  size_t done = 0;
  for (auto _ : state) {
    for (size_t pos = 0; pos + block <= frames; pos += block) {
      auto s = meterdsp::Process(*m, block_at(pos, block), out.data(), out.size(), &done);
      benchmark::DoNotOptimize(s);
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(frames * (kNv + kNc)));
  state.counters["panels_per_core"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(frames) / kFs, benchmark::Counter::kIsRate);
}

template <typename Code>
void BM_ChainDramFrames(benchmark::State& state) {
  const std::vector<Code>& big = BigFrames<Code>();
  RunChainDram(state, big.size() / (kNv + kNc), big.size() * sizeof(Code), [&](size_t pos, size_t n) {
    return meterdsp::FrameBlock<Code>{big.data() + pos * (kNv + kNc), n, kNv + kNc};
  });
}

// Panels scale with cores: the int16 chain from DRAM on one and on two threads, each thread with
// its own Meter streaming its own share of the 256 MiB (rates are the threads' sum).
void BM_ChainDramThreads(benchmark::State& state) {
  const std::vector<int16_t>& big = BigFrames<int16_t>();
  const size_t share = big.size() / (kNv + kNc) / static_cast<size_t>(state.threads());
  const int16_t* mine = big.data() + static_cast<size_t>(state.thread_index()) * share * (kNv + kNc);
  RunChainDram(state, share, share * (kNv + kNc) * sizeof(int16_t), [&](size_t pos, size_t n) {
    return meterdsp::FrameBlock<int16_t>{mine + pos * (kNv + kNc), n, kNv + kNc};
  });
}

// The read roofline on one and on two threads, each reading its own share of the 256 MiB.
void BM_RooflineReadThreads(benchmark::State& state) {
  const std::vector<int16_t>& big = BigFrames<int16_t>();
  const size_t n = big.size() / static_cast<size_t>(state.threads()) / 16 * 16;
  const int16_t* mine = big.data() + static_cast<size_t>(state.thread_index()) * n;
  for (auto _ : state) benchmark::DoNotOptimize(SumCodes(mine, n));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(n * sizeof(int16_t)));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}

template <typename Sample>
void BM_ChainDramPlanar(benchmark::State& state) {
  const BigPlanar<Sample>& big = BigPlanarRows<Sample>();
  const size_t stride = big.frames;
  RunChainDram(state, stride, big.rows.size() * sizeof(Sample), [&](size_t pos, size_t n) {
    return meterdsp::PlanarBlock<Sample>{big.rows.data() + pos, stride, big.rows.data() + kNv * stride + pos, stride, n};
  });
}
// One-second blocks; planar also in 256-frame blocks (the block's finite check then leaves it in
// L2 for the conversion, docs/performance.md).
#define METERDSP_DRAM_BENCH(fn, name) \
  BENCHMARK(fn)->Name(name)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true)
METERDSP_DRAM_BENCH(BM_ChainDramFrames<int16_t>, "BM_ChainDram")->Arg(kFrames);
METERDSP_DRAM_BENCH(BM_ChainDramFrames<int32_t>, "BM_ChainDramI32")->Arg(kFrames);
METERDSP_DRAM_BENCH(BM_ChainDramPlanar<float>, "BM_ChainDramF32")->Arg(kFrames)->Arg(256);
METERDSP_DRAM_BENCH(BM_ChainDramPlanar<double>, "BM_ChainDramF64")->Arg(kFrames)->Arg(256);
METERDSP_DRAM_BENCH(BM_ChainDramThreads, "BM_ChainDramThreads")->Arg(kFrames)->Threads(1)->Threads(2)->UseRealTime();
METERDSP_DRAM_BENCH(BM_RooflineReadThreads, "BM_RooflineReadThreads")->Threads(1)->Threads(2)->UseRealTime();

int Register() {
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    const std::string name = hwy::TargetName(target);
    benchmark::RegisterBenchmark(("ProcessPlanarF32/" + name).c_str(), BM_Process<decltype(&Planar)>, target, false, &Planar);
    benchmark::RegisterBenchmark(("ProcessPlanarF32_skewcal/" + name).c_str(), BM_Process<decltype(&Planar)>, target, true, &Planar);
    benchmark::RegisterBenchmark(("FrontEndI16/" + name).c_str(), BM_FrontEnd<int16_t>, target, &GetData().frames);
    benchmark::RegisterBenchmark(("FrontEndI32/" + name).c_str(), BM_FrontEnd<int32_t>, target, &GetData().frames32);
    benchmark::RegisterBenchmark(("FrontEndLanesI16/" + name).c_str(), BM_FrontEndLanes<int16_t>, target, &GetData().frames);
    benchmark::RegisterBenchmark(("FrontEndLanesI32/" + name).c_str(), BM_FrontEndLanes<int32_t>, target, &GetData().frames32);
    benchmark::RegisterBenchmark(("FrontEndF32/" + name).c_str(), BM_FrontEndPlanar<float>, target, &GetData().v, &GetData().i);
    benchmark::RegisterBenchmark(("FrontEndF64/" + name).c_str(), BM_FrontEndPlanar<double>, target, &GetData().vd, &GetData().id);
    benchmark::RegisterBenchmark(("ProcessFramesI16/" + name).c_str(), BM_Process<decltype(&Frames)>, target, false, &Frames);
    benchmark::RegisterBenchmark(("ProcessFramesI32/" + name).c_str(), BM_Process<decltype(&Frames32)>, target, false, &Frames32);
    benchmark::RegisterBenchmark(("ProcessPlanarF64/" + name).c_str(), BM_Process<decltype(&Planar64)>, target, false, &Planar64);
    benchmark::RegisterBenchmark(("ChainFramesI16/" + name).c_str(), BM_Chain<decltype(&Frames)>, target, &Frames, false, false);
    benchmark::RegisterBenchmark(("ChainFramesI16_skewcal/" + name).c_str(), BM_Chain<decltype(&Frames)>, target, &Frames, true, false);
    benchmark::RegisterBenchmark(("ChainFramesI16_tables/" + name).c_str(), BM_Chain<decltype(&Frames)>, target, &Frames, false,
                                 true);
    benchmark::RegisterBenchmark(("ChainFramesI32/" + name).c_str(), BM_Chain<decltype(&Frames32)>, target, &Frames32, false, false);
    benchmark::RegisterBenchmark(("ChainPlanarF32/" + name).c_str(), BM_Chain<decltype(&Planar)>, target, &Planar, false, false);
    benchmark::RegisterBenchmark(("ChainPlanarF64/" + name).c_str(), BM_Chain<decltype(&Planar64)>, target, &Planar64, false, false);
    benchmark::RegisterBenchmark(("MeasureF32/" + name).c_str(), BM_Measure<float>, target, &GetData().v, &GetData().i);
    benchmark::RegisterBenchmark(("MeasureF64/" + name).c_str(), BM_Measure<double>, target, &GetData().vd, &GetData().id);
    benchmark::RegisterBenchmark(("Channels/" + name).c_str(), BM_Channels, target)
        ->Arg(1)->Arg(4)->Arg(8)->Arg(12)->Arg(16)->Arg(24)->Arg(32)->Arg(64)->Arg(92);
  }
  // A fixed 20 s of the int16 chain for bench/profile.py's instruction count under callgrind
  // (which runs AVX2, not AVX-512): the same calls on every run, so the same count.
  if (hwy::SupportedTargets() & HWY_AVX2) {
    benchmark::RegisterBenchmark("ChainFramesI16_20calls/AVX2", BM_Chain<decltype(&Frames)>, int64_t{HWY_AVX2}, &Frames,
                                 false, false)
        ->Iterations(20);
  }
  return 0;
}
const int kRegistered = Register();

}  // namespace

BENCHMARK_MAIN();
