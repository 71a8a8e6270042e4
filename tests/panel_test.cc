// Panel topology: strip layouts, default phases, logical circuits, and a two-panel run fed in
// the ADC's frame order.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <set>
#include <vector>

#include "meterdsp/meterdsp.h"
#include "reference/signal.h"

namespace meterdsp::test {
namespace {

TEST(PanelTest, DefaultPhasesFollowTheNumbering) {
  // Odd/even numbering: channels 1,2 on A, 3,4 on B, 5,6 on C, 7,8 on A …
  const uint8_t odd_even[8] = {0, 0, 1, 1, 2, 2, 0, 0};
  for (size_t ch = 1; ch <= 8; ++ch) {
    EXPECT_EQ(DefaultPhase(StripLayout::kTopFeed, Wiring::kWye, ch), odd_even[ch - 1]) << ch;
    EXPECT_EQ(DefaultPhase(StripLayout::kBottomFeed, Wiring::kWye, ch), odd_even[ch - 1]) << ch;
    EXPECT_EQ(DefaultPhase(StripLayout::kSequential, Wiring::kWye, ch), (ch - 1) % 3) << ch;
    EXPECT_EQ(DefaultPhase(StripLayout::kSequential, Wiring::kSplitPhase, ch), (ch - 1) % 2) << ch;
    EXPECT_EQ(DefaultPhase(StripLayout::kTopFeed, Wiring::kSinglePhase, ch), 0) << ch;
  }
  EXPECT_EQ(DefaultPhase(StripLayout::kTopFeed, Wiring::kWye, 43), 0);
  EXPECT_EQ(DefaultPhase(StripLayout::kTopFeed, Wiring::kWye, 45), 2);
  EXPECT_EQ(DefaultPhase(StripLayout::kTopFeed, Wiring::kWye, 46), kCurrentOnly);
  EXPECT_EQ(DefaultPhase(StripLayout::kTopFeed, Wiring::kSplitPhase, 45), kCurrentOnly);
}

TEST(PanelTest, StripLayoutsMapEveryCtExactlyOnce) {
  // Strip A CT k is position k−1, strip B CT k is 21 + k − 1, aux 42..45.
  // The reference's table (§10.6): Top Feed odd v → A (v div 2)+1, even → B v/2; Bottom Feed
  // even → A (44−v)/2, odd → B (43−v)/2; Sequential v ≤ 21 → A 22−v, else B v−21; Odd/Even
  // even → B v/2, odd → A (43−v)/2.
  auto a = [](size_t ct) { return ct - 1; };
  auto b = [](size_t ct) { return 21 + ct - 1; };
  for (size_t v = 1; v <= 42; ++v) {
    EXPECT_EQ(InputPosition(StripLayout::kTopFeed, 21, v), v % 2 ? a(v / 2 + 1) : b(v / 2)) << v;
    EXPECT_EQ(InputPosition(StripLayout::kBottomFeed, 21, v), v % 2 ? b((43 - v) / 2) : a((44 - v) / 2)) << v;
    EXPECT_EQ(InputPosition(StripLayout::kSequential, 21, v), v <= 21 ? a(22 - v) : b(v - 21)) << v;
    EXPECT_EQ(InputPosition(StripLayout::kOddEven, 21, v), v % 2 ? a((43 - v) / 2) : b(v / 2)) << v;
  }
  EXPECT_EQ(InputPosition(StripLayout::kTopFeed, 21, 46), 45u);
  for (auto layout : {StripLayout::kTopFeed, StripLayout::kBottomFeed, StripLayout::kSequential,
                      StripLayout::kOddEven}) {
    for (size_t size : {12, 18, 21}) {
      std::set<size_t> seen;
      for (size_t ch = 1; ch <= 46; ++ch) seen.insert(InputPosition(layout, size, ch));
      EXPECT_EQ(seen.size(), 46u);
      EXPECT_EQ(*seen.rbegin(), 45u);
      PanelConfig pc;
      pc.layout[0] = pc.layout[1] = layout;
      pc.strip_size = static_cast<uint8_t>(size);
      WindowConfig wc;
      ASSERT_EQ(ApplyPanel(pc, wc), Status::kOk);
      auto engine = std::make_unique<WindowEngine>();
      EXPECT_EQ(Init(wc, *engine), Status::kOk);  // the frame-column map is a permutation
    }
  }
}

TEST(PanelTest, LogicalCircuitsMustBeAdjacentAndSmall) {
  PanelConfig pc;
  WindowConfig wc;
  pc.circuit[0][0] = pc.circuit[0][2] = pc.circuit[0][4] = 1;  // 1, 3, 5: a 3-pole breaker
  pc.circuit[0][42] = pc.circuit[0][43] = pc.circuit[0][44] = 2;  // mains
  EXPECT_EQ(ApplyPanel(pc, wc), Status::kOk);
  PanelConfig bad = pc;
  bad.circuit[0][1] = 3;  // 2 and 3 are not adjacent positions (2 is across from 1)
  bad.circuit[0][2] = 3;
  bad.circuit[0][0] = bad.circuit[0][4] = 0;
  EXPECT_EQ(ApplyPanel(bad, wc), Status::kBadThreshold);
  bad = pc;
  bad.circuit[0][6] = 1;  // four channels
  EXPECT_EQ(ApplyPanel(bad, wc), Status::kBadThreshold);
  PanelConfig seq;
  seq.layout[0] = StripLayout::kSequential;
  seq.circuit[0][9] = seq.circuit[0][10] = 7;  // 10, 11
  EXPECT_EQ(ApplyPanel(seq, wc), Status::kOk);
  seq.user_phase = true;
  seq.phase[0][3] = 3;
  EXPECT_EQ(ApplyPanel(seq, wc), Status::kBadPhaseAssignment);
  PanelConfig wrong;
  wrong.strip_size = 20;
  EXPECT_EQ(ApplyPanel(wrong, wc), Status::kBadChannelCount);
}

TEST(PanelTest, TwoPanelsFedInAdcOrder) {
  // Panel 1 Top Feed, panel 2 Bottom Feed. Every branch b carries (1 + b/10) A at 20° lag on
  // its default phase; the mains carry the per-phase sums, the neutral their sum.
  constexpr double kFs = 2560;
  const size_t n = static_cast<size_t>(2 * kFs);
  auto cfg = std::make_unique<MeterConfig>();
  PanelConfig pc;
  pc.layout[1] = StripLayout::kBottomFeed;
  pc.circuit[0][0] = pc.circuit[0][2] = pc.circuit[0][4] = 1;
  ASSERT_EQ(ApplyPanel(pc, cfg->window), Status::kOk);
  cfg->window.fs_hz = kFs;
  const size_t nv = 3, nch = nv + 92;
  std::vector<std::vector<double>> chan(nch);  // in channel order
  for (size_t k = 0; k < 3; ++k) chan[k] = Sine(230, 120.0 * static_cast<double>(k), 50, kFs, n);  // B lags A
  for (size_t p = 0; p < 2; ++p) {
    std::vector<double> mains[3] = {std::vector<double>(n), std::vector<double>(n), std::vector<double>(n)};
    for (size_t ch = 1; ch <= 42; ++ch) {
      const size_t ph = DefaultPhase(pc.layout[p], Wiring::kWye, ch);
      auto x = Sine(1 + static_cast<double>(ch) / 10, 20 + 120.0 * static_cast<double>(ph), 50, kFs, n);
      for (size_t t = 0; t < n; ++t) mains[ph][t] += x[t];
      chan[nv + p * 46 + ch - 1] = x;
    }
    std::vector<double> neutral(n);
    for (size_t k = 0; k < 3; ++k) {
      for (size_t t = 0; t < n; ++t) neutral[t] += mains[k][t];
      chan[nv + p * 46 + 42 + k] = mains[k];
    }
    chan[nv + p * 46 + 45] = neutral;
  }
  // The ADC frame: column frame_column[k] holds channel k, as 16-bit codes.
  std::vector<int16_t> frames(n * nch);
  for (size_t k = 0; k < nch; ++k) {
    const double fs = k < nv ? 400.0 : 200.0;
    cfg->window.current_cal[k >= nv ? k - nv : 0].gain = k >= nv ? fs / 32767 : 1;
    if (k < nv) cfg->window.voltage_cal[k].gain = fs / 32767;
    for (size_t t = 0; t < n; ++t) {
      frames[t * nch + cfg->window.frame_column[k]] = static_cast<int16_t>(std::lround(chan[k][t] / fs * 32767));
    }
  }
  auto m = std::make_unique<Meter>();
  ASSERT_EQ(Init(*cfg, *m), Status::kOk);
  std::vector<WindowResult> out(MaxWindowsPerBlock(m->window, n));
  size_t done = 0;
  ASSERT_EQ(Process(*m, FrameBlock<int16_t>{frames.data(), n, nch}, out.data(), out.size(), &done), Status::kOk);
  const WindowResult& r = out[done - 1];
  for (size_t p = 0; p < 2; ++p) {
    for (size_t ch = 1; ch <= 42; ++ch) {
      const double amps = 1 + static_cast<double>(ch) / 10;
      EXPECT_NEAR(r.irms[p * 46 + ch - 1], amps, amps * 1e-3) << p << " " << ch;
      EXPECT_NEAR(r.p[p * 46 + ch - 1], 230 * amps * std::cos(20 * kPi / 180), 230 * amps * 1e-3) << p << " " << ch;
    }
    const CircuitReading mains = Mains(pc, p, r);
    double want = 0;
    for (size_t ch = 1; ch <= 42; ++ch) want += 230 * (1 + static_cast<double>(ch) / 10) * std::cos(20 * kPi / 180);
    EXPECT_EQ(mains.channels, 3);
    EXPECT_NEAR(mains.p, want, want * 1e-3);
    EXPECT_EQ(r.p[p * 46 + 45], 0.0);  // neutral: current only
    EXPECT_GT(r.irms[p * 46 + 45], 0.1);
  }
  const CircuitReading c1 = Circuit(pc, 0, 1, r);
  EXPECT_EQ(c1.channels, 3);
  EXPECT_NEAR(c1.p, r.p[0] + r.p[2] + r.p[4], 1e-9);
  EXPECT_NEAR(c1.s_arith, r.s[0] + r.s[2] + r.s[4], 1e-9);
  EXPECT_NEAR(c1.i_avg, (r.irms[0] + r.irms[2] + r.irms[4]) / 3, 1e-12);
  EXPECT_NEAR(c1.pf, std::cos(20 * kPi / 180), 1e-3);
  EXPECT_EQ(Circuit(pc, 0, 2, r).channels, 0);  // not defined
  const double e1 = CircuitEnergyWh(pc, m->energy, 0, 1, kWhImport);
  EXPECT_NEAR(e1, EnergyWh(m->energy, EnergyScope::kChannel, 0, kWhImport) +
                      EnergyWh(m->energy, EnergyScope::kChannel, 2, kWhImport) +
                      EnergyWh(m->energy, EnergyScope::kChannel, 4, kWhImport), 1e-12);
  EXPECT_GT(MainsEnergyWh(pc, m->energy, 1, kWhImport), 0.0);
}

}  // namespace
}  // namespace meterdsp::test
