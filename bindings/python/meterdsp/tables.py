"""pandas tables of meter results, with units in the column names.

* :class:`Table` — the dicts returned by ``Meter.energy()``, ``demand()`` and ``events()``;
  ``to_dataframe()`` gives one row per channel.
* ``Windows.to_dataframe()`` — one row per (window, channel), indexed by the window's start
  (sample time in s, or clock time when the meter's clock is known / ``clock=`` is given).
* :class:`Recorder` — wraps a Meter or Panel and keeps the history of what it produced
  (windows, demand after each call, event transitions) as time-indexed DataFrames: what the
  demand curve and the event timeline plots draw.

pandas is imported only when a DataFrame is asked for.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Table", "Recorder", "UNITS", "unit_of"]

# Unit of each result field ("" = dimensionless); matched on the longest known prefix.
UNITS = {
    "vrms": "V", "irms": "A", "p": "W", "q": "var", "s": "VA", "n": "VA", "pf": "",
    "dpf": "", "angle_deg": "deg", "v_angle_deg": "deg", "thd_pct": "%", "v_thd_pct": "%",
    "frequency": "Hz",
    "frequency_10s": "Hz", "duration_s": "s", "start_s": "s", "wh_import": "Wh",
    "wh_export": "Wh", "varh_q1": "varh", "varh_q2": "varh", "varh_q3": "varh",
    "varh_q4": "varh", "vah_import": "VAh", "vah_export": "VAh", "current": "A",
    "power": "W", "group_current": "A", "group_power": "W", "max_group_power": "W",
    "p_total": "W", "q_total": "var", "s_total": "VA", "max_current": "A", "max_power": "W",
    "max_power_total": "W",
}


def unit_of(name: str) -> str:
    """Unit of a result field name, e.g. "power_max" → "W", "current_max_time_s" → "s"."""
    if name.endswith("_time_s") or name.endswith("_s"):
        return "s"
    for key in sorted(UNITS, key=len, reverse=True):
        if name == key or name.startswith(key + "_"):
            return UNITS[key]
    return ""


def _label(name: str) -> str:
    u = unit_of(name)
    return f"{name} [{u}]" if u else name


def _clock_index(times_s, clock_offset_s, name="time"):
    import pandas as pd
    t = np.asarray(times_s, dtype=float)
    if clock_offset_s is None:
        return pd.Index(t, name=f"{name} [s]")
    return pd.DatetimeIndex(pd.to_datetime(t + clock_offset_s, unit="s", utc=True),
                            name=f"{name} [UTC]")


class Table(dict):
    """A dict of result arrays (one value per channel) and scalars, as returned by
    ``Meter.energy()``, ``demand()`` and ``events()``; ``to_dataframe()`` gives a pandas
    DataFrame with one row per channel and the unit in each column name. ``time_s`` is the
    meter's sample time when it was read (and ``clock_offset_s`` wall − sample time, when the
    meter's clock is set)."""

    def __init__(self, fields=(), time_s: float | None = None,
                 clock_offset_s: float | None = None):
        super().__init__(fields)
        self.time_s, self.clock_offset_s = time_s, clock_offset_s

    def to_dataframe(self, channels: int | None = None):
        """Per-channel fields as columns ``"name [unit]"``, index ``channel`` (0-based) — or
        (time, channel) when the table carries its read time (sample time in s, or UTC clock
        time), so tables read at different times concatenate into a history. 2-D fields
        (e.g. event ``counters``) become one column per second index; nested dicts (e.g.
        ``snapshot_wh``) are prefixed. Scalars go to ``df.attrs``."""
        import pandas as pd
        cols, attrs = {}, {}

        def add(prefix, key, value):
            name = f"{prefix}{key}"
            a = np.asarray(value)
            if a.ndim == 1 and (channels is None or len(a) == channels):
                cols[_label(name)] = a
            elif a.ndim == 2:
                for j in range(a.shape[1]):
                    cols[f"{_label(name)}[{j}]"] = a[:, j]
            else:
                attrs[name] = value.tolist() if isinstance(value, np.ndarray) else value

        for key, value in self.items():
            if isinstance(value, dict):
                for k2, v2 in value.items():
                    add(f"{key}.", k2, v2)
            else:
                add("", key, value)
        if channels is None:
            lengths = {len(v) for v in cols.values()}
            if len(lengths) > 1:                    # keep the most common length
                n = max(lengths, key=lambda L: sum(len(v) == L for v in cols.values()))
                for k in [k for k, v in cols.items() if len(v) != n]:
                    attrs[k] = cols.pop(k).tolist()
        df = pd.DataFrame(cols)
        df.index.name = "channel"
        if self.time_s is not None:
            time = _clock_index([self.time_s] * len(df), self.clock_offset_s)
            df.index = pd.MultiIndex.from_arrays([time, df.index], names=[time.name, "channel"])
        df.attrs.update(attrs)
        return df


_WINDOW_SCALARS = ("frequency", "frequency_10s", "cycles", "window_flags", "duration_s",
                   "index")
_WINDOW_CHANNEL = ("irms", "p", "q", "s", "n", "pf", "dpf", "angle_deg", "thd_pct", "quadrant",
                   "flags")


def windows_to_dataframe(w, clock_offset_s=None):
    """One row per (window, current channel): index (start time, channel); columns with
    units, plus the window's voltages ``vrms[k] [V]`` and their distortion ``v_thd_pct[k] [%]``,
    frequency and flags."""
    import pandas as pd
    nw = len(w)
    if nw == 0:
        return pd.DataFrame(columns=[_label(c) for c in _WINDOW_CHANNEL])
    nc = np.asarray(w.irms).reshape(nw, -1).shape[1]
    cols = {_label(c): np.asarray(getattr(w, c)).reshape(nw, nc).ravel()
            for c in _WINDOW_CHANNEL}
    for name, unit in (("vrms", "V"), ("v_thd_pct", "%")):
        if not hasattr(w, name):
            continue
        vals = np.asarray(getattr(w, name)).reshape(nw, -1)
        for k in range(vals.shape[1]):
            cols[f"{name}[{k}] [{unit}]"] = np.repeat(vals[:, k], nc)
    for c in _WINDOW_SCALARS:
        if hasattr(w, c):
            cols[_label(c)] = np.repeat(np.asarray(getattr(w, c)).reshape(nw), nc)
    time = _clock_index(np.repeat(np.asarray(w.start_s).reshape(nw), nc), clock_offset_s,
                        "start")
    index = pd.MultiIndex.from_arrays([time, np.tile(np.arange(nc), nw)],
                                      names=[time.name, "channel"])
    return pd.DataFrame(cols, index=index)


class Recorder:
    """Keeps the history of a :class:`~meterdsp.Meter` or :class:`~meterdsp.Panel`.

    rec = Recorder(meter); rec.process(v, i) (or process_frames) as often as needed, then
    ``rec.windows()``, ``rec.demand()``, ``rec.events()``, ``rec.energy()`` as DataFrames.
    Demand and event status are sampled after every call, so the history's time resolution is
    the call's block length (feed one window per call for window resolution). Memory grows
    with the number of calls: ``keep_windows=False`` keeps only the per-call totals.
    """

    def __init__(self, meter, *, keep_windows: bool = True, clock_offset_s: float | None = None):
        self.meter = getattr(meter, "meter", meter)          # a Panel holds its Meter
        self.keep_windows = keep_windows
        self.clock_offset_s = clock_offset_s        # None: the meter's clock once it is set
        self._windows, self._demand, self._transitions, self._energy = [], [], [], []
        self._status = None

    def process(self, v, i):
        """``meter.process(v, i)``, recording what it produced; returns its Windows."""
        return self._after(self.meter.process(v, i))

    def process_frames(self, frames):
        """``meter.process_frames(frames)``, recording what it produced; returns its Windows."""
        return self._after(self.meter.process_frames(frames))

    def _after(self, w):
        if len(w) == 0:
            return w
        if self.keep_windows:
            self._windows.append(w)
        t = self.meter.now_s
        d = self.meter.demand()
        if self.clock_offset_s is None and d.clock_offset_s is not None:
            self.clock_offset_s = d.clock_offset_s
        self._demand.append((t, d["p_total"], d["p_total_max"], d["p_total_predicted"],
                             d["q_total"], d["s_total"], np.sum(d["current"]),
                             d["intervals"]))
        e = self.meter.energy("total")
        self._energy.append((t, *[e[k] for k in sorted(e)]))
        status = np.asarray(self.meter.events()["status"]).astype(np.uint32)
        previous = np.zeros_like(status) if self._status is None else self._status
        changed = np.flatnonzero(status != previous)
        for ch in changed:
            for bit_name, bit in _event_bits().items():
                was, now = bool(previous[ch] & bit), bool(status[ch] & bit)
                if was != now:
                    self._transitions.append((t, int(ch), bit_name, now))
        self._status = status
        return w

    def windows(self):
        """All recorded windows (see ``Windows.to_dataframe``)."""
        import pandas as pd
        if not self._windows:
            return windows_to_dataframe(_EmptyWindows())
        # One table from the calls' arrays joined, not one per call joined by pandas: about
        # 1.2 ms per call that way (a day of 1-s calls: minutes), the same frame.
        return windows_to_dataframe(_JoinedWindows(self._windows), self.clock_offset_s)

    def demand(self):
        """Total demand after each call: present, maximum and predicted P, Q, S, sum of
        channel current demand, completed intervals."""
        import pandas as pd
        cols = ["p_total [W]", "p_total_max [W]", "p_total_predicted [W]", "q_total [var]",
                "s_total [VA]", "current_sum [A]", "intervals"]
        rows = np.array([r[1:] for r in self._demand]).reshape(-1, len(cols))
        return pd.DataFrame(rows, columns=cols,
                            index=_clock_index([r[0] for r in self._demand],
                                               self.clock_offset_s))

    def energy(self):
        """Total energy registers after each call (Wh, varh, VAh)."""
        import pandas as pd
        names = sorted(self.meter.energy("total"))
        rows = np.array([r[1:] for r in self._energy]).reshape(-1, len(names))
        return pd.DataFrame(rows, columns=[_label(n) for n in names],
                            index=_clock_index([r[0] for r in self._energy],
                                               self.clock_offset_s))

    def events(self):
        """Event transitions: one row per (time, channel, event) with ``active`` True when the
        bit was set and False when it cleared."""
        import pandas as pd
        t = [r[0] for r in self._transitions]
        return pd.DataFrame({"channel": [r[1] for r in self._transitions],
                             "event": [r[2] for r in self._transitions],
                             "active": [r[3] for r in self._transitions]},
                            index=_clock_index(t, self.clock_offset_s))


class _EmptyWindows:
    def __len__(self):
        return 0


class _JoinedWindows:
    """The fields windows_to_dataframe reads, of several calls' Windows, joined in order."""

    def __init__(self, parts):
        self._n = sum(len(w) for w in parts)
        first = parts[0]
        for c in _WINDOW_CHANNEL + ("vrms", "v_thd_pct", "start_s") + _WINDOW_SCALARS:
            if hasattr(first, c):
                setattr(self, c, np.concatenate(
                    [np.asarray(getattr(w, c)).reshape(len(w), -1) for w in parts]))

    def __len__(self):
        return self._n


def _event_bits():
    from . import EVENT_BITS
    return EVENT_BITS
