// meterdsp/frontend.h — stage 1 of the data flow: raw samples in, calibrated rows out.
//
// What: sample-block views for the accepted layouts (interleaved int16/int32 ADC frames,
// planar float32/float64 rows), per-channel calibration (gain, offset, DC removal, time
// skew, phase), the design of each channel's fractional-delay filter, and conversion of a
// run of frames into per-channel float rows.
// Channel order everywhere: voltages first (V1, V2, V3), then currents (I1 … Inc).
// Every function here never allocates or throws.
#ifndef METERDSP_FRONTEND_H_
#define METERDSP_FRONTEND_H_

#include <stddef.h>
#include <stdint.h>

#include "meterdsp/status.h"

namespace meterdsp {

inline constexpr size_t kMaxVoltages = 3;
// The most currents a meter can have, and what every state array is sized for. Build with
// -DMETERDSP_MAX_CURRENTS=N (1..92) for a smaller meter on a small part: the state shrinks
// with it (README, "Bare-metal"); the two-panel topology (panel.h) needs 46 per panel.
#ifndef METERDSP_MAX_CURRENTS
#define METERDSP_MAX_CURRENTS 92
#endif
static_assert(METERDSP_MAX_CURRENTS >= 1 && METERDSP_MAX_CURRENTS <= 92, "METERDSP_MAX_CURRENTS: 1..92");
inline constexpr size_t kMaxCurrents = METERDSP_MAX_CURRENTS;
inline constexpr size_t kMaxChannels = kMaxVoltages + kMaxCurrents;
// Floats per frame-major row (one lane per frame column): kMaxChannels rounded up to whole
// triples of 16-lane groups, as the lane kernel takes them (96 for the full panel).
inline constexpr size_t kLaneStride = (kMaxChannels + 47) / 48 * 48;
// Frames per internal tile of the window engine (window.h), which the front end converts a
// tile at a time; tiles are aligned to absolute stream time, which is what makes results
// independent of block boundaries.
inline constexpr size_t kTileFrames = 256;
// Largest |skew + phase| correction, in samples, that a channel may request.
inline constexpr double kMaxCorrectionSamples = 2.0;

// Calibration of one input channel. Engineering value = (code − offset) · gain.
struct ChannelCalibration {
  double gain = 1.0;     // input unit → volts or amperes (includes the CT/VT ratio); ≠ 0
  double offset = 0.0;   // in input units (ADC codes for raw frames), removed before gain
  // The ADC samples this channel skew_us after the frame instant (multiplexed ADC).
  // Compensated by a fractional delay, so it is correct at every frequency.
  double skew_us = 0.0;
  // Sensor phase displacement at the nominal frequency, degrees, positive when the
  // sensor output leads its primary (IEC 61869 sign). Compensated as the equivalent time
  // delay at the nominal frequency, so it scales with the actual frequency.
  double phase_deg = 0.0;
  // Remove the window mean (CT / Rogowski inputs). Window-mean removal is exact and
  // shifts no phase; turn it off for DC-coupled shunts so DC power is metered.
  bool dc_removal = true;
  // |engineering value| at or above which a float sample counts as clipped; 0 = never.
  // Raw int16/int32 frames use the ADC limits instead (see WindowConfig::adc_bits).
  double clip_level = 0.0;
};

// Interleaved raw ADC frames: frame t holds every channel's code, channel k at
// data[t * channels + k]; channels = voltages + currents (voltages first).
template <typename Code>
struct FrameBlock {
  const Code* data = nullptr;
  size_t frames = 0;
  size_t channels = 0;
};

// Planar rows as NumPy holds them: voltage row k starts at v + k * v_stride, current row
// k at i + k * i_stride (strides in elements); each row holds `frames` samples.
template <typename Sample>
struct PlanarBlock {
  const Sample* v = nullptr;
  size_t v_stride = 0;
  const Sample* i = nullptr;
  size_t i_stride = 0;
  size_t frames = 0;
};

// Fractional-delay filter of one channel: y[t] = Σ_m taps[m] · x[t − tap0 − m] for
// m < ntaps. ntaps is 1 (pure integer delay) or 4 (cubic Lagrange).
struct DelayFilter {
  float taps[4] = {1.0f, 0.0f, 0.0f, 0.0f};
  int32_t tap0 = 0;
  int32_t ntaps = 1;
};

// A channel's skew and phase correction in samples at fs_hz, as DesignDelays applies it:
// skew_us · 1e-6 · fs_hz + phase_deg / 360 · fs_hz / nominal_hz (its magnitude may not exceed
// kMaxCorrectionSamples).
double CorrectionSamples(const ChannelCalibration& cal, double fs_hz, double nominal_hz) noexcept;

// Designs the delay filters of `channels` channels. All channels get the same base delay
// (returned in *base_delay_samples: 0 when no channel needs a correction, else 3) plus
// their own skew and phase correction, so relative timing is exact.
// Preconditions: pointers non-null; fs_hz > 0; nominal_hz 50 or 60.
// Returns kBadCalibration if a channel's correction exceeds kMaxCorrectionSamples.
Status DesignDelays(const ChannelCalibration* cal, size_t channels, double fs_hz,
                    double nominal_hz, DelayFilter* filters,
                    int32_t* base_delay_samples) noexcept;

// Scale of one channel as the conversion applies it: (code − offset) · gain in float.
struct ChannelScale {
  float gain = 1.0f;
  float offset = 0.0f;
  double clip_level = 0.0;  // float inputs only; 0 = off
};

// Converts frames [first, first + count) of a block into rows: rows[k][j] receives channel
// k of frame first + j (frame column columns[k]), scaled. Sets clipped[k] = 1 for a channel with a code at the ADC
// limit (raw codes: ≤ −2^(bits−1) or ≥ 2^(bits−1) − 1; floats: |value| ≥ clip_level).
// Preconditions: the block has been validated; rows[k] has room for count samples.
void ConvertFrames(const FrameBlock<int16_t>& block, size_t first, size_t count,
                   const uint8_t* columns, const ChannelScale* scale, float* const* rows,
                   uint8_t* clipped) noexcept;
void ConvertFrames(const FrameBlock<int32_t>& block, size_t first, size_t count, int adc_bits,
                   const uint8_t* columns, const ChannelScale* scale, float* const* rows,
                   uint8_t* clipped) noexcept;
// ConvertPlanar with `test` also tests the samples, for a block tested as it is converted (one
// pass over memory instead of two): it returns false if a converted sample is not finite as
// AllFinite tests it (the rows then hold whatever the conversion gave, the clip flags as they
// were found), and prefetches the rows' next kTileFrames frames within the block as it goes.
// Without `test` it returns true.
bool ConvertPlanar(const PlanarBlock<float>& block, size_t voltages, size_t currents,
                   size_t first, size_t count, const ChannelScale* scale, float* const* rows,
                   uint8_t* clipped, bool test = false) noexcept;
bool ConvertPlanar(const PlanarBlock<double>& block, size_t voltages, size_t currents,
                   size_t first, size_t count, const ChannelScale* scale, float* const* rows,
                   uint8_t* clipped, bool test = false) noexcept;

// The channels' scales in frame-column order, as the frame-major conversion of interleaved
// frames reads them: gain[columns[k]] and offset[columns[k]] of channel k; 0 in columns without
// a channel.
struct LaneScale {
  alignas(64) float gain[kLaneStride];
  alignas(64) float offset[kLaneStride];
};

// Fills *out for `channels` channels (≤ kLaneStride, distinct columns[k] < kLaneStride). Build it
// once per configuration and pass it to ConvertFramesToLanes: a block of a few frames then
// costs no per-call setup. Never allocates or throws.
void MakeLaneScale(const uint8_t* columns, const ChannelScale* scale, size_t channels,
                   LaneScale* out) noexcept;

// ConvertFrames with the scales already in frame-column order (MakeLaneScale of columns and
// scale): no per-call setup beyond the rows' addresses.
void ConvertFrames(const FrameBlock<int16_t>& block, size_t first, size_t count,
                   const uint8_t* columns, const LaneScale& lane_scale, float* const* rows,
                   uint8_t* clipped) noexcept;
void ConvertFrames(const FrameBlock<int32_t>& block, size_t first, size_t count, int adc_bits,
                   const uint8_t* columns, const LaneScale& lane_scale, float* const* rows,
                   uint8_t* clipped) noexcept;

// As ConvertFrames and ConvertPlanar, into a frame-major tile: lanes[j][columns[k]] receives
// channel k of frame first + j (the window engine accumulates every channel of a frame side by
// side; on AVX-512 interleaved frames go this way, without a transpose). Planar: channel k of
// the block is its k-th row (voltages, then currents); `scratch` (count floats) holds a scaled
// row on its way. Same values and clip flags as ConvertFrames / ConvertPlanar. Preconditions as
// there; lanes has count rows of kLaneStride floats and columns[k] < kLaneStride. Never
// allocates or throws.
void ConvertFramesToLanes(const FrameBlock<int16_t>& block, size_t first, size_t count,
                          const uint8_t* columns, const ChannelScale* scale, float (*lanes)[kLaneStride],
                          uint8_t* clipped) noexcept;
void ConvertFramesToLanes(const FrameBlock<int32_t>& block, size_t first, size_t count, int adc_bits,
                          const uint8_t* columns, const ChannelScale* scale, float (*lanes)[kLaneStride],
                          uint8_t* clipped) noexcept;
// The same with the scales already in frame-column order (MakeLaneScale of columns and scale).
void ConvertFramesToLanes(const FrameBlock<int16_t>& block, size_t first, size_t count,
                          const uint8_t* columns, const LaneScale& lane_scale, float (*lanes)[kLaneStride],
                          uint8_t* clipped) noexcept;
void ConvertFramesToLanes(const FrameBlock<int32_t>& block, size_t first, size_t count, int adc_bits,
                          const uint8_t* columns, const LaneScale& lane_scale, float (*lanes)[kLaneStride],
                          uint8_t* clipped) noexcept;
void ConvertPlanarToLanes(const PlanarBlock<float>& block, size_t voltages, size_t currents, size_t first,
                          size_t count, const uint8_t* columns, const ChannelScale* scale,
                          float (*lanes)[kLaneStride], float* scratch, uint8_t* clipped) noexcept;
void ConvertPlanarToLanes(const PlanarBlock<double>& block, size_t voltages, size_t currents, size_t first,
                          size_t count, const uint8_t* columns, const ChannelScale* scale,
                          float (*lanes)[kLaneStride], float* scratch, uint8_t* clipped) noexcept;

// Bytes of a per-channel clip-flag array read a word at a time: kMaxChannels rounded up to 8.
inline constexpr size_t kClipFlagBytes = (kMaxChannels + 7) / 8 * 8;

// Whether any of clip[0, n) is set (a clip is rare: a word at a time). Never allocates or throws.
bool AnyClipped(const uint8_t* clip, size_t n) noexcept;

// True if every sample of the block's used rows is finite — for float64 rows also within the
// float32 range the engine computes in (|x| ≤ 3.4e38). Never allocates or throws.
bool AllFinite(const PlanarBlock<float>& block, size_t voltages, size_t currents) noexcept;
bool AllFinite(const PlanarBlock<double>& block, size_t voltages, size_t currents) noexcept;

}  // namespace meterdsp

#endif  // METERDSP_FRONTEND_H_
