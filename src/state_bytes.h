// Internal: reading a stage's state field by field out of a snapshot's bytes, before any of it
// is copied into a live state (Restore validates a blob this way: the bytes need not be aligned
// for the state's types, and no whole state or configuration is copied onto the stack).
#ifndef METERDSP_SRC_STATE_BYTES_H_
#define METERDSP_SRC_STATE_BYTES_H_

#include <stddef.h>
#include <stdint.h>

#include <cstring>
#include <type_traits>

#include "meterdsp/status.h"

namespace meterdsp {

// The bytes of one object of type State (a standard-layout struct) in a snapshot.
template <typename State>
class StateBytes {
 public:
  static_assert(std::is_standard_layout_v<State> && std::is_trivially_copyable_v<State>,
                "fields are found by offsetof and copied by memcpy");
  explicit StateBytes(const uint8_t* bytes) : bytes_(bytes) {}
  // A copy of the T at `offset` (offsetof(State, member) + index · sizeof(T)).
  template <typename T>
  T At(size_t offset, size_t index = 0) const {
    static_assert(std::is_trivially_copyable_v<T>, "copied by memcpy");
    T value;
    std::memcpy(&value, bytes_ + offset + index * sizeof(T), sizeof(T));
    return value;
  }
  // Whether the bool at `offset` holds false or true (a byte 0 or 1; any other byte read as
  // a bool is undefined behaviour).
  bool BoolAt(size_t offset) const { return At<uint8_t>(offset) <= 1; }
  // The bytes of a member that is itself a state struct.
  template <typename Member>
  StateBytes<Member> Part(size_t offset) const {
    return StateBytes<Member>(bytes_ + offset);
  }

 private:
  const uint8_t* bytes_;
};

// A member's value: METERDSP_FIELD(bytes, WindowEngine, ref_voltage);
// an array element: METERDSP_ELEMENT(bytes, WindowConfig, phase, k).
#define METERDSP_FIELD(bytes, State, member) \
  (bytes).template At<decltype(State::member)>(offsetof(State, member))
#define METERDSP_ELEMENT(bytes, State, member, index) \
  (bytes).template At<std::remove_reference_t<decltype(State::member[0])>>(offsetof(State, member), (index))

struct WindowEngine;
struct EnergyRegisters;
struct DemandState;
struct EventState;

// Whether the bytes of a restored stage hold a state its own Init and updates could have left:
// a valid configuration, and every count, index and mode within the bounds the stage's code
// indexes with. Each returns kBadSnapshot otherwise. The counts of the later stages must be
// the window engine's (voltages, currents, phase: read from it first).
Status CheckRestoredEngine(const uint8_t* bytes) noexcept;
Status CheckRestoredEnergy(const uint8_t* bytes, size_t voltages, size_t currents) noexcept;
Status CheckRestoredDemand(const uint8_t* bytes, size_t currents) noexcept;
Status CheckRestoredEvents(const uint8_t* bytes, size_t voltages, size_t currents) noexcept;

}  // namespace meterdsp

#endif  // METERDSP_SRC_STATE_BYTES_H_
