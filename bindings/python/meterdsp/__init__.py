"""meterdsp — metering DSP on NumPy arrays (true RMS, P, Q1, S, N, PF, DPF, angles, frequency).

Quick use::

    import numpy as np, meterdsp
    m = meterdsp.measure(v, i, fs=2560)          # one block, whole cycles
    m.p, m.q, m.pf, m.frequency

    meter = meterdsp.Meter(2560, voltages=3, currents=92)
    w = meter.process(v_block, i_block)          # windows completed in this block
    w.p.shape == (len(w), 92)

Definitions (signs, Q1, windows, flags): docs/measurement.md in the source tree.
"""
from __future__ import annotations

import numpy as _np

from . import _core
from ._core import FLAGS, __version__, simd_target

__all__ = ["measure", "Meter", "Measurement", "Windows", "simd_target", "FLAGS",
           "flag_names", "__version__"]

_PER_CHANNEL = ("irms", "p", "q", "s", "n", "pf", "dpf", "angle_deg", "quadrant", "flags")


def flag_names(mask: int) -> list[str]:
    """Names of the quality flags set in ``mask`` (see ``FLAGS``)."""
    return [name for name, bit in FLAGS.items() if int(mask) & bit]


class _Results:
    def __init__(self, fields: dict):
        for key, value in fields.items():
            setattr(self, key, value)
        self._fields = tuple(fields)

    def as_dict(self) -> dict:
        """The fields as a plain dict of NumPy arrays / numbers."""
        return {k: getattr(self, k) for k in self._fields}


class Measurement(_Results):
    """Result of :func:`measure`: ``vrms``, ``v_angle_deg`` (nv,); ``irms``, ``p``, ``q``,
    ``s``, ``n``, ``pf``, ``dpf``, ``angle_deg``, ``quadrant``, ``flags`` (nc,);
    ``frequency`` (Hz), ``cycles``, ``window_flags``, ``start_s``, ``duration_s``."""

    def __repr__(self) -> str:
        return (f"Measurement({len(self.vrms)} V, {len(self.irms)} I, "
                f"f={self.frequency:.4f} Hz over {self.cycles} cycles, "
                f"P total={float(_np.sum(self.p)):.6g} W)")


class Windows(_Results):
    """Windows completed by one :meth:`Meter.process` call: the fields of
    :class:`Measurement` with one row per window, plus ``frequency``, ``frequency_10s``,
    ``cycles``, ``window_flags``, ``start_s``, ``duration_s`` and ``index`` per window."""

    def __len__(self) -> int:
        return len(self.frequency)

    def __repr__(self) -> str:
        return f"Windows({len(self)} windows × {self.irms.shape[1]} currents)"


def measure(v, i, fs, *, phase=None, nominal_hz=None, min_on_current=0.0,
            angle_reference="v1") -> Measurement:
    """Measure one block over the largest whole number of fundamental cycles.

    v: (n,) or (nv, n) voltages; i: (n,) or (nc, n) currents. float32 / float64 in
    engineering units, or int16 / int32 raw codes (results then in code units).
    C-contiguous float32 input is read in place. phase: (nc,) voltage row of each current
    (default: row k when nv == nc, else row 0). nominal_hz: 50, 60 or None (nearest).
    Raises TypeError / ValueError on bad input. The GIL is released while computing.
    """
    return Measurement(_core.measure(v, i, float(fs), phase=phase, nominal_hz=nominal_hz,
                                     min_on_current=float(min_on_current),
                                     angle_reference=angle_reference))


class Meter:
    """Streaming meter: cycle-synchronous 10/12-cycle windows over a continuous stream.

    Meter(fs, voltages, currents, *, phase=None, nominal_hz=50, min_on_current=0.05,
          min_voltage=1.0, calibration=None, angle_reference="v1", adc_bits=24)

    calibration: dict of per-channel settings, each a scalar or one value per channel:
    ``v_gain, v_offset, v_skew_us, v_phase_deg, v_dc_removal, v_clip_level`` and the same
    with ``i_`` for currents. Raw codes are scaled as (code − offset) · gain.
    """

    def __init__(self, fs, voltages, currents, *, phase=None, nominal_hz=50,
                 min_on_current=0.05, min_voltage=1.0, calibration=None,
                 angle_reference="v1", adc_bits=24):
        self._m = _core.Meter(float(fs), int(voltages), int(currents), phase=phase,
                              nominal_hz=float(nominal_hz), min_on_current=min_on_current,
                              min_voltage=float(min_voltage), calibration=dict(calibration or {}),
                              angle_reference=angle_reference, adc_bits=int(adc_bits))

    @property
    def fs(self) -> float:
        return self._m.fs

    @property
    def voltages(self) -> int:
        return self._m.voltages

    @property
    def currents(self) -> int:
        return self._m.currents

    def process(self, v, i) -> Windows:
        """Feed planar blocks v (voltages, n) and i (currents, n); float or int.
        Returns the windows completed in this block. On error the state is unchanged."""
        return Windows(self._m.process(v, i))

    def process_frames(self, frames) -> Windows:
        """Feed interleaved raw frames (n, voltages + currents), int16 or int32,
        voltages first. Returns the windows completed in this block."""
        return Windows(self._m.process_frames(frames))

    def reset(self) -> None:
        """Restart the stream at sample 0 with the same configuration."""
        self._m.reset()
