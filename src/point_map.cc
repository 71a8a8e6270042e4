// The BCPM-style point map (reference §10) plus the documented extension block.
// Reads compute each register from the meter state; writes validate the whole request first.
#include <cmath>
#include <cstring>
#include <initializer_list>

#include "meterdsp/registers.h"

namespace meterdsp {
namespace {

constexpr uint16_t kInvalid16 = 0x8000;
constexpr int kVoltageScale = -1;   // 0.1 V
constexpr int kEnergyScale = -3;    // kWh registers count Wh
constexpr double kMaxLineNeutral = 347.0;  // 600 V L-L systems
constexpr double kHeadroom = 1.5;          // scales cover 1.5 × the CT rating

double Pow10(int s) { return std::pow(10.0, s); }

// Finest exponent that keeps `max_abs` inside int16 (with a little margin).
int ScaleFor(double max_abs) {
  for (int s = -3; s < 5; ++s) {
    if (max_abs / Pow10(s) <= 32000.0) return s;
  }
  return 5;
}

uint16_t Int16(double x, int scale) {
  if (!std::isfinite(x)) return kInvalid16;
  double v = std::round(x / Pow10(scale));
  if (v > 32767) v = 32767;
  if (v < -32767) v = -32767;
  return static_cast<uint16_t>(static_cast<int16_t>(v));
}

uint16_t Scale16(int s) { return static_cast<uint16_t>(static_cast<int16_t>(s)); }

// kWh register: whole Wh, modulo 2^32 (wraps at the register width, never saturates).
uint32_t Energy32(double wh) {
  if (!std::isfinite(wh) || wh < 0) return 0;
  return static_cast<uint32_t>(std::fmod(std::floor(wh), 4294967296.0));
}

uint32_t FloatBits(double x) {
  const float f = std::isfinite(x) ? static_cast<float>(x) : std::nanf("");
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

uint16_t Half(uint32_t v, bool second, WordOrder order) {
  const bool high = (order == WordOrder::kHighFirst) != second;
  return static_cast<uint16_t>(high ? v >> 16 : v & 0xFFFFu);
}

struct View {
  const RegisterContext& c;
  size_t unit;
  const Meter& m() const { return *c.meter; }
  const WindowResult* w() const { return c.last; }
  size_t Index(size_t ch) const { return unit * kPanelChannels + ch - 1; }
  uint16_t Ct(size_t ch) const { return c.settings->ct_size_a[unit][ch - 1]; }
  bool Present(size_t ch) const { return ch > kPanelBranches || ch <= 2u * c.panel->strip_size; }
  bool HasPower(size_t ch) const {
    return Present(ch) && m().window.config.phase[Index(ch)] != kCurrentOnly;
  }
  double Irms(size_t ch) const { return w() && Present(ch) ? w()->irms[Index(ch)] : NAN; }
  double Field(const double* f, size_t ch) const { return w() && HasPower(ch) ? f[Index(ch)] : NAN; }
  double P(size_t ch) const { return w() ? Field(w()->p, ch) : NAN; }
  double Pf(size_t ch) const { return w() ? Field(w()->pf, ch) : NAN; }
  double S(size_t ch) const { return w() ? Field(w()->s, ch) : NAN; }
  double Energy(size_t ch, EnergyRegister r) const {
    return Present(ch) ? EnergyWh(m().energy, EnergyScope::kChannel, Index(ch), r) : NAN;
  }
  double Demand(size_t q, size_t ch) const { return Present(ch) ? m().demand.present[q + Index(ch)] : NAN; }
  double MaxDemand(size_t q, size_t ch) const { return Present(ch) ? m().demand.max[q + Index(ch)] : NAN; }
  int CurrentScale(size_t ch) const { return ScaleFor(kHeadroom * Ct(ch)); }
  int PowerScale(size_t ch) const { return ScaleFor(kHeadroom * Ct(ch) * kMaxLineNeutral / 1000.0); }  // kW
  int Power3Scale() const { return ScaleFor(3 * kHeadroom * Ct(43) * kMaxLineNeutral / 1000.0); }
  size_t Mains() const { return WiringVoltages(c.panel->wiring); }
  const ChannelEventConfig& Ev(size_t ch) const { return m().events.config.channel[Index(ch)]; }
};

// Engineering value behind common-section register `reg` (245–283 except 255, 540–543).
double CommonValue(const View& v, uint32_t reg) {
  const WindowResult* w = v.w();
  const size_t nv = v.m().window.config.voltages;
  auto vrms = [&](size_t k) { return w && k < nv ? w->vrms[k] : NAN; };
  auto vll = [&](size_t k) { return w ? w->vll_rms[k] : NAN; };
  const size_t g = v.unit;  // demand group of this panel's mains is g + 1
  double sum = 0;
  switch (reg) {
    case 245: return w ? w->frequency_hz : NAN;
    case 246:
      for (size_t k = 0; k < nv; ++k) sum += vrms(k);
      return sum / static_cast<double>(nv);
    case 247: {
      const size_t n = nv == 3 ? 3 : nv == 2 ? 1 : 0;
      for (size_t k = 0; k < n; ++k) sum += vll(k);
      return n ? sum / static_cast<double>(n) : NAN;
    }
    case 248: case 249: case 250: return vrms(reg - 248);
    case 251: case 252: return vll(reg - 251);
    case 253: return vll(2);
    case 254: return MainsEnergyWh(*v.c.panel, v.m().energy, v.unit, kWhImport) / 1000.0;
    case 256: return w ? Mains(*v.c.panel, v.unit, *w).p / 1000.0 : NAN;
    case 257: return w ? Mains(*v.c.panel, v.unit, *w).pf : NAN;
    case 258: return w ? Mains(*v.c.panel, v.unit, *w).i_avg : NAN;
    case 259: case 260: case 261: return v.P(43 + reg - 259) / 1000.0;
    case 262: case 263: case 264: return v.Pf(43 + reg - 262);
    case 265: case 266: case 267: case 268: return v.Irms(43 + reg - 265);
    case 269: case 270: case 271: case 272: return v.Demand(kDemandCurrent0, 43 + reg - 269);
    case 273: case 274: case 275: case 276: return v.MaxDemand(kDemandCurrent0, 43 + reg - 273);
    case 277: return v.m().demand.present[kDemandGroupPower0 + g] / 1000.0;
    case 278: return v.m().demand.max[kDemandGroupPower0 + g] / 1000.0;
    case 279: case 280: case 281: case 282: return v.m().demand.max_irms[v.Index(43 + reg - 279)];
    case 283: return v.m().demand.max_p_group[g] / 1000.0;
    case 540: return w ? Mains(*v.c.panel, v.unit, *w).s_arith / 1000.0 : NAN;
    case 541: case 542: case 543: return v.S(43 + reg - 541) / 1000.0;
  }
  return NAN;
}

int CommonScale(const View& v, uint32_t reg) {
  if (reg == 245) return -2;
  if (reg <= 253) return kVoltageScale;
  if (reg == 257 || (reg >= 262 && reg <= 264)) return -3;
  if (reg == 256 || reg == 277 || reg == 278 || reg == 283 || reg == 540) return v.Power3Scale();
  if (reg == 258) return v.CurrentScale(43);
  if ((reg >= 259 && reg <= 261) || (reg >= 541 && reg <= 543)) {
    return v.PowerScale(43 + (reg >= 541 ? reg - 541 : reg - 259));
  }
  const size_t ch = 43 + (reg - 265) % 4;  // currents, demands, maxima of aux 1–4
  return v.CurrentScale(ch);
}

// The int register each common float slot mirrors: 245–253, the kWh pair, 256–283, 540–543.
uint32_t CommonSlotRegister(uint32_t slot) {
  if (slot <= 8) return 245 + slot;
  if (slot == 9) return 254;
  if (slot <= 37) return 256 + (slot - 10);
  return 540 + (slot - 38);
}

// Single-phase section: value of block j (kW, PF, I, kW demand, max kW demand, I demand, max I
// demand, max kW, max I, kVA) for channel ch.
double SinglePhaseValue(const View& v, size_t j, size_t ch) {
  const DemandState& d = v.m().demand;
  switch (j) {  // kW, kVA, A
    case 0: return v.P(ch) / 1000.0;
    case 1: return v.Pf(ch);
    case 2: return v.Irms(ch);
    case 3: return v.HasPower(ch) ? v.Demand(kDemandPower0, ch) / 1000.0 : NAN;
    case 4: return v.HasPower(ch) ? v.MaxDemand(kDemandPower0, ch) / 1000.0 : NAN;
    case 5: return v.Demand(kDemandCurrent0, ch);
    case 6: return v.MaxDemand(kDemandCurrent0, ch);
    case 7: return v.HasPower(ch) ? d.max_p[v.Index(ch)] / 1000.0 : NAN;
    case 8: return v.Present(ch) ? d.max_irms[v.Index(ch)] : NAN;
    case 9: return v.S(ch) / 1000.0;
  }
  return NAN;
}
int SinglePhaseScale(const View& v, size_t j, size_t ch) {
  if (j == 1) return -3;
  return (j == 2 || j == 5 || j == 6 || j == 8) ? v.CurrentScale(ch) : v.PowerScale(ch);
}

// Extension block: per-channel float arrays at 20001 + 100·j, in the map's units (kvar, kVA,
// kWh, kvarh, kVAh, kW).
double ExtensionValue(const View& v, size_t j, size_t ch) {
  const WindowResult* w = v.w();
  const size_t k = v.Index(ch);
  static const EnergyRegister kRegs[7] = {kWhExport, kVarhQ1, kVarhQ2, kVarhQ3, kVarhQ4, kVAhImport, kVAhExport};
  switch (j) {
    case 0: return w && v.Present(ch) ? w->angle_deg[k] : NAN;
    case 1: return w ? v.Field(w->q, ch) / 1000.0 : NAN;
    case 2: return w ? v.Field(w->s, ch) / 1000.0 : NAN;
    case 3: return w ? v.Field(w->n, ch) / 1000.0 : NAN;
    case 4: return w ? v.Field(w->dpf, ch) : NAN;
    case 5: case 6: case 7: case 8: case 9: case 10: case 11:
      return v.HasPower(ch) ? v.Energy(ch, kRegs[j - 5]) / 1000.0 : NAN;
    case 12: return v.HasPower(ch) ? PredictedDemand(v.m().demand, kDemandPower0 + k) / 1000.0 : NAN;
  }
  return NAN;
}
constexpr size_t kExtensionArrays = 13;

double CircuitValue(const View& v, size_t j, size_t circuit) {
  const PanelConfig& pc = *v.c.panel;
  if (j >= 6) {
    return CircuitEnergyWh(pc, v.m().energy, v.unit, circuit, j == 6 ? kWhImport : kWhExport) / 1000.0;
  }
  if (!v.w()) return NAN;
  const CircuitReading r = Circuit(pc, v.unit, circuit, *v.w());
  if (r.channels == 0) return NAN;
  const double vals[6] = {r.p / 1000, r.q / 1000, r.s_arith / 1000, r.s_vector / 1000, r.pf, r.i_avg};
  return vals[j];
}
constexpr size_t kCircuitArrays = 8;

bool ReadOne(const View& v, uint32_t reg, uint16_t* out) {
  const RegisterSettings& st = *v.c.settings;
  const WordOrder order = st.order;
  const EventState& ev = v.m().events;
  const DemandState& dm = v.m().demand;
  const PanelConfig& pc = *v.c.panel;
  if (reg == 1 || reg == 2) return *out = Half(st.serial, reg == 2, WordOrder::kHighFirst), true;
  if (reg == 3) return *out = 100, true;   // firmware RS: library 1.00
  if (reg == 4) return *out = 1, true;
  if (reg == 5) return *out = 15172, true;  // Model A: current and power on all channels
  if (reg == 6) return *out = static_cast<uint16_t>(pc.layout[v.unit]), true;
  if (reg >= 7 && reg <= 70) {
    const char* l = st.location[v.unit];
    const size_t i = 2 * (reg - 7);
    return *out = static_cast<uint16_t>((static_cast<uint8_t>(l[i]) << 8) | static_cast<uint8_t>(l[i + 1])), true;
  }
  if (reg == 71) return *out = static_cast<uint16_t>(dm.config.subintervals), true;
  if (reg == 72) {
    return *out = dm.config.mode == DemandMode::kSyncToComms ? 0 : static_cast<uint16_t>(dm.config.subinterval_s), true;
  }
  if (reg >= 73 && reg <= 118) return *out = v.Ct(reg - 72), true;
  if (reg >= 119 && reg <= 164) return *out = static_cast<uint16_t>(std::lround(v.Ev(reg - 118).base)), true;
  if (reg >= 165 && reg <= 168) return *out = static_cast<uint16_t>(std::lround(v.Ev(1).delay_s[reg - 165])), true;
  if (reg == 169) return *out = static_cast<uint16_t>(std::lround(v.Ev(1).on_time_s)), true;
  if (reg == 170) return *out = static_cast<uint16_t>(std::lround(v.Ev(1).off_time_s)), true;
  if (reg >= 171 && reg <= 177) {
    const ChannelEventConfig& e = v.Ev(1);
    const double pct[7] = {e.level[0], e.level[1], e.level[2], e.level[3], e.nl_high, e.nl_low, e.hysteresis_pct};
    return *out = static_cast<uint16_t>(std::lround(pct[reg - 171] * 10)), true;
  }
  if (reg >= 178 && reg <= 223) return *out = ev.status[v.Index(reg - 177)], true;
  if (reg >= 224 && reg <= 229) {
    uint16_t lat = 0, nl = 0, in_lat = 0, in_nl = 0;
    for (size_t ch = 1; ch <= kPanelChannels; ++ch) {
      const uint16_t s = ev.status[v.Index(ch)];
      lat |= s & kEventLatchingMask;
      if (s & kEventNlHigh) nl |= 1;
      if (s & kEventNlLow) nl |= 2;
      if (s & kEventLatchingMask) ++in_lat;
      if (s & (kEventNlHigh | kEventNlLow)) ++in_nl;
    }
    for (size_t k = 0; k < ev.voltages; ++k) {
      if (ev.v_status[k] & 1) lat |= 1u << 8;
      if (ev.v_status[k] & 2) lat |= 1u << 9;
      if (ev.v_status[k] & kEventNlHigh) nl |= 1u << 8;
      if (ev.v_status[k] & kEventNlLow) nl |= 1u << 9;
    }
    auto local = [&](uint16_t recent) {
      return recent > v.unit * kPanelChannels && recent <= (v.unit + 1) * kPanelChannels
                 ? static_cast<uint16_t>(recent - v.unit * kPanelChannels) : uint16_t{0};
    };
    const uint16_t vals[6] = {lat, nl, local(ev.recent_latching), local(ev.recent_nonlatching), in_lat, in_nl};
    return *out = vals[reg - 224], true;
  }
  if (reg >= 230 && reg <= 235) return *out = 0, true;
  if (reg == 236 || reg == 237) return *out = static_cast<uint16_t>(std::lround(ev.config.voltage[0].timer_s)), true;
  if (reg == 238) return *out = Int16(ev.config.voltage[0].over_v, kVoltageScale), true;
  if (reg == 239) return *out = Int16(ev.config.voltage[0].under_v, kVoltageScale), true;
  if (reg == 240) return *out = static_cast<uint16_t>(std::lround(ev.config.voltage[0].hysteresis_pct * 10)), true;
  if (reg >= 241 && reg <= 243) return *out = reg - 241 < ev.voltages ? ev.v_status[reg - 241] : 0, true;
  if (reg == 244) return *out = Scale16(kVoltageScale), true;
  if (reg == 254 || reg == 255) {
    return *out = Half(Energy32(CommonValue(v, 254) * 1000.0), reg == 255, order), true;
  }
  if ((reg >= 245 && reg <= 283) || (reg >= 540 && reg <= 543)) {
    return *out = Int16(CommonValue(v, reg), CommonScale(v, reg)), true;
  }
  if (reg >= 284 && reg <= 287) return *out = Scale16(v.CurrentScale(43 + reg - 284)), true;
  if (reg >= 288 && reg <= 290) return *out = Scale16(v.PowerScale(43 + reg - 288)), true;
  if (reg == 291) return *out = Scale16(kEnergyScale), true;
  if (reg == 292) return *out = Scale16(v.Power3Scale()), true;
  if (reg == 293) return *out = Scale16(v.CurrentScale(43)), true;
  if (reg == 294 || reg == 295) return *out = 0, true;  // command registers read 0
  if (reg >= 296 && reg <= 300) return *out = ev.global_counter[reg - 296], true;
  if (reg >= 301 && reg <= 530) {
    const size_t level = (reg - 301) / kPanelChannels, ch = (reg - 301) % kPanelChannels + 1;
    return *out = ev.counter[v.Index(ch)][level], true;
  }
  if (reg == 531) return *out = st.power_ups, true;
  if (reg == 532) {
    uint16_t h = 1u << 15;  // Model A
    const WindowResult* w = v.w();
    if (w && (w->flags & (kFlagFreqOutOfRange | kFlagNoVoltage))) h |= 1u << 1;
    for (size_t ch = 1; w && ch <= kPanelChannels; ++ch) {
      if (w->flags_ch[v.Index(ch)] & kFlagClipped) h |= 1u << 5;
    }
    return *out = h, true;
  }
  if (reg >= 533 && reg <= 538) return *out = 0, true;
  if (reg == 539) return *out = 1, true;
  if (reg >= 600 && reg <= 683) {
    const uint32_t slot = (reg - 600) / 2;
    return *out = Half(FloatBits(CommonValue(v, CommonSlotRegister(slot))), (reg - 600) % 2, order), true;
  }
  // Single-phase section.
  if (reg >= 1000 && reg <= 1041) return *out = Scale16(v.CurrentScale(reg - 999)), true;
  if (reg >= 1042 && reg <= 1083) return *out = Scale16(v.PowerScale(reg - 1041)), true;
  if (reg >= 1084 && reg <= 1125) return *out = Scale16(kEnergyScale), true;
  if (reg >= 1126 && reg <= 1167) return *out = 0, true;
  if (reg >= 1168 && reg <= 1251) {
    const size_t ch = (reg - 1168) / 2 + 1;
    if (!v.HasPower(ch)) return *out = kInvalid16, true;
    return *out = Half(Energy32(v.Energy(ch, kWhImport)), (reg - 1168) % 2, order), true;
  }
  if (reg >= 1252 && reg <= 1671) {
    const size_t j = (reg - 1252) / kPanelBranches, ch = (reg - 1252) % kPanelBranches + 1;
    return *out = Int16(SinglePhaseValue(v, j, ch), SinglePhaseScale(v, j, ch)), true;
  }
  if (reg >= 2000 && reg <= 2083) {
    const size_t ch = (reg - 2000) / 2 + 1;
    return *out = Half(FloatBits(v.HasPower(ch) ? v.Energy(ch, kWhImport) / 1000.0 : NAN), (reg - 2000) % 2, order), true;
  }
  if (reg >= 2084 && reg <= 2923) {
    const uint32_t i = 1252 + (reg - 2084) / 2;
    const size_t j = (i - 1252) / kPanelBranches, ch = (i - 1252) % kPanelBranches + 1;
    return *out = Half(FloatBits(SinglePhaseValue(v, j, ch)), (reg - 2084) % 2, order), true;
  }
  // Extension block (docs/registers.md).
  if (reg >= 20001 && reg < 20001 + 100 * kExtensionArrays) {
    const size_t j = (reg - 20001) / 100, off = (reg - 20001) % 100;
    if (off >= 2 * kPanelChannels) return false;
    return *out = Half(FloatBits(ExtensionValue(v, j, off / 2 + 1)), off % 2, order), true;
  }
  if (reg >= 21301 && reg <= 21346) {
    const WindowResult* w = v.w();
    return *out = w ? static_cast<uint16_t>(w->flags_ch[v.Index(reg - 21300)]) : 0, true;
  }
  if (reg >= 21351 && reg <= 21396) return *out = pc.circuit[v.unit][reg - 21351], true;
  if (reg >= 21401 && reg < 21401 + 100 * kCircuitArrays) {
    const size_t j = (reg - 21401) / 100, off = (reg - 21401) % 100;
    if (off >= 2 * kMaxCircuits) return false;
    return *out = Half(FloatBits(CircuitValue(v, j, off / 2 + 1)), off % 2, order), true;
  }
  if (reg >= 22201 && reg <= 22208) {
    const WindowResult* w = v.w();
    const size_t slot = (reg - 22201) / 2;
    const double x = !w ? NAN : slot < 3 ? (slot < w->voltages ? w->v_angle_deg[slot] : NAN) : w->frequency_10s_hz;
    return *out = Half(FloatBits(x), (reg - 22201) % 2, order), true;
  }
  if (reg == 62017) return *out = pc.user_phase ? 1 : 0, true;
  if (reg >= 62116 && reg <= 62160) {
    const uint8_t ph = v.m().window.config.phase[v.Index(reg - 62115)];
    return *out = ph == kCurrentOnly ? 0xFFFF : ph, true;
  }
  if (reg == 62161) return *out = 0xFFFF, true;  // aux 4: no power calculations
  return false;
}

// ------------------------------------------------------------------ writes

enum class WriteKind { kNone, kLayout, kLocation, kSubintervals, kSubLength, kCtSize, kBreaker,
                       kDelay, kOnTime, kOffTime, kThreshold, kStatus, kVTimer, kVThreshold,
                       kVHysteresis, kAuxReset, kGlobalReset, kPowerUps, kMeterReset, kUserPhase, kPhase };

WriteKind KindOf(uint32_t reg) {
  if (reg == 6) return WriteKind::kLayout;
  if (reg >= 7 && reg <= 70) return WriteKind::kLocation;
  if (reg == 71) return WriteKind::kSubintervals;
  if (reg == 72) return WriteKind::kSubLength;
  if (reg >= 73 && reg <= 118) return WriteKind::kCtSize;
  if (reg >= 119 && reg <= 164) return WriteKind::kBreaker;
  if (reg >= 165 && reg <= 168) return WriteKind::kDelay;
  if (reg == 169) return WriteKind::kOnTime;
  if (reg == 170) return WriteKind::kOffTime;
  if (reg >= 171 && reg <= 177) return WriteKind::kThreshold;
  if (reg >= 178 && reg <= 223) return WriteKind::kStatus;
  if (reg == 236 || reg == 237) return WriteKind::kVTimer;
  if (reg == 238 || reg == 239) return WriteKind::kVThreshold;
  if (reg == 240) return WriteKind::kVHysteresis;
  if (reg == 294) return WriteKind::kAuxReset;
  if (reg == 295) return WriteKind::kGlobalReset;
  if (reg == 531) return WriteKind::kPowerUps;
  if (reg >= 1126 && reg <= 1167) return WriteKind::kMeterReset;
  if (reg == 62017) return WriteKind::kUserPhase;
  if (reg >= 62116 && reg <= 62160) return WriteKind::kPhase;
  return WriteKind::kNone;
}

Status CheckValue(const View& v, uint32_t reg, uint16_t value) {
  const int16_t sv = static_cast<int16_t>(value);
  switch (KindOf(reg)) {
    case WriteKind::kNone: return Status::kIllegalAddress;
    case WriteKind::kLayout: {  // the logical circuits must stay adjacent in the new layout
      if (value > 3) return Status::kIllegalValue;
      PanelConfig p = *v.c.panel;
      p.layout[v.unit] = static_cast<StripLayout>(value);
      return ValidatePanel(p) == Status::kOk ? Status::kOk : Status::kIllegalValue;
    }
    case WriteKind::kLocation: case WriteKind::kStatus: return Status::kOk;
    case WriteKind::kSubintervals: return value >= 1 && value <= kMaxSubintervals ? Status::kOk : Status::kIllegalValue;
    case WriteKind::kSubLength: {
      const uint16_t hi = v.m().demand.config.clock_aligned ? 3600 : 32767;
      return value == 0 || (value >= 10 && value <= hi) ? Status::kOk : Status::kIllegalValue;
    }
    case WriteKind::kCtSize: return sv >= 1 ? Status::kOk : Status::kIllegalValue;
    case WriteKind::kBreaker: case WriteKind::kDelay: case WriteKind::kOnTime: case WriteKind::kOffTime:
    case WriteKind::kVTimer: case WriteKind::kVThreshold: case WriteKind::kPowerUps:
      return sv >= 0 ? Status::kOk : Status::kIllegalValue;
    case WriteKind::kThreshold: case WriteKind::kVHysteresis:
      return value <= 1000 ? Status::kOk : Status::kIllegalValue;
    case WriteKind::kAuxReset: case WriteKind::kMeterReset:
      return value == 10203 || value == 29877 ? Status::kOk : Status::kIllegalValue;
    case WriteKind::kGlobalReset:
      return value == 26012 || value == 26013 || value == 10203 || value == 29877 || value == 20097 || value == 31010
                 ? Status::kOk : Status::kIllegalValue;
    case WriteKind::kUserPhase: return value <= 1 ? Status::kOk : Status::kIllegalValue;
    case WriteKind::kPhase: return value < v.m().window.config.voltages ? Status::kOk : Status::kIllegalValue;
  }
  return Status::kIllegalAddress;
}

// Keeps the meter's copies of the topology (window, energy, events) in step with the panel.
void Retopologise(RegisterContext& c) {
  WindowConfig& wc = c.meter_config->window;
  if (ApplyPanel(*c.panel, wc) != Status::kOk) return;  // validated by the caller
  (void)SetTopology(*c.meter, wc.phase, wc.frame_column);  // valid: ApplyPanel validated it
}

void SetEventField(RegisterContext& c, size_t unit, uint32_t reg, uint16_t value) {
  for (size_t ch = 1; ch <= kPanelChannels; ++ch) {
    const size_t k = unit * kPanelChannels + ch - 1;
    for (ChannelEventConfig* e : {&c.meter->events.config.channel[k], &c.meter_config->events.channel[k]}) {
      if (reg >= 165 && reg <= 168) e->delay_s[reg - 165] = value;
      else if (reg == 169) e->on_time_s = value;
      else if (reg == 170) e->off_time_s = value;
      else if (reg >= 171 && reg <= 174) e->level[reg - 171] = value / 10.0;
      else if (reg == 175) e->nl_high = value / 10.0;
      else if (reg == 176) e->nl_low = value / 10.0;
      else if (reg == 177) e->hysteresis_pct = value / 10.0;
    }
  }
}

void Apply(RegisterContext& c, size_t unit, uint32_t reg, uint16_t value) {
  Meter& m = *c.meter;
  const double now = NowSeconds(m);
  auto channel = [&](size_t ch) { return unit * kPanelChannels + ch - 1; };
  switch (KindOf(reg)) {
    case WriteKind::kNone: return;
    case WriteKind::kLayout:
      c.panel->layout[unit] = static_cast<StripLayout>(value);
      Retopologise(c);
      return;
    case WriteKind::kLocation: {
      char* l = c.settings->location[unit];
      const size_t i = 2 * (reg - 7);
      l[i] = static_cast<char>(value >> 8);
      l[i + 1] = static_cast<char>(value & 0xFF);
      return;
    }
    case WriteKind::kSubintervals: case WriteKind::kSubLength: {
      DemandConfig d = m.demand.config;
      if (reg == 71) d.subintervals = value;
      if (reg == 72) {
        if (value == 0) d.mode = DemandMode::kSyncToComms;
        else d.subinterval_s = value;
        if (value != 0 && d.mode == DemandMode::kSyncToComms) d.mode = DemandMode::kSliding;
      }
      if (d.mode != DemandMode::kSyncToComms && d.mode != DemandMode::kThermal) {
        d.mode = d.subintervals > 1 ? DemandMode::kSliding : DemandMode::kBlock;
      }
      if (d.mode == DemandMode::kThermal) d.subintervals = 1;
      const double now_s = m.demand.now_s;
      const uint8_t clock = m.demand.clock_valid;
      const double offset = m.demand.clock_offset_s;
      if (InitDemand(d, m.demand.currents, m.demand) == Status::kOk) {
        c.meter_config->demand = d;
        m.demand.now_s = now_s;
        m.demand.clock_valid = clock;
        m.demand.clock_offset_s = offset;
        ResetDemand(m.demand);
      }
      return;
    }
    case WriteKind::kCtSize: {
      const size_t ch = reg - 72, k = channel(ch);
      const double ratio = static_cast<double>(value) / c.settings->ct_size_a[unit][ch - 1];
      c.settings->ct_size_a[unit][ch - 1] = value;
      const double gain = m.window.config.current_cal[k].gain * ratio;
      if (SetCurrentGain(m.window, k, gain) == Status::kOk) c.meter_config->window.current_cal[k].gain = gain;
      return;
    }
    case WriteKind::kBreaker: {
      const size_t k = channel(reg - 118);
      m.events.config.channel[k].base = value;
      c.meter_config->events.channel[k].base = value;
      return;
    }
    case WriteKind::kDelay: case WriteKind::kOnTime: case WriteKind::kOffTime: case WriteKind::kThreshold:
      SetEventField(c, unit, reg, value);
      return;
    case WriteKind::kStatus: (void)WriteEventStatus(m.events, channel(reg - 177), value); return;
    case WriteKind::kVTimer: case WriteKind::kVThreshold: case WriteKind::kVHysteresis:
      for (size_t k = 0; k < kMaxVoltages; ++k) {
        for (VoltageEventConfig* e : {&m.events.config.voltage[k], &c.meter_config->events.voltage[k]}) {
          if (reg == 236 || reg == 237) e->timer_s = value;
          if (reg == 238) e->over_v = value / 10.0;
          if (reg == 239) e->under_v = value / 10.0;
          if (reg == 240) e->hysteresis_pct = value / 10.0;
        }
      }
      return;
    case WriteKind::kAuxReset: case WriteKind::kGlobalReset: case WriteKind::kMeterReset: {
      size_t lo = 1, hi = kPanelChannels;
      if (reg == 294) lo = 43;
      if (reg >= 1126 && reg <= 1167) lo = hi = reg - 1125;
      if (value == 10203) {
        for (size_t ch = lo; ch <= hi; ++ch) (void)ClearEnergy(m.energy, channel(ch), now);
      } else if (value == 29877) {
        for (size_t ch = lo; ch <= hi; ++ch) m.demand.max_irms[channel(ch)] = m.demand.max_p[channel(ch)] = 0;
        if (lo <= 43) m.demand.max_p_group[unit] = 0;
      } else if (value == 20097) {
        for (size_t ch = lo; ch <= hi; ++ch) {
          for (size_t q : {kDemandCurrent0 + channel(ch), kDemandPower0 + channel(ch)}) {
            m.demand.max[q] = 0;
            m.demand.max_time_s[q] = -1;
          }
        }
        for (size_t q : {kDemandGroup0 + unit, kDemandGroupPower0 + unit}) {
          m.demand.max[q] = 0;
          m.demand.max_time_s[q] = -1;
        }
      } else if (value == 31010) {
        for (size_t ch = lo; ch <= hi; ++ch) (void)WriteEventStatus(m.events, channel(ch), 0);
        for (size_t k = 0; k < m.events.voltages; ++k) m.events.v_status[k] &= static_cast<uint16_t>(~0x3u);
      } else if (value == 26012) {
        (void)Execute(m, Command::kNewDemandSubinterval);
      } else if (value == 26013) {
        (void)Execute(m, Command::kResetDemand);
      }
      return;
    }
    case WriteKind::kPowerUps: c.settings->power_ups = value; return;
    case WriteKind::kUserPhase:
      c.panel->user_phase = value & 1;
      if (c.panel->user_phase) {  // start from the present assignment
        for (size_t ch = 1; ch <= 45; ++ch) {
          const uint8_t ph = m.window.config.phase[channel(ch)];
          c.panel->phase[unit][ch - 1] = ph == kCurrentOnly ? 0 : ph;
        }
      }
      Retopologise(c);
      return;
    case WriteKind::kPhase:
      c.panel->phase[unit][reg - 62116] = static_cast<uint8_t>(value);
      if (c.panel->user_phase) Retopologise(c);
      return;
  }
}

}  // namespace

Status ReadPointMap(const RegisterContext& ctx, size_t unit, uint32_t first, size_t count,
                    uint16_t* out) noexcept {
  if (!ctx.meter || !ctx.panel || !ctx.settings || !out) return Status::kNullPointer;
  if constexpr (kMaxCurrents < kPanelChannels) return Status::kIllegalAddress;  // no panel fits
  if (unit >= ctx.panel->panels) return Status::kIllegalAddress;
  const View v{ctx, unit};
  for (size_t i = 0; i < count; ++i) {
    uint16_t x = 0;
    if (!ReadOne(v, first + static_cast<uint32_t>(i), &x)) return Status::kIllegalAddress;
  }
  for (size_t i = 0; i < count; ++i) ReadOne(v, first + static_cast<uint32_t>(i), &out[i]);
  return Status::kOk;
}

Status WritePointMap(RegisterContext& ctx, size_t unit, uint32_t first, size_t count,
                     const uint16_t* values) noexcept {
  if (!ctx.meter || !ctx.panel || !ctx.settings || !ctx.meter_config || !values) return Status::kNullPointer;
  if constexpr (kMaxCurrents < kPanelChannels) return Status::kIllegalAddress;  // no panel fits
  if (unit >= ctx.panel->panels) return Status::kIllegalAddress;
  const View v{ctx, unit};
  for (size_t i = 0; i < count; ++i) {  // everything is checked before anything is applied
    if (KindOf(first + static_cast<uint32_t>(i)) == WriteKind::kNone) return Status::kIllegalAddress;
  }
  for (size_t i = 0; i < count; ++i) {
    if (Status s = CheckValue(v, first + static_cast<uint32_t>(i), values[i]); s != Status::kOk) return s;
  }
  for (size_t i = 0; i < count; ++i) Apply(ctx, unit, first + static_cast<uint32_t>(i), values[i]);
  return Status::kOk;
}

}  // namespace meterdsp
