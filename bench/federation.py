"""Federation load benchmark: complete sessions through the issuing centre and its
municipal issuing servers (three, or ``--members``), each its own process on loopback.

``python -m bench.federation [--kiosks 200] [--duration 10] [--rate 150] [--members 3[,6]] [--menu-call]
[--centre-workers 1]``

The world: a test world with a crowd of ``--kiosks`` residents, each with a card and a
kiosk of their own (:mod:`hardware_mocks.relay.crowd`), split by household between the
municipalities of :mod:`hardware_mocks.federation_world` (A, B, C and, with ``--members``
above 3, extra members with a plain configuration); the processes:
:class:`hardware_mocks.services.federation.FederationServices` (``relay municipality
serve`` once per member, ``relay centre serve``). ``--members 3,6`` runs each count in
turn after the other, on the same crowd, and reports what each member beyond the first
count cost the centre (memory idle and under load, connections). Each simulated kiosk runs complete sessions
back to back over the kiosk protocol with its own client certificate, on a new TLS
connection per session (one session worker per customer): open, authenticate (the card's
RSA signature, the menu coming with its answer), request one 住民票, outcome — the
session the kiosk's own engine runs (``--menu-call``: ask ``/v1/menu`` after
authenticating too, the session earlier runs of this benchmark measured). A document
bound to another session or naming anyone but the kiosk's own resident counts as a
mismatch. The kiosks run as asyncio tasks in ``--processes`` client processes at
``--client-nice``, on the same cores as the servers (see ``bench.relay``: latencies are
measured at the kiosk, so the clients' share of the CPU slows every number, never hides the
servers'), each over :mod:`bench.lean_http` (one connection, the four requests; aiohttp's
client cost them more CPU than the kiosk's own adapter spends).

Reported: sessions/s (to the end of the last session, a little after the run's), paced with
how many of the sessions the kiosks' schedules offered were served, p50/p99 of each call,
mismatches and errors; the CPU of the centre,
of each municipal server and of the simulated kiosks (``kiosks``: the client processes)
per session; the centre's memory before the load (idle), after it and at its peak, its
open connections to each municipal server before and after the run, and each municipal
server's memory (what one more member costs); with ``--centre-workers``, the centre's
processes together. Before and after the runs, the machine's speed in the operations a
session is made of (:mod:`bench.machine`), so that figures of different days can be told
apart from the machine's own changes.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import gc
import multiprocessing
import os
import platform
import shutil
import ssl
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import machine
from bench.lean_http import Connection, HttpError
from bench.relay import _pct, _rss_mib, _tree_cpu

CALLS = ("open", "authenticate", "menu", "documents", "outcome", "session")
MIN_MEMBERS = 3
SESSION_TIMEOUT = 60.0  # seconds a simulated kiosk waits for a whole session before counting an error


@dataclass
class Result:
    sessions: int = 0
    offered: int = 0  # paced: the sessions the kiosks' schedules started within the run, none late
    mismatches: int = 0
    last_end: float = 0.0
    cpu: float = 0.0  # the client process's CPU seconds (the simulated kiosks' TLS, card signatures, JSON)
    errors: dict[str, int] = field(default_factory=dict)
    latency: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in CALLS})

    def add(self, other: Result) -> None:
        self.sessions += other.sessions
        self.offered += other.offered
        self.mismatches += other.mismatches
        self.last_end = max(self.last_end, other.last_end)
        self.cpu += other.cpu
        for k, v in other.errors.items():
            self.errors[k] = self.errors.get(k, 0) + v
        for c in CALLS:
            self.latency[c].extend(other.latency[c])


class CallFailed(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def _call(http: Connection, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = await http.post(path, body)
    if status != 200:
        raise CallFailed(str(answer.get("error", {}).get("code", status)))
    return answer


async def session(address: tuple[str, int], tls: ssl.SSLContext, member: Any, latency: dict[str, list[float]],
                  menu_call: bool = False) -> bool:
    """One complete session on a fresh connection; False when a document was not this
    session's or not this resident's. Without ``menu_call`` the session is the one the
    kiosk's own engine runs (``kiosk/session/engine.py`` takes the menu from the
    authenticate answer); with it ``/v1/menu`` is asked after authenticating too, as
    runs of this benchmark before 2026-12-01 did."""
    from protocol import wire

    started = last = time.perf_counter()

    def mark(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        latency[name].append(now - last)
        last = now

    async with Connection(*address, tls) as http:
        opened = await _call(http, wire.SESSION_PATH, {})
        mark("open")
        sid = opened["session_id"]
        signature = member.card.sign(base64.b64decode(opened["challenge"]), sid, member.kiosk_id)
        await _call(http, wire.AUTH_PATH, {
            "session_id": sid, "card_certificate": base64.b64encode(member.card.cert_der).decode(),
            "signature": base64.b64encode(signature).decode()})
        mark("authenticate")
        if menu_call:
            await _call(http, wire.MENU_PATH, {"session_id": sid})
            mark("menu")
        rid = str(uuid.uuid4())
        issued = await _call(http, wire.DOCUMENTS_PATH, {
            "session_id": sid, "request_id": rid, "cert_type": "juminhyo", "options": {}, "copies": 1})
        mark("documents")
        own = bool(issued["documents"]) and all(
            d["binding"]["session_id"] == sid and d["binding"]["request_id"] == rid
            and d["document"]["body"]["members"][0]["name"]["given"] == member.given_name
            for d in issued["documents"])
        await _call(http, wire.OUTCOME_PATH, {
            "session_id": sid, "request_id": rid, "outcome": "printed", "copies": 1, "amount": issued["amount"]})
        mark("outcome")
    latency["session"].append(last - started)
    return own


async def _kiosk(info: dict[str, Any], member: Any, start_at: float, deadline: float, interval: float,
                 result: Result) -> None:
    import random

    from kiosk.relay_client.https import client_tls_context

    pki = Path(info["pki"])
    tls = client_tls_context(pki / "operator-ca.pem", pki / "kiosks" / f"{member.kiosk_id}.pem",
                             pki / "kiosks" / f"{member.kiosk_id}.key")  # the kiosk's own TLS
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    next_start = time.monotonic() + random.uniform(0, interval)
    if interval and next_start < deadline:
        result.offered += int((deadline - next_start) // interval) + 1
    while time.monotonic() < deadline:
        if interval:  # paced: this kiosk's share of the offered rate
            await asyncio.sleep(max(0.0, next_start - time.monotonic()))
            next_start = max(next_start + interval, time.monotonic())
            if time.monotonic() >= deadline:
                break
        try:
            async with asyncio.timeout(SESSION_TIMEOUT):
                own = await session(info["address"], tls, member, result.latency, info["menu_call"])
            if not own:
                result.mismatches += 1
            result.sessions += 1
            result.last_end = time.monotonic()
        except CallFailed as exc:
            result.errors[exc.code] = result.errors.get(exc.code, 0) + 1
        except (TimeoutError, OSError, HttpError, ValueError) as exc:  # dropped, refused, or no JSON answer
            name = type(exc).__name__
            result.errors[name] = result.errors.get(name, 0) + 1


_MEMBERS: list[Any] = []  # set before the client processes fork (keys do not pickle)


def _client_process(args: tuple[dict[str, Any], list[int], float, float, float, int]) -> Result:
    from relay.stopping import THRESHOLDS

    info, indices, start_at, duration, interval, nice = args
    if nice:
        os.nice(nice)
    gc.freeze()  # what the fork brought (the crowd, its keys): as a serving process does
    gc.set_threshold(*THRESHOLDS)
    results = [Result() for _ in indices]

    async def all_kiosks() -> None:
        await asyncio.gather(*(_kiosk(info, _MEMBERS[i], start_at, start_at + duration, interval, r)
                               for i, r in zip(indices, results, strict=True)))

    cpu = time.process_time()
    asyncio.run(all_kiosks())
    total = Result(cpu=time.process_time() - cpu)
    for r in results:
        total.add(r)
    return total


def _connections(pid: int, ports: dict[str, int]) -> dict[str, int]:
    """The process's established TCP connections to each municipal server's port."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    by_port = {port: code for code, port in ports.items()}
    counts = dict.fromkeys(ports, 0)
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        remote_port, state, inode = int(cols[2].split(":")[1], 16), cols[3], cols[9]
        if state == "01" and inode in inodes and remote_port in by_port:
            counts[by_port[remote_port]] += 1
    return counts


def _peak_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _tree(pid: int) -> list[int]:
    """``pid`` and its children (a centre's ``--workers``)."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry))
            except OSError:
                continue
    return [pid, *children]


def _loop_cpu(pid: int) -> float:
    """CPU seconds of the centre's main threads so far (its event loops; the writer threads
    and the default executor's are the rest of its CPU)."""
    total = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/task/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _centre_mib(pid: int, measure: Callable[[int], float]) -> float:
    """Resident memory of the centre's processes together (with workers, the pages they
    share since the fork are counted once for each)."""
    return sum(measure(p) for p in _tree(pid))


def _centre_connections(pid: int, ports: dict[str, int]) -> dict[str, int]:
    counts = dict.fromkeys(ports, 0)
    for p in _tree(pid):
        for code, n in _connections(p, ports).items():
            counts[code] += n
    return counts


def run(services: Any, members: list[Any], kiosks: int, duration: float, processes: int, rate: float,
        nice: int, menu_call: bool = False) -> dict[str, Any]:
    """``rate`` > 0: the kiosks together start ``rate`` sessions a second; 0: saturation.
    ``menu_call``: each session asks ``/v1/menu`` too (see :func:`session`)."""
    assert services.centre is not None
    info = {"address": ("127.0.0.1", services.centre_port), "pki": str(services.world.base.root / "pki"),
            "menu_call": menu_call}
    _MEMBERS[:] = members[:kiosks]
    chunks = [list(range(kiosks))[p::processes] for p in range(processes)]
    start_at = time.monotonic() + 1.0 + kiosks / 200
    pids = {"centre": services.centre.pid} | {code: p.pid for code, p in services.municipal.items()}
    idle = _centre_mib(services.centre.pid, _rss_mib), _centre_connections(services.centre.pid, services.ports)
    municipal_idle = {code: _rss_mib(p.pid) for code, p in services.municipal.items()}
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        before = {name: _tree_cpu(pid) for name, pid in pids.items()}
        loop_before = _loop_cpu(services.centre.pid)
        parts = pool.map(_client_process, [(info, c, start_at, duration, kiosks / rate if rate else 0.0, nice)
                                           for c in chunks if c])
        cpu = {name: _tree_cpu(pid) - before[name] for name, pid in pids.items()}
        loop = _loop_cpu(services.centre.pid) - loop_before
    total = Result()
    for part in parts:
        total.add(part)
    per = 1000 / total.sessions if total.sessions else 0.0
    return {"kiosks": kiosks, "rate": rate, "members": len(services.municipal), "menu_call": menu_call,
            "sessions": total.sessions, "offered": total.offered,
            "sessions_per_s": total.sessions / (total.last_end - start_at) if total.last_end > start_at else 0.0,
            "mismatches": total.mismatches, "errors": total.errors,
            "cpu_ms_per_session": {name: c * per for name, c in cpu.items()} | {"kiosks": total.cpu * per},
            "centre_loop_ms_per_session": loop * per,
            "p50_ms": {c: _pct(total.latency[c], 0.50) for c in CALLS},
            "p99_ms": {c: _pct(total.latency[c], 0.99) for c in CALLS},
            "centre_idle_mib": idle[0], "idle_connections": idle[1],
            "centre_mib": _centre_mib(services.centre.pid, _rss_mib),
            "centre_peak_mib": _centre_mib(services.centre.pid, _peak_mib),
            "municipal_idle_mib": municipal_idle,
            "municipal_mib": {code: _rss_mib(p.pid) for code, p in services.municipal.items()},
            "connections": _centre_connections(services.centre.pid, services.ports)}


def report(r: dict[str, Any]) -> str:
    mode = f"paced {r['rate']:.0f}/s" if r["rate"] else "saturation"
    cpu = " ".join(f"{k}={v:.2f}" for k, v in r["cpu_ms_per_session"].items())
    # All processes together, and the cores that made: the same code ran at different
    # speeds on this machine with the same cores used (docs/benchmarks.md), so a run's
    # sessions/s is read against the CPU its session cost.
    whole = sum(r["cpu_ms_per_session"].values())
    cpu += f" all={whole:.2f} ({whole * r['sessions_per_s'] / 1000:.2f} cores)"
    # The centre's event loop is one thread: at saturation it is the queue every session
    # waits in, so its share of a core says how close the centre is to its limit.
    loop = r["centre_loop_ms_per_session"]
    cpu += f" centre-loop={loop:.2f} ({loop * r['sessions_per_s'] / 1000:.2f} of a core)"
    calls = " ".join(f"{c}={r['p50_ms'][c]:.1f}/{r['p99_ms'][c]:.1f}" for c in CALLS
                     if c != "menu" or r["menu_call"])
    mib = " ".join(f"{k}={r['municipal_idle_mib'][k]:.0f}->{v:.0f}" for k, v in r["municipal_mib"].items())
    shape = " (+ /v1/menu call)" if r["menu_call"] else ""
    # Paced: how many of the sessions the schedules offered were served (a kiosk whose last
    # session ran past its next start skips ahead). sessions/s counts to the last session's
    # end, after the run's end by that session's length, so it reads a little under the
    # offered rate even when every offered session was served.
    offered = f" of {r['offered']} offered" if r["rate"] else ""
    return (f"{mode:<12}{shape} members={r['members']:>2} kiosks={r['kiosks']:>4} "
            f"sessions/s={r['sessions_per_s']:6.1f} sessions={r['sessions']:>5}{offered} "
            f"mismatches={r['mismatches']} errors={r['errors'] or 0}\n"
            f"    cpu ms/session: {cpu}\n    p50/p99 ms: {calls}\n"
            f"    RSS MiB: centre={r['centre_idle_mib']:.0f} idle -> {r['centre_mib']:.0f} "
            f"(peak {r['centre_peak_mib']:.0f}) {mib}; "
            f"centre connections per member: {r['idle_connections']} idle -> {r['connections']}")


def per_member(few: dict[str, Any], many: dict[str, Any]) -> str:
    """What each member beyond ``few``'s cost in ``many`` (two runs at the same rate): the
    centre's memory idle, after the load and at its peak, and its connections to a member."""
    extra = many["members"] - few["members"]

    def mean(counts: Mapping[str, float]) -> float:
        return sum(counts.values()) / len(counts)

    growth = {k: (many[k] - few[k]) / extra for k in ("centre_idle_mib", "centre_mib", "centre_peak_mib")}
    return (f"# each member beyond {few['members']} ({many['members']} members): centre RSS "
            f"{growth['centre_idle_mib']:+.1f} MiB idle, {growth['centre_mib']:+.1f} after the load, "
            f"{growth['centre_peak_mib']:+.1f} at the peak; centre connections per member "
            f"{mean(many['idle_connections']):.1f} idle, {mean(many['connections']):.1f} after the load "
            f"(with {few['members']}: {mean(few['connections']):.1f}); a municipal server "
            f"{mean(many['municipal_idle_mib']):.0f} MiB idle, {mean(many['municipal_mib']):.0f} after the load "
            f"(with {few['members']}: {mean(few['municipal_idle_mib']):.0f}, {mean(few['municipal_mib']):.0f})")


def member_counts(text: str) -> list[int]:
    """``--members``: one count or several, comma-separated, each 3 to the world's maximum."""
    from hardware_mocks.federation_world import MAX_MEMBERS

    try:
        counts = [int(n) for n in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a count or a list of counts: {text!r}") from None
    if not counts or any(not MIN_MEMBERS <= n <= MAX_MEMBERS for n in counts):
        raise argparse.ArgumentTypeError(f"each count from {MIN_MEMBERS} to {MAX_MEMBERS}")
    return counts


def prepare(kiosks: int, root: Path, counts: tuple[int, ...] = (MIN_MEMBERS,)) -> tuple[dict[int, Any], list[Any]]:
    """The crowd's world, and a federation world over it for each member count."""
    from hardware_mocks.federation_world import create as create_federation
    from hardware_mocks.relay.crowd import add_crowd
    from hardware_mocks.world import World, create

    create(root / "world", seed=1)
    members = add_crowd(root / "world", kiosks)
    return {n: create_federation(World(root / "world"), root / f"federation-{n}", members=n) for n in counts}, members


def main(argv: list[str] | None = None) -> int:
    from hardware_mocks.services.federation import FederationServices

    p = argparse.ArgumentParser(prog="python -m bench.federation", description=__doc__.split("\n\n")[0])
    p.add_argument("--kiosks", type=int, default=200)
    p.add_argument("--duration", type=float, default=10.0, help="seconds of load per run")
    p.add_argument("--rate", type=float, default=150.0,
                   help="offered sessions/s of the paced run (0: the saturation run only)")
    p.add_argument("--processes", type=int, default=2, help="client processes")
    p.add_argument("--client-nice", type=int, default=10)
    p.add_argument("--municipal-deadline", type=float, default=3.0,
                   help="the centre's per-call deadline (its default; it counts only the municipal call, not "
                        "the centre's own queue)")
    p.add_argument("--menu-call", action=argparse.BooleanOptionalAction, default=False,
                   help="ask /v1/menu after authenticating too (the session of runs before 2026-12-01); "
                        "default: the kiosk engine's session, whose menu comes with the authenticate answer")
    p.add_argument("--centre-workers", type=int, default=1,
                   help="centre processes on its one port (relay centre serve --workers)")
    p.add_argument("--members", type=member_counts, default=[MIN_MEMBERS],
                   help="municipal servers (3 to 12); several, comma-separated (3,6), run one after the other")
    args = p.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-federation-"))
    try:
        worlds, members = prepare(args.kiosks, root, tuple(args.members))
        print(f"# federation benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
              f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}, {args.duration:.0f} s per run, centre "
              f"({args.centre_workers} process{'es' if args.centre_workers > 1 else ''}) + "
              f"{','.join(map(str, args.members))} municipal processes, {args.processes} client processes at "
              f"nice {args.client_nice}, load average {os.getloadavg()[0]:.1f} before", flush=True)
        print(f"# machine before: {machine.describe(machine.reference())}", flush=True)
        for rate in (args.rate, 0.0) if args.rate else (0.0,):
            results = []
            for count in args.members:
                services = FederationServices.start(
                    worlds[count], root / f"state-{rate:.0f}-{count}", municipal_deadline=args.municipal_deadline,
                    centre_args=("--max-per-source", str(max(256, 2 * args.kiosks)),  # every kiosk on 127.0.0.1
                                 "--workers", str(args.centre_workers)))
                try:
                    results.append(run(services, members, args.kiosks, args.duration, args.processes, rate,
                                       args.client_nice, args.menu_call))
                finally:
                    services.stop()
                print(report(results[-1]), f"# load average {os.getloadavg()[0]:.1f}", sep="\n", flush=True)
            for few, many in zip(results, results[1:], strict=False):
                print(per_member(few, many), flush=True)
        print(f"# load average {os.getloadavg()[0]:.1f} after", flush=True)
        print(f"# machine after: {machine.describe(machine.reference())}", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
