// Demand stage: sub-interval bookkeeping on sample time (scalar; per window and quantity).
#include "meterdsp/demand.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#include "src/state_bytes.h"

namespace meterdsp {
namespace {

constexpr double kNever = 1e300;
constexpr double kLn10 = 2.30258509299404568402;

bool Gated(const DemandState& s) { return s.config.clock_aligned && !s.clock_valid; }

void Values(const DemandState& s, const WindowResult& w, double* x) {
  for (size_t q = 0; q < kDemandQuantities; ++q) x[q] = 0;
  for (size_t k = 0; k < s.currents && k < w.currents; ++k) {
    x[kDemandCurrent0 + k] = w.irms[k];
    x[kDemandPower0 + k] = w.p[k];
    const uint8_t g = s.config.group[k];
    if (g > 0) {
      x[kDemandGroup0 + g - 1] += w.irms[k] / s.group_size[g - 1];
      x[kDemandGroupPower0 + g - 1] += w.p[k];
    }
    x[kDemandPTotal] += w.p[k];
    x[kDemandQTotal] += w.q[k];
    x[kDemandSTotal] += w.s[k];
  }
}

// Scheduled end of a sub-interval that starts at `start` (sample time).
double ScheduleEnd(const DemandState& s, double start) {
  if (s.config.mode == DemandMode::kSyncToComms) return kNever;
  const double t = s.config.subinterval_s;
  if (!s.config.clock_aligned) return start + t;
  const double wall = start + s.clock_offset_s;
  double next = (std::floor(wall / t) + 1.0) * t;
  if (next - s.clock_offset_s <= start) next += t;
  return next - s.clock_offset_s;
}

void OpenSubinterval(DemandState& s, double start, bool partial) {
  s.open_start_s = start;
  s.open_end_s = ScheduleEnd(s, start);
  s.open_partial = partial ? 1 : 0;
  for (double& a : s.open_acc) a = 0;
}

// Ends the open sub-interval at `end`. `w` (may be null) is the window being split at `end`,
// with `fraction` of its duration before `end`; `energy` holds the registers before `w`.
void CloseSubinterval(DemandState& s, double end, const EnergyRegisters& energy,
                      const WindowResult* w, double fraction) {
  const uint32_t n = s.n;
  const uint32_t slot = s.ring_head;
  std::memcpy(s.ring_acc[slot], s.open_acc, sizeof(s.open_acc));
  s.ring_len_s[slot] = end - s.open_start_s;
  s.ring_partial[slot] = s.open_partial;
  s.ring_head = (slot + 1) % n;
  if (s.ring_count < n) ++s.ring_count;
  ++s.intervals;

  if (s.config.mode != DemandMode::kThermal) {
    double len = 0;
    bool partial = s.ring_count < n;
    for (uint32_t j = 0; j < s.ring_count; ++j) {
      const uint32_t idx = (slot + n - j) % n;
      len += s.ring_len_s[idx];
      partial = partial || s.ring_partial[idx];
    }
    // Missing history counts as zero over nominal sub-intervals (not in sync mode).
    if (s.config.mode != DemandMode::kSyncToComms) len += (n - s.ring_count) * s.config.subinterval_s;
    for (size_t q = 0; q < kDemandQuantities; ++q) {
      double acc = 0;
      for (uint32_t j = 0; j < s.ring_count; ++j) acc += s.ring_acc[(slot + n - j) % n][q];
      s.present[q] = len > 0 ? acc / len : 0.0;
      if (s.max_time_s[q] < 0 || s.present[q] > s.max[q]) {
        s.max[q] = s.present[q];
        s.max_time_s[q] = end;
      }
    }
    s.present_partial = partial ? 1 : 0;
  }

  double inc[kEnergyRegisterCount];
  for (size_t k = 0; k < s.currents; ++k) {
    if (w != nullptr) WindowIncrementsJ(*w, k, inc);
    for (size_t r = 0; r < kEnergyRegisterCount; ++r) {
      const double before = EnergyWh(energy, EnergyScope::kChannel, k, static_cast<EnergyRegister>(r));
      s.snapshot_wh[k][r] = before + (w != nullptr ? fraction * inc[r] / 3600.0 : 0.0);
    }
  }
  s.snapshot_time_s = end;
  OpenSubinterval(s, end, false);
}

}  // namespace

Status ValidateDemand(const DemandConfig& c, size_t currents) noexcept {
  if (currents > kMaxCurrents) return Status::kBadChannelCount;
  const double lo = 10.0, hi = c.clock_aligned ? 3600.0 : 32767.0;
  if (c.mode != DemandMode::kSyncToComms &&
      (!std::isfinite(c.subinterval_s) || c.subinterval_s < lo || c.subinterval_s > hi)) {
    return Status::kBadThreshold;
  }
  const bool multi = c.mode == DemandMode::kSliding || c.mode == DemandMode::kSyncToComms;
  if (c.subintervals < 1 || c.subintervals > kMaxSubintervals || (!multi && c.subintervals != 1)) {
    return Status::kBadThreshold;
  }
  for (size_t k = 0; k < currents; ++k) {
    if (c.group[k] > kMaxDemandGroups) return Status::kBadChannelCount;
  }
  return Status::kOk;
}

namespace {
// Currents per current-averaging group (DemandState::group_size) of a valid configuration.
void GroupSizes(const DemandConfig& c, size_t currents, uint8_t sizes[kMaxDemandGroups]) {
  for (size_t g = 0; g < kMaxDemandGroups; ++g) sizes[g] = 0;
  for (size_t k = 0; k < currents; ++k) {
    if (c.group[k] > 0) ++sizes[c.group[k] - 1];
  }
}
}  // namespace

Status CheckRestoredDemand(const uint8_t* bytes, size_t currents) noexcept {
  const StateBytes<DemandState> s(bytes);
  if (!s.Part<DemandConfig>(offsetof(DemandState, config)).BoolAt(offsetof(DemandConfig, clock_aligned))) {
    return Status::kBadSnapshot;
  }
  const DemandConfig c = METERDSP_FIELD(s, DemandState, config);  // about 100 bytes
  if (ValidateDemand(c, currents) != Status::kOk || METERDSP_FIELD(s, DemandState, currents) != currents) {
    return Status::kBadSnapshot;
  }
  const uint32_t n = METERDSP_FIELD(s, DemandState, n);
  if (n != c.subintervals || METERDSP_FIELD(s, DemandState, ring_head) >= n ||
      METERDSP_FIELD(s, DemandState, ring_count) > n) {
    return Status::kBadSnapshot;
  }
  uint8_t sizes[kMaxDemandGroups];
  GroupSizes(c, currents, sizes);
  for (size_t g = 0; g < kMaxDemandGroups; ++g) {
    if (METERDSP_ELEMENT(s, DemandState, group_size, g) != sizes[g]) return Status::kBadSnapshot;
  }
  return Status::kOk;
}

Status InitDemand(const DemandConfig& c, size_t currents, DemandState& state) noexcept {
  if (Status s = ValidateDemand(c, currents); s != Status::kOk) return s;
  uint8_t sizes[kMaxDemandGroups];
  GroupSizes(c, currents, sizes);
  new (&state) DemandState();  // in place: no 120-KB temporary on the stack
  state.config = c;
  state.currents = currents;
  state.n = c.subintervals;
  std::memcpy(state.group_size, sizes, sizeof(sizes));
  for (double& t : state.max_time_s) t = -1;
  for (auto& row : state.ring_acc) for (double& a : row) a = 0;
  OpenSubinterval(state, 0.0, false);
  return Status::kOk;
}

void UpdateDemand(DemandState& s, const WindowResult& w, const EnergyRegisters& energy) noexcept {
  const double t0 = w.start_s, dt = w.duration_s, t1 = t0 + dt;
  double x[kDemandQuantities];
  Values(s, w, x);
  // Maxima of instantaneous values: whole-cycle windows only (a partial cycle's RMS or P is
  // not a reading). Demand integrates every window, like the energy registers.
  if (!(w.flags & kFlagIncomplete)) {
    for (size_t k = 0; k < s.currents && k < w.currents; ++k) {
      if (w.irms[k] > s.max_irms[k]) s.max_irms[k] = w.irms[k];
      if (w.p[k] > s.max_p[k]) s.max_p[k] = w.p[k];
    }
    if (x[kDemandPTotal] > s.max_p_total) s.max_p_total = x[kDemandPTotal];
    for (size_t g = 0; g < kMaxDemandGroups; ++g) {
      if (x[kDemandGroupPower0 + g] > s.max_p_group[g]) s.max_p_group[g] = x[kDemandGroupPower0 + g];
    }
  }
  s.now_s = t1;
  if (Gated(s) || !(dt > 0)) return;

  if (s.config.mode == DemandMode::kThermal) {
    // 90 % of a step after one interval: time constant T / ln 10; exact per window.
    const double a = -std::expm1(-dt * kLn10 / s.config.subinterval_s);
    for (size_t q = 0; q < kDemandQuantities; ++q) {
      s.thermal[q] += (x[q] - s.thermal[q]) * a;
      s.present[q] = s.thermal[q];
      if (s.max_time_s[q] < 0 || s.thermal[q] > s.max[q]) {
        s.max[q] = s.thermal[q];
        s.max_time_s[q] = t1;
      }
    }
    s.present_partial = 0;
  }

  // A scheduled end within 1 ns of the window end belongs to this window (sample times are
  // sums of rounded durations; one sample is ≥ 1 µs).
  double cur = t0;
  while (s.open_end_s <= t1 + 1e-9) {
    const double end = s.open_end_s;
    for (size_t q = 0; q < kDemandQuantities; ++q) s.open_acc[q] += x[q] * (end - cur);
    CloseSubinterval(s, end, energy, &w, std::min((end - t0) / dt, 1.0));
    cur = end;
  }
  if (t1 > cur) {
    for (size_t q = 0; q < kDemandQuantities; ++q) s.open_acc[q] += x[q] * (t1 - cur);
  }
}

double PredictedDemand(const DemandState& s, size_t q) noexcept {
  if (q >= kDemandQuantities) return 0.0;
  const double open_len = s.now_s - s.open_start_s;
  const double rate = open_len > 0 ? s.open_acc[q] / open_len : 0.0;
  if (s.config.mode == DemandMode::kThermal) return s.thermal[q] + (rate - s.thermal[q]) * 0.9;
  const uint32_t n = s.n;
  const uint32_t prior = s.ring_count < n - 1 ? s.ring_count : n - 1;
  double acc = s.open_acc[q], len = open_len;
  for (uint32_t j = 0; j < prior; ++j) {
    const uint32_t idx = (s.ring_head + n - 1 - j) % n;
    acc += s.ring_acc[idx][q];
    len += s.ring_len_s[idx];
  }
  if (s.config.mode == DemandMode::kSyncToComms) return len > 0 ? acc / len : 0.0;
  const double remaining = s.open_end_s - s.now_s;
  acc += rate * remaining;
  len += remaining + (n - 1 - prior) * s.config.subinterval_s;
  return len > 0 ? acc / len : 0.0;
}

Status SetDemandClock(DemandState& s, double wall_s) noexcept {
  if (!std::isfinite(wall_s)) return Status::kBadThreshold;
  s.clock_offset_s = wall_s - s.now_s;
  s.clock_valid = 1;
  ResetDemand(s);
  return Status::kOk;
}

void NewDemandSubinterval(DemandState& s, const EnergyRegisters& energy) noexcept {
  if (Gated(s)) return;
  CloseSubinterval(s, s.now_s, energy, nullptr, 0.0);
  s.open_partial = s.config.clock_aligned ? 1 : 0;
}

void ResetDemand(DemandState& s) noexcept {
  s.ring_count = 0;
  s.ring_head = 0;
  for (double& p : s.present) p = 0;
  for (double& t : s.thermal) t = 0;
  s.present_partial = 1;
  OpenSubinterval(s, s.now_s, s.config.clock_aligned);
}

void ClearMaxDemand(DemandState& s) noexcept {
  for (double& m : s.max) m = 0;
  for (double& t : s.max_time_s) t = -1;
}

void ClearMaxima(DemandState& s) noexcept {
  for (double& m : s.max_irms) m = 0;
  for (double& m : s.max_p) m = 0;
  for (double& m : s.max_p_group) m = 0;
  s.max_p_total = 0;
}

}  // namespace meterdsp
