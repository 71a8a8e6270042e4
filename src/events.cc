// Events stage: per-window threshold machines (scalar; a few comparisons per channel and window).
#include "meterdsp/events.h"

#include <cmath>
#include <cstring>
#include <new>

#include "src/state_bytes.h"

namespace meterdsp {
namespace {

bool Finite(double x) { return std::isfinite(x); }

bool OnGrid(double pct) {  // 0.1 % steps, 0..100 %
  const double tenths = pct * 10.0;
  return pct >= 0 && pct <= 100.0 && std::fabs(tenths - std::round(tenths)) < 1e-6;
}

void Bump(uint16_t& counter) { counter = counter >= 32767 ? 1 : static_cast<uint16_t>(counter + 1); }

double QuantityOf(const EventState& s, const WindowResult& w, size_t k) {
  switch (s.config.channel[k].quantity) {
    case EventQuantity::kCurrent: return w.irms[k];
    case EventQuantity::kVoltage: return w.vrms[s.phase[k] == kCurrentOnly ? 0 : s.phase[k]];
    case EventQuantity::kActivePower: return w.p[k];
    case EventQuantity::kReactivePower: return w.q[k];
    case EventQuantity::kPowerFactor: return w.pf[k];
    case EventQuantity::kFrequency: return w.frequency_hz;
    case EventQuantity::kCurrentThd: return w.i_thd_pct[k];  // NaN when off: neither above nor below
  }
  return 0;
}

// Tracks a condition's run: returns how long it has held at `end` (−1 if not holding).
double Hold(double& since, bool cond, double start, double end) {
  if (!cond) {
    since = -1;
    return -1;
  }
  if (since < 0) since = start;
  return end - since;
}

// One current's thresholds, delays and times as ValidateEvents requires them.
bool ValidChannel(const ChannelEventConfig& e) {
  if (!Finite(e.base) || e.base < 0 || !Finite(e.hysteresis_pct) || e.hysteresis_pct < 0 ||
      e.hysteresis_pct > 100 || !Finite(e.on_time_s) || e.on_time_s < 0 || e.on_time_s > 32767 ||
      !Finite(e.off_time_s) || e.off_time_s < 0 || e.off_time_s > 32767) {
    return false;
  }
  const double levels[6] = {e.level[0], e.level[1], e.level[2], e.level[3], e.nl_high, e.nl_low};
  for (double l : levels) {
    if (!Finite(l) || (!e.absolute && !OnGrid(l))) return false;
  }
  for (double d : e.delay_s) {
    if (!Finite(d) || d < 0 || d > 32767) return false;
  }
  return true;
}

// One phase voltage's over/under setting as ValidateEvents requires it.
bool ValidVoltage(const VoltageEventConfig& v) {
  return Finite(v.over_v) && v.over_v >= 0 && Finite(v.under_v) && v.under_v >= 0 && Finite(v.timer_s) &&
         v.timer_s >= 0 && v.timer_s <= 32767 && Finite(v.hysteresis_pct) && v.hysteresis_pct >= 0 &&
         v.hysteresis_pct <= 100;
}

bool ValidPhase(uint8_t phase, size_t voltages) { return phase < voltages || phase == kCurrentOnly; }

}  // namespace

Status ValidateEvents(const EventConfig& c, size_t voltages, size_t currents,
                      const uint8_t* phase) noexcept {
  if (voltages < 1 || voltages > kMaxVoltages || currents > kMaxCurrents) {
    return Status::kBadChannelCount;
  }
  if (currents > 0 && phase == nullptr) return Status::kNullPointer;
  for (size_t k = 0; k < currents; ++k) {
    if (!ValidPhase(phase[k], voltages)) return Status::kBadPhaseAssignment;
    if (!ValidChannel(c.channel[k])) return Status::kBadThreshold;
  }
  for (size_t k = 0; k < voltages; ++k) {
    if (!ValidVoltage(c.voltage[k])) return Status::kBadThreshold;
  }
  return Status::kOk;
}

Status CheckRestoredEvents(const uint8_t* bytes, size_t voltages, size_t currents) noexcept {
  const StateBytes<EventState> s(bytes);
  if (METERDSP_FIELD(s, EventState, voltages) != voltages || METERDSP_FIELD(s, EventState, currents) != currents) {
    return Status::kBadSnapshot;
  }
  const auto config = s.Part<EventConfig>(offsetof(EventState, config));
  for (size_t k = 0; k < currents; ++k) {
    const auto channel = config.Part<ChannelEventConfig>(offsetof(EventConfig, channel) + k * sizeof(ChannelEventConfig));
    if (!channel.BoolAt(offsetof(ChannelEventConfig, absolute))) return Status::kBadSnapshot;
    const ChannelEventConfig e = channel.At<ChannelEventConfig>(0);
    if (!ValidPhase(METERDSP_ELEMENT(s, EventState, phase, k), voltages) || !ValidChannel(e) ||
        static_cast<uint8_t>(e.quantity) > static_cast<uint8_t>(EventQuantity::kCurrentThd) ||
        METERDSP_ELEMENT(s, EventState, on_state, k) > 1) {
      return Status::kBadSnapshot;
    }
  }
  for (size_t k = 0; k < voltages; ++k) {
    if (!ValidVoltage(METERDSP_ELEMENT(config, EventConfig, voltage, k))) return Status::kBadSnapshot;
  }
  return Status::kOk;
}

Status InitEvents(const EventConfig& c, size_t voltages, size_t currents, const uint8_t* phase,
                  EventState& state) noexcept {
  if (Status s = ValidateEvents(c, voltages, currents, phase); s != Status::kOk) return s;
  new (&state) EventState();  // in place: no 17-KB temporary on the stack
  state.voltages = voltages;
  state.currents = currents;
  if (currents > 0) std::memcpy(state.phase, phase, currents);
  state.config = c;
  for (auto& row : state.since) for (double& x : row) x = -1;
  for (auto& row : state.v_since) for (double& x : row) x = -1;
  for (size_t k = 0; k < kMaxCurrents; ++k) state.on_since[k] = state.off_since[k] = -1;
  return Status::kOk;
}

void UpdateEvents(EventState& s, const WindowResult& w) noexcept {
  // A partial-cycle window is no reading: it neither starts nor breaks a condition's run.
  if (w.flags & kFlagIncomplete) return;
  const double t0 = w.start_s, t1 = w.start_s + w.duration_s;
  const size_t n = s.currents < w.currents ? s.currents : w.currents;
  for (size_t k = 0; k < n; ++k) {
    const ChannelEventConfig& c = s.config.channel[k];
    if (c.base <= 0 && !c.absolute) continue;  // breaker size 0: channel disabled
    const double x = QuantityOf(s, w, k);
    const double scale = c.absolute ? 1.0 : c.base / 100.0;
    const double thr[4] = {c.level[0] * scale, c.level[1] * scale, c.level[2] * scale,
                           c.level[3] * scale};
    uint16_t& st = s.status[k];

    // ON / OFF qualification against Low-Low.
    const bool above_ll = x > thr[3];
    const double on_held = Hold(s.on_since[k], above_ll, t0, t1);
    const double off_held = Hold(s.off_since[k], !above_ll, t0, t1);
    if (!s.on_state[k] && on_held > c.on_time_s) {
      s.on_state[k] = 1;
    } else if (s.on_state[k] && off_held > c.off_time_s) {
      s.on_state[k] = 0;
      if (!(st & kEventOff)) {
        st |= kEventOff;
        Bump(s.counter[k][4]);
        Bump(s.global_counter[4]);
        s.recent_latching = static_cast<uint16_t>(k + 1);
      }
    }

    // Latching levels: highs always armed, lows only in the ON state.
    const bool cond[4] = {thr[0] > 0 && x > thr[0], thr[1] > 0 && x > thr[1],
                          s.on_state[k] && thr[2] > 0 && x < thr[2],
                          s.on_state[k] && thr[3] > 0 && x < thr[3]};
    for (int l = 0; l < 4; ++l) {
      const double held = Hold(s.since[k][l], cond[l], t0, t1);
      const uint16_t bit = static_cast<uint16_t>(1u << l);
      if (held > c.delay_s[l] && !(st & bit)) {
        st |= bit;
        Bump(s.counter[k][l]);
        Bump(s.global_counter[l]);
        s.recent_latching = static_cast<uint16_t>(k + 1);
      }
    }

    // Non-latching levels with hysteresis, no delay.
    const double hi = c.nl_high * scale, lo = c.nl_low * scale, h = c.hysteresis_pct / 100.0;
    const uint16_t before = st;
    if (std::isnan(x)) {  // no reading (a THD with the current off): no condition holds now
      st &= static_cast<uint16_t>(~(kEventNlHigh | kEventNlLow));
      continue;
    }
    if (hi > 0) {
      if (x > hi) st |= kEventNlHigh;
      else if (x < hi * (1.0 - h)) st &= static_cast<uint16_t>(~kEventNlHigh);
    }
    if (lo > 0) {
      if (x < lo) st |= kEventNlLow;
      else if (x > lo * (1.0 + h)) st &= static_cast<uint16_t>(~kEventNlLow);
    }
    if ((st & ~before) & (kEventNlHigh | kEventNlLow)) s.recent_nonlatching = static_cast<uint16_t>(k + 1);
  }

  for (size_t k = 0; k < s.voltages && k < w.voltages; ++k) {
    const VoltageEventConfig& c = s.config.voltage[k];
    const double v = w.vrms[k], h = c.hysteresis_pct / 100.0;
    uint16_t& st = s.v_status[k];
    const bool over = c.over_v > 0 && v > c.over_v;
    const bool under = c.under_v > 0 && v < c.under_v;
    if (Hold(s.v_since[k][0], over, t0, t1) > c.timer_s) st |= 1u << 0;
    if (Hold(s.v_since[k][1], under, t0, t1) > c.timer_s) st |= 1u << 1;
    if (c.over_v > 0) {
      if (over) st |= kEventNlHigh;
      else if (v < c.over_v * (1.0 - h)) st &= static_cast<uint16_t>(~kEventNlHigh);
    }
    if (c.under_v > 0) {
      if (under) st |= kEventNlLow;
      else if (v > c.under_v * (1.0 + h)) st &= static_cast<uint16_t>(~kEventNlLow);
    }
  }
}

Status WriteEventStatus(EventState& s, size_t channel, uint16_t value) noexcept {
  if (channel >= s.currents) return Status::kBadChannelCount;
  const uint16_t clear = static_cast<uint16_t>(~value & kEventLatchingMask);
  s.status[channel] = static_cast<uint16_t>(s.status[channel] & ~clear);
  return Status::kOk;
}

void ResetLatchedEvents(EventState& s) noexcept {
  for (size_t k = 0; k < s.currents; ++k) s.status[k] &= static_cast<uint16_t>(~kEventLatchingMask);
  for (size_t k = 0; k < s.voltages; ++k) s.v_status[k] &= static_cast<uint16_t>(~0x3u);
}

EventSummary SummarizeEvents(const EventState& s) noexcept {
  EventSummary e;
  for (size_t k = 0; k < s.currents; ++k) {
    const uint16_t st = s.status[k];
    e.latching |= st & kEventLatchingMask;
    if (st & kEventNlHigh) e.nonlatching |= 1u << 0;
    if (st & kEventNlLow) e.nonlatching |= 1u << 1;
    if (st & kEventLatchingMask) ++e.in_alarm_latching;
    if (st & (kEventNlHigh | kEventNlLow)) ++e.in_alarm_nonlatching;
  }
  for (size_t k = 0; k < s.voltages; ++k) {
    const uint16_t st = s.v_status[k];
    if (st & 1u) e.latching |= 1u << 8;
    if (st & 2u) e.latching |= 1u << 9;
    if (st & kEventNlHigh) e.nonlatching |= 1u << 8;
    if (st & kEventNlLow) e.nonlatching |= 1u << 9;
  }
  e.recent_latching = s.recent_latching;
  e.recent_nonlatching = s.recent_nonlatching;
  return e;
}

}  // namespace meterdsp
