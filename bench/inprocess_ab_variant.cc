// One build's side of the in-process comparison (bench/inprocess_ab.sh): the workloads that
// bench/inprocess_ab_driver.cc times, compiled against that build's public headers and linked
// with its libmeterdsp.a into a shared object of its own (-Wl,-Bsymbolic: each object calls its
// own meterdsp, so several builds can be loaded into one process side by side). Only the public
// API is used, so the same file builds against older revisions.
#include <stddef.h>

#include <memory>
#include <vector>

#include "bench_panel.h"
#include "meterdsp/meterdsp.h"

namespace {

constexpr size_t kVoltages = meterdsp::bench::kPanelVoltages;

// A sum of a window's results: equal bits in two builds whose results are equal bits.
double Digest(const meterdsp::WindowResult& r) {
  double sum = r.frequency_hz;
  for (size_t k = 0; k < r.currents; ++k) sum += r.irms[k] + r.p[k] + r.q[k];
  return sum;
}

// ProcessOnePass where this build has it (found by argument-dependent lookup, so that this file
// still builds against revisions without it), else Process.
template <class Block>
auto OnePass(meterdsp::Meter& m, const Block& b, meterdsp::WindowResult* out, size_t cap, size_t* done,
             const meterdsp::Meter& before, int) -> decltype(ProcessOnePass(m, b, out, cap, done, before)) {
  return ProcessOnePass(m, b, out, cap, done, before);
}
template <class Block>
meterdsp::Status OnePass(meterdsp::Meter& m, const Block& b, meterdsp::WindowResult* out, size_t cap, size_t* done,
                         const meterdsp::Meter&, long) {
  return meterdsp::Process(m, b, out, cap, done);
}

// A stream of blocks into one Meter per workload (created at the first call, so every build sees
// the same calls in the same order); digest: the sum of its windows' digests. one_pass: as the
// Python binding feeds planar rows (a copy of the meter before each block, ProcessOnePass).
struct Stream {
  std::unique_ptr<meterdsp::Meter> meter, before;
  std::vector<meterdsp::WindowResult> out;

  template <class Block>
  int Run(const Block& block, size_t currents, double* digest, bool skew = false, bool one_pass = false) {
    if (meter == nullptr) meter = meterdsp::bench::MakePanelMeter(skew, currents);
    if (meter == nullptr || meter->window.config.currents != currents) return 1;
    const size_t need = meterdsp::MaxWindowsPerBlock(meter->window, block.frames);
    if (out.size() < need) out.resize(need);
    size_t done = 0;
    meterdsp::Status s;
    if (one_pass) {
      if (before == nullptr) before = std::make_unique<meterdsp::Meter>();
      *before = *meter;
      s = OnePass(*meter, block, out.data(), out.size(), &done, *before, 0);
    } else {
      s = meterdsp::Process(*meter, block, out.data(), out.size(), &done);
    }
    if (s != meterdsp::Status::kOk) return 1;
    for (size_t w = 0; w < done; ++w) *digest += Digest(out[w]);
    return 0;
  }
};

template <typename Sample>
int MeasureRows(const void* v, const void* i, size_t currents, size_t frames, double* digest) {
  const meterdsp::MeasureConfig c = meterdsp::bench::PanelMeasureConfig(currents);
  static meterdsp::WindowResult r;  // 6.5 KB, off the stack
  const meterdsp::PlanarBlock<Sample> b{static_cast<const Sample*>(v), frames,
                                        static_cast<const Sample*>(i), frames, frames};
  if (meterdsp::Measure(b, c, r) != meterdsp::Status::kOk) return 1;
  *digest = Digest(r);
  return 0;
}

// The planar rows [pos, pos + n) of rows of `frames` samples each, or the interleaved frames.
template <typename Sample>
meterdsp::PlanarBlock<Sample> Planar(const void* v, const void* i, size_t frames, size_t pos,
                                     size_t n) {
  return {static_cast<const Sample*>(v) + pos, frames, static_cast<const Sample*>(i) + pos, frames,
          n};
}
template <typename Code>
meterdsp::FrameBlock<Code> Frames(const void* frames, size_t columns, size_t pos, size_t n) {
  return {static_cast<const Code*>(frames) + pos * columns, n, columns};
}

}  // namespace

// Runs workload `kind` once over `frames` frames of 3 voltages and `currents` (1-92) of the
// panel's currents at 2560 Hz: 0 Measure() on float32 rows v[3][frames], i[currents][frames];
// 1 the same on float64 rows; 2, 3 the full chain (Process) on interleaved int16 / int32 frames
// v[frames][3 + currents] (i unused); 4, 5 the full chain on float32 / float64 rows; 6 the
// chain on int16 frames with a skew correction on every current (a delay filter per channel);
// 7, 8 the chain on float32 / float64 rows as the Python binding feeds them (Stream::Run's
// one_pass); the chains in blocks of `block` frames. Sets *digest to a sum of the results (equal bits in two builds
// whose results are equal bits). Returns 0, or 1 if a call failed, `kind` is unknown or
// `currents` differs from the first call's.
extern "C" __attribute__((visibility("default"))) int InprocessAbRun(int kind, size_t currents,
                                                                     const void* v, const void* i,
                                                                     size_t frames, size_t block,
                                                                     double* digest) {
  *digest = 0;
  if (kind == 0) return MeasureRows<float>(v, i, currents, frames, digest);
  if (kind == 1) return MeasureRows<double>(v, i, currents, frames, digest);
  if (kind < 2 || kind > 8 || block == 0) return 1;
  static Stream streams[7];
  Stream& s = streams[kind - 2];
  const size_t columns = kVoltages + currents;
  for (size_t pos = 0; pos + block <= frames; pos += block) {
    const int failed = kind == 2   ? s.Run(Frames<int16_t>(v, columns, pos, block), currents, digest)
                       : kind == 3 ? s.Run(Frames<int32_t>(v, columns, pos, block), currents, digest)
                       : kind == 4 ? s.Run(Planar<float>(v, i, frames, pos, block), currents, digest)
                       : kind == 5 ? s.Run(Planar<double>(v, i, frames, pos, block), currents, digest)
                       : kind == 6 ? s.Run(Frames<int16_t>(v, columns, pos, block), currents, digest, true)
                       : kind == 7 ? s.Run(Planar<float>(v, i, frames, pos, block), currents, digest, false, true)
                                   : s.Run(Planar<double>(v, i, frames, pos, block), currents, digest, false, true);
    if (failed) return 1;
  }
  return 0;
}

// The SIMD target this build's kernels run on (after a first call).
extern "C" __attribute__((visibility("default"))) const char* InprocessAbTarget() {
  return meterdsp::SimdTarget();
}
