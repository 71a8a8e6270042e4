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

}  // namespace HWY_NAMESPACE
}  // namespace meterdsp
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
