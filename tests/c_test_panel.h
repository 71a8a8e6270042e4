/* The two-panel configuration the C tests share: 2560 Hz, 60 Hz nominal, 3 voltages through a
 * 400 V full-scale ADC input, 92 currents through 20 A ones (int16 codes), Top Feed strips,
 * 10-s demand sub-intervals. gain: NCH floats, filled here and referenced by *cfg. */
#ifndef METERDSP_TESTS_C_TEST_PANEL_H_
#define METERDSP_TESTS_C_TEST_PANEL_H_

#include <string.h>

#include "meterdsp/meterdsp_c.h"

#define FS 2560
#define NCH (3 + 92)

static void TestPanelConfig(meterdsp_config* cfg, float* gain) {
  for (int k = 0; k < NCH; ++k) gain[k] = k < 3 ? 400.0f / 32767 : 20.0f / 32767;
  memset(cfg, 0, sizeof(*cfg));
  cfg->fs_hz = FS;
  cfg->nominal_hz = 60;
  cfg->panels = 2;
  cfg->strip_layout = 0;
  cfg->gain = gain;
  cfg->demand_subinterval_s = 10;
}

#endif /* METERDSP_TESTS_C_TEST_PANEL_H_ */
