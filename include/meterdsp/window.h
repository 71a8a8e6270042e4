// meterdsp/window.h — stage 2 of the data flow: the window engine.
//
// What: cycle-synchronous 10-cycle (50 Hz) / 12-cycle (60 Hz) windows that track the measured
// fundamental of the reference voltage, tile the stream exactly, and yield per window and
// channel Vrms, Irms, P, Q (fundamental, IEEE 1459 Q1), S, N, PF, DPF, angles, quadrant and
// quality flags (definitions: docs/measurement.md). Also Measure(): the same quantities over
// the largest whole number of cycles of one block, without state.
//
// Streaming: Init() once, then Process*() with blocks of any length (1 frame upward); state
// carries across blocks and results are bit-identical however the stream is cut.
// Every function here never allocates or throws; the WindowEngine state is trivially copyable,
// fixed size (see sizeof(WindowEngine)), and may live in static storage.
#ifndef METERDSP_WINDOW_H_
#define METERDSP_WINDOW_H_

#include <stddef.h>
#include <stdint.h>

#include "meterdsp/frontend.h"
#include "meterdsp/status.h"

namespace meterdsp {

inline constexpr size_t kHistoryFrames = 16;  // delay-filter history kept before a tile
inline constexpr size_t kMaxLanes = 16;       // float lanes of the widest target (AVX-512)
inline constexpr size_t kRowLength = kHistoryFrames + kTileFrames;
inline constexpr size_t kSumCount = 5;        // Σy, Σy², Σy·v, Σy·cos, Σy·sin
inline constexpr size_t kGramRows = 2;        // the reference oscillator's cos and sin as channels
inline constexpr size_t kMaxLag = 7;          // delay filter reach: tap0 + 3 ≤ 4 + 3 frames
// Interleaved frames of at least this many columns take frame-major tiles on AVX-512; narrower
// frames (small meters) take row tiles there too, as on every other target (faster for them;
// docs/performance.md). The results of the two layouts agree within float32 rounding.
inline constexpr size_t kFrameLanesMinColumns = 16;
// A build whose meters are all narrower (METERDSP_MAX_CURRENTS ≤ 12) never takes frame-major
// tiles, and its state leaves their storage out.
inline constexpr bool kFrameLanesPossible = kMaxChannels >= kFrameLanesMinColumns;
inline constexpr size_t kLaneTileRows = kFrameLanesPossible ? kRowLength : 1;
inline constexpr size_t kLaneWindowLanes = kFrameLanesPossible ? kLaneStride : 1;  // lane_window's

// Sample rates accepted (Init, Measure, calibration fits). The floor keeps at least 7 samples per
// cycle of the highest tracked fundamental: at 500 Hz the worst Irms / P / Q error on a current
// with 10 % third harmonic is 0.026 % over 45–69 Hz (frequency 4.4 mHz at 69 Hz), at 400 Hz
// 0.29 % and at 250 Hz 2.2 % — beyond class 0.2 (tests/window_test.cc, docs/measurement.md).
inline constexpr double kMinSampleRateHz = 500.0;
inline constexpr double kMaxSampleRateHz = 1e6;
// Whether fs is within [kMinSampleRateHz, kMaxSampleRateHz] (NaN is not).
inline constexpr bool ValidSampleRate(double fs) { return fs >= kMinSampleRateHz && fs <= kMaxSampleRateHz; }

// Frequency range the tracker accepts; windows outside [42.5, 69] Hz are flagged.
inline constexpr double kMinTrackHz = 40.0;
inline constexpr double kMaxTrackHz = 72.0;
inline constexpr double kMinInRangeHz = 42.5;
inline constexpr double kMaxInRangeHz = 69.0;

// Quality flags (bit mask), per window and per channel.
enum Flag : uint32_t {
  kFlagIncomplete = 1u << 0,      // window is not a whole number of cycles (start, resync)
  kFlagClipped = 1u << 1,         // a sample of this channel hit the ADC limit / clip level
  kFlagFreqOutOfRange = 1u << 2,  // window frequency outside 42.5–69 Hz
  kFlagNoVoltage = 1u << 3,       // no reference voltage: nominal-length window
  kFlagBelowMinCurrent = 1u << 4, // Irms below the minimum ON current: I, P, Q, S read 0
  kFlagSettling = 1u << 5,        // first windows after Init/Reset (filters, DC estimate)
};

// phase[] value of a current-only channel (e.g. a neutral CT): Irms and angle vs V1 only;
// P, Q, S, PF read 0 and no energy accumulates.
inline constexpr uint8_t kCurrentOnly = 0xFF;

// Reference of the current angles.
enum class AngleReference : uint8_t {
  kV1 = 0,            // absolute: relative to V1
  kAssignedPhase = 1, // relative to the channel's assigned phase voltage
};

// Current-dependent correction of one current channel, for a sensor whose ratio and phase
// errors change with current (a CT at a few percent of its rating). At amps[j] — the channel's
// RMS as read with its calibration, ascending — the reading is multiplied by gain[j] and its
// fundamental turned back by phase_deg[j] (the sensor's lead at that current, IEC 61869 sign);
// between the points the two follow log(current) linearly, beyond them the end values hold.
// Applied per window to Irms, the fundamental phasor (Q1, DPF, angle) and P (its fundamental
// part turned, the rest scaled by the gain). points = 0: none. Fitted by FitCurrentTable
// (calibration.h). Valid: amps finite, > 0, ascending; gain in [0.5, 2]; |phase_deg| ≤ 10.
inline constexpr size_t kMaxTablePoints = 6;
struct CurrentTable {
  uint32_t points = 0;
  float amps[kMaxTablePoints] = {};
  float gain[kMaxTablePoints] = {};
  float phase_deg[kMaxTablePoints] = {};
};

// ln of a table's points and 1 / ln of each step between them (derived at Init, so a window's
// correction costs one logarithm).
struct TableLogs {
  float ln_amps[kMaxTablePoints] = {};
  float inv_step[kMaxTablePoints] = {};
};

// The correction `table` gives at `amps` (its gain factor and phase, interpolated as described
// above). Precondition: table.points ≥ 1 and the table valid. Never allocates or throws.
void CurrentTableAt(const CurrentTable& table, double amps, double* gain, double* phase_deg) noexcept;

struct WindowConfig {
  double fs_hz = 2560.0;
  double nominal_hz = 50.0;  // 50 → 10-cycle windows, 60 → 12-cycle windows
  size_t voltages = 3;       // 1..kMaxVoltages
  size_t currents = 0;       // 0..kMaxCurrents
  uint8_t phase[kMaxCurrents] = {};  // voltage index of each current, or kCurrentOnly
  // Interleaved frames: column of each channel (voltages first) in a frame of voltages +
  // currents columns; a permutation, identity by default (strip layouts reorder CTs).
  uint8_t frame_column[kMaxChannels];
  // 3-wire delta: refer the three voltages to their virtual neutral (Va+Vb+Vc)/3.
  bool virtual_neutral = false;
  ChannelCalibration voltage_cal[kMaxVoltages];
  ChannelCalibration current_cal[kMaxCurrents];
  CurrentTable current_table[kMaxCurrents];  // none by default
  double min_on_current[kMaxCurrents];  // amperes; default 0.05 (set by the constructor)
  double min_voltage = 1.0;  // reference voltage peak below this (volts) = no voltage
  int adc_bits = 24;         // int32 frames: codes are sign-extended adc_bits-bit values
  AngleReference angle_reference = AngleReference::kV1;  // another value: Init refuses it (kBadThreshold)
  WindowConfig() noexcept {
    for (double& m : min_on_current) m = 0.05;
    for (size_t k = 0; k < kMaxChannels; ++k) frame_column[k] = static_cast<uint8_t>(k);
  }
};

// One completed window. Arrays are indexed by voltage / current channel; entries past
// voltages / currents are unspecified.
struct WindowResult {
  double start_samples = 0;   // window start, fractional sample index of the calibrated stream
  double length_samples = 0;  // exact duration in samples (sum of the window's sample weights)
  double start_s = 0, duration_s = 0;
  double frequency_hz = 0;     // cycles / duration; nominal when no voltage
  double frequency_10s_hz = 0; // latest IEC 61000-4-30 10-s value (NaN before the first)
  uint32_t cycles = 0;         // whole cycles in the window (0 for incomplete windows)
  uint32_t flags = 0;          // window-level Flag bits
  uint64_t index = 0;          // window number since Init/Reset
  size_t voltages = 0, currents = 0;
  double vrms[kMaxVoltages];
  double v_angle_deg[kMaxVoltages];  // relative to V1; NaN without voltage
  double vll_rms[kMaxVoltages];      // line-to-line V1-V2, V2-V3, V3-V1 (NaN if not measured)
  double v_thd_pct[kMaxVoltages];    // total distortion √(Vrms² − V1²)/V1, %; NaN without voltage
  double irms[kMaxCurrents];
  double p[kMaxCurrents];      // W, > 0 import
  double q[kMaxCurrents];      // var, fundamental, > 0 inductive
  double s[kMaxCurrents];      // VA = Vrms·Irms
  double n[kMaxCurrents];      // var, √(S² − P²)
  double pf[kMaxCurrents];     // P/S, sign of P
  double dpf[kMaxCurrents];    // cos φ1, sign of P1
  double angle_deg[kMaxCurrents];  // current angle vs the angle reference, (−180, 180]; NaN off
  double i_thd_pct[kMaxCurrents];  // total distortion √(Irms² − I1²)/I1, %; NaN off
  uint8_t quadrant[kMaxCurrents];  // 1..4 (IEC), 0 below the minimum ON current
  uint32_t flags_ch[kMaxCurrents]; // window flags | channel flags
};

// Streaming state. Trivially copyable; initialise with Init(), never by hand.
struct alignas(64) WindowEngine {
  // Configuration and design (set by Init).
  WindowConfig config;
  DelayFilter delay[kMaxChannels];
  ChannelScale scale[kMaxChannels];
  LaneScale lane_scale;  // scale in frame-column order (frame-major conversion)
  TableLogs table_logs[kMaxCurrents];  // of config.current_table
  int32_t base_delay = 0;
  uint32_t cycles_per_window = 10;
  uint32_t initialized = 0;

  // Tile scratch: index kHistoryFrames + j holds tile frame j; the first kHistoryFrames
  // entries repeat the end of the previous tile. Voltages are rows (the tracker scans them).
  // The currents are in one of two layouts (tile_layout), taken from the input that starts the
  // tile: kLayoutRows, a row per current, for planar input (and for interleaved frames below
  // AVX-512 and for frames narrower than kFrameLanesMinColumns, transposed); kLayoutLanes,
  // frame-major with one lane per frame column, for wider interleaved frames on AVX-512, whose
  // channels are accumulated side by side.
  alignas(64) float x[kMaxVoltages][kRowLength];       // scaled voltages
  alignas(64) float vcal[kMaxVoltages][kRowLength];    // delay-corrected voltages
  union alignas(64) {
    float crow[kMaxCurrents][kRowLength];              // kLayoutRows: current k's samples
    float lane[kLaneTileRows][kLaneStride];            // kLayoutLanes: lane = frame column
  };
  alignas(64) float vref[kRowLength][4];               // vcal frame-major (4th entry 0)
  alignas(64) float cosr[kRowLength];                  // fundamental reference
  alignas(64) float sinr[kRowLength];
  alignas(64) float scratch[kTileFrames];              // a planar row on its way to `lane`; the tracker's input
  float history_swap[kHistoryFrames][kMaxCurrents];    // the history across a layout change
  uint64_t tile_start = 0;  // absolute frame index of tile frame 0
  size_t filled = 0;        // frames of the current tile received
  size_t pending = 0;       // tile frames [pending, filled) received but not yet accumulated
  uint32_t tile_layout = 0; // kLayoutRows or kLayoutLanes (window.cc)

  // Frame-major accumulation (set by Init): the currents' delay filters as per-lane weights of
  // the samples lag_lo .. lag_hi frames back (lag_plain: one lag of weight 1 for every lane,
  // no filter), and each lane's reference voltage (index into vref).
  alignas(64) float lag_weight[kMaxLag + 1][kLaneStride];
  alignas(64) int32_t ref_index[kLaneStride];
  uint32_t lag_lo = 0, lag_hi = 0, lag_plain = 1;

  // Window accumulators: float partial sums (flushed to double at every window end and at
  // least every 256 terms per lane, in a fixed order) and the window's double sums. Row kernel
  // (time in lanes): the voltages, and the currents in the rows layout; frame-major: one
  // partial sum per lane in the lanes layout.
  alignas(64) float lanes[kMaxChannels][kSumCount][kMaxLanes];
  alignas(64) float lane_sums[kSumCount][kLaneStride];
  double sums[kMaxChannels][kSumCount];  // by channel (the currents' in the rows layout only)
  // The currents' window sums in the lanes layout, by lane (frame column): a window's end adds
  // the lane sums and the boundary samples' terms to them a vector of lanes at a time (the
  // voltages' lanes get values too, never read: their sums are rows of `sums`).
  alignas(64) double lane_window[kSumCount][kLaneWindowLanes];
  // The fundamental reference's own sums, with the same weights, as two pseudo-channels:
  // y = cos θ with v = sin θ, and y = sin θ with v = cos θ (Σc, Σc², Σc·s, … and Σs, Σs², …).
  // The distortion's least-squares fit needs them (docs/measurement.md).
  alignas(64) float gram_lanes[kGramRows][kSumCount][kMaxLanes];
  double gram[kGramRows][kSumCount];
  // Clipping: clipped[ch] — a sample of the open window before the tile's unattributed frames
  // clipped; clip_bits[ch] — the tile frames received but not yet in a closed window that hold
  // a clipped sample (clip_pending: any bit set). A window's flag covers exactly its own frames,
  // however the stream is cut.
  uint8_t clipped[kMaxChannels];
  uint8_t clip_pending = 0;
  uint64_t clip_bits[kMaxChannels][kTileFrames / 64];

  // Fundamental reference oscillator and frequency tracker.
  double osc_cos = 1.0, osc_sin = 0.0, osc_step = 0.0;  // step = 2π f_est / fs
  double osc_step_cos = 1.0, osc_step_sin = 0.0;
  double window_start = 0;   // fractional start of the open window
  double last_crossing = 0;  // time of the latest accepted rising crossing
  double env = 0;            // reference-voltage envelope (peak, decaying)
  double env_decay = 0;
  double dc_estimate = 0;    // reference-voltage mean of the last window
  float prev_v = 0;
  uint8_t armed = 0;
  uint8_t mode = 0;          // internal tracker mode
  uint8_t after_incomplete = 0;  // the previous window was not whole cycles
  uint32_t crossings_in_window = 0;
  uint32_t ref_voltage = 0;
  uint64_t windows_done = 0;
  // IEC 61000-4-30 10-s frequency.
  uint64_t f10_interval = 0;
  double f10_first = -1, f10_last = 0;
  uint32_t f10_count = 0;
  double f10_value = 0;
};

// Initialises `meter` for `config`. Returns kOk or the first configuration error; on error
// `meter` is left unchanged. Never allocates or throws.
Status Init(const WindowConfig& config, WindowEngine& meter) noexcept;

// Restarts the stream at sample 0, keeping the configuration. Never allocates or throws.
void Reset(WindowEngine& meter) noexcept;

// Sets current k's gain (code → amperes, e.g. after a CT change) for the samples from the next
// block on: the configuration, the scale the front end applies and its frame-column copy
// together. Returns kBadChannelCount for k ≥ currents, kBadCalibration for a gain that is not
// finite or is 0 (the state then unchanged), else kOk. Never allocates or throws.
Status SetCurrentGain(WindowEngine& meter, size_t k, double gain) noexcept;

// Changes the currents' phase assignment (phase[k] < voltages or kCurrentOnly, per current) and
// the frame columns (a permutation of the channels, as in WindowConfig) for the samples from
// the next block on, e.g. after a strip-layout or user-phase write. Everything derived from them
// follows, including the frames already in the engine's tile. Returns kBadPhaseAssignment /
// kBadBlock for invalid arrays (the state then unchanged), else kOk. Never allocates or throws.
Status SetTopology(WindowEngine& meter, const uint8_t* phase, const uint8_t* frame_column) noexcept;

// Upper bound of the windows a block of `frames` frames can complete; size `out` with it.
size_t MaxWindowsPerBlock(const WindowEngine& meter, size_t frames) noexcept;

// Feeds a block and writes every window it completes to out[0 .. *completed).
// Preconditions: meter initialised; block channels = voltages + currents (frames) or rows
// as configured (planar); out_capacity ≥ MaxWindowsPerBlock(meter, frames).
// On any error nothing is consumed and the state is unchanged. Never allocates or throws.
Status Process(WindowEngine& meter, const FrameBlock<int16_t>& block, WindowResult* out,
               size_t out_capacity, size_t* completed) noexcept;
Status Process(WindowEngine& meter, const FrameBlock<int32_t>& block, WindowResult* out,
               size_t out_capacity, size_t* completed) noexcept;
Status Process(WindowEngine& meter, const PlanarBlock<float>& block, WindowResult* out,
               size_t out_capacity, size_t* completed) noexcept;
Status Process(WindowEngine& meter, const PlanarBlock<double>& block, WindowResult* out,
               size_t out_capacity, size_t* completed) noexcept;

// Process for planar input in one pass over the samples: each tile's samples are tested for
// NaN/Inf (float64 rows: beyond the float32 range too) as they are converted (currents read
// where they lie, see SetInPlaceRowsForTest: as the accumulation reads them), instead of in a
// pass over the whole block before any is consumed — a block larger than the caches is then
// read from memory once instead of twice (the Python binding's Meter.process). `before` is a
// copy of `meter` that the caller took before the call (not compared): a non-finite sample is
// found part-way, after earlier tiles were consumed, so on kNonFiniteInput `meter` becomes a
// copy of `before` (*completed = 0; out may have been written). Every other error is found
// before anything is consumed, as in Process. Same preconditions as Process. The caller's
// copy of a full-panel Meter (357 KB) took about 23 µs on the Intel VM, under 1 % of a 10-s
// block: for short blocks, whose check leaves them in L2 for the conversion, Process needs no
// copy. Never allocates or throws.
Status ProcessOnePass(WindowEngine& meter, const PlanarBlock<float>& block, WindowResult* out,
                      size_t out_capacity, size_t* completed, const WindowEngine& before) noexcept;
Status ProcessOnePass(WindowEngine& meter, const PlanarBlock<double>& block, WindowResult* out,
                      size_t out_capacity, size_t* completed, const WindowEngine& before) noexcept;

// One-shot measurement of a block (no calibration, no state).
struct MeasureConfig {
  double fs_hz = 2560.0;
  double nominal_hz = 0.0;  // 50 or 60; 0 = the nearer of the two to the measured frequency
  size_t voltages = 1, currents = 0;
  uint8_t phase[kMaxCurrents] = {};
  double min_on_current = 0.0;  // same unit as the current rows
  AngleReference angle_reference = AngleReference::kV1;  // another value: kBadThreshold
};

// Measures float32 or float64 rows over the largest whole number of fundamental cycles of the
// reference voltage (V1, else the first row with a signal) and writes one WindowResult.
// Without crossings the whole block is used and kFlagNoVoltage is set. Inputs are read in
// place (float64 rows are converted to float32 a chunk at a time for the accumulation, as the
// stream does; values beyond the float32 range count as non-finite). Returns kNonFiniteInput
// if a used row holds NaN/Inf (detected from the sums, no extra pass). Never allocates or
// throws.
Status Measure(const PlanarBlock<float>& block, const MeasureConfig& config,
               WindowResult& result) noexcept;
Status Measure(const PlanarBlock<double>& block, const MeasureConfig& config,
               WindowResult& result) noexcept;

// Highest harmonic order MeasureHarmonics() computes (IEC 61000-4-7 goes to the 50th).
inline constexpr size_t kMaxHarmonicOrder = 50;

// Measure() plus the harmonics 1..max_order of every channel over the same span (whole cycles
// of the fundamental, so integer orders are orthogonal): rms[ch·max_order + h − 1] in the
// channel's unit, phase_deg[...] the phase of the sine √2·rms·sin(h·θ + phase) where θ is the
// reference voltage's fundamental phase (its own fundamental reads 0°; IEC 61000-4-7's
// convention), in (−180, 180]; channels voltages first, then currents (caller's arrays of
// (voltages + currents)·max_order). Orders at or above
// the Nyquist frequency, and phases of zero amplitude, are NaN. One pass over the rows per order.
// Returns kBadHarmonicOrder unless 1 ≤ max_order ≤ kMaxHarmonicOrder, else as Measure(). Never
// allocates or throws.
Status MeasureHarmonics(const PlanarBlock<float>& block, const MeasureConfig& config, size_t max_order,
                        WindowResult& result, double* rms, double* phase_deg) noexcept;
Status MeasureHarmonics(const PlanarBlock<double>& block, const MeasureConfig& config, size_t max_order,
                        WindowResult& result, double* rms, double* phase_deg) noexcept;

// Float lanes of the dispatched SIMD target (1 for SCALAR, 16 for AVX3).
size_t WindowLanes() noexcept;

// Moves every lane partial sum (all kMaxLanes) into the window sums; used when a state written
// by another SIMD target is restored. Never allocates or throws.
void FoldAllLanes(WindowEngine& engine) noexcept;

// Name of the SIMD target the dispatcher selects on this CPU, e.g. "AVX3".
const char* SimdTarget() noexcept;

// Tests only: whether the currents of planar blocks are read where the caller holds them (true,
// the default: pieces of at least 64 frames, currents without a clip level or a delay filter;
// float64 rows on targets with float64 vectors of a fixed length, not SCALAR, SVE or 32-bit Arm)
// or always converted into the engine's tile first (false). The same results either way.
// Returns the number of pieces read in place since the previous call. Process-wide, not
// thread-safe.
size_t SetInPlaceRowsForTest(bool in_place) noexcept;

// Tests only: the column count from which frames take frame-major tiles on AVX-512 (0 restores
// kFrameLanesMinColumns; 1 makes every frame block take them, so that small test panels run the
// frame-major path); every_target: on the targets that take row tiles by default as well.
// Process-wide, not thread-safe; takes effect at the next tile.
void SetFrameLanesMinColumnsForTest(size_t columns, bool every_target = false) noexcept;

// Tests only: the currents' window results (Process, Measure) from the scalar code (true)
// instead of SIMD lanes, a current per lane (false, the default), which give the same bits where
// the scalar code is compiled without fused multiply-adds (x86). Process-wide, not thread-safe.
void SetScalarFinalizeForTest(bool scalar) noexcept;
// Tests only: windows since the first call of SetScalarFinalizeForTest (either value) whose
// currents were computed in SIMD lanes, and of them those that then took the scalar code because a current left
// the lanes' domain (P1 and Q1 both NaN, or an angle of a zero or non-finite product).
struct LaneFinalizeCounts {
  size_t windows, fallbacks;
};
LaneFinalizeCounts LaneFinalizeCountsForTest() noexcept;

}  // namespace meterdsp

#endif  // METERDSP_WINDOW_H_
