// Calibration fit: least-squares gain factor and delay of one channel against a reference.
#include "meterdsp/calibration.h"

#include <algorithm>
#include <cmath>

namespace meterdsp {
namespace {

constexpr double kDegPerTurn = 360.0;

bool Positive(double x) { return std::isfinite(x) && x > 0; }

// a − b wrapped into (−180°, 180°].
double AngleDiff(double a, double b) {
  double d = std::fmod(a - b, kDegPerTurn);
  if (d <= -180.0) d += kDegPerTurn;
  if (d > 180.0) d -= kDegPerTurn;
  return d;
}

Status Check(const CalibrationPoint& p) {
  if (!Positive(p.frequency_hz) || !Positive(p.measured_rms) || !Positive(p.reference_rms)) {
    return Status::kBadCalibration;
  }
  const bool m = std::isnan(p.measured_angle_deg), r = std::isnan(p.reference_angle_deg);
  if (m != r) return Status::kBadCalibration;
  if (!m && (!std::isfinite(p.measured_angle_deg) || !std::isfinite(p.reference_angle_deg))) {
    return Status::kBadCalibration;
  }
  return Status::kOk;
}

bool HasAngles(const CalibrationPoint& p) { return !std::isnan(p.measured_angle_deg); }

CalibrationPoint ArrayPoint(const void* points, size_t k) { return static_cast<const CalibrationPoint*>(points)[k]; }

}  // namespace

Status FitCalibration(size_t count, CalibrationPoint (*point)(const void* context, size_t k),
                      const void* context, CalibrationFit* fit) noexcept {
  if (point == nullptr || fit == nullptr) return Status::kNullPointer;
  if (count == 0 || count > kMaxCalibrationPoints) return Status::kBadBlock;
  for (size_t k = 0; k < count; ++k) {
    if (Status s = Check(point(context, k)); s != Status::kOk) return s;
  }
  CalibrationFit f;
  f.points = count;
  // Gain: with u = measured / reference, the fitted reading is g·u; Σ (g·u − 1)² is least at
  // g = Σu / Σu².
  double su = 0, suu = 0;
  // Delay: a reading's angle error e = measured − reference falls by 360·f·τ when the channel
  // is delayed by τ; Σ (e − 360·f·τ)² is least at τ = Σ e·f / (360 · Σ f²).
  double sef = 0, sff = 0;
  for (size_t k = 0; k < count; ++k) {
    const CalibrationPoint p = point(context, k);
    const double u = p.measured_rms / p.reference_rms;
    su += u;
    suu += u * u;
    f.max_rms_error_pct_before = std::max(f.max_rms_error_pct_before, 100.0 * std::fabs(u - 1.0));
    if (HasAngles(p)) {
      const double e = AngleDiff(p.measured_angle_deg, p.reference_angle_deg);
      sef += e * p.frequency_hz;
      sff += p.frequency_hz * p.frequency_hz;
      f.max_angle_error_deg_before = std::max(f.max_angle_error_deg_before, std::fabs(e));
      ++f.angle_points;
    }
  }
  f.gain_factor = su / suu;
  const double delay_s = f.angle_points > 0 ? sef / (kDegPerTurn * sff) : 0.0;
  f.delay_us = delay_s * 1e6;
  for (size_t k = 0; k < count; ++k) {
    const CalibrationPoint p = point(context, k);
    const double u = p.measured_rms / p.reference_rms;
    f.max_rms_error_pct = std::max(f.max_rms_error_pct, 100.0 * std::fabs(f.gain_factor * u - 1.0));
    if (HasAngles(p)) {
      const double e = AngleDiff(p.measured_angle_deg, p.reference_angle_deg) -
                       kDegPerTurn * p.frequency_hz * delay_s;
      f.max_angle_error_deg = std::max(f.max_angle_error_deg, std::fabs(e));
    }
  }
  *fit = f;
  return Status::kOk;
}

Status FitCalibration(const CalibrationPoint* points, size_t count, CalibrationFit* fit) noexcept {
  if (points == nullptr) return Status::kNullPointer;
  return FitCalibration(count, ArrayPoint, points, fit);
}

Status FitCurrentTable(size_t count, CalibrationPoint (*point)(const void* context, size_t k),
                       const void* context, const CalibrationFit& base, CurrentTable* table,
                       TableFit* after) noexcept {
  if (point == nullptr || table == nullptr || after == nullptr) return Status::kNullPointer;
  if (count == 0 || count > kMaxCalibrationPoints) return Status::kBadBlock;
  if (!std::isfinite(base.gain_factor) || !(base.gain_factor > 0) || !std::isfinite(base.delay_us)) {
    return Status::kBadCalibration;
  }
  for (size_t k = 0; k < count; ++k) {
    if (Status s = Check(point(context, k)); s != Status::kOk) return s;
  }
  // Per point after the base fit: the reading, the gain still needed, the angle still off.
  const double delay_s = base.delay_us * 1e-6;
  auto reading = [&](size_t k) { return base.gain_factor * point(context, k).measured_rms; };
  auto angle_left = [&](size_t k) {
    const CalibrationPoint p = point(context, k);
    return AngleDiff(p.measured_angle_deg, p.reference_angle_deg) - kDegPerTurn * p.frequency_hz * delay_s;
  };
  uint16_t order[kMaxCalibrationPoints];  // insertion sort by reading
  for (size_t k = 0; k < count; ++k) {
    size_t j = k;
    for (; j > 0 && reading(order[j - 1]) > reading(k); --j) order[j] = order[j - 1];
    order[j] = static_cast<uint16_t>(k);
  }
  CurrentTable t;
  for (size_t first = 0; first < count;) {
    size_t end = first + 1;
    while (end < count && reading(order[end]) <= 1.05 * reading(order[first])) ++end;
    if (t.points == kMaxTablePoints) return Status::kBadBlock;
    double amps = 0, gain = 0, deg = 0;
    size_t angles = 0;
    for (size_t j = first; j < end; ++j) {
      const size_t k = order[j];
      amps += reading(k);
      const CalibrationPoint p = point(context, k);
      gain += p.reference_rms / reading(k);
      if (HasAngles(p)) {
        deg += angle_left(k);
        ++angles;
      }
    }
    const double n = static_cast<double>(end - first);
    t.amps[t.points] = static_cast<float>(amps / n);
    t.gain[t.points] = static_cast<float>(gain / n);
    t.phase_deg[t.points] = static_cast<float>(angles > 0 ? deg / static_cast<double>(angles) : 0.0);
    if (!(t.gain[t.points] >= 0.5f && t.gain[t.points] <= 2.0f) || !(std::fabs(t.phase_deg[t.points]) <= 10.0f) ||
        (t.points > 0 && !(t.amps[t.points] > t.amps[t.points - 1]))) {
      return Status::kBadCalibration;
    }
    ++t.points;
    first = end;
  }
  TableFit a;
  a.levels = t.points;
  for (size_t k = 0; k < count; ++k) {
    double g = 1.0, deg = 0.0;
    CurrentTableAt(t, reading(k), &g, &deg);
    const CalibrationPoint p = point(context, k);
    a.max_rms_error_pct = std::max(a.max_rms_error_pct, 100.0 * std::fabs(g * reading(k) / p.reference_rms - 1.0));
    if (HasAngles(p)) a.max_angle_error_deg = std::max(a.max_angle_error_deg, std::fabs(angle_left(k) - deg));
  }
  *table = t;
  *after = a;
  return Status::kOk;
}

Status FitCurrentTable(const CalibrationPoint* points, size_t count, const CalibrationFit& base,
                       CurrentTable* table, TableFit* after) noexcept {
  if (points == nullptr) return Status::kNullPointer;
  return FitCurrentTable(count, ArrayPoint, points, base, table, after);
}

Status ApplyCalibrationFit(const CalibrationFit& fit, double fs_hz, double nominal_hz,
                           ChannelCalibration* cal) noexcept {
  if (cal == nullptr) return Status::kNullPointer;
  if (!ValidSampleRate(fs_hz)) return Status::kBadSampleRate;
  if (nominal_hz != 50.0 && nominal_hz != 60.0) return Status::kBadNominalFrequency;
  ChannelCalibration next = *cal;
  next.gain = cal->gain * fit.gain_factor;
  next.phase_deg = cal->phase_deg + kDegPerTurn * nominal_hz * fit.delay_us * 1e-6;
  if (!std::isfinite(next.gain) || next.gain == 0 || !std::isfinite(next.phase_deg) ||
      !(std::fabs(CorrectionSamples(next, fs_hz, nominal_hz)) <= kMaxCorrectionSamples)) {
    return Status::kBadCalibration;
  }
  *cal = next;
  return Status::kOk;
}

}  // namespace meterdsp
