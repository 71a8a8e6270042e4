// libFuzzer target: arbitrary bytes as a Modbus TCP request ADU → the request handler, with
// writes allowed, against a live two-panel meter. The first byte picks the word order; the
// handler must never crash, hang, or write outside its response buffer (ASan), and every
// response must be a well-formed ADU for the request.
#include <stddef.h>
#include <stdint.h>

#include <cstdlib>
#include <memory>

#include "meterdsp/meterdsp.h"
#include "modbus_handler.h"

namespace {

struct Rig {
  std::unique_ptr<meterdsp::MeterConfig> cfg = std::make_unique<meterdsp::MeterConfig>();
  std::unique_ptr<meterdsp::Meter> meter = std::make_unique<meterdsp::Meter>();
  meterdsp::PanelConfig panel;
  meterdsp::RegisterSettings settings;
  meterdsp::WindowResult last{};
  meterdsp::RegisterContext ctx;
  Rig() {
    panel.circuit[0][0] = panel.circuit[0][2] = 1;
    if (meterdsp::ApplyPanel(panel, cfg->window) != meterdsp::Status::kOk) std::abort();
    if (meterdsp::Init(*cfg, *meter) != meterdsp::Status::kOk) std::abort();
    last.voltages = 3;
    last.currents = 92;
    ctx = meterdsp::RegisterContext{meter.get(), cfg.get(), &panel, &settings, &last};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Rig* rig = new Rig();
  if (size < 1) return 0;
  rig->settings.order = (data[0] & 1) ? meterdsp::WordOrder::kLowFirst : meterdsp::WordOrder::kHighFirst;
  uint8_t resp[meterdsp::modbus::kMaxAdu];
  const size_t n = meterdsp::modbus::HandleRequest(rig->ctx, meterdsp::modbus::ServerOptions{true},
                                                   data + 1, size - 1, resp);
  if (n > 0) {
    // A response echoes the transaction id and the unit, and its MBAP length matches.
    if (n < 9 || n > sizeof(resp) || resp[0] != data[1] || resp[1] != data[2] || resp[6] != data[7] ||
        ((resp[4] << 8) | resp[5]) != static_cast<int>(n - 6)) {
      std::abort();
    }
  }
  // Keep a failed configuration write from wedging later inputs: re-validate the panel.
  if (meterdsp::ValidatePanel(rig->panel) != meterdsp::Status::kOk) std::abort();
  return 0;
}
