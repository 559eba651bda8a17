"""``relay.workers``: toy workers in a process of their own (the parent forks, and is sent
signals), each told its place in the order of the forks."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fixtures.waiting import wait_for

#: Run ``relay.workers.run`` with two workers; worker N does what ``ROLES[N]`` says:
#: ``serve`` (ready, then wait for SIGTERM, noting it), ``die`` (ready, then exit 3),
#: ``fail`` (raise before being ready), ``hang`` (never ready).
HARNESS = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from relay import workers

    out, roles = Path(sys.argv[1]), sys.argv[2:]
    forks = 0
    real_fork = os.fork

    def counting_fork():
        global forks
        pid = real_fork()
        if pid:
            forks += 1
        return pid

    os.fork = counting_fork

    def worker(ready_fd):
        role = roles[forks]
        (out / f".pid-{forks}").write_text(str(os.getpid()))
        (out / f".pid-{forks}").rename(out / f"pid-{forks}")  # whole when it appears
        if role == "fail":
            raise RuntimeError("the kiosk key cannot be read")
        if role == "hang":
            while True:
                signal.pause()
        stopped = []
        signal.signal(signal.SIGTERM, lambda *_: stopped.append(1))
        workers.said_ready(ready_fd)
        if role == "die":  # the other has said it is ready too before the parent watches for an end
            sys.exit(3)
        while not stopped:
            signal.pause()
        (out / f"stopped-{forks}").write_text("")

    code = workers.run(len(roles), worker, lambda: (out / "ready").write_text(str(os.getpid())))
    (out / "status").write_text(str(code))
    sys.exit(code)
""")


Start = Callable[..., "subprocess.Popen[str]"]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    """Start the harness with the roles given, in a session of its own: whatever is left of
    it (a parent that never returned, its workers) is killed after the test."""
    started: list[subprocess.Popen[str]] = []

    def starter(*roles: str) -> subprocess.Popen[str]:
        process = subprocess.Popen([sys.executable, "-c", HARNESS, str(tmp_path), *roles], stderr=subprocess.PIPE,
                                   text=True, cwd=Path(__file__).resolve().parents[2], start_new_session=True)
        started.append(process)
        return process

    yield starter
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


@pytest.mark.parametrize("order", [("serve", "die"), ("die", "serve")])
def test_any_worker_that_dies_after_start_stops_the_others(tmp_path: Path, start: Start,
                                                          order: tuple[str, str]) -> None:
    process = start(*order)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    serving = order.index("serve")
    assert (tmp_path / f"stopped-{serving}").exists()  # told to stop, and stopped cleanly


def test_a_worker_that_fails_to_start_says_why(tmp_path: Path, start: Start) -> None:
    process = start("serve", "fail")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "RuntimeError: the kiosk key cannot be read" in err and "error: a worker failed to start" in err
    assert not (tmp_path / "ready").exists()  # never said accepting
    assert (tmp_path / "stopped-0").exists()


def test_a_stop_reaches_every_worker(tmp_path: Path, start: Start) -> None:
    process = start("serve", "serve")
    wait_for(lambda: (tmp_path / "ready").exists(), what="both workers ready")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert (tmp_path / "stopped-0").exists() and (tmp_path / "stopped-1").exists()


def test_a_stop_during_start_up_leaves_no_worker_behind(tmp_path: Path, start: Start) -> None:
    process = start("serve", "hang")  # the second is never ready
    wait_for(lambda: all((tmp_path / f"pid-{n}").exists() for n in (0, 1)), what="both workers running")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert not (tmp_path / "ready").exists()
    for n in (0, 1):
        pid = int((tmp_path / f"pid-{n}").read_text())
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
