// meterdsp/demand.h — stage 4 of the data flow: demand, maxima and energy snapshots.
//
// What: demand of Irms and P per channel, of the average current and the total power of up to
// 16 channel groups (e.g. a panel's mains), and of total P, Q and S (arithmetic sum), in four modes — block, sliding (1–60
// sub-intervals), thermal (exponential, 90 % of a step after one interval) and sync-to-comms
// (sub-intervals ended by command). Sub-intervals run on sample time from the stream start
// (10–32767 s), or aligned to a wall clock once SetDemandClock was called (10–3600 s; no demand
// before). A window that straddles a sub-interval end is split in proportion to time, so
// demand × interval equals the interval's energy. Present, predicted and maximum demand (with
// its time), maximum instantaneous Irms / P (whole-cycle windows only), and the energy
// registers at every sub-interval end.
// Every function here never allocates or throws; DemandState is trivially copyable.
#ifndef METERDSP_DEMAND_H_
#define METERDSP_DEMAND_H_

#include <stddef.h>
#include <stdint.h>

#include "meterdsp/energy.h"
#include "meterdsp/frontend.h"
#include "meterdsp/status.h"
#include "meterdsp/window.h"

namespace meterdsp {

// Current-averaging groups: 16, or as many as there may be currents (a group holds at least one).
inline constexpr size_t kMaxDemandGroups = kMaxCurrents < 16 ? kMaxCurrents : 16;
inline constexpr size_t kMaxSubintervals = 60;
// Demand quantity index layout.
inline constexpr size_t kDemandCurrent0 = 0;                        // + channel
inline constexpr size_t kDemandPower0 = kMaxCurrents;               // + channel
inline constexpr size_t kDemandGroup0 = 2 * kMaxCurrents;           // + group − 1: mean Irms
inline constexpr size_t kDemandGroupPower0 = kDemandGroup0 + kMaxDemandGroups;  // + group − 1: ΣP
inline constexpr size_t kDemandPTotal = kDemandGroupPower0 + kMaxDemandGroups;
inline constexpr size_t kDemandQTotal = kDemandPTotal + 1;
inline constexpr size_t kDemandSTotal = kDemandPTotal + 2;
inline constexpr size_t kDemandQuantities = kDemandPTotal + 3;

enum class DemandMode : uint8_t { kBlock = 0, kSliding, kThermal, kSyncToComms };

struct DemandConfig {
  DemandMode mode = DemandMode::kBlock;
  double subinterval_s = 900;  // sub-interval (thermal: response interval); timer 10–32767 s, clock 10–3600 s
  uint32_t subintervals = 1;   // sliding / sync: 1–60; block and thermal use 1
  bool clock_aligned = false;  // align to the wall clock set by SetDemandClock
  uint8_t group[kMaxCurrents] = {};  // 0 = none, else 1..kMaxDemandGroups: current-averaging group
};

struct DemandState {
  DemandConfig config;
  size_t currents = 0;
  uint32_t n = 1;              // sub-intervals per demand interval
  uint8_t group_size[kMaxDemandGroups] = {};
  double now_s = 0;            // end of the last window seen
  uint8_t clock_valid = 0;
  double clock_offset_s = 0;   // wall clock = sample time + offset
  double open_start_s = 0, open_end_s = 0;  // open sub-interval [start, scheduled end)
  uint8_t open_partial = 0;
  double open_acc[kDemandQuantities] = {};  // ∫ x dt over the open sub-interval
  double ring_acc[kMaxSubintervals][kDemandQuantities];
  double ring_len_s[kMaxSubintervals] = {};
  uint8_t ring_partial[kMaxSubintervals] = {};
  uint32_t ring_count = 0, ring_head = 0;
  uint64_t intervals = 0;      // sub-intervals completed
  double present[kDemandQuantities] = {};
  double max[kDemandQuantities] = {};
  double max_time_s[kDemandQuantities] = {};  // sample time of each maximum (−1: none yet)
  uint8_t present_partial = 1;
  double thermal[kDemandQuantities] = {};
  double snapshot_wh[kMaxCurrents][kEnergyRegisterCount] = {};
  double snapshot_time_s = -1;
  double max_irms[kMaxCurrents] = {}, max_p[kMaxCurrents] = {};
  double max_p_group[kMaxDemandGroups] = {};
  double max_p_total = 0;
};

// Validates and installs `config`; clears all state. Returns kBadThreshold for a sub-interval
// or count out of range, kBadChannelCount for a bad group. Never allocates or throws.
Status ValidateDemand(const DemandConfig& config, size_t currents) noexcept;
Status InitDemand(const DemandConfig& config, size_t currents, DemandState& state) noexcept;

// Advances by one window. `energy` holds the registers before this window (its increments are
// split at a sub-interval end for the snapshot). Never allocates or throws.
void UpdateDemand(DemandState& state, const WindowResult& window,
                  const EnergyRegisters& energy) noexcept;

// Predicted demand at the end of the open sub-interval if the present rate continues
// (thermal: the value one interval ahead). Never allocates or throws.
double PredictedDemand(const DemandState& state, size_t quantity) noexcept;

// Sets the wall clock: `wall_s` (e.g. Unix seconds) is the time at the state's present sample
// time. Starts clock-aligned sub-intervals (the first one partial). Never allocates or throws.
Status SetDemandClock(DemandState& state, double wall_s) noexcept;

// Commands (reference map codes 26012, 26013, 20097, 29877), at the present sample time.
void NewDemandSubinterval(DemandState& state, const EnergyRegisters& energy) noexcept;
void ResetDemand(DemandState& state) noexcept;
void ClearMaxDemand(DemandState& state) noexcept;
void ClearMaxima(DemandState& state) noexcept;

}  // namespace meterdsp

#endif  // METERDSP_DEMAND_H_
