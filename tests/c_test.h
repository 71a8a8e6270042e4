/* What the C tests share: CHECK (counts passed and failed checks, reports the failed ones) and
 * the two-panel configuration. */
#ifndef METERDSP_TESTS_C_TEST_H_
#define METERDSP_TESTS_C_TEST_H_

#include <stdio.h>
#include <string.h>

#include "meterdsp/meterdsp_c.h"

static int passed __attribute__((unused)) = 0, failed __attribute__((unused)) = 0;
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (cond) {                                                                \
      ++passed;                                                                \
    } else {                                                                   \
      ++failed;                                                                \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define FS 2560
#define NCH (3 + 92)

/* The two-panel configuration: 2560 Hz, 60 Hz nominal, 3 voltages through a 400 V full-scale
 * ADC input, 92 currents through 20 A ones (int16 codes), Top Feed strips, 10-s demand
 * sub-intervals. gain: NCH floats, filled here and referenced by *cfg. */
static void __attribute__((unused)) TestPanelConfig(meterdsp_config* cfg, float* gain) {
  for (int k = 0; k < NCH; ++k) gain[k] = k < 3 ? 400.0f / 32767 : 20.0f / 32767;
  memset(cfg, 0, sizeof(*cfg));
  cfg->fs_hz = FS;
  cfg->nominal_hz = 60;
  cfg->panels = 2;
  cfg->strip_layout = 0;
  cfg->gain = gain;
  cfg->demand_subinterval_s = 10;
}

#endif /* METERDSP_TESTS_C_TEST_H_ */
