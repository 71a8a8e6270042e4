"""meterdsp-modbus over loopback with a real client (pymodbus): both maps, writes with and without
--allow-writes, exceptions, malformed and slow clients, 16 parallel clients. The live mode is fed
known waveforms on stdin and the registers are checked against their analytic values."""
import os
import socket
import struct
import subprocess
import threading
import time

import numpy as np
import pytest

pymodbus_client = pytest.importorskip("pymodbus.client")
import meterdsp  # noqa: E402

SERVER = os.environ.get("METERDSP_MODBUS_SERVER")
pytestmark = pytest.mark.skipif(not SERVER, reason="METERDSP_MODBUS_SERVER not set (run under ctest)")
FS = 2560


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, *args, stdin=None):
        self.port = free_port()
        self.proc = subprocess.Popen([SERVER, *args, "--port", str(self.port)], stdin=stdin,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        line = self.proc.stdout.readline().decode()
        assert "serving" in line, line

    def client(self):
        c = pymodbus_client.ModbusTcpClient("127.0.0.1", port=self.port, timeout=3)
        assert c.connect()
        return c

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        out = self.proc.stdout.read().decode()
        assert self.proc.returncode == 0, out
        assert "stopped" in out


@pytest.fixture
def demo():
    s = Server("--demo", "--max-clients", "16")
    time.sleep(1.5)  # a window or more
    yield s
    s.stop()


def regs(client, doc_register, count, unit=1):
    rr = client.read_holding_registers(doc_register - 1, count, slave=unit)
    assert not rr.isError(), rr
    return rr.registers


def test_demo_serves_point_map_and_sunspec(demo):
    c = demo.client()
    assert regs(c, 5, 1) == [15172]
    freq = np.int16(regs(c, 245, 1)[0]) / 100
    assert 59.9 < freq < 60.0
    hi, lo = regs(c, 600, 2)
    assert struct.unpack(">f", struct.pack(">HH", hi, lo))[0] == pytest.approx(59.95, abs=0.01)
    sun = regs(c, 40001, 4)
    assert sun == [0x5375, 0x6E53, 1, 66]
    mains = regs(c, 40001 + 4 + 66, 2)
    assert mains == [203, 105]
    # Unit 2 is panel 2; an unknown unit is a gateway error.
    assert regs(c, 5, 1, unit=2) == [15172]
    rr = c.read_holding_registers(4, 1, slave=3)
    assert rr.isError() and rr.exception_code == 0x0B
    rr = c.read_holding_registers(8999, 1, slave=1)
    assert rr.isError() and rr.exception_code == 2
    rr = c.write_register(170, 650, slave=1)  # read-only server
    assert rr.isError() and rr.exception_code == 1
    c.close()


def test_writes_when_allowed():
    s = Server("--demo", "--allow-writes")
    try:
        c = s.client()
        assert not c.write_register(170, 650, slave=1).isError()
        assert regs(c, 171, 1) == [650]
        rr = c.write_registers(170, [600, 1001], slave=1)  # the second value is out of range
        assert rr.isError() and rr.exception_code == 3
        assert regs(c, 171, 2) == [650, 600]  # nothing of the failed write was applied
        rr = c.write_register(244, 1, slave=1)
        assert rr.isError() and rr.exception_code == 2
        c.close()
    finally:
        s.stop()


def test_sixteen_parallel_clients_and_misbehaving_ones(demo):
    # A client that sends garbage, one that sends half a request and stalls, one that vanishes.
    bad = socket.create_connection(("127.0.0.1", demo.port))
    bad.sendall(os.urandom(300))
    slow = socket.create_connection(("127.0.0.1", demo.port))
    slow.sendall(bytes([0, 1, 0, 0, 0, 6, 1]))
    gone = socket.create_connection(("127.0.0.1", demo.port))
    gone.sendall(bytes([0, 1, 0, 0, 0, 6, 1, 3]))
    gone.close()
    time.sleep(1.5)  # the stalled request times out after 1 s
    errors = []

    def worker(k):
        try:
            c = demo.client()
            for _ in range(20):
                r = regs(c, 1336 + k % 42, 1, unit=1 + k % 2)
                assert len(r) == 1
                assert regs(c, 40001, 2) == [0x5375, 0x6E53]
            c.close()
        except Exception as e:  # noqa: BLE001 — collected and asserted below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    bad.close()
    slow.close()
    assert demo.proc.poll() is None  # still serving


def test_live_stdin_values_match_the_fed_waveforms():
    # Known waveforms in ADC order, at the server's scaling (16-bit codes, 100 A branch / 400 A
    # aux CTs): every branch at (1 + ch/20) A, 30° lagging its phase (the default phases).
    panel = meterdsp.Panel(FS, layout="top")
    topo = panel.topology()
    seconds = 3
    n = seconds * FS
    t = np.arange(n) / FS
    v_fs = 1.25 * np.sqrt(2) * 1.2 * 120
    chan = np.zeros((95, n))
    for k in range(3):
        chan[k] = np.sqrt(2) * 120 * np.sin(2 * np.pi * 59.95 * t - np.radians(120 * k)) / v_fs * 32767
    want = {}
    for p in range(2):
        for ch in range(1, 43):
            if p == 1 and ch <= 3:
                continue  # the demo topology assigns these (PV) channels its own phases
            ph = int(topo["phase"][p * 46 + ch - 1])
            amps = 1 + ch / 20
            x = np.sqrt(2) * amps * np.sin(2 * np.pi * 59.95 * t - np.radians(120 * ph + 30))
            chan[3 + p * 46 + ch - 1] = x / (1.25 * np.sqrt(2) * 100) * 32767
            want[(p, ch)] = (amps, 120 * amps * np.cos(np.radians(30)) / 1000)
        # The mains CTs (400 A) carry the per-phase sums of the panel's branches.
        for ph in range(3):
            members = [3 + p * 46 + ch - 1 for ch in range(1, 43) if int(topo["phase"][p * 46 + ch - 1]) == ph]
            chan[3 + p * 46 + 42 + ph] = chan[members].sum(axis=0) * 100 / 400
    frames = np.zeros((n, 95), np.int16)
    frames[:, topo["frame_column"]] = np.round(chan.T).astype(np.int16)
    s = Server("--stdin", stdin=subprocess.PIPE)
    try:
        s.proc.stdin.write(frames.tobytes())
        s.proc.stdin.flush()
        time.sleep(1.0)
        c = s.client()
        for (p, ch), (amps, kw) in list(want.items())[::7]:
            unit = p + 1
            cur = np.int16(regs(c, 1336 + ch - 1, 1, unit)[0]) * 10.0 ** np.int16(regs(c, 1000 + ch - 1, 1, unit)[0])
            assert cur == pytest.approx(amps, abs=0.011), (p, ch)
            hi, lo = regs(c, 2084 + 2 * (ch - 1), 2, unit)
            assert struct.unpack(">f", struct.pack(">HH", hi, lo))[0] == pytest.approx(kw, rel=2e-3), (p, ch)
        # SunSpec mains W of panel 1 = the sum of its branch powers.
        body = regs(c, 40001 + 4 + 66 + 2, 21)
        step = 10.0 ** np.int16(body[20])  # W_SF: 100 W steps for 3 × 400 A mains CTs
        w = np.int16(body[16]) * step
        total = sum(kw for (p, _), (_, kw) in want.items() if p == 0) * 1000
        assert abs(w - total) <= 0.5 * step + 3e-3 * total
        c.close()
    finally:
        s.proc.stdin.close()
        s.stop()
