// "Nothing allocated after Init": counts global operator new calls around Init/Process/Measure
// (and ProcessOnePass, a refusal included).
// A separate binary, because it replaces the global allocation functions.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "meterdsp/meterdsp.h"
#include "reference/signal.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<size_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting.load()) g_allocations.fetch_add(1);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  std::abort();  // out of memory in a test: no exceptions needed (the firmware build has none)
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace meterdsp::test {
namespace {

TEST(NoAllocationTest, InitProcessAndMeasureNeverAllocate) {
  const size_t n = 3 * 2560;
  std::vector<float> v(3 * n), i(92 * n);
  std::vector<int16_t> frames(95 * n);
  const auto vs = Sine(230, 0, 50.2, 2560, n), is = Sine(5, 30, 50.2, 2560, n);
  for (size_t t = 0; t < n; ++t) {
    for (size_t k = 0; k < 3; ++k) v[k * n + t] = static_cast<float>(vs[t]);
    for (size_t k = 0; k < 92; ++k) i[k * n + t] = static_cast<float>(is[t]);
    for (size_t k = 0; k < 95; ++k) frames[t * 95 + k] = static_cast<int16_t>(vs[t] * 50);
  }
  auto config = std::make_unique<WindowConfig>();
  config->currents = 92;
  config->current_cal[5].skew_us = 100;
  auto meter = std::make_unique<WindowEngine>(), before = std::make_unique<WindowEngine>();
  constexpr size_t kCap = 128;  // ≥ MaxWindowsPerBlock for 3 s at 2560 Hz (70)
  auto out = std::make_unique<WindowResult[]>(kCap);
  auto one = std::make_unique<WindowResult>();
  MeasureConfig mc;
  mc.voltages = 3;
  mc.currents = 92;
  size_t done = 0;

  g_allocations = 0;
  g_counting = true;
  const Status s1 = Init(*config, *meter);
  const Status s2 = Process(*meter, PlanarBlock<float>{v.data(), n, i.data(), n, n}, out.get(), kCap, &done);
  const Status s3 = Process(*meter, FrameBlock<int16_t>{frames.data(), n, 95}, out.get(), kCap, &done);
  const size_t frame_windows = done;
  const Status s4 = Measure(PlanarBlock<float>{v.data(), n, i.data(), n, n}, mc, *one);
  *before = *meter;
  const Status s5 =
      ProcessOnePass(*meter, PlanarBlock<float>{v.data(), n, i.data(), n, n}, out.get(), kCap, &done, *before);
  v[n + 5000] = std::nanf("");  // refused part-way: the engine put back from `before`
  const Status s6 =
      ProcessOnePass(*meter, PlanarBlock<float>{v.data(), n, i.data(), n, n}, out.get(), kCap, &done, *before);
  Reset(*meter);
  g_counting = false;

  EXPECT_EQ(s1, Status::kOk);
  EXPECT_EQ(s2, Status::kOk);
  EXPECT_EQ(s3, Status::kOk);
  EXPECT_EQ(s4, Status::kOk);
  EXPECT_EQ(s5, Status::kOk);
  EXPECT_EQ(s6, Status::kNonFiniteInput);
  EXPECT_GT(frame_windows, 0u);
  EXPECT_EQ(g_allocations.load(), 0u);
}

}  // namespace
}  // namespace meterdsp::test
