// meterdsp/meter.h — the whole chain in one fixed-size state:
// front end → window engine → energy → demand → events, plus the reference device's
// commands and snapshot/restore of the complete state (for flash).
// Every function here never allocates or throws; Meter is trivially copyable (≈ 0.3 MB:
// give it static storage or the heap, not the stack).
#ifndef METERDSP_METER_H_
#define METERDSP_METER_H_

#include <stddef.h>
#include <stdint.h>

#include "meterdsp/demand.h"
#include "meterdsp/energy.h"
#include "meterdsp/events.h"
#include "meterdsp/status.h"
#include "meterdsp/window.h"

namespace meterdsp {

struct MeterConfig {
  WindowConfig window;   // topology, calibration, minimum ON current, …
  EnergyConfig energy;
  DemandConfig demand;
  EventConfig events;
};

struct Meter {
  WindowEngine window;
  EnergyRegisters energy;
  DemandState demand;
  EventState events;
};

// Initialises every stage. On error `meter` is unchanged. Never allocates or throws.
Status Init(const MeterConfig& config, Meter& meter) noexcept;

// Feeds a block through the window engine and every completed window through energy,
// demand and events (in that order), writing the windows to out[0 .. *completed).
// Same preconditions and guarantees as Process(WindowEngine&, …).
Status Process(Meter& meter, const FrameBlock<int16_t>& block, WindowResult* out,
               size_t out_capacity, size_t* completed) noexcept;
Status Process(Meter& meter, const FrameBlock<int32_t>& block, WindowResult* out,
               size_t out_capacity, size_t* completed) noexcept;
Status Process(Meter& meter, const PlanarBlock<float>& block, WindowResult* out,
               size_t out_capacity, size_t* completed) noexcept;
Status Process(Meter& meter, const PlanarBlock<double>& block, WindowResult* out,
               size_t out_capacity, size_t* completed) noexcept;

// Process in one pass over planar samples (see ProcessOnePass in window.h): `before` is a copy
// of `meter` taken before the call; on kNonFiniteInput, found part-way, `meter` becomes a copy
// of `before`. A caller feeding one array in several calls (as the Python binding does) may
// pass the copy it took before the first, and so undo all of them. Never allocates or throws.
Status ProcessOnePass(Meter& meter, const PlanarBlock<float>& block, WindowResult* out,
                      size_t out_capacity, size_t* completed, const Meter& before) noexcept;
Status ProcessOnePass(Meter& meter, const PlanarBlock<double>& block, WindowResult* out,
                      size_t out_capacity, size_t* completed, const Meter& before) noexcept;

// The reference point map's command codes (global reset register).
enum class Command : uint16_t {
  kNewDemandSubinterval = 26012,  // end the demand sub-interval now (sync-to-comms)
  kResetDemand = 26013,           // restart demand: present/sliding history/thermal cleared
  kClearEnergy = 10203,           // clear the resettable energy registers (lifetime kept)
  kClearMaxima = 29877,           // clear maximum instantaneous current and power
  kClearMaxDemand = 20097,        // clear every maximum demand and its time
  kResetLatchedAlarms = 31010,    // clear every latching event bit
};

// Carries out a command at the present sample time (end of the last window). Returns
// kBadThreshold for an unknown code. Never allocates or throws.
Status Execute(Meter& meter, Command command) noexcept;

// Changes the currents' phase assignment and the frame columns while running (the window
// engine's SetTopology, and the phases the energy totals and events use), from the next block
// on. Returns the window engine's status; on error nothing changes. Never allocates or throws.
Status SetTopology(Meter& meter, const uint8_t* phase, const uint8_t* frame_column) noexcept;

// Sample time (s) of the end of the last completed window.
double NowSeconds(const Meter& meter) noexcept;

// Sets the wall clock for clock-aligned demand (wall_s at the present sample time).
Status SetClock(Meter& meter, double wall_s) noexcept;

// Size in bytes of a snapshot blob.
size_t SnapshotSize() noexcept;

// Writes the whole state as a versioned, CRC-32-protected blob (header + state bytes).
// Returns kOutputTooSmall if capacity < SnapshotSize(). Never allocates or throws.
Status Snapshot(const Meter& meter, uint8_t* out, size_t capacity, size_t* written) noexcept;

// Restores a blob written by Snapshot. A truncated, corrupted or other-version blob returns
// kBadSnapshot and leaves `meter` untouched; so does a blob whose CRC holds but whose state no
// Init and stream could have left (an invalid configuration, a count, index or mode out of
// bounds, non-finite tracker state — checked in the blob before anything is copied). Values
// within their bounds are the content the CRC protects: a blob altered on purpose within them,
// with its CRC recomputed, is not detected. The restored meter continues exactly where the
// snapshot was taken. Never allocates or throws.
Status Restore(const uint8_t* blob, size_t size, Meter& meter) noexcept;

// CRC-32 (IEEE 802.3, reflected, as zlib's crc32). Never allocates or throws.
uint32_t Crc32(const uint8_t* data, size_t size, uint32_t crc = 0) noexcept;

}  // namespace meterdsp

#endif  // METERDSP_METER_H_
