/* meterdsp/meterdsp_c.h — C99 API for meter firmware.
 *
 * The caller owns all memory: query meterdsp_meter_size() / meterdsp_meter_align(), give a
 * buffer to meterdsp_init(), and keep it (static storage is typical). Nothing is allocated
 * after that and no exception can escape. Every function returns 0 (MDSP_OK) or a status code
 * (meterdsp_status_string() explains it); on error nothing is changed.
 *
 * Frames are interleaved raw codes, voltages first, then the currents (in ADC order when a
 * panel topology is configured: strip A CTs 1..21, strip B CTs 1..21, aux 1..4 per panel).
 * Readings are those of the last completed 10/12-cycle window. Channel numbers are 0-based
 * meter currents (panel p's channel ch is p*46 + ch - 1 with a panel topology).
 */
#ifndef METERDSP_METERDSP_C_H_
#define METERDSP_METERDSP_C_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { MDSP_OK = 0 };
enum { MDSP_MAX_TABLE_POINTS = 6 };

/* A current's correction by current level (docs/calibration.md): at amps[j] (ascending, the
 * channel's RMS as read with its calibration) the reading × gain[j], the fundamental turned back
 * by phase_deg[j]; linear in log(current) in between, the end values beyond. points 0: none. */
typedef struct {
  uint32_t points;
  float amps[MDSP_MAX_TABLE_POINTS], gain[MDSP_MAX_TABLE_POINTS], phase_deg[MDSP_MAX_TABLE_POINTS];
} meterdsp_current_table;

typedef struct meterdsp_meter meterdsp_meter; /* opaque; lives in the caller's buffer */

typedef struct {
  double fs_hz;             /* sample rate, e.g. 2560; 500 Hz .. 1 MHz */
  double nominal_hz;        /* 50 or 60 */
  uint32_t voltages;        /* 1..3 (ignored with a panel topology: set by the wiring) */
  uint32_t currents;        /* 0..meterdsp_max_currents() (ignored with a panel topology: 46 per panel) */
  const uint8_t* phase;     /* voltage index per current, or NULL: 0 for all (no panel) */
  const float* gain;        /* code → V or A per channel (voltages first), or NULL: 1 */
  double min_on_current_a;  /* minimum ON current; 0 → 0.05 A */
  uint32_t adc_bits;        /* int32 frames: 24 typical; 0 → 24 */
  uint32_t panels;          /* 0 = no panel topology; 1 or 2 = the reference device's panels */
  uint32_t strip_layout;    /* 0 Top Feed, 1 Bottom Feed, 2 Sequential, 3 Odd/Even */
  uint32_t demand_subinterval_s;  /* 10..32767; 0 → 900 */
  uint32_t demand_subintervals;   /* 0 → 1 (block); >1 sliding */
  double breaker_a;         /* event thresholds are % of this; 0 → 20 A */
  /* Per channel (voltages first), or NULL: 0. The ADC samples the channel skew_us late;
   * the sensor leads by phase_deg at the nominal frequency. Together at most ±2 samples. */
  const float* skew_us;
  const float* phase_deg;
  const meterdsp_current_table* current_tables; /* per current, or NULL: none */
} meterdsp_config;

typedef struct {
  double irms, p, q, s, pf, dpf, angle_deg;
  uint32_t quadrant, flags;
  double thd_pct; /* total distortion of the current, % of its fundamental; NaN when off */
} meterdsp_reading;

size_t meterdsp_meter_size(void);
size_t meterdsp_meter_align(void);
/* The most currents this build's meters take (92, or METERDSP_MAX_CURRENTS at build time;
 * the state, meterdsp_meter_size(), is sized for it). */
uint32_t meterdsp_max_currents(void);

/* Initialises a meter in `mem` (at least meterdsp_meter_size() bytes, aligned to
 * meterdsp_meter_align()). *out points into mem. */
int meterdsp_init(void* mem, size_t size, const meterdsp_config* config, meterdsp_meter** out);

/* Feeds `frames` interleaved frames; *windows (may be NULL) receives the windows completed. */
int meterdsp_process_i16(meterdsp_meter* m, const int16_t* frames, size_t n_frames, size_t* windows);
int meterdsp_process_i32(meterdsp_meter* m, const int32_t* frames, size_t n_frames, size_t* windows);

/* The last completed window: one current channel, the voltages, frequency. */
int meterdsp_reading_get(const meterdsp_meter* m, uint32_t channel, meterdsp_reading* out);
int meterdsp_voltage_rms(const meterdsp_meter* m, uint32_t voltage, double* out);
/* The latest window's voltage distortion, % of its fundamental (NaN without voltage). */
int meterdsp_voltage_thd(const meterdsp_meter* m, uint32_t voltage, double* out_pct);
double meterdsp_frequency_hz(const meterdsp_meter* m);
uint64_t meterdsp_windows(const meterdsp_meter* m);

/* Energy register (0 wh_import, 1 wh_export, 2..5 varh_q1..q4, 6 vah_import, 7 vah_export). */
int meterdsp_energy_wh(const meterdsp_meter* m, uint32_t channel, uint32_t reg, int lifetime, double* out);

/* Power demand of a channel (W): present, maximum and the sample time of the maximum (s). */
int meterdsp_power_demand(const meterdsp_meter* m, uint32_t channel, double* present, double* max,
                          double* max_time_s);

/* Event status bits of a channel (0 HH, 1 H, 2 L, 3 LL, 4 OFF, 8 NL high, 9 NL low). */
int meterdsp_event_status(const meterdsp_meter* m, uint32_t channel, uint16_t* out);
/* Write-0-to-clear of latching bits, as the reference map. */
int meterdsp_event_write(meterdsp_meter* m, uint32_t channel, uint16_t value);

/* Reference-device commands: 26012, 26013, 10203, 29877, 20097, 31010. */
int meterdsp_command(meterdsp_meter* m, uint16_t code);

/* Register maps (needs a panel topology): point map of panel `unit` (0-based) and SunSpec. */
int meterdsp_read_point_map(const meterdsp_meter* m, uint32_t unit, uint32_t first, size_t count, uint16_t* out);
int meterdsp_write_point_map(meterdsp_meter* m, uint32_t unit, uint32_t first, size_t count, const uint16_t* values);
int meterdsp_read_sunspec(const meterdsp_meter* m, uint32_t first, size_t count, uint16_t* out);

/* Snapshot / restore of the whole meter (for flash). */
size_t meterdsp_snapshot_size(void);
int meterdsp_snapshot(const meterdsp_meter* m, uint8_t* out, size_t capacity, size_t* written);
/* meterdsp_restore: a status code (meter unchanged) for a blob of another size, version or CRC,
 * or one whose state fails Restore's checks of the state itself (meterdsp/meter.h). */
int meterdsp_restore(meterdsp_meter* m, const uint8_t* blob, size_t size);

/* Calibration against a reference standard (docs/calibration.md): the points of one channel,
 * each its RMS as the meter and as the reference read it at the test frequency, and
 * optionally its angle as both read it (against V1 as meterdsp_reading_get gives it, or any
 * reference both use; NAN both: the point fits the gain only). */
typedef struct {
  double frequency_hz, measured_rms, reference_rms;
  double measured_angle_deg, reference_angle_deg;
} meterdsp_calibration_point;
typedef struct {
  double gain_factor;  /* multiply the channel's gain by this */
  double delay_us;     /* delay to add to the channel's correction */
  size_t points, angle_points;
  double max_rms_error_pct, max_angle_error_deg;               /* worst point after the fit */
  double max_rms_error_pct_before, max_angle_error_deg_before; /* and before it */
} meterdsp_calibration_fit;
/* Least-squares gain factor and delay of one channel from 1..256 points. */
int meterdsp_fit_calibration(const meterdsp_calibration_point* points, size_t count,
                             meterdsp_calibration_fit* out);
/* A current's table on top of its fit (`base`, from meterdsp_fit_calibration of the same
 * points): levels of readings within 5 %, at most MDSP_MAX_TABLE_POINTS; *max_rms_error_pct and
 * *max_angle_error_deg (may be NULL) receive the worst errors left with the table. */
int meterdsp_fit_current_table(const meterdsp_calibration_point* points, size_t count,
                               const meterdsp_calibration_fit* base, meterdsp_current_table* out,
                               double* max_rms_error_pct, double* max_angle_error_deg);
/* Folds a fit into a channel's *gain and *phase_deg (as meterdsp_config holds them; skew_us is
 * the channel's, for the ±2-sample check); then meterdsp_init again with them. */
int meterdsp_apply_calibration_fit(const meterdsp_calibration_fit* fit, double fs_hz, double nominal_hz,
                                   float skew_us, float* gain, float* phase_deg);

const char* meterdsp_status_string(int status);

#ifdef __cplusplus
}
#endif

#endif /* METERDSP_METERDSP_C_H_ */
