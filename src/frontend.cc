// Front end: delay-filter design and layout conversion (scalar; the compiler vectorises the
// contiguous planar loops, and the strided frame loops are bounded by memory reads).
#include "meterdsp/frontend.h"

#include <cmath>
#include <cstring>

namespace meterdsp {

Status DesignDelays(const ChannelCalibration* cal, size_t channels, double fs_hz,
                    double nominal_hz, DelayFilter* filters,
                    int32_t* base_delay_samples) noexcept {
  if (cal == nullptr || filters == nullptr || base_delay_samples == nullptr) {
    return Status::kNullPointer;
  }
  bool any = false;
  for (size_t k = 0; k < channels; ++k) {
    const double corr = cal[k].skew_us * 1e-6 * fs_hz + cal[k].phase_deg / 360.0 * fs_hz / nominal_hz;
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
    const double corr = cal[k].skew_us * 1e-6 * fs_hz + cal[k].phase_deg / 360.0 * fs_hz / nominal_hz;
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

template <typename Code>
void ConvertFramesT(const FrameBlock<Code>& block, size_t first, size_t count, int32_t lo,
                    int32_t hi, const ChannelScale* scale, float* const* rows,
                    uint8_t* clipped) noexcept {
  const size_t nch = block.channels;
  for (size_t k = 0; k < nch; ++k) {
    const Code* src = block.data + first * nch + k;
    float* dst = rows[k];
    const float gain = scale[k].gain, offset = scale[k].offset;
    uint8_t clip = 0;
    for (size_t j = 0; j < count; ++j) {
      const int32_t code = src[j * nch];
      clip |= static_cast<uint8_t>((code <= lo) | (code >= hi));
      dst[j] = (static_cast<float>(code) - offset) * gain;
    }
    clipped[k] |= clip;
  }
}

template <typename Sample>
void ConvertRow(const Sample* src, size_t count, const ChannelScale& s, float* dst,
                uint8_t* clipped) noexcept {
  const float gain = s.gain, offset = s.offset;
  for (size_t j = 0; j < count; ++j) {
    dst[j] = (static_cast<float>(src[j]) - offset) * gain;
  }
  if (s.clip_level > 0.0) {
    const float lim = static_cast<float>(s.clip_level);
    uint8_t clip = 0;
    for (size_t j = 0; j < count; ++j) clip |= static_cast<uint8_t>(std::fabs(dst[j]) >= lim);
    *clipped |= clip;
  }
}

template <typename Sample>
void ConvertPlanarT(const PlanarBlock<Sample>& b, size_t nv, size_t nc, size_t first,
                    size_t count, const ChannelScale* scale, float* const* rows,
                    uint8_t* clipped) noexcept {
  for (size_t k = 0; k < nv; ++k) {
    ConvertRow(b.v + k * b.v_stride + first, count, scale[k], rows[k], &clipped[k]);
  }
  for (size_t k = 0; k < nc; ++k) {
    ConvertRow(b.i + k * b.i_stride + first, count, scale[nv + k], rows[nv + k],
               &clipped[nv + k]);
  }
}

// Exponent bits all ones ⇔ NaN or ±Inf. Integer OR-reduction, so the compiler vectorises it.
bool RowFinite(const float* row, size_t n) noexcept {
  uint32_t bad = 0;
  for (size_t j = 0; j < n; ++j) {
    uint32_t bits;
    std::memcpy(&bits, &row[j], sizeof(bits));
    bad |= static_cast<uint32_t>((bits & 0x7F800000u) == 0x7F800000u);
  }
  return bad == 0;
}
bool RowFinite(const double* row, size_t n) noexcept {
  uint64_t bad = 0;
  for (size_t j = 0; j < n; ++j) {
    uint64_t bits;
    std::memcpy(&bits, &row[j], sizeof(bits));
    bad |= static_cast<uint64_t>((bits & 0x7FF0000000000000ull) == 0x7FF0000000000000ull);
  }
  return bad == 0;
}

template <typename Sample>
bool AllFiniteT(const PlanarBlock<Sample>& b, size_t nv, size_t nc) noexcept {
  for (size_t k = 0; k < nv; ++k) {
    if (!RowFinite(b.v + k * b.v_stride, b.frames)) return false;
  }
  for (size_t k = 0; k < nc; ++k) {
    if (!RowFinite(b.i + k * b.i_stride, b.frames)) return false;
  }
  return true;
}

}  // namespace

void ConvertFrames(const FrameBlock<int16_t>& block, size_t first, size_t count,
                   const ChannelScale* scale, float* const* rows, uint8_t* clipped) noexcept {
  ConvertFramesT(block, first, count, -32768, 32767, scale, rows, clipped);
}

void ConvertFrames(const FrameBlock<int32_t>& block, size_t first, size_t count, int adc_bits,
                   const ChannelScale* scale, float* const* rows, uint8_t* clipped) noexcept {
  const int64_t half = int64_t{1} << (adc_bits - 1);
  ConvertFramesT(block, first, count, static_cast<int32_t>(-half),
                 static_cast<int32_t>(half - 1), scale, rows, clipped);
}

void ConvertPlanar(const PlanarBlock<float>& block, size_t voltages, size_t currents,
                   size_t first, size_t count, const ChannelScale* scale, float* const* rows,
                   uint8_t* clipped) noexcept {
  ConvertPlanarT(block, voltages, currents, first, count, scale, rows, clipped);
}

void ConvertPlanar(const PlanarBlock<double>& block, size_t voltages, size_t currents,
                   size_t first, size_t count, const ChannelScale* scale, float* const* rows,
                   uint8_t* clipped) noexcept {
  ConvertPlanarT(block, voltages, currents, first, count, scale, rows, clipped);
}

bool AllFinite(const PlanarBlock<float>& block, size_t voltages, size_t currents) noexcept {
  return AllFiniteT(block, voltages, currents);
}
bool AllFinite(const PlanarBlock<double>& block, size_t voltages, size_t currents) noexcept {
  return AllFiniteT(block, voltages, currents);
}

}  // namespace meterdsp
