"""Relay load benchmark: N simulated kiosks doing complete sessions against the relay.

``python -m bench.relay [--kiosks 200] [--duration 10] [--scaling 50,100,200,400]``
``python -m bench.relay --db postgresql [--nodes 1,2,3]``: the centre on a private
PostgreSQL (fsync on) with 1, 2 and 3 nodes, against one SQLite relay in the same run, at
``--rate`` (0: saturation); the CPU of the nodes and of the database per session; and the
database round trips of each call, counted on the wire (a TCP relay between one
in-process relay core and PostgreSQL: every time the server answers after the relay sent
is one).

Each simulated kiosk has its own client certificate and its own resident (a crowd added
to a private test world, see :mod:`hardware_mocks.relay.crowd`), and runs complete sessions back to back
through the real client (:class:`kiosk.relay_client.https.HttpsRelayClient`): a new TLS
connection per session (one session worker per customer), open, authenticate (the card's
RSA signature), menu, request one 住民票 (binding checked), outcome. A document that fails
its binding check or names anyone but the kiosk's own resident counts as a mismatch.
Client threads run in ``--processes`` processes on the same machine as the relay, at a
lower priority (``--client-nice``): in service the relay has its machine to itself, and
here the simulated kiosks would otherwise take the CPU the relay needs. Latencies are
measured at the kiosk, so this slows the clients' side of every number, never hides the
relay's.

Then, unless told otherwise: one kiosk's latencies before, during and after a flood of
unfinished TLS handshakes at the relay's connection cap (``--flood-cap``, the relay under
an open-file limit of cap + 100, :mod:`hardware_mocks.relay.flood`), and each hostile
file at the public verification service (:mod:`hardware_mocks.relay.hostile`) with the
memory of the relay and of the public service afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import random
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CALLS = ("open", "authenticate", "menu", "documents", "outcome", "session")



@dataclass
class KioskResult:
    sessions: int = 0
    mismatches: int = 0
    last_end: float = 0.0  # monotonic time the last session ended (system-wide clock)
    errors: dict[str, int] = field(default_factory=dict)
    latency: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in CALLS})


def run_session(client: Any, member: Any, latency: dict[str, list[float]] | None = None) -> bool:
    """One complete session; returns False when a document was not this resident's."""
    from kiosk.relay_client.port import Outcome

    marks = [time.perf_counter()]
    try:
        opened = client.open_session()
        marks.append(time.perf_counter())
        client.authenticate(member.card.cert_der, member.card.sign(opened.challenge, opened.session_id,
                                                                  client.kiosk_id))
        marks.append(time.perf_counter())
        client.menu()
        marks.append(time.perf_counter())
        rid = str(uuid.uuid4())
        issued = client.request_documents(rid, "juminhyo", {}, 1)
        marks.append(time.perf_counter())
        own = all(d["body"]["members"][0]["name"]["given"] == member.given_name for d in issued.documents)
        client.report_outcome(rid, Outcome.PRINTED, 1, issued.amount)
        marks.append(time.perf_counter())
    finally:
        client.close()
    if latency is not None:
        for name, start, end in zip(CALLS, marks, marks[1:], strict=False):
            latency[name].append(end - start)
        latency["session"].append(marks[-1] - marks[0])
    return own


def _kiosk_loop(server: Any, member: Any, deadline: float, start: threading.Barrier, result: KioskResult,
                interval: float, first: int) -> None:
    """``first``: the node this kiosk tries first (kiosks spread over the nodes)."""
    from kiosk.relay_client.client import load_issuer_public_key
    from kiosk.relay_client.errors import IntegrityError, RelayError
    from kiosk.relay_client.https import HttpsRelayClient

    cert, key = server["kiosk_cert"](member.kiosk_id)
    urls = server["urls"][first:] + server["urls"][:first]
    client = HttpsRelayClient(urls, ca_file=server["ca"], cert_file=cert, key_file=key,
                              issuer_key=load_issuer_public_key(server["issuer"]), read_timeout=30)
    start.wait()
    next_start = time.monotonic() + random.uniform(0, interval)
    while time.monotonic() < deadline:
        if interval:  # paced: this kiosk's share of the offered rate, never in bursts
            time.sleep(max(0.0, next_start - time.monotonic()))
            next_start = max(next_start + interval, time.monotonic())
            if time.monotonic() >= deadline:
                break
        try:
            if not run_session(client, member, result.latency):
                result.mismatches += 1
            result.sessions += 1
            result.last_end = time.monotonic()
        except IntegrityError:
            result.mismatches += 1
        except RelayError as exc:
            result.errors[exc.code] = result.errors.get(exc.code, 0) + 1


_MEMBERS: list[Any] = []  # set before the client processes fork (keys do not pickle)


def _client_process(args: tuple[dict[str, Any], list[int], float, float, float, int]) -> KioskResult:
    server, indices, start_at, duration, interval, nice = args
    members = [_MEMBERS[i] for i in indices]
    if nice:
        os.nice(nice)
    server = {**server, "kiosk_cert": lambda k: (Path(server["pki"]) / "kiosks" / f"{k}.pem",
                                                 Path(server["pki"]) / "kiosks" / f"{k}.key")}
    results = [KioskResult() for _ in members]
    barrier = threading.Barrier(len(members) + 1)
    nodes = len(server["urls"])
    threads = [threading.Thread(target=_kiosk_loop, daemon=True,
                                args=(server, m, start_at + duration, barrier, r, interval, i % nodes))
               for i, m, r in zip(indices, members, results, strict=True)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, start_at - time.monotonic()))
    barrier.wait()
    for t in threads:
        t.join()
    total = KioskResult()
    for r in results:
        total.last_end = max(total.last_end, r.last_end)
        total.sessions += r.sessions
        total.mismatches += r.mismatches
        for k, v in r.errors.items():
            total.errors[k] = total.errors.get(k, 0) + v
        for c in CALLS:
            total.latency[c].extend(r.latency[c])
    return total


def _tree_cpu(pid: int) -> float:
    """CPU seconds used so far by process ``pid`` and its children (the relay's workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(world_root: Path, members: list[Any], kiosks: int, duration: float, processes: int,
        rate: float = 0.0, relay_workers: int = 1, client_nice: int = 0, db: str | None = None,
        nodes: int = 1, db_pid: int | None = None) -> dict[str, Any]:
    """``rate`` > 0: the kiosks together start ``rate`` sessions a second (open loop);
    0: every kiosk starts its next session as soon as the last ends (saturation). ``db``:
    a ``postgresql://`` URL that ``nodes`` relays share (default: one SQLite relay);
    ``db_pid``: the database server's process, whose CPU is counted too."""
    from hardware_mocks.relay.testing import open_hours
    from hardware_mocks.services.relay import RelayServer
    from hardware_mocks.world import World

    state = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    servers: list[RelayServer] = []
    try:
        for i in range(nodes):
            servers.append(RelayServer.start(world_root, state / f"node{i}", clock_start=open_hours(World(world_root)),
                                             db=db, extra_args=("--workers", str(relay_workers), "--max-per-source",
                                                                str(max(256, 2 * kiosks)))))  # all on 127.0.0.1
        server = servers[0]
        info = {"urls": [s.url for s in servers], "ca": str(server.ca_file), "issuer": str(server.issuer_public_key),
                "pki": str(world_root / "pki")}
        _MEMBERS[:] = members
        chunks = [list(range(kiosks))[p::processes] for p in range(processes)]
        start_at = time.monotonic() + 1.0 + kiosks / 200
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(processes) as pool:
            cpu_before = [_tree_cpu(s.process.pid) for s in servers]
            db_before = _tree_cpu(db_pid) if db_pid else 0.0
            parts = pool.map(_client_process, [(info, c, start_at, duration, kiosks / rate if rate else 0.0,
                                                 client_nice) for c in chunks if c])
            node_cpu = [_tree_cpu(s.process.pid) - before for s, before in zip(servers, cpu_before, strict=True)]
            db_cpu = _tree_cpu(db_pid) - db_before if db_pid else 0.0
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(state, ignore_errors=True)
    total = KioskResult()
    for part in parts:
        total.last_end = max(total.last_end, part.last_end)
        total.sessions += part.sessions
        total.mismatches += part.mismatches
        for k, v in part.errors.items():
            total.errors[k] = total.errors.get(k, 0) + v
        for c in CALLS:
            total.latency[c].extend(part.latency[c])
    per_session = 1000 / total.sessions if total.sessions else 0.0
    return {
        "store": "postgresql" if db else "sqlite",
        "nodes": nodes,
        "kiosks": kiosks,
        "rate": rate,
        "sessions": total.sessions,
        # from the common start to the end of the last session (those started before the deadline)
        "sessions_per_s": total.sessions / (total.last_end - start_at) if total.last_end > start_at else 0.0,
        "mismatches": total.mismatches,
        "relay_cpu_ms_per_session": sum(node_cpu) * per_session,
        "node_cpu_ms_per_session": [c * per_session for c in node_cpu],
        "db_cpu_ms_per_session": db_cpu * per_session,
        "errors": total.errors,
        "p50_ms": {c: _pct(total.latency[c], 0.50) for c in CALLS},
        "p99_ms": {c: _pct(total.latency[c], 0.99) for c in CALLS},
        "mean_session_ms": statistics.fmean(total.latency["session"]) * 1000 if total.latency["session"] else 0.0,
    }


def _kiosk_sessions(server: Any, world_root: Path, n: int) -> dict[str, list[float]]:
    """``n`` sessions of one well-behaved kiosk (KIOSK-0001), each on a fresh connection."""
    from hardware_mocks.relay.crowd import CrowdMember
    from hardware_mocks.relay.testing import CardSigner
    from kiosk.relay_client.client import load_issuer_public_key
    from kiosk.relay_client.https import HttpsRelayClient

    cert, key = server.kiosk_cert()
    card = CardSigner.load(world_root / "cards" / "shiken-hanako.json")
    member = CrowdMember("", "花子", "KIOSK-0001", card)
    latency: dict[str, list[float]] = {c: [] for c in CALLS}
    for _ in range(n):
        client = HttpsRelayClient(server.url, ca_file=server.ca_file, cert_file=cert, key_file=key,
                                  issuer_key=load_issuer_public_key(server.issuer_public_key), retries=0)
        run_session(client, member, latency)
    return latency


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def flood_run(world_root: Path, sessions: int, cap: int) -> dict[str, Any]:
    """The kiosk's latencies without and with a flood of unfinished TLS handshakes at the
    relay's connection cap (the relay under an open-file limit of cap + 100)."""
    from hardware_mocks.relay.flood import HandshakeFlood
    from hardware_mocks.services.relay import RelayServer

    state = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    server = RelayServer.start(world_root, state, open_files=cap + 100,
                               extra_args=("--max-connections", str(cap), "--log-level", "INFO"))
    try:
        _kiosk_sessions(server, world_root, 5)
        before = _kiosk_sessions(server, world_root, sessions)
        with HandshakeFlood(server.port, connections=cap + 100, sources=32) as flood:
            _kiosk_sessions(server, world_root, 5)
            flooded = _kiosk_sessions(server, world_root, sessions)
        after = _kiosk_sessions(server, world_root, sessions)
    finally:
        server.stop()
    log_lines = len((state / "relay.log").read_text().splitlines())
    shutil.rmtree(state, ignore_errors=True)
    baseline = {c: before[c] + after[c] for c in CALLS}
    return {"cap": cap, "sessions": sessions, "flood": flood.stats, "log_lines": log_lines,
            "baseline_p50": {c: _pct(baseline[c], 0.5) for c in CALLS},
            "baseline_p99": {c: _pct(baseline[c], 0.99) for c in CALLS},
            "flood_p50": {c: _pct(flooded[c], 0.5) for c in CALLS},
            "flood_p99": {c: _pct(flooded[c], 0.99) for c in CALLS}}


def public_run(world_root: Path) -> dict[str, Any]:
    """Each hostile input once at the public service, beside a relay: the answers, and the
    memory of the relay and of the public service afterwards."""
    from hardware_mocks.relay.hostile import post, worst_inputs
    from hardware_mocks.services.relay import RelayServer

    state = Path(tempfile.mkdtemp(prefix="bench-public-"))
    server = RelayServer.start(world_root, state, public=True, extra_args=("--public-scans-per-minute", "100"))
    rows = []
    try:
        assert server.public_port and server.public_pid
        _kiosk_sessions(server, world_root, 5)
        relay_before, public_before = _rss_mib(server.process.pid), _rss_mib(server.public_pid)
        for name, body in worst_inputs().items():
            started = time.perf_counter()
            status, answer = post(server.public_port, server.ca_file, body)
            code = answer.get("reason") if status == 200 else answer["error"]["code"]
            rows.append((name, len(body), status, code, time.perf_counter() - started))
        relay_after, public_after = _rss_mib(server.process.pid), _rss_mib(server.public_pid)
    finally:
        server.stop()
        shutil.rmtree(state, ignore_errors=True)
    return {"rows": rows, "relay_mib": (relay_before, relay_after), "public_mib": (public_before, public_after)}


def prepare(max_kiosks: int) -> tuple[Path, list[Any]]:
    from hardware_mocks.relay.crowd import add_crowd
    from hardware_mocks.world import create

    root = Path(tempfile.mkdtemp(prefix="bench-world-"))
    create(root / "world", seed=1)
    members = add_crowd(root / "world", max_kiosks)
    return root / "world", members


def report(r: dict[str, Any]) -> str:
    calls = " ".join(f"{c}={r['p50_ms'][c]:.1f}/{r['p99_ms'][c]:.1f}" for c in CALLS)
    mode = f"paced {r['rate']:.0f}/s" if r["rate"] else "saturation"
    nodes = " ".join(f"{c:.2f}" for c in r["node_cpu_ms_per_session"])
    db = f" db-cpu={r['db_cpu_ms_per_session']:.2f}" if r["store"] == "postgresql" else ""
    return (f"{r['store']:<10} nodes={r['nodes']} {mode:<12} kiosks={r['kiosks']:>4} "
            f"sessions/s={r['sessions_per_s']:7.1f} sessions={r['sessions']:>6} "
            f"mismatches={r['mismatches']} errors={r['errors'] or 0} "
            f"relay-cpu={r['relay_cpu_ms_per_session']:.2f} ms/session (per node {nodes}){db}\n"
            f"    p50/p99 ms: {calls}")


def round_trips(world_root: Path, members: list[Any], server: Any, sessions: int = 20) -> dict[str, float]:
    """Database round trips per call and per session, averaged over ``sessions`` complete
    sessions through one in-process relay core, with the kiosk register read and the
    kiosk's rate counted around each call as the HTTP layer does, whose database
    connections pass through a counting TCP relay: each time PostgreSQL answers after the
    relay sent, the relay waited once. ``server``: the benchmark's PostgresServer.

    The node runs as in service: the same kiosks came before. So the counted sessions
    follow one uncounted (``cold``) session of each kiosk, in which the node read the
    kiosk's standing from the register (it keeps it until the register changes) and
    prepared each statement on its fifth use on a connection (psycopg's
    ``prepare_threshold``): costs a node pays once, not per session. ``cold_session``:
    the round trips of that first pass, per session."""
    import base64

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from hardware_mocks.relay.testing import open_hours
    from hardware_mocks.services.relay import register_world_kiosks
    from hardware_mocks.services.tcp_proxy import TcpProxy
    from hardware_mocks.world import World
    from protocol.clock import FakeClock
    from relay.kiosk_identity import KioskIdentity
    from relay.kiosk_register import StoredKioskRegister
    from relay.kiosk_watch import KioskLimits, KioskWatch
    from relay.rate_limits import SharedRateStore
    from relay.service import build_core
    from relay.store.pg_db import upgrade

    url = server.create_database()
    upgrade(url)
    register_world_kiosks(world_root, url)
    proxy = TcpProxy.start(server.port)
    proxied = url.replace(f":{server.port}/", f":{proxy.port}/")
    core = build_core(world_root, proxied, FakeClock(open_hours(World(world_root))))
    identity = KioskIdentity(StoredKioskRegister(proxied))
    watch = KioskWatch(SharedRateStore(proxied), KioskLimits(sessions_per_minute=10_000))
    counts = {c: 0 for c in (*CALLS, "purge")}

    def kiosk_der(kiosk_id: str) -> bytes:
        pem = (world_root / "pki" / "kiosks" / f"{kiosk_id}.pem").read_bytes()
        return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)

    def checked(call: str, der: bytes, endpoint: Callable[[str, dict[str, Any]], dict[str, Any]], kiosk: str,
                body: dict[str, Any]) -> dict[str, Any]:
        """The endpoint between the register read and the rate counts, as ``RelayApp``
        calls it (the open call is the watch's ``session``)."""
        standing = identity.kiosk_for(der)
        watch.admit(standing, "session" if call == "open" else call)
        answer = endpoint(kiosk, body)
        watch.observe(standing, call, None)
        count(call)
        return answer

    def count(call: str | None) -> None:
        """Add the round trips since the last count to ``call`` (None: to nothing)."""
        with proxy._lock:
            turns, proxy.round_trips = proxy.round_trips, 0
        if call is not None:
            counts[call] += turns
            counts["session"] += turns * (call != "purge")

    def session(member: Any) -> None:
        """One complete session of ``member``'s kiosk, each call counted."""
        kiosk, der = member.kiosk_id, kiosk_der(member.kiosk_id)
        opened = checked("open", der, core.open_session, kiosk, {})
        sid = opened["session_id"]
        signature = member.card.sign(base64.b64decode(opened["challenge"]), sid, kiosk)
        checked("authenticate", der, core.authenticate, kiosk, {
            "session_id": sid, "card_certificate": base64.b64encode(member.card.cert_der).decode(),
            "signature": base64.b64encode(signature).decode()})
        checked("menu", der, core.menu, kiosk, {"session_id": sid})
        rid = str(uuid.uuid4())
        answer = checked("documents", der, core.request_documents, kiosk, {
            "session_id": sid, "request_id": rid, "cert_type": "juminhyo", "options": {}, "copies": 1})
        checked("outcome", der, core.outcome, kiosk, {
            "session_id": sid, "request_id": rid, "outcome": "printed", "copies": 1, "amount": answer["amount"]})

    try:
        count(None)  # the pool's connections are opened once, by no session
        for i in range(sessions):  # the cold pass
            session(members[i % len(members)])
        cold = counts["session"] / sessions
        counts.update(dict.fromkeys(counts, 0))
        for i in range(sessions):
            session(members[i % len(members)])
        core.purge()  # once a second on every node, whatever the load
        count("purge")
    finally:
        core.storage.close()
        identity.register.close()
        watch.store.close()
        proxy.close()
    return {c: counts[c] / sessions for c in CALLS} | {"purge": counts["purge"], "cold_session": cold}


def flood_report(r: dict[str, Any]) -> str:
    calls = CALLS
    rows = [f"flood at the cap: cap={r['cap']} flood={r['flood']} relay log lines={r['log_lines']}"]
    for phase in ("baseline", "flood"):
        rows.append(f"    {phase:<8} p50/p99 ms: " + " ".join(
            f"{c}={r[phase + '_p50'][c]:.1f}/{r[phase + '_p99'][c]:.1f}" for c in calls))
    return "\n".join(rows)


def public_report(r: dict[str, Any]) -> str:
    rows = [(f"public service: relay RSS {r['relay_mib'][0]:.0f} -> {r['relay_mib'][1]:.0f} MiB, "
             f"public service RSS {r['public_mib'][0]:.0f} -> {r['public_mib'][1]:.0f} MiB")]
    rows += [f"    {name:<16} {size:>8} bytes -> {status} {code} in {seconds:.2f} s"
             for name, size, status, code, seconds in r["rows"]]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.relay", description=__doc__.split("\n\n")[0] if __doc__ else "")
    p.add_argument("--kiosks", type=int, default=200)
    p.add_argument("--duration", type=float, default=10.0, help="seconds of load per run")
    p.add_argument("--rate", type=float, default=150.0, help="offered sessions/s of the main run (0: saturation)")
    p.add_argument("--scaling", default="50,100,200,400",
                   help="kiosk counts for the saturation runs ('' for none)")
    p.add_argument("--processes", type=int, default=2, help="client processes")
    p.add_argument("--client-nice", type=int, default=10,
                   help="niceness of the simulated kiosks, so that they do not starve the relay")
    p.add_argument("--relay-workers", type=int, default=1, help="relay processes (relay serve --workers)")
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite",
                   help="postgresql: the centre nodes on a private PostgreSQL, against SQLite in the same run")
    p.add_argument("--nodes", default="1,2,3", help="with --db postgresql: node counts to run")
    p.add_argument("--flood-cap", type=int, default=900,
                   help="the relay's connection cap in the flood run, flooded with cap + 100 (0: no flood run)")
    p.add_argument("--flood-sessions", type=int, default=100, help="kiosk sessions per phase of the flood run")
    p.add_argument("--no-public", action="store_true", help="skip the public service's hostile inputs")
    args = p.parse_args(argv)
    counts = sorted(int(x) for x in args.scaling.split(",") if x)
    world, members = prepare(max([args.kiosks, *counts]))
    try:
        print(f"# relay benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
              f"{platform.processor() or platform.machine()}, "
              f"{os.cpu_count()} cores, Python {platform.python_version()}, {args.duration:.0f} s per run, "
              f"{args.relay_workers} relay process(es) per node, {args.processes} client processes at nice "
              f"{args.client_nice}, load average {os.getloadavg()[0]:.1f} before")
        if args.db == "postgresql":
            return _compare(args, world, members)
        print(report(run(world, members, args.kiosks, args.duration, args.processes, args.rate,
                         args.relay_workers, args.client_nice)), flush=True)
        for n in counts:
            print(report(run(world, members, n, args.duration, args.processes, 0.0, args.relay_workers,
                             args.client_nice)), flush=True)
        if args.flood_cap:
            print(flood_report(flood_run(world, args.flood_sessions, args.flood_cap)), flush=True)
        if not args.no_public:
            print(public_report(public_run(world)), flush=True)
    finally:
        shutil.rmtree(world.parent, ignore_errors=True)
    return 0


def _compare(args: argparse.Namespace, world: Path, members: list[Any]) -> int:
    """SQLite (one node), then PostgreSQL with each node count, each on a fresh database,
    at the main run's rate (``--rate``, 0 for saturation); then the round trips."""
    from hardware_mocks.services.postgres import PostgresServer
    from relay.store.pg_db import upgrade

    server = PostgresServer.start(durable=True)
    try:
        print(report(run(world, members, args.kiosks, args.duration, args.processes, args.rate,
                         args.relay_workers, args.client_nice)), flush=True)
        for n in sorted(int(x) for x in args.nodes.split(",") if x):
            url = server.create_database()
            upgrade(url)
            print(report(run(world, members, args.kiosks, args.duration, args.processes, args.rate,
                             args.relay_workers, args.client_nice, db=url, nodes=n, db_pid=server.process.pid)),
                  flush=True)
        trips = round_trips(world, members, server)
        print("database round trips per call: " + " ".join(f"{c}={trips[c]:.1f}" for c in CALLS)
              + f"; purge={trips['purge']:.0f} per node per second; a kiosk's first session on a node"
              f" {trips['cold_session']:.1f}", flush=True)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
