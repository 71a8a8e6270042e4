/* A small meter through the C API — 3 voltages and up to 24 currents (fewer when the build's
 * METERDSP_MAX_CURRENTS is smaller), no panel topology — against closed forms: 120 V wye at
 * 60 Hz, current k at (1 + k/8) A lagging its phase voltage by 30 degrees. Run by every preset;
 * with 16 or more frame columns it takes the frame-major tiles on AVX-512, whose row length
 * follows the build's channel count. A panel topology must be refused when it does not fit. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "c_test.h"
#include "meterdsp/meterdsp_c.h"

#define NV 3
#define MAX_I 24
#define BLOCK 256


static unsigned char memory[1 << 20] __attribute__((aligned(64)));
static int16_t frames[BLOCK * (NV + MAX_I)];

static double Amps(int k) { return 1.0 + k / 8.0; }

int main(void) {
  const uint32_t max_i = meterdsp_max_currents();
  const int ni = max_i < MAX_I ? (int)max_i : MAX_I, nch = NV + ni;
  printf("build: up to %lu currents, meter state %lu bytes; this test: %d currents\n", (unsigned long)max_i,
         (unsigned long)meterdsp_meter_size(), ni);
  CHECK(meterdsp_meter_size() <= sizeof(memory));
  float gain[NV + 93]; /* room for every configuration tried below */
  uint8_t phase[93];
  for (int k = 0; k < NV + 93; ++k) gain[k] = k < NV ? 400.0f / 32767 : 20.0f / 32767;
  for (int k = 0; k < 93; ++k) phase[k] = (uint8_t)(k % 3);
  meterdsp_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.fs_hz = FS;
  cfg.nominal_hz = 60;
  cfg.voltages = NV;
  cfg.currents = max_i + 1;
  cfg.gain = gain;
  cfg.phase = phase;
  meterdsp_meter* m = NULL;
  CHECK(meterdsp_init(memory, sizeof(memory), &cfg, &m) != MDSP_OK); /* more than the build takes */
  cfg.panels = 1; /* the panel topology: 46 currents */
  cfg.phase = NULL;
  CHECK((meterdsp_init(memory, sizeof(memory), &cfg, &m) == MDSP_OK) == (max_i >= 46));
  cfg.panels = 0;
  cfg.phase = phase;
  cfg.currents = (uint32_t)ni;
  CHECK(meterdsp_init(memory, sizeof(memory), &cfg, &m) == MDSP_OK && m != NULL);

  const double pi = 3.14159265358979323846;
  uint64_t clock = 0;
  for (int block = 0; block < 5 * FS / BLOCK; ++block) { /* five seconds */
    for (int t = 0; t < BLOCK; ++t, ++clock) {
      const double th = 2 * pi * 60.0 * (double)clock / FS;
      for (int c = 0; c < nch; ++c) {
        const double ph = 2 * pi / 3 * (c < NV ? c : phase[c - NV]);
        const double x = c < NV ? 120 * sqrt(2.0) * sin(th - ph) / 400.0
                                : Amps(c - NV) * sqrt(2.0) * sin(th - ph - pi / 6) / 20.0;
        frames[t * nch + c] = (int16_t)lrint(x * 32767);
      }
    }
    size_t windows = 0;
    CHECK(meterdsp_process_i16(m, frames, BLOCK, &windows) == MDSP_OK);
  }
  CHECK(fabs(meterdsp_frequency_hz(m) - 60.0) < 1e-3);
  double worst = 0;
  for (int k = 0; k < ni; ++k) {
    meterdsp_reading r;
    CHECK(meterdsp_reading_get(m, (uint32_t)k, &r) == MDSP_OK);
    const double i = Amps(k), p = 120 * i * cos(pi / 6), q = 120 * i * sin(pi / 6);
    const double e[4] = {r.irms / i - 1, r.p / p - 1, r.q / q - 1, r.pf / cos(pi / 6) - 1};
    for (int j = 0; j < 4; ++j) worst = fabs(e[j]) > worst ? fabs(e[j]) : worst;
    double want = -30.0 - 120.0 * phase[k]; /* angles are against V1 */
    if (want <= -180) want += 360;
    CHECK(fabs(r.angle_deg - want) < 0.02);
    CHECK(r.quadrant == 1);
    double wh = 0; /* five seconds at P, less the settling: within a window of it */
    CHECK(meterdsp_energy_wh(m, (uint32_t)k, 0, 0, &wh) == MDSP_OK && wh > p * 4.6 / 3600 && wh < p * 5.0 / 3600);
  }
  printf("worst relative error of Irms, P, Q, PF: %.2e\n", worst);
  CHECK(worst < 2e-4); /* int16 codes of a 20 A input: quantisation well inside 0.02 % */
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
