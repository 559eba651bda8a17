"""``relay``: the reference relay service and its audit log.

``relay serve --world DIR`` serves the world's registry over mutual TLS on loopback;
``relay audit --db DB [--since ...]`` prints the issuance audit log and the kiosks'
technician events, as the municipality's management terminal shows them; ``relay logs``
the log exports technicians sent from a terminal; ``relay db upgrade`` brings a database's
schema up to date. ``DB`` is a SQLite file or a ``postgresql://`` URL (several centre
nodes on one database). ``relay kiosk`` keeps the kiosk register; ``relay verifier`` and
``relay document`` who may recover faces and which papers stand; ``relay public serve``
runs the public verification service. The registers are tables of the same database.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import re
import socket
import ssl
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protocol import log
from protocol.clock import JST, Clock, SystemClock
from relay import (
    arguments,
    issuing_cli,
    kiosk_cli,
    operator_errors,
    processes,
    public_service,
    stopping,
    verification_cli,
    workers,
)
from relay.connection_limits import ConnectionLimits, add_limit_options, check_descriptor_limit, limits_from
from relay.federation import cli as federation_cli
from relay.kiosk_watch import add_kiosk_limit_options
from relay.ports import check_free, listen
from relay.store.db import location

if TYPE_CHECKING:  # the server's modules are imported only by the commands that serve
    from relay.http import RelayApp
    from relay.store.protocol import Store

LOG = logging.getLogger("relay")


def _since(text: str) -> float:
    """``2026-11-26``, ``2026-11-26T10:00`` (JST unless given) or a duration: ``90m``, ``2h``, ``7d``."""
    m = re.fullmatch(r"(\d+)([smhd])", text)
    try:
        if m:  # int() refuses thousands of digits (ValueError), the subtraction more than a float holds
            seconds = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
            return dt.datetime.now(JST).timestamp() - seconds
        when = dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError) as exc:
        raise argparse.ArgumentTypeError("use a date, a date and time, or a duration like 2h") from exc
    return (when if when.tzinfo else when.replace(tzinfo=JST)).timestamp()


def _delay(text: str) -> tuple[float, float]:
    try:
        low, high = (float(x) for x in text.split(":"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError("use MIN:MAX seconds") from exc
    return low, high


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="relay", description=__doc__.split("\n\n")[0] if __doc__ else None)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the relay over mutual TLS")
    s.add_argument("--world", type=Path, required=True, help="test world directory (world.json, pki/)")
    s.add_argument("--db", type=location, help="state database: a SQLite file (default: WORLD/relay.sqlite3) or a"
                   " postgresql:// URL shared by several relay nodes")
    s.add_argument("--host", default="127.0.0.1", help="listen address (default: loopback)")
    s.add_argument("--port", type=int, default=8443, help="0 picks a free port")
    s.add_argument("--port-file", type=Path, help="write the port here once listening")
    s.add_argument("--public-port", type=int,
                   help="also start the public verification service (relay public serve) on this port")
    s.add_argument("--public-checks-per-minute", type=arguments.count, default=60,
                   help="the public service's QR checks per source address (60)")
    s.add_argument("--public-scans-per-minute", type=arguments.count, default=6,
                   help="the public service's scan checks per source address (6)")
    s.add_argument("--tls-cert", type=Path,
                   help="default: WORLD/pki/relay.pem; then any intermediate CA certificates (only this file is sent)")
    s.add_argument("--tls-key", type=Path, help="default: WORLD/pki/relay.key")
    s.add_argument("--client-ca", type=Path, help="default: WORLD/pki/operator-ca.pem")
    s.add_argument("--clock-start", type=dt.datetime.fromisoformat,
                   help="run the relay's clock from this time, e.g. 2026-11-26T10:00+09:00 (tests, demos)")
    s.add_argument("--challenge-ttl", type=arguments.seconds, default=60.0, help="seconds to answer a challenge (60)")
    s.add_argument("--session-ttl", type=arguments.seconds, default=900.0,
                   help="seconds a session lives after authentication; its documents are deleted then (900)")
    s.add_argument("--request-timeout", type=arguments.seconds, default=5.0,
                   help="deadline for each whole call, in seconds (5)")
    s.add_argument("--inject-delay", type=_delay, help="test only: slow MIN:MAX seconds before issuing")
    s.add_argument("--inject-delay-rate", type=float, default=1.0, help="share of requests slowed")
    s.add_argument("--inject-answer-delay", type=_delay,
                   help="test only: wait MIN:MAX seconds after issuing or recording an outcome, before answering")
    s.add_argument("--workers", type=int, default=1,
                   help="relay processes sharing the port and the database (stateless between calls)")
    s.add_argument("--log-level", type=arguments.log_level, default="WARNING")
    add_kiosk_limit_options(s)
    add_limit_options(s, ConnectionLimits())
    federation_cli.add_serving_options(s)
    a = sub.add_parser("audit", help="print the issuance audit log and the technician events")
    a.add_argument("--db", type=location, help="the relay's state database")
    a.add_argument("--municipality", help="a municipality's issuance history and refusals instead (federation)")
    a.add_argument("--history", type=location,
                   help="with --municipality: its history.sqlite3 or its nodes' postgresql:// URL")
    a.add_argument("--centre-db", type=location,
                   help="with --municipality: also what the centre recorded about it (its refusals, the member "
                        "unavailable or its answers malformed, wrong documents, timeouts: the centre's database)")
    a.add_argument("--since", type=_since, default=0.0,
                   help="only the records since: a date, date-time (JST unless given) or duration (2h, 7d)")
    a.add_argument("--json", action="store_true",
                   help="one JSON object per line, for scripts (without it: a table, one line a record)")
    lg = sub.add_parser("logs", help="print the log exports technicians sent (JSON lines)")
    lg.add_argument("--db", type=location, required=True)
    lg.add_argument("--kiosk", help="only this terminal's")
    lg.add_argument("--since", type=_since, default=0.0, help="received since: a date, date-time or duration")
    d = sub.add_parser("db", help="the state database's schema")
    d.add_argument("action", choices=("upgrade", "status"),
                   help="upgrade: apply the migrations it has not had; status: print its version")
    d.add_argument("--db", type=location, required=True)
    public_service.add_parser(sub)
    kiosk_cli.add_parser(sub)
    verification_cli.add_parser(sub)
    federation_cli.add_parser(sub)
    issuing_cli.add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return operator_errors.one_line(lambda: _command(args))


def _command(args: argparse.Namespace) -> int:
    if args.command == "audit" and args.municipality and args.db is not None:
        print("error: relay audit reads a relay's database (--db) or a municipality's history (--municipality "
              "with --history), not both", file=sys.stderr)
        return 2
    if args.command == "audit" and not args.municipality and (args.history or args.centre_db):
        print("error: --history and --centre-db go with --municipality (a municipality's audit)", file=sys.stderr)
        return 2
    if args.command == "audit" and args.municipality:
        return issuing_cli.audit(args)
    if args.command == "audit":
        if args.db is None:
            print("error: relay audit needs --db (or --municipality)", file=sys.stderr)
            return 2
        return audit(args)
    if args.command in ("municipality", "centre", "reconcile"):
        return issuing_cli.run(args)
    if args.command == "logs":
        return logs(args)
    if args.command == "db":
        return db(args)
    if args.command == "public":
        return public_service.serve(args)
    if args.command in ("kiosk", "verifier", "document"):
        return _registers(args)
    if args.command == "federation":
        return federation_cli.run(args)
    return serve(args)


#: The register commands that may start a database: every other one reads or changes what
#: is there, and a mistyped path must not quietly become a new, empty register.
MAKES_A_REGISTER = {("kiosk", "add"), ("kiosk", "import"), ("verifier", "add")}


def _registers(args: argparse.Namespace) -> int:
    """The register commands; a database that cannot be used is a message, not a traceback."""
    from relay.store.protocol import StoreError

    sub = getattr(args, f"{args.command}_command")
    if (args.command, sub) == ("kiosk", "import") and (unknown := arguments.unknown_world(args.world)):
        print(f"error: {unknown}", file=sys.stderr)  # before the register is opened: no empty one is made
        return 2
    if isinstance(args.db, Path) and not args.db.exists() and (args.command, sub) not in MAKES_A_REGISTER:
        print(f"error: no database at {args.db}", file=sys.stderr)
        return 2
    try:
        if args.command == "kiosk":
            return kiosk_cli.run(args)
        if args.command == "verifier":
            return verification_cli.run_verifier(args)
        return verification_cli.run_document(args)
    except StoreError as exc:
        print(f"error: the relay database cannot be used ({operator_errors.database(exc)})", file=sys.stderr)
        return 2


def _open(db: Path | str, create: bool = False) -> Store | None:
    """The store, or None after printing why not (a missing file is created only if asked)."""
    from relay.store import open_store
    from relay.store.protocol import StoreError

    if isinstance(db, Path) and not create and not db.exists():
        print(f"error: no relay database at {db}", file=sys.stderr)
        return None
    try:
        return open_store(db)
    except StoreError as exc:
        print(f"error: the relay database cannot be used ({operator_errors.database(exc)})", file=sys.stderr)
        return None


def db(args: argparse.Namespace) -> int:
    """``upgrade`` applies the pending migrations (SQLite: opening the file does it);
    ``status`` prints the schema version and the one this relay needs, reading the file
    read-only."""
    from relay.store import is_postgres
    from relay.store.migrations import latest
    from relay.store.protocol import StoreError

    dialect = "postgresql" if is_postgres(args.db) else "sqlite"
    try:
        if dialect == "postgresql":
            from relay.store import pg_db

            if args.action == "upgrade":
                applied = pg_db.upgrade(args.db)
                print(f"applied {', '.join(map(str, applied))}" if applied else "up to date")
            version = pg_db.schema_version(args.db)
        else:
            from relay.store.sqlite import SqliteStore

            if args.action == "status" and not Path(args.db).exists():
                print(f"error: no relay database at {args.db}", file=sys.stderr)
                return 2
            if args.action == "status":  # read only: status changes nothing, even in a file that is not ours
                from relay.store.sqlite_db import read_only_connection

                with contextlib.closing(read_only_connection(Path(args.db))) as conn:
                    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            else:
                store = SqliteStore(args.db)  # opening applies what is missing
                version = store.schema_version()
                store.close()
    except StoreError as exc:
        print(f"error: the relay database cannot be used ({operator_errors.database(exc)})", file=sys.stderr)
        return 2
    print(f"schema version {version} (this relay: {latest(dialect)})")
    return 0 if version == latest(dialect) else 1


def audit(args: argparse.Namespace) -> int:
    storage = _open(args.db)
    if storage is None:
        return 2
    try:
        rows = storage.audit_since(args.since)
        technician = storage.technician_events_since(args.since)
    finally:
        storage.close()
    # issuance and technician events in one timeline (a technician event at its kiosk time)
    timeline: list[tuple[float, int, dict[str, Any]]] = [(r["at"], 0, r) for r in rows]
    timeline += [(r["at"], 1, {"source": "technician", **r}) for r in technician]
    timeline.sort(key=lambda item: (item[0], item[1]))
    if args.json:
        for _, _, row in timeline:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    print(f"{'time (JST)':<19}  {'terminal':<11} {'event':<12} {'code':<22} {'resident':<12} "
          f"{'card serial':<17} {'certificate':<14} {'copies':>6} {'amount':>6}  request")
    for _, kind, r in timeline:
        at = dt.datetime.fromtimestamp(r["at"], JST).strftime("%Y-%m-%d %H:%M:%S")
        if kind:
            print(f"{at:<19}  {r['kiosk_id']:<11} {r['event']:<12} {_technician_code(r['fields']):<22} "
                  f"technician #{r['seq']} " + " ".join(f"{k}={v}" for k, v in sorted(r["fields"].items())))
            continue
        print(f"{at:<19}  {r['kiosk_id']:<11} {r['event']:<12} {r['code'] or '':<22} {r['resident_id'] or '':<12} "
              f"{r['cert_serial'] or '':<17} {r['cert_type'] or '':<14} {_n(r['copies']):>6} {_n(r['amount']):>6}  "
              f"{r['request_id'] or ''}")
    print(f"{len(rows)} entries" + (f", {len(technician)} technician events" if technician else ""))
    return 0


def logs(args: argparse.Namespace) -> int:
    storage = _open(args.db)
    if storage is None:
        return 2
    try:
        rows = storage.log_exports(args.kiosk, args.since)
    finally:
        storage.close()
    for row in rows:
        print(json.dumps(row, ensure_ascii=True, sort_keys=True))
    return 0


def _technician_code(fields: dict[str, Any]) -> str:
    for key in ("code", "reason", "step", "mode"):
        if isinstance(fields.get(key), str):
            return str(fields[key])
    return ""


def _n(value: int | None) -> str:
    return "" if value is None else str(value)


def serve(args: argparse.Namespace) -> int:
    world: Path = args.world
    if unknown := arguments.unknown_world(world):
        print(f"error: {unknown}", file=sys.stderr)
        return 2
    if error := workers.count_error(args.workers):
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:  # fail here, with a message, rather than in every worker
        from relay.http import server_tls_context

        server_tls_context(args.tls_cert or world / "pki" / "relay.pem", args.tls_key or world / "pki" / "relay.key",
                           args.client_ca or world / "pki" / "operator-ca.pem")
    except (OSError, ssl.SSLError) as exc:
        print(f"error: the relay's TLS files cannot be used ({type(exc).__name__})", file=sys.stderr)
        return 2
    try:
        federation_cli.directory_source(args)  # fail here, with a message, rather than in every worker
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = _open(args.db or world / "relay.sqlite3", create=True)  # connect, and check or bring up the schema, once
    if store is None:
        return 2
    store.close()
    try:
        check_descriptor_limit(limits_from(args).max_connections)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    log.configure(log.level_named(args.log_level))
    if args.public_port is not None:
        check_free(args.host, args.public_port)  # a port taken: said here in one line, exit 2
    sockets = [listen(args.host, args.port)]
    ports = {"port": sockets[0].getsockname()[1]}
    public = None
    if args.public_port is not None:
        try:
            public, public_ports = _start_public(args)
        except public_service.NotStarted as exc:
            if not exc.said:
                print(f"error: {exc}", file=sys.stderr)
            return 2 if exc.said else 1
        ports |= {"public_port": public_ports["public_port"], "public_pid": public_ports["pid"]}
    try:
        return _serve_kiosks(args, sockets, ports)
    finally:
        if public is not None:
            processes.stop(public)


def _start_public(args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], dict[str, int]]:
    """``relay public serve`` as a child process on ``--public-port``."""
    options = ["--world", str(args.world), "--host", args.host, "--port", str(args.public_port),
               "--log-level", str(args.log_level), "--db", str(args.db or args.world / "relay.sqlite3"),
               "--checks-per-minute", str(args.public_checks_per_minute),
               "--scans-per-minute", str(args.public_scans_per_minute), *federation_cli.serving_arguments(args)]
    for option in ("tls_cert", "tls_key"):
        if getattr(args, option):
            options += ["--" + option.replace("_", "-"), str(getattr(args, option))]
    return public_service.start_child(options)


def _serve_kiosks(args: argparse.Namespace, sockets: list[socket.socket], ports: dict[str, int]) -> int:
    # each worker builds its own core, with its own database connection, after the fork
    return workers.serve(args.workers, lambda port_file, ready: _worker(args, sockets, port_file, ports, ready),
                         args.port_file, ports)


def _build(args: argparse.Namespace) -> tuple[RelayApp, ssl.SSLContext]:
    """The relay application and its TLS context."""
    from relay.clocks import StartedClock
    from relay.http import InjectedDelay, RelayApp, server_tls_context
    from relay.kiosk_identity import KioskIdentity
    from relay.kiosk_register import StoredKioskRegister
    from relay.kiosk_watch import KioskWatch, kiosk_limits_from
    from relay.rate_limits import kiosk_rate_store
    from relay.service import Settings, build_core
    from relay.store import is_postgres

    world: Path = args.world
    clock: Clock = SystemClock()
    if args.clock_start:
        start = args.clock_start if args.clock_start.tzinfo else args.clock_start.replace(tzinfo=JST)
        clock = StartedClock(start)
    db = args.db or world / "relay.sqlite3"
    settings = Settings(challenge_ttl=args.challenge_ttl, session_ttl=args.session_ttl,
                        topology="multi-node" if is_postgres(db) else "single-node",
                        request_timeout=args.request_timeout)
    core = build_core(world, db, clock, settings)
    delay = None
    if args.inject_delay:
        low, high = args.inject_delay
        delay = InjectedDelay(low, high, rate=args.inject_delay_rate)
    answer_delay = None
    if args.inject_answer_delay:
        low, high = args.inject_answer_delay
        answer_delay = InjectedDelay(low, high, rate=1.0)
    cert, key = args.tls_cert or world / "pki" / "relay.pem", args.tls_key or world / "pki" / "relay.key"
    tls = server_tls_context(cert, key, args.client_ca or world / "pki" / "operator-ca.pem")
    watch = KioskWatch(kiosk_rate_store(db, args.workers), kiosk_limits_from(args), audit=core.storage.audit,
                       clock=lambda: core.clock.now().timestamp())
    return RelayApp(core, KioskIdentity(StoredKioskRegister(db)), watch, delay, answer_delay,
                    directory=federation_cli.directory_source(args)), tls


async def _worker(args: argparse.Namespace, sockets: list[socket.socket], port_file: Path | None,
                  ports: dict[str, int], ready_fd: int | None = None) -> None:
    from relay import listener

    app, tls = _build(args)
    served = [await listener.serve(app.application(), sockets[0], tls, limits_from(args), "kiosk")]
    log.event(LOG, "relay.listening", port=ports["port"], pid=os.getpid())
    await stopping.until_stopped(port_file, ports, ready_fd)
    for runner, guarded in reversed(served):
        await listener.stop(runner, guarded)
    app.close()


if __name__ == "__main__":
    sys.exit(main())
