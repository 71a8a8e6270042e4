// accuracy_report — worst-case DSP error over the IEC 62053-22 (P, class 0.2S) and 62053-24
// (Q, class 0.5S) current × PF / sin φ points at 2560 Hz, 45–65 Hz, for ideal float samples,
// 24-bit codes and dithered 16-bit codes. Errors are per steady window (P, Q, RMS, angle) and
// printed as a fraction of the class limit (budget: 10 %). Not a unit test: a report.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "meterdsp/meterdsp.h"

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kFs = 2560.0;

double PLimit(double x, double phi) {  // class 0.2S, percent; 0 = not a test point
  const double pf = std::fabs(std::cos(phi * kPi / 180));
  if (pf > 0.999) return x < 0.01 ? 0 : (x < 0.05 ? 0.4 : 0.2);
  if (pf > 0.45) return x < 0.02 ? 0 : (x < 0.1 ? 0.5 : 0.3);
  return x < 0.1 ? 0 : 0.5;
}
double QLimit(double x, double phi) {  // class 0.5S, percent
  const double sn = std::fabs(std::sin(phi * kPi / 180));
  if (sn > 0.999) return x < 0.01 ? 0 : (x < 0.05 ? 1.0 : 0.5);
  if (sn > 0.45) return x < 0.02 ? 0 : (x < 0.1 ? 1.0 : 0.6);
  if (sn > 0.2) return x < 0.1 ? 0 : 1.0;
  return 0;
}

struct Worst {
  double p_frac = 0, q_frac = 0, rms_pct = 0, angle_deg = 0, f_mhz = 0;
};

// mode 0: float, 1: 24-bit codes, 2: 16-bit codes with ±1 LSB TPDF dither.
Worst RunPoints(double f, int mode, const std::vector<double>& phis) {
  const double xs[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 1.2, 2.0};
  const int bits = mode == 2 ? 16 : 24;
  const double top = std::ldexp(1.0, bits - 1) - 1;
  const double v_fs = 1.25 * std::sqrt(2.0) * 1.2 * 230, i_fs = 1.25 * std::sqrt(2.0) * 10;
  auto cfg = std::make_unique<meterdsp::WindowConfig>();
  cfg->fs_hz = kFs;
  cfg->nominal_hz = f > 55 ? 60 : 50;
  cfg->voltages = 1;
  std::vector<std::pair<double, double>> pts;
  for (double phi : phis)
    for (double x : xs) pts.push_back({x, phi});
  cfg->currents = pts.size();
  const size_t n = static_cast<size_t>(3 * kFs), nch = 1 + pts.size();
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<float> v(n), i(pts.size() * n);
  std::vector<int32_t> frames(n * nch);
  const double th0 = 0.37 * f;
  auto put = [&](double x, double fs_peak, size_t t, size_t ch, float* dst) {
    if (mode == 0) {
      *dst = static_cast<float>(x);
    } else {
      const double d = mode == 2 ? u(rng) - u(rng) : 0.0;
      frames[t * nch + ch] = static_cast<int32_t>(std::clamp(std::round(x / fs_peak * top + d), -top - 1, top));
    }
  };
  for (size_t t = 0; t < n; ++t) {
    const double th = 2 * kPi * f * static_cast<double>(t) / kFs + th0;
    put(std::sqrt(2.0) * 230 * std::sin(th), v_fs, t, 0, &v[t]);
    for (size_t k = 0; k < pts.size(); ++k) {
      const double x = std::sqrt(2.0) * 5 * pts[k].first * std::sin(th - pts[k].second * kPi / 180);
      put(x, i_fs, t, 1 + k, &i[k * n + t]);
    }
  }
  for (size_t k = 0; k < pts.size(); ++k) cfg->min_on_current[k] = 0.01;
  if (mode != 0) {
    cfg->adc_bits = bits;
    cfg->voltage_cal[0].gain = v_fs / top;
    for (size_t k = 0; k < pts.size(); ++k) cfg->current_cal[k].gain = i_fs / top;
  }
  auto m = std::make_unique<meterdsp::WindowEngine>();
  if (meterdsp::Init(*cfg, *m) != meterdsp::Status::kOk) std::abort();
  std::vector<meterdsp::WindowResult> out(meterdsp::MaxWindowsPerBlock(*m, n));
  size_t done = 0;
  meterdsp::Status s;
  if (mode == 0) {
    s = meterdsp::Process(*m, meterdsp::PlanarBlock<float>{v.data(), n, i.data(), n, n}, out.data(), out.size(), &done);
  } else if (bits == 16) {
    std::vector<int16_t> f16(frames.begin(), frames.end());
    s = meterdsp::Process(*m, meterdsp::FrameBlock<int16_t>{f16.data(), n, nch}, out.data(), out.size(), &done);
  } else {
    s = meterdsp::Process(*m, meterdsp::FrameBlock<int32_t>{frames.data(), n, nch}, out.data(), out.size(), &done);
  }
  if (s != meterdsp::Status::kOk) std::abort();
  Worst w;
  for (size_t k = 0; k < done; ++k) {
    const auto& r = out[k];
    if (r.flags & (meterdsp::kFlagIncomplete | meterdsp::kFlagSettling | meterdsp::kFlagNoVoltage)) continue;
    w.f_mhz = std::max(w.f_mhz, 1e3 * std::fabs(r.frequency_hz - f));
    w.rms_pct = std::max(w.rms_pct, 100 * std::fabs(r.vrms[0] / 230 - 1));
    for (size_t c = 0; c < pts.size(); ++c) {
      const double x = pts[c].first, phi = pts[c].second, s_va = 230 * 5 * x;
      const double p = s_va * std::cos(phi * kPi / 180), q = s_va * std::sin(phi * kPi / 180);
      if (x >= 0.05 || mode != 2) w.rms_pct = std::max(w.rms_pct, 100 * std::fabs(r.irms[c] / (5 * x) - 1));
      if (x >= 0.02) w.angle_deg = std::max(w.angle_deg, std::fabs(std::remainder(r.angle_deg[c] + phi, 360.0)));
      if (PLimit(x, phi) > 0 && std::fabs(std::sin(phi * kPi / 180)) < 0.97)
        w.p_frac = std::max(w.p_frac, 100 * std::fabs(r.p[c] / p - 1) / PLimit(x, phi));
      if (QLimit(x, phi) > 0) w.q_frac = std::max(w.q_frac, 100 * std::fabs(r.q[c] / q - 1) / QLimit(x, phi));
    }
  }
  return w;
}

// The active sweep (PF points) and the reactive sweep (sin φ points) as two meters.
Worst Run(double f, int mode) {
  const Worst a = RunPoints(f, mode, {0, 60, -36.8699, 75.5225, -60});
  const Worst b = RunPoints(f, mode, {90, -90, 30, -30, 14.4775, -14.4775});
  Worst w;
  w.p_frac = std::max(a.p_frac, b.p_frac);
  w.q_frac = std::max(a.q_frac, b.q_frac);
  w.rms_pct = std::max(a.rms_pct, b.rms_pct);
  w.angle_deg = std::max(a.angle_deg, b.angle_deg);
  w.f_mhz = std::max(a.f_mhz, b.f_mhz);
  return w;
}

}  // namespace

int main() {
  std::printf("meterdsp %s accuracy report (SIMD target %s), fs = 2560 Hz, per steady window\n",
              METERDSP_VERSION, meterdsp::SimdTarget());
  std::printf("P: worst error / class 0.2S limit; Q: worst error / class 0.5S limit (budget 10 %%)\n");
  std::printf("RMS from 1 %% In (16-bit: from 5 %% In), angle from 2 %% In\n\n");
  std::printf("%-22s %7s %10s %10s %10s %11s %9s\n", "samples", "f Hz", "P/limit %", "Q/limit %",
              "RMS err %", "angle err °", "f err mHz");
  const char* names[] = {"float32", "24-bit codes", "16-bit codes + dither"};
  Worst all[3];
  for (int mode = 0; mode < 3; ++mode) {
    for (double f : {45.0, 47.5, 49.95, 50.0, 50.05, 52.5, 55.0, 57.0, 59.95, 60.0, 61.2, 65.0}) {
      const Worst w = Run(f, mode);
      std::printf("%-22s %7.2f %10.3f %10.3f %10.5f %11.5f %9.4f\n", names[mode], f, 100 * w.p_frac,
                  100 * w.q_frac, w.rms_pct, w.angle_deg, w.f_mhz);
      all[mode].p_frac = std::max(all[mode].p_frac, w.p_frac);
      all[mode].q_frac = std::max(all[mode].q_frac, w.q_frac);
      all[mode].rms_pct = std::max(all[mode].rms_pct, w.rms_pct);
      all[mode].angle_deg = std::max(all[mode].angle_deg, w.angle_deg);
      all[mode].f_mhz = std::max(all[mode].f_mhz, w.f_mhz);
    }
  }
  std::printf("\nworst over 45–65 Hz:\n");
  for (int mode = 0; mode < 3; ++mode) {
    std::printf("%-22s P %.2f %% of limit, Q %.2f %% of limit, RMS %.5f %%, angle %.5f°, f %.4f mHz\n",
                names[mode], 100 * all[mode].p_frac, 100 * all[mode].q_frac, all[mode].rms_pct,
                all[mode].angle_deg, all[mode].f_mhz);
  }
  return 0;
}
