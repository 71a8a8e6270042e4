// meterdsp/events.h — stage 5 of the data flow: over/under threshold events.
//
// What: per current channel, the reference device's machine — latching High-High / High /
// Low / Low-Low with per-level delays, ON/OFF qualification, non-latching High / Low with
// hysteresis — on Irms by default (thresholds in % of breaker size), or on the channel's V, P,
// Q, PF or the frequency with absolute thresholds; plus voltage over/under per phase. Status
// bits follow the reference point map: bit 0 HH, 1 H, 2 L, 3 LL, 4 OFF declared (latching),
// 8 NL High, 9 NL Low (voltages: 0 high latched, 1 low latched, 8 high NL, 9 low NL).
// Timing is sample time, evaluated once per window: a condition that starts in a window
// counts from that window's start; a latch sets at the end of the first window at which the
// condition has held for longer than the delay. A return below a threshold is instantaneous.
// Windows flagged kFlagIncomplete (partial cycles at start-up or resync) are skipped.
// Every function here never allocates or throws; EventState is trivially copyable.
#ifndef METERDSP_EVENTS_H_
#define METERDSP_EVENTS_H_

#include <stddef.h>
#include <stdint.h>

#include "meterdsp/frontend.h"
#include "meterdsp/status.h"
#include "meterdsp/window.h"

namespace meterdsp {

enum EventBit : uint16_t {
  kEventHighHigh = 1u << 0,
  kEventHigh = 1u << 1,
  kEventLow = 1u << 2,
  kEventLowLow = 1u << 3,
  kEventOff = 1u << 4,
  kEventNlHigh = 1u << 8,
  kEventNlLow = 1u << 9,
  kEventLatchingMask = 0x1F,
};

enum class EventQuantity : uint8_t {
  kCurrent = 0,   // Irms
  kVoltage,       // Vrms of the channel's assigned phase
  kActivePower,   // P
  kReactivePower, // Q (fundamental)
  kPowerFactor,   // PF
  kFrequency,     // window frequency
  kCurrentThd,    // the current's total distortion, % of its fundamental (use `absolute`)
};

struct ChannelEventConfig {
  EventQuantity quantity = EventQuantity::kCurrent;
  // Thresholds are % of `base` (the breaker size in amperes for currents), in 0.1 % steps
  // from 0 to 100 %, unless `absolute` (then in the quantity's unit). base 0 disables the
  // channel; a level of 0 disables that level.
  bool absolute = false;
  double base = 20.0;
  double level[4] = {70.0, 60.0, 7.5, 2.5};  // HH, H, L, LL
  double delay_s[4] = {10, 10, 10, 10};      // 0–32767 s
  double nl_high = 60.0, nl_low = 5.0;       // non-latching levels
  double hysteresis_pct = 5.0;               // of the NL setpoint, 0–100 %
  double on_time_s = 10, off_time_s = 30;    // ON / OFF qualification, 0–32767 s
};

struct VoltageEventConfig {
  double over_v = 0, under_v = 0;  // volts; 0 disables
  double timer_s = 10;             // latching delay
  double hysteresis_pct = 2.0;     // NL release band, % of setpoint
};

struct EventConfig {
  ChannelEventConfig channel[kMaxCurrents];
  VoltageEventConfig voltage[kMaxVoltages];
};

// Counter slots: HH, H, L, LL, OFF.
inline constexpr size_t kEventCounters = 5;

struct EventState {
  size_t voltages = 0, currents = 0;
  uint8_t phase[kMaxCurrents] = {};
  EventConfig config;
  uint16_t status[kMaxCurrents] = {};
  double since[kMaxCurrents][4] = {};  // start of each level's current run; < 0: not holding
  double on_since[kMaxCurrents] = {}, off_since[kMaxCurrents] = {};
  uint8_t on_state[kMaxCurrents] = {};
  uint16_t counter[kMaxCurrents][kEventCounters] = {};
  uint16_t global_counter[kEventCounters] = {};
  uint16_t v_status[kMaxVoltages] = {};
  double v_since[kMaxVoltages][2] = {};
  uint16_t recent_latching = 0, recent_nonlatching = 0;  // 1-based channel, 0 = none
};

// Validates and installs the configuration; clears all state. Returns kBadThreshold for levels
// outside 0–100 % or off the 0.1 % grid (non-absolute), negative delays or hysteresis, or
// non-finite values. On error `state` is unchanged. Never allocates or throws.
Status ValidateEvents(const EventConfig& config, size_t voltages, size_t currents,
                      const uint8_t* phase) noexcept;
Status InitEvents(const EventConfig& config, size_t voltages, size_t currents,
                  const uint8_t* phase, EventState& state) noexcept;

// Advances every machine by one window. Never allocates or throws.
void UpdateEvents(EventState& state, const WindowResult& window) noexcept;

// Writes `value` to a channel's status: latching bits written as 0 are cleared, 1s and
// non-latching bits are ignored (the reference map's write-0-to-clear). Never allocates.
Status WriteEventStatus(EventState& state, size_t channel, uint16_t value) noexcept;

// Clears every latching bit of every channel and voltage (command "reset latched alarms").
void ResetLatchedEvents(EventState& state) noexcept;

// Global registers of the reference map.
struct EventSummary {
  uint16_t latching = 0;     // OR of channel bits 0–4; bit 8/9 voltage high/low latched
  uint16_t nonlatching = 0;  // bit 0 NL high, bit 1 NL low; bit 8/9 voltage high/low NL
  uint16_t recent_latching = 0, recent_nonlatching = 0;  // 1-based channel, 0 = none
  uint16_t in_alarm_latching = 0, in_alarm_nonlatching = 0;
};
EventSummary SummarizeEvents(const EventState& state) noexcept;

}  // namespace meterdsp

#endif  // METERDSP_EVENTS_H_
