// meterdsp/status.h — result codes of every meterdsp call.
// Never allocates or throws.
#ifndef METERDSP_STATUS_H_
#define METERDSP_STATUS_H_

namespace meterdsp {

// Every fallible function returns a Status; on anything but kOk the call has
// changed nothing (state, outputs beyond the count written) and can be retried.
enum class [[nodiscard]] Status : int {
  kOk = 0,
  kNullPointer,         // a required pointer is null
  kBadSampleRate,       // fs must be in [kMinSampleRateHz, kMaxSampleRateHz] = [500 Hz, 1 MHz]
  kBadNominalFrequency, // nominal frequency must be 50 or 60 Hz
  kBadChannelCount,     // voltages 1..kMaxVoltages, currents 0..kMaxCurrents
  kBadPhaseAssignment,  // a current's voltage index is not < voltages
  kBadCalibration,      // gain/offset not finite, gain 0, skew+phase beyond ±2 samples, or a bad current table
  kBadThreshold,        // a setting out of range or not finite: min ON current / min voltage,
                        // event limits and delays, demand sub-intervals, wall clock, energy
                        // presets and register indices, circuit assignments
  kBadBlock,            // a block's shape, stride or frame count is inconsistent
  kNonFiniteInput,      // a sample is NaN or ±Inf (or, float64, beyond the float32 range)
  kOutputTooSmall,      // the result array cannot hold every window the block may complete
  kNotInitialized,      // the state was not initialised by Init
  kBadSnapshot,         // snapshot blob truncated, corrupted, of another version/build, or its state invalid
  kIllegalAddress,      // register map: unknown or read-only register (Modbus exception 02)
  kIllegalValue,        // register map: value out of range (Modbus exception 03)
  kBadHarmonicOrder,    // MeasureHarmonics: max_order not in 1..kMaxHarmonicOrder
};

// Short English description of a Status (static storage). Never allocates or throws.
const char* ToString(Status status) noexcept;

}  // namespace meterdsp

#endif  // METERDSP_STATUS_H_
