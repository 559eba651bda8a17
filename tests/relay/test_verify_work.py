"""A scan check's deadline counts the CPU the check used, not the time it waited for the
CPU: on a loaded machine a low-priority check that has done little work is not answered
``timeout`` (it once was, with a genuine certificate); one that never gets the CPU is
given up on the clock, bounded. Nothing here asserts on elapsed time."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from relay import verify_work
from relay.verify_work import VerifierKeys, WorkLimits, WorkPool, cpu_seconds, wall_limit

pytestmark = pytest.mark.relay


def _pool(deadline: float) -> WorkPool:
    return WorkPool(VerifierKeys(b"\0" * 32, b"\0" * 32, "131016"), WorkLimits(deadline=deadline))


def _child(code: str) -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        yield child
    finally:
        child.kill()
        child.wait()


@pytest.fixture
def idle_child() -> Iterator[subprocess.Popen[bytes]]:
    """A process that waits and uses no CPU (as a check the scheduler never runs)."""
    yield from _child("import signal; signal.pause()")


@pytest.fixture
def busy_child() -> Iterator[subprocess.Popen[bytes]]:
    """A process that works without end (as a check on a costly file)."""
    yield from _child("while True: pass")


def _waited(pool: WorkPool, pid: int) -> object:
    """What the pool's wait makes of a child that never answers on its pipe."""
    receive, send = multiprocessing.Pipe(duplex=False)
    try:
        return pool._wait(receive, pid)
    finally:
        receive.close()
        send.close()


def test_the_wall_limit_is_generous_and_follows_the_deadline() -> None:
    assert wall_limit(0.2) == wall_limit(10) == verify_work.WALL_FLOOR == 60
    assert wall_limit(20) == 120


def test_a_check_is_over_its_deadline_once_it_has_used_that_cpu(busy_child: subprocess.Popen[bytes]) -> None:
    assert cpu_seconds(2**22 + 12345) == 0.0  # no such process
    assert _waited(_pool(0.2), busy_child.pid) == verify_work._OVER_DEADLINE
    assert cpu_seconds(busy_child.pid) >= 0.2


def test_a_check_waiting_for_the_cpu_is_not_timed_out_but_given_up_on_the_clock(
        idle_child: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify_work, "WALL_FLOOR", 1.0)  # not a minute here: the child never runs
    # 0.2 s is far below the wall limit: a wall-clock deadline would have fired first
    assert _waited(_pool(0.2), idle_child.pid) == verify_work._STARVED
    assert cpu_seconds(idle_child.pid) < 0.2 and os.path.exists(f"/proc/{idle_child.pid}")


def test_an_answer_is_returned_as_it_came(idle_child: subprocess.Popen[bytes]) -> None:
    receive, send = multiprocessing.Pipe(duplex=False)
    send.send(("ok", {"valid": True}))
    try:
        assert _pool(0.2)._wait(receive, idle_child.pid) == ("ok", {"valid": True})
    finally:
        receive.close()
        send.close()
