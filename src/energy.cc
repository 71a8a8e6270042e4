// Energy stage: four-quadrant registers from window results (scalar: three registers per
// channel and window, each accumulated once: the resettable readings are derived).
#include "meterdsp/energy.h"

#include <cmath>
#include <cstring>
#include <new>

#include "src/state_bytes.h"

namespace meterdsp {

namespace {
constexpr double kJoulesPerWh = 3600.0;

double ValueWh(const EnergyAccumulator& a, double quantum_j) {
  return (static_cast<double>(a.quanta) * quantum_j + a.remainder_j) / kJoulesPerWh;
}

// a − b: whole quanta subtracted as integers, the remainders (each in [0, quantum)) as one
// double subtraction, normalised to a remainder in [0, quantum) by borrowing one quantum.
EnergyAccumulator Difference(const EnergyAccumulator& a, const EnergyAccumulator& b, double quantum_j) {
  EnergyAccumulator d;
  d.quanta = a.quanta - b.quanta;
  d.remainder_j = a.remainder_j - b.remainder_j;
  if (d.remainder_j < 0) {
    d.remainder_j += quantum_j;
    d.quanta -= 1;
  }
  return d;
}

}  // namespace

const char* EnergyRegisterName(size_t reg) noexcept {
  static const char* const kNames[kEnergyRegisterCount] = {
      "wh_import", "wh_export", "varh_q1", "varh_q2", "varh_q3", "varh_q4", "vah_import", "vah_export"};
  return reg < kEnergyRegisterCount ? kNames[reg] : "?";
}

Status ValidateEnergy(const EnergyConfig& c, size_t voltages, size_t currents,
                      const uint8_t* phase) noexcept {
  if (!std::isfinite(c.quantum_wh) || c.quantum_wh <= 0 || c.quantum_wh > 1000) {
    return Status::kBadThreshold;
  }
  if (voltages < 1 || voltages > kMaxVoltages || currents > kMaxCurrents) {
    return Status::kBadChannelCount;
  }
  if (currents > 0 && phase == nullptr) return Status::kNullPointer;
  for (size_t k = 0; k < currents; ++k) {
    if (phase[k] >= voltages && phase[k] != kCurrentOnly) return Status::kBadPhaseAssignment;
  }
  return Status::kOk;
}

Status InitEnergy(const EnergyConfig& c, size_t voltages, size_t currents, const uint8_t* phase,
                  EnergyRegisters& regs) noexcept {
  if (Status s = ValidateEnergy(c, voltages, currents, phase); s != Status::kOk) return s;
  new (&regs) EnergyRegisters();  // in place: no temporary on the stack
  regs.quantum_j = c.quantum_wh * kJoulesPerWh;
  regs.voltages = voltages;
  regs.currents = currents;
  if (currents > 0) std::memcpy(regs.phase, phase, currents);
  return Status::kOk;
}

Status CheckRestoredEnergy(const uint8_t* bytes, size_t voltages, size_t currents) noexcept {
  const StateBytes<EnergyRegisters> s(bytes);
  const double q = METERDSP_FIELD(s, EnergyRegisters, quantum_j);
  if (!(q > 0 && q <= 1000 * kJoulesPerWh) || METERDSP_FIELD(s, EnergyRegisters, voltages) != voltages ||
      METERDSP_FIELD(s, EnergyRegisters, currents) != currents) {
    return Status::kBadSnapshot;
  }
  // Every register as AddJoules leaves it: 0 ≤ quanta ≤ kMaxEnergyQuanta, 0 ≤ remainder < quantum;
  // an origin as ClearEnergy / PresetEnergy leave it (quanta within ±kMaxEnergyQuanta): the
  // differences of the resettable readings then cannot overflow.
  auto valid = [&](const EnergyAccumulator& a, int64_t lowest) {
    return a.quanta >= lowest && a.quanta <= kMaxEnergyQuanta && a.remainder_j >= 0 && a.remainder_j < q;
  };
  for (size_t k = 0; k < currents; ++k) {
    const uint8_t ph = METERDSP_ELEMENT(s, EnergyRegisters, phase, k);
    if (ph >= voltages && ph != kCurrentOnly) return Status::kBadSnapshot;
    for (size_t r = 0; r < kEnergyRegisterCount; ++r) {
      const size_t at = k * kEnergyRegisterCount + r;
      if (!valid(s.At<EnergyAccumulator>(offsetof(EnergyRegisters, lifetime), at), 0) ||
          !valid(s.At<EnergyAccumulator>(offsetof(EnergyRegisters, origin), at), -kMaxEnergyQuanta)) {
        return Status::kBadSnapshot;
      }
    }
  }
  return Status::kOk;
}

void WindowIncrementsJ(const WindowResult& w, size_t k, double joules[kEnergyRegisterCount]) noexcept {
  for (size_t r = 0; r < kEnergyRegisterCount; ++r) joules[r] = 0;
  const double dt = w.duration_s;
  const uint8_t quad = w.quadrant[k];
  if (!(dt > 0) || quad < 1 || quad > 4) return;  // below the minimum ON current: no creep
  const bool import = w.p[k] >= 0;
  joules[import ? kWhImport : kWhExport] = std::fabs(w.p[k]) * dt;
  joules[kVarhQ1 + quad - 1] = std::fabs(w.q[k]) * dt;
  joules[import ? kVAhImport : kVAhExport] = w.s[k] * dt;
}

void AccumulateEnergy(EnergyRegisters& regs, const WindowResult& w) noexcept {
  const size_t n = regs.currents < w.currents ? regs.currents : w.currents;
  const double dt = w.duration_s, q = regs.quantum_j, inv = 1.0 / q;
  if (!(dt > 0)) return;
  // The three registers a window adds to (WindowIncrementsJ), without the zero entries.
  for (size_t k = 0; k < n; ++k) {
    const uint8_t quad = w.quadrant[k];
    if (quad < 1 || quad > 4) continue;  // below the minimum ON current: no creep
    const bool import = w.p[k] >= 0;
    const size_t reg[3] = {import ? size_t{kWhImport} : size_t{kWhExport}, size_t{kVarhQ1} + quad - 1u,
                           import ? size_t{kVAhImport} : size_t{kVAhExport}};
    const double joules[3] = {std::fabs(w.p[k]) * dt, std::fabs(w.q[k]) * dt, w.s[k] * dt};
    for (size_t r = 0; r < 3; ++r) AddJoules(regs.lifetime[k][reg[r]], joules[r], q, inv);
  }
}

double EnergyWh(const EnergyRegisters& regs, EnergyScope scope, size_t index, EnergyRegister reg,
                bool lifetime) noexcept {
  if (reg >= kEnergyRegisterCount) return 0.0;
  auto value = [&](size_t k) {  // resettable: lifetime − origin
    const EnergyAccumulator& life = regs.lifetime[k][reg];
    return ValueWh(lifetime ? life : Difference(life, regs.origin[k][reg], regs.quantum_j), regs.quantum_j);
  };
  if (scope == EnergyScope::kChannel) return index < regs.currents ? value(index) : 0.0;
  double sum = 0;
  for (size_t k = 0; k < regs.currents; ++k) {
    if (scope == EnergyScope::kTotal || regs.phase[k] == index) sum += value(k);
  }
  return sum;
}

Status ClearEnergy(EnergyRegisters& regs, size_t channel, double now_s) noexcept {
  auto clear = [&](size_t k) {
    std::memcpy(regs.origin[k], regs.lifetime[k], sizeof(regs.origin[k]));  // reading 0 from here on
    regs.channel_reset_s[k] = now_s;
  };
  if (channel == SIZE_MAX) {
    for (size_t k = 0; k < regs.currents; ++k) clear(k);
    regs.reset_s = now_s;
    return Status::kOk;
  }
  if (channel >= regs.currents) return Status::kBadChannelCount;
  clear(channel);
  return Status::kOk;
}

Status PresetEnergy(EnergyRegisters& regs, size_t channel, EnergyRegister reg, double wh,
                    double now_s) noexcept {
  if (channel >= regs.currents) return Status::kBadChannelCount;
  if (reg >= kEnergyRegisterCount || !std::isfinite(wh) || wh < 0 ||
      !(wh * kJoulesPerWh / regs.quantum_j < static_cast<double>(kMaxEnergyQuanta))) {
    return Status::kBadThreshold;
  }
  EnergyAccumulator preset;
  AddJoules(preset, wh * kJoulesPerWh, regs.quantum_j);
  // The reading lifetime − origin is the preset from here on.
  regs.origin[channel][reg] = Difference(regs.lifetime[channel][reg], preset, regs.quantum_j);
  regs.channel_reset_s[channel] = now_s;
  return Status::kOk;
}

}  // namespace meterdsp
