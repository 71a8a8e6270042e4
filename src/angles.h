// meterdsp internal: the window engine's batch atan2 (defined in src/window.cc), declared
// here for tests/window_test.cc.
#ifndef METERDSP_SRC_ANGLES_H_
#define METERDSP_SRC_ANGLES_H_

#include <stddef.h>

namespace meterdsp {

// deg[k] = atan2(y[k], x[k]) in degrees, (−180, 180], for k < n ≤ kMaxChannels: a SIMD
// polynomial (|error| < 1e-14 rad) on the dispatched target; std::atan2 for (0, 0) and
// non-finite arguments. Never allocates or throws.
void AnglesDeg(const double* y, const double* x, size_t n, double* deg) noexcept;

}  // namespace meterdsp

#endif  // METERDSP_SRC_ANGLES_H_
