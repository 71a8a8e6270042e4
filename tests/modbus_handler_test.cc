// The Modbus TCP request handler: framing, function codes, exceptions, writes on and off.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "meterdsp/meterdsp.h"
#include "modbus_handler.h"

namespace meterdsp::modbus {
namespace {

struct Rig {
  std::unique_ptr<MeterConfig> cfg = std::make_unique<MeterConfig>();
  std::unique_ptr<Meter> meter = std::make_unique<Meter>();
  PanelConfig panel;
  RegisterSettings settings;
  RegisterContext ctx;
  Rig() {
    EXPECT_EQ(ApplyPanel(panel, cfg->window), Status::kOk);
    EXPECT_EQ(Init(*cfg, *meter), Status::kOk);
    ctx = RegisterContext{meter.get(), cfg.get(), &panel, &settings, nullptr};
  }
  std::vector<uint8_t> Call(const std::vector<uint8_t>& pdu, uint8_t unit = 1, bool writes = false) {
    std::vector<uint8_t> req = {0x12, 0x34, 0, 0, 0, static_cast<uint8_t>(pdu.size() + 1), unit};
    req.insert(req.end(), pdu.begin(), pdu.end());
    uint8_t resp[kMaxAdu];
    const size_t n = HandleRequest(ctx, ServerOptions{writes}, req.data(), req.size(), resp);
    return std::vector<uint8_t>(resp, resp + n);
  }
};

std::vector<uint8_t> Read(uint16_t addr, uint16_t count, uint8_t fc = 3) {
  return {fc, static_cast<uint8_t>(addr >> 8), static_cast<uint8_t>(addr), static_cast<uint8_t>(count >> 8),
          static_cast<uint8_t>(count)};
}

TEST(ModbusHandlerTest, ReadsAnswerWithTheRegisters) {
  Rig r;
  const auto resp = r.Call(Read(4, 2));  // protocol address 4 = doc registers 5, 6
  ASSERT_EQ(resp.size(), 7u + 2 + 4);
  EXPECT_EQ(resp[0], 0x12);
  EXPECT_EQ(resp[1], 0x34);
  EXPECT_EQ(resp[6], 1);
  EXPECT_EQ(resp[7], 3);
  EXPECT_EQ(resp[8], 4);
  EXPECT_EQ((resp[9] << 8) | resp[10], 15172);
  EXPECT_EQ((resp[11] << 8) | resp[12], 0);
  const auto sun = r.Call(Read(40000, 2, 4));  // SunSpec through FC 4 too
  ASSERT_EQ(sun.size(), 13u);
  EXPECT_EQ((sun[9] << 8) | sun[10], 0x5375);
}

TEST(ModbusHandlerTest, ExceptionsForBadRequests) {
  Rig r;
  auto exception = [](const std::vector<uint8_t>& resp) { return resp.size() == 9 ? resp[8] : 0xFF; };
  EXPECT_EQ(exception(r.Call(Read(8999, 1))), kIllegalAddress);
  EXPECT_EQ(exception(r.Call(Read(0, 0))), kIllegalValue);
  EXPECT_EQ(exception(r.Call(Read(0, 126))), kIllegalValue);
  EXPECT_EQ(exception(r.Call({0x2B, 0x0E, 0x01, 0x00})), kIllegalFunction);  // device id: not served
  EXPECT_EQ(exception(r.Call(Read(4, 1), 3)), kGatewayTarget);              // no third panel
  EXPECT_EQ(exception(r.Call(Read(4, 1), 0)), kGatewayTarget);
  EXPECT_EQ(exception(r.Call({3, 0, 4, 0})), kIllegalValue);               // truncated PDU
  // Writes: refused unless allowed; then validated.
  const std::vector<uint8_t> write171 = {6, 0, 170, 0x02, 0x8A};  // reg 171 = 650
  EXPECT_EQ(exception(r.Call(write171)), kIllegalFunction);
  EXPECT_DOUBLE_EQ(r.meter->events.config.channel[0].level[0], 70.0);
  const auto ok = r.Call(write171, 1, true);
  ASSERT_EQ(ok.size(), 12u);
  EXPECT_EQ(std::vector<uint8_t>(ok.begin() + 7, ok.end()), write171);  // echo
  EXPECT_DOUBLE_EQ(r.meter->events.config.channel[0].level[0], 65.0);
  EXPECT_EQ(exception(r.Call({6, 0, 170, 0x03, 0xE9}, 1, true)), kIllegalValue);  // 1001
  EXPECT_EQ(exception(r.Call({6, 0, 244, 0, 1}, 1, true)), kIllegalAddress);      // read-only
  EXPECT_EQ(exception(r.Call({6, 0x9C, 0x40, 0, 1}, 1, true)), kIllegalAddress);  // SunSpec
  // FC 16: byte count must match; all or nothing.
  EXPECT_EQ(exception(r.Call({16, 0, 170, 0, 2, 3, 0, 1, 0}, 1, true)), kIllegalValue);
  EXPECT_EQ(exception(r.Call({16, 0, 170, 0, 2, 4, 0x02, 0x58, 0x03, 0xE9}, 1, true)), kIllegalValue);
  EXPECT_DOUBLE_EQ(r.meter->events.config.channel[0].level[0], 65.0);
  const auto multi = r.Call({16, 0, 170, 0, 2, 4, 0x02, 0x58, 0x02, 0x26}, 1, true);  // 600, 550
  ASSERT_EQ(multi.size(), 12u);
  EXPECT_DOUBLE_EQ(r.meter->events.config.channel[0].level[0], 60.0);
  EXPECT_DOUBLE_EQ(r.meter->events.config.channel[0].level[1], 55.0);
}

TEST(ModbusHandlerTest, MalformedFramesGetNoAnswer) {
  Rig r;
  uint8_t resp[kMaxAdu];
  const uint8_t short_frame[5] = {0, 1, 0, 0, 0};
  EXPECT_EQ(HandleRequest(r.ctx, {}, short_frame, sizeof(short_frame), resp), 0u);
  const uint8_t bad_protocol[12] = {0, 1, 0, 7, 0, 6, 1, 3, 0, 0, 0, 1};
  EXPECT_EQ(HandleRequest(r.ctx, {}, bad_protocol, sizeof(bad_protocol), resp), 0u);
  const uint8_t bad_length[12] = {0, 1, 0, 0, 0, 9, 1, 3, 0, 0, 0, 1};
  EXPECT_EQ(HandleRequest(r.ctx, {}, bad_length, sizeof(bad_length), resp), 0u);
  EXPECT_EQ(HandleRequest(r.ctx, {}, nullptr, 12, resp), 0u);
}

}  // namespace
}  // namespace meterdsp::modbus
