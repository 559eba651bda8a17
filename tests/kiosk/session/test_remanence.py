"""After a canary session, nothing of the canary is left: not in the memory of the
processes still running (the UI-side host and the next worker, read from outside through
/proc/PID/mem), nor in the logs, the journal, the ledger, the runtime or state dirs.
The worker that served the canary has exited: its memory went back to the kernel.

Every wait on the driver is bounded, its clean-up too (pytest-timeout does not end a
``finally``): its lines are read against a deadline, its stderr goes to a file (read
without waiting for anyone to close it: the workers it starts share it), and a driver
that does not exit when told is killed."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hardware_mocks.world import CANARY_PIN, World
from tests.fixtures.canary import (
    canary_patterns,
    counts,
    handoff_patterns,
    pin_patterns,
    read_memory,
    scan_tree,
)
from tests.fixtures.waiting import WAIT

ROOT = Path(__file__).resolve().parents[3]
#: Seconds for one line of the driver: above the sum of its own bounded waits (start, a
#: session of at most 30 s, the outcome, the next worker and its warm spare).
LINE_WAIT = 4 * WAIT


def next_line(fd: int, timeout: float = LINE_WAIT) -> list[bytes]:
    """The driver's next stdout line, split (empty at its end); fails the test when no
    whole line comes within ``timeout`` seconds. Read a byte at a time straight from the
    pipe, so nothing after the line is taken from it."""
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        assert left > 0 and select.select([fd], [], [], left)[0], f"no line from the driver within {timeout:g} s"
        byte = os.read(fd, 1)
        if not byte:
            break
        line += byte
    return line.split()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/PID/mem")
def test_no_canary_in_remaining_processes_files_and_logs(world_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(world_dir, tmp_path / "world")
    world = World(tmp_path / "world")
    state, run = tmp_path / "state", tmp_path / "run"
    pats = canary_patterns(world)
    personal, pin_pats = canary_patterns(world, pin=False), pin_patterns()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    stderr = tmp_path / "driver.stderr"
    with stderr.open("wb") as err_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.kiosk.session.remanence_driver", str(tmp_path / "world"),
             str(state), str(run)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err_file, cwd=ROOT, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    out = proc.stdout.fileno()
    try:
        line_at_baseline = line = next_line(out)
        assert line[0] == b"BASELINE"
        # 4 digits also occur by chance (font tables, code): compare with the same
        # processes before the PIN existed anywhere
        baseline_pin = sum(counts(read_memory(proc.pid), pin_pats).values())
        baseline_worker = sum(counts(read_memory(int(line[1])), pin_pats).values())
        proc.stdin.write(b"g" + CANARY_PIN.encode("ascii"))
        proc.stdin.flush()
        line = next_line(out)
        assert line and line[0] == b"SERVING", stderr.read_bytes().decode(errors="replace")[-2000:]
        # the PIN went to the card and was verified: the worker now serving the customer
        # holds it in none of the shapes it had on its way (the pipe's frame, the VERIFY
        # command: a copy kept anywhere). Its digits alone are not counted here: the
        # in-process virtual card holds the world's PINs, and tables loaded mid-session
        # hold four-digit runs by chance.
        serving = int(line[1])
        assert serving == int(line_at_baseline[1])
        assert counts(read_memory(serving), handoff_patterns()) == dict.fromkeys(
            (p.pattern.decode("latin-1") for p in handoff_patterns()), 0)
        assert sum(counts(read_memory(proc.pid), pin_pats).values()) <= baseline_pin
        proc.stdin.write(b"c")
        proc.stdin.flush()
        line = next_line(out)
        assert line and line[0] == b"READY", stderr.read_bytes().decode(errors="replace")[-2000:]
        worker, spare = int(line[1]), int(line[2])
        for pid, who in ((proc.pid, "host"), (worker, "next worker"), (spare, "spare")):
            found = counts(read_memory(pid), personal)
            assert sum(found.values()) == 0, (who, found)
        assert sum(counts(read_memory(proc.pid), pin_pats).values()) <= baseline_pin
        for pid in (worker, spare):
            assert sum(counts(read_memory(pid), pin_pats).values()) <= baseline_worker
    finally:
        with contextlib.suppress(BrokenPipeError):  # a driver that already ended reads nothing
            proc.stdin.write(b"x")
            proc.stdin.close()
        try:
            proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()  # stuck (a failure before it was told "go"): its returncode fails the test
            proc.wait(WAIT)
        proc.stdout.close()
    err = stderr.read_bytes()
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    assert (state / "worker.log").exists()
    assert [p.pattern for p in pats if p.search(err)] == []
    assert scan_tree(state, pats) == []
    assert scan_tree(run, pats) == []
