"""meterdsp — metering DSP on NumPy arrays (true RMS, P, Q1, S, N, PF, DPF, angles, frequency).

Quick use::

    import numpy as np, meterdsp
    m = meterdsp.measure(v, i, fs=2560)          # one block, whole cycles
    m.p, m.q, m.pf, m.frequency

    meter = meterdsp.Meter(2560, voltages=3, currents=92)
    w = meter.process(v_block, i_block)          # windows completed in this block
    w.p.shape == (len(w), 92)

Notebook tools (imported on use): ``meterdsp.plot`` (matplotlib Figures), ``meterdsp.recordings``
(COMTRADE / CSV / NPZ in), ``.to_dataframe()`` on results and :class:`Recorder` (pandas, units in
column names), ``meterdsp.fleet`` (many recordings on Dask). ``meterdsp.accuracy``: the IEC
62053 harness. ``meterdsp.calibration``: gains and phase corrections fitted to a reference.

Definitions (signs, Q1, windows, flags): docs/measurement.md in the source tree.
"""
from __future__ import annotations

import numpy as _np
import numpy.typing as _npt

from . import _core
from ._core import FLAGS, __version__, simd_target
from .tables import Recorder, Table, windows_to_dataframe as _windows_to_dataframe

__all__ = ["measure", "harmonics", "Harmonics", "Meter", "Panel", "Measurement", "Windows", "simd_target", "FLAGS",
           "flag_names", "ENERGY_REGISTERS", "COMMANDS", "EVENT_BITS", "__version__", "Recorder",
           "Table"]

_PER_CHANNEL = ("irms", "p", "q", "s", "n", "pf", "dpf", "angle_deg", "thd_pct", "quadrant",
                "flags")


def _array(x):
    """x as a NumPy array: arrays as they are (read in place), other array-likes (lists,
    pandas Series, ...) through numpy.asarray, so that the core's dtype and shape checks apply."""
    return x if isinstance(x, _np.ndarray) else _np.asarray(x)


def flag_names(mask: int) -> list[str]:
    """Names of the quality flags set in ``mask`` (see ``FLAGS``)."""
    return [name for name, bit in FLAGS.items() if int(mask) & bit]


class _Results:
    def __init__(self, fields: dict):
        self.__dict__.update(fields)  # as setattr per field (no field is a property), faster
        self._fields = tuple(fields)

    def as_dict(self) -> dict:
        """The fields as a plain dict of NumPy arrays / numbers."""
        return {k: getattr(self, k) for k in self._fields}


class Measurement(_Results):
    """Result of :func:`measure`: ``vrms``, ``v_angle_deg``, ``v_thd_pct`` (nv,); ``irms``,
    ``p``, ``q``, ``s``, ``n``, ``pf``, ``dpf``, ``angle_deg``, ``thd_pct``, ``quadrant``,
    ``flags`` (nc,);
    ``frequency`` (Hz), ``cycles``, ``window_flags``, ``start_s``, ``duration_s``."""

    def __repr__(self) -> str:
        return (f"Measurement({len(self.vrms)} V, {len(self.irms)} I, "
                f"f={self.frequency:.4f} Hz over {self.cycles} cycles, "
                f"P total={float(_np.sum(self.p)):.6g} W)")

    def to_dataframe(self):
        """pandas DataFrame, one row per current channel (index ``channel``), columns with
        units (``p [W]``, ``irms [A]`` …); window-level values in ``df.attrs``."""
        fields = {k: getattr(self, k) for k in _PER_CHANNEL}
        df = Table(fields).to_dataframe(channels=len(_np.atleast_1d(self.irms)))
        df.attrs.update(vrms=_np.atleast_1d(self.vrms).tolist(), frequency=self.frequency,
                        cycles=self.cycles, start_s=self.start_s, duration_s=self.duration_s)
        return df


class Windows(_Results):
    """Windows completed by one :meth:`Meter.process` call: the fields of
    :class:`Measurement` with one row per window, plus ``frequency``, ``frequency_10s``,
    ``cycles``, ``window_flags``, ``start_s``, ``duration_s`` and ``index`` per window."""

    def __len__(self) -> int:
        return len(self.frequency)

    def __repr__(self) -> str:
        return f"Windows({len(self)} windows × {self.irms.shape[1]} currents)"

    def to_dataframe(self, clock_offset_s: float | None = None):
        """pandas DataFrame, one row per (window, current channel), indexed by the window's
        start — sample time in s, or UTC clock time when ``clock_offset_s`` (wall time minus
        sample time, e.g. ``meter.demand()["clock_offset_s"]``) is given; columns with units."""
        return _windows_to_dataframe(self, clock_offset_s)


def measure(v: _npt.ArrayLike, i: _npt.ArrayLike, fs: float, *,
            phase: _npt.ArrayLike | None = None, nominal_hz: float | None = None,
            min_on_current: float = 0.0, angle_reference: str = "v1") -> Measurement:
    """Measure one block over the largest whole number of fundamental cycles.

    v: (n,) or (nv, n) voltages; i: (n,) or (nc, n) currents. float32 / float64 in
    engineering units, or int16 / int32 raw codes (results then in code units).
    C-contiguous float32 or float64 input (v and i of the same type) is read in place; lists
    and other array-likes go through numpy.asarray. phase: (nc,) voltage row of each current
    (default: row k when nv == nc, else row 0). nominal_hz: 50, 60 or None (nearest).
    Raises TypeError / ValueError on bad input. The GIL is released while computing.
    """
    return Measurement(_core.measure(_array(v), _array(i), float(fs), phase=phase,
                                     nominal_hz=nominal_hz, min_on_current=float(min_on_current),
                                     angle_reference=angle_reference))


class Harmonics(Measurement):
    """Result of :func:`harmonics`: every field of :class:`Measurement`, plus
    ``harmonics_rms`` / ``harmonics_deg`` (nc, max_order) and ``v_harmonics_rms`` /
    ``v_harmonics_deg`` (nv, max_order): column h − 1 is order h (RMS in the channel's unit;
    phase of the sine in degrees relative to the reference voltage's fundamental, NaN at zero
    amplitude and at or above Nyquist). ``orders`` is 1..max_order."""

    @property
    def orders(self):
        """The harmonic orders 1..max_order (the columns of the harmonics arrays)."""
        return _np.arange(1, self.harmonics_rms.shape[1] + 1)

    def thd_h_pct(self, max_order: int | None = None):
        """Harmonic distortion from orders 2..max_order (default: all computed) in % of the
        fundamental, per current: IEC 61000-4-7's THD, which leaves out interharmonics and noise
        (``thd_pct`` counts them). :meth:`v_thd_h_pct` gives the voltages'."""
        return _thd_h(self.harmonics_rms, max_order)

    def v_thd_h_pct(self, max_order: int | None = None):
        """As :meth:`thd_h_pct`, per voltage."""
        return _thd_h(self.v_harmonics_rms, max_order)

    def to_dataframe(self, harmonics: bool = False):
        """As :meth:`Measurement.to_dataframe`; with ``harmonics=True`` instead one row per
        (channel, order) with ``rms`` and ``phase [deg]``, voltages as channels V1.. and currents
        as I1.."""
        if not harmonics:
            return super().to_dataframe()
        import pandas as pd
        frames = []
        for prefix, rms, deg in (("V", self.v_harmonics_rms, self.v_harmonics_deg),
                                 ("I", self.harmonics_rms, self.harmonics_deg)):
            for k in range(rms.shape[0]):
                frames.append(pd.DataFrame({"channel": f"{prefix}{k + 1}", "order": self.orders,
                                            "rms": rms[k], "phase [deg]": deg[k]}))
        return pd.concat(frames).set_index(["channel", "order"])

    def __repr__(self) -> str:
        return (f"Harmonics({len(self.vrms)} V, {len(self.irms)} I, orders 1..{len(self.orders)}, "
                f"f={self.frequency:.4f} Hz over {self.cycles} cycles)")


def _thd_h(rms, max_order):
    top = rms.shape[1] if max_order is None else int(max_order)
    if not 2 <= top <= rms.shape[1]:
        raise ValueError(f"max_order must be 2..{rms.shape[1]}, got {max_order}")
    h = _np.nan_to_num(rms[:, 1:top])
    with _np.errstate(invalid="ignore", divide="ignore"):
        return 100 * _np.sqrt(_np.sum(h * h, axis=1)) / rms[:, 0]


def harmonics(v: _npt.ArrayLike, i: _npt.ArrayLike, fs: float, *, max_order: int = 40,
              phase: _npt.ArrayLike | None = None, nominal_hz: float | None = None,
              min_on_current: float = 0.0, angle_reference: str = "v1") -> Harmonics:
    """:func:`measure` plus the harmonics 1..max_order (≤ 50) of every channel over the same
    whole cycles (C++ ``MeasureHarmonics``: one pass over the rows per order below Nyquist,
    each about 0.7× the time of :func:`measure`). Arguments and errors as :func:`measure`."""
    return Harmonics(_core.harmonics(_array(v), _array(i), float(fs), max_order=int(max_order),
                                     phase=phase, nominal_hz=nominal_hz,
                                     min_on_current=float(min_on_current),
                                     angle_reference=angle_reference))


ENERGY_REGISTERS = ("wh_import", "wh_export", "varh_q1", "varh_q2", "varh_q3", "varh_q4",
                    "vah_import", "vah_export")
COMMANDS = {"new_demand_subinterval": 26012, "reset_demand": 26013, "clear_energy": 10203,
            "clear_maxima": 29877, "clear_max_demand": 20097, "reset_latched_alarms": 31010}
EVENT_BITS = {"HH": 1 << 0, "H": 1 << 1, "L": 1 << 2, "LL": 1 << 3, "OFF": 1 << 4,
              "NL_HIGH": 1 << 8, "NL_LOW": 1 << 9}


class Meter:
    """Streaming meter: the whole chain — cycle-synchronous 10/12-cycle windows, four-quadrant
    energy, demand, and over/under events — on a continuous stream.

    Meter(fs, voltages, currents, *, phase=None, nominal_hz=50, min_on_current=0.05,
          min_voltage=1.0, calibration=None, angle_reference="v1", adc_bits=24,
          energy_quantum_wh=0.001, demand=None, events=None)

    calibration: dict of per-channel settings, each a scalar or one value per channel:
    ``v_gain, v_offset, v_skew_us, v_phase_deg, v_dc_removal, v_clip_level`` and the same
    with ``i_`` for currents. Raw codes are scaled as (code − offset) · gain. ``i_table``: per
    current None or rows (amps, gain, phase_deg), a current-dependent correction
    (``meterdsp.calibration.calibrate(..., current_table=True)`` fits them).

    demand: ``mode`` ("block", "sliding", "thermal", "sync"), ``subinterval_s`` (10–32767 s;
    10–3600 s clock-aligned), ``subintervals`` (1–60, sliding/sync), ``clock_aligned``,
    ``groups`` (per current: 0 or a current-averaging group 1..16). Default: 15-min block.

    events: per channel (scalar or one per current): ``breaker`` (A; 0 disables),
    ``hh, h, l, ll`` (% of breaker, 0.1 % steps; 0 disables), ``delay_hh_s`` … ``delay_ll_s``,
    ``nl_high, nl_low, hysteresis_pct, on_time_s, off_time_s``, ``absolute`` (thresholds in
    the quantity's unit), ``quantity`` ("current", "voltage", "p", "q", "pf", "frequency", "thd" —
    the current's distortion in %, with ``absolute``);
    per voltage: ``v_over, v_under`` (V; 0 disables), ``v_timer_s, v_hysteresis_pct``.
    Defaults: the reference device's (20 A breaker, 70/60/7.5/2.5 %, 10 s, NL 60/5 %, 5 %).
    """

    def __init__(self, fs: float, voltages: int, currents: int, *,
                 phase: _npt.ArrayLike | None = None, nominal_hz: float = 50,
                 min_on_current: float | _npt.ArrayLike = 0.05, min_voltage: float = 1.0,
                 calibration: dict | None = None, angle_reference: str = "v1",
                 adc_bits: int = 24, energy_quantum_wh: float = 0.001,
                 demand: dict | None = None, events: dict | None = None, _panel=None):
        self._m = _core.Meter(float(fs), int(voltages), int(currents), phase=phase,
                              nominal_hz=float(nominal_hz), min_on_current=min_on_current,
                              min_voltage=float(min_voltage), calibration=dict(calibration or {}),
                              angle_reference=angle_reference, adc_bits=int(adc_bits),
                              energy_quantum_wh=float(energy_quantum_wh),
                              demand=dict(demand or {}), events=dict(events or {}),
                              panel=dict(_panel or {}))

    @property
    def fs(self) -> float:
        """Sample rate [Hz]."""
        return self._m.fs

    @property
    def voltages(self) -> int:
        """Number of voltage inputs."""
        return self._m.voltages

    @property
    def currents(self) -> int:
        """Number of current channels."""
        return self._m.currents

    @property
    def now_s(self) -> float:
        """Sample time (s) at the end of the last completed window."""
        return self._m.now_s

    def process(self, v: _npt.ArrayLike, i: _npt.ArrayLike) -> Windows:
        """Feed planar blocks v (voltages, n) [V] and i (currents, n) [A]; float or int.
        C-contiguous float32 or float64 arrays (both the same type) are read in place, others
        converted to float32 (lists and other array-likes through numpy.asarray). Any length:
        the core gets 512-frame chunks, each checked for NaN/Inf just before it is used.
        Returns the windows completed in this block. On error (shape, dtype, NaN/Inf
        anywhere) the state is unchanged."""
        return Windows(self._m.process(_array(v), _array(i)))

    def process_frames(self, frames: _npt.NDArray) -> Windows:
        """Feed interleaved raw frames (n, voltages + currents), int16 or int32,
        voltages first. Returns the windows completed in this block."""
        return Windows(self._m.process_frames(frames))

    def reset(self) -> None:
        """Restart at sample 0 with the same configuration (all registers cleared)."""
        self._m.reset()

    def energy(self, scope: str = "channel", lifetime: bool = False) -> Table:
        """Energy registers in Wh / varh / VAh: a dict of ``ENERGY_REGISTERS`` names → arrays
        over channels (scope "channel"), over voltage phases ("phase") or floats ("total").
        lifetime=True gives the never-cleared copies."""
        return self._table(self._m.energy(scope, bool(lifetime)))

    def energy_reset_times(self) -> dict:
        """Sample time of each channel's last clear/preset, and of the last clear of all."""
        return self._m.energy_reset_times()

    def clear_energy(self, channel=None) -> None:
        """Clear the resettable registers of one channel (or all); lifetime copies stay."""
        self._m.clear_energy(channel)

    def preset_energy(self, channel: int, register: str, wh: float) -> None:
        """Preset a resettable register, e.g. to match a utility meter."""
        self._m.preset_energy(int(channel), register, float(wh))

    def demand(self) -> Table:
        """Present / predicted / maximum demand (with the sample time of each maximum) of
        current and power per channel, group currents and P/Q/S totals; energy snapshot at
        the last sub-interval end; maxima of instantaneous current and power."""
        return self._table(self._m.demand())

    def events(self) -> Table:
        """Event status per channel (bits: ``EVENT_BITS``), counters (HH, H, L, LL, OFF) per
        channel and global, voltage status, and the global summary registers."""
        return self._table(self._m.events())

    def _table(self, fields: dict) -> Table:
        d = fields if "clock_valid" in fields else self._m.demand()
        return Table(fields, time_s=self._m.now_s,
                     clock_offset_s=d["clock_offset_s"] if d["clock_valid"] else None)

    def write_event_status(self, channel: int, value: int) -> None:
        """Write a channel's status: latching bits written as 0 are cleared."""
        self._m.write_event_status(int(channel), int(value))

    def command(self, command) -> None:
        """Carry out a reference-device command, by name (``COMMANDS``) or code."""
        self._m.command(command)

    def set_clock(self, wall_s: float) -> None:
        """Set the wall clock (e.g. Unix seconds) at the present sample time; starts
        clock-aligned demand."""
        self._m.set_clock(float(wall_s))

    def set_current_gain(self, channel: int, gain: float) -> None:
        """Change current `channel`'s gain (code or input unit → amperes, e.g. after a CT
        change) from the next block on, without a restart. ValueError for a gain that is 0 or not
        finite, IndexError for a channel that does not exist; the meter is then unchanged. A
        meter with a panel topology changes its CT sizes through write_point_map instead."""
        self._m.set_current_gain(int(channel), float(gain))

    def set_phase(self, phase: _npt.ArrayLike) -> None:
        """Re-assign the currents to phases (one voltage row index per current, as `phase` at
        construction) from the next block on, without a restart: power, energy totals and
        events follow. ValueError for a bad array, the meter then unchanged. A meter with a
        panel topology changes phases through its user-phase registers instead."""
        self._m.set_phase(_np.asarray(phase))

    def snapshot(self) -> bytes:
        """The whole state as a versioned, CRC-protected blob (for flash)."""
        return self._m.snapshot()

    def restore(self, blob: bytes) -> None:
        """Restore a snapshot; a truncated, corrupted or other-version blob raises ValueError
        and leaves the meter untouched."""
        self._m.restore(bytes(blob))


_WIRING_VOLTAGES = {"wye": 3, "delta": 3, "split_phase": 2, "single_phase": 1}
PANEL_CHANNELS = 46


class Panel:
    """The reference device's topology on a :class:`Meter`: one or two panelboards, each with
    42 branch channels (2 strips of up to 21 CTs) + mains A/B/C (channels 43–45) and a
    current-only neutral (46), sharing V1..V3.

    Panel(fs=2560, *, panels=2, layout=("top", "top"), strip_size=21, wiring="wye",
          phase=None, circuits=None, nominal_hz=60, **meter_settings)

    layout: per panel "top", "bottom", "sequential" or "odd_even" (channel numbering and the
    CT order on the strips). wiring: "wye", "split_phase", "single_phase", "delta" (virtual
    neutral). phase: user phase assignment, (panels, 45) ints 0..2 (default: the layout's).
    circuits: logical circuits — {(panel, number): [channels]} with 1–3 adjacent channels, or a
    (panels, 46) array of circuit numbers (0 = none). Other keywords go to :class:`Meter`;
    per-channel settings (calibration, events) are over the 46·panels channels in order
    panel 1 channels 1..46, then panel 2.

    Frames for :meth:`process_frames` come in ADC order: V1..V3, then per panel strip A
    CTs 1..21, strip B CTs 1..21, aux 1..4. Results are in channel order.
    """

    def __init__(self, fs: float = 2560.0, *, panels: int = 2, layout=("top", "top"),
                 strip_size: int = 21, wiring: str = "wye", phase: _npt.ArrayLike | None = None,
                 circuits: dict | _npt.ArrayLike | None = None, nominal_hz: float = 60,
                 **meter_settings):
        if wiring not in _WIRING_VOLTAGES:
            raise ValueError("wiring must be 'wye', 'split_phase', 'single_phase' or 'delta'")
        if panels not in (1, 2):
            raise ValueError("panels must be 1 or 2")
        if isinstance(layout, str):
            layout = (layout,) * panels
        topo = {"panels": panels, "layout": list(layout)[:panels], "strip_size": strip_size,
                "wiring": wiring}
        if phase is not None:
            topo["phase"] = _np.asarray(phase).reshape(panels, 45)
        if circuits is not None:
            topo["circuits"] = self._circuit_array(circuits, panels)
        self.panels = panels
        self.voltages = _WIRING_VOLTAGES[wiring]
        self.meter = Meter(fs, self.voltages, PANEL_CHANNELS * panels, nominal_hz=nominal_hz,
                           _panel=topo, **meter_settings)
        self._circuits = topo.get("circuits", _np.zeros((panels, PANEL_CHANNELS), int))

    @staticmethod
    def _circuit_array(circuits, panels):
        if isinstance(circuits, dict):
            a = _np.zeros((panels, PANEL_CHANNELS), dtype=int)
            for (panel, number), channels in circuits.items():
                if not 1 <= panel <= panels:
                    raise ValueError(f"circuit ({panel}, {number}): panel must be 1..{panels}")
                if not 1 <= number <= PANEL_CHANNELS:
                    raise ValueError(f"circuit number {number} must be 1..{PANEL_CHANNELS}")
                for ch in channels:
                    if not 1 <= ch <= PANEL_CHANNELS:
                        raise ValueError(f"channel {ch} must be 1..{PANEL_CHANNELS}")
                    a[panel - 1, ch - 1] = number
            return a
        return _np.asarray(circuits).reshape(panels, PANEL_CHANNELS)

    def process_frames(self, frames: _npt.NDArray) -> Windows:
        """Interleaved raw frames in ADC order (n, voltages + 46·panels), int16/int32."""
        return self.meter.process_frames(frames)

    def process(self, v: _npt.ArrayLike, i: _npt.ArrayLike) -> Windows:
        """Planar blocks in channel order: v (voltages, n), i (46·panels, n)."""
        return self.meter.process(v, i)

    def topology(self) -> dict:
        """Voltage phase of every channel (−1: current only) and the frame column of every
        channel (voltages first)."""
        return self.meter._m.topology()

    def circuit(self, panel: int, number: int) -> dict:
        """Totals of logical circuit `number` of `panel` (1-based) in the last window — P, Q,
        S (arithmetic), S vector, PF, mean current — its energy registers, and its demand
        (present / max / predicted power, present / max mean current; the first 14 circuits)."""
        if not 1 <= panel <= self.panels:
            raise ValueError(f"panel must be 1..{self.panels}")
        if not 1 <= number <= PANEL_CHANNELS:
            raise ValueError(f"circuit number must be 1..{PANEL_CHANNELS}")
        return self.meter._m.circuit(panel - 1, number)

    def circuits(self) -> dict:
        """Every defined logical circuit: {(panel, number): circuit(panel, number)}."""
        out = {}
        for p in range(self.panels):
            for number in sorted(set(int(x) for x in self._circuits[p]) - {0}):
                out[(p + 1, number)] = self.circuit(p + 1, number)
        return out

    def mains(self, panel: int) -> dict:
        """The panel's mains (channels 43–45) as a multi-phase total, with energy."""
        if not 1 <= panel <= self.panels:
            raise ValueError(f"panel must be 1..{self.panels}")
        return self.meter._m.circuit(panel - 1, 0)

    def energy(self, lifetime: bool = False) -> dict:
        """Per-channel energy registers, each shaped (panels, 46)."""
        return {k: v.reshape(self.panels, PANEL_CHANNELS)
                for k, v in self.meter.energy(lifetime=lifetime).items()}

    def demand(self) -> Table:
        """Demand of the panel's channels (see :meth:`Meter.demand`)."""
        return self.meter.demand()

    def events(self) -> Table:
        """Event status and counters (see :meth:`Meter.events`)."""
        return self.meter.events()

    def command(self, command: str | int) -> None:
        """Carry out a reference-device command (see :meth:`Meter.command`)."""
        self.meter.command(command)

    def snapshot(self) -> bytes:
        """The whole state as a blob (see :meth:`Meter.snapshot`)."""
        return self.meter.snapshot()

    def restore(self, blob: bytes) -> None:
        """Restore a snapshot (see :meth:`Meter.restore`)."""
        self.meter.restore(blob)

    def read_point_map(self, unit: int, first: int, count: int = 1):
        """Read `count` registers of the BCPM-style point map of panel `unit` (1-based, as
        the Modbus unit id) from documentation register `first` (docs/registers.md).
        Raises ValueError("... illegal register address ...") like Modbus exception 02."""
        return self.meter._m.read_point_map(int(unit) - 1, int(first), int(count))

    def write_point_map(self, unit: int, first: int, values) -> None:
        """Write registers (all or nothing); exception 02 / 03 cases raise ValueError."""
        self.meter._m.write_point_map(int(unit) - 1, int(first), values)

    def read_sunspec(self, first: int = 40001, count: int | None = None):
        """Read the SunSpec device map (40001 "SunS", model 1, meter models, end)."""
        if count is None:
            count = self.meter._m.sunspec_length() - (int(first) - 40001)
        return self.meter._m.read_sunspec(int(first), int(count))

    def set_word_order(self, order: str) -> None:
        """32-bit word order of both maps: "high_first" (default) or "low_first"."""
        self.meter._m.set_word_order(order)
