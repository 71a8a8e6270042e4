// Latency per call and per window of the whole chain, as firmware calls it: Process(Meter&, …)
// on int16 frames (92 currents + 3 voltages at 2560 Hz, a 50-Hz panel under load) in blocks of
// 16, 64 and 256 frames, on every SIMD target. A window's results exist when the call that
// receives its last frame returns: its latency is at most one block of signal plus that call's
// time. Most calls only convert their frames and run the tracker; the accumulation kernel runs
// when a window ends or a 256-frame tile fills (over the frames pending since), and a call that
// ends a window also finalises it and runs energy, demand and events. So the table gives every
// call's median and high quantiles, and the calls that end a window on their own
// (std::chrono::steady_clock around each call, its own cost measured and subtracted). Every
// configuration runs in three rounds, interleaved with the others, so that a change of the
// shared machine's speed falls on all. Prints a Markdown table (scripts/bench.sh puts it into
// bench/README.md). Usage: latency_bench [seconds of signal per configuration and round, default 200]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench_panel.h"
#include "hwy/targets.h"
#include "meterdsp/meterdsp.h"

namespace {

constexpr double kFs = 2560.0, kPi = 3.14159265358979323846;
constexpr size_t kNv = 3, kNc = 92, kCh = kNv + kNc;
// 10 s of 50-Hz signal is exactly 500 cycles: the recording repeats without a seam.
constexpr size_t kLoopFrames = 25600;
constexpr size_t kBlocks[] = {16, 64, 256};
constexpr int kRounds = 3;

std::vector<int16_t> MakeFrames() {
  std::vector<int16_t> f(kLoopFrames * kCh);
  for (size_t t = 0; t < kLoopFrames; ++t) {
    const double th = 2 * kPi * 50.0 * static_cast<double>(t) / kFs;
    for (size_t k = 0; k < kNv; ++k) {
      f[t * kCh + k] = static_cast<int16_t>(std::lround(20000 * std::sin(th - 2 * kPi / 3 * static_cast<double>(k))));
    }
    for (size_t k = 0; k < kNc; ++k) {
      const double ph = 2 * kPi / 3 * static_cast<double>(k % 3), lag = 0.02 * static_cast<double>(k);
      const double x = (0.2 + 0.008 * static_cast<double>(k)) * std::sin(th - ph - lag) + 0.02 * std::sin(5 * (th - ph));
      f[t * kCh + kNv + k] = static_cast<int16_t>(std::lround(30000 * x));
    }
  }
  return f;
}

std::unique_ptr<meterdsp::Meter> MakeMeter() {
  auto m = meterdsp::bench::MakePanelMeter();
  if (m == nullptr) std::abort();
  return m;
}

using Clock = std::chrono::steady_clock;

double Ns(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::nano>(b - a).count();
}

// Median cost of reading the clock twice back to back (subtracted from every call's time).
double ClockCostNs() {
  std::vector<double> d(10001);
  for (double& x : d) {
    const auto a = Clock::now();
    x = Ns(a, Clock::now());
  }
  std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
  return d[d.size() / 2];
}

// Per-call times of one configuration, split by whether the call closed a window.
struct Samples {
  std::vector<double> plain, closing;
  double total_ns = 0;
  size_t windows = 0;  // windows completed (a call may end more than one)
};

// Streams `seconds` of the recording through `m` in blocks of `block` frames from frame `at` on,
// timing each call into *s (s null: a warm-up, nothing recorded).
void Stream(meterdsp::Meter& m, const std::vector<int16_t>& frames, size_t block, double seconds, size_t& at,
            double clock_ns, Samples* s) {
  std::vector<meterdsp::WindowResult> out(meterdsp::MaxWindowsPerBlock(m.window, block));
  const size_t calls = static_cast<size_t>(seconds * kFs) / block;
  for (size_t c = 0; c < calls; ++c) {
    if (at + block > kLoopFrames) at = 0;  // blocks divide 25600: never straddles the seam
    const meterdsp::FrameBlock<int16_t> b{frames.data() + at * kCh, block, kCh};
    size_t done = 0;
    const auto t0 = Clock::now();
    const meterdsp::Status st = meterdsp::Process(m, b, out.data(), out.size(), &done);
    const double ns = std::max(0.0, Ns(t0, Clock::now()) - clock_ns);
    if (st != meterdsp::Status::kOk) std::abort();
    at += block;
    if (s == nullptr) continue;
    (done > 0 ? s->closing : s->plain).push_back(ns);
    s->total_ns += ns;
    s->windows += done;
  }
}

// Nearest-rank quantile.
double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size(), std::max<size_t>(rank, 1)) - 1];
}

std::string Us(double ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ns < 10000 ? "%.2f" : "%.0f", ns / 1000);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 200.0;
  if (!(seconds >= 1.0)) {
    std::fprintf(stderr, "usage: latency_bench [seconds of signal per configuration and round, >= 1]\n");
    return 2;
  }
  const std::vector<int16_t> frames = MakeFrames();
  const double clock_ns = ClockCostNs();
  std::vector<int64_t> targets;
  for (int64_t t : hwy::SupportedAndGeneratedTargets()) targets.push_back(t);
  const size_t nb = sizeof(kBlocks) / sizeof(kBlocks[0]);
  std::vector<Samples> samples(targets.size() * nb);
  for (int round = 0; round < kRounds; ++round) {
    std::fprintf(stderr, "latency_bench: round %d of %d\n", round + 1, kRounds);
    for (size_t ti = 0; ti < targets.size(); ++ti) {
      hwy::SetSupportedTargetsForTest(targets[ti]);
      for (size_t bi = 0; bi < nb; ++bi) {
        auto m = MakeMeter();
        size_t at = 0;
        Stream(*m, frames, kBlocks[bi], 10.0, at, clock_ns, nullptr);  // warm-up: caches, tracker locked
        Stream(*m, frames, kBlocks[bi], seconds, at, clock_ns, &samples[ti * nb + bi]);
      }
    }
  }
  hwy::SetSupportedTargetsForTest(0);

  std::printf("Latency of the whole chain per call (µs; int16 frames, 92 currents + 3 voltages at 2560 Hz, "
              "%g s of signal per row in %d interleaved rounds; the clock's own %.0f ns subtracted):\n\n",
              seconds * kRounds, kRounds, clock_ns);
  std::printf("| target | block | every call: median | p99 | p99.9 | calls that end a window: median | p99 "
              "| panels per core |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (size_t ti = 0; ti < targets.size(); ++ti) {
    for (size_t bi = 0; bi < nb; ++bi) {
      const Samples& s = samples[ti * nb + bi];
      // 10 cycles of 50 Hz: five windows a second, give or take one at each round's ends.
      const double expected = 5.0 * seconds * kRounds, windows = static_cast<double>(s.windows);
      if (std::fabs(windows - expected) > kRounds) {
        std::fprintf(stderr, "latency_bench: %.0f windows, expected %.0f\n", windows, expected);
        return 1;
      }
      std::vector<double> all = s.plain;
      all.insert(all.end(), s.closing.begin(), s.closing.end());
      const double block_ms = 1000.0 * static_cast<double>(kBlocks[bi]) / kFs;
      const double mean_call = s.total_ns / static_cast<double>(all.size());
      std::printf("| %s | %zu frames (%.2f ms) | %s | %s | %s | %s | %s | %.0f |\n", hwy::TargetName(targets[ti]),
                  kBlocks[bi], block_ms, Us(Quantile(all, 0.5)).c_str(), Us(Quantile(all, 0.99)).c_str(),
                  Us(Quantile(all, 0.999)).c_str(), Us(Quantile(s.closing, 0.5)).c_str(),
                  Us(Quantile(s.closing, 0.99)).c_str(), block_ms * 1e6 / mean_call);
    }
  }
  return 0;
}
