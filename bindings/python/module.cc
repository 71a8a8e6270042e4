// pybind11 bindings: convert, validate shapes/dtypes, release the GIL, map Status → ValueError.
// Nothing else lives here; semantics are in the C++ core.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "meterdsp/meterdsp.h"

namespace py = pybind11;
using meterdsp::Status;

namespace {

void Check(Status s) {
  if (s != Status::kOk) throw py::value_error(std::string("meterdsp: ") + meterdsp::ToString(s));
}

template <typename T>
using Rows = py::array_t<T, py::array::c_style | py::array::forcecast>;
using F32 = Rows<float>;

template <typename Block>
inline constexpr bool kPlanar = false;  // planar rows (ProcessOnePass), not interleaved frames
template <typename T>
inline constexpr bool kPlanar<meterdsp::PlanarBlock<T>> = true;

// A C-contiguous 2-D view of `obj` as T (float or double): input of that type and C-contiguous
// is used in place; float32 / float64 / int16 / int32 are converted (ints keep their code
// values). 1-D becomes (1, n).
template <typename T>
Rows<T> AsRowsOf(const py::handle& obj, const char* name, size_t* rows, size_t* cols) {
  if (!py::isinstance<py::array>(obj)) {
    throw py::type_error(std::string(name) + " must be a NumPy array");
  }
  py::array a = py::reinterpret_borrow<py::array>(obj);
  const py::dtype dt = a.dtype();
  const char kind = dt.kind();
  const bool ok = (kind == 'f' && (dt.itemsize() == 4 || dt.itemsize() == 8)) ||
                  (kind == 'i' && (dt.itemsize() == 2 || dt.itemsize() == 4));
  if (!ok) {
    throw py::type_error(std::string(name) + " must be float32, float64, int16 or int32, not " +
                         std::string(py::str(py::handle(dt))));
  }
  if (a.ndim() != 1 && a.ndim() != 2) {
    throw py::value_error(std::string(name) + " must be 1-D (n,) or 2-D (channels, n)");
  }
  Rows<T> f = Rows<T>::ensure(a);  // no copy when already of type T and C-contiguous
  if (!f) throw py::type_error(std::string(name) + ": cannot convert to " + (sizeof(T) == 4 ? "float32" : "float64"));
  *rows = a.ndim() == 1 ? 1 : static_cast<size_t>(a.shape(0));
  *cols = static_cast<size_t>(a.shape(a.ndim() - 1));
  return f;
}
F32 AsRows(const py::handle& obj, const char* name, size_t* rows, size_t* cols) {
  return AsRowsOf<float>(obj, name, rows, cols);
}

// A hint for the row-count errors: (n, channels) arrays, as pandas and most file readers give
// them, arrive with rows and columns swapped.
std::string TransposeHint(size_t rows, size_t cols) {
  return rows > cols && cols <= meterdsp::kMaxChannels
             ? " (rows are channels and columns samples: pass the array transposed, a.T)"
             : "";
}

bool IsFloat64(const py::handle& obj) {
  return py::isinstance<py::array>(obj) && py::reinterpret_borrow<py::array>(obj).dtype().kind() == 'f' &&
         py::reinterpret_borrow<py::array>(obj).dtype().itemsize() == 8;
}

std::vector<uint8_t> PhaseOf(const py::object& phase, size_t nv, size_t nc) {
  std::vector<uint8_t> out(nc, 0);
  if (phase.is_none()) {
    for (size_t k = 0; k < nc; ++k) out[k] = static_cast<uint8_t>(nv == nc ? k : 0);
    return out;
  }
  auto p = py::array_t<long long, py::array::c_style | py::array::forcecast>::ensure(phase);
  if (!p || p.ndim() != 1 || static_cast<size_t>(p.shape(0)) != nc) {
    throw py::value_error("phase must be a 1-D integer array with one entry per current row");
  }
  for (size_t k = 0; k < nc; ++k) {
    const long long v = p.at(static_cast<py::ssize_t>(k));
    if (v < 0 || static_cast<size_t>(v) >= nv) {
      throw py::value_error("phase[" + std::to_string(k) + "] = " + std::to_string(v) +
                            " is not a voltage row index (0.." + std::to_string(nv - 1) + ")");
    }
    out[k] = static_cast<uint8_t>(v);
  }
  return out;
}

meterdsp::AngleReference AngleRefOf(const std::string& s) {
  if (s == "v1") return meterdsp::AngleReference::kV1;
  if (s == "phase") return meterdsp::AngleReference::kAssignedPhase;
  throw py::value_error("angle_reference must be 'v1' or 'phase'");
}

template <typename T>
py::array_t<T> Take(const std::vector<const meterdsp::WindowResult*>& rs, size_t width,
                    const T* (*field)(const meterdsp::WindowResult&), bool squeeze) {
  const size_t nw = rs.size();
  py::array_t<T> out(squeeze ? std::vector<size_t>{width} : std::vector<size_t>{nw, width});
  T* dst = out.mutable_data();
  for (size_t w = 0; w < nw; ++w) {
    const T* src = field(*rs[w]);
    for (size_t k = 0; k < width; ++k) dst[w * width + k] = src[k];
  }
  return out;
}

// Results as a dict of arrays: one row per window, or squeezed for a single measurement.
py::dict ToDict(const std::vector<const meterdsp::WindowResult*>& rs, size_t nv, size_t nc,
                bool squeeze) {
  using R = meterdsp::WindowResult;
  py::dict d;
  d["vrms"] = Take<double>(rs, nv, [](const R& r) -> const double* { return r.vrms; }, squeeze);
  d["v_angle_deg"] = Take<double>(rs, nv, [](const R& r) -> const double* { return r.v_angle_deg; }, squeeze);
  d["v_thd_pct"] = Take<double>(rs, nv, [](const R& r) -> const double* { return r.v_thd_pct; }, squeeze);
  d["irms"] = Take<double>(rs, nc, [](const R& r) -> const double* { return r.irms; }, squeeze);
  d["p"] = Take<double>(rs, nc, [](const R& r) -> const double* { return r.p; }, squeeze);
  d["q"] = Take<double>(rs, nc, [](const R& r) -> const double* { return r.q; }, squeeze);
  d["s"] = Take<double>(rs, nc, [](const R& r) -> const double* { return r.s; }, squeeze);
  d["n"] = Take<double>(rs, nc, [](const R& r) -> const double* { return r.n; }, squeeze);
  d["pf"] = Take<double>(rs, nc, [](const R& r) -> const double* { return r.pf; }, squeeze);
  d["dpf"] = Take<double>(rs, nc, [](const R& r) -> const double* { return r.dpf; }, squeeze);
  d["angle_deg"] = Take<double>(rs, nc, [](const R& r) -> const double* { return r.angle_deg; }, squeeze);
  d["thd_pct"] = Take<double>(rs, nc, [](const R& r) -> const double* { return r.i_thd_pct; }, squeeze);
  d["quadrant"] = Take<uint8_t>(rs, nc, [](const R& r) -> const uint8_t* { return r.quadrant; }, squeeze);
  d["flags"] = Take<uint32_t>(rs, nc, [](const R& r) -> const uint32_t* { return r.flags_ch; }, squeeze);
  auto scalar = [&](auto get) {
    using T = decltype(get(*rs[0]));
    py::array_t<T> a(std::vector<size_t>{rs.size()});
    for (size_t w = 0; w < rs.size(); ++w) a.mutable_data()[w] = get(*rs[w]);
    return a;
  };
  if (squeeze) {
    d["frequency"] = rs[0]->frequency_hz;
    d["cycles"] = rs[0]->cycles;
    d["window_flags"] = rs[0]->flags;
    d["start_s"] = rs[0]->start_s;
    d["duration_s"] = rs[0]->duration_s;
  } else {
    d["frequency"] = scalar([](const R& r) { return r.frequency_hz; });
    d["frequency_10s"] = scalar([](const R& r) { return r.frequency_10s_hz; });
    d["cycles"] = scalar([](const R& r) { return r.cycles; });
    d["window_flags"] = scalar([](const R& r) { return r.flags; });
    d["start_s"] = scalar([](const R& r) { return r.start_s; });
    d["duration_s"] = scalar([](const R& r) { return r.duration_s; });
    d["index"] = scalar([](const R& r) { return r.index; });
  }
  return d;
}

double CheckFs(double fs) {
  if (!meterdsp::ValidSampleRate(fs)) {
    throw py::value_error("fs must be in [500, 1e6] Hz, got " + std::to_string(fs));
  }
  return fs;
}

// float64 rows (both v and i) are measured in place by the core's float64 path; anything else
// is read as float32 (in place when it is float32).
// max_order > 0: MeasureHarmonics, with the harmonics' RMS and phases added to the dict.
template <typename T>
py::dict MeasureRows(const py::object& v, const py::object& i, double fs, const py::object& phase,
                     const py::object& nominal_hz, double min_on_current,
                     const std::string& angle_reference, size_t max_order = 0) {
  size_t nv = 0, nvn = 0, nc = 0, ncn = 0;
  Rows<T> va = AsRowsOf<T>(v, "v", &nv, &nvn);
  Rows<T> ia = AsRowsOf<T>(i, "i", &nc, &ncn);
  if (nv < 1 || nv > meterdsp::kMaxVoltages) {
    throw py::value_error("v must have 1..3 rows, got " + std::to_string(nv) + TransposeHint(nv, nvn));
  }
  if (nc > meterdsp::kMaxCurrents) {
    throw py::value_error("i must have at most 92 rows, got " + std::to_string(nc) + TransposeHint(nc, ncn));
  }
  if (nvn != ncn) {
    throw py::value_error("v and i must have the same number of samples (" + std::to_string(nvn) +
                          " vs " + std::to_string(ncn) + ")");
  }
  if (nvn < 2) throw py::value_error("need at least 2 samples");
  meterdsp::MeasureConfig c;
  c.fs_hz = fs;
  c.voltages = nv;
  c.currents = nc;
  const auto ph = PhaseOf(phase, nv, nc);
  std::copy(ph.begin(), ph.end(), c.phase);
  c.nominal_hz = nominal_hz.is_none() ? 0.0 : nominal_hz.cast<double>();
  c.min_on_current = min_on_current;
  c.angle_reference = AngleRefOf(angle_reference);
  meterdsp::WindowResult r;
  Status s;
  const meterdsp::PlanarBlock<T> block{va.data(), nvn, ia.data(), ncn, nvn};
  if (max_order == 0) {
    {
      py::gil_scoped_release release;
      s = meterdsp::Measure(block, c, r);
    }
    Check(s);
    return ToDict({&r}, nv, nc, true);
  }
  py::array_t<double> rms(std::vector<size_t>{nv + nc, max_order}), deg(std::vector<size_t>{nv + nc, max_order});
  {
    py::gil_scoped_release release;
    s = meterdsp::MeasureHarmonics(block, c, max_order, r, rms.mutable_data(), deg.mutable_data());
  }
  Check(s);
  py::dict d = ToDict({&r}, nv, nc, true);
  py::slice volts(0, static_cast<py::ssize_t>(nv), 1), amps(static_cast<py::ssize_t>(nv), static_cast<py::ssize_t>(nv + nc), 1);
  d["v_harmonics_rms"] = rms[volts];
  d["v_harmonics_deg"] = deg[volts];
  d["harmonics_rms"] = rms[amps];
  d["harmonics_deg"] = deg[amps];
  return d;
}

py::dict Harmonics(const py::object& v, const py::object& i, double fs, size_t max_order,
                   const py::object& phase, const py::object& nominal_hz, double min_on_current,
                   const std::string& angle_reference) {
  CheckFs(fs);
  if (max_order < 1 || max_order > meterdsp::kMaxHarmonicOrder) {
    throw py::value_error("max_order must be 1.." + std::to_string(meterdsp::kMaxHarmonicOrder) + ", got " +
                          std::to_string(max_order));
  }
  if (IsFloat64(v) && IsFloat64(i)) {
    return MeasureRows<double>(v, i, fs, phase, nominal_hz, min_on_current, angle_reference, max_order);
  }
  return MeasureRows<float>(v, i, fs, phase, nominal_hz, min_on_current, angle_reference, max_order);
}

py::dict Measure(const py::object& v, const py::object& i, double fs, const py::object& phase,
                 const py::object& nominal_hz, double min_on_current,
                 const std::string& angle_reference) {
  CheckFs(fs);
  if (IsFloat64(v) && IsFloat64(i)) {
    return MeasureRows<double>(v, i, fs, phase, nominal_hz, min_on_current, angle_reference);
  }
  return MeasureRows<float>(v, i, fs, phase, nominal_hz, min_on_current, angle_reference);
}

// One channel's calibration points from 1-D arrays (angles optional, NaN where a point has
// none).
std::vector<meterdsp::CalibrationPoint> PointsFrom(const py::object& frequency_hz, const py::object& measured_rms,
                                                   const py::object& reference_rms,
                                                   const py::object& measured_angle_deg,
                                                   const py::object& reference_angle_deg) {
  using D = py::array_t<double, py::array::c_style | py::array::forcecast>;
  const D f = D::ensure(frequency_hz), m = D::ensure(measured_rms), r = D::ensure(reference_rms);
  if (!f || !m || !r || f.ndim() != 1 || m.ndim() != 1 || r.ndim() != 1) {
    throw py::value_error("frequency_hz, measured_rms and reference_rms must be 1-D numeric arrays");
  }
  const size_t n = static_cast<size_t>(f.shape(0));
  if (static_cast<size_t>(m.shape(0)) != n || static_cast<size_t>(r.shape(0)) != n) {
    throw py::value_error("frequency_hz, measured_rms and reference_rms must have one entry per point");
  }
  if (n == 0 || n > meterdsp::kMaxCalibrationPoints) {
    throw py::value_error("need 1.." + std::to_string(meterdsp::kMaxCalibrationPoints) + " points, got " +
                          std::to_string(n));
  }
  std::vector<meterdsp::CalibrationPoint> pts(n);
  for (size_t k = 0; k < n; ++k) {
    pts[k].frequency_hz = f.at(k);
    pts[k].measured_rms = m.at(k);
    pts[k].reference_rms = r.at(k);
  }
  if (measured_angle_deg.is_none() != reference_angle_deg.is_none()) {
    throw py::value_error("give both measured_angle_deg and reference_angle_deg, or neither");
  }
  if (!measured_angle_deg.is_none()) {
    const D ma = D::ensure(measured_angle_deg), ra = D::ensure(reference_angle_deg);
    if (!ma || !ra || ma.ndim() != 1 || ra.ndim() != 1 || static_cast<size_t>(ma.shape(0)) != n ||
        static_cast<size_t>(ra.shape(0)) != n) {
      throw py::value_error("the angles must be 1-D numeric arrays with one entry per point");
    }
    for (size_t k = 0; k < n; ++k) {
      pts[k].measured_angle_deg = ma.at(k);
      pts[k].reference_angle_deg = ra.at(k);
    }
  }
  return pts;
}

// One channel's calibration fit.
py::dict FitCalibration(const py::object& frequency_hz, const py::object& measured_rms,
                        const py::object& reference_rms, const py::object& measured_angle_deg,
                        const py::object& reference_angle_deg) {
  std::vector<meterdsp::CalibrationPoint> pts =
      PointsFrom(frequency_hz, measured_rms, reference_rms, measured_angle_deg, reference_angle_deg);
  const size_t n = pts.size();
  meterdsp::CalibrationFit fit;
  Check(meterdsp::FitCalibration(pts.data(), n, &fit));
  py::dict d;
  d["gain_factor"] = fit.gain_factor;
  d["delay_us"] = fit.delay_us;
  d["points"] = fit.points;
  d["angle_points"] = fit.angle_points;
  d["max_rms_error_pct"] = fit.max_rms_error_pct;
  d["max_angle_error_deg"] = fit.max_angle_error_deg;
  d["max_rms_error_pct_before"] = fit.max_rms_error_pct_before;
  d["max_angle_error_deg_before"] = fit.max_angle_error_deg_before;
  return d;
}

// calibration["i_table"]: one entry per current, None or rows (amps, gain, phase_deg) with
// amps ascending (meterdsp.calibration.calibrate(..., current_table=True) makes them).
void TablesFrom(const py::object& obj, size_t currents, meterdsp::CurrentTable* out) {
  if (!py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj) ||
      static_cast<size_t>(py::len(obj)) != currents) {
    throw py::value_error("i_table must hold one entry per current (None or rows of amps, gain, phase_deg)");
  }
  const py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
  for (size_t k = 0; k < currents; ++k) {
    out[k] = meterdsp::CurrentTable{};
    if (seq[k].is_none()) continue;
    using D = py::array_t<double, py::array::c_style | py::array::forcecast>;
    const D rows = D::ensure(seq[k]);
    if (!rows || rows.ndim() != 2 || rows.shape(1) != 3 || rows.shape(0) < 1 ||
        static_cast<size_t>(rows.shape(0)) > meterdsp::kMaxTablePoints) {
      throw py::value_error("i_table[" + std::to_string(k) + "] must be 1.." +
                            std::to_string(meterdsp::kMaxTablePoints) + " rows of (amps, gain, phase_deg)");
    }
    out[k].points = static_cast<uint32_t>(rows.shape(0));
    for (py::ssize_t j = 0; j < rows.shape(0); ++j) {
      out[k].amps[j] = static_cast<float>(rows.at(j, 0));
      out[k].gain[j] = static_cast<float>(rows.at(j, 1));
      out[k].phase_deg[j] = static_cast<float>(rows.at(j, 2));
    }
  }
}

// One current channel's table on top of its base fit: rows (amps, gain, phase_deg) and what
// the table leaves.
py::dict FitCurrentTable(const py::object& frequency_hz, const py::object& measured_rms,
                         const py::object& reference_rms, const py::object& measured_angle_deg,
                         const py::object& reference_angle_deg, double gain_factor, double delay_us) {
  std::vector<meterdsp::CalibrationPoint> pts =
      PointsFrom(frequency_hz, measured_rms, reference_rms, measured_angle_deg, reference_angle_deg);
  meterdsp::CalibrationFit base;
  base.gain_factor = gain_factor;
  base.delay_us = delay_us;
  meterdsp::CurrentTable t;
  meterdsp::TableFit after;
  Check(meterdsp::FitCurrentTable(pts.data(), pts.size(), base, &t, &after));
  py::array_t<double> rows({static_cast<py::ssize_t>(t.points), py::ssize_t{3}});
  for (size_t j = 0; j < t.points; ++j) {
    rows.mutable_at(j, 0) = t.amps[j];
    rows.mutable_at(j, 1) = t.gain[j];
    rows.mutable_at(j, 2) = t.phase_deg[j];
  }
  py::dict d;
  d["rows"] = rows;
  d["levels"] = after.levels;
  d["max_rms_error_pct"] = after.max_rms_error_pct;
  d["max_angle_error_deg"] = after.max_angle_error_deg;
  return d;
}

// A channel's (gain, phase_deg) with a fit folded in (ApplyCalibrationFit's checks).
py::tuple ApplyCalibrationFit(double gain_factor, double delay_us, double gain, double skew_us,
                              double phase_deg, double fs, double nominal_hz) {
  meterdsp::CalibrationFit fit;
  fit.gain_factor = gain_factor;
  fit.delay_us = delay_us;
  meterdsp::ChannelCalibration c;
  c.gain = gain;
  c.skew_us = skew_us;
  c.phase_deg = phase_deg;
  Check(meterdsp::ApplyCalibrationFit(fit, fs, nominal_hz, &c));
  return py::make_tuple(c.gain, c.phase_deg);
}

// Streaming meter owning its fixed-size state.
class PyMeter {
 public:
  PyMeter(double fs, size_t voltages, size_t currents, const py::object& phase,
          double nominal_hz, const py::object& min_on_current, double min_voltage,
          const py::dict& cal, const std::string& angle_reference, int adc_bits,
          double energy_quantum_wh, const py::dict& demand, const py::dict& events,
          const py::dict& panel)
      : m_(std::make_unique<meterdsp::Meter>()) {
    CheckFs(fs);
    if (voltages < 1 || voltages > meterdsp::kMaxVoltages) throw py::value_error("voltages must be 1..3");
    if (currents > meterdsp::kMaxCurrents) throw py::value_error("currents must be 0..92");
    auto mc = std::make_unique<meterdsp::MeterConfig>();
    meterdsp::WindowConfig* c = &mc->window;
    c->fs_hz = fs;
    c->nominal_hz = nominal_hz;
    c->voltages = voltages;
    c->currents = currents;
    if (panel.empty()) {
      const auto ph = PhaseOf(phase, voltages, currents);
      std::copy(ph.begin(), ph.end(), c->phase);
    } else {
      panel_ = std::make_unique<meterdsp::PanelConfig>(PanelFrom(panel));
      Check(meterdsp::ApplyPanel(*panel_, *c));
      meterdsp::ApplyPanelDemandGroups(*panel_, mc->demand);
      if (c->voltages != voltages || c->currents != currents) {
        throw py::value_error("panel topology needs " + std::to_string(c->voltages) + " voltages and " +
                              std::to_string(c->currents) + " currents");
      }
    }
    const auto on = PerChannel(min_on_current, currents, "min_on_current");
    for (size_t k = 0; k < currents; ++k) c->min_on_current[k] = on[k];
    c->min_voltage = min_voltage;
    c->angle_reference = AngleRefOf(angle_reference);
    c->adc_bits = adc_bits;
    for (auto item : cal) {
      const std::string key = py::str(item.first);
      if (key == "i_table") {
        TablesFrom(py::reinterpret_borrow<py::object>(item.second), currents, c->current_table);
        continue;
      }
      if (key.size() < 3 || (key.rfind("v_", 0) != 0 && key.rfind("i_", 0) != 0)) {
        throw py::value_error("unknown calibration setting '" + key + "'");
      }
      const bool is_v = key[0] == 'v';
      const std::string what = key.substr(2);
      const size_t n = is_v ? voltages : currents;
      const auto vals = PerChannel(py::reinterpret_borrow<py::object>(item.second), n, key.c_str());
      meterdsp::ChannelCalibration* cc = is_v ? c->voltage_cal : c->current_cal;
      for (size_t k = 0; k < n; ++k) {
        if (what == "gain") cc[k].gain = vals[k];
        else if (what == "offset") cc[k].offset = vals[k];
        else if (what == "skew_us") cc[k].skew_us = vals[k];
        else if (what == "phase_deg") cc[k].phase_deg = vals[k];
        else if (what == "dc_removal") cc[k].dc_removal = vals[k] != 0.0;
        else if (what == "clip_level") cc[k].clip_level = vals[k];
        else throw py::value_error("unknown calibration setting '" + key + "'");
      }
    }
    mc->energy.quantum_wh = energy_quantum_wh;
    DemandFrom(demand, currents, mc->demand);
    EventsFrom(events, voltages, currents, mc->events);
    Check(meterdsp::Init(*mc, *m_));
    config_ = std::move(mc);
  }

  // float64 arrays go to the core's float64 path in place (NumPy's default type: no float32
  // copy of the recording); anything else is read as float32 (in place when it is float32).
  py::dict Process(const py::object& v, const py::object& i) {
    if (IsFloat64(v) && IsFloat64(i)) return ProcessRows<double>(v, i);
    return ProcessRows<float>(v, i);
  }

  template <typename T>
  py::dict ProcessRows(const py::object& v, const py::object& i) {
    size_t nv = 0, nvn = 0, nc = 0, ncn = 0;
    Rows<T> va = AsRowsOf<T>(v, "v", &nv, &nvn);
    Rows<T> ia = AsRowsOf<T>(i, "i", &nc, &ncn);
    const auto& c = m_->window.config;
    if (nv != c.voltages || (nc != c.currents && !(c.currents == 0 && ncn == 0))) {
      throw py::value_error("expected v with " + std::to_string(c.voltages) + " rows and i with " +
                            std::to_string(c.currents) + " rows, got " + std::to_string(nv) +
                            " and " + std::to_string(nc) +
                            (nv != c.voltages ? TransposeHint(nv, nvn) : TransposeHint(nc, ncn)));
    }
    if (nvn != ncn && c.currents > 0) throw py::value_error("v and i must have the same number of samples");
    // One pass over the arrays (ProcessOnePass: each tile's samples are tested for NaN/Inf as
    // they are converted); a bad sample puts the meter back as it was before the call.
    return Chunked(
        nvn,
        [&](size_t first, size_t n) {
          return meterdsp::PlanarBlock<T>{va.data() + first, nvn, ia.data() + first, ncn, n};
        },
        /*may_fail=*/true);
  }

  py::dict ProcessFrames(const py::array& frames) {
    const auto& c = m_->window.config;
    const size_t nch = c.voltages + c.currents;
    if (frames.ndim() != 2 || static_cast<size_t>(frames.shape(1)) != nch) {
      throw py::value_error("frames must be (n, " + std::to_string(nch) + ") = (n, voltages + currents)");
    }
    const py::dtype dt = frames.dtype();
    if (dt.kind() != 'i' || (dt.itemsize() != 2 && dt.itemsize() != 4)) {
      throw py::type_error("frames must be int16 or int32 raw ADC codes");
    }
    const size_t n = static_cast<size_t>(frames.shape(0));
    if (dt.itemsize() == 2) {
      auto a = py::array_t<int16_t, py::array::c_style>::ensure(frames);
      return Chunked(n, [&](size_t first, size_t len) {
        return meterdsp::FrameBlock<int16_t>{a.data() + first * nch, len, nch};
      });
    }
    auto a = py::array_t<int32_t, py::array::c_style>::ensure(frames);
    return Chunked(n, [&](size_t first, size_t len) {
      return meterdsp::FrameBlock<int32_t>{a.data() + first * nch, len, nch};
    });
  }

  void Reset() { Check(meterdsp::Init(*config_, *m_)); }
  size_t voltages() const { return m_->window.config.voltages; }
  size_t currents() const { return m_->window.config.currents; }
  double fs() const { return m_->window.config.fs_hz; }

  py::dict Energy(const std::string& scope, bool lifetime) const {
    const auto& e = m_->energy;
    py::dict d;
    for (size_t r = 0; r < meterdsp::kEnergyRegisterCount; ++r) {
      const auto reg = static_cast<meterdsp::EnergyRegister>(r);
      if (scope == "total") {
        d[meterdsp::EnergyRegisterName(r)] = meterdsp::EnergyWh(e, meterdsp::EnergyScope::kTotal, 0, reg, lifetime);
        continue;
      }
      const bool phase = scope == "phase";
      if (!phase && scope != "channel") throw py::value_error("scope must be 'channel', 'phase' or 'total'");
      const size_t n = phase ? e.voltages : e.currents;
      py::array_t<double> a(n);
      for (size_t k = 0; k < n; ++k) {
        a.mutable_data()[k] = meterdsp::EnergyWh(
            e, phase ? meterdsp::EnergyScope::kPhase : meterdsp::EnergyScope::kChannel, k, reg, lifetime);
      }
      d[meterdsp::EnergyRegisterName(r)] = a;
    }
    return d;
  }

  py::dict EnergyResetTimes() const {
    const auto& e = m_->energy;
    py::dict d;
    d["channel_reset_s"] = Vec(e.channel_reset_s, e.currents);
    d["reset_s"] = e.reset_s;
    return d;
  }

  void ClearEnergyOf(const py::object& channel) {
    const size_t ch = channel.is_none() ? SIZE_MAX : channel.cast<size_t>();
    Check(meterdsp::ClearEnergy(m_->energy, ch, meterdsp::NowSeconds(*m_)));
  }

  void PresetEnergyOf(size_t channel, const std::string& reg, double wh) {
    for (size_t r = 0; r < meterdsp::kEnergyRegisterCount; ++r) {
      if (reg == meterdsp::EnergyRegisterName(r)) {
        Check(meterdsp::PresetEnergy(m_->energy, channel, static_cast<meterdsp::EnergyRegister>(r), wh,
                                     meterdsp::NowSeconds(*m_)));
        return;
      }
    }
    throw py::value_error("unknown energy register '" + reg + "'");
  }

  py::dict Demand() const {
    const auto& s = m_->demand;
    const size_t nc = s.currents;
    py::dict d;
    static const char* const kModes[] = {"block", "sliding", "thermal", "sync"};
    d["mode"] = kModes[static_cast<int>(s.config.mode)];
    d["current"] = Vec(s.present + meterdsp::kDemandCurrent0, nc);
    d["current_max"] = Vec(s.max + meterdsp::kDemandCurrent0, nc);
    d["current_max_time_s"] = Vec(s.max_time_s + meterdsp::kDemandCurrent0, nc);
    d["power"] = Vec(s.present + meterdsp::kDemandPower0, nc);
    d["power_max"] = Vec(s.max + meterdsp::kDemandPower0, nc);
    d["power_max_time_s"] = Vec(s.max_time_s + meterdsp::kDemandPower0, nc);
    d["group_current"] = Vec(s.present + meterdsp::kDemandGroup0, meterdsp::kMaxDemandGroups);
    d["group_current_max"] = Vec(s.max + meterdsp::kDemandGroup0, meterdsp::kMaxDemandGroups);
    d["group_power"] = Vec(s.present + meterdsp::kDemandGroupPower0, meterdsp::kMaxDemandGroups);
    d["group_power_max"] = Vec(s.max + meterdsp::kDemandGroupPower0, meterdsp::kMaxDemandGroups);
    d["max_group_power"] = Vec(s.max_p_group, meterdsp::kMaxDemandGroups);
    const char* tot[3] = {"p_total", "q_total", "s_total"};
    for (size_t j = 0; j < 3; ++j) {
      const size_t q = meterdsp::kDemandPTotal + j;
      d[tot[j]] = s.present[q];
      d[(std::string(tot[j]) + "_max").c_str()] = s.max[q];
      d[(std::string(tot[j]) + "_max_time_s").c_str()] = s.max_time_s[q];
      d[(std::string(tot[j]) + "_predicted").c_str()] = meterdsp::PredictedDemand(s, q);
    }
    py::array_t<double> pred(nc), ipred(nc);
    for (size_t k = 0; k < nc; ++k) {
      pred.mutable_data()[k] = meterdsp::PredictedDemand(s, meterdsp::kDemandPower0 + k);
      ipred.mutable_data()[k] = meterdsp::PredictedDemand(s, meterdsp::kDemandCurrent0 + k);
    }
    d["power_predicted"] = pred;
    d["current_predicted"] = ipred;
    d["partial"] = static_cast<bool>(s.present_partial);
    d["intervals"] = s.intervals;
    d["clock_valid"] = static_cast<bool>(s.clock_valid);
    d["clock_offset_s"] = s.clock_offset_s;
    py::dict snap;
    for (size_t r = 0; r < meterdsp::kEnergyRegisterCount; ++r) {
      py::array_t<double> a(nc);
      for (size_t k = 0; k < nc; ++k) a.mutable_data()[k] = s.snapshot_wh[k][r];
      snap[meterdsp::EnergyRegisterName(r)] = a;
    }
    d["snapshot_wh"] = snap;
    d["snapshot_time_s"] = s.snapshot_time_s;
    d["max_current"] = Vec(s.max_irms, nc);
    d["max_power"] = Vec(s.max_p, nc);
    d["max_power_total"] = s.max_p_total;
    return d;
  }

  py::dict Events() const {
    const auto& s = m_->events;
    const size_t nc = s.currents;
    py::dict d;
    py::array_t<uint16_t> status(nc), vstatus(s.voltages);
    py::array_t<uint16_t> counters(std::vector<size_t>{nc, meterdsp::kEventCounters});
    py::array_t<uint8_t> on(nc);
    for (size_t k = 0; k < nc; ++k) {
      status.mutable_data()[k] = s.status[k];
      on.mutable_data()[k] = s.on_state[k];
      for (size_t j = 0; j < meterdsp::kEventCounters; ++j) {
        counters.mutable_data()[k * meterdsp::kEventCounters + j] = s.counter[k][j];
      }
    }
    for (size_t k = 0; k < s.voltages; ++k) vstatus.mutable_data()[k] = s.v_status[k];
    py::array_t<uint16_t> global(meterdsp::kEventCounters);
    for (size_t j = 0; j < meterdsp::kEventCounters; ++j) global.mutable_data()[j] = s.global_counter[j];
    const meterdsp::EventSummary sum = meterdsp::SummarizeEvents(s);
    d["status"] = status;
    d["counters"] = counters;
    d["global_counters"] = global;
    d["on_state"] = on;
    d["voltage_status"] = vstatus;
    d["latching"] = sum.latching;
    d["nonlatching"] = sum.nonlatching;
    d["recent_latching"] = sum.recent_latching;
    d["recent_nonlatching"] = sum.recent_nonlatching;
    d["in_alarm_latching"] = sum.in_alarm_latching;
    d["in_alarm_nonlatching"] = sum.in_alarm_nonlatching;
    return d;
  }

  void WriteEventStatus(size_t channel, uint16_t value) {
    Check(meterdsp::WriteEventStatus(m_->events, channel, value));
  }

  void Command(const py::object& what) {
    static const std::pair<const char*, meterdsp::Command> kNames[] = {
        {"new_demand_subinterval", meterdsp::Command::kNewDemandSubinterval},
        {"reset_demand", meterdsp::Command::kResetDemand},
        {"clear_energy", meterdsp::Command::kClearEnergy},
        {"clear_maxima", meterdsp::Command::kClearMaxima},
        {"clear_max_demand", meterdsp::Command::kClearMaxDemand},
        {"reset_latched_alarms", meterdsp::Command::kResetLatchedAlarms}};
    if (py::isinstance<py::str>(what)) {
      const std::string name = what.cast<std::string>();
      for (const auto& [n, cmd] : kNames) {
        if (name == n) {
          Check(meterdsp::Execute(*m_, cmd));
          return;
        }
      }
      throw py::value_error("unknown command '" + name + "'");
    }
    const int code = what.cast<int>();
    for (const auto& [n, cmd] : kNames) {
      if (code == static_cast<int>(cmd)) {
        Check(meterdsp::Execute(*m_, cmd));
        return;
      }
    }
    throw py::value_error("unknown command code " + std::to_string(code));
  }

  void SetClock(double wall_s) { Check(meterdsp::SetClock(*m_, wall_s)); }

  // Running changes of a meter without a panel (a panel meter changes through its registers).
  void NoPanelOrThrow(const char* what, const char* registers) const {
    if (panel_) throw py::value_error(std::string(what) + ": this meter has a panel topology; write " + registers +
                                      " with write_point_map");
  }
  void SetCurrentGain(size_t channel, double gain) {
    NoPanelOrThrow("set_current_gain", "its CT size registers (73-118)");
    if (channel >= m_->window.config.currents) {
      throw py::index_error("channel " + std::to_string(channel) + " out of range (" +
                            std::to_string(m_->window.config.currents) + " currents)");
    }
    Check(meterdsp::SetCurrentGain(m_->window, channel, gain));
    config_->window.current_cal[channel].gain = gain;
  }
  void SetPhase(const py::object& phase) {
    NoPanelOrThrow("set_phase", "its user phase registers (62017, 62116-)");
    const meterdsp::WindowConfig& c = m_->window.config;
    if (phase.is_none()) throw py::value_error("phase must be a 1-D integer array with one entry per current row");
    const auto ph = PhaseOf(phase, c.voltages, c.currents);
    Check(meterdsp::SetTopology(*m_, ph.data(), c.frame_column));
    std::copy(ph.begin(), ph.end(), config_->window.phase);
  }

  meterdsp::RegisterContext Context() {
    PanelOrThrow();
    return meterdsp::RegisterContext{m_.get(), config_.get(), panel_.get(), &settings_, last_.get()};
  }

  py::array_t<uint16_t> ReadPointMap(size_t unit, uint32_t first, size_t count) {
    py::array_t<uint16_t> out(count);
    const auto ctx = Context();
    Check(meterdsp::ReadPointMap(ctx, unit, first, count, out.mutable_data()));
    return out;
  }

  void WritePointMap(size_t unit, uint32_t first, const py::object& values) {
    auto a = py::array_t<long long, py::array::c_style | py::array::forcecast>::ensure(values);
    if (!a || a.ndim() != 1) throw py::value_error("values must be a 1-D sequence of register values");
    std::vector<uint16_t> v(static_cast<size_t>(a.shape(0)));
    for (size_t k = 0; k < v.size(); ++k) {
      const long long x = a.at(static_cast<py::ssize_t>(k));
      if (x < -32768 || x > 65535) throw py::value_error("register values must fit 16 bits");
      v[k] = static_cast<uint16_t>(x);
    }
    auto ctx = Context();
    Check(meterdsp::WritePointMap(ctx, unit, first, v.size(), v.data()));
  }

  py::array_t<uint16_t> ReadSunSpec(uint32_t first, size_t count) {
    py::array_t<uint16_t> out(count);
    const auto ctx = Context();
    Check(meterdsp::ReadSunSpec(ctx, first, count, out.mutable_data()));
    return out;
  }

  size_t SunSpecLength() {
    const auto ctx = Context();
    return meterdsp::SunSpecLength(ctx);
  }

  void SetWordOrder(const std::string& order) {
    if (order == "high_first") settings_.order = meterdsp::WordOrder::kHighFirst;
    else if (order == "low_first") settings_.order = meterdsp::WordOrder::kLowFirst;
    else throw py::value_error("word order must be 'high_first' or 'low_first'");
  }

  const meterdsp::PanelConfig& PanelOrThrow() const {
    if (!panel_) throw py::value_error("this meter has no panel topology");
    return *panel_;
  }

  py::dict Topology() const {
    const auto& pc = PanelOrThrow();
    const auto& c = m_->window.config;
    py::dict d;
    py::array_t<int> phase(c.currents), column(c.voltages + c.currents);
    for (size_t k = 0; k < c.currents; ++k) phase.mutable_data()[k] = c.phase[k] == meterdsp::kCurrentOnly ? -1 : c.phase[k];
    for (size_t k = 0; k < c.voltages + c.currents; ++k) column.mutable_data()[k] = c.frame_column[k];
    d["phase"] = phase;
    d["frame_column"] = column;
    d["panels"] = pc.panels;
    return d;
  }

  // Circuit (or mains when circuit == 0) totals of the last completed window, and energy.
  py::dict CircuitReadingOf(size_t panel, size_t circuit) const {
    const auto& pc = PanelOrThrow();
    if (panel >= pc.panels) throw py::value_error("panel out of range");
    if (circuit > meterdsp::kMaxCircuits) throw py::value_error("circuit must be 1..46 (0 = mains)");
    py::dict d;
    meterdsp::WindowResult empty;
    const meterdsp::WindowResult& w = last_ ? *last_ : empty;
    const meterdsp::CircuitReading r = circuit == 0 ? meterdsp::Mains(pc, panel, w)
                                                    : meterdsp::Circuit(pc, panel, circuit, w);
    py::list chs;
    for (size_t j = 0; j < r.channels; ++j) chs.append(r.channel[j]);
    d["channels"] = chs;
    d["p"] = r.p;
    d["q"] = r.q;
    d["s"] = r.s_arith;
    d["s_vector"] = r.s_vector;
    d["pf"] = r.pf;
    d["i_avg"] = r.i_avg;
    py::dict e, life;
    for (size_t reg = 0; reg < meterdsp::kEnergyRegisterCount; ++reg) {
      const auto rg = static_cast<meterdsp::EnergyRegister>(reg);
      e[meterdsp::EnergyRegisterName(reg)] =
          circuit == 0 ? meterdsp::MainsEnergyWh(pc, m_->energy, panel, rg)
                       : meterdsp::CircuitEnergyWh(pc, m_->energy, panel, circuit, rg);
      life[meterdsp::EnergyRegisterName(reg)] =
          circuit == 0 ? meterdsp::MainsEnergyWh(pc, m_->energy, panel, rg, true)
                       : meterdsp::CircuitEnergyWh(pc, m_->energy, panel, circuit, rg, true);
    }
    d["energy"] = e;
    d["energy_lifetime"] = life;
    const size_t g = circuit == 0 ? panel + 1 : meterdsp::CircuitDemandGroup(pc, panel, circuit);
    if (g > 0) {
      const auto& dm = m_->demand;
      py::dict dd;
      dd["power"] = dm.present[meterdsp::kDemandGroupPower0 + g - 1];
      dd["power_max"] = dm.max[meterdsp::kDemandGroupPower0 + g - 1];
      dd["power_max_time_s"] = dm.max_time_s[meterdsp::kDemandGroupPower0 + g - 1];
      dd["current"] = dm.present[meterdsp::kDemandGroup0 + g - 1];
      dd["current_max"] = dm.max[meterdsp::kDemandGroup0 + g - 1];
      dd["power_predicted"] = meterdsp::PredictedDemand(dm, meterdsp::kDemandGroupPower0 + g - 1);
      d["demand"] = dd;
    } else {
      d["demand"] = py::none();
    }
    return d;
  }
  double Now() const { return meterdsp::NowSeconds(*m_); }

  py::bytes SnapshotBytes() const {
    std::string blob(meterdsp::SnapshotSize(), '\0');
    size_t written = 0;
    Check(meterdsp::Snapshot(*m_, reinterpret_cast<uint8_t*>(blob.data()), blob.size(), &written));
    return py::bytes(blob);
  }

  void RestoreBytes(const py::bytes& b) {
    const std::string blob = b;
    Check(meterdsp::Restore(reinterpret_cast<const uint8_t*>(blob.data()), blob.size(), *m_));
  }

 private:
  static std::vector<double> PerChannel(const py::object& obj, size_t n, const char* name) {
    auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(obj);
    if (!a) throw py::type_error(std::string(name) + " must be a number or an array of numbers");
    if (a.ndim() == 0) return std::vector<double>(n, a.at());
    if (a.ndim() != 1 || static_cast<size_t>(a.shape(0)) != n) {
      throw py::value_error(std::string(name) + " must be a scalar or have " + std::to_string(n) + " entries");
    }
    return std::vector<double>(a.data(), a.data() + n);
  }
  // Feeds [0, frames) in chunks of kChunk frames (results do not depend on the cut), so that
  // the result buffer stays proportional to the windows found. `may_fail` (planar input): a
  // call longer than kChunk goes through ProcessOnePass, which tests the samples as it
  // converts them (one pass over arrays larger than the caches instead of two), with a copy of
  // the meter taken before the first chunk: a NaN/Inf found in any chunk puts the meter back
  // as it was before the call, so a failed call changes nothing. The GIL is released
  // throughout.
  template <typename MakeBlock>
  py::dict Chunked(size_t frames, const MakeBlock& make_block, bool may_fail = false) {
    constexpr size_t kChunk = 8192;
    const bool restore = may_fail && frames > kChunk;
    if (restore) {
      if (!before_) before_ = std::make_unique<meterdsp::Meter>();
      *before_ = *m_;
    }
    // Windows are written straight into windows_, which keeps its capacity from call to call:
    // a fresh buffer per call (6.5 KB a window) costs its page faults on every call, about 120
    // for 10 s of input (the results are copied into NumPy arrays below).
    std::vector<meterdsp::WindowResult>& all = windows_;
    const size_t most = meterdsp::MaxWindowsPerBlock(m_->window, frames) +
                        meterdsp::MaxWindowsPerBlock(m_->window, kChunk);
    if (all.capacity() > kKeptWindows && most <= kKeptWindows) all = std::vector<meterdsp::WindowResult>();
    all.resize(std::max(all.size(), most));
    size_t found = 0;
    Status s = Status::kOk;
    {
      py::gil_scoped_release release;
      for (size_t first = 0; first < frames && s == Status::kOk; first += kChunk) {
        const size_t len = std::min(kChunk, frames - first), need = meterdsp::MaxWindowsPerBlock(m_->window, len);
        if (all.size() - found < need) all.resize(found + need);  // not expected: `most` covers the call
        size_t done = 0;
        const auto block = make_block(first, len);
        if constexpr (kPlanar<std::decay_t<decltype(block)>>) {
          s = restore ? meterdsp::ProcessOnePass(*m_, block, all.data() + found, all.size() - found, &done, *before_)
                      : meterdsp::Process(*m_, block, all.data() + found, all.size() - found, &done);
        } else {
          s = meterdsp::Process(*m_, block, all.data() + found, all.size() - found, &done);
        }
        found += done;
      }
    }
    if (s != Status::kOk && restore) *m_ = *before_;
    Check(s);
    if (found) last_ = std::make_unique<meterdsp::WindowResult>(all[found - 1]);
    return Results(all, found);
  }

  py::dict Results(const std::vector<meterdsp::WindowResult>& out, size_t done) const {
    std::vector<const meterdsp::WindowResult*> rs;
    for (size_t w = 0; w < done; ++w) rs.push_back(&out[w]);
    const auto& cfg = m_->window.config;
    return ToDict(rs, cfg.voltages, cfg.currents, false);  // no windows: columns of shape (0, n)
  }

  static py::array_t<double> Vec(const double* p, size_t n) {
    py::array_t<double> a(n);
    std::copy(p, p + n, a.mutable_data());
    return a;
  }

  static void DemandFrom(const py::dict& d, size_t currents, meterdsp::DemandConfig& c) {
    for (auto item : d) {
      const std::string key = py::str(item.first);
      const py::object v = py::reinterpret_borrow<py::object>(item.second);
      if (key == "mode") {
        const std::string m = v.cast<std::string>();
        if (m == "block") c.mode = meterdsp::DemandMode::kBlock;
        else if (m == "sliding") c.mode = meterdsp::DemandMode::kSliding;
        else if (m == "thermal") c.mode = meterdsp::DemandMode::kThermal;
        else if (m == "sync") c.mode = meterdsp::DemandMode::kSyncToComms;
        else throw py::value_error("demand mode must be 'block', 'sliding', 'thermal' or 'sync'");
      } else if (key == "subinterval_s") {
        c.subinterval_s = v.cast<double>();
      } else if (key == "subintervals") {
        const long n = v.cast<long>();
        if (n < 1 || n > 60) throw py::value_error("demand subintervals must be 1..60");
        c.subintervals = static_cast<uint32_t>(n);
      } else if (key == "clock_aligned") {
        c.clock_aligned = v.cast<bool>();
      } else if (key == "groups") {
        const auto g = PerChannel(v, currents, "demand groups");
        for (size_t k = 0; k < currents; ++k) {
          if (g[k] < 0 || g[k] > 16 || g[k] != std::floor(g[k])) {
            throw py::value_error("demand groups must be integers 0..16");
          }
          c.group[k] = static_cast<uint8_t>(g[k]);
        }
      } else {
        throw py::value_error("unknown demand setting '" + key + "'");
      }
    }
  }

  static void EventsFrom(const py::dict& d, size_t voltages, size_t currents, meterdsp::EventConfig& c) {
    static const char* const kLevels[4] = {"hh", "h", "l", "ll"};
    for (auto item : d) {
      const std::string key = py::str(item.first);
      const py::object v = py::reinterpret_borrow<py::object>(item.second);
      if (key == "quantity") {
        static const char* const kQ[] = {"current", "voltage", "p", "q", "pf", "frequency", "thd"};
        const std::string q = v.cast<std::string>();
        int found = -1;
        for (int j = 0; j < 7; ++j) if (q == kQ[j]) found = j;
        if (found < 0) throw py::value_error("event quantity must be one of current, voltage, p, q, pf, frequency, thd");
        for (size_t k = 0; k < currents; ++k) c.channel[k].quantity = static_cast<meterdsp::EventQuantity>(found);
        continue;
      }
      if (key.rfind("v_", 0) == 0) {
        const auto vals = PerChannel(v, voltages, key.c_str());
        for (size_t k = 0; k < voltages; ++k) {
          auto& vc = c.voltage[k];
          if (key == "v_over") vc.over_v = vals[k];
          else if (key == "v_under") vc.under_v = vals[k];
          else if (key == "v_timer_s") vc.timer_s = vals[k];
          else if (key == "v_hysteresis_pct") vc.hysteresis_pct = vals[k];
          else throw py::value_error("unknown event setting '" + key + "'");
        }
        continue;
      }
      const auto vals = PerChannel(v, currents, key.c_str());
      for (size_t k = 0; k < currents; ++k) {
        auto& ch = c.channel[k];
        bool known = true;
        if (key == "absolute") ch.absolute = vals[k] != 0.0;
        else if (key == "breaker" || key == "base") ch.base = vals[k];
        else if (key == "nl_high") ch.nl_high = vals[k];
        else if (key == "nl_low") ch.nl_low = vals[k];
        else if (key == "hysteresis_pct") ch.hysteresis_pct = vals[k];
        else if (key == "on_time_s") ch.on_time_s = vals[k];
        else if (key == "off_time_s") ch.off_time_s = vals[k];
        else {
          known = false;
          for (int l = 0; l < 4; ++l) {
            if (key == kLevels[l]) ch.level[l] = vals[k], known = true;
            if (key == std::string("delay_") + kLevels[l] + "_s") ch.delay_s[l] = vals[k], known = true;
          }
        }
        if (!known) throw py::value_error("unknown event setting '" + key + "'");
      }
    }
  }

  static meterdsp::PanelConfig PanelFrom(const py::dict& d) {
    meterdsp::PanelConfig pc;
    for (auto item : d) {
      const std::string key = py::str(item.first);
      const py::object v = py::reinterpret_borrow<py::object>(item.second);
      if (key == "panels") {
        const long n = v.cast<long>();
        if (n < 1 || n > 2) throw py::value_error("panels must be 1 or 2");
        pc.panels = static_cast<size_t>(n);
      } else if (key == "layout") {
        const auto names = v.cast<std::vector<std::string>>();
        if (names.size() > meterdsp::kMaxPanels) throw py::value_error("layout: one name per panel");
        for (size_t p = 0; p < names.size(); ++p) {
          const std::string& n = names[p];
          if (n == "top") pc.layout[p] = meterdsp::StripLayout::kTopFeed;
          else if (n == "bottom") pc.layout[p] = meterdsp::StripLayout::kBottomFeed;
          else if (n == "sequential") pc.layout[p] = meterdsp::StripLayout::kSequential;
          else if (n == "odd_even") pc.layout[p] = meterdsp::StripLayout::kOddEven;
          else throw py::value_error("layout must be 'top', 'bottom', 'sequential' or 'odd_even'");
        }
      } else if (key == "strip_size") {
        const long n = v.cast<long>();
        if (n != 12 && n != 18 && n != 21) throw py::value_error("strip_size must be 12, 18 or 21");
        pc.strip_size = static_cast<uint8_t>(n);
      } else if (key == "wiring") {
        const std::string w = v.cast<std::string>();
        if (w == "wye") pc.wiring = meterdsp::Wiring::kWye;
        else if (w == "split_phase") pc.wiring = meterdsp::Wiring::kSplitPhase;
        else if (w == "single_phase") pc.wiring = meterdsp::Wiring::kSinglePhase;
        else if (w == "delta") pc.wiring = meterdsp::Wiring::kDelta;
        else throw py::value_error("wiring must be 'wye', 'split_phase', 'single_phase' or 'delta'");
      } else if (key == "phase" || key == "circuits") {
        auto a = py::array_t<long long, py::array::c_style | py::array::forcecast>::ensure(v);
        const size_t cols = key == "phase" ? 45 : meterdsp::kPanelChannels;
        if (!a || a.ndim() != 2 || static_cast<size_t>(a.shape(1)) != cols || a.shape(0) < 1 ||
            a.shape(0) > 2) {
          throw py::value_error(key + " must be an integer array (panels, " + std::to_string(cols) + ")");
        }
        for (py::ssize_t p = 0; p < a.shape(0); ++p) {
          for (size_t ch = 0; ch < cols; ++ch) {
            const long long x = a.at(p, static_cast<py::ssize_t>(ch));
            if (x < 0 || x > 255) throw py::value_error(key + " values out of range");
            (key == "phase" ? pc.phase : pc.circuit)[p][ch] = static_cast<uint8_t>(x);
          }
        }
        if (key == "phase") pc.user_phase = true;
      } else {
        throw py::value_error("unknown panel setting '" + key + "'");
      }
    }
    return pc;
  }

  std::unique_ptr<meterdsp::Meter> m_;
  std::unique_ptr<meterdsp::Meter> before_;  // the meter before a multi-chunk call (restored on error)
  static constexpr size_t kKeptWindows = 1024;  // windows_ is released after a call that needed more
  std::vector<meterdsp::WindowResult> windows_;  // where a call collects its windows (kept, see Chunked)
  std::unique_ptr<meterdsp::MeterConfig> config_;
  std::unique_ptr<meterdsp::PanelConfig> panel_;
  std::unique_ptr<meterdsp::WindowResult> last_;
  meterdsp::RegisterSettings settings_;
};

}  // namespace

PYBIND11_MODULE(_core, mod) {
  mod.doc() = "meterdsp C++ core (use the meterdsp package, not this module)";
  mod.attr("__version__") = METERDSP_VERSION;
  mod.def("simd_target", [] { return std::string(meterdsp::SimdTarget()); },
          "Name of the SIMD target the dispatcher selects on this CPU, e.g. 'AVX3'.");
  mod.def("_input_address", [](const py::object& a, bool float64) {
            size_t r = 0, c = 0;
            return float64 ? reinterpret_cast<uintptr_t>(AsRowsOf<double>(a, "a", &r, &c).data())
                           : reinterpret_cast<uintptr_t>(AsRows(a, "a", &r, &c).data());
          }, py::arg("a"), py::arg("float64") = false,
          "Test hook: address of the float32 (float64: of the float64) data the core would read for `a`.");
  mod.def("measure", &Measure, py::arg("v"), py::arg("i"), py::arg("fs"), py::kw_only(),
          py::arg("phase") = py::none(), py::arg("nominal_hz") = py::none(),
          py::arg("min_on_current") = 0.0, py::arg("angle_reference") = "v1");
  mod.def("harmonics", &Harmonics, py::arg("v"), py::arg("i"), py::arg("fs"), py::kw_only(),
          py::arg("max_order") = 40, py::arg("phase") = py::none(), py::arg("nominal_hz") = py::none(),
          py::arg("min_on_current") = 0.0, py::arg("angle_reference") = "v1");
  mod.def("fit_calibration", &FitCalibration, py::arg("frequency_hz"), py::arg("measured_rms"),
          py::arg("reference_rms"), py::arg("measured_angle_deg") = py::none(),
          py::arg("reference_angle_deg") = py::none());
  mod.def("fit_current_table", &FitCurrentTable, py::arg("frequency_hz"), py::arg("measured_rms"),
          py::arg("reference_rms"), py::arg("measured_angle_deg"), py::arg("reference_angle_deg"),
          py::arg("gain_factor"), py::arg("delay_us"));
  mod.def("apply_calibration_fit", &ApplyCalibrationFit, py::arg("gain_factor"), py::arg("delay_us"),
          py::arg("gain"), py::arg("skew_us"), py::arg("phase_deg"), py::arg("fs"), py::arg("nominal_hz"));
  py::class_<PyMeter>(mod, "Meter")
      .def(py::init<double, size_t, size_t, const py::object&, double, const py::object&, double,
                    const py::dict&, const std::string&, int, double, const py::dict&, const py::dict&,
                    const py::dict&>(),
           py::arg("fs"), py::arg("voltages"), py::arg("currents"), py::kw_only(),
           py::arg("phase") = py::none(), py::arg("nominal_hz") = 50.0,
           py::arg("min_on_current") = 0.05, py::arg("min_voltage") = 1.0,
           py::arg("calibration") = py::dict(), py::arg("angle_reference") = "v1",
           py::arg("adc_bits") = 24, py::arg("energy_quantum_wh") = 0.001,
           py::arg("demand") = py::dict(), py::arg("events") = py::dict(),
           py::arg("panel") = py::dict())
      .def("process", &PyMeter::Process, py::arg("v"), py::arg("i"))
      .def("process_frames", &PyMeter::ProcessFrames, py::arg("frames"))
      .def("reset", &PyMeter::Reset)
      .def("energy", &PyMeter::Energy, py::arg("scope") = "channel", py::arg("lifetime") = false)
      .def("energy_reset_times", &PyMeter::EnergyResetTimes)
      .def("clear_energy", &PyMeter::ClearEnergyOf, py::arg("channel") = py::none())
      .def("preset_energy", &PyMeter::PresetEnergyOf, py::arg("channel"), py::arg("register"), py::arg("wh"))
      .def("demand", &PyMeter::Demand)
      .def("events", &PyMeter::Events)
      .def("write_event_status", &PyMeter::WriteEventStatus, py::arg("channel"), py::arg("value"))
      .def("command", &PyMeter::Command, py::arg("command"))
      .def("set_clock", &PyMeter::SetClock, py::arg("wall_s"))
      .def("set_current_gain", &PyMeter::SetCurrentGain, py::arg("channel"), py::arg("gain"))
      .def("set_phase", &PyMeter::SetPhase, py::arg("phase"))
      .def("topology", &PyMeter::Topology)
      .def("circuit", &PyMeter::CircuitReadingOf, py::arg("panel"), py::arg("circuit"))
      .def("read_point_map", &PyMeter::ReadPointMap, py::arg("unit"), py::arg("first"), py::arg("count"))
      .def("write_point_map", &PyMeter::WritePointMap, py::arg("unit"), py::arg("first"), py::arg("values"))
      .def("read_sunspec", &PyMeter::ReadSunSpec, py::arg("first"), py::arg("count"))
      .def("sunspec_length", &PyMeter::SunSpecLength)
      .def("set_word_order", &PyMeter::SetWordOrder, py::arg("order"))
      .def_property_readonly("now_s", &PyMeter::Now)
      .def("snapshot", &PyMeter::SnapshotBytes)
      .def("restore", &PyMeter::RestoreBytes, py::arg("blob"))
      .def_property_readonly("voltages", &PyMeter::voltages)
      .def_property_readonly("currents", &PyMeter::currents)
      .def_property_readonly("fs", &PyMeter::fs);
  py::dict flags;
  flags["INCOMPLETE"] = static_cast<uint32_t>(meterdsp::kFlagIncomplete);
  flags["CLIPPED"] = static_cast<uint32_t>(meterdsp::kFlagClipped);
  flags["FREQ_OUT_OF_RANGE"] = static_cast<uint32_t>(meterdsp::kFlagFreqOutOfRange);
  flags["NO_VOLTAGE"] = static_cast<uint32_t>(meterdsp::kFlagNoVoltage);
  flags["BELOW_MIN_CURRENT"] = static_cast<uint32_t>(meterdsp::kFlagBelowMinCurrent);
  flags["SETTLING"] = static_cast<uint32_t>(meterdsp::kFlagSettling);
  mod.attr("FLAGS") = flags;
}
