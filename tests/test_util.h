// Helpers shared by the C++ tests: run a WindowEngine over rows with a chosen block cut.
#ifndef METERDSP_TESTS_TEST_UTIL_H_
#define METERDSP_TESTS_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "meterdsp/meterdsp.h"

namespace meterdsp::test {

using Rows = std::vector<std::vector<double>>;

// Feeds rows (voltages first) to a fresh WindowEngine as planar float64 blocks whose lengths cycle
// through `cuts`, and returns every completed window.
inline std::vector<WindowResult> RunPlanar(const WindowConfig& c, const Rows& rows,
                                           const std::vector<size_t>& cuts = {1 << 30}) {
  auto m = std::make_unique<WindowEngine>();
  EXPECT_EQ(Init(c, *m), Status::kOk);
  const size_t nv = c.voltages, nc = c.currents, len = rows[0].size();
  std::vector<double> v(nv * len), i(std::max<size_t>(nc, 1) * len);
  for (size_t k = 0; k < nv; ++k) std::copy(rows[k].begin(), rows[k].end(), v.begin() + k * len);
  for (size_t k = 0; k < nc; ++k) std::copy(rows[nv + k].begin(), rows[nv + k].end(), i.begin() + k * len);
  std::vector<WindowResult> all;
  size_t pos = 0, cut = 0;
  while (pos < len) {
    const size_t n = std::min(cuts[cut++ % cuts.size()], len - pos);
    PlanarBlock<double> b{v.data() + pos, len, i.data() + pos, len, n};
    std::vector<WindowResult> out(MaxWindowsPerBlock(*m, n));
    size_t done = 0;
    EXPECT_EQ(Process(*m, b, out.data(), out.size(), &done), Status::kOk);
    all.insert(all.end(), out.begin(), out.begin() + static_cast<ptrdiff_t>(done));
    pos += n;
  }
  return all;
}

// Interleaves integer codes (voltages first) and feeds them as raw frames.
template <typename Code>
std::vector<WindowResult> RunFrames(const WindowConfig& c, const std::vector<std::vector<Code>>& codes,
                                    size_t cut) {
  auto m = std::make_unique<WindowEngine>();
  EXPECT_EQ(Init(c, *m), Status::kOk);
  const size_t nch = codes.size(), len = codes[0].size();
  std::vector<Code> frames(nch * len);
  for (size_t t = 0; t < len; ++t)
    for (size_t k = 0; k < nch; ++k) frames[t * nch + k] = codes[k][t];
  std::vector<WindowResult> all;
  for (size_t pos = 0; pos < len; pos += cut) {
    const size_t n = std::min(cut, len - pos);
    FrameBlock<Code> b{frames.data() + pos * nch, n, nch};
    std::vector<WindowResult> out(MaxWindowsPerBlock(*m, n));
    size_t done = 0;
    EXPECT_EQ(Process(*m, b, out.data(), out.size(), &done), Status::kOk);
    all.insert(all.end(), out.begin(), out.begin() + static_cast<ptrdiff_t>(done));
  }
  return all;
}

// Windows that are whole, settled cycles.
inline bool Steady(const WindowResult& r) {
  return (r.flags & (kFlagIncomplete | kFlagSettling | kFlagNoVoltage)) == 0;
}

// IEC 62053-22 class 0.2S active-energy limit (percent) at x = I/In and cos φ.
inline double ActiveLimitPct(double x, double phi_deg) {
  const double pf = std::fabs(std::cos(phi_deg * 3.14159265358979 / 180));
  if (pf > 0.999) return x < 0.01 ? 0 : (x < 0.05 ? 0.4 : 0.2);
  if (pf > 0.45) return x < 0.02 ? 0 : (x < 0.1 ? 0.5 : 0.3);
  return x < 0.1 ? 0 : 0.5;  // 0.25 ind / 0.5 cap (on request)
}

// IEC 62053-24 class 0.5S reactive-energy limit (percent) at x = I/In and |sin φ|.
inline double ReactiveLimitPct(double x, double phi_deg) {
  const double sn = std::fabs(std::sin(phi_deg * 3.14159265358979 / 180));
  if (sn > 0.999) return x < 0.01 ? 0 : (x < 0.05 ? 1.0 : 0.5);
  if (sn > 0.45) return x < 0.02 ? 0 : (x < 0.1 ? 1.0 : 0.6);
  if (sn > 0.2) return x < 0.1 ? 0 : 1.0;
  return 0;
}

}  // namespace meterdsp::test

#endif  // METERDSP_TESTS_TEST_UTIL_H_
