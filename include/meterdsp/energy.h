// meterdsp/energy.h — stage 3 of the data flow: four-quadrant energy registers.
//
// What: per current channel, eight registers (wh_import, wh_export, varh_q1..q4, vah_import,
// vah_export), each as a lifetime (never cleared) and a resettable reading. Only the lifetime
// register accumulates; the resettable reading is the lifetime value minus an origin that a
// clear sets to the lifetime value and a preset to the lifetime value minus the preset (one
// accumulation per register and window instead of two; exact to one double rounding of a
// value below one quantum, never accumulated). Phase and total values
// are sums of the channel registers (each channel is split by its own sign before summing —
// never net before splitting). Every register is an integer count of a fixed quantum plus an
// exact carried remainder, so no energy is lost or invented whatever the window size.
// Every function here never allocates or throws; EnergyRegisters is trivially copyable.
#ifndef METERDSP_ENERGY_H_
#define METERDSP_ENERGY_H_

#include <stddef.h>
#include <stdint.h>

#include "meterdsp/frontend.h"
#include "meterdsp/status.h"
#include "meterdsp/window.h"

namespace meterdsp {

enum EnergyRegister : uint8_t {
  kWhImport = 0,  // P ≥ 0
  kWhExport,      // P < 0 (stored positive)
  kVarhQ1,        // |Q| in quadrant I (P ≥ 0, Q ≥ 0)
  kVarhQ2,        // quadrant II (P < 0, Q ≥ 0)
  kVarhQ3,        // quadrant III (P < 0, Q < 0)
  kVarhQ4,        // quadrant IV (P ≥ 0, Q < 0)
  kVAhImport,     // S while P ≥ 0
  kVAhExport,     // S while P < 0
  kEnergyRegisterCount
};

// "wh_import", "wh_export", "varh_q1" … "vah_export" (static storage).
const char* EnergyRegisterName(size_t reg) noexcept;

// value = quanta · quantum + remainder_j (joules), 0 ≤ remainder_j < quantum.
struct EnergyAccumulator {
  int64_t quanta = 0;
  double remainder_j = 0;
};

// A register holds at most this many quanta (4.6e12 MWh at 1 mWh) and then stays there:
// reachable only with absurd calibration (a gain of 1e100), where the count would overflow.
inline constexpr int64_t kMaxEnergyQuanta = int64_t{1} << 62;

// Adds `joules` (≥ 0) to `acc`; inv_quantum = 1 / quantum_j (a multiply instead of a divide:
// the quotient may be one off, which the remainder check corrects). Whole quanta move to the
// integer count; the remainder stays exact to double rounding of a value below one quantum.
// Beyond kMaxEnergyQuanta (an infinite increment too) the register saturates; a NaN increment
// adds nothing. Never allocates or throws.
inline void AddJoules(EnergyAccumulator& acc, double joules, double quantum_j,
                      double inv_quantum) noexcept {
  const double total = acc.remainder_j + joules;
  if (total < quantum_j) {  // no whole quantum yet
    acc.remainder_j = total;
    return;
  }
  // floor() of a non-negative quotient: below 2^52 a truncating integer conversion gives it
  // exactly (baseline x86-64 has no rounding instruction; the library floor is slower).
  const double t = total * inv_quantum;
  constexpr double kExact = 4503599627370496.0;  // 2^52
  int64_t whole;
  if (t < kExact && acc.quanta <= kMaxEnergyQuanta - (int64_t{1} << 52)) {
    whole = static_cast<int64_t>(t);  // the usual case: t < 2^52 ≤ the room left, one conversion
  } else {
    if (!(t < static_cast<double>(kMaxEnergyQuanta - acc.quanta))) {  // beyond the register, or NaN
      if (t == t) acc.quanta = kMaxEnergyQuanta, acc.remainder_j = 0;
      return;
    }
    whole = t < kExact ? static_cast<int64_t>(t) : static_cast<int64_t>(__builtin_floor(t));
  }
  acc.quanta += whole;
  acc.remainder_j = total - static_cast<double>(whole) * quantum_j;
  if (acc.remainder_j < 0) {  // the rounded quotient overshot by one
    acc.remainder_j += quantum_j;
    acc.quanta -= 1;
  } else if (acc.remainder_j >= quantum_j) {  // or fell one short
    acc.remainder_j -= quantum_j;
    acc.quanta += 1;
  }
}

inline void AddJoules(EnergyAccumulator& acc, double joules, double quantum_j) noexcept {
  AddJoules(acc, joules, quantum_j, 1.0 / quantum_j);
}

struct EnergyConfig {
  double quantum_wh = 0.001;  // register resolution: 1 mWh (> 0, ≤ 1 kWh)
};

struct EnergyRegisters {
  double quantum_j = 3.6;
  size_t voltages = 0, currents = 0;
  uint8_t phase[kMaxCurrents] = {};
  EnergyAccumulator lifetime[kMaxCurrents][kEnergyRegisterCount];
  // resettable reading = lifetime − origin; origin.quanta may be negative (after a preset above
  // the lifetime value), 0 ≤ origin.remainder_j < quantum_j as for any accumulator.
  EnergyAccumulator origin[kMaxCurrents][kEnergyRegisterCount];
  double channel_reset_s[kMaxCurrents] = {};  // sample time of each channel's last clear/preset
  double reset_s = 0;                         // sample time of the last clear of all channels
};

// Initialises all registers to zero. Returns kBadThreshold for a quantum outside (0, 1000] Wh,
// kBadChannelCount / kBadPhaseAssignment for a bad topology. Never allocates or throws.
Status ValidateEnergy(const EnergyConfig& config, size_t voltages, size_t currents,
                      const uint8_t* phase) noexcept;
Status InitEnergy(const EnergyConfig& config, size_t voltages, size_t currents,
                  const uint8_t* phase, EnergyRegisters& regs) noexcept;

// Joules one window adds to each register of channel k (zeros below the minimum ON current).
void WindowIncrementsJ(const WindowResult& window, size_t k,
                       double joules[kEnergyRegisterCount]) noexcept;

// Adds one window: X · duration into the register its sign / quadrant selects, per channel.
// Channels below the minimum ON current (quadrant 0) add nothing. Never allocates or throws.
void AccumulateEnergy(EnergyRegisters& regs, const WindowResult& window) noexcept;

// Value of a register in Wh. scope: per channel (index = channel), per voltage phase (sum of
// the channels assigned to it) or total (index ignored). Never allocates or throws.
enum class EnergyScope : uint8_t { kChannel, kPhase, kTotal };
double EnergyWh(const EnergyRegisters& regs, EnergyScope scope, size_t index,
                EnergyRegister reg, bool lifetime = false) noexcept;

// Clears the resettable registers of one channel (channel < currents) or of all (channel =
// SIZE_MAX) at sample time now_s; lifetime copies are never cleared. Never allocates or throws.
Status ClearEnergy(EnergyRegisters& regs, size_t channel, double now_s) noexcept;

// Presets a resettable register (e.g. to match a utility meter). wh must be finite, ≥ 0 and
// below the register's range (kMaxEnergyQuanta quanta), else kBadThreshold.
Status PresetEnergy(EnergyRegisters& regs, size_t channel, EnergyRegister reg, double wh,
                    double now_s) noexcept;

}  // namespace meterdsp

#endif  // METERDSP_ENERGY_H_
