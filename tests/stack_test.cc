// Stack high-water marks of the calls firmware makes, measured on a painted thread stack, on
// every compiled SIMD target: the streaming Meter::Process (frames → windows → energy →
// demand → events; planar rows through the tile and read in place), the register-map reads a
// Modbus request makes, Measure and Init.
// Optimised builds assert the firmware budgets (README, firmware section); debug and sanitizer
// builds only report (their frames are several times larger).
#include <gtest/gtest.h>
#include <pthread.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "hwy/targets.h"
#include "meterdsp/meterdsp.h"
#include "reference/signal.h"
#include "targets.h"

namespace meterdsp::test {
namespace {

#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
constexpr bool kAssertBudgets = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAssertBudgets = false;
#else
constexpr bool kAssertBudgets = true;
#endif
#else
constexpr bool kAssertBudgets = true;
#endif

// Budgets in bytes (the largest of every target, with room for compiler differences).
constexpr size_t kProcessBudget = 8 * 1024;
constexpr size_t kRegisterReadBudget = 8 * 1024;

constexpr size_t kStackBytes = size_t{1} << 20;
constexpr uint8_t kPaint = 0xA5;

struct Call {
  void (*fn)(void*);
  void* arg;
};

void* Trampoline(void* p) {
  const Call* c = static_cast<const Call*>(p);
  c->fn(c->arg);
  return nullptr;
}

// Bytes of stack a thread running fn(arg) touched (thread start-up included).
size_t TouchedStack(void (*fn)(void*), void* arg) {
  static uint8_t* const stack = static_cast<uint8_t*>(std::aligned_alloc(4096, kStackBytes));
  std::memset(stack, kPaint, kStackBytes);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, stack, kStackBytes);
  Call call{fn, arg};
  pthread_t thread;
  if (pthread_create(&thread, &attr, Trampoline, &call) != 0) std::abort();
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  size_t untouched = 0;  // the stack grows down from stack + kStackBytes
  while (untouched < kStackBytes && stack[untouched] == kPaint) ++untouched;
  return kStackBytes - untouched;
}

// Stack used by fn itself: the touched stack minus an empty thread's.
template <typename Fn>
size_t StackOf(Fn& fn) {
  const size_t empty = TouchedStack([](void*) {}, nullptr);
  const size_t used = TouchedStack([](void* p) { (*static_cast<Fn*>(p))(); }, &fn);
  return used > empty ? used - empty : 0;
}

// A 92-channel panel meter fed int16 frames and planar float32 (skew-corrected currents, a
// window close in every call) and its register maps.
struct Fixture {
  static constexpr size_t kNc = 92, kFrames = 2560;
  std::unique_ptr<MeterConfig> config = std::make_unique<MeterConfig>();
  std::unique_ptr<Meter> meter = std::make_unique<Meter>();
  std::unique_ptr<WindowResult[]> out = std::make_unique<WindowResult[]>(64);
  PanelConfig panel;
  RegisterSettings settings;
  std::vector<int16_t> frames = std::vector<int16_t>((3 + kNc) * kFrames);
  std::vector<float> v = std::vector<float>(3 * kFrames), i = std::vector<float>(kNc * kFrames);
  Status status = Status::kOk;

  Fixture() {
    if (ApplyPanel(panel, config->window) != Status::kOk) std::abort();
    for (size_t k = 0; k < kNc; ++k) config->window.current_cal[k].skew_us = 3.0 * static_cast<double>(k % 7);
    if (Init(*config, *meter) != Status::kOk) std::abort();
    for (size_t p = 0; p < 3; ++p) {
      const auto vs = Sine(230, -120.0 * static_cast<double>(p), 50.1, 2560, kFrames);
      const auto is = Sine(20, 25 - 120.0 * static_cast<double>(p), 50.1, 2560, kFrames);
      for (size_t t = 0; t < kFrames; ++t) {
        v[p * kFrames + t] = static_cast<float>(vs[t]);
        frames[t * (3 + kNc) + p] = static_cast<int16_t>(vs[t] * 60);
        for (size_t k = p; k < kNc; k += 3) {
          i[k * kFrames + t] = static_cast<float>(is[t]);
          frames[t * (3 + kNc) + 3 + k] = static_cast<int16_t>(is[t] * 400);
        }
      }
    }
  }
  size_t Windows() const { return MaxWindowsPerBlock(meter->window, kFrames); }
};

TEST(StackTest, StreamingAndRegisterReadsStayWithinTheFirmwareBudget) {
  for (int64_t target : TestedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    Fixture f;
    size_t completed = 0, total = 0;
    auto frames = [&] {
      f.status = Process(*f.meter, FrameBlock<int16_t>{f.frames.data(), Fixture::kFrames, 3 + Fixture::kNc},
                         f.out.get(), 64, &completed);
      total += completed;
    };
    auto planar = [&] {
      f.status = Process(*f.meter, PlanarBlock<float>{f.v.data(), Fixture::kFrames, f.i.data(), Fixture::kFrames,
                                                      Fixture::kFrames},
                         f.out.get(), 64, &completed);
      total += completed;
    };
    std::vector<uint16_t> regs(700);
    auto registers = [&] {
      RegisterContext ctx{f.meter.get(), f.config.get(), &f.panel, &f.settings, &f.out[0]};
      f.status = ReadPointMap(ctx, 0, 1000, 672, regs.data());
      if (f.status == Status::kOk) f.status = ReadSunSpec(ctx, 40001, std::min<size_t>(SunSpecLength(ctx), 700), regs.data());
    };
    ASSERT_LE(f.Windows(), 64u);
    const size_t s_frames = StackOf(frames);
    ASSERT_EQ(f.status, Status::kOk);
    const size_t s_planar = StackOf(planar);
    ASSERT_EQ(f.status, Status::kOk);
    EXPECT_GE(total, 8u);  // windows closed in both calls: the deepest path was taken
    const size_t s_registers = StackOf(registers);
    ASSERT_EQ(f.status, Status::kOk);

    auto mc = std::make_unique<MeasureConfig>();
    mc->voltages = 3;
    mc->currents = Fixture::kNc;
    WindowResult one;
    auto measure = [&] {
      f.status = Measure(PlanarBlock<float>{f.v.data(), Fixture::kFrames, f.i.data(), Fixture::kFrames,
                                            Fixture::kFrames},
                         *mc, one);
    };
    const size_t s_measure = StackOf(measure);
    ASSERT_EQ(f.status, Status::kOk);
    auto fresh = std::make_unique<Meter>();
    auto init = [&] { f.status = Init(*f.config, *fresh); };
    const size_t s_init = StackOf(init);
    ASSERT_EQ(f.status, Status::kOk);
    // The same planar rows without skew corrections: the currents are read in place.
    for (size_t k = 0; k < Fixture::kNc; ++k) f.config->window.current_cal[k].skew_us = 0;
    ASSERT_EQ(Init(*f.config, *fresh), Status::kOk);
    (void)SetInPlaceRowsForTest(true);
    auto in_place = [&] {
      f.status = Process(*fresh, PlanarBlock<float>{f.v.data(), Fixture::kFrames, f.i.data(), Fixture::kFrames,
                                                    Fixture::kFrames},
                         f.out.get(), 64, &completed);
    };
    const size_t s_in_place = StackOf(in_place);
    ASSERT_EQ(f.status, Status::kOk);
    EXPECT_GE(completed, 4u);
    EXPECT_GT(SetInPlaceRowsForTest(true), 0u);  // the call read its currents in place

    std::printf("[ %-7s ] stack bytes: Process int16 frames %zu, float32 planar %zu (in place %zu); register "
                "reads %zu; Measure %zu; Init %zu\n",
                hwy::TargetName(target), s_frames, s_planar, s_in_place, s_registers, s_measure, s_init);
    if (kAssertBudgets) {
      EXPECT_LE(s_frames, kProcessBudget) << hwy::TargetName(target);
      EXPECT_LE(s_planar, kProcessBudget) << hwy::TargetName(target);
      EXPECT_LE(s_in_place, kProcessBudget) << hwy::TargetName(target);
      EXPECT_LE(s_registers, kRegisterReadBudget) << hwy::TargetName(target);
    }
    EXPECT_GT(s_frames, 256u);  // the measurement sees the call at all
  }
  hwy::SetSupportedTargetsForTest(0);
}

}  // namespace
}  // namespace meterdsp::test
