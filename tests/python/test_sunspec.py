"""Walks the SunSpec map with the official model definitions (tests/data/sunspec, Apache-2.0)
and checks the layout and the values against the panel's own readings."""
import json
import pathlib
import struct

import numpy as np
import pytest

import meterdsp

FS = 2560.0
MODELS = pathlib.Path(__file__).resolve().parents[1] / "data" / "sunspec"


def model(mid):
    return json.loads((MODELS / f"model_{mid}.json").read_text())


def run_panel():
    panel = meterdsp.Panel(FS, circuits={(1, 3): [1, 3, 5], (1, 9): [10, 12], (2, 1): [7]},
                           demand={"subinterval_s": 10})
    n = int(3 * FS)
    t = np.arange(n) / FS
    v = np.stack([np.sqrt(2) * 120 * np.sin(2 * np.pi * 60 * t - np.radians(120 * k)) for k in range(3)])
    topo = panel.topology()
    i = np.zeros((92, n))
    for k in range(92):
        ph = max(int(topo["phase"][k]), 0)
        i[k] = np.sqrt(2) * (1 + (k % 46) / 10) * np.sin(2 * np.pi * 60 * t - np.radians(120 * ph + 30))
    panel.process(v.astype(np.float32), i.astype(np.float32))
    return panel


def decode(regs, points):
    """Points of a model body (after ID and L) → {name: (raw registers)}."""
    out, off = {}, 0
    for p in points[2:]:
        size = p.get("size", 1)
        out[p["name"]] = (p, regs[off:off + size])
        off += size
    return out, off


def scaled(fields, name):
    p, regs = fields[name]
    raw = int(np.int16(regs[0]))
    sf = int(np.int16(fields[p["sf"]][1][0]))
    return raw * 10.0 ** sf


def test_sunspec_chain_matches_the_model_definitions_and_readings():
    panel = run_panel()
    regs = panel.read_sunspec()
    assert regs[0] == 0x5375 and regs[1] == 0x6E53  # "SunS"
    pos, seen = 2, []
    while True:
        mid, length = int(regs[pos]), int(regs[pos + 1])
        if mid == 0xFFFF:
            assert length == 0
            break
        d = model(mid)
        fields, size = decode(regs[pos + 2:pos + 2 + length], d["group"]["points"])
        assert size == length, mid  # the model's length is what the definition says
        seen.append((mid, fields))
        pos += 2 + length
    assert pos + 2 == len(regs)
    assert [m for m, _ in seen] == [1, 203, 203, 203, 202, 201]
    common = seen[0][1]
    assert bytes(np.array(common["Mn"][1], ">u2").tobytes()).rstrip(b"\0") == b"meterdsp"

    # Panel 1 mains (model 203) against the panel's own mains reading.
    mains = panel.mains(1)
    f = seen[1][1]
    assert scaled(f, "W") == pytest.approx(mains["p"], rel=2e-3, abs=10)
    assert scaled(f, "VA") == pytest.approx(mains["s"], rel=2e-3, abs=10)
    assert scaled(f, "Hz") == pytest.approx(60, abs=0.011)
    assert scaled(f, "PhVphA") == pytest.approx(120, abs=0.1)
    assert scaled(f, "PPV") == pytest.approx(120 * np.sqrt(3), abs=0.1)
    wh = (int(f["TotWhImp"][1][0]) << 16) | int(f["TotWhImp"][1][1])
    assert wh == int(np.floor(mains["energy"]["wh_import"]))
    q1 = (int(f["TotVArhImpQ1"][1][0]) << 16) | int(f["TotVArhImpQ1"][1][1])
    assert q1 == int(np.floor(mains["energy"]["varh_q1"]))  # lagging currents: quadrant I
    assert mains["energy"]["varh_q1"] > 0.5 and mains["energy"]["varh_q4"] == 0
    # The 2-channel circuit on panel 1 (model 202) and the single one on panel 2 (201).
    c9 = panel.circuit(1, 9)
    assert scaled(seen[4][1], "W") == pytest.approx(c9["p"], rel=2e-3, abs=5)
    c1 = panel.circuit(2, 1)
    assert scaled(seen[5][1], "A") == pytest.approx(c1["i_avg"], rel=1e-3, abs=0.01)
    assert seen[5][1]["AphB"][1][0] == 0x8000  # not implemented on a single-phase meter


def test_sunspec_addresses_outside_the_map_are_illegal():
    panel = run_panel()
    length = panel.meter._m.sunspec_length()
    with pytest.raises(ValueError, match="illegal register address"):
        panel.read_sunspec(40000, 2)
    with pytest.raises(ValueError, match="illegal register address"):
        panel.read_sunspec(40001 + length - 1, 2)
    assert list(panel.read_sunspec(40001 + length - 2, 2)) == [0xFFFF, 0]


def test_point_map_from_python():
    panel = run_panel()
    assert panel.read_point_map(1, 5)[0] == 15172
    cur, scale = panel.read_point_map(1, 1336)[0], panel.read_point_map(1, 1000)[0]
    assert np.int16(cur) * 10.0 ** np.int16(scale) == pytest.approx(1.0, abs=0.01)  # channel 1: 1.0 A
    hi, lo = panel.read_point_map(1, 2252, 2)
    assert struct.unpack(">f", struct.pack(">HH", hi, lo))[0] == pytest.approx(1.0, rel=1e-3)
    panel.set_word_order("low_first")
    lo2, hi2 = panel.read_point_map(1, 2252, 2)
    assert (hi2, lo2) == (hi, lo)
    with pytest.raises(ValueError, match="illegal register address"):
        panel.write_point_map(1, 245, [1])
    with pytest.raises(ValueError, match="illegal register value"):
        panel.write_point_map(1, 171, [650, 1001])
    assert panel.read_point_map(1, 171)[0] == 700
    panel.write_point_map(1, 171, [650])
    assert panel.read_point_map(1, 171)[0] == 650
