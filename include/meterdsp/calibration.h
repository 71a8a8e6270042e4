// meterdsp/calibration.h — fitting a channel's calibration to a reference standard.
//
// What: the set-up step before stage 1 of the data flow. A meter reads a test signal (a
// calibrator's output, or a load measured by a reference meter) with the calibration it has;
// the reference standard reads the same signal. From one or more such points per channel,
// FitCalibration finds the factor on the channel's gain and the extra delay (its phase
// correction) that bring the meter's readings onto the reference's in the least-squares sense,
// and says how far the points stay off after the fit (one gain and one delay cannot follow a
// sensor whose ratio error changes with current: the residuals show it). ApplyCalibrationFit
// folds a fit into the channel's ChannelCalibration.
//
// Points: the channel's RMS as the meter read it and as the reference read it, at the test
// signal's frequency; optionally the channel's angle as both read it — for a current, its
// angle against its own phase voltage (the meter's sign: positive when the current leads, an
// inductive load at cos φ = 0.5 reads −60°); for voltage V2 or V3, its angle against V1.
// A point without angles (both NaN) fits the gain only.
//
// The delay is fitted, not a constant angle: the engine corrects skew and phase as a time
// delay (docs/measurement.md), so points at several frequencies fit one delay. With points at
// one frequency it is their mean angle error, exactly.
//
// Every function here never allocates or throws.
#ifndef METERDSP_CALIBRATION_H_
#define METERDSP_CALIBRATION_H_

#include <stddef.h>

#include <limits>

#include "meterdsp/frontend.h"
#include "meterdsp/status.h"
#include "meterdsp/window.h"

namespace meterdsp {

// Most points FitCalibration takes per channel (a sweep of currents × power factors × a few
// frequencies fits easily).
inline constexpr size_t kMaxCalibrationPoints = 256;

// One reading of one channel by the meter (with the calibration in use) and by the reference.
struct CalibrationPoint {
  double frequency_hz = 0.0;   // the test signal's frequency, > 0 (the meter's reading will do)
  double measured_rms = 0.0;   // > 0, volts or amperes
  double reference_rms = 0.0;  // > 0, the same unit
  // Angle against the reference channel (see the file comment), degrees; both NaN, or both
  // finite.
  double measured_angle_deg = std::numeric_limits<double>::quiet_NaN();
  double reference_angle_deg = std::numeric_limits<double>::quiet_NaN();
};

struct CalibrationFit {
  double gain_factor = 1.0;  // multiply ChannelCalibration::gain by this
  // Delay to add to the channel's correction, µs (positive: the meter read the channel leading
  // the reference, so its samples are to be taken later). 0 when no point had angles.
  double delay_us = 0.0;
  size_t points = 0;         // points fitted
  size_t angle_points = 0;   // of which with angles
  // After the fit (the readings as the fitted calibration would give them, to first order):
  // the worst point's |RMS error|, percent of the reference, and |angle error|, degrees
  // (0 without angle points).
  double max_rms_error_pct = 0.0;
  double max_angle_error_deg = 0.0;
  // The same before the fit: what the calibration in use gets wrong.
  double max_rms_error_pct_before = 0.0;
  double max_angle_error_deg_before = 0.0;
};

// Fits gain and delay to `count` points of one channel: gain_factor minimises the squared
// relative RMS errors, delay_us the squared angle errors (angle errors are wrapped into
// (−180°, 180°]).
// Preconditions: none beyond the pointers; inputs are checked.
// Returns kNullPointer (points or fit null), kBadBlock (count 0 or > kMaxCalibrationPoints),
// kBadCalibration (a frequency or RMS not finite or ≤ 0; angles not both NaN or both finite);
// on failure *fit is unchanged.
Status FitCalibration(const CalibrationPoint* points, size_t count, CalibrationFit* fit) noexcept;

// The same with the points read through `point(context, k)`, k < count (each read twice), for
// points held in another form — the C API's structs, a table in flash — without a copy.
// Returns kNullPointer when point or fit is null, else as above.
Status FitCalibration(size_t count, CalibrationPoint (*point)(const void* context, size_t k),
                      const void* context, CalibrationFit* fit) noexcept;

// What a current table leaves: levels found, and the worst point's errors with the table
// applied on top of the base fit.
struct TableFit {
  size_t levels = 0;
  double max_rms_error_pct = 0.0;
  double max_angle_error_deg = 0.0;
};

// Fits a CurrentTable (window.h) to the points of one current channel, on top of `base` (what
// FitCalibration gave for the same points, to be applied with ApplyCalibrationFit): the points
// are sorted by current and grouped into levels (readings within 5 % of a level's lowest), and
// each level becomes a table point — its mean current as the channel reads it after the base
// fit, the gain that brings its readings onto the reference (mean over its points) and the
// angle still off after the base delay (mean over its points with angles; 0 if none has).
// Exact at a level of one point; between levels the table interpolates.
// Returns kNullPointer, kBadBlock (count 0 or > kMaxCalibrationPoints, or more than
// kMaxTablePoints levels), kBadCalibration (as FitCalibration, or a level beyond the table's
// limits: gain outside [0.5, 2], |phase| > 10°); on failure *table and *after are unchanged.
Status FitCurrentTable(const CalibrationPoint* points, size_t count, const CalibrationFit& base,
                       CurrentTable* table, TableFit* after) noexcept;
// The same with the points read through `point(context, k)` (as FitCalibration's).
Status FitCurrentTable(size_t count, CalibrationPoint (*point)(const void* context, size_t k),
                       const void* context, const CalibrationFit& base, CurrentTable* table,
                       TableFit* after) noexcept;

// Folds a fit into a channel's calibration: gain ×= gain_factor, and the delay added to the
// phase correction (phase_deg += 360 · nominal_hz · delay, the engine's phase being a delay
// equal to that angle at the nominal frequency); skew_us, offset and the rest stay.
// Returns kNullPointer, kBadSampleRate / kBadNominalFrequency (as Init checks them), or
// kBadCalibration when the new gain is not finite or 0, or skew + phase would exceed
// kMaxCorrectionSamples at fs_hz; on failure *cal is unchanged.
Status ApplyCalibrationFit(const CalibrationFit& fit, double fs_hz, double nominal_hz,
                           ChannelCalibration* cal) noexcept;

}  // namespace meterdsp

#endif  // METERDSP_CALIBRATION_H_
