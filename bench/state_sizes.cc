// Prints the fixed state sizes (bytes) a firmware has to budget for.
#include <cstdio>

#include "meterdsp/meterdsp.h"

int main() {
  std::printf("State sizes: Meter (whole chain, 92 channels) %zu B = WindowEngine %zu + EnergyRegisters %zu + "
              "DemandState %zu + EventState %zu; snapshot blob %zu B; WindowResult %zu B.\n",
              sizeof(meterdsp::Meter), sizeof(meterdsp::WindowEngine), sizeof(meterdsp::EnergyRegisters),
              sizeof(meterdsp::DemandState), sizeof(meterdsp::EventState), meterdsp::SnapshotSize(),
              sizeof(meterdsp::WindowResult));
  return 0;
}
