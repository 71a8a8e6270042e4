// meterdsp/meterdsp.h — umbrella header. Stages in data-flow order.
#ifndef METERDSP_METERDSP_H_
#define METERDSP_METERDSP_H_

#include "meterdsp/status.h"
#include "meterdsp/frontend.h"
#include "meterdsp/calibration.h"
#include "meterdsp/window.h"
#include "meterdsp/energy.h"
#include "meterdsp/demand.h"
#include "meterdsp/events.h"
#include "meterdsp/meter.h"
#include "meterdsp/panel.h"
#include "meterdsp/registers.h"

#define METERDSP_VERSION "0.1.0"

#endif  // METERDSP_METERDSP_H_
