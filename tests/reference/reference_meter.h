// A plain scalar reference of the window engine: double precision, whole stream at once,
// per-sample loops, no SIMD, no tiles. It implements docs/measurement.md independently of
// src/ (own Lagrange delay, own tracker, own weights, own finalisation) so that every SIMD
// target can be checked against it.
#ifndef METERDSP_TESTS_REFERENCE_METER_H_
#define METERDSP_TESTS_REFERENCE_METER_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <vector>

#include "meterdsp/window.h"

namespace meterdsp::test {

struct RefWindow {
  double start = 0, length = 0, frequency = 0;
  unsigned cycles = 0, flags = 0;
  std::vector<double> vrms, v_angle, v_thd;
  std::vector<double> irms, p, q, s, n, pf, dpf, angle, thd;
  std::vector<int> quadrant;
};

// rows: voltages then currents, engineering units (gain/offset already applied).
inline std::vector<RefWindow> ReferenceRun(const WindowConfig& c,
                                           const std::vector<std::vector<double>>& rows) {
  const double pi = 3.14159265358979323846;
  const size_t nv = c.voltages, nc = c.currents, nch = nv + nc;
  const size_t len = rows[0].size();
  const double fs = c.fs_hz;
  const unsigned K = c.nominal_hz == 50.0 ? 10 : 12;

  // 1. Delay correction: cubic Lagrange on a common base delay.
  std::vector<double> corr(nch);
  bool any = false;
  for (size_t k = 0; k < nch; ++k) {
    const ChannelCalibration& cal = k < nv ? c.voltage_cal[k] : c.current_cal[k - nv];
    corr[k] = cal.skew_us * 1e-6 * fs + cal.phase_deg / 360.0 * fs / c.nominal_hz;
    any = any || corr[k] != 0.0;
  }
  const double base = any ? 3.0 : 0.0;
  std::vector<std::vector<double>> y(nch, std::vector<double>(len, 0.0));
  for (size_t k = 0; k < nch; ++k) {
    const ChannelCalibration& cal = k < nv ? c.voltage_cal[k] : c.current_cal[k - nv];
    // Engineering value as the library scales it (float gain/offset).
    std::vector<double> x(len);
    for (size_t t = 0; t < len; ++t) x[t] = rows[k][t];
    (void)cal;
    const double d = base + corr[k];
    const double whole = std::floor(d), mu = d - whole;
    auto at = [&](long i) { return i >= 0 && i < static_cast<long>(len) ? x[i] : 0.0; };
    for (size_t t = 0; t < len; ++t) {
      const long m = static_cast<long>(t) - static_cast<long>(whole);  // x[m] at position 0
      if (mu == 0.0) {
        y[k][t] = at(m);
        continue;
      }
      // Interpolate at position −mu from nodes m+1, m, m−1, m−2.
      double acc = 0;
      const double pos[4] = {1, 0, -1, -2};
      for (int j = 0; j < 4; ++j) {
        double l = 1;
        for (int i = 0; i < 4; ++i)
          if (i != j) l *= (-mu - pos[i]) / (pos[j] - pos[i]);
        acc += l * at(m + static_cast<long>(pos[j]));
      }
      y[k][t] = acc;
    }
  }

  // Weight of sample k in [a, b] (linear interpolation between samples).
  auto cdf = [](double u) {
    if (u <= -1) return 0.0;
    if (u <= 0) return 0.5 * (u + 1) * (u + 1);
    if (u <= 1) return 1 - 0.5 * (1 - u) * (1 - u);
    return 1.0;
  };
  auto weight = [&](size_t k, double a, double b) {
    double w = cdf(b - static_cast<double>(k)) - cdf(a - static_cast<double>(k));
    if (k == 0) w = cdf(b) - std::max(cdf(a), 0.5);  // nothing before the stream start
    return std::max(w, 0.0);
  };

  // 2. Oscillator phase per sample and the tracker, in one causal pass.
  std::vector<double> theta(len);
  std::vector<RefWindow> out;
  double th = 0, step = 2 * pi * c.nominal_hz / fs;
  double env = 0, dc = 0, prev = 0, last = 0, start = 0;
  const double decay = std::exp(-1.0 / (0.05 * fs));
  bool armed = false;
  int mode = 0;  // 0 acquire, 1 sync, 2 nominal
  unsigned count = 0;
  unsigned done = 0;
  bool after_incomplete = false;
  for (size_t t = 0; t < len; ++t) {
    theta[t] = th;
    th += step;
    const double v = static_cast<double>(static_cast<float>(y[0][t] - dc));
    env = std::max(std::fabs(v), env * decay);
    const bool present = env >= c.min_voltage;
    bool cross = false;
    double tc = 0;
    if (v < -0.1 * env) {
      armed = true;
    } else if (armed && v >= 0 && prev < 0) {
      tc = static_cast<double>(t) - 1.0 + prev / (prev - v);
      armed = false;
      cross = true;
    }
    prev = v;
    bool close = false;
    double at = 0;
    unsigned flags = 0, cycles = 0;
    const double T = static_cast<double>(t);
    if (cross && present) {
      if (mode == 1) {
        const double period = tc - last;
        if (period >= fs / kMaxTrackHz) {
          last = tc;
          if (period > fs / kMinTrackHz) {
            count = K + 1;
          } else {
            ++count;
            if (count <= K) step = 2 * pi * (count * fs / (tc - start)) / fs;
            if (count == K) {
              close = true, at = tc, cycles = K;
            } else if (count == 2 * K + 1) {
              close = true, at = tc, flags = kFlagIncomplete;
            }
          }
        }
      } else {
        flags = kFlagIncomplete | (mode == 2 ? kFlagNoVoltage : 0u);
        mode = 1;
        last = tc;
        close = true, at = tc;
      }
    } else if (mode == 1 && T - start > K * fs / kMinTrackHz) {
      mode = 2, close = true, at = T - 0.5;
      flags = kFlagIncomplete | (present ? kFlagFreqOutOfRange : kFlagNoVoltage);
    } else if (mode == 0 && T - start > 2 * fs / kMinTrackHz) {
      mode = 2, close = true, at = T - 0.5, flags = kFlagIncomplete | kFlagNoVoltage;
    } else if (mode == 2 && start + K * fs / c.nominal_hz < T) {
      close = true, at = start + K * fs / c.nominal_hz, flags = kFlagNoVoltage;
    }
    if (!close || at <= start) continue;

    // 3. Window sums with exact weights, then the quantities.
    const double a = start, b = at, W = b - a;
    std::vector<std::complex<double>> ph(nch);
    std::vector<double> mean(nch), ms(nch), vi(nch);
    std::vector<std::array<double, 3>> proj(nch);  // Σw·y·{1, cos θ, sin θ}
    double gram[3][3] = {};                        // Σw·{1, cos θ, sin θ}⊗{1, cos θ, sin θ}
    const size_t k0 = static_cast<size_t>(std::floor(a)), k1 = std::min(len - 1, static_cast<size_t>(std::floor(b)) + 1);
    for (size_t ch = 0; ch < nch; ++ch) {
      const size_t vref = ch < nv ? ch : c.phase[ch - nv];
      double s0 = 0, s1 = 0, s2 = 0;
      std::complex<double> z = 0;
      for (size_t k = k0 > 0 ? k0 - 1 : 0; k <= k1; ++k) {
        const double w = weight(k, a, b);
        if (w == 0) continue;
        const double yy = y[ch][k];
        s0 += w * yy;
        s1 += w * yy * yy;
        s2 += w * yy * y[vref][k];
        z += w * yy * std::complex<double>(std::cos(theta[k]), -std::sin(theta[k]));
        const double basis[3] = {1.0, std::cos(theta[k]), std::sin(theta[k])};
        for (int i = 0; i < 3; ++i) {
          proj[ch][i] += w * yy * basis[i];
          if (ch == 0) for (int j = 0; j < 3; ++j) gram[i][j] += w * basis[i] * basis[j];
        }
      }
      mean[ch] = s0 / W;
      ms[ch] = s1 / W;
      vi[ch] = s2 / W;
      ph[ch] = z * (std::sqrt(2.0) / W);
    }
    RefWindow r;
    r.start = a;
    r.length = W;
    r.cycles = cycles;
    r.flags = flags | (done < 3 || after_incomplete ? kFlagSettling : 0u);
    r.frequency = cycles ? cycles * fs / W : (flags & kFlagNoVoltage) ? c.nominal_hz : step * fs / (2 * pi);
    if (cycles && (r.frequency < kMinInRangeHz || r.frequency > kMaxInRangeHz)) r.flags |= kFlagFreqOutOfRange;
    auto dc_of = [&](size_t ch) {
      return ch < nv ? c.voltage_cal[ch].dc_removal : c.current_cal[ch - nv].dc_removal;
    };
    auto rms_of = [&](size_t ch) {
      const double m2 = dc_of(ch) ? ms[ch] - mean[ch] * mean[ch] : ms[ch];
      return std::sqrt(std::max(m2, 0.0));
    };
    // Total distortion, % of the fundamental: y fitted by least squares as DC + a·cos θ + b·sin θ
    // under the window's weights (normal equations solved by Gaussian elimination); the RMS of
    // what the fit leaves over the fitted fundamental's RMS.
    auto thd_of = [&](size_t ch) {
      double g[3][4];
      for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) g[i][j] = gram[i][j];
        g[i][3] = proj[ch][i];
      }
      for (int i = 0; i < 3; ++i) {
        for (int r2 = i + 1; r2 < 3; ++r2) {
          const double f = g[r2][i] / g[i][i];
          for (int j = i; j < 4; ++j) g[r2][j] -= f * g[i][j];
        }
      }
      double x[3];
      for (int i = 2; i >= 0; --i) {
        double acc = g[i][3];
        for (int j = i + 1; j < 3; ++j) acc -= g[i][j] * x[j];
        x[i] = acc / g[i][i];
      }
      const double residual = ms[ch] * W - (x[0] * proj[ch][0] + x[1] * proj[ch][1] + x[2] * proj[ch][2]);
      const double fund_ms = (x[1] * x[1] + x[2] * x[2]) / 2.0;
      return 100.0 * std::sqrt(std::max(residual, 0.0) / W / fund_ms);
    };
    auto deg = [&](std::complex<double> z) {
      double d = std::arg(z) * 180 / pi;
      if (d <= -180) d += 360;
      return d;
    };
    for (size_t k = 0; k < nv; ++k) {
      r.vrms.push_back(rms_of(k));
      const bool on = r.vrms[k] * std::sqrt(2.0) >= c.min_voltage;
      const bool on1 = r.vrms[0] * std::sqrt(2.0) >= c.min_voltage;
      r.v_angle.push_back(on && on1 ? deg(ph[k] / ph[0]) : NAN);
      r.v_thd.push_back(on ? thd_of(k) : NAN);
    }
    for (size_t k = 0; k < nc; ++k) {
      const size_t ch = nv + k, vp = c.phase[k];
      const double irms = rms_of(ch);
      if (!(irms >= c.min_on_current[k]) || irms == 0) {
        for (auto* vec : {&r.irms, &r.p, &r.q, &r.s, &r.n, &r.pf, &r.dpf}) vec->push_back(0);
        r.angle.push_back(NAN);
        r.thd.push_back(NAN);
        r.quadrant.push_back(0);
        continue;
      }
      double p = vi[ch];
      if (dc_of(ch) || dc_of(vp)) p -= mean[ch] * mean[vp];
      const std::complex<double> sv = ph[vp] * std::conj(ph[ch]);
      const double s = r.vrms[vp] * irms;
      r.irms.push_back(irms);
      r.p.push_back(p);
      r.q.push_back(sv.imag());
      r.s.push_back(s);
      r.n.push_back(std::sqrt(std::max(s * s - p * p, 0.0)));
      r.pf.push_back(s > 0 ? p / s : 0);
      r.dpf.push_back(sv.real() / (std::abs(ph[vp]) * std::abs(ph[ch])));
      const size_t aref = c.angle_reference == AngleReference::kV1 ? 0 : vp;
      r.angle.push_back(deg(ph[ch] / ph[aref]));
      r.thd.push_back(thd_of(ch));
      r.quadrant.push_back(p >= 0 ? (sv.imag() >= 0 ? 1 : 4) : (sv.imag() >= 0 ? 2 : 3));
    }
    out.push_back(r);
    ++done;
    if (cycles > 0) dc = mean[0];
    after_incomplete = cycles == 0;
    if (flags & kFlagNoVoltage) step = 2 * pi * c.nominal_hz / fs;
    start = at;
    count = 0;
  }
  return out;
}

}  // namespace meterdsp::test

#endif  // METERDSP_TESTS_REFERENCE_METER_H_
