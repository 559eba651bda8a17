"""``kiosk session run``: play one customer headless, with faults; print the outcome.

A development program (registered through the ``kiosk.session_commands`` entry point):
it types a test world's PIN given on the command line, which no production program may do."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from hardware_mocks.session.facts import Facts
from hardware_mocks.session.virtual import PRINTER_FAULTS, RELAY_FAULTS
from kiosk import config as kiosk_config
from kiosk.config import ConfigError
from kiosk.session.machine import SessionChart
from kiosk.session.viewmodel import Screen
from protocol.documents.catalogue import MAX_COPIES, CertType

OUT_OF_SERVICE = "out_of_service"
MARGIN_S = 60.0  # the machine states (card, relay, printer start) on top of the timeouts

STATES = tuple(s.id for s in SessionChart.states if s.id not in ("wiping", "ended"))


def register(ssub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``run`` under ``kiosk session``."""
    run = ssub.add_parser("run", help="play one customer against the configured devices")
    run.add_argument("--world", type=Path, required=True, help="test world directory")
    run.add_argument("--persona", required=True)
    run.add_argument("--pin", required=True, help="the PIN the customer types (test worlds only)")
    run.add_argument("--type", dest="doc_type", default="juminhyo", choices=[t.value for t in CertType])
    run.add_argument("--copies", type=int, default=1, help=f"1 to {MAX_COPIES}")
    run.add_argument("--pay", type=int, default=None, help="yen inserted, 0 or more (default: the total)")
    run.add_argument("--json", action="store_true")
    run.add_argument("--remove-card-at", choices=STATES)
    run.add_argument("--cancel-at", choices=STATES)
    run.add_argument("--kill-worker-at", choices=STATES)
    run.add_argument("--timeout-at", choices=STATES, help="stop acting here (inactivity)")
    run.add_argument("--printer-fault", choices=PRINTER_FAULTS)
    run.add_argument("--relay-fault", choices=RELAY_FAULTS)
    run.add_argument("--coin-jam", action="store_true")
    run.add_argument("--devices", choices=("virtual", "fake", "cash", "real"), default="virtual",
                     help="virtual (default): the virtual card, relay, printer and coin device "
                          "in the worker; fake: the session's port fakes; cash: virtual, but "
                          "the real cash drivers on emulated devices (ptys in this process); "
                          "real: the devices of --config")
    run.add_argument("--config", dest="kiosk_config", type=Path,
                     help="kiosk configuration (TOML) for --devices real")
    run.add_argument("--vreader-control", type=Path, default=None,
                     help="--devices real with pcscd: the virtual reader's control socket "
                          "(python -m hardware_mocks.vreader serve --control PATH)")
    run.add_argument("--state-dir", type=Path,
                     help="journal, money ledger and device state, kept between runs so the "
                          "next run recovers what this one left (default: the configuration's "
                          "with --devices real, else $XDG_STATE_HOME/certificate-kiosk/"
                          "session-run)")
    run.add_argument("--runtime-dir", type=Path)
    run.add_argument("--inactivity", type=float, default=None,
                     help="seconds of inactivity per screen (default: the kiosk's)")
    run.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    refusal = _refusal(args)
    if refusal:
        print(f"kiosk session run: {refusal}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kiosk-session-") as tmp:
        # the runtime folder is wiped after every session anyway; the state folder is not:
        # a run that dies leaves its journal and ledger for the next run's recovery
        state_dir = args.state_dir or (None if args.devices == "real" else default_state_dir())
        runtime_dir = args.runtime_dir or Path(tmp) / "run"
        result = run_one(args, state_dir, runtime_dir, Path(tmp))
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        for key in ("result", "code", "printed_copies", "paid", "charged", "change",
                    "refunded", "voucher", "worker_died", "disagreements"):
            print(f"{key}: {result.get(key)}")
    return 0 if result["conserved"] and result["result"] != OUT_OF_SERVICE else 1


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "certificate-kiosk" / "session-run"


def _refusal(args: argparse.Namespace) -> str | None:
    """Options that cannot be honoured, said before anything starts (exit code 2)."""
    if not 1 <= args.copies <= MAX_COPIES:
        return f"--copies: 1 to {MAX_COPIES}, got {args.copies}"
    if args.pay is not None and args.pay < 0:
        return f"--pay: yen inserted, 0 or more, got {args.pay}"
    from hardware_mocks.world import World

    try:
        World(args.world).persona(args.persona)
    except (OSError, ValueError) as exc:
        return f"--world {args.world}: not a test world ({type(exc).__name__})"
    except KeyError:
        return f"--persona {args.persona}: no such persona in {args.world}"
    if args.devices == "real":
        faults = [f"--{f.replace('_', '-')}" for f in ("printer_fault", "relay_fault")
                  if getattr(args, f)]
        if faults:
            return (f"{' and '.join(faults)} need --devices virtual or fake: "
                    "real devices cannot be told to fail")
        if not args.kiosk_config:
            return "--devices real needs --config"
    return None


def bound(config_path: str) -> float:
    """How long one customer can take at most: every screen's inactivity timeout in turn
    (the customer acts at once, or the timeout ends the session), the print deadline and
    a margin for the machine states. Past it the run is stuck, and says so."""
    t = kiosk_config.load(config_path).timeouts
    screens: float = sum(getattr(t, k) for k in t.__struct_fields__
                  if k not in ("warn_before", "print_deadline"))
    return screens + t.print_deadline + MARGIN_S


def run_one(args: argparse.Namespace, state_dir: Path | None, runtime_dir: Path,
            tmp: Path) -> dict[str, Any]:
    from hardware_mocks.cash.rig import CashRig
    from hardware_mocks.session import specs
    from hardware_mocks.session.customer import (
        CashRigTerminal,
        Customer,
        HostTerminal,
        ReaderControlTerminal,
        Result,
        Script,
    )
    from kiosk.process.host import SessionHost

    timeouts: dict[str, float] = {}
    if args.inactivity:
        timeouts |= {k: args.inactivity for k in (
            "place_card", "pin", "remove_card", "choose_type", "options", "copies", "confirm",
            "payment", "take_papers")}
        timeouts["warn_before"] = args.inactivity / 2
    if args.printer_fault == "timeout":
        timeouts["print_deadline"] = 0.5
    rig: CashRig | None = None
    res = Result()
    try:
        if args.devices == "cash":
            assert state_dir is not None
            rig = CashRig().start()
            spec = specs.cash_spec(args.world, state_dir, runtime_dir, rig,
                                   relay_fault=args.relay_fault, printer_fault=args.printer_fault,
                                   timeouts=timeouts)
        elif args.devices in ("fake", "virtual"):
            assert state_dir is not None
            make = specs.fake_spec if args.devices == "fake" else specs.virtual_spec
            spec = make(args.world, state_dir, runtime_dir, relay_fault=args.relay_fault,
                        printer_fault=args.printer_fault, timeouts=timeouts)
        else:
            spec = specs.real_spec(args.kiosk_config, tmp, state_dir, timeouts)
        state_dir = Path(kiosk_config.load(spec.config_path).state_dir)
        limit = bound(spec.config_path)
        before = Facts.read(state_dir)
    except OSError:  # the state directory cannot be made or written
        if rig is not None:
            rig.close()
        return unusable(res, "state_dir_unusable")
    except ConfigError:  # --config unreadable or invalid
        if rig is not None:
            rig.close()
        return unusable(res, "config_invalid")
    script = Script(persona=args.persona, pin=args.pin, doc_type=args.doc_type,
                    copies=args.copies, pay=args.pay, remove_card_at=args.remove_card_at,
                    cancel_at=args.cancel_at, kill_worker_at=args.kill_worker_at,
                    coin_jam=args.coin_jam, timeout_at=args.timeout_at)
    host = SessionHost(spec, warm_spare=False)
    host.start()
    stopped = host.out_of_service
    try:
        if stopped is None:
            terminal: HostTerminal = HostTerminal(host) if rig is None else CashRigTerminal(host, rig)
            if args.devices == "real" and args.vreader_control is not None:
                from hardware_mocks.vreader import control

                path = args.vreader_control
                terminal = ReaderControlTerminal(host, lambda req: control(req, path))
            customer = Customer(terminal, script)
            try:
                customer.run(timeout=limit)
            finally:
                res = customer.result  # also when it timed out: the money it put in
            _settle(host, res, limit)
            stopped = host.out_of_service
    except TimeoutError:
        stopped = host.out_of_service or "no_outcome"
    finally:
        host.close()
    out = summarize(host, res, before, Facts.read(state_dir), stopped)
    if rig is not None:
        rig.close()
        # the emulated devices' own count of what went in and came out, since they started
        if (rig.taken, rig.paid_out) != (out["paid"], out["change"] + out["refunded"]):
            out["disagreements"].append("device_totals")
            out["conserved"] = False
    return out


def _settle(host: Any, res: Any, limit: float) -> None:
    """Wait, within ``limit``, for what ends the run: the session's outcome, or after a
    worker died the recovery of its money (the host serving again, or out of service)."""
    if res.walked_away or host.out_of_service:
        return
    if died(res):
        host.wait_for(lambda v: v.state == "worker_died"
                      or v.screen in (Screen.START, Screen.OUT_OF_SERVICE), limit)
        host.wait_for(lambda v: v.screen in (Screen.START, Screen.OUT_OF_SERVICE), limit)
    else:
        host.wait_outcome(res.final.session, limit)


def died(res: Any) -> bool:
    """The worker died: killed by the script, or of itself (its final view says so)."""
    return bool(res.killed or (res.final is not None and res.final.state == "worker_died"))


def unusable(res: Any, code: str) -> dict[str, Any]:
    """No terminal could be set up: nothing was taken, nothing printed."""
    return {"states": res.states, "worker_died": False, "result": OUT_OF_SERVICE, "code": code,
            "printed_copies": 0, "print_jobs": 0, "paid": 0, "charged": 0, "change": 0,
            "refunded": 0, "voucher": None, "vouchered": 0, "disagreements": [],
            "conserved": True}


def summarize(host: Any, res: Any, before: Facts, after: Facts,
              stopped: str | None = None) -> dict[str, Any]:
    """The run's outcome, from the records kept outside the engine: money from the ledger
    (the transactions the journal ties to this run's session), copies from the printer's
    tray (the virtual and fake printers) or the journal's print records (a real printer),
    the coin device's own counters where it keeps them. The engine's outcome gives the
    result and its code; where it disagrees with those records the run says so
    (``disagreements``) and does not balance."""
    out: dict[str, Any] = {"states": res.states, "worker_died": died(res)}
    session = after.session_since(before)
    outcome = next((o for o in reversed(host.outcomes) if o["session"] == session), None) \
        if host.outcomes and session else None
    money = after.money(session)
    printed = after.printed_since(before, session)
    out.update(printed_copies=printed, print_jobs=after.jobs_since(before), **money)
    disagreements = []
    if outcome is not None:
        out.update(result=outcome["result"], code=outcome["code"])
        if not outcome["alarm"]:  # an alarm leaves money for recovery: it cannot agree yet
            given_back = money["change"] + money["refunded"] + money["vouchered"]
            for key, theirs, ours in (("paid", outcome["paid"], money["paid"]),
                                      ("charged", outcome["charged"], money["charged"]),
                                      ("given_back", outcome["change"] + outcome["refunded"],
                                       given_back)):
                if theirs != ours:
                    disagreements.append(key)  # the engine's account against the ledger's
        if outcome["copies_printed"] != printed and not outcome["partial_copies"]:
            disagreements.append("printed_copies")
    elif died(res):
        out.update(result="printed" if money["charged"] else "failed", code="worker_died")
    elif stopped:
        out.update(result=OUT_OF_SERVICE, code=stopped)
    else:
        out.update(result="not_started", code="walked_away")
    if res.inserted != money["paid"]:
        disagreements.append("paid_in")  # the customer's hand against the ledger
    device = after.device_since(before)
    if device is not None and device != (money["paid"], money["change"] + money["refunded"]):
        disagreements.append("device_totals")
    out["disagreements"] = disagreements
    out["conserved"] = not disagreements and money["paid"] == (
        money["charged"] + money["change"] + money["refunded"] + money["vouchered"])
    return out
