// The C API: a thin layer over the C++ chain, in caller-provided memory.
#include "meterdsp/meterdsp_c.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#include "meterdsp/meterdsp.h"

namespace {

constexpr size_t kChunkFrames = 128;  // frames per internal Process call

}  // namespace

struct meterdsp_meter {
  meterdsp::Meter meter;
  meterdsp::MeterConfig config;
  meterdsp::PanelConfig panel;
  meterdsp::RegisterSettings settings;
  meterdsp::WindowResult last;
  meterdsp::WindowResult out[12];  // ≥ MaxWindowsPerBlock(kChunkFrames)
  uint8_t has_last;
  uint8_t has_panel;
};

namespace {

int Code(meterdsp::Status s) { return static_cast<int>(s); }

static_assert(MDSP_MAX_TABLE_POINTS == meterdsp::kMaxTablePoints, "the C table holds the C++ one's points");

meterdsp::CalibrationPoint CPoint(const void* points, size_t k) {
  const meterdsp_calibration_point& p = static_cast<const meterdsp_calibration_point*>(points)[k];
  return meterdsp::CalibrationPoint{p.frequency_hz, p.measured_rms, p.reference_rms, p.measured_angle_deg,
                                    p.reference_angle_deg};
}

meterdsp::RegisterContext Context(const meterdsp_meter* m) {
  auto* mm = const_cast<meterdsp_meter*>(m);
  return meterdsp::RegisterContext{&mm->meter, &mm->config, &mm->panel, &mm->settings,
                                   m->has_last ? &m->last : nullptr};
}

template <typename Code>
int ProcessT(meterdsp_meter* m, const Code* frames, size_t n, size_t* windows) {
  if (m == nullptr || (frames == nullptr && n > 0)) return Code(meterdsp::Status::kNullPointer);
  const size_t nch = m->config.window.voltages + m->config.window.currents;
  size_t total = 0;
  for (size_t pos = 0; pos < n; pos += kChunkFrames) {
    const size_t len = std::min(kChunkFrames, n - pos);
    size_t done = 0;
    const meterdsp::Status s = meterdsp::Process(
        m->meter, meterdsp::FrameBlock<Code>{frames + pos * nch, len, nch}, m->out, 12, &done);
    if (s != meterdsp::Status::kOk) return Code(s);  // only possible before the first chunk
    if (done > 0) {
      m->last = m->out[done - 1];
      m->has_last = 1;
    }
    total += done;
  }
  if (windows != nullptr) *windows = total;
  return MDSP_OK;
}

}  // namespace

extern "C" {

size_t meterdsp_meter_size(void) { return sizeof(meterdsp_meter); }
size_t meterdsp_meter_align(void) { return alignof(meterdsp_meter); }
uint32_t meterdsp_max_currents(void) { return static_cast<uint32_t>(meterdsp::kMaxCurrents); }

int meterdsp_init(void* mem, size_t size, const meterdsp_config* c, meterdsp_meter** out) {
  if (mem == nullptr || c == nullptr || out == nullptr) return Code(meterdsp::Status::kNullPointer);
  if (size < sizeof(meterdsp_meter) || reinterpret_cast<uintptr_t>(mem) % alignof(meterdsp_meter) != 0) {
    return Code(meterdsp::Status::kBadBlock);
  }
  auto* m = new (mem) meterdsp_meter();
  meterdsp::WindowConfig& w = m->config.window;
  w.fs_hz = c->fs_hz;
  w.nominal_hz = c->nominal_hz;
  w.voltages = c->voltages;
  w.currents = c->currents;
  if (c->panels > 0) {
    m->panel.panels = c->panels;
    m->panel.layout[0] = m->panel.layout[1] = static_cast<meterdsp::StripLayout>(c->strip_layout & 3);
    if (c->strip_layout > 3) return Code(meterdsp::Status::kBadChannelCount);
    if (meterdsp::Status s = meterdsp::ApplyPanel(m->panel, w); s != meterdsp::Status::kOk) return Code(s);
    meterdsp::ApplyPanelDemandGroups(m->panel, m->config.demand);
    m->has_panel = 1;
  } else if (c->phase != nullptr) {
    for (size_t k = 0; k < w.currents && k < meterdsp::kMaxCurrents; ++k) w.phase[k] = c->phase[k];
  }
  const size_t nch = w.voltages + w.currents;
  for (size_t k = 0; k < nch && k < meterdsp::kMaxChannels; ++k) {
    meterdsp::ChannelCalibration& cal = k < w.voltages ? w.voltage_cal[k] : w.current_cal[k - w.voltages];
    if (c->gain != nullptr) cal.gain = c->gain[k];
    if (c->skew_us != nullptr) cal.skew_us = c->skew_us[k];
    if (c->phase_deg != nullptr) cal.phase_deg = c->phase_deg[k];
  }
  if (c->current_tables != nullptr) {
    for (size_t k = 0; k < w.currents && k < meterdsp::kMaxCurrents; ++k) {
      const meterdsp_current_table& ct = c->current_tables[k];
      meterdsp::CurrentTable& t = w.current_table[k];
      t.points = ct.points;
      std::memcpy(t.amps, ct.amps, sizeof(t.amps));
      std::memcpy(t.gain, ct.gain, sizeof(t.gain));
      std::memcpy(t.phase_deg, ct.phase_deg, sizeof(t.phase_deg));
    }
  }
  for (double& on : w.min_on_current) on = c->min_on_current_a > 0 ? c->min_on_current_a : 0.05;
  w.adc_bits = c->adc_bits ? static_cast<int>(c->adc_bits) : 24;
  m->config.demand.subinterval_s = c->demand_subinterval_s ? c->demand_subinterval_s : 900;
  m->config.demand.subintervals = c->demand_subintervals ? c->demand_subintervals : 1;
  m->config.demand.mode = m->config.demand.subintervals > 1 ? meterdsp::DemandMode::kSliding
                                                            : meterdsp::DemandMode::kBlock;
  for (auto& e : m->config.events.channel) e.base = c->breaker_a > 0 ? c->breaker_a : 20.0;
  if (meterdsp::Status s = meterdsp::Init(m->config, m->meter); s != meterdsp::Status::kOk) return Code(s);
  *out = m;
  return MDSP_OK;
}

int meterdsp_process_i16(meterdsp_meter* m, const int16_t* f, size_t n, size_t* w) { return ProcessT(m, f, n, w); }
int meterdsp_process_i32(meterdsp_meter* m, const int32_t* f, size_t n, size_t* w) { return ProcessT(m, f, n, w); }

int meterdsp_reading_get(const meterdsp_meter* m, uint32_t ch, meterdsp_reading* out) {
  if (m == nullptr || out == nullptr) return Code(meterdsp::Status::kNullPointer);
  if (ch >= m->config.window.currents) return Code(meterdsp::Status::kBadChannelCount);
  if (!m->has_last) return Code(meterdsp::Status::kNotInitialized);
  const meterdsp::WindowResult& r = m->last;
  *out = meterdsp_reading{r.irms[ch], r.p[ch], r.q[ch], r.s[ch], r.pf[ch], r.dpf[ch], r.angle_deg[ch],
                          r.quadrant[ch], r.flags_ch[ch], r.i_thd_pct[ch]};
  return MDSP_OK;
}

namespace {
int LastVoltageField(const meterdsp_meter* m, uint32_t k, const double (meterdsp::WindowResult::*field)[meterdsp::kMaxVoltages],
                     double* out) {
  if (m == nullptr || out == nullptr) return Code(meterdsp::Status::kNullPointer);
  if (k >= m->config.window.voltages) return Code(meterdsp::Status::kBadChannelCount);
  if (!m->has_last) return Code(meterdsp::Status::kNotInitialized);
  *out = (m->last.*field)[k];
  return MDSP_OK;
}
}  // namespace

int meterdsp_voltage_rms(const meterdsp_meter* m, uint32_t k, double* out) {
  return LastVoltageField(m, k, &meterdsp::WindowResult::vrms, out);
}
int meterdsp_voltage_thd(const meterdsp_meter* m, uint32_t k, double* out) {
  return LastVoltageField(m, k, &meterdsp::WindowResult::v_thd_pct, out);
}

double meterdsp_frequency_hz(const meterdsp_meter* m) { return m && m->has_last ? m->last.frequency_hz : 0.0; }
uint64_t meterdsp_windows(const meterdsp_meter* m) { return m ? m->meter.window.windows_done : 0; }

int meterdsp_energy_wh(const meterdsp_meter* m, uint32_t ch, uint32_t reg, int lifetime, double* out) {
  if (m == nullptr || out == nullptr) return Code(meterdsp::Status::kNullPointer);
  if (ch >= m->config.window.currents) return Code(meterdsp::Status::kBadChannelCount);
  if (reg >= meterdsp::kEnergyRegisterCount) return Code(meterdsp::Status::kBadThreshold);
  *out = meterdsp::EnergyWh(m->meter.energy, meterdsp::EnergyScope::kChannel, ch,
                            static_cast<meterdsp::EnergyRegister>(reg), lifetime != 0);
  return MDSP_OK;
}

int meterdsp_power_demand(const meterdsp_meter* m, uint32_t ch, double* present, double* max, double* max_time_s) {
  if (m == nullptr) return Code(meterdsp::Status::kNullPointer);
  if (ch >= m->config.window.currents) return Code(meterdsp::Status::kBadChannelCount);
  const size_t q = meterdsp::kDemandPower0 + ch;
  if (present) *present = m->meter.demand.present[q];
  if (max) *max = m->meter.demand.max[q];
  if (max_time_s) *max_time_s = m->meter.demand.max_time_s[q];
  return MDSP_OK;
}

int meterdsp_event_status(const meterdsp_meter* m, uint32_t ch, uint16_t* out) {
  if (m == nullptr || out == nullptr) return Code(meterdsp::Status::kNullPointer);
  if (ch >= m->config.window.currents) return Code(meterdsp::Status::kBadChannelCount);
  *out = m->meter.events.status[ch];
  return MDSP_OK;
}

int meterdsp_event_write(meterdsp_meter* m, uint32_t ch, uint16_t value) {
  if (m == nullptr) return Code(meterdsp::Status::kNullPointer);
  return Code(meterdsp::WriteEventStatus(m->meter.events, ch, value));
}

int meterdsp_command(meterdsp_meter* m, uint16_t code) {
  if (m == nullptr) return Code(meterdsp::Status::kNullPointer);
  return Code(meterdsp::Execute(m->meter, static_cast<meterdsp::Command>(code)));
}

int meterdsp_read_point_map(const meterdsp_meter* m, uint32_t unit, uint32_t first, size_t count, uint16_t* out) {
  if (m == nullptr) return Code(meterdsp::Status::kNullPointer);
  if (!m->has_panel) return Code(meterdsp::Status::kNotInitialized);
  return Code(meterdsp::ReadPointMap(Context(m), unit, first, count, out));
}

int meterdsp_write_point_map(meterdsp_meter* m, uint32_t unit, uint32_t first, size_t count, const uint16_t* v) {
  if (m == nullptr) return Code(meterdsp::Status::kNullPointer);
  if (!m->has_panel) return Code(meterdsp::Status::kNotInitialized);
  auto ctx = Context(m);
  return Code(meterdsp::WritePointMap(ctx, unit, first, count, v));
}

int meterdsp_read_sunspec(const meterdsp_meter* m, uint32_t first, size_t count, uint16_t* out) {
  if (m == nullptr) return Code(meterdsp::Status::kNullPointer);
  if (!m->has_panel) return Code(meterdsp::Status::kNotInitialized);
  return Code(meterdsp::ReadSunSpec(Context(m), first, count, out));
}

size_t meterdsp_snapshot_size(void) { return meterdsp::SnapshotSize(); }

int meterdsp_snapshot(const meterdsp_meter* m, uint8_t* out, size_t cap, size_t* written) {
  if (m == nullptr) return Code(meterdsp::Status::kNullPointer);
  return Code(meterdsp::Snapshot(m->meter, out, cap, written));
}

int meterdsp_restore(meterdsp_meter* m, const uint8_t* blob, size_t size) {
  if (m == nullptr) return Code(meterdsp::Status::kNullPointer);
  const meterdsp::Status s = meterdsp::Restore(blob, size, m->meter);
  if (s == meterdsp::Status::kOk) {
    m->config.window = m->meter.window.config;  // the blob carries its configuration
    m->has_last = 0;
  }
  return Code(s);
}

int meterdsp_fit_calibration(const meterdsp_calibration_point* points, size_t count,
                             meterdsp_calibration_fit* out) {
  if (points == nullptr || out == nullptr) return Code(meterdsp::Status::kNullPointer);
  meterdsp::CalibrationFit f;
  if (meterdsp::Status s = meterdsp::FitCalibration(count, CPoint, points, &f); s != meterdsp::Status::kOk) {
    return Code(s);
  }
  *out = meterdsp_calibration_fit{f.gain_factor, f.delay_us, f.points, f.angle_points,
                                  f.max_rms_error_pct, f.max_angle_error_deg,
                                  f.max_rms_error_pct_before, f.max_angle_error_deg_before};
  return MDSP_OK;
}

int meterdsp_fit_current_table(const meterdsp_calibration_point* points, size_t count,
                               const meterdsp_calibration_fit* base, meterdsp_current_table* out,
                               double* max_rms_error_pct, double* max_angle_error_deg) {
  if (points == nullptr || base == nullptr || out == nullptr) return Code(meterdsp::Status::kNullPointer);
  meterdsp::CalibrationFit b;
  b.gain_factor = base->gain_factor;
  b.delay_us = base->delay_us;
  meterdsp::CurrentTable t;
  meterdsp::TableFit after;
  if (meterdsp::Status s = meterdsp::FitCurrentTable(count, CPoint, points, b, &t, &after);
      s != meterdsp::Status::kOk) {
    return Code(s);
  }
  out->points = t.points;
  std::memcpy(out->amps, t.amps, sizeof(t.amps));
  std::memcpy(out->gain, t.gain, sizeof(t.gain));
  std::memcpy(out->phase_deg, t.phase_deg, sizeof(t.phase_deg));
  if (max_rms_error_pct != nullptr) *max_rms_error_pct = after.max_rms_error_pct;
  if (max_angle_error_deg != nullptr) *max_angle_error_deg = after.max_angle_error_deg;
  return MDSP_OK;
}

int meterdsp_apply_calibration_fit(const meterdsp_calibration_fit* fit, double fs_hz, double nominal_hz,
                                   float skew_us, float* gain, float* phase_deg) {
  if (fit == nullptr || gain == nullptr || phase_deg == nullptr) return Code(meterdsp::Status::kNullPointer);
  meterdsp::CalibrationFit f;
  f.gain_factor = fit->gain_factor;
  f.delay_us = fit->delay_us;
  meterdsp::ChannelCalibration c;
  c.gain = *gain;
  c.skew_us = skew_us;
  c.phase_deg = *phase_deg;
  if (meterdsp::Status s = meterdsp::ApplyCalibrationFit(f, fs_hz, nominal_hz, &c); s != meterdsp::Status::kOk) {
    return Code(s);
  }
  const float g = static_cast<float>(c.gain);
  if (!(g != 0.0f) || !std::isfinite(g)) return Code(meterdsp::Status::kBadCalibration);  // beyond float
  *gain = g;
  *phase_deg = static_cast<float>(c.phase_deg);
  return MDSP_OK;
}

const char* meterdsp_status_string(int status) {
  return meterdsp::ToString(static_cast<meterdsp::Status>(status));
}

}  // extern "C"
