"""``relay``: the reference relay service and its audit log.

``relay serve --world DIR`` serves the world's registry over mutual TLS on loopback;
``relay audit --db FILE [--since ...]`` prints the issuance audit log, as the
municipality's management terminal shows it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import re
import signal
import sys
from pathlib import Path

from kiosk import log
from kiosk.clock import JST, Clock, SystemClock

LOG = logging.getLogger("relay")


def _since(text: str) -> float:
    """``2026-11-26``, ``2026-11-26T10:00`` (JST unless given) or a duration: ``90m``, ``2h``, ``7d``."""
    m = re.fullmatch(r"(\d+)([smhd])", text)
    if m:
        seconds = int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
        return dt.datetime.now(JST).timestamp() - seconds
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError as exc:
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
    s.add_argument("--db", type=Path, help="state database (default: WORLD/relay.sqlite3)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8443, help="0 picks a free port")
    s.add_argument("--port-file", type=Path, help="write the port here once listening")
    s.add_argument("--public-port", type=int, help="serve the public verification endpoint on this port")
    s.add_argument("--tls-cert", type=Path, help="default: WORLD/pki/relay.pem")
    s.add_argument("--tls-key", type=Path, help="default: WORLD/pki/relay.key")
    s.add_argument("--client-ca", type=Path, help="default: WORLD/pki/operator-ca.pem")
    s.add_argument("--clock-start", type=dt.datetime.fromisoformat,
                   help="run the relay's clock from this time (tests and demos)")
    s.add_argument("--challenge-ttl", type=float, default=60.0)
    s.add_argument("--session-ttl", type=float, default=900.0)
    s.add_argument("--request-timeout", type=float, default=5.0)
    s.add_argument("--inject-delay", type=_delay, help="test only: slow MIN:MAX seconds before issuing")
    s.add_argument("--inject-delay-rate", type=float, default=1.0, help="share of requests slowed")
    s.add_argument("--log-level", default="WARNING")
    a = sub.add_parser("audit", help="print the issuance audit log")
    a.add_argument("--db", type=Path, required=True)
    a.add_argument("--since", type=_since, default=0.0, help="a date, date-time or duration (2h, 7d)")
    a.add_argument("--json", action="store_true", help="one JSON object per line")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "audit":
        return audit(args)
    return serve(args)


def audit(args: argparse.Namespace) -> int:
    from relay.storage import Storage

    if not args.db.exists():
        print(f"error: no relay database at {args.db}", file=sys.stderr)
        return 2
    storage = Storage(args.db)
    try:
        rows = storage.audit_since(args.since)
    finally:
        storage.close()
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    print(f"{'time (JST)':<19}  {'terminal':<11} {'event':<12} {'code':<22} {'resident':<12} "
          f"{'card serial':<17} {'certificate':<14} {'copies':>6} {'amount':>6}  request")
    for r in rows:
        at = dt.datetime.fromtimestamp(r["at"], JST).strftime("%Y-%m-%d %H:%M:%S")
        print(f"{at:<19}  {r['kiosk_id']:<11} {r['event']:<12} {r['code'] or '':<22} {r['resident_id'] or '':<12} "
              f"{r['cert_serial'] or '':<17} {r['cert_type'] or '':<14} {_n(r['copies']):>6} {_n(r['amount']):>6}  "
              f"{r['request_id'] or ''}")
    print(f"{len(rows)} entries")
    return 0


def _n(value: int | None) -> str:
    return "" if value is None else str(value)


def serve(args: argparse.Namespace) -> int:
    from relay.clocks import StartedClock
    from relay.http import InjectedDelay, RelayApp, server_tls_context
    from relay.service import Settings, build_core

    world: Path = args.world
    if not (world / "world.json").exists():
        print(f"error: {world} holds no test world (python -m hardware_mocks.world create {world})", file=sys.stderr)
        return 2
    log.configure(getattr(logging, str(args.log_level).upper(), logging.WARNING))
    clock: Clock = SystemClock()
    if args.clock_start:
        start = args.clock_start if args.clock_start.tzinfo else args.clock_start.replace(tzinfo=JST)
        clock = StartedClock(start)
    settings = Settings(challenge_ttl=args.challenge_ttl, session_ttl=args.session_ttl,
                        request_timeout=args.request_timeout)
    core = build_core(world, args.db or world / "relay.sqlite3", clock, settings)
    delay = InjectedDelay(*args.inject_delay, rate=args.inject_delay_rate) if args.inject_delay else None
    tls = server_tls_context(args.tls_cert or world / "pki" / "relay.pem", args.tls_key or world / "pki" / "relay.key",
                             args.client_ca or world / "pki" / "operator-ca.pem")
    app = RelayApp(core, delay)
    public = None
    if args.public_port is not None:
        from relay.public import Verifier, public_application, public_tls_context

        scramble_key = bytes.fromhex((world / "pki" / "scramble.key").read_text().strip())
        verifier = Verifier(core.issuer_key.public_key(), scramble_key, str(core.registry.municipality["code"]))
        public = (public_application(verifier), public_tls_context(
            args.tls_cert or world / "pki" / "relay.pem", args.tls_key or world / "pki" / "relay.key"))
    asyncio.run(_run(app, tls, args.host, args.port, args.port_file, public, args.public_port))
    return 0


async def _run(app, tls, host, port, port_file, public, public_port) -> None:  # type: ignore[no-untyped-def]
    from aiohttp import web

    runner = web.AppRunner(app.application(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=tls, backlog=1024)
    await site.start()
    bound = runner.addresses[0][1]
    ports = {"port": bound}
    public_runner = None
    if public is not None:
        public_app, public_tls = public
        public_runner = web.AppRunner(public_app, access_log=None, handle_signals=False)
        await public_runner.setup()
        await web.TCPSite(public_runner, host, public_port, ssl_context=public_tls).start()
        ports["public_port"] = public_runner.addresses[0][1]
    log.event(LOG, "relay.listening", port=bound, pid=os.getpid())
    if port_file:
        tmp = Path(str(port_file) + ".tmp")
        tmp.write_text(json.dumps(ports))
        os.replace(tmp, port_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if public_runner is not None:
        await public_runner.cleanup()
    await runner.cleanup()
    app.core.storage.close()


if __name__ == "__main__":
    sys.exit(main())
