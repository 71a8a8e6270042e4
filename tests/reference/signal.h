// Closed-form test signals (double precision, test code only).
#ifndef METERDSP_TESTS_SIGNAL_H_
#define METERDSP_TESTS_SIGNAL_H_

#include <cmath>
#include <vector>

namespace meterdsp::test {

constexpr double kPi = 3.14159265358979323846;

struct Harmonic {
  int order;
  double rms;        // absolute RMS of this component
  double phase_rad;  // phase at t = 0 of the fundamental's time base (× order applied)
};

// x(t) = dc + Σ √2·rms·sin(h·(ωt + θ0) + phase), sampled at n/fs + delay_s.
inline std::vector<double> Synth(const std::vector<Harmonic>& hs, double f_hz, double fs_hz,
                                 size_t n, double theta0 = 0.0, double dc = 0.0,
                                 double delay_s = 0.0) {
  std::vector<double> x(n);
  for (size_t k = 0; k < n; ++k) {
    const double t = static_cast<double>(k) / fs_hz + delay_s;
    double s = dc;
    for (const Harmonic& h : hs) {
      s += std::sqrt(2.0) * h.rms *
           std::sin(h.order * (2.0 * kPi * f_hz * t + theta0) + h.phase_rad);
    }
    x[k] = s;
  }
  return x;
}

// Three 230-V phases, fundamentals 120° apart (phase p at −p·120°), each with the harmonic h,
// as rows of n samples: x[p·n + t].
inline std::vector<double> ThreePhaseRows(Harmonic h, double f_hz, double fs_hz, size_t n, double theta0 = 0.0) {
  std::vector<double> x(3 * n);
  for (size_t p = 0; p < 3; ++p) {
    const auto row = Synth({{1, 230, -2.0 * kPi / 3.0 * static_cast<double>(p)}, h}, f_hz, fs_hz, n, theta0);
    for (size_t t = 0; t < n; ++t) x[p * n + t] = row[t];
  }
  return x;
}

// A sine of `rms` lagging the voltage reference by phi_deg (load convention).
inline std::vector<double> Sine(double rms, double phi_deg, double f_hz, double fs_hz, size_t n,
                                double theta0 = 0.0, double dc = 0.0, double delay_s = 0.0) {
  return Synth({{1, rms, -phi_deg * kPi / 180.0}}, f_hz, fs_hz, n, theta0, dc, delay_s);
}

}  // namespace meterdsp::test

#endif  // METERDSP_TESTS_SIGNAL_H_
