// A synthetic two-panel branch-circuit monitor (used by panel_demo and meterdsp-modbus --demo).
//
// Two panels share V1..V3 (120 V L-N wye, 59.95 Hz, 3 % 5th harmonic). Each panel has 42 branch
// CTs — heaters on thermostats, motors in working hours, LED drivers with strong odd harmonics
// at night, idle circuits, one circuit below the 50 mA minimum ON current, and on panel 2 a
// 3-phase PV inverter exporting with the sun — plus 3 mains CTs (the panel's branches summed per
// phase) and a neutral CT (the mains summed). One 20-s period (1199 cycles) is synthesised once;
// every second of the day is that period scaled by each circuit's daily schedule.
#ifndef METERDSP_EXAMPLES_SYNTHETIC_PANEL_H_
#define METERDSP_EXAMPLES_SYNTHETIC_PANEL_H_

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "meterdsp/meterdsp.h"

namespace synthetic {

constexpr double kPi = 3.14159265358979323846;
constexpr double kFs = 2560.0;
constexpr double kF = 59.95;
constexpr size_t kPeriodFrames = 20 * 2560;
constexpr double kVrms = 120.0;
constexpr size_t kPanels = 2, kBranches = 42, kPerPanel = 46;
constexpr size_t kCurrents = kPanels * kPerPanel;
constexpr size_t kBlock = 2560;  // one second

struct Component {
  int order;
  double rms, phase;  // phase relative to the phase voltage's fundamental
};
inline const Component kVoltage[] = {{1, kVrms, 0.0}, {5, 0.03 * kVrms, 0.0}};

enum class Kind { kHeater, kMotor, kLed, kPv, kSmall, kIdle, kMains, kNeutral };
inline const char* KindName(Kind k) {
  static const char* const kNames[] = {"heater", "motor", "LED driver", "PV export", "small load",
                                       "idle", "mains", "neutral"};
  return kNames[static_cast<int>(k)];
}

struct Circuit {
  Kind kind = Kind::kIdle;
  std::vector<Component> parts;  // current at full load
  size_t phase = 0;
  double offset_s = 0;  // thermostat phase
  std::string name;
};

inline double TrueP(const std::vector<Component>& parts) {  // Σ_h V_h I_h cos(θv_h − θi_h)
  double p = 0;
  for (const auto& c : parts)
    for (const auto& v : kVoltage)
      if (v.order == c.order) p += v.rms * c.rms * std::cos(v.phase - c.phase);
  return p;
}

// Rounds to the nearest integer (ties to even) with a form the compiler vectorises.
inline float RoundCode(float x) { return (x + 12582912.0f) - 12582912.0f; }

class Panel {
 public:
  // 16-bit ADC: full scale 1.25 × peak of 1.2 × nominal (V), 100 A branch CTs, 400 A aux CTs.
  static constexpr float kTop = 32767.0f;
  const double v_fs = 1.25 * std::sqrt(2.0) * 1.2 * kVrms;
  std::vector<Circuit> circuits = std::vector<Circuit>(kCurrents);
  std::vector<double> i_fs = std::vector<double>(kCurrents);

  Panel() {
    std::mt19937 rng(2026);
    for (size_t p = 0; p < kPanels; ++p) {
      for (size_t b = 0; b < kBranches; ++b) circuits[p * kPerPanel + b] = MakeBranch(rng, p, b);
      for (size_t k = 0; k < 4; ++k) {
        Circuit& c = circuits[p * kPerPanel + kBranches + k];
        c.kind = k < 3 ? Kind::kMains : Kind::kNeutral;
        c.phase = k < 3 ? k : 0;
        c.name = "P" + std::to_string(p + 1) + (k < 3 ? std::string(" main ") + "ABC"[k] : " neutral");
      }
    }
    for (size_t ch = 0; ch < kCurrents; ++ch) {
      i_fs[ch] = 1.25 * std::sqrt(2.0) * ((ch % kPerPanel) < kBranches ? 100.0 : 400.0);
    }
    BuildTemplates();
  }

  // Topology, scaling and breakers for a meterdsp::MeterConfig (channels in panel order).
  void Configure(meterdsp::MeterConfig& cfg) const {
    meterdsp::WindowConfig& wc = cfg.window;
    wc.fs_hz = kFs;
    wc.nominal_hz = 60;
    wc.voltages = 3;
    wc.currents = kCurrents;
    wc.angle_reference = meterdsp::AngleReference::kAssignedPhase;
    for (size_t k = 0; k < 3; ++k) wc.voltage_cal[k].gain = v_fs / kTop;
    for (size_t ch = 0; ch < kCurrents; ++ch) {
      const bool branch = (ch % kPerPanel) < kBranches;
      wc.phase[ch] = circuits[ch].kind == Kind::kNeutral ? meterdsp::kCurrentOnly
                                                         : static_cast<uint8_t>(circuits[ch].phase);
      wc.current_cal[ch].gain = i_fs[ch] / kTop;
      cfg.events.channel[ch].base = branch ? 20.0 : 225.0;
    }
  }

  // The register maps' view of the topology: Top Feed strips, this panel's phases as a user
  // assignment (the PV inverter is on A, B, C), and three logical circuits.
  void Topology(meterdsp::PanelConfig& pc) const {
    pc.user_phase = true;
    for (size_t p = 0; p < kPanels; ++p)
      for (size_t ch = 1; ch <= 45; ++ch) pc.phase[p][ch - 1] = static_cast<uint8_t>(circuits[p * kPerPanel + ch - 1].phase);
    pc.circuit[0][0] = pc.circuit[0][2] = pc.circuit[0][4] = 1;  // a 3-pole breaker
    pc.circuit[0][1] = pc.circuit[0][3] = 2;                     // a 2-pole breaker
    pc.circuit[1][6] = 7;                                        // a single pole
  }

  // CT ratings as the register maps report them (100 A branch, 400 A aux).
  void Ratings(meterdsp::RegisterSettings& st) const {
    for (size_t p = 0; p < kPanels; ++p)
      for (size_t ch = 0; ch < kPerPanel; ++ch) st.ct_size_a[p][ch] = ch < kBranches ? 100 : 400;
  }

  // Fills one second (`sec` since midnight) of planar code values: v (3 × kBlock), i
  // (kCurrents × kBlock); adds the analytic energy of that second to true_wh (if given).
  void Second(size_t sec, float* v, float* i, double* true_wh = nullptr) const {
    const size_t off = (sec * kBlock) % kPeriodFrames;
    for (size_t k = 0; k < 3; ++k) std::copy_n(&vtmpl_[k * kPeriodFrames + off], kBlock, v + k * kBlock);
    for (size_t p = 0; p < kPanels; ++p) {
      float* mains[3];
      for (size_t k = 0; k < 3; ++k) {
        mains[k] = i + (p * kPerPanel + kBranches + k) * kBlock;
        std::fill_n(mains[k], kBlock, 0.0f);
      }
      for (size_t b = 0; b < kBranches; ++b) {
        const size_t ch = p * kPerPanel + b;
        const double f = Factor(circuits[ch], static_cast<double>(sec));
        const float ff = static_cast<float>(f);
        const float* src = &tmpl_[ch * kPeriodFrames + off];
        float* dst = i + ch * kBlock;
        float* m = mains[circuits[ch].phase];
        const float to_main = static_cast<float>(i_fs[ch] / i_fs[p * kPerPanel + kBranches]);
        for (size_t t = 0; t < kBlock; ++t) {
          const float x = ff * src[t];
          dst[t] = RoundCode(x);
          m[t] += x * to_main;
        }
        if (true_wh != nullptr) {
          const double wh = f * TrueP(circuits[ch].parts) / 3600.0;
          true_wh[ch] += wh;
          true_wh[p * kPerPanel + kBranches + circuits[ch].phase] += wh;
        }
      }
      float* neutral = i + (p * kPerPanel + kBranches + 3) * kBlock;
      for (size_t t = 0; t < kBlock; ++t) {
        neutral[t] = RoundCode(mains[0][t] + mains[1][t] + mains[2][t]);
        for (size_t k = 0; k < 3; ++k) mains[k][t] = RoundCode(mains[k][t]);
      }
    }
  }

 private:
  static Circuit MakeBranch(std::mt19937& rng, size_t panel, size_t b) {
    std::uniform_real_distribution<double> u(0, 1);
    Circuit c;
    c.phase = (b / 2) % 3;  // circuits 1-2 on A, 3-4 on B, 5-6 on C, …
    c.name = "P" + std::to_string(panel + 1) + " br " + std::to_string(b + 1);
    c.offset_s = 1800 * u(rng);
    if (panel == 1 && b < 3) {
      c.kind = Kind::kPv;
      c.phase = b;
      c.parts = {{1, 14.0, kPi + 0.05}};
      return c;
    }
    const double r = u(rng);
    if (r < 0.30) {
      c.kind = Kind::kHeater;
      c.parts = {{1, 6 + 9 * u(rng), 0.0}};
    } else if (r < 0.55) {
      c.kind = Kind::kMotor;
      const double phi = (28 + 10 * u(rng)) * kPi / 180;
      c.parts = {{1, 4 + 8 * u(rng), -phi}, {5, 0.3, -5 * phi}};
    } else if (r < 0.80) {
      c.kind = Kind::kLed;
      const double i1 = 0.6 + 2.4 * u(rng);
      c.parts = {{1, i1, 0.26}, {3, 0.6 * i1, 0.9}, {5, 0.35 * i1, 2.1}, {7, 0.15 * i1, -2.6}};
    } else if (r < 0.92) {
      c.kind = Kind::kIdle;
    } else {
      c.kind = Kind::kSmall;
      c.parts = {{1, 0.03, -0.2}};
    }
    return c;
  }

  // Load factor of a circuit at time t (s since midnight): its daily schedule.
  static double Factor(const Circuit& c, double t) {
    const double h = std::fmod(t, 86400.0) / 3600.0;
    switch (c.kind) {
      case Kind::kHeater: {  // thermostat: on 12 of every 30 min (6 at night)
        const double cyc = std::fmod(t + c.offset_s, 1800.0);
        return cyc < ((h < 6 || h >= 23) ? 360.0 : 720.0) ? 1.0 : 0.0;
      }
      case Kind::kMotor: return (h >= 7 && h < 19) ? 1.0 + 0.05 * std::sin(2 * kPi * t / 600) : 0.0;
      case Kind::kLed: return (h >= 18 || h < 7) ? 1.0 : 0.3;
      case Kind::kPv: return (h > 6 && h < 18) ? std::sin(kPi * (h - 6) / 12) : 0.0;
      case Kind::kSmall: return 1.0;
      default: return 0.0;
    }
  }

  static double Wave(const std::vector<Component>& parts, double theta) {
    double x = 0;
    for (const auto& c : parts) x += std::sqrt(2.0) * c.rms * std::sin(c.order * theta + c.phase);
    return x;
  }

  void BuildTemplates() {
    tmpl_.assign(kCurrents * kPeriodFrames, 0.0f);
    vtmpl_.assign(3 * kPeriodFrames, 0.0f);
    for (size_t t = 0; t < kPeriodFrames; ++t) {
      const double th = 2 * kPi * kF * static_cast<double>(t) / kFs;
      for (size_t k = 0; k < 3; ++k) {
        const double tk = th - 2 * kPi / 3 * static_cast<double>(k);
        double v = 0;
        for (const auto& c : kVoltage) v += std::sqrt(2.0) * c.rms * std::sin(c.order * tk + c.phase);
        vtmpl_[k * kPeriodFrames + t] = RoundCode(static_cast<float>(v / v_fs * kTop));
      }
      for (size_t ch = 0; ch < kCurrents; ++ch) {
        if ((ch % kPerPanel) >= kBranches) continue;
        const double tk = th - 2 * kPi / 3 * static_cast<double>(circuits[ch].phase);
        tmpl_[ch * kPeriodFrames + t] = static_cast<float>(Wave(circuits[ch].parts, tk) / i_fs[ch] * kTop);
      }
    }
  }

  std::vector<float> tmpl_, vtmpl_;
};

}  // namespace synthetic

#endif  // METERDSP_EXAMPLES_SYNTHETIC_PANEL_H_
