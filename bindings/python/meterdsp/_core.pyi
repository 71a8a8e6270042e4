"""Type stub of the C++ extension `meterdsp._core` (pybind11). Shapes: nv voltages, nc
currents, n samples; units: V, A, W, var, VA, Hz, degrees, Wh / varh / VAh, seconds."""
from typing import Any

import numpy as np
import numpy.typing as npt

__version__: str
FLAGS: dict[str, int]

def simd_target() -> str:
    """The Highway target chosen at run time on this CPU (e.g. "AVX2", "AVX3", "NEON")."""

def measure(v: npt.ArrayLike, i: npt.ArrayLike, fs: float, *,
            phase: npt.ArrayLike | None = None, nominal_hz: float | None = None,
            min_on_current: float = 0.0, angle_reference: str = "v1") -> dict[str, Any]:
    """One block over whole fundamental cycles. v (n,) or (nv, n); i (n,) or (nc, n);
    float32/float64 in V/A or int16/int32 codes. Returns vrms, v_angle_deg, v_thd_pct (nv,);
    irms, p, q, s, n, pf, dpf, angle_deg, thd_pct, quadrant, flags (nc,); frequency, cycles, window_flags,
    start_s, duration_s."""

def harmonics(v: npt.ArrayLike, i: npt.ArrayLike, fs: float, *, max_order: int = 40,
              phase: npt.ArrayLike | None = None, nominal_hz: float | None = None,
              min_on_current: float = 0.0, angle_reference: str = "v1") -> dict[str, Any]:
    """measure() plus MeasureHarmonics: v_harmonics_rms, v_harmonics_deg (nv, max_order),
    harmonics_rms, harmonics_deg (nc, max_order)."""

def fit_calibration(frequency_hz: npt.ArrayLike, measured_rms: npt.ArrayLike,
                    reference_rms: npt.ArrayLike, measured_angle_deg: npt.ArrayLike | None = None,
                    reference_angle_deg: npt.ArrayLike | None = None) -> dict[str, Any]:
    """One channel's calibration fit (FitCalibration, include/meterdsp/calibration.h): 1-D
    arrays with one entry per point. Returns gain_factor, delay_us, points, angle_points,
    max_rms_error_pct, max_angle_error_deg and the same two _before."""

def fit_current_table(frequency_hz: npt.ArrayLike, measured_rms: npt.ArrayLike,
                      reference_rms: npt.ArrayLike, measured_angle_deg: npt.ArrayLike | None,
                      reference_angle_deg: npt.ArrayLike | None, gain_factor: float,
                      delay_us: float) -> dict[str, Any]:
    """One current's table on top of its base fit (FitCurrentTable): rows (levels, 3) of amps,
    gain, phase_deg; levels; max_rms_error_pct and max_angle_error_deg with the table."""

def apply_calibration_fit(gain_factor: float, delay_us: float, gain: float, skew_us: float,
                          phase_deg: float, fs: float, nominal_hz: float) -> tuple[float, float]:
    """A channel's (gain, phase_deg) with a fit folded in (ApplyCalibrationFit); ValueError
    when the correction would exceed ±2 samples."""

class Meter:
    def __init__(self, fs: float, voltages: int, currents: int, *,
                 phase: npt.ArrayLike | None = None, nominal_hz: float = 50.0,
                 min_on_current: float | npt.ArrayLike = 0.05, min_voltage: float = 1.0,
                 calibration: dict[str, Any] = ..., angle_reference: str = "v1",
                 adc_bits: int = 24, energy_quantum_wh: float = 0.001,
                 demand: dict[str, Any] = ..., events: dict[str, Any] = ...,
                 panel: dict[str, Any] = ...) -> None: ...
    @property
    def fs(self) -> float: ...
    @property
    def voltages(self) -> int: ...
    @property
    def currents(self) -> int: ...
    @property
    def now_s(self) -> float: ...
    def process(self, v: npt.ArrayLike, i: npt.ArrayLike) -> dict[str, Any]:
        """Planar v (nv, n), i (nc, n); fields of `measure` with one row per window."""
    def process_frames(self, frames: npt.NDArray[np.int16] | npt.NDArray[np.int32]
                       ) -> dict[str, Any]:
        """Interleaved frames (n, nv + nc), voltages first."""
    def reset(self) -> None: ...
    def energy(self, scope: str = "channel", lifetime: bool = False
               ) -> dict[str, npt.NDArray[np.float64] | float]: ...
    def energy_reset_times(self) -> dict[str, Any]: ...
    def clear_energy(self, channel: int | None = None) -> None: ...
    def preset_energy(self, channel: int, register: str, wh: float) -> None: ...
    def demand(self) -> dict[str, Any]: ...
    def events(self) -> dict[str, Any]: ...
    def write_event_status(self, channel: int, value: int) -> None: ...
    def command(self, command: str | int) -> None: ...
    def set_clock(self, wall_s: float) -> None: ...
    def set_current_gain(self, channel: int, gain: float) -> None: ...
    def set_phase(self, phase: npt.ArrayLike) -> None: ...
    def snapshot(self) -> bytes: ...
    def restore(self, blob: bytes) -> None: ...
    def topology(self) -> dict[str, npt.NDArray[np.int32]]: ...
    def circuit(self, panel: int, number: int) -> dict[str, Any]: ...
    def read_point_map(self, unit: int, first: int, count: int) -> npt.NDArray[np.uint16]: ...
    def write_point_map(self, unit: int, first: int, values: npt.ArrayLike) -> None: ...
    def read_sunspec(self, first: int, count: int) -> npt.NDArray[np.uint16]: ...
    def sunspec_length(self) -> int: ...
    def set_word_order(self, order: str) -> None: ...

def _input_address(a: npt.ArrayLike, float64: bool = False) -> int: ...
