/* C99 test of meterdsp_c.h: caller memory, frames, readings, energy, demand, events, commands,
 * register maps, snapshot/restore, calibration, errors. Prints "N passed, N failed". */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c_test.h"
#include "meterdsp/meterdsp_c.h"


static int16_t frames[FS * NCH];

/* One second of a panel: 120 V wye, every channel at 2 A, 30 degrees lagging its phase
 * (channels in ADC order for the Top Feed layout: the phases do not matter for the check). */
static void fill(double t0, const double* phase_of_column) {
  const double pi = 3.14159265358979323846;
  for (int t = 0; t < FS; ++t) {
    const double th = 2 * pi * 60.0 * (t0 + (double)t / FS);
    for (int k = 0; k < 3; ++k) frames[t * NCH + k] = (int16_t)lrint(120 * sqrt(2.0) * sin(th - 2 * pi / 3 * k) / 400.0 * 32767);
    for (int c = 3; c < NCH; ++c) {
      const double ph = phase_of_column[c];
      frames[t * NCH + c] = (int16_t)lrint(2 * sqrt(2.0) * sin(th - 2 * pi / 3 * ph - pi / 6) / 20.0 * 32767);
    }
  }
}

int main(void) {
  static unsigned char mem[1 << 20] __attribute__((aligned(64)));
  CHECK(meterdsp_meter_size() <= sizeof(mem));
  CHECK(meterdsp_meter_align() <= 64);
  float gain[NCH];
  meterdsp_config cfg;
  TestPanelConfig(&cfg, gain);
  meterdsp_meter* m = NULL;
  CHECK(meterdsp_init(mem, 16, &cfg, &m) != MDSP_OK); /* too small */
  CHECK(meterdsp_init(mem + 1, sizeof(mem) - 1, &cfg, &m) != MDSP_OK); /* misaligned */
  CHECK(meterdsp_init(mem, sizeof(mem), &cfg, &m) == MDSP_OK && m != NULL);

  /* Phase of every frame column: from the point map's phase registers (62116…) of each unit. */
  double phase_of_column[NCH] = {0};
  for (uint32_t unit = 0; unit < 2; ++unit) {
    uint16_t ph[45];
    CHECK(meterdsp_read_point_map(m, unit, 62116, 45, ph) == MDSP_OK);
    for (int ch = 1; ch <= 45; ++ch) {
      /* Top Feed: odd channel → strip A CT (ch+1)/2, even → strip B CT ch/2. */
      int pos = ch <= 42 ? (ch % 2 ? (ch - 1) / 2 : 20 + ch / 2) : 42 + (ch - 43);
      phase_of_column[3 + unit * 46 + pos] = ph[ch - 1];
    }
  }
  size_t windows = 0, total = 0;
  for (int sec = 0; sec < 12; ++sec) {
    fill(sec, phase_of_column);
    CHECK(meterdsp_process_i16(m, frames, FS, &windows) == MDSP_OK);
    total += windows;
  }
  CHECK(total >= 55 && meterdsp_windows(m) == total);
  meterdsp_reading r;
  CHECK(meterdsp_reading_get(m, 0, &r) == MDSP_OK);
  CHECK(fabs(r.irms - 2.0) < 0.01);
  CHECK(fabs(r.p - 240 * cos(3.14159265358979 / 6)) < 1.0);
  CHECK(r.quadrant == 1);
  CHECK(fabs(meterdsp_frequency_hz(m) - 60.0) < 0.001);
  double v = 0;
  CHECK(meterdsp_voltage_rms(m, 1, &v) == MDSP_OK && fabs(v - 120) < 0.1);
  /* Pure sines in int16 codes: distortion is quantisation only, but a number, not NaN. */
  CHECK(r.thd_pct >= 0 && r.thd_pct < 0.5);
  CHECK(meterdsp_voltage_thd(m, 1, &v) == MDSP_OK && v >= 0 && v < 0.5);
  CHECK(meterdsp_voltage_thd(m, 3, &v) != MDSP_OK);
  double wh = 0;
  CHECK(meterdsp_energy_wh(m, 0, 0, 0, &wh) == MDSP_OK && wh > 0.6 && wh < 0.7);
  double present = 0, max = 0, when = 0;
  CHECK(meterdsp_power_demand(m, 0, &present, &max, &when) == MDSP_OK && fabs(present - r.p) < 5 && when == 10.0);
  uint16_t st = 0;
  CHECK(meterdsp_event_status(m, 0, &st) == MDSP_OK);
  uint16_t regs[2];
  CHECK(meterdsp_read_point_map(m, 0, 5, 1, regs) == MDSP_OK && regs[0] == 15172);
  CHECK(meterdsp_read_sunspec(m, 40001, 2, regs) == MDSP_OK && regs[0] == 0x5375 && regs[1] == 0x6E53);
  const uint16_t bad = 1001;
  CHECK(meterdsp_write_point_map(m, 0, 171, 1, &bad) != MDSP_OK);

  /* Snapshot, keep going, restore, go again: the same energy. */
  static uint8_t blob[1 << 20];
  size_t n = 0;
  CHECK(meterdsp_snapshot_size() <= sizeof(blob));
  CHECK(meterdsp_snapshot(m, blob, sizeof(blob), &n) == MDSP_OK && n == meterdsp_snapshot_size());
  fill(12, phase_of_column);
  CHECK(meterdsp_process_i16(m, frames, FS, NULL) == MDSP_OK);
  double after = 0, again = 0;
  CHECK(meterdsp_energy_wh(m, 5, 0, 0, &after) == MDSP_OK);
  CHECK(meterdsp_restore(m, blob, n) == MDSP_OK);
  CHECK(meterdsp_process_i16(m, frames, FS, NULL) == MDSP_OK);
  CHECK(meterdsp_energy_wh(m, 5, 0, 0, &again) == MDSP_OK && again == after);
  blob[100] ^= 1;
  CHECK(meterdsp_restore(m, blob, n) != MDSP_OK);
  CHECK(meterdsp_command(m, 10203) == MDSP_OK);
  CHECK(meterdsp_energy_wh(m, 0, 0, 0, &wh) == MDSP_OK && wh == 0.0);
  CHECK(meterdsp_energy_wh(m, 0, 0, 1, &wh) == MDSP_OK && wh > 0.6);
  CHECK(meterdsp_command(m, 1) != MDSP_OK);
  CHECK(meterdsp_reading_get(m, 92, &r) != MDSP_OK);
  CHECK(strlen(meterdsp_status_string(1)) > 5);

  /* Calibration: channel 0's CT reads 2 % high and its phase setting is 0.5° off. Fitted
   * against what the calibrator applied (2 A, 30° lagging its phase), the channel reads it. */
  float bad_gain[NCH], bad_phase[NCH] = {0};
  memcpy(bad_gain, gain, sizeof(gain));
  bad_gain[3] *= 1.02f;
  bad_phase[3] = 0.5f;
  cfg.phase_deg = bad_phase;
  cfg.gain = bad_gain;
  double ref_angle = -120.0 * phase_of_column[3] - 30.0;
  if (ref_angle <= -180) ref_angle += 360;
  meterdsp_calibration_point pts[2];
  for (int pass = 0; pass < 2; ++pass) {
    CHECK(meterdsp_init(mem, sizeof(mem), &cfg, &m) == MDSP_OK);
    for (int sec = 0; sec < 2; ++sec) {
      fill(sec, phase_of_column);
      CHECK(meterdsp_process_i16(m, frames, FS, NULL) == MDSP_OK);
    }
    CHECK(meterdsp_reading_get(m, 0, &r) == MDSP_OK);
    if (pass == 1) break;
    CHECK(fabs(r.irms / 2.0 - 1.02) < 1e-3 && fabs(r.angle_deg - ref_angle) > 0.4);
    for (int k = 0; k < 2; ++k) {
      pts[k].frequency_hz = meterdsp_frequency_hz(m);
      pts[k].measured_rms = r.irms;
      pts[k].reference_rms = 2.0;
      pts[k].measured_angle_deg = k == 0 ? r.angle_deg : NAN;
      pts[k].reference_angle_deg = k == 0 ? ref_angle : NAN;
    }
    meterdsp_calibration_fit fit;
    CHECK(meterdsp_fit_calibration(pts, 2, &fit) == MDSP_OK);
    CHECK(fit.points == 2 && fit.angle_points == 1 && fit.max_rms_error_pct < 1e-9);
    CHECK(fabs(fit.max_angle_error_deg_before - 0.5) < 0.01);
    CHECK(meterdsp_apply_calibration_fit(&fit, FS, 60, 0.0f, &bad_gain[3], &bad_phase[3]) == MDSP_OK);
    CHECK(fabs(bad_gain[3] / gain[3] - 1.0) < 1e-3 && fabs(bad_phase[3]) < 0.01);
  }
  CHECK(fabs(r.irms - 2.0) < 2e-4);
  CHECK(fabs(r.angle_deg - ref_angle) < 0.01);
  /* A current table through the config: at 2 A the reading × 0.99, the angle turned back 0.3°. */
  static meterdsp_current_table tables[92];
  memset(tables, 0, sizeof(tables));
  tables[0].points = 1;
  tables[0].amps[0] = 2.0f;
  tables[0].gain[0] = 0.99f;
  tables[0].phase_deg[0] = 0.3f;
  cfg.current_tables = tables;
  CHECK(meterdsp_init(mem, sizeof(mem), &cfg, &m) == MDSP_OK);
  for (int sec = 0; sec < 2; ++sec) {
    fill(sec, phase_of_column);
    CHECK(meterdsp_process_i16(m, frames, FS, NULL) == MDSP_OK);
  }
  CHECK(meterdsp_reading_get(m, 0, &r) == MDSP_OK);
  CHECK(fabs(r.irms - 2.0 * 0.99) < 2e-4);
  CHECK(fabs(r.angle_deg - (ref_angle - 0.3)) < 0.01);
  tables[0].gain[0] = 3.0f; /* beyond [0.5, 2]: refused */
  CHECK(meterdsp_init(mem, sizeof(mem), &cfg, &m) != MDSP_OK);
  cfg.current_tables = NULL;

  /* A table fitted to two levels of current: 1 A reads 1 % high, 5 A right. */
  meterdsp_calibration_point lv[4] = {{50, 1.01, 1.0, NAN, NAN}, {50, 1.01, 1.0, NAN, NAN},
                                      {50, 5.0, 5.0, NAN, NAN}, {50, 5.0, 5.0, NAN, NAN}};
  meterdsp_calibration_fit base;
  meterdsp_current_table t;
  double left_rms = -1, left_deg = -1;
  CHECK(meterdsp_fit_calibration(lv, 4, &base) == MDSP_OK);
  CHECK(meterdsp_fit_current_table(lv, 4, &base, &t, &left_rms, &left_deg) == MDSP_OK);
  CHECK(t.points == 2 && fabs(t.amps[0] - base.gain_factor * 1.01) < 1e-5);
  CHECK(fabs(t.gain[0] * base.gain_factor - 1 / 1.01) < 1e-6 && fabs(t.gain[1] * base.gain_factor - 1) < 1e-6);
  CHECK(left_rms < 1e-4 && left_deg == 0);
  CHECK(meterdsp_fit_current_table(lv, 4, NULL, &t, NULL, NULL) != MDSP_OK);

  meterdsp_calibration_fit fit;
  pts[1].reference_angle_deg = 0; /* one angle without the other */
  CHECK(meterdsp_fit_calibration(pts, 2, &fit) != MDSP_OK);
  CHECK(meterdsp_fit_calibration(pts, 0, &fit) != MDSP_OK);
  CHECK(meterdsp_fit_calibration(NULL, 1, &fit) != MDSP_OK);
  fit.gain_factor = 1;
  fit.delay_us = 2000; /* 5 samples at 2560 Hz: refused, the settings unchanged */
  float g = gain[3], ph = 0;
  CHECK(meterdsp_apply_calibration_fit(&fit, FS, 60, 0.0f, &g, &ph) != MDSP_OK && g == gain[3] && ph == 0);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
