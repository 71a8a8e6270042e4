// meterdsp/simd/frontend-inl.h — Highway kernels of the front end, re-included once per SIMD
// target by src/frontend.cc. No validation: callers pass valid pointers and lengths.
// Never allocates or throws.
#if defined(METERDSP_SIMD_FRONTEND_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef METERDSP_SIMD_FRONTEND_INL_H_
#undef METERDSP_SIMD_FRONTEND_INL_H_
#else
#define METERDSP_SIMD_FRONTEND_INL_H_
#endif

#include <stddef.h>
#include <stdint.h>

#include <cmath>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace meterdsp {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// dst[j] = (float(src[j]) − offset) · gain for j < n; returns true if any |dst[j]| ≥ clip
// (clip ≤ 0: never). Every element is computed the same way in vectors and in the tail, so
// the result does not depend on where a block starts.
template <typename Sample>
HWY_INLINE bool ScaleRow(const Sample* HWY_RESTRICT src, size_t n, float gain, float offset,
                         float clip, float* HWY_RESTRICT dst) {
  const hn::ScalableTag<Sample> ds;
  const hn::Rebind<float, decltype(ds)> df;  // as many float lanes as Sample lanes
  const size_t N = hn::Lanes(ds);
  const auto g = hn::Set(df, gain), o = hn::Set(df, offset), lim = hn::Set(df, clip);
  auto over = hn::Zero(df);
  size_t j = 0;
  for (; j + N <= n; j += N) {
    hn::Vec<decltype(df)> x;
    if constexpr (sizeof(Sample) == 4) {
      x = hn::LoadU(df, reinterpret_cast<const float*>(src) + j);
    } else {
      x = hn::DemoteTo(df, hn::LoadU(ds, src + j));
    }
    const auto y = hn::Mul(hn::Sub(x, o), g);
    over = hn::Or(over, hn::VecFromMask(df, hn::Ge(hn::Abs(y), lim)));
    hn::StoreU(y, df, dst + j);
  }
  bool clipped = !hn::AllFalse(df, hn::MaskFromVec(over));
  for (; j < n; ++j) {
    dst[j] = (static_cast<float>(src[j]) - offset) * gain;
    clipped = clipped || std::fabs(dst[j]) >= clip;
  }
  return clip > 0.0f && clipped;
}

// True if no element of row[0, n) is NaN or ±Inf.
template <typename Sample>
HWY_INLINE bool RowFinite(const Sample* HWY_RESTRICT row, size_t n) {
  const hn::ScalableTag<Sample> d;
  const size_t N = hn::Lanes(d);
  auto bad = hn::Zero(d);
  size_t j = 0;
  for (; j + N <= n; j += N) {
    bad = hn::Or(bad, hn::VecFromMask(d, hn::Not(hn::IsFinite(hn::LoadU(d, row + j)))));
  }
  if (!hn::AllFalse(d, hn::MaskFromVec(bad))) return false;
  for (; j < n; ++j) {
    if (!std::isfinite(row[j])) return false;
  }
  return true;
}

// Interleaved int16 frames [0, count) of `columns` codes → per-column float rows:
// row_of[c][j] = (code − offset[c]) · gain[c]; clip[c] = 1 if a code is −32768 or 32767.
// 8 frames × 8 columns at a time are transposed in 128-bit registers (3 interleave stages);
// the remaining columns and frames take the scalar path. Reads stay inside the frames.
HWY_INLINE void TransposeFramesI16(const int16_t* HWY_RESTRICT frames, size_t columns, size_t count,
                                   const float* HWY_RESTRICT gain, const float* HWY_RESTRICT offset,
                                   float* const* row_of, uint8_t* HWY_RESTRICT clip) {
  size_t j0 = 0, c_done = 0;
  // Fixed 128-bit registers: x86 and NEON. SVE vectors are sizeless (no arrays of them) and
  // SCALAR has one lane: both take the scalar path below.
#if HWY_TARGET != HWY_SCALAR && !(HWY_TARGET & (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128))
  const hn::Full128<int16_t> d16;
  const hn::Full128<int32_t> d32;
  const hn::Full128<int64_t> d64;
  const hn::Full128<float> df;
  const hn::Full64<int16_t> dh;
  const auto lo = hn::Set(d16, int16_t{-32768}), hi = hn::Set(d16, int16_t{32767});
  c_done = columns / 8 * 8;
  for (; j0 + 8 <= count; j0 += 8) {
    const int16_t* f = frames + j0 * columns;
    for (size_t c = 0; c < c_done; c += 8) {
      hn::Vec<decltype(d16)> r[8];
      for (size_t k = 0; k < 8; ++k) r[k] = hn::LoadU(d16, f + k * columns + c);
      // Stage 1 (16-bit), 2 (32-bit), 3 (64-bit) interleaves: r[k] becomes column c + k.
      hn::Vec<decltype(d16)> a[8], b[8];
      for (size_t k = 0; k < 4; ++k) {
        a[2 * k] = hn::InterleaveLower(d16, r[2 * k], r[2 * k + 1]);
        a[2 * k + 1] = hn::InterleaveUpper(d16, r[2 * k], r[2 * k + 1]);
      }
      for (size_t k = 0; k < 2; ++k) {
        for (size_t h = 0; h < 2; ++h) {
          const auto x = hn::BitCast(d32, a[4 * k + h]), y = hn::BitCast(d32, a[4 * k + h + 2]);
          b[4 * k + 2 * h] = hn::BitCast(d16, hn::InterleaveLower(d32, x, y));
          b[4 * k + 2 * h + 1] = hn::BitCast(d16, hn::InterleaveUpper(d32, x, y));
        }
      }
      for (size_t k = 0; k < 4; ++k) {
        const auto x = hn::BitCast(d64, b[k]), y = hn::BitCast(d64, b[k + 4]);
        r[2 * k] = hn::BitCast(d16, hn::InterleaveLower(d64, x, y));
        r[2 * k + 1] = hn::BitCast(d16, hn::InterleaveUpper(d64, x, y));
      }
      for (size_t k = 0; k < 8; ++k) {
        const size_t col = c + k;
        if (!hn::AllFalse(d16, hn::Or(hn::Eq(r[k], lo), hn::Eq(r[k], hi)))) clip[col] = 1;
        const auto g = hn::Set(df, gain[col]), o = hn::Set(df, offset[col]);
        const auto x0 = hn::ConvertTo(df, hn::PromoteTo(d32, hn::LowerHalf(dh, r[k])));
        const auto x1 = hn::ConvertTo(df, hn::PromoteTo(d32, hn::UpperHalf(dh, r[k])));
        float* dst = row_of[col] + j0;
        hn::StoreU(hn::Mul(hn::Sub(x0, o), g), df, dst);
        hn::StoreU(hn::Mul(hn::Sub(x1, o), g), df, dst + 4);
      }
    }
  }
#endif
  // Scalar remainder: columns ≥ c_done for the transposed frames, then every column of the
  // frames after j0 (the same arithmetic, so results do not depend on which path ran).
  for (size_t c = 0; c < columns; ++c) {
    const size_t from = c < c_done ? j0 : 0;
    const float g = gain[c], o = offset[c];
    float* dst = row_of[c];
    uint8_t cl = 0;
    for (size_t j = from; j < count; ++j) {
      const int32_t code = frames[j * columns + c];
      cl |= static_cast<uint8_t>((code == -32768) | (code == 32767));
      dst[j] = (static_cast<float>(code) - o) * g;
    }
    if (cl) clip[c] = 1;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace meterdsp
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
