// The BCPM-style point map: values against the meter's own readings, scales, invalid channels,
// word order, wrap-around, and validated all-or-nothing writes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "meterdsp/meterdsp.h"
#include "reference/signal.h"

namespace meterdsp::test {
namespace {

constexpr double kFs = 2560;

struct Rig {
  std::unique_ptr<MeterConfig> cfg = std::make_unique<MeterConfig>();
  std::unique_ptr<Meter> meter = std::make_unique<Meter>();
  PanelConfig panel;
  RegisterSettings settings;
  std::vector<WindowResult> out;
  WindowResult last{};
  RegisterContext ctx;

  explicit Rig(uint8_t strip_size = 21) {
    panel.strip_size = strip_size;
    panel.circuit[0][0] = panel.circuit[0][2] = panel.circuit[0][4] = 1;
    EXPECT_EQ(ApplyPanel(panel, cfg->window), Status::kOk);
    ApplyPanelDemandGroups(panel, cfg->demand);
    cfg->window.fs_hz = kFs;
    cfg->window.nominal_hz = 60;
    cfg->demand.subinterval_s = 10;
    EXPECT_EQ(Init(*cfg, *meter), Status::kOk);
    ctx = RegisterContext{meter.get(), cfg.get(), &panel, &settings, nullptr};
  }
  // Feeds `seconds` of 120 V wye with every present channel at (1 + ch/10) A, 20° lag.
  void Run(double seconds, double amps_scale = 1.0) {
    const size_t n = static_cast<size_t>(seconds * kFs);
    const size_t nv = 3, nc = cfg->window.currents;
    std::vector<float> v(nv * n), i(nc * n);
    for (size_t k = 0; k < nv; ++k) {
      const auto x = Sine(120, 120.0 * static_cast<double>(k), 60, kFs, n);
      for (size_t t = 0; t < n; ++t) v[k * n + t] = static_cast<float>(x[t]);
    }
    for (size_t k = 0; k < nc; ++k) {
      const size_t ch = k % 46 + 1;
      const uint8_t ph = cfg->window.phase[k] == kCurrentOnly ? 0 : cfg->window.phase[k];
      const auto x = Sine(amps_scale * (1 + static_cast<double>(ch) / 10), 20 + 120.0 * ph, 60, kFs, n);
      for (size_t t = 0; t < n; ++t) i[k * n + t] = static_cast<float>(x[t]);
    }
    out.resize(MaxWindowsPerBlock(meter->window, n));
    size_t done = 0;
    ASSERT_EQ(Process(*meter, PlanarBlock<float>{v.data(), n, i.data(), n, n}, out.data(), out.size(), &done),
              Status::kOk);
    ASSERT_GT(done, 0u);
    last = out[done - 1];
    ctx.last = &last;
  }
  uint16_t Reg(size_t reg, size_t unit = 0) {
    uint16_t x = 0;
    EXPECT_EQ(ReadPointMap(ctx, unit, static_cast<uint32_t>(reg), 1, &x), Status::kOk) << reg;
    return x;
  }
  double Scaled(size_t reg, size_t scale_reg, size_t unit = 0) {
    return static_cast<int16_t>(Reg(reg, unit)) * std::pow(10.0, static_cast<int16_t>(Reg(scale_reg, unit)));
  }
  double Float(size_t reg, size_t unit = 0) {
    uint16_t x[2];
    EXPECT_EQ(ReadPointMap(ctx, unit, static_cast<uint32_t>(reg), 2, x), Status::kOk);
    const uint32_t u = settings.order == WordOrder::kHighFirst ? (uint32_t{x[0]} << 16) | x[1]
                                                              : (uint32_t{x[1]} << 16) | x[0];
    float f;
    std::memcpy(&f, &u, sizeof(f));
    return f;
  }
  uint32_t U32(size_t reg, size_t unit = 0) {
    uint16_t x[2];
    EXPECT_EQ(ReadPointMap(ctx, unit, static_cast<uint32_t>(reg), 2, x), Status::kOk);
    return settings.order == WordOrder::kHighFirst ? (uint32_t{x[0]} << 16) | x[1] : (uint32_t{x[1]} << 16) | x[0];
  }
};

TEST(PointMapTest, ValuesMatchTheMetersReadings) {
  Rig rig;
  rig.Run(12);
  const WindowResult& w = rig.last;
  EXPECT_EQ(rig.Reg(5), 15172);
  EXPECT_EQ(rig.Reg(6), 0);  // Top Feed
  EXPECT_EQ(rig.Reg(71), 1);
  EXPECT_EQ(rig.Reg(72), 10);
  for (size_t ch : {1, 2, 17, 42}) {
    const size_t k = ch - 1, m = ch - 1;
    EXPECT_NEAR(rig.Scaled(1336 + m, 1000 + m), w.irms[k], 0.01) << ch;           // current
    EXPECT_NEAR(rig.Scaled(1252 + m, 1042 + m), w.p[k] / 1000, 0.01) << ch;       // kW
    EXPECT_NEAR(static_cast<int16_t>(rig.Reg(1294 + m)) * 1e-3, w.pf[k], 1e-3) << ch;
    EXPECT_NEAR(rig.Scaled(1630 + m, 1042 + m), w.s[k] / 1000, 0.01) << ch;       // kVA
    EXPECT_NEAR(rig.Float(2252 + 2 * m), w.irms[k], 1e-4 * w.irms[k]) << ch;      // float mirror
    EXPECT_NEAR(rig.Float(2084 + 2 * m), w.p[k] / 1000, 1e-6) << ch;
    const double wh = EnergyWh(rig.meter->energy, EnergyScope::kChannel, k, kWhImport);
    EXPECT_EQ(rig.U32(1168 + 2 * m), static_cast<uint32_t>(std::floor(wh))) << ch;  // Wh (scale −3)
    EXPECT_NEAR(rig.Float(2000 + 2 * m), wh / 1000, 1e-6) << ch;
    EXPECT_NEAR(rig.Scaled(1378 + m, 1042 + m), rig.meter->demand.present[kDemandPower0 + k] / 1000, 0.01);
  }
  // Common section: voltages, frequency, mains.
  EXPECT_NEAR(rig.Scaled(248, 244), 120, 0.1);
  EXPECT_NEAR(rig.Scaled(251, 244), 120 * std::sqrt(3.0), 0.1);
  EXPECT_NEAR(static_cast<int16_t>(rig.Reg(245)) * 0.01, 60, 0.011);
  EXPECT_NEAR(rig.Float(600), w.frequency_hz, 1e-4);
  const CircuitReading mains = Mains(rig.panel, 0, w);
  EXPECT_NEAR(rig.Scaled(256, 292), mains.p / 1000, 0.051);  // 0.1 kW steps for 200 A mains CTs
  EXPECT_NEAR(rig.Float(620), mains.p / 1000, 1e-5);
  EXPECT_NEAR(rig.Scaled(265, 284), w.irms[42], 0.01);
  EXPECT_NEAR(rig.Float(676), mains.s_arith / 1000, 1e-5);  // 540 → 676
  EXPECT_EQ(rig.U32(254), static_cast<uint32_t>(std::floor(MainsEnergyWh(rig.panel, rig.meter->energy, 0, kWhImport))));
  // The neutral (46) has no power: its kvar reads NaN, its current is valid.
  EXPECT_TRUE(std::isnan(rig.Float(20101 + 2 * 45)));
  EXPECT_FALSE(std::isnan(rig.Float(20001 + 2 * 45)));
  // Extension block: angle, kvar, logical circuit 1.
  EXPECT_NEAR(rig.Float(20001), w.angle_deg[0], 1e-4);
  EXPECT_NEAR(rig.Float(20101), w.q[0] / 1000, 1e-6);
  EXPECT_EQ(rig.Reg(21351), 1);
  EXPECT_NEAR(rig.Float(21401), Circuit(rig.panel, 0, 1, w).p / 1000, 1e-5);
  // Panel 2 is its own unit.
  EXPECT_NEAR(rig.Scaled(1336, 1000, 1), w.irms[46], 0.01);
}

TEST(PointMapTest, InvalidChannelsWordOrderAndWrap) {
  Rig rig(12);  // 12-CT strips: channels 25–42 do not exist
  rig.Run(2);
  EXPECT_EQ(rig.Reg(1336 + 29), 0x8000);
  EXPECT_TRUE(std::isnan(rig.Float(2252 + 2 * 29)));
  EXPECT_NE(rig.Reg(1336 + 10), 0x8000);
  const double before = rig.Float(2252);
  rig.settings.order = WordOrder::kLowFirst;
  EXPECT_EQ(rig.Float(2252), before);
  // Energy registers wrap modulo 2^32 Wh.
  ASSERT_EQ(PresetEnergy(rig.meter->energy, 3, kWhImport, 4294967296.0 + 5.5, 0), Status::kOk);
  EXPECT_EQ(rig.U32(1168 + 2 * 3), 5u);
  // Unmapped registers are illegal addresses, and a range touching one writes nothing.
  uint16_t x[4] = {1, 2, 3, 4};
  EXPECT_EQ(ReadPointMap(rig.ctx, 0, 9000, 1, x), Status::kIllegalAddress);
  EXPECT_EQ(ReadPointMap(rig.ctx, 0, 2922, 4, x), Status::kIllegalAddress);
  EXPECT_EQ(x[0], 1);
  EXPECT_EQ(ReadPointMap(rig.ctx, 2, 5, 1, x), Status::kIllegalAddress);  // no third panel
}

TEST(PointMapTest, WritesAreValidatedAndAllOrNothing) {
  Rig rig;
  rig.Run(2);
  uint16_t ro = 1;
  EXPECT_EQ(WritePointMap(rig.ctx, 0, 245, 1, &ro), Status::kIllegalAddress);  // read-only
  const uint16_t thresholds[2] = {650, 1001};
  EXPECT_EQ(WritePointMap(rig.ctx, 0, 171, 2, thresholds), Status::kIllegalValue);
  EXPECT_EQ(rig.Reg(171), 700);  // nothing applied
  const uint16_t good[2] = {650, 550};
  ASSERT_EQ(WritePointMap(rig.ctx, 0, 171, 2, good), Status::kOk);
  EXPECT_EQ(rig.Reg(171), 650);
  EXPECT_EQ(rig.Reg(172), 550);
  EXPECT_DOUBLE_EQ(rig.meter->events.config.channel[5].level[0], 65.0);
  EXPECT_DOUBLE_EQ(rig.meter->events.config.channel[46].level[0], 70.0);  // panel 2 untouched
  const uint16_t bad_cmd = 12345;
  EXPECT_EQ(WritePointMap(rig.ctx, 0, 295, 1, &bad_cmd), Status::kIllegalValue);
  // Clear kWh of panel 1 only.
  const double p2 = EnergyWh(rig.meter->energy, EnergyScope::kChannel, 46, kWhImport);
  const uint16_t clear = 10203;
  ASSERT_EQ(WritePointMap(rig.ctx, 0, 295, 1, &clear), Status::kOk);
  EXPECT_EQ(EnergyWh(rig.meter->energy, EnergyScope::kChannel, 0, kWhImport), 0.0);
  EXPECT_EQ(EnergyWh(rig.meter->energy, EnergyScope::kChannel, 46, kWhImport), p2);
  // Strip configuration: Sequential would break logical circuit 1 (channels 1, 3, 5 are not
  // adjacent there), so it is refused; without the circuit it re-derives columns and phases.
  const uint16_t seq = 2;
  EXPECT_EQ(WritePointMap(rig.ctx, 0, 6, 1, &seq), Status::kIllegalValue);
  EXPECT_EQ(rig.Reg(6), 0);
  rig.panel.circuit[0][0] = rig.panel.circuit[0][2] = rig.panel.circuit[0][4] = 0;
  ASSERT_EQ(WritePointMap(rig.ctx, 0, 6, 1, &seq), Status::kOk);
  EXPECT_EQ(rig.Reg(6), 2);
  EXPECT_EQ(rig.meter->window.config.phase[1], 1);  // channel 2 is on B in sequential numbering
  EXPECT_EQ(rig.meter->window.config.frame_column[3], 3 + 20);  // ch 1 → strip A CT 21
  // CT size 200 A: the same signal now reads twice the current.
  const uint16_t ct = 200;
  ASSERT_EQ(WritePointMap(rig.ctx, 0, 73, 1, &ct), Status::kOk);
  rig.Run(2);
  EXPECT_NEAR(rig.last.irms[0], 2 * 1.1, 0.01);
  // Latched alarms clear by writing 0 to their bit.
  rig.meter->events.status[3] = kEventHigh | kEventNlHigh;
  const uint16_t zero = 0;
  ASSERT_EQ(WritePointMap(rig.ctx, 0, 178 + 3, 1, &zero), Status::kOk);
  EXPECT_EQ(rig.meter->events.status[3], kEventNlHigh);
  // User phase assignment.
  const uint16_t on = 1, phase_c = 2;
  ASSERT_EQ(WritePointMap(rig.ctx, 0, 62017, 1, &on), Status::kOk);
  ASSERT_EQ(WritePointMap(rig.ctx, 0, 62116, 1, &phase_c), Status::kOk);
  EXPECT_EQ(rig.meter->window.config.phase[0], 2);
  EXPECT_EQ(rig.meter->energy.phase[0], 2);  // phase totals and voltage events follow
  EXPECT_EQ(rig.meter->events.phase[0], 2);
  const uint16_t phase_bad = 3;
  EXPECT_EQ(WritePointMap(rig.ctx, 0, 62117, 1, &phase_bad), Status::kIllegalValue);
}

TEST(PointMapTest, EveryIntegerWithAScaleMatchesItsFloatMirror) {
  Rig rig;
  rig.Run(12, 3.0);  // up to 15 A on 100 A CTs
  for (uint32_t i = 1252; i <= 1671; ++i) {
    const size_t j = (i - 1252) / 42, m = (i - 1252) % 42;
    if (j == 1) continue;  // PF: fixed scale, checked above
    const bool amps = j == 2 || j == 5 || j == 6 || j == 8;
    const size_t scale_reg = (amps ? 1000 : 1042) + m;
    const double step = std::pow(10.0, static_cast<int16_t>(rig.Reg(scale_reg)));
    const double f = rig.Float(2084 + 2 * (i - 1252));
    EXPECT_NEAR(rig.Scaled(i, scale_reg), f, step * 0.51 + 1e-9) << i;
  }
}

}  // namespace
}  // namespace meterdsp::test
