// libFuzzer target: the whole metering chain (Init → Process → energy, demand, events) driven by
// arbitrary bytes. The input picks a SIMD target, a configuration (valid or not: every field
// from its usual values, the edges of its range, and beyond; a third of the calibrated ones without
// a delay filter and some float currents with a clip level, so that planar float32 currents are
// read in place and from the tile side by side), an input type, and a stream of
// segments (a three-phase signal at some frequency, amplitude, harmonics, noise, DC offset and
// clipping; raw bytes as samples; silence; frequency steps), cut into blocks of fuzzed lengths.
//
// What must hold, under ASan and UBSan (the fuzz preset):
// - Init on a bad configuration, and Process on a bad block (wrong shape, NaN/Inf, an output
//   array too small), return an error and leave the meter byte for byte unchanged — also
//   ProcessOnePass (planar rows in some blocks), which finds a NaN part-way and puts the meter
//   back from its copy; its windows are those of Process (the "compare" inputs);
// - a call never completes more windows than MaxWindowsPerBlock said;
// - "compare" inputs: the same samples fed in the fuzzed cuts, with snapshot → restore into
//   another meter between blocks, give bit-identical windows, energy, demand and events as the
//   same samples fed in 256-frame blocks to a second meter (results do not depend on how the
//   stream is cut, and a restored meter continues exactly);
// - "chaos" inputs: commands, CT gain and topology changes, clock settings, mixed input types and
//   Measure() on the same blocks, with the invariants above only; a quarter of them on the
//   topology of a one- or two-panel monitor (ApplyPanel), with the point map and the SunSpec
//   map read and written between blocks: a read never writes past its count, a refused read
//   writes nothing, reads change nothing, and a refused write leaves the meter, its
//   configuration, the panel and the register settings byte for byte unchanged; and snapshots
//   with a byte changed and the CRC recomputed: Restore refuses them with the meter unchanged,
//   or the state it accepts takes the next block under the sanitizers.
// A failure aborts with a message naming the broken property.
#include <stddef.h>
#include <stdint.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "hwy/targets.h"
#include "meterdsp/meterdsp.h"

namespace {

using namespace meterdsp;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_meter: %s\n", what);
  std::abort();
}

// The input as a stream of choices; past its end every read is 0 (the first choice).
class Bytes {
 public:
  Bytes(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  uint8_t U8() { return pos_ < n_ ? d_[pos_++] : 0; }
  // Little-endian; each byte read in its own statement (operands of | have no order).
  uint16_t U16() {
    const uint16_t lo = U8();
    return static_cast<uint16_t>(lo | (U8() << 8));
  }
  uint32_t U32() {
    const uint32_t lo = U16();
    return lo | (static_cast<uint32_t>(U16()) << 16);
  }
  double F64() {
    const uint64_t lo = U32();
    const uint64_t b = lo | (static_cast<uint64_t>(U32()) << 32);
    double x;
    std::memcpy(&x, &b, sizeof x);
    return x;
  }
  bool Bit() { return (U8() & 1) != 0; }
  // One of `usual` (mostly), or a raw double (any bit pattern: NaN, Inf, huge, negative).
  template <size_t N>
  double Pick(const double (&usual)[N]) {
    const uint8_t s = U8();
    return s < 224 ? usual[s % N] : F64();
  }
  size_t left() const { return pos_ < n_ ? n_ - pos_ : 0; }
  const uint8_t* rest() const { return d_ + pos_; }

 private:
  const uint8_t* d_;
  size_t n_, pos_ = 0;
};

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;

void FuzzConfig(Bytes& in, MeterConfig& c) {
  WindowConfig& w = c.window;
  w.fs_hz = in.Pick({2560.0, 2560.0, 4000.0, 8000.0, 1000.0, 12800.0, 0.0, -2560.0, kNaN, 2e6});
  w.nominal_hz = in.Pick({50.0, 60.0, 50.0, 60.0, 55.0});
  w.voltages = 1 + in.U8() % 4;  // 4: one too many
  const uint8_t cs = in.U8();
  w.currents = cs < 200 ? cs % 13 : cs < 250 ? cs % 93 : 93 + cs % 3;  // small meters mostly
  const size_t nc = std::min(w.currents, kMaxCurrents);  // per-current choices: these only
  const uint8_t phase_style = in.U8();
  for (size_t k = 0; k < nc; ++k) {
    const uint8_t p = in.U8();
    w.phase[k] = phase_style < 240 ? static_cast<uint8_t>(p < 250 ? k % w.voltages : kCurrentOnly)
                                   : p;  // anything, valid or not
  }
  const size_t columns = w.voltages + w.currents;
  const uint8_t col_style = in.U8();
  if (col_style >= 128 && columns <= kMaxChannels) {  // a permutation
    for (size_t k = columns; k-- > 1;) {
      const size_t j = in.U8() % (k + 1);
      std::swap(w.frame_column[k], w.frame_column[j]);
    }
  }
  if (col_style >= 250) w.frame_column[in.U8() % kMaxChannels] = in.U8();  // maybe broken
  w.virtual_neutral = in.Bit();
  const uint8_t cal_style = in.U8();
  for (size_t ch = 0; ch < w.voltages + nc; ++ch) {
    ChannelCalibration& cal = ch < w.voltages ? w.voltage_cal[ch] : w.current_cal[ch - w.voltages];
    if (cal_style < 64) continue;  // defaults
    const bool raw = cal_style >= 250;
    cal.gain = raw ? in.Pick({1.0, 0.0, -1.0, 1e-30, kInf})
                   : ch < w.voltages ? 400.0 / 32767 : (1 + in.U8() % 200) / 32767.0;
    cal.offset = raw ? in.Pick({0.0, 3.0, -2e9, kNaN}) : static_cast<int8_t>(in.U8());
    cal.skew_us = raw ? in.Pick({0.0, 1e4, -1e4, kNaN}) : (static_cast<int8_t>(in.U8()) * 4.0);
    cal.phase_deg = raw ? in.Pick({0.0, 5.0, -90.0, kInf}) : static_cast<int8_t>(in.U8()) / 40.0;
    cal.dc_removal = in.Bit();
    if (cal_style < 128) {  // gains and offsets without a delay filter: planar currents read in place
      cal.skew_us = 0;
      cal.phase_deg = 0;
    }
    if ((cal_style & 1) && ch % 4 == 2) cal.clip_level = 50.0;  // float inputs: some currents clip
  }
  if (cal_style >= 200 && nc > 0) {  // a current table on one channel
    CurrentTable& t = w.current_table[in.U8() % nc];
    t.points = in.U8() % (kMaxTablePoints + 2);  // up to one too many
    for (size_t j = 0; j < kMaxTablePoints; ++j) {
      t.amps[j] = static_cast<float>(in.Pick({0.5, 1.0, 5.0, 20.0, 0.0, -1.0}) * static_cast<double>(j + 1));
      t.gain[j] = static_cast<float>(in.Pick({1.0, 1.01, 0.99, 0.4, 3.0}));
      t.phase_deg[j] = static_cast<float>(in.Pick({0.0, 0.5, -0.3, 11.0}));
    }
  }
  const uint8_t misc = in.U8();
  if (misc & 1) {
    for (size_t k = 0; k < nc; ++k) w.min_on_current[k] = in.Pick({0.05, 0.0, 1.0, 100.0, -1.0});
  }
  if (misc & 2) w.min_voltage = in.Pick({1.0, 0.0, 50.0, 1e9, -1.0});
  if (misc & 4) w.adc_bits = static_cast<int>(in.U8()) - 8;
  if (misc & 8) w.angle_reference = static_cast<AngleReference>(in.U8() % 3);
  if (misc & 16) c.energy.quantum_wh = in.Pick({0.001, 1.0, 1000.0, 0.0, 1e6});
  if (misc & 32) {
    DemandConfig& d = c.demand;
    d.mode = static_cast<DemandMode>(in.U8() % 5);
    d.subinterval_s = in.Pick({10.0, 11.5, 60.0, 900.0, 32767.0, 9.0, 40000.0});
    d.subintervals = in.U8() % 62;
    d.clock_aligned = in.Bit();
    for (size_t k = 0; k < nc; ++k) d.group[k] = in.U8() % (kMaxDemandGroups + 2);
  }
  if (misc & 64) {
    for (size_t k = 0; k < nc; ++k) {
      ChannelEventConfig& e = c.events.channel[k];
      const uint8_t s = in.U8();
      if (s < 128) continue;
      e.quantity = static_cast<EventQuantity>(s % 8);
      e.absolute = (s & 8) != 0;
      e.base = in.Pick({20.0, 1.0, 0.0, 200.0, -5.0});
      for (double& l : e.level) l = in.Pick({0.0, 2.5, 50.0, 100.0, 100.1, -1.0});
      for (double& d : e.delay_s) d = in.Pick({0.0, 0.2, 1.0, 32767.0, 32768.0});
      e.nl_high = in.Pick({60.0, 0.0, 99.0});
      e.nl_low = in.Pick({5.0, 0.0, 40.0});
      e.hysteresis_pct = in.Pick({5.0, 0.0, 100.0, 101.0});
      e.on_time_s = in.Pick({0.0, 0.5, 10.0, -1.0});
      e.off_time_s = in.Pick({0.0, 0.5, 30.0});
    }
    for (VoltageEventConfig& v : c.events.voltage) {
      v.over_v = in.Pick({0.0, 250.0, 200.0});
      v.under_v = in.Pick({0.0, 210.0, 240.0});
      v.timer_s = in.Pick({0.0, 0.4, 10.0});
      v.hysteresis_pct = in.Pick({2.0, 0.0, 50.0});
    }
  }
}

// A panel topology (valid mostly; ApplyPanel refuses the rest).
void FuzzPanel(Bytes& in, PanelConfig& p) {
  p = PanelConfig();
  const uint8_t shape = in.U8();
  p.panels = shape < 250 ? 1 + shape % 2 : shape % 4;  // 0 and 3: invalid
  for (StripLayout& l : p.layout) l = static_cast<StripLayout>(in.U8() % 5);  // 4: invalid
  const uint8_t strip = in.U8();
  p.strip_size = strip < 240 ? static_cast<uint8_t>(strip % 3 == 0 ? 21 : strip % 3 == 1 ? 18 : 12) : strip;
  p.wiring = static_cast<Wiring>(in.U8() % 5);  // 4: invalid
  p.user_phase = (in.U8() & 3) == 0;
  if (p.user_phase) {
    for (auto& panel : p.phase)
      for (uint8_t& ph : panel) ph = static_cast<uint8_t>(in.U8() % 4);  // 3: invalid
  }
  for (size_t n = in.U8() % 8; n > 0; --n) {  // a few logical circuits, adjacent or not
    const size_t panel = in.U8() % kMaxPanels, ch = in.U8() % kPanelChannels;
    const uint8_t circuit = static_cast<uint8_t>(1 + in.U8() % (kMaxCircuits + 1));
    p.circuit[panel][ch] = circuit;
    if (in.Bit() && ch + 1 < kPanelChannels) p.circuit[panel][ch + 1] = circuit;
  }
}

enum InputType : uint8_t { kI16, kI32, kF32, kF64, kInputTypes };
const char* const kTypeNames[kInputTypes] = {"int16 frames", "int32 frames", "float32 rows", "float64 rows"};

// A stream of samples, frame-major (frames × columns in physical column order), as doubles.
struct Stream {
  size_t columns = 0;
  std::vector<double> x;
  size_t frames() const { return columns ? x.size() / columns : 0; }
};

// Segments of a three-phase signal (and raw samples) until about `max_frames`.
Stream MakeStream(Bytes& in, const WindowConfig& w, size_t max_frames) {
  Stream s;
  s.columns = w.voltages + w.currents;
  double theta = 0, f = 50, vamp = 20000, harm = 0, noise = 0, dc = 0, clip = 40000;
  uint64_t rng = 0x9E3779B97F4A7C15ull ^ in.U32();
  auto uniform = [&rng] {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return static_cast<double>(rng >> 11) * 0x1p-53 - 0.5;
  };
  const double fs = std::isfinite(w.fs_hz) && w.fs_hz > 100 ? w.fs_hz : 2560.0;
  while (s.frames() < max_frames) {
    const uint8_t kind = in.U8();
    const size_t len = std::min<size_t>(1 + in.U16() % 6000, max_frames - s.frames());
    if (in.left() == 0 && s.frames() > 0) break;
    if (kind < 160) {  // change the signal, then a sine segment
      const uint8_t what = in.U8();
      if (what & 1) f = 35 + in.U8() % 45;               // 35–79 Hz: in and out of range
      if (what & 2) vamp = in.U8() * 160.0;              // 0 … 40,800 codes (clips int16)
      if (what & 4) harm = in.U8() / 512.0;              // third harmonic, up to 50 %
      if (what & 8) noise = in.U8() * 4.0;
      if (what & 16) dc = static_cast<int8_t>(in.U8()) * 100.0;
      if (what & 32) clip = 1000.0 + in.U16();
      for (size_t t = 0; t < len; ++t) {
        theta += 2 * kPi * f / fs;
        if (theta > 2 * kPi) theta -= 2 * kPi;
        for (size_t c = 0; c < s.columns; ++c) {
          const double ph = 2 * kPi / 3 * static_cast<double>(c % 3);
          const double amp = c < w.voltages ? vamp : vamp * static_cast<double>(1 + c % 7) / 8;
          const double lag = c < w.voltages ? 0 : 0.1 * static_cast<double>(c % 11);
          double y = amp * (std::sin(theta - ph - lag) + harm * std::sin(3 * (theta - ph))) + noise * uniform() + dc;
          s.x.push_back(std::fmax(-clip, std::fmin(clip, std::round(y))));
        }
      }
    } else if (kind < 200) {  // raw samples from the input
      for (size_t t = 0; t < len * s.columns; ++t) s.x.push_back(static_cast<int16_t>(in.U16()));
    } else {  // silence (a dropout: no voltage)
      s.x.insert(s.x.end(), len * s.columns, dc);
    }
  }
  return s;
}

// Blocks of one input type, built from a span of the stream.
struct Block {
  InputType type;
  size_t frames = 0, columns = 0, voltages = 0;
  std::vector<int16_t> i16;
  std::vector<int32_t> i32;
  std::vector<float> f32;
  std::vector<double> f64;
  Block(InputType t, const Stream& s, const WindowConfig& w, size_t first, size_t n)
      : type(t), frames(n), columns(s.columns), voltages(w.voltages) {
    const double* x = s.x.data() + first * columns;
    switch (t) {
      case kI16:
        for (size_t j = 0; j < n * columns; ++j) i16.push_back(static_cast<int16_t>(std::fmax(-32768, std::fmin(32767, x[j]))));
        break;
      case kI32:
        for (size_t j = 0; j < n * columns; ++j) i32.push_back(static_cast<int32_t>(x[j]));
        break;
      case kF32:
      case kF64:  // planar rows in channel order: row ch holds frame column frame_column[ch]
        for (size_t ch = 0; ch < columns; ++ch) {
          const size_t col = w.frame_column[ch] < columns ? w.frame_column[ch] : ch;
          for (size_t j = 0; j < n; ++j) {
            if (t == kF32) f32.push_back(static_cast<float>(x[j * columns + col]));
            else f64.push_back(x[j * columns + col]);
          }
        }
        break;
      default:
        break;
    }
  }
  template <typename Sample>
  PlanarBlock<Sample> Planar(const std::vector<Sample>& rows) const {
    return PlanarBlock<Sample>{rows.data(), frames, rows.data() + voltages * frames, frames, frames};
  }
  // before: planar rows go through ProcessOnePass with it (a copy of m), else Process.
  template <typename Sample>
  static Status FeedRows(Meter& m, const PlanarBlock<Sample>& b, WindowResult* out, size_t cap, size_t* done,
                         const Meter* before) {
    return before != nullptr ? ProcessOnePass(m, b, out, cap, done, *before) : Process(m, b, out, cap, done);
  }
  Status Feed(Meter& m, WindowResult* out, size_t cap, size_t* done, const Meter* before = nullptr) const {
    switch (type) {
      case kI16: return Process(m, FrameBlock<int16_t>{i16.data(), frames, columns}, out, cap, done);
      case kI32: return Process(m, FrameBlock<int32_t>{i32.data(), frames, columns}, out, cap, done);
      case kF32: return FeedRows(m, Planar(f32), out, cap, done, before);
      default: return FeedRows(m, Planar(f64), out, cap, done, before);
    }
  }
  // The same block with one sample made non-finite (planar), or with a wrong column count.
  Status FeedBroken(Meter& m, WindowResult* out, size_t cap, size_t* done, size_t where,
                    const Meter* before = nullptr) const {
    switch (type) {
      case kI16: return Process(m, FrameBlock<int16_t>{i16.data(), frames, columns + 1}, out, cap, done);
      case kI32: return Process(m, FrameBlock<int32_t>{i32.data(), frames, columns - 1}, out, cap, done);
      case kF32: {
        std::vector<float> bad = f32;
        bad[where % bad.size()] = (where & 1) ? std::numeric_limits<float>::infinity() : std::nanf("");
        return FeedRows(m, Planar(bad), out, cap, done, before);
      }
      default: {
        std::vector<double> bad = f64;
        bad[where % bad.size()] = (where & 1) ? 1e300 : kNaN;  // beyond float32 counts as non-finite
        return FeedRows(m, Planar(bad), out, cap, done, before);
      }
    }
  }
};

// Name of the first field in which two windows differ bit for bit (nullptr: none).
const char* WindowDifference(const WindowResult& a, const WindowResult& b) {
  auto same = [](const auto& x, const auto& y) { return std::memcmp(&x, &y, sizeof x) == 0; };
  auto same_n = [](const void* x, const void* y, size_t bytes) { return std::memcmp(x, y, bytes) == 0; };
  const size_t nv = a.voltages, nc = a.currents;
  if (nv != b.voltages || nc != b.currents) return "channel counts";
  if (!same(a.start_samples, b.start_samples)) return "start_samples";
  if (!same(a.length_samples, b.length_samples)) return "length_samples";
  if (!same(a.start_s, b.start_s) || !same(a.duration_s, b.duration_s)) return "start_s / duration_s";
  if (!same(a.frequency_hz, b.frequency_hz)) return "frequency_hz";
  if (!same(a.frequency_10s_hz, b.frequency_10s_hz)) return "frequency_10s_hz";
  if (a.cycles != b.cycles || a.flags != b.flags || a.index != b.index) return "cycles / flags / index";
  if (!same_n(a.vrms, b.vrms, nv * 8)) return "vrms";
  if (!same_n(a.v_angle_deg, b.v_angle_deg, nv * 8)) return "v_angle_deg";
  if (!same_n(a.vll_rms, b.vll_rms, nv * 8)) return "vll_rms";
  if (!same_n(a.v_thd_pct, b.v_thd_pct, nv * 8)) return "v_thd_pct";
  if (!same_n(a.irms, b.irms, nc * 8)) return "irms";
  if (!same_n(a.p, b.p, nc * 8) || !same_n(a.q, b.q, nc * 8)) return "p / q";
  if (!same_n(a.s, b.s, nc * 8) || !same_n(a.n, b.n, nc * 8)) return "s / n";
  if (!same_n(a.pf, b.pf, nc * 8) || !same_n(a.dpf, b.dpf, nc * 8)) return "pf / dpf";
  if (!same_n(a.angle_deg, b.angle_deg, nc * 8)) return "angle_deg";
  if (!same_n(a.i_thd_pct, b.i_thd_pct, nc * 8)) return "i_thd_pct";
  if (!same_n(a.quadrant, b.quadrant, nc)) return "quadrant";
  if (!same_n(a.flags_ch, b.flags_ch, nc * 4)) return "flags_ch";
  return nullptr;
}

// Per-window sanity, whatever the input: quadrants and counts in range.
void CheckWindow(const WindowResult& r, const WindowConfig& w) {
  if (r.voltages != w.voltages || r.currents != w.currents) Fail("window channel counts differ from the configuration");
  for (size_t k = 0; k < r.currents; ++k) {
    if (r.quadrant[k] > 4) Fail("quadrant out of 0..4");
    // |P| ≤ S (Cauchy–Schwarz on the same samples): PF and DPF within ±1 (clamped for rounding).
    if (std::fabs(r.pf[k]) > 1 || std::fabs(r.dpf[k]) > 1) {
      const size_t ph = w.phase[k] < w.voltages ? w.phase[k] : 0;
      std::fprintf(stderr, "current %zu: P %g S %g PF %.9g DPF %.9g Irms %g (skew %g us, phase %g deg, dc %d; "
                   "its voltage %zu: skew %g us, phase %g deg, dc %d; window flags %#x)\n", k, r.p[k], r.s[k],
                   r.pf[k], r.dpf[k], r.irms[k], w.current_cal[k].skew_us, w.current_cal[k].phase_deg,
                   w.current_cal[k].dc_removal, ph, w.voltage_cal[ph].skew_us, w.voltage_cal[ph].phase_deg,
                   w.voltage_cal[ph].dc_removal, r.flags);
      Fail("|PF| or |DPF| above 1");
    }
  }
  if (!(r.duration_s >= 0)) Fail("negative or NaN window duration");
}

struct Rig {
  std::unique_ptr<Meter> a = std::make_unique<Meter>(), b = std::make_unique<Meter>(),
                         c = std::make_unique<Meter>(),  // a's snapshots restored
                         before = std::make_unique<Meter>();  // for the unchanged checks
  std::vector<uint8_t> blob = std::vector<uint8_t>(SnapshotSize());
  std::vector<WindowResult> out;
  // Panel inputs: the register maps' context, and copies for the unchanged checks.
  PanelConfig panel, panel_before;
  RegisterSettings settings, settings_before;
  std::unique_ptr<MeterConfig> cfg_before = std::make_unique<MeterConfig>();
  WindowResult last;  // the latest completed window
  bool has_last = false;
};

// A snapshot of `m` with one byte changed and its CRC recomputed, so that only Restore's checks
// of the state itself stand between it and a meter: where the fuzzer says, near the start of a
// stage's configuration or of the fields the stream indexes with, or anywhere. Restored into
// rig.c: refused with rig.c unchanged, or accepted — then `blk` is fed to it so that the
// sanitizers see the state used (its results are not judged: a value changed within its bounds
// is content the CRC protected, and may be NaN).
void ResealedRestore(Bytes& in, Rig& rig, const Meter& m, const Block& blk) {
  size_t written = 0;
  if (Snapshot(m, rig.blob.data(), rig.blob.size(), &written) != Status::kOk) Fail("Snapshot failed");
  const size_t header = written - sizeof(Meter);
  static const size_t kRegions[] = {
      offsetof(Meter, window),  // the engine's configuration
      offsetof(Meter, window) + offsetof(WindowEngine, delay),
      offsetof(Meter, window) + offsetof(WindowEngine, lag_lo),
      offsetof(Meter, window) + offsetof(WindowEngine, tile_start),
      offsetof(Meter, window) + offsetof(WindowEngine, osc_cos),
      offsetof(Meter, energy),
      offsetof(Meter, demand),
      offsetof(Meter, demand) + offsetof(DemandState, ring_count),
      offsetof(Meter, events),
  };
  constexpr size_t kRegionCount = sizeof(kRegions) / sizeof(kRegions[0]);
  const uint8_t where = in.U8();
  const size_t pos = where < 8 * kRegionCount ? kRegions[where % kRegionCount] + in.U16() % 1024
                                              : in.U32() % sizeof(Meter);
  const uint8_t flip = static_cast<uint8_t>(in.U8() | 1);
  rig.blob[header + std::min(pos, sizeof(Meter) - 1)] ^= flip;
  const uint32_t crc = Crc32(rig.blob.data() + header, sizeof(Meter));
  std::memcpy(rig.blob.data() + 24, &crc, sizeof(crc));  // SnapshotHeader: magic, version, lanes, size, CRC
  const uint8_t* c = reinterpret_cast<const uint8_t*>(rig.c.get());
  const uint32_t before = Crc32(c, sizeof(Meter));
  const Status s = Restore(rig.blob.data(), written, *rig.c);
  if (s != Status::kOk) {
    if (s != Status::kBadSnapshot) Fail("a resealed snapshot refused with another status");
    if (Crc32(c, sizeof(Meter)) != before) Fail("a refused restore changed the meter");
    return;
  }
  const size_t cap = MaxWindowsPerBlock(rig.c->window, blk.frames);
  if (rig.out.size() < cap) rig.out.resize(cap);
  size_t done = 0;
  (void)blk.Feed(*rig.c, rig.out.data(), cap, &done);
}

// Feeds `blk` to `m`, checking the error paths first (each must leave `m` unchanged) when
// `probe`; appends the completed windows to `log`.
void FeedChecked(Rig& rig, Meter& m, const Block& blk, const WindowConfig& w, bool probe, uint8_t how,
                 std::vector<WindowResult>* log) {
  const size_t cap = MaxWindowsPerBlock(m.window, blk.frames);
  if (rig.out.size() < cap + 64) rig.out.resize(cap + 64);  // slack: an overrun is reported, not a crash
  size_t done = 0;
  // how & 4: planar rows through ProcessOnePass (tested as converted; a refusal found part-way
  // puts the meter back from the copy in rig.before).
  const Meter* one_pass = (how & 4) ? rig.before.get() : nullptr;
  if (probe) {
    std::memcpy(rig.before.get(), &m, sizeof(Meter));
    Status s = blk.FeedBroken(m, rig.out.data(), cap, &done, how * 7919u + blk.frames, one_pass);
    if (s == Status::kOk) Fail("a broken block (shape, NaN/Inf) was accepted");
    if (std::memcmp(rig.before.get(), &m, sizeof(Meter)) != 0) Fail("a refused block changed the meter");
    if (cap > 0 && (how & 2)) {
      // Too small an output array: refused before anything is consumed.
      s = blk.Feed(m, rig.out.data(), cap - 1, &done);
      if (s != Status::kOutputTooSmall) Fail("an output array below MaxWindowsPerBlock was accepted");
      if (std::memcmp(rig.before.get(), &m, sizeof(Meter)) != 0) Fail("a refused output array changed the meter");
    }
  }
  // Poison the output: a field that Process leaves unwritten then reads as garbage here (not as
  // a previous input's value).
  std::memset(static_cast<void*>(rig.out.data()), 0xA5, rig.out.size() * sizeof(WindowResult));
  if (one_pass != nullptr) std::memcpy(rig.before.get(), &m, sizeof(Meter));
  const Status s = blk.Feed(m, rig.out.data(), cap, &done, one_pass);
  if (s != Status::kOk) Fail("a well-formed block was refused");
  if (done > cap) {
    std::fprintf(stderr, "%zu windows from %zu frames, MaxWindowsPerBlock %zu (fs %g, nominal %g, %s)\n", done,
                 blk.frames, cap, w.fs_hz, w.nominal_hz, kTypeNames[blk.type]);
    for (size_t k = 0; k < done; ++k) {
      std::fprintf(stderr, "  window %zu: start %.3f length %.3f cycles %u flags %#x\n", k, rig.out[k].start_samples,
                   rig.out[k].length_samples, rig.out[k].cycles, rig.out[k].flags);
    }
    Fail("more windows than MaxWindowsPerBlock");
  }
  for (size_t k = 0; k < done; ++k) {
    CheckWindow(rig.out[k], w);
    if (log != nullptr) log->push_back(rig.out[k]);
  }
  if (done > 0) {
    rig.last = rig.out[done - 1];
    rig.has_last = true;
  }
}

// A read of the point map (panel 0, 1, or one beyond) or of the SunSpec map at a fuzzed range.
// Out-of-range reads must be refused with nothing written; no read writes past its count or
// changes the meter.
void ReadRegisters(Bytes& in, Rig& rig, const RegisterContext& ctx) {
  constexpr size_t kMaxRead = 125, kSlack = 8;
  constexpr uint16_t kPoison = 0xA5C3;
  uint16_t buf[kMaxRead + kSlack];
  for (uint16_t& r : buf) r = kPoison;
  static const uint32_t kStarts[] = {1, 7, 71, 119, 165, 171, 178, 224, 236, 245, 254, 296, 301, 531, 539, 600,
                                     1000, 1126, 1168, 1252, 1630, 2000, 2084, 20001, 21301, 21351, 21401, 22201,
                                     62017, 62116, 62161};
  const uint8_t how = in.U8();
  const size_t count = 1 + in.U8() % kMaxRead;
  std::memcpy(rig.before.get(), ctx.meter, sizeof(Meter));
  Status s;
  if (how % 4 != 3) {
    const size_t unit = how % 4 == 0 ? 0 : in.U8() % (kMaxPanels + 1);
    const uint32_t first = (how & 0x80) ? in.U16() : kStarts[in.U8() % (sizeof kStarts / sizeof kStarts[0])] +
                                                         in.U8() % 48;
    s = ReadPointMap(ctx, unit, first, count, buf);
  } else {
    const size_t len = SunSpecLength(ctx);
    const uint32_t first = 40001 + static_cast<uint32_t>(in.U16() % (len + 16));
    s = ReadSunSpec(ctx, first, count, buf);
    // The whole map reads in pieces, and the end marker is where the length says.
    if ((how & 0x80) && len > 0) {
      std::vector<uint16_t> all(len);
      for (size_t at = 0; at < len; at += kMaxRead) {
        const size_t n = std::min(kMaxRead, len - at);
        if (ReadSunSpec(ctx, 40001 + static_cast<uint32_t>(at), n, all.data() + at) != Status::kOk) {
          Fail("the SunSpec map does not read through its own length");
        }
      }
      if (all[len - 2] != 0xFFFF) Fail("the SunSpec map does not end with the end model (0xFFFF)");
    }
  }
  for (size_t k = s == Status::kOk ? count : 0; k < kMaxRead + kSlack; ++k) {
    if (buf[k] != kPoison) Fail(s == Status::kOk ? "a register read wrote past its count" : "a refused register read wrote");
  }
  if (std::memcmp(rig.before.get(), ctx.meter, sizeof(Meter)) != 0) Fail("a register read changed the meter");
}

// A write of fuzzed values to a fuzzed point-map range (mostly writable registers). Refused:
// the meter, its configuration, the panel and the settings stay byte for byte as they were.
Status WriteRegisters(Bytes& in, Rig& rig, RegisterContext& ctx) {
  static const uint32_t kWritable[] = {6, 7, 71, 72, 73, 115, 119, 161, 165, 169, 170, 171, 175, 178, 236, 238, 240,
                                       294, 295, 531, 1126, 62017, 62116, 62158};
  static const uint16_t kValues[] = {0, 1, 2, 3, 10, 15, 60, 100, 200, 900, 1000, 10203, 29877, 26012,
                                     26013, 20097, 31010, 0xFFFF, 0x8000};
  const size_t unit = in.U8() % (kMaxPanels + 1);
  const uint8_t how = in.U8();
  const uint32_t first = (how & 0x80) ? in.U16() : kWritable[how % (sizeof kWritable / sizeof kWritable[0])] +
                                                      in.U8() % 4;
  const size_t count = 1 + in.U8() % 8;
  uint16_t values[8];
  for (size_t k = 0; k < count; ++k) {
    const uint8_t v = in.U8();
    values[k] = v < 200 ? kValues[v % (sizeof kValues / sizeof kValues[0])] : in.U16();
  }
  std::memcpy(rig.before.get(), ctx.meter, sizeof(Meter));
  std::memcpy(rig.cfg_before.get(), ctx.meter_config, sizeof(MeterConfig));
  std::memcpy(&rig.panel_before, ctx.panel, sizeof(PanelConfig));
  std::memcpy(&rig.settings_before, ctx.settings, sizeof(RegisterSettings));
  const Status s = WritePointMap(ctx, unit, first, count, values);
  if (s != Status::kOk && (std::memcmp(rig.before.get(), ctx.meter, sizeof(Meter)) != 0 ||
                           std::memcmp(rig.cfg_before.get(), ctx.meter_config, sizeof(MeterConfig)) != 0 ||
                           std::memcmp(&rig.panel_before, ctx.panel, sizeof(PanelConfig)) != 0 ||
                           std::memcmp(&rig.settings_before, ctx.settings, sizeof(RegisterSettings)) != 0)) {
    Fail("a refused register write changed the meter, its configuration, the panel or the settings");
  }
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Rig* rig = new Rig();
  Bytes in(data, size);

  // SIMD target: the best, or one of the others this CPU runs.
  // (Listed once, before any input restricts the supported targets: else an input's choice
  // would depend on the inputs before it.)
  static const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  const uint8_t tsel = in.U8();
  hwy::SetSupportedTargetsForTest(tsel < 128 || targets.empty() ? 0 : targets[tsel % targets.size()]);
  SetFrameLanesMinColumnsForTest((in.U8() & 3) == 0 ? 1 : 0);  // frame-major tiles for small meters too

  auto cfg = std::make_unique<MeterConfig>();
  const bool chaos = in.Bit();
  FuzzConfig(in, *cfg);
  bool panel_mode = chaos && (in.U8() & 3) == 0;
  rig->has_last = false;
  if (panel_mode) {
    FuzzPanel(in, rig->panel);
    const WindowConfig before = cfg->window;
    if (ApplyPanel(rig->panel, cfg->window) == Status::kOk) {
      ApplyPanelDemandGroups(rig->panel, cfg->demand);
    } else {
      if (std::memcmp(&before, &cfg->window, sizeof(WindowConfig)) != 0) Fail("a refused panel changed the window");
      panel_mode = false;
    }
    rig->settings = RegisterSettings();
    rig->settings.order = in.Bit() ? WordOrder::kLowFirst : WordOrder::kHighFirst;
  }
  Meter& a = *rig->a;
  std::memset(&a, 0x5A, sizeof(Meter));
  std::memcpy(rig->before.get(), &a, sizeof(Meter));
  if (Init(*cfg, a) != Status::kOk) {
    if (std::memcmp(rig->before.get(), &a, sizeof(Meter)) != 0) Fail("a refused configuration changed the meter");
    return 0;
  }
  const WindowConfig& w = cfg->window;
  const InputType type = static_cast<InputType>(in.U8() % kInputTypes);
  const size_t max_frames = 256 + in.U16() % (6 * 2560);
  const Stream st = MakeStream(in, w, max_frames);
  const size_t n = st.frames();

  if (!chaos) {
    // Fuzzed cuts, snapshots between blocks, probes of the error paths, against 256-frame blocks.
    Meter& b = *rig->b;
    std::memset(&b, 0x5A, sizeof(Meter));
    if (Init(*cfg, b) != Status::kOk) Fail("Init not repeatable");
    std::vector<WindowResult> la, lb;
    Meter* cur = &a;
    for (size_t t = 0; t < n;) {
      const uint8_t how = in.U8();
      const size_t len = std::min<size_t>(n - t, 1 + (how < 64 ? how % 17 : in.U16() % 3000));
      FeedChecked(*rig, *cur, Block(type, st, w, t, len), w, (how & 0x30) == 0x30, how, &la);
      t += len;
      if ((how & 0xC0) == 0xC0) {  // snapshot, restore into the other meter, go on there
        size_t written = 0;
        if (Snapshot(*cur, rig->blob.data(), rig->blob.size(), &written) != Status::kOk) Fail("Snapshot failed");
        Meter* other = cur == &a ? rig->c.get() : &a;
        if (Restore(rig->blob.data(), written, *other) != Status::kOk) Fail("Restore refused its own snapshot");
        cur = other;
      }
    }
    for (size_t t = 0; t < n; t += 256) {
      FeedChecked(*rig, b, Block(type, st, w, t, std::min<size_t>(256, n - t)), w, false, 0, &lb);
    }
    if (la.size() != lb.size()) Fail("window count depends on how the stream is cut");
    for (size_t k = 0; k < la.size(); ++k) {
      if (const char* field = WindowDifference(la[k], lb[k])) {
        std::fprintf(stderr, "window %zu of %zu (%s, %zu V + %zu I, %s, fs %g, flags %#x / %#x): %s\n", k,
                     la.size(), SimdTarget(), w.voltages, w.currents,
                     kTypeNames[type], w.fs_hz, la[k].flags, lb[k].flags, field);
        for (size_t ch = 0; ch < w.currents; ++ch) {
          if (la[k].flags_ch[ch] != lb[k].flags_ch[ch]) {
            std::fprintf(stderr, "  current %zu: flags %#x / %#x\n", ch, la[k].flags_ch[ch], lb[k].flags_ch[ch]);
          }
        }
        Fail("a window depends on how the stream is cut");
      }
    }
    if (std::memcmp(&cur->energy, &b.energy, sizeof(EnergyRegisters)) != 0) Fail("energy depends on the cuts");
    if (std::memcmp(&cur->demand, &b.demand, sizeof(DemandState)) != 0) Fail("demand depends on the cuts");
    if (std::memcmp(&cur->events, &b.events, sizeof(EventState)) != 0) Fail("events depend on the cuts");
    return 0;
  }

  // Chaos: blocks of any input type, with commands and reconfiguration between them.
  static const Command kCommands[] = {Command::kNewDemandSubinterval, Command::kResetDemand, Command::kClearEnergy,
                                      Command::kClearMaxima,          Command::kClearMaxDemand,
                                      Command::kResetLatchedAlarms};
  for (size_t t = 0; t < n;) {
    const uint8_t how = in.U8();
    const size_t len = std::min<size_t>(n - t, 1 + in.U16() % 3000);
    const InputType bt = (how & 3) == 0 ? static_cast<InputType>(in.U8() % kInputTypes) : type;
    const Block blk(bt, st, w, t, len);
    FeedChecked(*rig, a, blk, w, (how & 0x30) == 0x30, how, nullptr);
    t += len;
    const uint8_t op = in.U8();
    std::memcpy(rig->before.get(), &a, sizeof(Meter));
    Status s = Status::kOk;
    switch (op % 8) {
      case 0:
        s = Execute(a, op < 200 ? kCommands[op % 6] : static_cast<Command>(in.U16()));
        break;
      case 1:
        s = SetCurrentGain(a.window, in.U8() % 100, in.Pick({0.01, 0.0, -0.01, kNaN, 1e-9, 1e9}));
        break;
      case 2: {
        uint8_t phase[kMaxCurrents], column[kMaxChannels];
        std::memcpy(phase, w.phase, sizeof phase);
        std::memcpy(column, w.frame_column, sizeof column);
        const size_t cols = w.voltages + w.currents;
        if (cols > 1) std::swap(column[in.U8() % cols], column[in.U8() % cols]);
        if (w.currents > 0) phase[in.U8() % w.currents] = in.U8() % 5 == 0 ? in.U8() : static_cast<uint8_t>(in.U8() % w.voltages);
        s = SetTopology(a, phase, column);
        break;
      }
      case 3:
        if (op >= 128) {
          ResealedRestore(in, *rig, a, blk);
        } else {
          s = SetClock(a, in.Pick({1.7e9, 0.0, -1.0, kNaN, 1e300}));
        }
        break;
      case 5:
        s = PresetEnergy(a.energy, in.U8() % 100, static_cast<EnergyRegister>(in.U8() % 10),
                         in.Pick({0.0, 12345.6, 4.5e15, 1e300, -1.0, kNaN}), NowSeconds(a));
        break;
      case 6:
      case 7:
        if (panel_mode) {  // a few register reads and writes, as a Modbus master would send them
          RegisterContext ctx{&a, cfg.get(), &rig->panel, &rig->settings, rig->has_last ? &rig->last : nullptr};
          for (size_t r = 1 + in.U8() % 8; r > 0; --r) {
            if (op % 8 == 6 || in.U8() < 160) {
              ReadRegisters(in, *rig, ctx);
            } else if (WriteRegisters(in, *rig, ctx) == Status::kOk && w.voltages + w.currents != st.columns) {
              return 0;  // the wiring changed the channel count: the stream no longer fits
            }
          }
        }
        break;
      case 4:
        if (bt == kF32 || bt == kF64) {  // the one-shot measurement of the same rows
          MeasureConfig mc;
          mc.fs_hz = w.fs_hz;
          mc.nominal_hz = in.Pick({0.0, 50.0, 60.0, 45.0});
          mc.voltages = w.voltages;
          mc.currents = w.currents;
          std::memcpy(mc.phase, w.phase, sizeof mc.phase);
          mc.angle_reference = static_cast<AngleReference>(in.U8() % 3);
          WindowResult r;
          const size_t order = in.U8() % 52;
          std::vector<double> rms((w.voltages + w.currents) * (order ? order : 1)), ph(rms.size());
          Status ms;
          if (bt == kF32) {
            ms = order ? MeasureHarmonics(blk.Planar(blk.f32), mc, order, r, rms.data(), ph.data())
                       : Measure(blk.Planar(blk.f32), mc, r);
          } else {
            ms = order ? MeasureHarmonics(blk.Planar(blk.f64), mc, order, r, rms.data(), ph.data())
                       : Measure(blk.Planar(blk.f64), mc, r);
          }
          if (ms == Status::kOk) CheckWindow(r, w);
        }
        break;
      default:
        break;
    }
    if (s != Status::kOk && std::memcmp(rig->before.get(), &a, sizeof(Meter)) != 0) {
      Fail("a refused command or setting changed the meter");
    }
  }
  return 0;
}
