#include "modbus_handler.h"

namespace meterdsp::modbus {
namespace {

constexpr uint32_t kSunSpecFirst = 40001;

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v & 0xFF);
}

// Response ADU: the request's transaction id, protocol 0, length, unit, then `pdu_len` bytes.
size_t Finish(const uint8_t* req, uint8_t* resp, size_t pdu_len) {
  resp[0] = req[0];
  resp[1] = req[1];
  Put16(resp + 2, 0);
  Put16(resp + 4, static_cast<uint16_t>(pdu_len + 1));
  resp[6] = req[6];
  return 7 + pdu_len;
}

size_t Exception(const uint8_t* req, uint8_t* resp, uint8_t code) {
  resp[7] = static_cast<uint8_t>(req[7] | 0x80);
  resp[8] = code;
  return Finish(req, resp, 2);
}

uint8_t ExceptionOf(Status s) {
  return s == Status::kIllegalValue ? kIllegalValue : kIllegalAddress;
}

Status Read(const RegisterContext& ctx, size_t unit, uint32_t first, size_t count, uint16_t* out) {
  if (first >= kSunSpecFirst) return ReadSunSpec(ctx, first, count, out);
  return ReadPointMap(ctx, unit, first, count, out);
}

}  // namespace

size_t HandleRequest(RegisterContext& ctx, const ServerOptions& options, const uint8_t* req,
                     size_t len, uint8_t* resp) noexcept {
  if (req == nullptr || resp == nullptr || len < 8 || len > kMaxAdu) return 0;
  if (Be16(req + 2) != 0 || Be16(req + 4) != len - 6) return 0;  // not Modbus TCP: drop
  const uint8_t unit = req[6], fc = req[7];
  const uint8_t* pdu = req + 7;
  const size_t pdu_len = len - 7;
  if (unit < 1 || ctx.panel == nullptr || unit > ctx.panel->panels) {
    return Exception(req, resp, kGatewayTarget);
  }
  const size_t panel = unit - 1u;
  switch (fc) {
    case 3:
    case 4: {
      if (pdu_len != 5) return Exception(req, resp, kIllegalValue);
      const uint32_t first = Be16(pdu + 1) + 1u;  // protocol address N − 1 = doc register N
      const uint16_t count = Be16(pdu + 3);
      if (count < 1 || count > 125) return Exception(req, resp, kIllegalValue);
      uint16_t regs[125];
      if (Status s = Read(ctx, panel, first, count, regs); s != Status::kOk) {
        return Exception(req, resp, ExceptionOf(s));
      }
      resp[7] = fc;
      resp[8] = static_cast<uint8_t>(2 * count);
      for (size_t i = 0; i < count; ++i) Put16(resp + 9 + 2 * i, regs[i]);
      return Finish(req, resp, 2 + 2 * count);
    }
    case 6:
    case 16: {
      if (!options.allow_writes) return Exception(req, resp, kIllegalFunction);
      uint16_t values[123];
      uint32_t first;
      size_t count;
      if (fc == 6) {
        if (pdu_len != 5) return Exception(req, resp, kIllegalValue);
        first = Be16(pdu + 1) + 1u;
        count = 1;
        values[0] = Be16(pdu + 3);
      } else {
        if (pdu_len < 6) return Exception(req, resp, kIllegalValue);
        first = Be16(pdu + 1) + 1u;
        count = Be16(pdu + 3);
        const size_t bytes = pdu[5];
        if (count < 1 || count > 123 || bytes != 2 * count || pdu_len != 6 + bytes) {
          return Exception(req, resp, kIllegalValue);
        }
        for (size_t i = 0; i < count; ++i) values[i] = Be16(pdu + 6 + 2 * i);
      }
      if (first >= kSunSpecFirst) return Exception(req, resp, kIllegalAddress);  // read-only
      if (Status s = WritePointMap(ctx, panel, first, count, values); s != Status::kOk) {
        return Exception(req, resp, ExceptionOf(s));
      }
      // Echo: FC 6 repeats the request; FC 16 repeats address and count.
      for (size_t i = 0; i < 5; ++i) resp[7 + i] = pdu[i];
      return Finish(req, resp, 5);
    }
    default:
      return Exception(req, resp, kIllegalFunction);
  }
}

}  // namespace meterdsp::modbus
