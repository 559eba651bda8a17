"""The public verification service in its own process: hostile files never reach or starve
the kiosk API, and every limit refuses with its code before the work starts.

Loopback only, bounded: a handful of requests per test, each answered within the
service's own deadline. Nothing is timed: isolation is shown by what runs where (the
scan checks are processes of the public service, at the lowest CPU priority) and by the
kiosk sessions that complete while every work slot is held by a hostile check.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hardware_mocks.relay.hostile import (
    HostileClient,
    blank_png,
    huge_page_pdf,
    png_claiming,
    post,
    verify_body,
    worst_inputs,
)
from hardware_mocks.services.relay import PublicServer, RelayServer
from hardware_mocks.world import World
from protocol import wire
from tests.fixtures.raw_http import exchange, tls_context
from tests.relay.test_connections import _sessions

pytestmark = [pytest.mark.relay, pytest.mark.slow]


_post = post


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


DOCUMENTED_REFUSALS = {wire.TOO_LARGE, wire.BUSY, wire.RATE_LIMITED, wire.TIMEOUT, wire.TOO_COMPLEX, wire.BAD_VALUE}


def _stat(pid: int) -> list[str] | None:
    """``/proc/PID/stat`` from field 3 (the state) on; None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def _work_processes(service_pid: int) -> dict[int, tuple[int, int]]:
    """The scan checks ``service_pid`` runs now (the live children of its fork server): pid
    → (scheduling policy, nice)."""
    stats = {int(e.name): _stat(int(e.name)) for e in Path("/proc").iterdir() if e.name.isdigit()}
    live = {pid: rest for pid, rest in stats.items() if rest is not None}
    forkservers = {pid for pid, rest in live.items() if int(rest[1]) == service_pid}
    return {pid: (int(rest[38]), int(rest[16])) for pid, rest in live.items()
            if int(rest[1]) in forkservers and rest[0] != "Z"}


SCHED_IDLE = 5
PARALLEL = 2  # the public service's default work slots
PINNED_SESSIONS = 20
ATTEMPTS = 3


def _resume(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)


def _all_stopped(pids: list[int], relay: RelayServer, world: World) -> bool:
    """Whether every one of ``pids`` has come to its stop (a signal is delivered when the
    process next runs: the kiosk works a session between looks); False if one ended first."""
    for _ in range(10):
        states = [(_stat(pid) or ["gone"])[0] for pid in pids]
        if all(state == "T" for state in states):
            return True
        if any(state in ("gone", "Z") for state in states):
            return False
        _sessions(relay, world, 1)
    return False


@contextlib.contextmanager
def _slots_held(public: PublicServer, relay: RelayServer, world: World) -> Iterator[list[int]]:
    """Every work slot of ``public`` held by a hostile check (a 36 MP scan, decoded and
    searched for a QR code), each stopped (SIGSTOP) once it runs at the lowest priority,
    for the block; then resumed, and answered as a verdict or a documented refusal. The
    kiosk works a session between looks at the processes (no waiting on a clock)."""
    body = verify_body(blank_png(36))
    with ThreadPoolExecutor(PARALLEL) as pool:
        for _ in range(ATTEMPTS):
            answers = [pool.submit(post, public.port, public.ca_file, body) for _ in range(PARALLEL)]
            stopped: list[int] = []
            while len(stopped) < PARALLEL and not all(a.done() for a in answers):
                _sessions(relay, world, 1)
                for pid, priority in _work_processes(public.pid).items():
                    if pid not in stopped and priority == (SCHED_IDLE, 19):  # already at SCHED_IDLE, nice 19
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGSTOP)
                            stopped.append(pid)
            held = len(stopped) == PARALLEL and _all_stopped(stopped, relay, world)
            try:
                if held:
                    yield stopped
            finally:
                _resume(stopped)
                for status, answer in (a.result() for a in answers):
                    assert (status == 200 and answer["valid"] is False) or answer["error"]["code"] in (
                        DOCUMENTED_REFUSALS)
            if held:
                return
    raise AssertionError("no attempt held every work slot")


def test_hostile_files_never_reach_or_starve_the_kiosk_api(world: World, tmp_path: Path) -> None:
    """Two rounds of every hostile file, three at a time (one more than the work slots),
    sent to the public service on the same machine while the kiosk works: each is read only
    in a work process of the public service (never of the relay), and the relay's memory
    does not grow. Then, with every work slot held by a hostile check (stopped, so that it
    holds its slot for as long as the kiosk needs), the kiosk completes its sessions, every
    call answered, while the public service refuses another scan as ``busy``. The checks
    run at SCHED_IDLE, nice 19: they get a core only when issuing does not want it."""
    relay = RelayServer.start(world.root, tmp_path / "relay")
    public = PublicServer.start(world.root, tmp_path / "public",
                                extra_args=("--scans-per-minute", "1000", "--work-timeout", "120"))
    try:
        _sessions(relay, world, 3)
        relay_rss = _rss_kib(relay.process.pid)
        with HostileClient(public.port, public.ca_file, rounds=2, parallel=3) as attack:
            while attack.running():
                _sessions(relay, world, 1)  # a refused or failed call raises
                assert not _work_processes(relay.process.pid)  # the relay never runs a check
        with _slots_held(public, relay, world) as held:
            _sessions(relay, world, PINNED_SESSIONS)
            assert post(public.port, public.ca_file, verify_body(blank_png(1))) == (
                503, {"error": {"code": wire.BUSY}})  # every slot still held, by the same stopped checks
            assert all((_stat(pid) or ["gone"])[0] == "T" for pid in held)
        public_rss = _rss_kib(public.pid)
        assert _rss_kib(relay.process.pid) < relay_rss + 20_000  # the kiosk API did none of the work
    finally:
        public.stop()
        relay.stop()
    assert len(attack.answers) == 2 * len(worst_inputs())
    for status, answer in attack.answers:  # every answer is a verdict or a documented refusal
        assert (status == 200 and answer["valid"] is False) or answer["error"]["code"] in DOCUMENTED_REFUSALS
    assert public_rss < 300_000  # the work ran, and ended, in processes of its own


@pytest.fixture(scope="module")
def strict_public(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicServer]:
    server = PublicServer.start(world.root, tmp_path_factory.mktemp("strict-public"), extra_args=(
        "--parallel", "1", "--work-timeout", "0.2", "--checks-per-minute", "3", "--scans-per-minute", "1000",
        "--work-memory-mb", "1024"))  # a 36 MP scan then runs out of time, not memory
    yield server
    server.stop()


def test_a_body_over_the_limit_is_refused_before_it_is_read(strict_public: PublicServer) -> None:
    status, answer = _post(strict_public.port, strict_public.ca_file, b"{}",
                           {"Content-Length": str(wire.MAX_VERIFY_BODY_BYTES + 1)})
    assert (status, answer) == (413, {"error": {"code": wire.TOO_LARGE}})


@pytest.mark.parametrize("scan", [png_claiming(9000, 9000), blank_png(42)], ids=["claims-80mp", "42mp"])
def test_images_over_40_megapixels_are_refused(strict_public: PublicServer, scan: bytes) -> None:
    status, answer = _post(strict_public.port, strict_public.ca_file, verify_body(scan))
    assert (status, answer) == (413, {"error": {"code": wire.TOO_LARGE, "field": "scans"}})


def test_work_past_its_deadline_is_killed_and_its_slot_freed(strict_public: PublicServer) -> None:
    slow = verify_body(blank_png(36))  # decoding and searching 36 MP: past the 0.2 s deadline
    assert _post(strict_public.port, strict_public.ca_file, slow) == (503, {"error": {"code": wire.TIMEOUT}})
    status, answer = _post(strict_public.port, strict_public.ca_file, verify_body(huge_page_pdf(14400)))
    assert status in (200, 413, 422, 503) and answer != {"error": {"code": wire.BUSY}}  # the slot was free


def test_scans_over_the_parallel_limit_are_refused_busy(strict_public: PublicServer) -> None:
    slow = verify_body(blank_png(36))
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: _post(strict_public.port, strict_public.ca_file, slow), range(4)))
    assert (503, {"error": {"code": wire.BUSY}}) in answers
    assert {a["error"]["code"] for _, a in answers} <= {wire.BUSY, wire.TIMEOUT}


def test_checks_over_the_rate_are_refused(strict_public: PublicServer) -> None:
    body = json.dumps({"qr": "KC1:???"}).encode()
    answers = [_post(strict_public.port, strict_public.ca_file, body) for _ in range(8)]
    refused = [a for a in answers if a == (429, {"error": {"code": wire.RATE_LIMITED}})]
    assert len(refused) >= 2  # 3 a minute: at most 6 of 8 fit even across a minute's turn
    assert all(a[0] == 200 for a in answers if a not in refused)


def test_large_uploads_take_a_slot_before_their_body_is_read(strict_public: PublicServer) -> None:
    """One large upload at a time from an address (and four in all): the next is refused
    busy from its headers alone, so slow or parallel uploads cannot fill the service's
    memory; small bodies (QR checks) never wait for a slot; the slot is back once the
    first upload ends."""
    ctx = tls_context(strict_public.ca_file)
    head = ("POST /v1/verify HTTP/1.1\r\nHost: verify\r\nContent-Type: application/json\r\n"
            f"Content-Length: {40 << 20}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", strict_public.port), timeout=30) as raw, \
            ctx.wrap_socket(raw, server_hostname="127.0.0.1") as first:
        first.sendall(head + b'{"scans": ["')  # and then nothing: its body is being received
        second = exchange(strict_public.port, ctx, head)  # headers only: answered all the same
        assert (second.status, second.json()) == (503, {"error": {"code": wire.BUSY}})
        qr = json.dumps({"qr": "KC1:???"}).encode()
        status, answer = _post(strict_public.port, strict_public.ca_file, qr)
        assert status in (200, 429) and answer != {"error": {"code": wire.BUSY}}
    body = json.dumps({"scans": ["A" * (2 << 20)]}).encode()  # large, and not a readable file
    # the first upload's slot is given back once the service sees its connection close
    answers = (_post(strict_public.port, strict_public.ca_file, body) for _ in range(20))
    status, answer = next((a for a in answers if a[1] != {"error": {"code": wire.BUSY}}), (503, None))
    assert (status, answer["status"] if answer else None) == (200, "unreadable"), answer  # read and answered
