// Calibration fit: closed-form points, bad input, and a meter calibrated against a reference.
#include "meterdsp/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "reference/signal.h"
#include "test_util.h"

namespace meterdsp::test {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A point of a channel that reads `ratio` × the reference and leads it by 360·f·delay_s.
CalibrationPoint Point(double f, double ref_rms, double ratio, double ref_deg, double delay_s) {
  CalibrationPoint p;
  p.frequency_hz = f;
  p.reference_rms = ref_rms;
  p.measured_rms = ref_rms * ratio;
  p.reference_angle_deg = ref_deg;
  double m = ref_deg + 360.0 * f * delay_s;
  if (m > 180) m -= 360;
  p.measured_angle_deg = m;
  return p;
}

TEST(CalibrationTest, FitRecoversGainAndDelayExactly) {
  const double ratio = 1.02, delay_s = 35e-6;
  // Frequencies across the tracking range; angles on both sides of ±180° (wrapped errors).
  const std::vector<CalibrationPoint> pts = {Point(50, 5, ratio, -60, delay_s), Point(45, 0.5, ratio, 0, delay_s),
                                             Point(65, 20, ratio, 179.5, delay_s), Point(50, 1, ratio, -179.9, delay_s)};
  CalibrationFit f;
  ASSERT_EQ(FitCalibration(pts.data(), pts.size(), &f), Status::kOk);
  EXPECT_NEAR(f.gain_factor, 1 / ratio, 1e-14);
  EXPECT_NEAR(f.delay_us, 35.0, 1e-9);
  EXPECT_EQ(f.points, 4u);
  EXPECT_EQ(f.angle_points, 4u);
  EXPECT_NEAR(f.max_rms_error_pct_before, 2.0, 1e-9);
  EXPECT_NEAR(f.max_angle_error_deg_before, 360 * 65 * delay_s, 1e-9);
  EXPECT_LT(f.max_rms_error_pct, 1e-12);
  EXPECT_LT(f.max_angle_error_deg, 1e-9);
}

TEST(CalibrationTest, FitIsTheLeastSquaresOneAndShowsWhatItCannotFollow) {
  // A CT whose ratio error grows towards low current and whose phase error is an angle, not a
  // delay: one gain and one delay leave residuals, and the fit is the least-squares one.
  std::vector<CalibrationPoint> pts;
  const double currents[] = {0.05, 0.5, 5, 50};
  const double ratio[] = {0.985, 0.995, 0.999, 1.0};
  const double lead_deg[] = {0.9, 0.5, 0.3, 0.3};
  for (double f : {45.0, 50.0, 55.0}) {
    for (int k = 0; k < 4; ++k) pts.push_back(Point(f, currents[k], ratio[k], -30, lead_deg[k] / (360 * f)));
  }
  CalibrationFit f;
  ASSERT_EQ(FitCalibration(pts.data(), pts.size(), &f), Status::kOk);
  auto cost = [&](double g, double tau) {
    double c = 0;
    for (const auto& p : pts) {
      const double e_rms = g * p.measured_rms / p.reference_rms - 1;
      const double e_deg = p.measured_angle_deg - p.reference_angle_deg - 360 * p.frequency_hz * tau;
      c += e_rms * e_rms + e_deg * e_deg;  // the two sums are minimised separately
    }
    return c;
  };
  const double c0 = cost(f.gain_factor, f.delay_us * 1e-6);
  for (double dg : {-1e-4, 1e-4}) EXPECT_GT(cost(f.gain_factor + dg, f.delay_us * 1e-6), c0);
  for (double dt : {-1e-7, 1e-7}) EXPECT_GT(cost(f.gain_factor, f.delay_us * 1e-6 + dt), c0);
  EXPECT_GT(f.max_rms_error_pct, 0.5);  // 0.05 A stays about 1 % off whatever the gain
  EXPECT_LT(f.max_rms_error_pct, f.max_rms_error_pct_before);
  EXPECT_GT(f.max_angle_error_deg, 0.2);
  EXPECT_LT(f.max_angle_error_deg, f.max_angle_error_deg_before);
}

TEST(CalibrationTest, PointsWithoutAnglesFitTheGainOnly) {
  CalibrationPoint p[2];
  p[0].frequency_hz = p[1].frequency_hz = 60;
  p[0].measured_rms = 231;
  p[0].reference_rms = 230;
  p[1].measured_rms = 121;
  p[1].reference_rms = 120;
  CalibrationFit f;
  ASSERT_EQ(FitCalibration(p, 2, &f), Status::kOk);
  const double u0 = 231.0 / 230, u1 = 121.0 / 120;
  EXPECT_DOUBLE_EQ(f.gain_factor, (u0 + u1) / (u0 * u0 + u1 * u1));
  EXPECT_EQ(f.delay_us, 0);
  EXPECT_EQ(f.angle_points, 0u);
  EXPECT_EQ(f.max_angle_error_deg, 0);
}

TEST(CalibrationTest, BadPointsAreRejectedAndTheFitLeftAlone) {
  const CalibrationPoint good = Point(50, 5, 1.01, -60, 1e-5);
  CalibrationFit f;
  f.gain_factor = 7;  // a sentinel: no failed call may write
  EXPECT_EQ(FitCalibration(nullptr, 1, &f), Status::kNullPointer);
  EXPECT_EQ(FitCalibration(&good, 1, nullptr), Status::kNullPointer);
  EXPECT_EQ(FitCalibration(&good, 0, &f), Status::kBadBlock);
  std::vector<CalibrationPoint> many(kMaxCalibrationPoints + 1, good);
  EXPECT_EQ(FitCalibration(many.data(), many.size(), &f), Status::kBadBlock);
  auto bad = [&](auto mutate) {
    CalibrationPoint p[2] = {good, good};
    mutate(p[1]);
    return FitCalibration(p, 2, &f);
  };
  EXPECT_EQ(bad([](CalibrationPoint& p) { p.frequency_hz = 0; }), Status::kBadCalibration);
  EXPECT_EQ(bad([](CalibrationPoint& p) { p.frequency_hz = kNaN; }), Status::kBadCalibration);
  EXPECT_EQ(bad([](CalibrationPoint& p) { p.measured_rms = 0; }), Status::kBadCalibration);
  EXPECT_EQ(bad([](CalibrationPoint& p) { p.reference_rms = -5; }), Status::kBadCalibration);
  EXPECT_EQ(bad([](CalibrationPoint& p) { p.reference_rms = INFINITY; }), Status::kBadCalibration);
  EXPECT_EQ(bad([](CalibrationPoint& p) { p.measured_angle_deg = kNaN; }), Status::kBadCalibration);
  EXPECT_EQ(bad([](CalibrationPoint& p) { p.reference_angle_deg = kNaN; }), Status::kBadCalibration);
  EXPECT_EQ(bad([](CalibrationPoint& p) { p.measured_angle_deg = INFINITY; }), Status::kBadCalibration);
  EXPECT_EQ(f.gain_factor, 7);
  std::vector<CalibrationPoint> most(kMaxCalibrationPoints, good);
  EXPECT_EQ(FitCalibration(most.data(), most.size(), &f), Status::kOk);
}

TEST(CalibrationTest, ApplyFoldsTheFitIntoGainAndPhaseWithinTheLimit) {
  ChannelCalibration c;
  c.gain = 0.01;
  c.offset = 3;
  c.skew_us = 100;
  c.phase_deg = 0.5;
  CalibrationFit f;
  f.gain_factor = 0.98;
  f.delay_us = 20;
  ChannelCalibration d = c;
  ASSERT_EQ(ApplyCalibrationFit(f, 2560, 50, &d), Status::kOk);
  EXPECT_DOUBLE_EQ(d.gain, 0.0098);
  EXPECT_DOUBLE_EQ(d.phase_deg, 0.5 + 360 * 50 * 20e-6);  // +0.36° at 50 Hz
  EXPECT_EQ(d.skew_us, 100);
  EXPECT_EQ(d.offset, 3);
  // The delay the engine applies grows by exactly the fitted one.
  EXPECT_NEAR(CorrectionSamples(d, 2560, 50) - CorrectionSamples(c, 2560, 50), 20e-6 * 2560, 1e-12);
  // Beyond ±2 samples in all (100 µs skew is 0.256 samples; 700 µs more is 2.05 in all): refused.
  f.delay_us = 700;
  d = c;
  EXPECT_EQ(ApplyCalibrationFit(f, 2560, 50, &d), Status::kBadCalibration);
  EXPECT_EQ(d.gain, c.gain);
  EXPECT_EQ(d.phase_deg, c.phase_deg);
  f.delay_us = 0;
  f.gain_factor = 0;
  EXPECT_EQ(ApplyCalibrationFit(f, 2560, 50, &d), Status::kBadCalibration);
  f.gain_factor = 1;
  EXPECT_EQ(ApplyCalibrationFit(f, 0, 50, &d), Status::kBadSampleRate);
  EXPECT_EQ(ApplyCalibrationFit(f, 2560, 55, &d), Status::kBadNominalFrequency);
  EXPECT_EQ(ApplyCalibrationFit(f, 2560, 50, nullptr), Status::kNullPointer);
  EXPECT_EQ(d.gain, c.gain);
}

// A meter whose sensors are off — V1 reads 0.7 % low, I1 1.5 % high and its CT leads by 0.8°
// (as a delay at 50 Hz), I2 is sampled 120 µs late by a multiplexed ADC — measures a calibrator's
// test points at 50 and 55 Hz; fitted against the calibrator's settings, it reads them right.
struct Sensors {
  double v_ratio = 0.993, i_ratio[2] = {1.015, 1.0};
  double i_delay_s[2] = {0.8 / 360 / 50, 120e-6};
};

struct Reading {
  double vrms = 0, irms[2] = {}, angle[2] = {}, p[2] = {}, f = 0;
};

Reading Read(const WindowConfig& c, const Sensors& s, double f, double irms, double phi_deg) {
  const size_t n = static_cast<size_t>(3 * c.fs_hz);
  Rows rows = {Sine(230 * s.v_ratio, 0, f, c.fs_hz, n, 0.4)};
  for (int k = 0; k < 2; ++k) {
    rows.push_back(Sine(irms * s.i_ratio[k], phi_deg, f, c.fs_hz, n, 0.4, 0.0, s.i_delay_s[k]));
  }
  Reading r;
  size_t seen = 0;
  for (const WindowResult& w : RunPlanar(c, rows)) {
    if (!Steady(w)) continue;
    r.vrms += w.vrms[0];
    r.f += w.frequency_hz;
    for (int k = 0; k < 2; ++k) {
      r.irms[k] += w.irms[k];
      r.angle[k] += w.angle_deg[k];
      r.p[k] += w.p[k];
    }
    ++seen;
  }
  EXPECT_GT(seen, 8u);
  const double inv = 1.0 / static_cast<double>(seen);
  r.vrms *= inv;
  r.f *= inv;
  for (int k = 0; k < 2; ++k) {
    r.irms[k] *= inv;
    r.angle[k] *= inv;
    r.p[k] *= inv;
  }
  return r;
}

TEST(CalibrationTest, AMeterFittedToTheReferenceReadsIt) {
  WindowConfig c;
  c.fs_hz = 2560;
  c.voltages = 1;
  c.currents = 2;
  c.phase[0] = c.phase[1] = 0;
  const Sensors sensors;
  struct TestPoint { double f, irms, phi; };
  const TestPoint tps[] = {{50, 5, 0}, {50, 5, 60}, {50, 0.5, 60}, {55, 5, -37}};
  std::vector<CalibrationPoint> v_pts, i_pts[2];
  for (const TestPoint& tp : tps) {
    const Reading r = Read(c, sensors, tp.f, tp.irms, tp.phi);
    CalibrationPoint v;
    v.frequency_hz = r.f;
    v.measured_rms = r.vrms;
    v.reference_rms = 230;
    v_pts.push_back(v);
    for (int k = 0; k < 2; ++k) {
      CalibrationPoint p;
      p.frequency_hz = r.f;
      p.measured_rms = r.irms[k];
      p.reference_rms = tp.irms;
      p.measured_angle_deg = r.angle[k];
      p.reference_angle_deg = -tp.phi;
      i_pts[k].push_back(p);
    }
  }
  CalibrationFit fv, fi[2];
  ASSERT_EQ(FitCalibration(v_pts.data(), v_pts.size(), &fv), Status::kOk);
  EXPECT_NEAR(fv.max_rms_error_pct_before, 0.7, 0.01);
  ASSERT_EQ(ApplyCalibrationFit(fv, c.fs_hz, c.nominal_hz, &c.voltage_cal[0]), Status::kOk);
  for (int k = 0; k < 2; ++k) {
    ASSERT_EQ(FitCalibration(i_pts[k].data(), i_pts[k].size(), &fi[k]), Status::kOk);
    EXPECT_NEAR(fi[k].delay_us, sensors.i_delay_s[k] * 1e6, 0.05) << k;
    EXPECT_GT(fi[k].max_angle_error_deg_before, 0.7) << k;  // 0.8° and 2.4° off before
    EXPECT_LT(fi[k].max_rms_error_pct, 0.002) << k;
    EXPECT_LT(fi[k].max_angle_error_deg, 0.002) << k;
    ASSERT_EQ(ApplyCalibrationFit(fi[k], c.fs_hz, c.nominal_hz, &c.current_cal[k]), Status::kOk);
  }
  // Calibrated: every test point, and one the fit never saw (45 Hz, 2 A, 25.8° capacitive).
  const TestPoint check[] = {{50, 5, 60}, {55, 5, -37}, {45, 2, -25.8}};
  for (const TestPoint& tp : check) {
    const Reading r = Read(c, sensors, tp.f, tp.irms, tp.phi);
    EXPECT_NEAR(r.vrms, 230, 230 * 2e-5) << tp.f;
    for (int k = 0; k < 2; ++k) {
      EXPECT_NEAR(r.irms[k], tp.irms, tp.irms * 2e-5) << k << " " << tp.f;
      EXPECT_NEAR(r.angle[k], -tp.phi, 0.002) << k << " " << tp.f;
      const double p = 230 * tp.irms * std::cos(tp.phi * kPi / 180);
      EXPECT_NEAR(r.p[k], p, 230 * tp.irms * 5e-5) << k << " " << tp.f;
    }
  }
}

}  // namespace
}  // namespace meterdsp::test
