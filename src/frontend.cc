// Front end: delay-filter design and layout conversion. Planar rows are scaled and checked by
// per-target Highway kernels (include/meterdsp/simd/frontend-inl.h); interleaved frames are
// transposed in SIMD registers by the same kernels.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/frontend.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "meterdsp/simd/frontend-inl.h"

#define METERDSP_FRAMES_ARGS(Code)                                                         \
  const Code *frames, size_t columns, size_t count, Code lo, Code hi,                     \
      const float *gain, const float *offset, float *const *row_of, uint8_t *clip

#if HWY_TARGET & (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128)
// SVE vectors are sizeless (no arrays of registers for the transpose): the SVE targets convert
// frames with the NEON target's transpose, which every SVE CPU also runs (NEON is compiled as
// the static target, after the SVE ones, hence the declarations).
namespace meterdsp {
namespace N_NEON {
namespace {
void FramesI16(METERDSP_FRAMES_ARGS(int16_t));
void FramesI32(METERDSP_FRAMES_ARGS(int32_t));
}  // namespace
}  // namespace N_NEON
}  // namespace meterdsp
#endif

HWY_BEFORE_NAMESPACE();
namespace meterdsp {
namespace HWY_NAMESPACE {
namespace {

#define METERDSP_SCALE_ROW(Name, Sample, kTest)                                                     \
  uint32_t Name(const Sample* src, size_t n, size_t readable, float gain, float offset, float clip, \
                float* dst) {                                                                        \
    return ScaleRow<kTest>(src, n, readable, gain, offset, clip, dst);                              \
  }
METERDSP_SCALE_ROW(ScaleRowF32, float, false)
METERDSP_SCALE_ROW(ScaleRowF64, double, false)
METERDSP_SCALE_ROW(ScaleTestRowF32, float, true)
METERDSP_SCALE_ROW(ScaleTestRowF64, double, true)
#undef METERDSP_SCALE_ROW
bool RowFiniteF32(const float* row, size_t n) { return RowFinite(row, n); }
bool RowFiniteF64(const double* row, size_t n) { return RowFinite(row, n); }
#if HWY_TARGET & (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128)
void FramesI16(METERDSP_FRAMES_ARGS(int16_t)) {
  N_NEON::FramesI16(frames, columns, count, lo, hi, gain, offset, row_of, clip);
}
void FramesI32(METERDSP_FRAMES_ARGS(int32_t)) {
  N_NEON::FramesI32(frames, columns, count, lo, hi, gain, offset, row_of, clip);
}
#else
void FramesI16(METERDSP_FRAMES_ARGS(int16_t)) {
  TransposeFrames(frames, columns, count, lo, hi, gain, offset, row_of, clip);
}
void FramesI32(METERDSP_FRAMES_ARGS(int32_t)) {
  TransposeFrames(frames, columns, count, lo, hi, gain, offset, row_of, clip);
}
#endif

void LaneFramesI16(const int16_t* frames, size_t columns, size_t count, size_t readable, int16_t lo, int16_t hi, const float* gain,
                   const float* offset, float (*dst)[kLaneStride], uint8_t* clip) {
  FramesToLanes(frames, columns, count, readable, lo, hi, gain, offset, dst, clip);
}
void LaneFramesI32(const int32_t* frames, size_t columns, size_t count, size_t readable, int32_t lo, int32_t hi, const float* gain,
                   const float* offset, float (*dst)[kLaneStride], uint8_t* clip) {
  FramesToLanes(frames, columns, count, readable, lo, hi, gain, offset, dst, clip);
}
void RowsToLanesF32(const float* const* rows, size_t n, const float* gain, const float* offset, const float* clip,
                    float (*dst)[kLaneStride], size_t lane, uint8_t* clipped) {
  FourRowsToLanes(rows, n, gain, offset, clip, dst, lane, clipped);
}
void RowsToLanesF64(const double* const* rows, size_t n, const float* gain, const float* offset, const float* clip,
                    float (*dst)[kLaneStride], size_t lane, uint8_t* clipped) {
  FourRowsToLanes(rows, n, gain, offset, clip, dst, lane, clipped);
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace meterdsp
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <cmath>
#include <cstring>

#include "meterdsp/frontend.h"

namespace meterdsp {

double CorrectionSamples(const ChannelCalibration& cal, double fs_hz, double nominal_hz) noexcept {
  return cal.skew_us * 1e-6 * fs_hz + cal.phase_deg / 360.0 * fs_hz / nominal_hz;
}

Status DesignDelays(const ChannelCalibration* cal, size_t channels, double fs_hz,
                    double nominal_hz, DelayFilter* filters,
                    int32_t* base_delay_samples) noexcept {
  if (cal == nullptr || filters == nullptr || base_delay_samples == nullptr) {
    return Status::kNullPointer;
  }
  bool any = false;
  for (size_t k = 0; k < channels; ++k) {
    const double corr = CorrectionSamples(cal[k], fs_hz, nominal_hz);
    if (!std::isfinite(corr) || std::fabs(corr) > kMaxCorrectionSamples) {
      return Status::kBadCalibration;
    }
    any = any || corr != 0.0;
  }
  // A base delay of 3 samples keeps every 4-tap interpolator causal for corrections in
  // [−2, +2] samples; without corrections no delay (and no filtering) is needed.
  const int32_t base = any ? 3 : 0;
  *base_delay_samples = base;
  for (size_t k = 0; k < channels; ++k) {
    const double corr = CorrectionSamples(cal[k], fs_hz, nominal_hz);
    const double d = base + corr;
    const double whole = std::floor(d);
    const double mu = d - whole;
    DelayFilter& f = filters[k];
    if (mu == 0.0) {
      f = DelayFilter{};
      f.tap0 = static_cast<int32_t>(whole);
      continue;
    }
    // Cubic Lagrange through x[n−k+1], x[n−k], x[n−k−1], x[n−k−2] (positions 1, 0, −1, −2
    // relative to n−k), evaluated at −mu.
    const double pos[4] = {1.0, 0.0, -1.0, -2.0};
    const double x = -mu;
    for (int j = 0; j < 4; ++j) {
      double l = 1.0;
      for (int i = 0; i < 4; ++i) {
        if (i != j) l *= (x - pos[i]) / (pos[j] - pos[i]);
      }
      f.taps[j] = static_cast<float>(l);
    }
    f.tap0 = static_cast<int32_t>(whole) - 1;
    f.ntaps = 4;
  }
  return Status::kOk;
}

namespace {

HWY_EXPORT(ScaleRowF32);
HWY_EXPORT(ScaleRowF64);
HWY_EXPORT(ScaleTestRowF32);
HWY_EXPORT(ScaleTestRowF64);
HWY_EXPORT(RowFiniteF32);
HWY_EXPORT(RowFiniteF64);
HWY_EXPORT(FramesI16);
HWY_EXPORT(FramesI32);
HWY_EXPORT(LaneFramesI16);
HWY_EXPORT(LaneFramesI32);
HWY_EXPORT(RowsToLanesF32);
HWY_EXPORT(RowsToLanesF64);

// test: also test the samples (kRowNonFinite) and prefetch src[n, readable) (ScaleRow<true>).
uint32_t DispatchScale(const float* src, size_t n, size_t readable, bool test, float g, float o, float clip,
                       float* dst) {
  return test ? HWY_DYNAMIC_DISPATCH(ScaleTestRowF32)(src, n, readable, g, o, clip, dst)
              : HWY_DYNAMIC_DISPATCH(ScaleRowF32)(src, n, readable, g, o, clip, dst);
}
uint32_t DispatchScale(const double* src, size_t n, size_t readable, bool test, float g, float o, float clip,
                       float* dst) {
  return test ? HWY_DYNAMIC_DISPATCH(ScaleTestRowF64)(src, n, readable, g, o, clip, dst)
              : HWY_DYNAMIC_DISPATCH(ScaleRowF64)(src, n, readable, g, o, clip, dst);
}
bool DispatchFinite(const float* row, size_t n) { return HWY_DYNAMIC_DISPATCH(RowFiniteF32)(row, n); }
bool DispatchFinite(const double* row, size_t n) { return HWY_DYNAMIC_DISPATCH(RowFiniteF64)(row, n); }

// Returns false if a sample was not finite (test; else true). src[count, readable) may be
// prefetched.
template <typename Sample>
bool ConvertRow(const Sample* src, size_t count, size_t readable, bool test, const ChannelScale& s, float* dst,
                uint8_t* clipped) noexcept {
  const uint32_t found =
      DispatchScale(src, count, readable, test, s.gain, s.offset, static_cast<float>(s.clip_level), dst);
  if (found & kRowClipped) *clipped = 1;
  return (found & kRowNonFinite) == 0;
}

template <typename Sample>
bool ConvertPlanarT(const PlanarBlock<Sample>& b, size_t nv, size_t nc, size_t first,
                    size_t count, const ChannelScale* scale, float* const* rows,
                    uint8_t* clipped, bool test) noexcept {
  const size_t readable = b.frames - first;
  bool finite = true;
  for (size_t k = 0; k < nv; ++k) {
    finite &= ConvertRow(b.v + k * b.v_stride + first, count, readable, test, scale[k], rows[k], &clipped[k]);
  }
  for (size_t k = 0; k < nc; ++k) {
    finite &= ConvertRow(b.i + k * b.i_stride + first, count, readable, test, scale[nv + k], rows[nv + k],
                         &clipped[nv + k]);
  }
  return finite;
}

template <typename Sample>
bool AllFiniteT(const PlanarBlock<Sample>& b, size_t nv, size_t nc) noexcept {
  for (size_t k = 0; k < nv; ++k) {
    if (!DispatchFinite(b.v + k * b.v_stride, b.frames)) return false;
  }
  for (size_t k = 0; k < nc; ++k) {
    if (!DispatchFinite(b.i + k * b.i_stride, b.frames)) return false;
  }
  return true;
}

// Frame columns → rows: parameters in column order, then the per-target SIMD transpose.
template <typename Code, typename Transpose>
void ConvertFramesT(const FrameBlock<Code>& block, size_t first, size_t count, Code lo, Code hi,
                    const uint8_t* columns, const LaneScale& ls, float* const* rows,
                    uint8_t* clipped, Transpose transpose) noexcept {
  const size_t nch = block.channels;
  float* row_of[kMaxChannels] = {};
  uint8_t clip[kClipFlagBytes] = {};  // whole words for AnyClipped
  for (size_t k = 0; k < nch; ++k) row_of[columns[k]] = rows[k];
  transpose(block.data + first * nch, nch, count, lo, hi, ls.gain, ls.offset, row_of, clip);
  if (!AnyClipped(clip, nch)) return;
  for (size_t k = 0; k < nch; ++k) clipped[k] |= clip[columns[k]];
}

constexpr int16_t kI16Lo = -32768, kI16Hi = 32767;
}  // namespace

bool AnyClipped(const uint8_t* clip, size_t n) noexcept {
  uint64_t any = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, clip + i, sizeof(word));
    any |= word;
  }
  for (; i < n; ++i) any |= clip[i];
  return any != 0;
}

void ConvertFrames(const FrameBlock<int16_t>& block, size_t first, size_t count,
                   const uint8_t* columns, const LaneScale& lane_scale, float* const* rows,
                   uint8_t* clipped) noexcept {
  ConvertFramesT<int16_t>(block, first, count, kI16Lo, kI16Hi, columns, lane_scale, rows, clipped,
                          HWY_DYNAMIC_DISPATCH(FramesI16));
}

void ConvertFrames(const FrameBlock<int32_t>& block, size_t first, size_t count, int adc_bits,
                   const uint8_t* columns, const LaneScale& lane_scale, float* const* rows,
                   uint8_t* clipped) noexcept {
  const int64_t half = int64_t{1} << (adc_bits - 1);
  ConvertFramesT<int32_t>(block, first, count, static_cast<int32_t>(-half), static_cast<int32_t>(half - 1),
                          columns, lane_scale, rows, clipped, HWY_DYNAMIC_DISPATCH(FramesI32));
}

void ConvertFrames(const FrameBlock<int16_t>& block, size_t first, size_t count,
                   const uint8_t* columns, const ChannelScale* scale, float* const* rows,
                   uint8_t* clipped) noexcept {
  LaneScale ls;
  MakeLaneScale(columns, scale, block.channels, &ls);
  ConvertFrames(block, first, count, columns, ls, rows, clipped);
}

void ConvertFrames(const FrameBlock<int32_t>& block, size_t first, size_t count, int adc_bits,
                   const uint8_t* columns, const ChannelScale* scale, float* const* rows,
                   uint8_t* clipped) noexcept {
  LaneScale ls;
  MakeLaneScale(columns, scale, block.channels, &ls);
  ConvertFrames(block, first, count, adc_bits, columns, ls, rows, clipped);
}

void MakeLaneScale(const uint8_t* columns, const ChannelScale* scale, size_t channels,
                   LaneScale* out) noexcept {
  std::memset(out, 0, sizeof(*out));
  for (size_t k = 0; k < channels; ++k) {
    out->gain[columns[k]] = scale[k].gain;
    out->offset[columns[k]] = scale[k].offset;
  }
}

namespace {
template <typename Code, typename ToLanes>
void ConvertFramesToLanesT(const FrameBlock<Code>& block, size_t first, size_t count, Code lo, Code hi,
                           const uint8_t* columns, const LaneScale& ls, float (*lanes)[kLaneStride],
                           uint8_t* clipped, ToLanes to_lanes) noexcept {
  const size_t nch = block.channels;
  HWY_ALIGN uint8_t clip[kLaneStride] = {};
  to_lanes(block.data + first * nch, nch, count, block.frames - first, lo, hi, ls.gain, ls.offset, lanes, clip);
  if (!AnyClipped(clip, kLaneStride)) return;
  for (size_t k = 0; k < nch; ++k) clipped[k] |= clip[columns[k]];
}
}  // namespace

void ConvertFramesToLanes(const FrameBlock<int16_t>& block, size_t first, size_t count,
                          const uint8_t* columns, const LaneScale& lane_scale, float (*lanes)[kLaneStride],
                          uint8_t* clipped) noexcept {
  ConvertFramesToLanesT<int16_t>(block, first, count, kI16Lo, kI16Hi, columns, lane_scale, lanes, clipped,
                                 HWY_DYNAMIC_DISPATCH(LaneFramesI16));
}

void ConvertFramesToLanes(const FrameBlock<int32_t>& block, size_t first, size_t count, int adc_bits,
                          const uint8_t* columns, const LaneScale& lane_scale, float (*lanes)[kLaneStride],
                          uint8_t* clipped) noexcept {
  const int64_t half = int64_t{1} << (adc_bits - 1);
  ConvertFramesToLanesT<int32_t>(block, first, count, static_cast<int32_t>(-half),
                                 static_cast<int32_t>(half - 1), columns, lane_scale, lanes, clipped,
                                 HWY_DYNAMIC_DISPATCH(LaneFramesI32));
}

void ConvertFramesToLanes(const FrameBlock<int16_t>& block, size_t first, size_t count,
                          const uint8_t* columns, const ChannelScale* scale, float (*lanes)[kLaneStride],
                          uint8_t* clipped) noexcept {
  LaneScale ls;
  MakeLaneScale(columns, scale, block.channels, &ls);
  ConvertFramesToLanes(block, first, count, columns, ls, lanes, clipped);
}

void ConvertFramesToLanes(const FrameBlock<int32_t>& block, size_t first, size_t count, int adc_bits,
                          const uint8_t* columns, const ChannelScale* scale, float (*lanes)[kLaneStride],
                          uint8_t* clipped) noexcept {
  LaneScale ls;
  MakeLaneScale(columns, scale, block.channels, &ls);
  ConvertFramesToLanes(block, first, count, adc_bits, columns, ls, lanes, clipped);
}

namespace {
void DispatchRowsToLanes(const float* const* rows, size_t n, const float* gain, const float* offset,
                         const float* clip, float (*dst)[kLaneStride], size_t lane, uint8_t* clipped) {
  HWY_DYNAMIC_DISPATCH(RowsToLanesF32)(rows, n, gain, offset, clip, dst, lane, clipped);
}
void DispatchRowsToLanes(const double* const* rows, size_t n, const float* gain, const float* offset,
                         const float* clip, float (*dst)[kLaneStride], size_t lane, uint8_t* clipped) {
  HWY_DYNAMIC_DISPATCH(RowsToLanesF64)(rows, n, gain, offset, clip, dst, lane, clipped);
}

// Planar rows → lanes: four rows whose lanes are adjacent go across together in SIMD; any other
// row alone through `scratch` (scaled as ConvertPlanar does, then copied into its lane).
template <typename Sample>
void ConvertPlanarToLanesT(const PlanarBlock<Sample>& b, size_t nv, size_t nc, size_t first, size_t count,
                           const uint8_t* columns, const ChannelScale* scale, float (*lanes)[kLaneStride],
                           float* scratch, uint8_t* clipped) noexcept {
  const size_t nch = nv + nc;
  auto row = [&](size_t k) {
    return k < nv ? b.v + k * b.v_stride + first : b.i + (k - nv) * b.i_stride + first;
  };
  for (size_t k = 0; k < nch;) {
    if (k + 4 <= nch && columns[k + 1] == columns[k] + 1 && columns[k + 2] == columns[k] + 2 &&
        columns[k + 3] == columns[k] + 3) {
      const Sample* rows[4];
      float gain[4], offset[4], clip[4];
      for (size_t i = 0; i < 4; ++i) {
        rows[i] = row(k + i);
        gain[i] = scale[k + i].gain;
        offset[i] = scale[k + i].offset;
        clip[i] = static_cast<float>(scale[k + i].clip_level);
      }
      DispatchRowsToLanes(rows, count, gain, offset, clip, lanes, columns[k], clipped + k);
      k += 4;
    } else {
      (void)ConvertRow(row(k), count, count, /*test=*/false, scale[k], scratch, &clipped[k]);
      for (size_t j = 0; j < count; ++j) lanes[j][columns[k]] = scratch[j];
      k += 1;
    }
  }
}
}  // namespace

void ConvertPlanarToLanes(const PlanarBlock<float>& block, size_t voltages, size_t currents, size_t first,
                          size_t count, const uint8_t* columns, const ChannelScale* scale,
                          float (*lanes)[kLaneStride], float* scratch, uint8_t* clipped) noexcept {
  ConvertPlanarToLanesT(block, voltages, currents, first, count, columns, scale, lanes, scratch, clipped);
}
void ConvertPlanarToLanes(const PlanarBlock<double>& block, size_t voltages, size_t currents, size_t first,
                          size_t count, const uint8_t* columns, const ChannelScale* scale,
                          float (*lanes)[kLaneStride], float* scratch, uint8_t* clipped) noexcept {
  ConvertPlanarToLanesT(block, voltages, currents, first, count, columns, scale, lanes, scratch, clipped);
}

bool ConvertPlanar(const PlanarBlock<float>& block, size_t voltages, size_t currents,
                   size_t first, size_t count, const ChannelScale* scale, float* const* rows,
                   uint8_t* clipped, bool test) noexcept {
  return ConvertPlanarT(block, voltages, currents, first, count, scale, rows, clipped, test);
}

bool ConvertPlanar(const PlanarBlock<double>& block, size_t voltages, size_t currents,
                   size_t first, size_t count, const ChannelScale* scale, float* const* rows,
                   uint8_t* clipped, bool test) noexcept {
  return ConvertPlanarT(block, voltages, currents, first, count, scale, rows, clipped, test);
}

bool AllFinite(const PlanarBlock<float>& block, size_t voltages, size_t currents) noexcept {
  return AllFiniteT(block, voltages, currents);
}
bool AllFinite(const PlanarBlock<double>& block, size_t voltages, size_t currents) noexcept {
  return AllFiniteT(block, voltages, currents);
}

}  // namespace meterdsp
#endif  // HWY_ONCE
