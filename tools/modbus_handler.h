// Modbus TCP request handling for meterdsp-modbus: a pure function from one request ADU to one
// response ADU over the register maps, with no sockets, so it can be tested and fuzzed alone.
#ifndef METERDSP_TOOLS_MODBUS_HANDLER_H_
#define METERDSP_TOOLS_MODBUS_HANDLER_H_

#include <stddef.h>
#include <stdint.h>

#include "meterdsp/registers.h"

namespace meterdsp::modbus {

inline constexpr size_t kMaxAdu = 260;  // Modbus TCP maximum ADU
inline constexpr uint8_t kIllegalFunction = 0x01, kIllegalAddress = 0x02, kIllegalValue = 0x03,
                         kGatewayTarget = 0x0B;

struct ServerOptions {
  bool allow_writes = false;
};

// Handles one Modbus TCP request (MBAP header + PDU, `len` bytes) for unit ids 1..panels (each
// serves its panel's point map and the SunSpec map from register 40001). Writes the response
// ADU to `resp` (kMaxAdu bytes) and returns its length, or 0 when nothing must be sent (a
// frame too short or not Modbus to answer). Function codes 3 and 4 read, 6 and 16 write (when
// allowed, else exception 01); other codes → 01; bad ranges → 02; bad values or counts → 03.
// Never allocates or throws.
size_t HandleRequest(RegisterContext& ctx, const ServerOptions& options, const uint8_t* req,
                     size_t len, uint8_t* resp) noexcept;

}  // namespace meterdsp::modbus

#endif  // METERDSP_TOOLS_MODBUS_HANDLER_H_
