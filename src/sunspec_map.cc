// SunSpec device map at 40001: "SunS", common model 1, one meter model per panel mains and per
// logical circuit (201 / 202 / 203 by phase count), end marker. Layout: docs/registers.md.
#include <cmath>
#include <cstring>

#include "meterdsp/registers.h"

namespace meterdsp {
namespace {

constexpr uint32_t kBase = 40001;
constexpr uint16_t kNotImplemented16 = 0x8000;
constexpr size_t kCommonLength = 66;  // model 1 body
constexpr size_t kMeterLength = 105;  // models 201–203 body
constexpr double kMaxLineNeutral = 347.0;
constexpr double kHeadroom = 1.5;  // scale factors cover 1.5 × the CT rating

struct MeterModel {
  uint16_t id = 0;      // 201, 202, 203
  size_t panel = 0;
  size_t circuit = 0;   // 0 = the panel's mains
  uint8_t channels[3] = {};
  size_t n = 0;
};

// The models after the common model, in order: each panel's mains, then each panel's circuits.
size_t Models(const RegisterContext& c, MeterModel* out) {
  const PanelConfig& pc = *c.panel;
  size_t count = 0;
  const size_t mains = WiringVoltages(pc.wiring);
  for (size_t p = 0; p < pc.panels; ++p) {
    MeterModel m;
    m.panel = p;
    m.n = mains;
    for (size_t j = 0; j < mains; ++j) m.channels[j] = static_cast<uint8_t>(43 + j);
    m.id = static_cast<uint16_t>(200 + mains);
    out[count++] = m;
  }
  for (size_t p = 0; p < pc.panels; ++p) {
    for (size_t circuit = 1; circuit <= kMaxCircuits; ++circuit) {
      MeterModel m;
      m.panel = p;
      m.circuit = circuit;
      for (size_t ch = 1; ch <= kPanelChannels && m.n < 3; ++ch) {
        if (pc.circuit[p][ch - 1] == circuit) m.channels[m.n++] = static_cast<uint8_t>(ch);
      }
      if (m.n == 0) continue;
      m.id = static_cast<uint16_t>(200 + m.n);
      out[count++] = m;
    }
  }
  return count;
}

int ScaleFor(double max_abs) {
  for (int s = -3; s < 5; ++s) {
    if (max_abs / std::pow(10.0, s) <= 32000.0) return s;
  }
  return 5;
}

uint16_t Int16(double x, int scale) {
  if (!std::isfinite(x)) return kNotImplemented16;
  double v = std::round(x / std::pow(10.0, scale));
  if (v > 32767) v = 32767;
  if (v < -32767) v = -32767;
  return static_cast<uint16_t>(static_cast<int16_t>(v));
}

uint16_t Sf(int s) { return static_cast<uint16_t>(static_cast<int16_t>(s)); }

uint16_t StringReg(const char* s, size_t i) {  // 2 chars per register, first in the high byte
  const size_t len = std::strlen(s);
  const uint8_t a = 2 * i < len ? static_cast<uint8_t>(s[2 * i]) : 0;
  const uint8_t b = 2 * i + 1 < len ? static_cast<uint8_t>(s[2 * i + 1]) : 0;
  return static_cast<uint16_t>((a << 8) | b);
}

uint16_t Half(uint32_t v, bool second, WordOrder order) {
  const bool high = (order == WordOrder::kHighFirst) != second;
  return static_cast<uint16_t>(high ? v >> 16 : v & 0xFFFFu);
}

uint16_t CommonModel(const RegisterContext& c, size_t off) {
  switch (off) {
    case 0: return 1;
    case 1: return kCommonLength;
  }
  const size_t i = off - 2;
  if (i < 16) return StringReg("meterdsp", i);                        // Mn
  if (i < 32) return StringReg("BCPM panel monitor", i - 16);          // Md
  if (i < 40) return StringReg("", i - 32);                            // Opt
  if (i < 48) return StringReg(METERDSP_VERSION_STRING, i - 40);       // Vr
  if (i < 64) {                                                        // SN
    char sn[12];
    const uint32_t v = c.settings->serial;
    for (int k = 0; k < 8; ++k) sn[k] = "0123456789ABCDEF"[(v >> (28 - 4 * k)) & 15];
    sn[8] = 0;
    return StringReg(sn, i - 48);
  }
  if (i == 64) return 1;       // DA: device address
  return 0;                    // Pad
}

// Register `off` (0 = ID) of meter model `m`.
uint16_t MeterRegister(const RegisterContext& c, const MeterModel& m, size_t off) {
  if (off == 0) return m.id;
  if (off == 1) return kMeterLength;
  const size_t b = off - 2;  // body offset, as in the model's point list
  const WindowResult* w = c.last;
  const Meter& meter = *c.meter;
  const WordOrder order = c.settings->order;
  auto idx = [&](size_t j) { return m.panel * kPanelChannels + m.channels[j] - 1; };
  auto power = [&](size_t j) { return meter.window.config.phase[idx(j)] != kCurrentOnly; };
  const uint16_t ct = c.settings->ct_size_a[m.panel][m.channels[0] - 1];
  const int a_sf = ScaleFor(kHeadroom * ct * static_cast<double>(m.n));
  const int w_sf = ScaleFor(kHeadroom * ct * kMaxLineNeutral * static_cast<double>(m.n));
  auto phase_value = [&](size_t j, const double* f) -> double {
    if (!w || j >= m.n || !power(j)) return NAN;
    return f[idx(j)];
  };
  auto total = [&](const double* f) -> double {
    if (!w) return NAN;
    double s = 0;
    for (size_t j = 0; j < m.n; ++j) s += power(j) ? f[idx(j)] : 0.0;
    return s;
  };
  auto vphase = [&](size_t j) -> double {
    if (!w || j >= m.n) return NAN;
    const uint8_t ph = meter.window.config.phase[idx(j)];
    return ph == kCurrentOnly ? NAN : w->vrms[ph];
  };
  // Energies: acc32 of whole Wh / varh / VAh (SF 0), 0 where not accumulated.
  auto energy = [&](size_t j, EnergyRegister r) -> uint32_t {
    double wh = 0;
    for (size_t k = 0; k < m.n; ++k) {
      if (j == 3 || j == k) wh += EnergyWh(meter.energy, EnergyScope::kChannel, idx(k), r);
    }
    if (j < 3 && j >= m.n) return 0;
    return static_cast<uint32_t>(std::fmod(std::floor(wh), 4294967296.0));
  };
  auto acc = [&](size_t first, EnergyRegister r) -> uint16_t {
    const size_t rel = b - first, slot = rel / 2;  // slot 0 = total, 1..3 = phase A..C
    return Half(energy(slot == 0 ? 3 : slot - 1, r), rel % 2, order);
  };
  if (b <= 3) {  // A, AphA..C: total is the sum of the phase currents
    if (!w) return kNotImplemented16;
    if (b == 0) {
      double s = 0;
      for (size_t j = 0; j < m.n; ++j) s += w->irms[idx(j)];
      return Int16(s, a_sf);
    }
    return b - 1 < m.n ? Int16(w->irms[idx(b - 1)], a_sf) : kNotImplemented16;
  }
  if (b == 4) return Sf(a_sf);
  if (b >= 5 && b <= 12) {
    if (!w) return kNotImplemented16;
    if (b == 5) {
      double s = 0;
      for (size_t j = 0; j < m.n; ++j) s += vphase(j);
      return Int16(s / static_cast<double>(m.n), -1);
    }
    if (b <= 8) return Int16(vphase(b - 6), -1);
    const size_t nv = meter.window.config.voltages;
    if (b == 9) {
      const size_t pairs = nv == 3 ? 3 : nv == 2 ? 1 : 0;
      double s = 0;
      for (size_t k = 0; k < pairs; ++k) s += w->vll_rms[k];
      return pairs ? Int16(s / static_cast<double>(pairs), -1) : kNotImplemented16;
    }
    return Int16(w->vll_rms[b - 10], -1);
  }
  if (b == 13) return Sf(-1);
  if (b == 14) return w ? Int16(w->frequency_hz, -2) : kNotImplemented16;
  if (b == 15) return Sf(-2);
  const double* fields[3] = {w ? w->p : nullptr, w ? w->s : nullptr, w ? w->q : nullptr};
  for (size_t g = 0; g < 3; ++g) {  // W (16–20), VA (21–25), VAR (26–30)
    const size_t first = 16 + 5 * g;
    if (b >= first && b < first + 4) {
      if (!w) return kNotImplemented16;
      return b == first ? Int16(total(fields[g]), w_sf) : Int16(phase_value(b - first - 1, fields[g]), w_sf);
    }
    if (b == first + 4) return Sf(w_sf);
  }
  if (b >= 31 && b <= 34) {  // PF in percent, signed like P
    if (!w) return kNotImplemented16;
    if (b == 31) {
      const double s = total(w->s);
      return s > 0 ? Int16(100.0 * total(w->p) / s, -2) : kNotImplemented16;
    }
    return Int16(100.0 * phase_value(b - 32, w->pf), -2);
  }
  if (b == 35) return Sf(-2);
  if (b >= 36 && b <= 43) return acc(36, kWhExport);
  if (b >= 44 && b <= 51) return acc(44, kWhImport);
  if (b == 52) return Sf(0);
  if (b >= 53 && b <= 60) return acc(53, kVAhExport);
  if (b >= 61 && b <= 68) return acc(61, kVAhImport);
  if (b == 69) return Sf(0);
  if (b >= 70 && b <= 77) return acc(70, kVarhQ1);
  if (b >= 78 && b <= 85) return acc(78, kVarhQ2);
  if (b >= 86 && b <= 93) return acc(86, kVarhQ3);
  if (b >= 94 && b <= 101) return acc(94, kVarhQ4);
  if (b == 102) return Sf(0);
  // Evt (bitfield32): 2 power failure (no voltage), 3 under-voltage, 5 over-current (a
  // latched HH/H on one of the meter's channels), 6 over-voltage.
  uint32_t evt = 0;
  if (w && (w->flags & kFlagNoVoltage)) evt |= 1u << 2;
  for (size_t k = 0; k < meter.events.voltages; ++k) {
    if (meter.events.v_status[k] & 2u) evt |= 1u << 3;
    if (meter.events.v_status[k] & 1u) evt |= 1u << 6;
  }
  for (size_t j = 0; j < m.n; ++j) {
    if (meter.events.status[idx(j)] & (kEventHighHigh | kEventHigh)) evt |= 1u << 5;
  }
  return Half(evt, b == 104, order);
}

}  // namespace

size_t SunSpecLength(const RegisterContext& c) noexcept {
  if (!c.panel) return 0;
  MeterModel models[kMaxPanels * (kMaxCircuits + 1)];
  const size_t n = Models(c, models);
  return 2 + (2 + kCommonLength) + n * (2 + kMeterLength) + 2;
}

Status ReadSunSpec(const RegisterContext& c, uint32_t first, size_t count, uint16_t* out) noexcept {
  if (!c.meter || !c.panel || !c.settings || !out) return Status::kNullPointer;
  MeterModel models[kMaxPanels * (kMaxCircuits + 1)];
  const size_t n = Models(c, models);
  const size_t length = 2 + (2 + kCommonLength) + n * (2 + kMeterLength) + 2;
  if (first < kBase || first - kBase + count > length) return Status::kIllegalAddress;
  for (size_t i = 0; i < count; ++i) {
    size_t off = first - kBase + i;
    uint16_t v;
    if (off < 2) {
      v = off == 0 ? 0x5375 : 0x6E53;  // "SunS"
    } else if ((off -= 2) < 2 + kCommonLength) {
      v = CommonModel(c, off);
    } else if ((off -= 2 + kCommonLength) < n * (2 + kMeterLength)) {
      v = MeterRegister(c, models[off / (2 + kMeterLength)], off % (2 + kMeterLength));
    } else {
      v = (off - n * (2 + kMeterLength)) == 0 ? 0xFFFF : 0;  // end model: ID 0xFFFF, L 0
    }
    out[i] = v;
  }
  return Status::kOk;
}

}  // namespace meterdsp
