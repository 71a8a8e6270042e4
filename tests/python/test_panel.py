"""meterdsp.Panel: the two-panel topology from Python."""
import numpy as np
import pytest

import meterdsp

FS = 2560.0


def sine(rms, lag_deg, n, f=60.0):
    t = np.arange(n) / FS
    return np.sqrt(2) * rms * np.sin(2 * np.pi * f * t + 0.4 - np.radians(lag_deg))


def make_panel(**kw):
    return meterdsp.Panel(FS, circuits={(1, 1): [1, 3, 5], (2, 7): [10, 11]},
                          layout=("top", "sequential"), **kw)


def test_panel_frames_in_adc_order_give_channel_readings():
    panel = make_panel()
    topo = panel.topology()
    assert topo["phase"].shape == (92,) and topo["phase"][45] == -1 and topo["phase"][91] == -1
    n = int(2 * FS)
    volts = [sine(120, 120 * k, n) for k in range(3)]
    chan = np.zeros((3 + 92, n))
    chan[:3] = volts
    amps = {}
    for p in range(2):
        mains = np.zeros((3, n))
        for ch in range(1, 43):
            ph = topo["phase"][p * 46 + ch - 1]
            a = 1 + ch / 20
            x = sine(a, 25 + 120 * ph, n)
            chan[3 + p * 46 + ch - 1] = x
            mains[ph] += x
            amps[(p, ch)] = a
        chan[3 + p * 46 + 42:3 + p * 46 + 45] = mains
        chan[3 + p * 46 + 45] = mains.sum(axis=0)
    frames = np.zeros((n, 95), np.int16)
    scale = np.where(np.arange(95) < 3, 200.0, 300.0)
    frames[:, topo["frame_column"]] = np.round(chan.T / scale * 32767).astype(np.int16)
    panel2 = make_panel(calibration={"v_gain": 200 / 32767, "i_gain": 300 / 32767})
    w = panel2.process_frames(frames)
    last = w.window_flags == 0
    irms = w.irms[last][-1]
    for (p, ch), a in amps.items():
        assert irms[p * 46 + ch - 1] == pytest.approx(a, rel=2e-3), (p, ch)
    c = panel2.circuit(1, 1)
    assert c["channels"] == [1, 3, 5]
    assert c["p"] == pytest.approx(w.p[-1][[0, 2, 4]].sum(), rel=1e-9)
    assert c["pf"] == pytest.approx(np.cos(np.radians(25)), abs=2e-3)
    assert set(panel2.circuits()) == {(1, 1), (2, 7)}
    # Circuit demand is the demand of the circuit's total power (block, 15 min: not ended yet,
    # so the sliding history is empty; the predicted demand extrapolates the open interval).
    assert c["demand"]["power_predicted"] == pytest.approx(c["p"], rel=2e-3)
    assert panel2.circuit(2, 7)["demand"] is not None
    m = panel2.mains(2)
    assert m["channels"] == [43, 44, 45] and m["p"] > 0
    assert m["energy"]["wh_import"] > 0
    e = panel2.energy()
    assert e["wh_import"].shape == (2, 46)
    assert e["wh_import"][0, 45] == 0  # the neutral carries no power


@pytest.mark.parametrize("kwargs,msg", [
    (dict(circuits={(1, 1): [1, 2]}), "thresholds"),     # not adjacent in top feed
    (dict(circuits={(1, 1): [1, 3, 5, 7]}), "thresholds"),
    (dict(circuits={(3, 1): [1]}), "panel"),
    (dict(layout="diagonal"), "layout"),
    (dict(wiring="star"), "wiring"),
    (dict(strip_size=20), "strip_size"),
    (dict(panels=3), "panels"),
    (dict(phase=np.full((2, 45), 3)), "voltage index"),
])
def test_panel_bad_config(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        meterdsp.Panel(FS, **kwargs)


def test_single_panel_split_phase():
    panel = meterdsp.Panel(FS, panels=1, wiring="split_phase", layout="sequential")
    assert panel.voltages == 2
    topo = panel.topology()
    assert list(topo["phase"][:4]) == [0, 1, 0, 1]
    assert topo["phase"][44] == -1  # no third mains phase
