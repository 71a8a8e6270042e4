// Panel topology: strip layouts, default phases, logical circuits, totals.
#include "meterdsp/panel.h"

#include <cmath>

namespace meterdsp {
namespace {

bool OddEven(StripLayout l) { return l != StripLayout::kSequential; }

size_t MainsCount(Wiring w) { return w == Wiring::kSinglePhase ? 1 : w == Wiring::kSplitPhase ? 2 : 3; }

CircuitReading Sum(const WindowResult& w, size_t panel, const uint8_t* chs, size_t n) {
  CircuitReading r;
  r.channels = static_cast<uint8_t>(n);
  double i_sum = 0;
  for (size_t j = 0; j < n; ++j) {
    r.channel[j] = chs[j];
    const size_t k = panel * kPanelChannels + chs[j] - 1;
    r.p += w.p[k];
    r.q += w.q[k];
    r.s_arith += w.s[k];
    i_sum += w.irms[k];
  }
  r.s_vector = std::hypot(r.p, r.q);
  r.pf = r.s_arith > 0 ? r.p / r.s_arith : 0.0;
  r.i_avg = n > 0 ? i_sum / static_cast<double>(n) : 0.0;
  return r;
}

// Channels (ascending) of circuit `circuit` of `panel`; returns their count.
size_t Members(const PanelConfig& c, size_t panel, size_t circuit, uint8_t* out) {
  size_t n = 0;
  for (size_t ch = 1; ch <= kPanelChannels && n < 4; ++ch) {
    if (c.circuit[panel][ch - 1] == circuit) {
      if (n < 3) out[n] = static_cast<uint8_t>(ch);
      ++n;
    }
  }
  return n;
}

}  // namespace

size_t WiringVoltages(Wiring wiring) noexcept { return MainsCount(wiring); }

uint8_t DefaultPhase(StripLayout layout, Wiring wiring, size_t ch) noexcept {
  const size_t nv = MainsCount(wiring);
  if (ch == 46) return kCurrentOnly;
  if (ch >= 43) return ch - 43 < nv ? static_cast<uint8_t>(ch - 43) : kCurrentOnly;
  // Bus phases repeat A, B, C (A, B split phase) along the rows: odd/even numbering puts
  // channels 2r−1 and 2r on row r; sequential numbering has one channel per row.
  const size_t row = OddEven(layout) ? (ch - 1) / 2 : ch - 1;
  return static_cast<uint8_t>(row % nv);
}

size_t InputPosition(StripLayout layout, size_t strip_size, size_t ch) noexcept {
  const size_t r = strip_size;
  if (ch > kPanelBranches) return 2 * 21 + (ch - 43);  // aux 1..4 after both strips
  if (ch > 2 * r) {  // absent breakers (short strips) take the unused CT slots, in order
    const size_t idx = ch - 2 * r - 1, per_strip = 21 - r;
    return idx < per_strip ? r + idx : 21 + r + (idx - per_strip);
  }
  // Strip A CT c is position c − 1, strip B CT c is 21 + c − 1. The mappings are the
  // reference's §10.6 (a BCPME driver's table for 21-CT strips), with 21 generalised to r.
  switch (layout) {
    case StripLayout::kTopFeed:  // odd → A CT (ch+1)/2, even → B CT ch/2
      return ch % 2 == 1 ? (ch - 1) / 2 : 20 + ch / 2;
    case StripLayout::kBottomFeed:  // even → A CT r+1−ch/2, odd → B CT r−(ch−1)/2
      return ch % 2 == 0 ? r - ch / 2 : 20 + r - (ch - 1) / 2;
    case StripLayout::kSequential:  // ch ≤ r → A CT r+1−ch, else B CT ch−r
      return ch <= r ? r - ch : 20 + ch - r;
    case StripLayout::kOddEven:  // even → B CT ch/2, odd → A CT r−(ch−1)/2
      return ch % 2 == 0 ? 20 + ch / 2 : r - 1 - (ch - 1) / 2;
  }
  return 0;
}

bool Adjacent(StripLayout layout, size_t a, size_t b) noexcept {
  if (a >= 43 && b >= 43) return b == a + 1 && b <= 45;
  if (a > kPanelBranches || b > kPanelBranches) return false;
  return b == a + (OddEven(layout) ? 2 : 1);
}

Status ValidatePanel(const PanelConfig& c) noexcept {
  if (c.panels < 1 || c.panels > kMaxPanels || c.panels * kPanelChannels > kMaxCurrents) {
    return Status::kBadChannelCount;  // (a build with fewer currents, METERDSP_MAX_CURRENTS)
  }
  if (c.strip_size != 12 && c.strip_size != 18 && c.strip_size != 21) return Status::kBadChannelCount;
  if (static_cast<uint8_t>(c.wiring) > 3) return Status::kBadChannelCount;
  const size_t nv = MainsCount(c.wiring);
  for (size_t p = 0; p < c.panels; ++p) {
    if (static_cast<uint8_t>(c.layout[p]) > 3) return Status::kBadChannelCount;
    for (size_t ch = 1; ch <= kPanelChannels; ++ch) {
      if (c.user_phase && ch <= 45 && c.phase[p][ch - 1] >= nv) return Status::kBadPhaseAssignment;
      if (c.circuit[p][ch - 1] > kMaxCircuits) return Status::kBadThreshold;
    }
    for (size_t circuit = 1; circuit <= kMaxCircuits; ++circuit) {
      uint8_t m[3];
      const size_t n = Members(c, p, circuit, m);
      if (n == 0) continue;
      if (n > 3) return Status::kBadThreshold;
      for (size_t j = 1; j < n; ++j) {
        if (!Adjacent(c.layout[p], m[j - 1], m[j])) return Status::kBadThreshold;
      }
    }
  }
  return Status::kOk;
}

Status ApplyPanel(const PanelConfig& c, WindowConfig& w) noexcept {
  if (Status s = ValidatePanel(c); s != Status::kOk) return s;
  if constexpr (kMaxCurrents < kPanelChannels) return Status::kBadChannelCount;  // (ValidatePanel said so)
  const size_t nv = MainsCount(c.wiring);
  w.voltages = nv;
  w.currents = c.panels * kPanelChannels;
  w.virtual_neutral = c.wiring == Wiring::kDelta;
  for (size_t k = 0; k < nv; ++k) w.frame_column[k] = static_cast<uint8_t>(k);
  for (size_t p = 0; p < c.panels; ++p) {
    for (size_t ch = 1; ch <= kPanelChannels; ++ch) {
      const size_t k = p * kPanelChannels + ch - 1;
      uint8_t ph = DefaultPhase(c.layout[p], c.wiring, ch);
      if (c.user_phase && ch <= 45) ph = c.phase[p][ch - 1];
      w.phase[k] = ph;
      w.frame_column[nv + k] =
          static_cast<uint8_t>(nv + p * kPanelChannels + InputPosition(c.layout[p], c.strip_size, ch));
    }
  }
  return Status::kOk;
}

void ApplyPanelDemandGroups(const PanelConfig& c, DemandConfig& d) noexcept {
  for (size_t p = 0; p < c.panels; ++p) {
    for (size_t j = 0; j < MainsCount(c.wiring); ++j) {
      d.group[p * kPanelChannels + 42 + j] = static_cast<uint8_t>(p + 1);
    }
  }
  size_t g = kMaxPanels + 1;
  for (size_t p = 0; p < c.panels; ++p) {
    for (size_t circuit = 1; circuit <= kMaxCircuits && g <= kMaxDemandGroups; ++circuit) {
      bool used = false;
      for (size_t ch = 1; ch <= kPanelChannels; ++ch) {
        if (c.circuit[p][ch - 1] != circuit || ch >= 43) continue;  // mains keep their group
        d.group[p * kPanelChannels + ch - 1] = static_cast<uint8_t>(g);
        used = true;
      }
      if (used) ++g;
    }
  }
}

size_t CircuitDemandGroup(const PanelConfig& c, size_t panel, size_t circuit) noexcept {
  size_t g = kMaxPanels + 1;
  for (size_t p = 0; p < c.panels; ++p) {
    for (size_t n = 1; n <= kMaxCircuits && g <= kMaxDemandGroups; ++n) {
      bool used = false;
      for (size_t ch = 1; ch < 43; ++ch) used = used || c.circuit[p][ch - 1] == n;
      if (!used) continue;
      if (p == panel && n == circuit) return g;
      ++g;
    }
  }
  return 0;
}

CircuitReading Circuit(const PanelConfig& c, size_t panel, size_t circuit,
                       const WindowResult& w) noexcept {
  if (panel >= c.panels || circuit < 1 || circuit > kMaxCircuits) return CircuitReading{};
  uint8_t m[3];
  const size_t n = Members(c, panel, circuit, m);
  if (n == 0 || n > 3) return CircuitReading{};
  return Sum(w, panel, m, n);
}

CircuitReading Mains(const PanelConfig& c, size_t panel, const WindowResult& w) noexcept {
  if (panel >= c.panels) return CircuitReading{};
  const uint8_t m[3] = {43, 44, 45};
  return Sum(w, panel, m, MainsCount(c.wiring));
}

double CircuitEnergyWh(const PanelConfig& c, const EnergyRegisters& e, size_t panel, size_t circuit,
                       EnergyRegister reg, bool lifetime) noexcept {
  if (panel >= c.panels || circuit < 1 || circuit > kMaxCircuits) return 0.0;
  uint8_t m[3];
  const size_t n = Members(c, panel, circuit, m);
  double sum = 0;
  for (size_t j = 0; j < n && j < 3; ++j) {
    sum += EnergyWh(e, EnergyScope::kChannel, panel * kPanelChannels + m[j] - 1, reg, lifetime);
  }
  return sum;
}

double MainsEnergyWh(const PanelConfig& c, const EnergyRegisters& e, size_t panel, EnergyRegister reg,
                     bool lifetime) noexcept {
  if (panel >= c.panels) return 0.0;
  double sum = 0;
  for (size_t j = 0; j < MainsCount(c.wiring); ++j) {
    sum += EnergyWh(e, EnergyScope::kChannel, panel * kPanelChannels + 42 + j, reg, lifetime);
  }
  return sum;
}

}  // namespace meterdsp
