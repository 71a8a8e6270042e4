// Calibration fit: closed-form points, bad input, and a meter calibrated against a reference.
#include "meterdsp/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
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

// The mean of a run's steady windows: V1, frequency, and the first (up to) two currents.
struct Reading {
  double vrms = 0, irms[2] = {}, angle[2] = {}, p[2] = {}, f = 0;
  size_t windows = 0;
};

Reading SteadyMean(const WindowConfig& c, const Rows& rows) {
  const size_t nc = c.currents < 2 ? c.currents : 2;
  Reading r;
  for (const WindowResult& w : RunPlanar(c, rows)) {
    if (!Steady(w)) continue;
    r.vrms += w.vrms[0];
    r.f += w.frequency_hz;
    for (size_t k = 0; k < nc; ++k) {
      r.irms[k] += w.irms[k];
      r.angle[k] += w.angle_deg[k];
      r.p[k] += w.p[k];
    }
    ++r.windows;
  }
  const double inv = r.windows > 0 ? 1.0 / static_cast<double>(r.windows) : 0.0;
  r.vrms *= inv;
  r.f *= inv;
  for (size_t k = 0; k < nc; ++k) {
    r.irms[k] *= inv;
    r.angle[k] *= inv;
    r.p[k] *= inv;
  }
  return r;
}

Reading Read(const WindowConfig& c, const Sensors& s, double f, double irms, double phi_deg) {
  const size_t n = static_cast<size_t>(3 * c.fs_hz);
  Rows rows = {Sine(230 * s.v_ratio, 0, f, c.fs_hz, n, 0.4)};
  for (int k = 0; k < 2; ++k) {
    rows.push_back(Sine(irms * s.i_ratio[k], phi_deg, f, c.fs_hz, n, 0.4, 0.0, s.i_delay_s[k]));
  }
  const Reading r = SteadyMean(c, rows);
  EXPECT_GT(r.windows, 8u);
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

TEST(CalibrationTest, RandomSensorsAreRecoveredFromTwoPoints) {
  // Ratio errors of ±3 % and delays of ±300 µs (V and I each), 45–65 Hz, random start phase:
  // two points (PF 1 and 0.5 inductive) recover the current's gain and its delay against V.
  std::mt19937 rng(62053);
  std::uniform_real_distribution<double> ratio(0.97, 1.03), delay(-300e-6, 300e-6), freq(45, 65),
      theta(0, 2 * kPi);
  WindowConfig c;
  c.fs_hz = 2560;
  c.voltages = 1;
  c.currents = 1;
  for (int trial = 0; trial < 20; ++trial) {
    const double rv = ratio(rng), ri = ratio(rng), dv = delay(rng), di = delay(rng), f = freq(rng);
    const double th = theta(rng);
    const size_t n = static_cast<size_t>(1.5 * c.fs_hz);
    std::vector<CalibrationPoint> pts;
    for (double phi : {0.0, 60.0}) {
      Rows rows = {Sine(230 * rv, 0, f, c.fs_hz, n, th, 0.0, dv), Sine(5 * ri, phi, f, c.fs_hz, n, th, 0.0, di)};
      const Reading m = SteadyMean(c, rows);
      ASSERT_GT(m.windows, 3u) << trial;
      pts.push_back(CalibrationPoint{m.f, m.irms[0], 5.0, m.angle[0], -phi});
    }
    CalibrationFit fit;
    ASSERT_EQ(FitCalibration(pts.data(), pts.size(), &fit), Status::kOk);
    EXPECT_NEAR(fit.gain_factor * ri, 1.0, 2e-5) << trial;
    EXPECT_NEAR(fit.delay_us, (di - dv) * 1e6, 0.1) << trial << " f=" << f;
    EXPECT_LT(fit.max_angle_error_deg, 1e-3) << trial;
  }
}

// A CT whose ratio and phase errors change with current, piecewise linear in log(current)
// between these currents (held beyond them).
struct CurrentDependentCt {
  double amps[5] = {0.05, 0.25, 1.0, 5.0, 10.0};
  double ratio[5] = {1.012, 1.006, 1.002, 1.0, 0.999};
  double lead_deg[5] = {0.9, 0.6, 0.4, 0.3, 0.3};
  void At(double a, double* r, double* d) const {
    if (a <= amps[0]) { *r = ratio[0]; *d = lead_deg[0]; return; }
    if (a >= amps[4]) { *r = ratio[4]; *d = lead_deg[4]; return; }
    int j = 0;
    while (a >= amps[j + 1]) ++j;
    const double u = std::log(a / amps[j]) / std::log(amps[j + 1] / amps[j]);
    *r = ratio[j] + u * (ratio[j + 1] - ratio[j]);
    *d = lead_deg[j] + u * (lead_deg[j + 1] - lead_deg[j]);
  }
};

struct OnePoint {
  double irms, angle, p, f;
};

OnePoint ReadCt(const WindowConfig& c, const CurrentDependentCt& ct, double amps, double phi_deg) {
  double r = 1, d = 0;
  ct.At(amps, &r, &d);
  const size_t n = static_cast<size_t>(2 * c.fs_hz);
  // The CT's phase error is an angle (the same at every frequency), its output leading.
  Rows rows = {Sine(230, 0, 50, c.fs_hz, n, 0.4), Sine(amps * r, phi_deg - d, 50, c.fs_hz, n, 0.4)};
  const Reading m = SteadyMean(c, rows);
  EXPECT_GT(m.windows, 5u);
  return OnePoint{m.irms[0], m.angle[0], m.p[0], m.f};
}

TEST(CalibrationTest, CurrentTableFollowsACtAcrossItsRange) {
  WindowConfig c;
  c.fs_hz = 2560;
  c.voltages = 1;
  c.currents = 1;
  c.min_on_current[0] = 0.01;
  const CurrentDependentCt ct;
  std::vector<CalibrationPoint> pts;
  for (double amps : ct.amps) {
    for (double phi : {0.0, 60.0}) {
      const OnePoint o = ReadCt(c, ct, amps, phi);
      pts.push_back(CalibrationPoint{o.f, o.irms, amps, o.angle, -phi});
    }
  }
  CalibrationFit base;
  ASSERT_EQ(FitCalibration(pts.data(), pts.size(), &base), Status::kOk);
  EXPECT_GT(base.max_rms_error_pct, 0.5);  // one gain cannot follow 1.2 % … −0.1 %
  CurrentTable table;
  TableFit left;
  ASSERT_EQ(FitCurrentTable(pts.data(), pts.size(), base, &table, &left), Status::kOk);
  EXPECT_EQ(left.levels, 5u);
  EXPECT_EQ(table.points, 5u);
  EXPECT_LT(left.max_rms_error_pct, 1e-4);
  EXPECT_LT(left.max_angle_error_deg, 1e-4);

  WindowConfig only_base = c;
  ASSERT_EQ(ApplyCalibrationFit(base, c.fs_hz, c.nominal_hz, &only_base.current_cal[0]), Status::kOk);
  WindowConfig with_table = only_base;
  with_table.current_table[0] = table;
  // The test currents and between them; IEC 62053-22 runs 1 % … 120 % of 5 A.
  for (double amps : {0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 6.0}) {
    const double p_true = 230 * amps * 0.5;
    const OnePoint t = ReadCt(with_table, ct, amps, 60);
    EXPECT_NEAR(t.irms / amps, 1, 5e-5) << amps;
    EXPECT_NEAR(t.angle, -60, 0.003) << amps;
    EXPECT_NEAR(t.p / p_true, 1, 1e-4) << amps;
    if (amps == 0.05) {
      const OnePoint b = ReadCt(only_base, ct, amps, 60);
      EXPECT_GT(std::fabs(b.irms / amps - 1), 0.005);    // base fit alone: 0.05 A over 0.5 % off
      EXPECT_GT(std::fabs(b.p / p_true - 1), 0.01);      // and P at PF 0.5 over 1 %
    }
  }
  // A wrong table is refused at Init.
  WindowEngine* m = new WindowEngine;
  for (auto spoil : {+[](CurrentTable& t) { t.amps[2] = t.amps[1]; }, +[](CurrentTable& t) { t.gain[0] = 3; },
                     +[](CurrentTable& t) { t.phase_deg[4] = 11; }, +[](CurrentTable& t) { t.points = 7; },
                     +[](CurrentTable& t) { t.amps[0] = -1; }}) {
    WindowConfig bad = with_table;
    spoil(bad.current_table[0]);
    EXPECT_EQ(Init(bad, *m), Status::kBadCalibration);
  }
  EXPECT_EQ(Init(with_table, *m), Status::kOk);
  delete m;
}

TEST(CalibrationTest, TableInterpolatesInLogCurrentAndHoldsItsEnds) {
  CurrentTable t;
  t.points = 3;
  const float amps[3] = {0.1f, 1.0f, 10.0f}, gain[3] = {1.02f, 1.0f, 0.99f}, deg[3] = {1.0f, 0.5f, 0.5f};
  for (int j = 0; j < 3; ++j) {
    t.amps[j] = amps[j];
    t.gain[j] = gain[j];
    t.phase_deg[j] = deg[j];
  }
  double g = 0, d = 0;
  CurrentTableAt(t, std::sqrt(0.1), &g, &d);  // halfway in log between 0.1 and 1
  EXPECT_NEAR(g, 1.01, 1e-6);
  EXPECT_NEAR(d, 0.75, 1e-6);
  CurrentTableAt(t, 0.01, &g, &d);
  EXPECT_EQ(g, double{gain[0]});
  CurrentTableAt(t, 50, &g, &d);
  EXPECT_EQ(g, double{gain[2]});
  CurrentTableAt(t, 1.0, &g, &d);
  EXPECT_EQ(g, double{gain[1]});
}

TEST(CalibrationTest, TableFitGroupsLevelsAndRefusesTooMany) {
  // Points at 1.00 A and 1.04 A are one level; eight distinct levels are too many.
  std::vector<CalibrationPoint> pts = {Point(50, 1.0, 1.01, 0, 0), Point(50, 1.04, 1.01, -60, 0),
                                       Point(50, 5.0, 1.0, 0, 0)};
  CalibrationFit base;
  ASSERT_EQ(FitCalibration(pts.data(), pts.size(), &base), Status::kOk);
  CurrentTable t;
  TableFit a;
  ASSERT_EQ(FitCurrentTable(pts.data(), pts.size(), base, &t, &a), Status::kOk);
  EXPECT_EQ(t.points, 2u);
  EXPECT_NEAR(t.gain[0] * base.gain_factor, 1 / 1.01, 1e-6);
  EXPECT_NEAR(t.gain[1] * base.gain_factor, 1.0, 1e-6);
  std::vector<CalibrationPoint> many;
  for (int k = 0; k < 8; ++k) many.push_back(Point(50, std::pow(2.0, k), 1.0, 0, 0));
  t.points = 0;
  EXPECT_EQ(FitCurrentTable(many.data(), many.size(), base, &t, &a), Status::kBadBlock);
  EXPECT_EQ(t.points, 0u);
  many.resize(6);
  EXPECT_EQ(FitCurrentTable(many.data(), many.size(), base, &t, &a), Status::kOk);
  EXPECT_EQ(t.points, 6u);
  EXPECT_EQ(FitCurrentTable(nullptr, 1, base, &t, &a), Status::kNullPointer);
}

}  // namespace
}  // namespace meterdsp::test
