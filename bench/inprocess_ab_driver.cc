// In-process comparison of meterdsp builds (bench/inprocess_ab.sh builds the variants).
//
// On a shared VM whose speed changes within seconds, two builds timed in separate processes
// can differ by more than the change under test. Here every build is a shared object of its
// own (bench/inprocess_ab_variant.cc), all are loaded into this one process, and they take
// turns round after round on the same data: per round and condition each variant's time is
// divided by the first variant's, and the medians of those ratios are reported — a change in
// machine speed then falls on both sides of a ratio alike. Two conditions per round: "warm"
// (the call right after an untimed call, data in the caches as far as they hold it) and
// "cold" (after writing 64 MiB elsewhere: the data comes from DRAM, as on a first call).
// Also checks that every variant gives the same results, bit for bit, as the first.
//
// Usage: inprocess_ab_driver [--rounds N] [--block FRAMES] [--target NAME] [--currents N]
//                            WORKLOAD SO [SO ...]
//   WORKLOAD: measure-f32 | measure-f64 | chain-i16 | chain-i32 | chain-f32 | chain-f64 |
//             chain-i16-skew (int16 frames, a skew correction on every current) |
//             chain-f32-onepass | chain-f64-onepass (the rows as Python's Meter.process feeds
//             them: ProcessOnePass with a copy of the meter taken before each block; Process
//             in builds without it)
//   (10 s of 3 voltages and 92 currents at 2560 Hz: 9.7 MB as float32 rows, 4.9 MB as int16
//   frames; the chains in blocks of --block frames, default 2560)
//   --target: AVX3, AVX2, SSE4, SSSE3 or SCALAR — the best SIMD target the variants may use.
//   --currents: the panel's first N currents only (1-92, default 92), for smaller meters.
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "hwy/targets.h"

namespace {

using RunFn = int (*)(int, size_t, const void*, const void*, size_t, size_t, double*);
using TargetFn = const char* (*)();

constexpr size_t kVoltages = 3, kCurrents = 92;
constexpr size_t kFrames = 25600;  // 10 s at 2560 Hz
constexpr double kFs = 2560.0, kPi = 3.14159265358979323846;

// A balanced three-phase panel: 230 V, currents of 1-64 A at displacement angles up to 60°,
// each with 10 % of third harmonic, as float64 rows; the other layouts are derived from them
// (the frames: the voltages and the first `currents` currents).
struct Signal {
  std::vector<double> v64 = std::vector<double>(kVoltages * kFrames),
                      i64 = std::vector<double>(kCurrents * kFrames);
  std::vector<float> v32, i32;
  std::vector<int16_t> frames16;
  std::vector<int32_t> frames32;
  explicit Signal(size_t currents) {
    const size_t columns = kVoltages + currents;
    frames16.resize(columns * kFrames);
    frames32.resize(columns * kFrames);
    for (size_t t = 0; t < kFrames; ++t) {
      const double th = 2 * kPi * 50.0 * static_cast<double>(t) / kFs;
      for (size_t k = 0; k < kVoltages; ++k) {
        v64[k * kFrames + t] = 325.0 * std::sin(th - 2 * kPi / 3 * static_cast<double>(k));
      }
      for (size_t k = 0; k < kCurrents; ++k) {
        const double ph =
            th - 2 * kPi / 3 * static_cast<double>(k % 3) - static_cast<double>(k % 7) * kPi / 18;
        const double amp = static_cast<double>(1 + (k * 37) % 64) * std::sqrt(2.0);
        i64[k * kFrames + t] = amp * (std::sin(ph) + 0.1 * std::sin(3 * ph));
      }
    }
    v32.assign(v64.begin(), v64.end());
    i32.assign(i64.begin(), i64.end());
    // Codes: 400 V and 100 A at ±20,000 (int16) and ±5,120,000 (24-bit codes in int32).
    for (size_t t = 0; t < kFrames; ++t) {
      for (size_t c = 0; c < columns; ++c) {
        const double x = c < kVoltages ? v64[c * kFrames + t] / 400.0
                                       : i64[(c - kVoltages) * kFrames + t] / 100.0;
        frames16[t * columns + c] = static_cast<int16_t>(std::lround(x * 20000.0));
        frames32[t * columns + c] = static_cast<int32_t>(std::lround(x * 5120000.0));
      }
    }
  }
};

struct Workload {
  const char* name;
  int kind;  // InprocessAbRun's kind
};
constexpr Workload kWorkloads[] = {{"measure-f32", 0}, {"measure-f64", 1}, {"chain-i16", 2},
                                   {"chain-i32", 3},   {"chain-f32", 4},   {"chain-f64", 5},
                                   {"chain-i16-skew", 6}, {"chain-f32-onepass", 7}, {"chain-f64-onepass", 8}};

struct Target {
  const char* name;
  int64_t bit;
};
constexpr Target kTargets[] = {{"AVX3", HWY_AVX3},
                               {"AVX2", HWY_AVX2},
                               {"SSE4", HWY_SSE4},
                               {"SSSE3", HWY_SSSE3},
                               {"SCALAR", HWY_SCALAR}};

// 64 MiB written between a call and a "cold" call: more than every cache level holds.
void EvictCaches(std::vector<double>& other, double value) {
  for (double& x : other) x = value;
}

double Median(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  const size_t n = x.size();
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: inprocess_ab_driver [--rounds N] [--block FRAMES] [--target "
               "AVX3|AVX2|SSE4|SSSE3|SCALAR] [--currents 1-92] "
               "WORKLOAD SO [SO ...]\n  WORKLOAD: measure-f32 measure-f64 chain-i16 chain-i32 "
               "chain-f32 chain-f64 chain-i16-skew chain-f32-onepass chain-f64-onepass\n",
               why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 21;
  size_t block = 2560, currents = kCurrents;
  const Target* target = nullptr;
  const Workload* work = nullptr;
  std::vector<std::string> paths;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if ((arg == "--rounds" || arg == "--block" || arg == "--target" || arg == "--currents") &&
        a + 1 >= argc)
      Usage("missing value");
    if (arg == "--rounds") {
      rounds = std::atoi(argv[++a]);
      if (rounds < 1) Usage("--rounds must be at least 1");
    } else if (arg == "--block") {
      block = std::strtoul(argv[++a], nullptr, 10);
      if (block < 1 || block > kFrames) Usage("--block must be 1..25600 frames");
    } else if (arg == "--currents") {
      currents = std::strtoul(argv[++a], nullptr, 10);
      if (currents < 1 || currents > kCurrents) Usage("--currents must be 1..92");
    } else if (arg == "--target") {
      const std::string name = argv[++a];
      for (const Target& t : kTargets) {
        if (name == t.name) target = &t;
      }
      if (target == nullptr) Usage(("unknown target " + name).c_str());
    } else if (work == nullptr) {
      for (const Workload& w : kWorkloads) {
        if (arg == w.name) work = &w;
      }
      if (work == nullptr) Usage(("unknown workload " + arg).c_str());
    } else {
      paths.push_back(arg);
    }
  }
  if (work == nullptr || paths.empty()) Usage("need a workload and at least one variant");
  if (target != nullptr) {
    // Every target at or below the chosen one (a higher bit is a lower target), as the tests do.
    if ((hwy::SupportedTargets() & target->bit) == 0) Usage("this CPU does not have that target");
    hwy::SetSupportedTargetsForTest(hwy::SupportedTargets() & ~(target->bit - 1));
  }
  std::vector<RunFn> runs;
  std::vector<TargetFn> target_of;
  for (const std::string& p : paths) {
    void* h = dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
      std::fprintf(stderr, "%s\n", dlerror());
      return 1;
    }
    auto fn = reinterpret_cast<RunFn>(dlsym(h, "InprocessAbRun"));
    auto tn = reinterpret_cast<TargetFn>(dlsym(h, "InprocessAbTarget"));
    if (fn == nullptr || tn == nullptr) {
      std::fprintf(stderr, "%s: not built from bench/inprocess_ab_variant.cc\n", p.c_str());
      return 1;
    }
    runs.push_back(fn);
    target_of.push_back(tn);
  }
  const Signal sig(currents);
  const void* v = nullptr;
  const void* i = nullptr;
  switch (work->kind) {
    case 0:
    case 4:
    case 7:
      v = sig.v32.data();
      i = sig.i32.data();
      break;
    case 1:
    case 5:
    case 8:
      v = sig.v64.data();
      i = sig.i64.data();
      break;
    case 2:
    case 6:
      v = sig.frames16.data();
      break;
    default:
      v = sig.frames32.data();
      break;
  }
  std::vector<double> other(size_t{8} << 20);
  const size_t n = runs.size();
  std::vector<std::vector<double>> warm(n), cold(n), digests(n);
  auto timed = [&](size_t k) {
    double digest = 0;
    const auto t0 = std::chrono::steady_clock::now();
    if (runs[k](work->kind, currents, v, i, kFrames, block, &digest) != 0) {
      std::fprintf(stderr, "%s: a call failed\n", paths[k].c_str());
      std::exit(1);
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    digests[k].push_back(digest);
    return ms;
  };
  std::printf(
      "%s, 3 voltages + %zu currents, %d rounds of %zu variants taking turns (each: an untimed "
      "call, warm, 64 MiB written, cold)\n",
      work->name, currents, rounds, n);
  std::fflush(stdout);  // before the progress lines on stderr
  for (int r = 0; r < rounds; ++r) {
    for (size_t j = 0; j < n; ++j) {
      const size_t k = (j + static_cast<size_t>(r)) % n;
      timed(k);
      warm[k].push_back(timed(k));
      EvictCaches(other, static_cast<double>(r));
      cold[k].push_back(timed(k));
    }
    if ((r + 1) % 10 == 0 && r + 1 < rounds)
      std::fprintf(stderr, "  … round %d of %d\n", r + 1, rounds);
  }
  std::printf("%-34s %-8s %10s %10s %16s %10s %10s %16s  %s\n", "variant", "target", "warm ms",
              "warm min", "ratio (range)", "cold ms", "cold min", "ratio (range)", "results");
  for (size_t k = 0; k < n; ++k) {
    std::vector<double> rw, rc;
    for (int r = 0; r < rounds; ++r) {
      rw.push_back(warm[k][r] / warm[0][r]);
      rc.push_back(cold[k][r] / cold[0][r]);
    }
    const bool same =
        std::memcmp(digests[k].data(), digests[0].data(), digests[0].size() * sizeof(double)) == 0;
    char wr[40], cr[40];
    std::snprintf(wr, sizeof(wr), "%.3f (%.2f-%.2f)", Median(rw),
                  *std::min_element(rw.begin(), rw.end()), *std::max_element(rw.begin(), rw.end()));
    std::snprintf(cr, sizeof(cr), "%.3f (%.2f-%.2f)", Median(rc),
                  *std::min_element(rc.begin(), rc.end()), *std::max_element(rc.begin(), rc.end()));
    std::printf("%-34s %-8s %10.3f %10.3f %16s %10.3f %10.3f %16s  %s\n",
                paths[k].substr(paths[k].rfind('/') + 1).c_str(), target_of[k](), Median(warm[k]),
                *std::min_element(warm[k].begin(), warm[k].end()), wr, Median(cold[k]),
                *std::min_element(cold[k].begin(), cold[k].end()), cr,
                k == 0 ? "reference"
                : same ? "same bits"
                       : "DIFFERENT");
  }
  return 0;
}
