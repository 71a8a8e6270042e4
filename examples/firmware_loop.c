/* firmware_loop — how meter firmware drives meterdsp through the C API.
 *
 * A DMA engine fills a double buffer of interleaved int16 frames (V1..V3 + 92 CTs in ADC order)
 * and raises "half complete" / "complete"; the main loop processes the half that is ready while
 * the DMA fills the other one. Here the DMA is simulated by dma_fill(), which writes a 60 Hz
 * panel load into the half the hardware would have filled. All memory is static.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "meterdsp/meterdsp_c.h"

#define FS 2560
#define NCH (3 + 92)
#define HALF 256 /* frames per DMA half-buffer: 100 ms */

static int16_t dma_buffer[2][HALF * NCH];
static unsigned char meter_memory[1 << 20] __attribute__((aligned(64)));
static uint64_t sample_clock = 0;

/* Simulated DMA: the next HALF frames into buffer `half` (every CT at 5 A, 25 degrees lag). */
static void dma_fill(int half) {
  const double pi = 3.14159265358979323846;
  for (int t = 0; t < HALF; ++t, ++sample_clock) {
    const double th = 2 * pi * 60.0 * (double)sample_clock / FS;
    int16_t* f = &dma_buffer[half][t * NCH];
    for (int k = 0; k < 3; ++k) f[k] = (int16_t)lrint(120 * sqrt(2.0) * sin(th - 2 * pi / 3 * k) / 400.0 * 32767);
    for (int c = 3; c < NCH; ++c) f[c] = (int16_t)lrint(5 * sqrt(2.0) * sin(th - 25 * pi / 180) / 20.0 * 32767);
  }
}

int main(void) {
  float gain[NCH];
  for (int k = 0; k < NCH; ++k) gain[k] = k < 3 ? 400.0f / 32767 : 20.0f / 32767;
  meterdsp_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.fs_hz = FS;
  cfg.nominal_hz = 60;
  cfg.voltages = 3;
  cfg.currents = 92; /* no panel topology: every CT on V1 */
  cfg.gain = gain;
  meterdsp_meter* meter = NULL;
  int s = meterdsp_init(meter_memory, sizeof(meter_memory), &cfg, &meter);
  if (s != MDSP_OK) {
    printf("init failed: %s\n", meterdsp_status_string(s));
    return 1;
  }
  printf("meter state: %lu bytes in static memory\n", (unsigned long)meterdsp_meter_size());
  for (int block = 0; block < 10 * FS / HALF; ++block) { /* ten seconds */
    const int half = block & 1;
    dma_fill(half); /* in firmware: wait for the DMA's half/complete interrupt instead */
    size_t windows = 0;
    s = meterdsp_process_i16(meter, dma_buffer[half], HALF, &windows);
    if (s != MDSP_OK) {
      printf("process failed: %s\n", meterdsp_status_string(s));
      return 1;
    }
    if ((block + 1) % (FS / HALF) == 0) { /* once a second: publish readings */
      meterdsp_reading r;
      double wh = 0;
      if (meterdsp_reading_get(meter, 0, &r) == MDSP_OK && meterdsp_energy_wh(meter, 0, 0, 0, &wh) == MDSP_OK) {
        printf("t=%2d s  f=%.3f Hz  ch1: %.3f A  %.1f W  PF %.3f  angle %.2f deg  THD %.2f %%  %.3f Wh\n",
               (block + 1) / (FS / HALF), meterdsp_frequency_hz(meter), r.irms, r.p, r.pf, r.angle_deg, r.thd_pct, wh);
      }
    }
  }
  return 0;
}
