// The SIMD targets the C++ tests run on, for every parameterised suite and per-target loop.
#ifndef METERDSP_TESTS_TARGETS_H_
#define METERDSP_TESTS_TARGETS_H_

#include <stdint.h>

#include <vector>

#include "hwy/highway.h"
#include "hwy/tests/hwy_gtest.h"

namespace meterdsp::test {

// Highway's targets that are both compiled and supported here. On 32-bit Arm that can be none:
// Debian's armhf libhwy is built for the armhf baseline (no NEON) and, without runtime
// dispatch there, reports only the scalar targets, while this build compiles NEON alone
// (cmake/armhf-toolchain.cmake). The build's static target — which the binary needs to run at
// all — is then the one tested.
inline std::vector<int64_t> TestedTargets() {
  std::vector<int64_t> t = hwy::SupportedAndGeneratedTargets();
  if (t.empty()) t.push_back(HWY_STATIC_TARGET);
  return t;
}

}  // namespace meterdsp::test

// HWY_TARGET_INSTANTIATE_TEST_SUITE_P over TestedTargets().
#define METERDSP_INSTANTIATE_TARGETS(suite)                                                      \
  INSTANTIATE_TEST_SUITE_P(suite##Group, suite, testing::ValuesIn(::meterdsp::test::TestedTargets()), \
                           ::hwy::TestParamTargetName)

#endif  // METERDSP_TESTS_TARGETS_H_
