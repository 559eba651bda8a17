"""``kiosk session run``: play one customer headless, with faults; print the outcome.

A development program (registered through the ``kiosk.session_commands`` entry point):
it types a test world's PIN given on the command line, which no production program may do."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from hardware_mocks.session.virtual import PRINTER_FAULTS, RELAY_FAULTS
from kiosk.session.machine import SessionChart

STATES = tuple(s.id for s in SessionChart.states if s.id not in ("wiping", "ended"))


def register(ssub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``run`` under ``kiosk session``."""
    run = ssub.add_parser("run", help="play one customer against the configured devices")
    run.add_argument("--world", type=Path, required=True, help="test world directory")
    run.add_argument("--persona", required=True)
    run.add_argument("--pin", required=True, help="the PIN the customer types (test worlds only)")
    run.add_argument("--type", dest="doc_type", default="juminhyo")
    run.add_argument("--copies", type=int, default=1)
    run.add_argument("--pay", type=int, default=None, help="yen inserted (default: the total)")
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
    run.add_argument("--state-dir", type=Path, help="journal and coin state (default: temporary)")
    run.add_argument("--runtime-dir", type=Path)
    run.add_argument("--inactivity", type=float, default=None,
                     help="seconds of inactivity per screen (default: the kiosk's)")
    run.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="kiosk-session-") as tmp:
        state_dir = args.state_dir or Path(tmp) / "state"
        runtime_dir = args.runtime_dir or Path(tmp) / "run"
        result = run_one(args, state_dir, runtime_dir)
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        for key in ("result", "code", "printed_copies", "paid", "charged", "change",
                    "refunded", "voucher", "worker_died"):
            print(f"{key}: {result.get(key)}")
    return 0 if result["conserved"] else 1


def run_one(args: argparse.Namespace, state_dir: Path, runtime_dir: Path) -> dict[str, Any]:
    from hardware_mocks.cash.rig import CashRig
    from hardware_mocks.session import specs
    from hardware_mocks.session.customer import (
        CashRigTerminal,
        Customer,
        HostTerminal,
        ReaderControlTerminal,
        Script,
    )
    from kiosk.process.host import SessionHost
    from kiosk.process.worker import WorkerSpec

    timeouts: dict[str, float] = {}
    if args.inactivity:
        timeouts |= {k: args.inactivity for k in (
            "place_card", "pin", "remove_card", "choose_type", "options", "copies", "confirm",
            "payment", "take_papers")}
        timeouts["warn_before"] = args.inactivity / 2
    if args.printer_fault == "timeout":
        timeouts["print_deadline"] = 0.5
    rig = CashRig().start() if args.devices == "cash" else None
    if rig is not None:
        spec = specs.cash_spec(args.world, state_dir, runtime_dir, rig,
                               relay_fault=args.relay_fault, printer_fault=args.printer_fault,
                               timeouts=timeouts)
    elif args.devices in ("fake", "virtual"):
        make = specs.fake_spec if args.devices == "fake" else specs.virtual_spec
        spec = make(args.world, state_dir, runtime_dir, relay_fault=args.relay_fault,
                    printer_fault=args.printer_fault, timeouts=timeouts)
    else:
        if not args.kiosk_config:
            raise SystemExit("--devices real needs --config")
        spec = WorkerSpec(config_path=str(args.kiosk_config))
        if timeouts:
            spec = specs.with_timeouts(spec, **timeouts)
    script = Script(persona=args.persona, pin=args.pin, doc_type=args.doc_type,
                    copies=args.copies, pay=args.pay, remove_card_at=args.remove_card_at,
                    cancel_at=args.cancel_at, kill_worker_at=args.kill_worker_at,
                    coin_jam=args.coin_jam, timeout_at=args.timeout_at)
    host = SessionHost(spec, warm_spare=False)
    host.start()
    try:
        terminal: HostTerminal = HostTerminal(host) if rig is None else CashRigTerminal(host, rig)
        if args.devices == "real" and args.vreader_control is not None:
            from hardware_mocks.vreader import control

            path = args.vreader_control
            terminal = ReaderControlTerminal(host, lambda req: control(req, path))
        res = Customer(terminal, script).run(timeout=300)
        if not res.killed:
            assert res.final is not None
            host.wait_outcome(res.final.session, 30)
        else:
            host.wait_for(lambda v: v.state == "worker_died" or v.screen == "start", 30)
            host.wait_for(lambda v: v.screen == "start", 30)
    finally:
        host.close()
        if rig is not None:
            rig.close()
    out = summarize(host, res, state_dir)
    if rig is not None:  # the devices' physical truth agrees (change includes a voucher)
        out["conserved"] = (out["conserved"] and rig.taken == out["paid"]
                            and rig.paid_out <= out["change"] + out["refunded"])
    return out


def summarize(host: Any, res: Any, state_dir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"states": res.states, "worker_died": res.killed}
    tray = state_dir / "tray.jsonl"
    printed = [json.loads(line) for line in tray.read_text().splitlines()] if tray.exists() else []
    out["printed_copies"] = sum(p["copies"] for p in printed)
    out["print_jobs"] = len(printed)
    if host.outcomes:
        o = host.outcomes[-1]
        out.update(result=o["result"], code=o["code"], paid=o["paid"], charged=o["charged"],
                   change=o["change"], refunded=o["refunded"], voucher=o["voucher"])
        if not tray.exists():  # a real printer: the engine's count
            out["printed_copies"] = o["copies_printed"]
    else:
        settled = host.recovered[-1] if host.recovered else {}
        charged = int(settled.get("charged", 0))
        refunded = int(settled.get("refunded", 0))
        out.update(result="printed" if settled.get("printed") else "failed", code="worker_died",
                   paid=res.inserted, charged=charged, change=res.inserted - charged - refunded
                   if settled.get("printed") else 0, refunded=refunded,
                   voucher=settled.get("voucher"))
    out["conserved"] = out["paid"] == out["charged"] + out["change"] + out["refunded"]
    return out
