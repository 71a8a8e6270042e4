// Front-end tests: interleaved frames → scaled rows and → frame-major lanes, on every compiled
// SIMD target, against the plain scalar formula, for every shape class the conversions
// distinguish (fewer than 8 columns — narrow frames, read 128 bits at a time into the next
// frame except at the block's end — or frames, one register group, overlapping last groups,
// permuted columns); planar rows against the scalar formula and → lanes against the row
// conversion.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "hwy/tests/hwy_gtest.h"
#include "meterdsp/frontend.h"
#include "targets.h"

namespace meterdsp::test {
namespace {

class FrontendTest : public hwy::TestWithParamTarget {};
METERDSP_INSTANTIATE_TARGETS(FrontendTest);

// Random codes and calibration; codes at the ADC limits in a few columns; the first frames
// of the block are skipped (first > 0) so the conversion starts mid-block.
template <typename Code>
void CheckShape(size_t channels, size_t count, uint32_t seed, int adc_bits) {
  std::mt19937 rng(seed);
  const int64_t half = int64_t{1} << (adc_bits - 1);
  std::uniform_int_distribution<int64_t> code(-half + 1, half - 2);
  const size_t first = 3;
  std::vector<Code> data((first + count) * channels);
  for (Code& x : data) x = static_cast<Code>(code(rng));
  // Channel (column) k: clip low in column 5, clip high in the last column, at varying frames.
  if (channels > 5) data[(first + count / 2) * channels + 5] = static_cast<Code>(-half);
  data[(first + count - 1) * channels + channels - 1] = static_cast<Code>(half - 1);
  uint8_t columns[kMaxChannels];
  for (size_t k = 0; k < channels; ++k) columns[k] = static_cast<uint8_t>(k);
  std::shuffle(columns, columns + channels, rng);  // rows[k] reads column columns[k]
  ChannelScale scale[kMaxChannels];
  std::uniform_real_distribution<float> gain(0.001f, 0.1f), offset(-50.0f, 50.0f);
  for (size_t k = 0; k < channels; ++k) scale[k] = ChannelScale{gain(rng), offset(rng), 0.0};
  std::vector<std::vector<float>> rows(channels, std::vector<float>(count + 1, -1.0f));
  float* row_ptr[kMaxChannels];
  for (size_t k = 0; k < channels; ++k) row_ptr[k] = rows[k].data();
  uint8_t clipped[kMaxChannels] = {};
  const FrameBlock<Code> block{data.data(), first + count, channels};
  if constexpr (sizeof(Code) == 2) {
    ConvertFrames(block, first, count, columns, scale, row_ptr, clipped);
  } else {
    ConvertFrames(block, first, count, adc_bits, columns, scale, row_ptr, clipped);
  }
  for (size_t k = 0; k < channels; ++k) {
    bool want_clip = false;
    for (size_t j = 0; j < count; ++j) {
      const int64_t c = data[(first + j) * channels + columns[k]];
      want_clip = want_clip || c == -half || c == half - 1;
      const float want = (static_cast<float>(c) - scale[k].offset) * scale[k].gain;
      ASSERT_EQ(rows[k][j], want) << "channels " << channels << " count " << count << " row " << k
                                  << " frame " << j;
    }
    EXPECT_EQ(rows[k][count], -1.0f) << "wrote past the end of row " << k;
    EXPECT_EQ(clipped[k] != 0, want_clip) << "channels " << channels << " count " << count << " row " << k;
  }
  // The frame-major conversion: lanes[j][columns[k]] holds rows[k][j], the same clip flags, and
  // nothing is written to the lanes past the channels or to the row after the last frame.
  std::vector<float> lane_store((count + 1) * kLaneStride, -1.0f);
  auto* lanes = reinterpret_cast<float(*)[kLaneStride]>(lane_store.data());
  uint8_t lane_clipped[kMaxChannels] = {};
  // sc: the channels' ChannelScale array, or a LaneScale built from it.
  auto to_lanes = [&](const auto& sc, float(*dst)[kLaneStride], uint8_t* clip) {
    if constexpr (sizeof(Code) == 2) {
      ConvertFramesToLanes(block, first, count, columns, sc, dst, clip);
    } else {
      ConvertFramesToLanes(block, first, count, adc_bits, columns, sc, dst, clip);
    }
  };
  to_lanes(scale, lanes, lane_clipped);
  for (size_t k = 0; k < channels; ++k) {
    for (size_t j = 0; j < count; ++j) {
      ASSERT_EQ(lanes[j][columns[k]], rows[k][j]) << "channels " << channels << " count " << count
                                                 << " lane " << int{columns[k]} << " frame " << j;
    }
    EXPECT_EQ(lane_clipped[k], clipped[k]) << "channels " << channels << " count " << count << " channel " << k;
  }
  for (size_t j = 0; j <= count; ++j) {
    for (size_t c = j < count ? channels : 0; c < kLaneStride; ++c) {
      ASSERT_EQ(lanes[j][c], -1.0f) << "wrote lane " << c << " of frame " << j << " (channels " << channels << ")";
    }
  }
  // The same through scales built once in frame-column order (MakeLaneScale), as the engine does:
  // rows, then lanes.
  LaneScale ls;
  MakeLaneScale(columns, scale, channels, &ls);
  std::vector<std::vector<float>> rows2(channels, std::vector<float>(count + 1, -1.0f));
  float* row_ptr2[kMaxChannels];
  for (size_t k = 0; k < channels; ++k) row_ptr2[k] = rows2[k].data();
  uint8_t clipped2[kMaxChannels] = {};
  if constexpr (sizeof(Code) == 2) {
    ConvertFrames(block, first, count, columns, ls, row_ptr2, clipped2);
  } else {
    ConvertFrames(block, first, count, adc_bits, columns, ls, row_ptr2, clipped2);
  }
  EXPECT_EQ(rows2, rows) << "channels " << channels << " count " << count;
  EXPECT_EQ(0, std::memcmp(clipped2, clipped, sizeof(clipped))) << "channels " << channels;
  std::vector<float> lane_store2((count + 1) * kLaneStride, -1.0f);
  auto* lanes2 = reinterpret_cast<float(*)[kLaneStride]>(lane_store2.data());
  uint8_t lane_clipped2[kMaxChannels] = {};
  to_lanes(ls, lanes2, lane_clipped2);
  EXPECT_EQ(lane_store2, lane_store) << "channels " << channels << " count " << count;
  EXPECT_EQ(0, std::memcmp(lane_clipped2, lane_clipped, sizeof(lane_clipped))) << "channels " << channels;
}

const size_t kChannelCounts[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 95};
const size_t kFrameCounts[] = {1, 7, 8, 9, 15, 16, 17, 63, 256};

TEST_P(FrontendTest, Int16FramesMatchTheScalarFormulaForEveryShape) {
  uint32_t seed = 1;
  for (size_t ch : kChannelCounts) {
    for (size_t n : kFrameCounts) CheckShape<int16_t>(ch, n, seed++, 16);
  }
}

TEST_P(FrontendTest, Int32FramesMatchTheScalarFormulaForEveryShape) {
  uint32_t seed = 1000;
  for (int bits : {16, 24, 32}) {
    for (size_t ch : kChannelCounts) {
      for (size_t n : kFrameCounts) CheckShape<int32_t>(ch, n, seed++, bits);
    }
  }
}

// Planar rows → frame-major lanes on every target: lanes[j][columns[k]] is the value the row
// conversion gives rows[k][j], bit for bit, with the same clip flags, for every voltage and
// current count class (fewer than four rows, whole and partial groups of four) and odd lengths.
template <typename Sample>
void CheckPlanarToLanes() {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> x(-400.0, 400.0);
  std::uniform_real_distribution<float> gain(0.5f, 2.0f), offset(-1.0f, 1.0f);
  for (size_t nv : {1, 3}) {
    for (size_t nc : {0, 1, 2, 3, 4, 5, 9, 92}) {
      const size_t nch = nv + nc;
      for (size_t count : {1, 3, 4, 15, 16, 17, 255, 256}) {
        const size_t first = 2, len = first + count;
        std::vector<Sample> v(nv * len), i(std::max<size_t>(nc, 1) * len);
        for (Sample& s : v) s = static_cast<Sample>(x(rng));
        for (Sample& s : i) s = static_cast<Sample>(x(rng) / 10);
        const PlanarBlock<Sample> block{v.data(), len, i.data(), len, len};
        uint8_t columns[kMaxChannels];
        for (size_t k = 0; k < nch; ++k) columns[k] = static_cast<uint8_t>(k);
        std::shuffle(columns, columns + nch, rng);
        ChannelScale scale[kMaxChannels];
        for (size_t k = 0; k < nch; ++k) scale[k] = ChannelScale{gain(rng), offset(rng), k % 3 == 0 ? 300.0 : 0.0};
        std::vector<std::vector<float>> rows(nch, std::vector<float>(count));
        float* row_ptr[kMaxChannels];
        for (size_t k = 0; k < nch; ++k) row_ptr[k] = rows[k].data();
        uint8_t clipped[kMaxChannels] = {}, lane_clipped[kMaxChannels] = {};
        ConvertPlanar(block, nv, nc, first, count, scale, row_ptr, clipped);
        std::vector<float> lane_store(count * kLaneStride, -1.0f), scratch(count);
        auto* lanes = reinterpret_cast<float(*)[kLaneStride]>(lane_store.data());
        ConvertPlanarToLanes(block, nv, nc, first, count, columns, scale, lanes, scratch.data(), lane_clipped);
        for (size_t k = 0; k < nch; ++k) {
          for (size_t j = 0; j < count; ++j) {
            ASSERT_EQ(lanes[j][columns[k]], rows[k][j]) << nv << "+" << nc << " count " << count << " channel " << k;
          }
          EXPECT_EQ(lane_clipped[k], clipped[k]) << nv << "+" << nc << " count " << count << " channel " << k;
        }
      }
    }
  }
}

TEST_P(FrontendTest, PlanarRowsToLanesMatchTheRowConversion) {
  CheckPlanarToLanes<float>();
  CheckPlanarToLanes<double>();
}

// Planar rows → scaled rows on every target: each value is (float(x) − offset) · gain bit for
// bit, and the clip flag is set exactly when some |value| reaches clip_level — one sample at the
// level (either sign) at every position of rows whose lengths cover the vector body, single
// vectors and the scalar tail, starting mid-block; a sample just below it is not flagged.
template <typename Sample>
void CheckPlanarRows() {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> x(-400.0, 400.0);
  const ChannelScale scale[2] = {ChannelScale{1.5f, -0.75f, 0.0}, ChannelScale{0.5f, 0.25f, 300.0}};
  // Current row: (600.25 − 0.25) · 0.5 = 300 and (−599.75 − 0.25) · 0.5 = −300 reach the level,
  // (600 − 0.25) · 0.5 = 299.875 does not; the random samples stay below 200.2.
  const double probes[] = {600.25, -599.75, 600.0};
  for (size_t count : {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 255, 256}) {
    const size_t first = 3, len = first + count;
    std::vector<Sample> v(len), i(len);
    for (Sample& s : v) s = static_cast<Sample>(x(rng));
    for (Sample& s : i) s = static_cast<Sample>(x(rng));
    const PlanarBlock<Sample> block{v.data(), len, i.data(), len, len};
    std::vector<float> vrow(count), irow(count);
    float* rows[2] = {vrow.data(), irow.data()};
    for (size_t pos = 0; pos <= count; ++pos) {  // pos == count: no probe
      for (double probe : probes) {
        const Sample keep = pos < count ? i[first + pos] : Sample{0};
        if (pos < count) i[first + pos] = static_cast<Sample>(probe);
        for (bool test : {false, true}) {  // without and with the samples' test (finite rows: true)
          uint8_t clipped[2] = {};
          std::fill(vrow.begin(), vrow.end(), -1.0f);
          std::fill(irow.begin(), irow.end(), -1.0f);
          ASSERT_TRUE(ConvertPlanar(block, 1, 1, first, count, scale, rows, clipped, test)) << count << " " << pos;
          for (size_t j = 0; j < count; ++j) {
            ASSERT_EQ(vrow[j], (static_cast<float>(v[first + j]) - scale[0].offset) * scale[0].gain) << count << " " << j;
            ASSERT_EQ(irow[j], (static_cast<float>(i[first + j]) - scale[1].offset) * scale[1].gain) << count << " " << j;
          }
          EXPECT_EQ(clipped[0], 0) << "count " << count;  // clip_level 0: off
          EXPECT_EQ(clipped[1] != 0, pos < count && probe != 600.0)
              << "count " << count << " pos " << pos << " probe " << probe << " test " << test;
        }
        if (pos < count) i[first + pos] = keep;
      }
    }
  }
}

TEST_P(FrontendTest, PlanarRowsMatchTheScalarFormula) {
  CheckPlanarRows<float>();
  CheckPlanarRows<double>();
}

// AllFinite and ConvertPlanar with its test (the same test while converting, here from frame 1 on, so
// that the vectors start unaligned) on every target: a NaN or ±Inf at every position of rows
// of many lengths (vector body, single vectors, scalar tail, in a voltage or a current row) is
// found — for float64 rows also values beyond the float32 range the engine computes in; the
// largest, smallest and subnormal float32 values are not flagged.
template <typename Sample>
void CheckFiniteness() {
  using F = std::numeric_limits<float>;
  std::vector<Sample> bad = {std::numeric_limits<Sample>::quiet_NaN(), std::numeric_limits<Sample>::infinity(),
                             -std::numeric_limits<Sample>::infinity()};
  if constexpr (sizeof(Sample) == 8) {
    // From the first value that rounds to Inf as float32 (the midpoint above FLT_MAX) upward.
    const double midpoint = std::ldexp(2.0 - std::ldexp(1.0, -24), 127);
    for (double x : {midpoint, -midpoint, 1e39, -1e39, std::numeric_limits<double>::max(),
                     std::numeric_limits<double>::lowest()}) {
      bad.push_back(x);
    }
  }
  for (size_t n : {1, 3, 15, 16, 17, 63, 64, 65, 100, 257}) {
    std::vector<Sample> v(2 * n), i(3 * n);
    // FLT_MAX, a float64 just below the midpoint above it (rounds to FLT_MAX), −denorm, lowest.
    const double below_mid = sizeof(Sample) == 8 ? std::ldexp(2.0 - std::ldexp(1.0, -23) + std::ldexp(1.0, -30), 127)
                                                 : double{F::max()};
    for (size_t j = 0; j < v.size(); ++j) {
      v[j] = static_cast<Sample>(j % 4 == 0 ? double{F::max()} : j % 4 == 1 ? -double{F::denorm_min()}
                                 : j % 4 == 2 ? below_mid : double{F::lowest()});
    }
    for (size_t j = 0; j < i.size(); ++j) i[j] = static_cast<Sample>(0.5 * static_cast<double>(j));
    const PlanarBlock<Sample> block{v.data(), n, i.data(), n, n};
    const ChannelScale scale[5] = {};
    std::vector<float> out(5 * n);
    float* rows[5];
    for (size_t k = 0; k < 5; ++k) rows[k] = &out[k * n];
    uint8_t clipped[5] = {};
    // Converted from frame `first` on: true if no sample of frames [first, n) is refused.
    auto converted = [&](size_t first) {
      return ConvertPlanar(block, 2, 3, first, n - first, scale, rows, clipped, /*test=*/true);
    };
    ASSERT_TRUE(AllFinite(block, 2, 3)) << n;
    ASSERT_TRUE(converted(0)) << n;
    for (size_t pos = 0; pos < n; ++pos) {
      for (Sample b : bad) {
        std::vector<Sample>& row = pos % 2 ? v : i;
        const size_t at = (pos % 2 ? n : 2 * n) + pos;  // the second voltage / third current row
        const Sample keep = row[at];
        row[at] = b;
        ASSERT_FALSE(AllFinite(block, 2, 3)) << "n " << n << " pos " << pos << " value " << b;
        ASSERT_FALSE(converted(0)) << "n " << n << " pos " << pos << " value " << b;
        ASSERT_EQ(converted(1), pos == 0) << "n " << n << " pos " << pos << " value " << b;
        row[at] = keep;
      }
    }
  }
}

TEST_P(FrontendTest, NonFiniteSamplesAreFoundAnywhere) {
  CheckFiniteness<float>();
  CheckFiniteness<double>();
}

}  // namespace
}  // namespace meterdsp::test
