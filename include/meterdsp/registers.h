// meterdsp/registers.h — register maps: the BCPM-style point map (one Modbus unit per panel)
// and the SunSpec device map, as pure encoders/decoders over a meter's state. No I/O: a Modbus
// server (tools/modbus_server.cc) or anything else calls Read*/Write* with register numbers.
//
// Register numbers are the reference's documentation numbers (doc register N = protocol
// address N − 1). Integers are int16 with exponent scale registers chosen from the CT ratings
// so values cannot overflow; 32-bit values (energy, floats) use the selected word order (high
// word first by default) and wrap modulo 2^32. Invalid channels read 0x8000 / NaN.
// Layout of every point, the extension block and SunSpec: docs/registers.md.
// Every function here never allocates or throws.
#ifndef METERDSP_REGISTERS_H_
#define METERDSP_REGISTERS_H_

#include <stddef.h>
#include <stdint.h>

#include "meterdsp/meter.h"
#include "meterdsp/panel.h"
#include "meterdsp/status.h"

// Library version as the SunSpec common model reports it.
#define METERDSP_VERSION_STRING "0.1.0"

namespace meterdsp {

enum class WordOrder : uint8_t { kHighFirst = 0, kLowFirst = 1 };

// What the register maps add to the meter: ratings, names, identity.
struct RegisterSettings {
  WordOrder order = WordOrder::kHighFirst;
  uint16_t ct_size_a[kMaxPanels][kPanelChannels];  // CT ratings (branch 100 A, aux 200 A)
  char location[kMaxPanels][129];                 // registers 7–70 (128 chars)
  uint32_t serial = 0x4D445350u;
  uint16_t power_ups = 1;
  RegisterSettings() noexcept {
    for (auto& panel : ct_size_a)
      for (size_t ch = 0; ch < kPanelChannels; ++ch) panel[ch] = ch < kPanelBranches ? 100 : 200;
    for (auto& l : location) {
      for (char& c : l) c = 0;
      const char kDefault[] = "Location";
      for (size_t i = 0; i + 1 < sizeof(kDefault); ++i) l[i] = kDefault[i];
    }
  }
};

// Everything a map reads and writes. `last` is the latest completed window (null before the
// first). Writes change `meter`, `meter_config`, `panel` and `settings` consistently (a change
// of strip layout or phase assignment re-derives the topology; CT sizes rescale the gains).
struct RegisterContext {
  Meter* meter = nullptr;
  MeterConfig* meter_config = nullptr;
  PanelConfig* panel = nullptr;
  RegisterSettings* settings = nullptr;
  const WindowResult* last = nullptr;
};

// BCPM point map of panel `unit` (0-based): reads `count` registers from doc register `first`.
// Returns kIllegalAddress if any register in the range is not mapped (nothing written to out).
Status ReadPointMap(const RegisterContext& ctx, size_t unit, uint32_t first, size_t count,
                    uint16_t* out) noexcept;

// Writes `count` registers from `first`: every register must be writable (else
// kIllegalAddress) and every value valid (else kIllegalValue); only then is anything applied.
Status WritePointMap(RegisterContext& ctx, size_t unit, uint32_t first, size_t count,
                     const uint16_t* values) noexcept;

// SunSpec device map at 40001 ("SunS"): common model 1, model 203 (wye) / 202 / 201 for each
// panel's mains, one meter model per logical circuit (201/202/203 by channel count), end
// 0xFFFF. Reads only (the map is informational); unmapped → kIllegalAddress.
Status ReadSunSpec(const RegisterContext& ctx, uint32_t first, size_t count, uint16_t* out) noexcept;

// Number of registers the SunSpec map occupies from 40001 (through the end marker).
size_t SunSpecLength(const RegisterContext& ctx) noexcept;

}  // namespace meterdsp

#endif  // METERDSP_REGISTERS_H_
