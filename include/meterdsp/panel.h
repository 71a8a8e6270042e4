// meterdsp/panel.h — the reference device's topology on top of the meter: one or two
// panelboards, each 2 strips of up to 21 CTs (42 branch channels) + 4 aux inputs (mains A, B,
// C and a current-only neutral), sharing V1..V3.
//
// Channel numbers are the reference map's: 1–42 branch (= breaker position in the layout's
// numbering), 43–45 mains A/B/C, 46 neutral; panel p's channel ch is meter current
// p·46 + ch − 1. The ADC delivers a frame as V1, V2, V3 (as many as the wiring has), then per
// panel strip A CTs 1..21, strip B CTs 1..21, aux 1..4; the strip layout decides which CT is
// which breaker (docs/panel.md). Logical circuits group 1–3 channels that are adjacent in the
// panel into a multi-phase meter with totals.
// Every function here never allocates or throws.
#ifndef METERDSP_PANEL_H_
#define METERDSP_PANEL_H_

#include <stddef.h>
#include <stdint.h>

#include "meterdsp/meter.h"
#include "meterdsp/status.h"
#include "meterdsp/window.h"

namespace meterdsp {

inline constexpr size_t kMaxPanels = 2;
inline constexpr size_t kPanelBranches = 42;
inline constexpr size_t kPanelChannels = 46;
inline constexpr size_t kMaxCircuits = kPanelChannels;  // logical circuit numbers 1..46 per panel

// Strip configuration (reference map register 6 values).
enum class StripLayout : uint8_t { kTopFeed = 0, kBottomFeed = 1, kSequential = 2, kOddEven = 3 };

enum class Wiring : uint8_t {
  kWye = 0,          // 4-wire wye: V1, V2, V3 line-to-neutral
  kSplitPhase = 1,   // 3-wire split phase: V1, V2 (180° apart)
  kSinglePhase = 2,  // 2-wire single phase: V1
  kDelta = 3,        // 3-wire delta: V1..V3 against a virtual neutral
};

struct PanelConfig {
  size_t panels = 2;  // 1 or 2
  StripLayout layout[kMaxPanels] = {StripLayout::kTopFeed, StripLayout::kTopFeed};
  uint8_t strip_size = 21;  // CTs per strip: 12, 18 or 21
  Wiring wiring = Wiring::kWye;
  // User CT phase assignment (reference register 62017 bit 0 + 62116…): when set, `phase`
  // (0 = A, 1 = B, 2 = C) replaces the layout's default for channels 1–45.
  bool user_phase = false;
  uint8_t phase[kMaxPanels][kPanelChannels] = {};
  // Logical circuit number (1..46) of each channel, 0 = none.
  uint8_t circuit[kMaxPanels][kPanelChannels] = {};
};

// Voltages the wiring measures (3, 2, 1, 3).
size_t WiringVoltages(Wiring wiring) noexcept;

// Default voltage phase of channel ch (1..46) for a layout and wiring; kCurrentOnly for the
// neutral (46). Never allocates or throws.
uint8_t DefaultPhase(StripLayout layout, Wiring wiring, size_t ch) noexcept;

// Position (0..45) in the panel's part of the frame (strip A CTs, strip B CTs, aux) of channel
// ch (1..46). Never allocates or throws.
size_t InputPosition(StripLayout layout, size_t strip_size, size_t ch) noexcept;

// True if channels a < b are adjacent breaker positions in the layout (same column, next row;
// or consecutive mains inputs 43–45).
bool Adjacent(StripLayout layout, size_t a, size_t b) noexcept;

// Validates `panel`: layouts, strip size, phases, circuits (1–3 adjacent channels each).
Status ValidatePanel(const PanelConfig& panel) noexcept;

// Validates `panel` (as ValidatePanel) and writes the topology into `window`: voltages, currents (46 per panel), phases, frame columns,
// virtual neutral. Other fields of `window` (fs, calibration, thresholds) are left as they are.
Status ApplyPanel(const PanelConfig& panel, WindowConfig& window) noexcept;

// Assigns demand groups: panel p's mains (43–45) form group p + 1, and the first 14 logical
// circuits (panel, then number order) groups 3..16, so their average current and total power
// have demand and maxima of their own. Never allocates or throws.
void ApplyPanelDemandGroups(const PanelConfig& panel, DemandConfig& demand) noexcept;

// Demand group (1..16) of a logical circuit, 0 if it has none (more than 14 circuits).
size_t CircuitDemandGroup(const PanelConfig& panel, size_t panel_index, size_t circuit) noexcept;

// Totals of one logical circuit (or the mains: circuit = 0 with mains = true) in a window.
struct CircuitReading {
  uint8_t channels = 0;       // 0: the circuit is not defined
  uint8_t channel[3] = {};    // its channel numbers (1..46)
  double p = 0, q = 0;        // sums
  double s_arith = 0;         // Σ S (the reference map's "kVA total")
  double s_vector = 0;        // |ΣP + jΣQ|
  double pf = 0;              // P / S_arith
  double i_avg = 0;           // mean Irms
};

// Reading of circuit number `circuit` (1..46) of `panel` (0-based) in a window.
CircuitReading Circuit(const PanelConfig& config, size_t panel, size_t circuit,
                       const WindowResult& window) noexcept;
// The panel's mains (channels 43–45, or as many as the wiring has).
CircuitReading Mains(const PanelConfig& config, size_t panel, const WindowResult& window) noexcept;

// Energy register of a circuit (sum of its channels; lifetime copy on request) or of the mains.
double CircuitEnergyWh(const PanelConfig& config, const EnergyRegisters& energy, size_t panel,
                       size_t circuit, EnergyRegister reg, bool lifetime = false) noexcept;
double MainsEnergyWh(const PanelConfig& config, const EnergyRegisters& energy, size_t panel,
                     EnergyRegister reg, bool lifetime = false) noexcept;

}  // namespace meterdsp

#endif  // METERDSP_PANEL_H_
