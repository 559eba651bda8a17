"""``kiosk diag``: diagnostic mode on the terminal's console, and the headless self-test.

``kiosk diag --json`` runs the full self-test without authentication (it changes
nothing) and prints one JSON report; it exits 0 when the terminal can serve, 1 when it
cannot (each fault named, also on stderr), 2 when the configuration cannot be read.
``kiosk diag`` asks for the technician's code, runs the device tests and actions named by
its options, then shows the self-test, the counters and any payout in flight (one JSON
document).
``kiosk diag --provision-secret`` creates this terminal's TOTP secret file (as root).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from kiosk.config import Config, ConfigError, load
from kiosk.diag.export import ExportError
from kiosk.diag.secret import DEFAULT_SECRET_FILE, provision
from kiosk.diag.selftest import SelfTestReport
from kiosk.diag.service import DEVICE_TESTS, DiagService, NotFitted
from kiosk.payment.port import PaymentError

EXIT_OK, EXIT_CANNOT_SERVE, EXIT_CONFIG = 0, 1, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("diag", help="diagnostic mode for field technicians")
    p.add_argument("--json", action="store_true",
                   help="run the self-test headless; exit non-zero if the terminal cannot serve")
    p.add_argument("--provision-secret", nargs="?", const=str(DEFAULT_SECRET_FILE),
                   metavar="PATH", help="create this terminal's TOTP secret (root-only file)")
    p.add_argument("--export", metavar="DIR", help="after entry, export the logs to DIR")
    p.add_argument("--export-relay", action="store_true",
                   help="after entry, export the logs (structured events only) to the relay")
    p.add_argument("--test", action="append", default=[], choices=DEVICE_TESTS, metavar="NAME",
                   help="after entry, run one device test (repeatable): " + ", ".join(DEVICE_TESTS))
    state = p.add_mutually_exclusive_group()
    state.add_argument("--out-of-service", action="store_true",
                       help="after entry, take the terminal out of service")
    state.add_argument("--in-service", action="store_true",
                       help="after entry, put the terminal back into service")
    p.add_argument("--clear-alarm", action="store_true", help="after entry, clear an integrity alarm")
    p.add_argument("--mark-serviced", action="store_true",
                   help="after entry, start the counters afresh (end of a service visit)")
    p.add_argument("--resolve-payout", action="append", default=[], type=_payout, metavar="DENOM=COINS",
                   help="after entry, settle a payout in flight that its hopper could not: the coins it "
                        "paid, as staff counted them (repeatable; see payouts_in_flight in the report)")
    p.set_defaults(func=run)


def _payout(text: str) -> tuple[int, int]:
    """``DENOM=COINS``, both whole numbers: the hopper's coin and the coins it paid."""
    denomination, sep, coins = text.partition("=")
    if not (sep and denomination.isdigit() and coins.isdigit()):
        raise argparse.ArgumentTypeError(f"wants DENOM=COINS, e.g. 100=3, got {text!r}")
    return int(denomination), int(coins)


def run(args: argparse.Namespace) -> int:
    if args.provision_secret:
        return _provision(Path(args.provision_secret))
    try:
        config = load(args.config) if args.config else Config()
    except ConfigError as exc:
        print(f"kiosk diag: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    from kiosk.diag.build import build_service

    service = build_service(config)
    if args.json:
        return report_json(service.self_test(trigger="cli"))
    return _console(service, args)


def report_json(report: SelfTestReport) -> int:
    print(json.dumps(report.as_dict(), indent=2, sort_keys=True, ensure_ascii=True))
    if report.can_serve:
        return EXIT_OK
    print("kiosk diag: cannot serve: " + ", ".join(report.as_dict()["faults"]), file=sys.stderr)
    return EXIT_CANNOT_SERVE


def _provision(path: Path) -> int:
    try:
        secret = provision(path)
    except FileExistsError:
        print(f"kiosk diag: {path} exists; remove it first to replace the secret",
              file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:
        print(f"kiosk diag: cannot create {path} ({exc.strerror or type(exc).__name__})", file=sys.stderr)
        return EXIT_CONFIG
    # Shown once, to enrol this terminal in the technicians' authenticator.
    print(f"otpauth://totp/kiosk?secret={secret}&issuer=certificate-kiosk")
    return EXIT_OK


def _console(service: DiagService, args: argparse.Namespace) -> int:
    service.prepare_entry()
    code = getpass.getpass("technician code: ")
    result = service.authenticate(code.strip())
    if not result.ok:
        print(f"refused: {result.outcome.value}, tries left {result.tries_left}", file=sys.stderr)
        return EXIT_CANNOT_SERVE
    try:
        out: dict[str, object] = {}
        resolved: list[dict[str, int]] = []
        failed: list[dict[str, object]] = []
        tests = [service.run_test(name).as_dict() for name in args.test]
        if tests:
            out["tests"] = tests
        if args.clear_alarm:
            out["clear_alarm"] = service.clear_alarm().as_dict()
        if args.out_of_service or args.in_service:
            service.set_in_service(args.in_service)
        for denomination, coins in args.resolve_payout:
            try:
                service.resolve_payout(denomination, coins)
                resolved.append({"denomination": denomination, "coins": coins})
            except (PaymentError, NotFitted, ValueError) as exc:  # said in the report; the rest goes on
                failed.append({"denomination": denomination, "code": getattr(exc, "code", "bad_value")})
        if resolved:
            out["resolved_payouts"] = resolved
        if failed:
            out["resolve_failed"] = failed
        report = service.self_test(trigger="technician")
        out.update(selftest=report.as_dict(), counters=service.counters().as_dict(),
                   in_service=service.in_service())
        try:
            out["payouts_in_flight"] = {str(d): n for d, n in service.payouts_in_flight().items()}
        except NotFitted:
            pass  # no cash device on this terminal
        try:
            if args.export:
                out["exported"] = str(service.export_logs(Path(args.export)).path)
            if args.export_relay:
                out["exported_to_relay"] = service.export_logs_to_relay().export_id
        except ExportError as exc:  # no stick, no relay: said in the report, already audited
            out["export_failed"] = exc.code
        if args.mark_serviced:
            service.mark_serviced()
        print(json.dumps(out, indent=2, ensure_ascii=True))
        return EXIT_OK if report.can_serve else EXIT_CANNOT_SERVE
    finally:
        service.exit()
