// The benchmarks' panel, as a whole-chain Meter and as Measure()'s configuration: 3 voltages and 92
// currents on phases 1-2-3 at 2560 Hz (window_bench, latency_bench, and the in-process comparison,
// which also builds it against older revisions: public API only).
#ifndef METERDSP_BENCH_BENCH_PANEL_H_
#define METERDSP_BENCH_BENCH_PANEL_H_

#include <stddef.h>
#include <stdint.h>

#include <memory>

#include "meterdsp/meterdsp.h"

namespace meterdsp::bench {

inline constexpr double kPanelFs = 2560.0;
inline constexpr size_t kPanelVoltages = 3, kPanelCurrents = 92;

// `calibrated`: every current has its own skew correction (a 4-tap fractional-delay filter per
// channel), as a calibrated meter in the field does; `currents`: the first this many of the
// panel's currents (channel-count scaling). Returns nullptr if Init fails.
// tables: every current with a 4-point current table (calibration.md), as a panel of CTs
// calibrated by current level would have; the benchmarks' currents (about 5,800 in code units
// at gain 1) fall between two of its points, so every window interpolates.
inline std::unique_ptr<Meter> MakePanelMeter(bool calibrated = false, size_t currents = kPanelCurrents,
                                             bool tables = false) {
  auto cfg = std::make_unique<MeterConfig>();
  cfg->window.fs_hz = kPanelFs;
  cfg->window.currents = currents;
  for (size_t k = 0; k < currents; ++k) {
    cfg->window.phase[k] = static_cast<uint8_t>(k % 3);
    if (calibrated) cfg->window.current_cal[k].skew_us = 2.0 * static_cast<double>(k) + 1.0;
    if (tables) {
      cfg->window.current_table[k] = CurrentTable{4, {100.0f, 1000.0f, 5000.0f, 20000.0f}, {1.01f, 1.004f, 1.0f, 0.999f},
                                                  {0.5f, 0.3f, 0.2f, 0.2f}};
    }
  }
  auto m = std::make_unique<Meter>();
  if (Init(*cfg, *m) != Status::kOk) return nullptr;
  return m;
}

// Measure()'s configuration for the same panel (its first `currents` currents).
inline MeasureConfig PanelMeasureConfig(size_t currents = kPanelCurrents) {
  MeasureConfig c;
  c.fs_hz = kPanelFs;
  c.voltages = kPanelVoltages;
  c.currents = currents;
  for (size_t k = 0; k < currents; ++k) c.phase[k] = static_cast<uint8_t>(k % 3);
  return c;
}

}  // namespace meterdsp::bench

#endif  // METERDSP_BENCH_BENCH_PANEL_H_
