// The chain: window engine → energy → demand → events; commands; snapshot / restore.
#include "meterdsp/meter.h"

#include <cstring>

#include "meterdsp/window.h"
#include "src/state_bytes.h"

namespace meterdsp {
namespace {

constexpr char kMagic[8] = {'M', 'D', 'S', 'P', 'S', 'N', 'A', 'P'};
// Bump when the state layout or its meaning changes; sizeof(Meter) is checked as well.
constexpr uint32_t kSnapshotVersion = 7;  // 2: the window engine's two tile layouts; 3: its lane scale;
                                          // 4: frames pending accumulation (WindowEngine::pending);
                                          // 5: resettable energy as lifetime − origin (same size);
                                          // 6: clipped frames per tile (WindowEngine::clip_bits);
                                          // 7: the currents' window sums by lane (lane_window)

struct SnapshotHeader {
  char magic[8];
  uint32_t version;
  uint32_t lanes;  // float lanes of the SIMD target that wrote it (see Restore)
  uint64_t payload_size;
  uint32_t crc;
  uint32_t reserved;
};

// The windows the engine completes (window(…) feeds the block) through the later stages.
template <typename Window>
Status ProcessChain(Meter& m, WindowResult* out, size_t* done, const Window& window) {
  if (Status s = window(); s != Status::kOk) return s;
  for (size_t w = 0; w < *done; ++w) {
    UpdateDemand(m.demand, out[w], m.energy);  // energy before this window: exact snapshots
    AccumulateEnergy(m.energy, out[w]);
    UpdateEvents(m.events, out[w]);
  }
  return Status::kOk;
}

template <typename Block>
Status ProcessChain(Meter& m, const Block& block, WindowResult* out, size_t cap, size_t* done) {
  return ProcessChain(m, out, done, [&] { return Process(m.window, block, out, cap, done); });
}

template <typename Sample>
Status ProcessOnePassChain(Meter& m, const PlanarBlock<Sample>& block, WindowResult* out, size_t cap, size_t* done,
                           const Meter& before) {
  const Status s =
      ProcessChain(m, out, done, [&] { return ProcessOnePass(m.window, block, out, cap, done, before.window); });
  if (s == Status::kNonFiniteInput) m = before;  // every stage, as before a caller's earlier blocks too
  return s;
}

}  // namespace

Status Init(const MeterConfig& c, Meter& m) noexcept {
  // Validate every stage before writing any, so that on error `m` is unchanged.
  const WindowConfig& wc = c.window;
  if (wc.voltages < 1 || wc.voltages > kMaxVoltages || wc.currents > kMaxCurrents) {
    return Status::kBadChannelCount;
  }
  if (Status s = ValidateEnergy(c.energy, wc.voltages, wc.currents, wc.phase); s != Status::kOk) return s;
  if (Status s = ValidateDemand(c.demand, wc.currents); s != Status::kOk) return s;
  if (Status s = ValidateEvents(c.events, wc.voltages, wc.currents, wc.phase); s != Status::kOk) return s;
  if (Status s = Init(wc, m.window); s != Status::kOk) return s;  // validates, then writes
  (void)InitEnergy(c.energy, wc.voltages, wc.currents, wc.phase, m.energy);
  (void)InitDemand(c.demand, wc.currents, m.demand);
  (void)InitEvents(c.events, wc.voltages, wc.currents, wc.phase, m.events);
  return Status::kOk;
}

Status Process(Meter& m, const FrameBlock<int16_t>& b, WindowResult* out, size_t cap,
               size_t* done) noexcept {
  return ProcessChain(m, b, out, cap, done);
}
Status Process(Meter& m, const FrameBlock<int32_t>& b, WindowResult* out, size_t cap,
               size_t* done) noexcept {
  return ProcessChain(m, b, out, cap, done);
}
Status Process(Meter& m, const PlanarBlock<float>& b, WindowResult* out, size_t cap,
               size_t* done) noexcept {
  return ProcessChain(m, b, out, cap, done);
}
Status Process(Meter& m, const PlanarBlock<double>& b, WindowResult* out, size_t cap,
               size_t* done) noexcept {
  return ProcessChain(m, b, out, cap, done);
}
Status ProcessOnePass(Meter& m, const PlanarBlock<float>& b, WindowResult* out, size_t cap, size_t* done,
                      const Meter& before) noexcept {
  return ProcessOnePassChain(m, b, out, cap, done, before);
}
Status ProcessOnePass(Meter& m, const PlanarBlock<double>& b, WindowResult* out, size_t cap, size_t* done,
                      const Meter& before) noexcept {
  return ProcessOnePassChain(m, b, out, cap, done, before);
}

double NowSeconds(const Meter& m) noexcept { return m.demand.now_s; }

Status Execute(Meter& m, Command command) noexcept {
  switch (command) {
    case Command::kNewDemandSubinterval: NewDemandSubinterval(m.demand, m.energy); return Status::kOk;
    case Command::kResetDemand: ResetDemand(m.demand); return Status::kOk;
    case Command::kClearEnergy: return ClearEnergy(m.energy, SIZE_MAX, NowSeconds(m));
    case Command::kClearMaxima: ClearMaxima(m.demand); return Status::kOk;
    case Command::kClearMaxDemand: ClearMaxDemand(m.demand); return Status::kOk;
    case Command::kResetLatchedAlarms: ResetLatchedEvents(m.events); return Status::kOk;
  }
  return Status::kBadThreshold;
}

Status SetClock(Meter& m, double wall_s) noexcept { return SetDemandClock(m.demand, wall_s); }

uint32_t Crc32(const uint8_t* data, size_t size, uint32_t crc) noexcept {
  // Nibble table: 16 entries, no start-up work, ~2 table look-ups per byte.
  static constexpr uint32_t kTable[16] = {
      0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
      0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
      0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    crc = (crc >> 4) ^ kTable[crc & 15u];
    crc = (crc >> 4) ^ kTable[crc & 15u];
  }
  return ~crc;
}

Status SetTopology(Meter& m, const uint8_t* phase, const uint8_t* frame_column) noexcept {
  if (Status s = SetTopology(m.window, phase, frame_column); s != Status::kOk) return s;
  std::memmove(m.energy.phase, m.window.config.phase, m.window.config.currents);
  std::memmove(m.events.phase, m.window.config.phase, m.window.config.currents);
  return Status::kOk;
}

size_t SnapshotSize() noexcept { return sizeof(SnapshotHeader) + sizeof(Meter); }

Status Snapshot(const Meter& m, uint8_t* out, size_t capacity, size_t* written) noexcept {
  if (out == nullptr || written == nullptr) return Status::kNullPointer;
  if (capacity < SnapshotSize()) return Status::kOutputTooSmall;
  SnapshotHeader h{};
  std::memcpy(h.magic, kMagic, sizeof(kMagic));
  h.version = kSnapshotVersion;
  h.lanes = static_cast<uint32_t>(WindowLanes());
  h.payload_size = sizeof(Meter);
  h.crc = Crc32(reinterpret_cast<const uint8_t*>(&m), sizeof(Meter));
  std::memcpy(out, &h, sizeof(h));
  std::memcpy(out + sizeof(h), &m, sizeof(Meter));
  *written = SnapshotSize();
  return Status::kOk;
}

namespace {
// Every stage of a snapshot's payload checked in place (src/state_bytes.h), the later stages'
// counts against the window engine's.
Status CheckRestoredState(const uint8_t* payload) {
  const StateBytes<Meter> meter(payload);
  const uint8_t* engine = payload + offsetof(Meter, window);
  if (Status s = CheckRestoredEngine(engine); s != Status::kOk) return s;
  const auto c = meter.Part<WindowEngine>(offsetof(Meter, window)).Part<WindowConfig>(offsetof(WindowEngine, config));
  const size_t nv = METERDSP_FIELD(c, WindowConfig, voltages), nc = METERDSP_FIELD(c, WindowConfig, currents);
  if (Status s = CheckRestoredEnergy(payload + offsetof(Meter, energy), nv, nc); s != Status::kOk) return s;
  if (Status s = CheckRestoredDemand(payload + offsetof(Meter, demand), nc); s != Status::kOk) return s;
  return CheckRestoredEvents(payload + offsetof(Meter, events), nv, nc);
}
}  // namespace

Status Restore(const uint8_t* blob, size_t size, Meter& m) noexcept {
  if (blob == nullptr) return Status::kNullPointer;
  if (size != SnapshotSize()) return Status::kBadSnapshot;
  SnapshotHeader h;
  std::memcpy(&h, blob, sizeof(h));
  if (std::memcmp(h.magic, kMagic, sizeof(kMagic)) != 0 || h.version != kSnapshotVersion ||
      h.payload_size != sizeof(Meter) || h.lanes == 0 || h.lanes > kMaxLanes) {
    return Status::kBadSnapshot;
  }
  const uint8_t* payload = blob + sizeof(h);
  if (Crc32(payload, sizeof(Meter)) != h.crc) return Status::kBadSnapshot;
  if (Status s = CheckRestoredState(payload); s != Status::kOk) return s;
  std::memcpy(&m, payload, sizeof(Meter));
  // Written on a CPU with other SIMD lanes: fold its lane partial sums into the window sums
  // (results then differ from an uninterrupted run only by float rounding).
  if (h.lanes != WindowLanes()) FoldAllLanes(m.window);
  return Status::kOk;
}

}  // namespace meterdsp
