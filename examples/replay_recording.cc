// replay_recording — a gateway replays a long recording of a 92-circuit panel through the meter.
//
// The recording is planar float32 (one row per channel, in volts and amperes, as a data logger
// or a NumPy array holds it): 30 s of 3 voltages and 92 currents, 29 MB, more than the caches
// hold. It goes through ProcessOnePass in 10-s blocks: each tile's samples are tested for
// NaN/Inf as they are converted, so the rows are read from memory once (Process would test the
// whole block first, then read it again to convert it). A copy of the meter taken before each
// block keeps the call all-or-nothing: the second block arrives with a sample lost in transfer
// (NaN), is refused part-way and puts the meter back from the copy; the repaired block then
// goes through as if the bad one had never been offered. The energy of the 30 s is checked
// against its closed form.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "meterdsp/meterdsp.h"

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kFs = 2560, kF = 50, kV = 230;
constexpr size_t kVoltages = 3, kCurrents = 92, kSeconds = 30, kBlockSeconds = 10;
constexpr size_t kFrames = static_cast<size_t>(kFs) * kSeconds, kBlock = static_cast<size_t>(kFs) * kBlockSeconds;

// Circuit k: phase k % 3, 1–10 A, lagging by 0–59°.
double Amps(size_t k) { return 1.0 + static_cast<double>(k % 10); }
double LagDeg(size_t k) { return static_cast<double>(k * 7 % 60); }

}  // namespace

int main() {
  // The recording: voltages [3][kFrames], then currents [92][kFrames].
  std::vector<float> v(kVoltages * kFrames), i(kCurrents * kFrames);
  for (size_t t = 0; t < kFrames; ++t) {
    const double th = 2 * kPi * kF * static_cast<double>(t) / kFs;
    for (size_t p = 0; p < kVoltages; ++p) {
      v[p * kFrames + t] = static_cast<float>(kV * std::sqrt(2.0) * std::sin(th - 2 * kPi / 3 * static_cast<double>(p)));
    }
    for (size_t k = 0; k < kCurrents; ++k) {
      const double a = th - 2 * kPi / 3 * static_cast<double>(k % 3) - LagDeg(k) * kPi / 180;
      i[k * kFrames + t] = static_cast<float>(Amps(k) * std::sqrt(2.0) * std::sin(a));
    }
  }

  auto cfg = std::make_unique<meterdsp::MeterConfig>();
  cfg->window.fs_hz = kFs;
  cfg->window.voltages = kVoltages;
  cfg->window.currents = kCurrents;
  for (size_t k = 0; k < kCurrents; ++k) cfg->window.phase[k] = static_cast<uint8_t>(k % 3);
  auto meter = std::make_unique<meterdsp::Meter>(), before = std::make_unique<meterdsp::Meter>();
  if (meterdsp::Init(*cfg, *meter) != meterdsp::Status::kOk) return 1;
  std::vector<meterdsp::WindowResult> out(meterdsp::MaxWindowsPerBlock(meter->window, kBlock));

  bool refusal_changed_nothing = false;
  size_t windows = 0;
  double first_start = -1, last_end = 0;  // the metered span, in samples
  for (size_t pos = 0; pos < kFrames; pos += kBlock) {
    const meterdsp::PlanarBlock<float> block{&v[pos], kFrames, &i[pos], kFrames, kBlock};
    size_t done = 0;
    *before = *meter;
    if (pos == kBlock) {  // the second block, first with a sample lost 7 s in (circuit 41)
      float& lost = i[41 * kFrames + pos + static_cast<size_t>(7 * kFs)];
      const float kept = lost;
      lost = std::nanf("");
      const meterdsp::Status s = meterdsp::ProcessOnePass(*meter, block, out.data(), out.size(), &done, *before);
      refusal_changed_nothing = s == meterdsp::Status::kNonFiniteInput && done == 0 &&
                                std::memcmp(meter.get(), before.get(), sizeof(meterdsp::Meter)) == 0;
      std::printf("block %zu with a NaN: %s; the meter as before it: %s\n", pos / kBlock + 1, meterdsp::ToString(s),
                  refusal_changed_nothing ? "yes" : "no");
      lost = kept;  // the logger sends the block again
    }
    const meterdsp::Status s = meterdsp::ProcessOnePass(*meter, block, out.data(), out.size(), &done, *before);
    if (s != meterdsp::Status::kOk) {
      std::fprintf(stderr, "ProcessOnePass: %s\n", meterdsp::ToString(s));
      return 1;
    }
    windows += done;
    if (done > 0 && first_start < 0) first_start = out[0].start_samples;
    if (done > 0) last_end = out[done - 1].start_samples + out[done - 1].length_samples;
    std::printf("block %zu: %zu windows, %.3f kWh so far\n", pos / kBlock + 1, done,
                meterdsp::EnergyWh(meter->energy, meterdsp::EnergyScope::kTotal, 0, meterdsp::kWhImport) / 1000);
  }

  // Closed form: Σ V·I·cos(lag) over the metered span (from the first window's start to the
  // last one's end).
  double watts = 0;
  for (size_t k = 0; k < kCurrents; ++k) watts += kV * Amps(k) * std::cos(LagDeg(k) * kPi / 180);
  const double span_s = (last_end - first_start) / kFs;
  const double wh = meterdsp::EnergyWh(meter->energy, meterdsp::EnergyScope::kTotal, 0, meterdsp::kWhImport);
  const double expected = watts * span_s / 3600, err_pct = 100 * (wh / expected - 1);
  const bool agrees = std::fabs(err_pct) < 0.01;
  std::printf("%zu windows over %.3f s: %.4f kWh, closed form %.4f kWh (%+.4f %%, within 0.01 %%: %s)\n", windows,
              span_s, wh / 1000, expected / 1000, err_pct, agrees ? "yes" : "no");
  return refusal_changed_nothing && agrees ? 0 : 1;
}
