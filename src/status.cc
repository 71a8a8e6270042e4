#include "meterdsp/status.h"

namespace meterdsp {

const char* ToString(Status status) noexcept {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kNullPointer: return "a required pointer is null";
    case Status::kBadSampleRate: return "sample rate must be in [500, 1e6] Hz";
    case Status::kBadNominalFrequency: return "nominal frequency must be 50 or 60 Hz";
    case Status::kBadChannelCount:
      return "channel count out of range (voltages 1..3, currents 0..92)";
    case Status::kBadPhaseAssignment:
      return "a current channel is assigned to a voltage index that does not exist";
    case Status::kBadCalibration:
      return "calibration out of range (gain/offset must be finite, gain non-zero, "
             "|skew + phase| within 2 samples; a current table's amps ascending and > 0, gains in "
             "[0.5, 2], phases within 10 degrees)";
    case Status::kBadThreshold:
      return "a setting is out of range or not finite (thresholds, event limits or delays, demand "
             "sub-interval length or count, wall clock, energy preset or register, circuit assignment)";
    case Status::kBadBlock: return "block shape, stride or frame count is inconsistent";
    case Status::kNonFiniteInput: return "input contains NaN or infinite samples (or float64 values beyond the float32 range)";
    case Status::kOutputTooSmall:
      return "output capacity is smaller than the windows this block may complete";
    case Status::kNotInitialized: return "state not initialised (call Init first)";
    case Status::kIllegalAddress: return "illegal register address (unknown or read-only)";
    case Status::kIllegalValue: return "illegal register value (out of range)";
    case Status::kBadHarmonicOrder: return "harmonic order out of range (1..50)";
    case Status::kBadSnapshot:
      return "snapshot rejected: truncated, corrupted, from another version or build, or holding an invalid state";
  }
  return "unknown status";
}

}  // namespace meterdsp
