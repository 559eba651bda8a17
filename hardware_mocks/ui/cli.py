"""``kiosk demo``: the kiosk on virtual hardware with the tester panel, or a scripted
customer offscreen (a development program, registered through the ``kiosk.commands``
entry point)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hardware_mocks.world import PERSONAS
from kiosk.ui.texts import LANGUAGES


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="the kiosk on virtual hardware, with the tester panel")
    demo.add_argument("--headless", action="store_true",
                      help="play a scripted customer offscreen; write PDFs and screenshots")
    demo.add_argument("--out", default="demo-output", help="output folder")
    demo.add_argument("--devices", choices=("auto", "real", "virtual", "fake"), default="auto",
                      help="real: the federation (the issuing centre and three municipal "
                           "issuing servers), pcscd + virtual reader, a cupsd PDF queue and "
                           "the cash devices' emulators, embedded; virtual: the virtual devices "
                           "in the worker, the cash emulators here; (both: the kiosk's real "
                           "cash drivers); fake: the session's port fakes; auto (default): "
                           "real, or virtual when a real piece cannot start here")
    demo.add_argument("--federation", choices=("processes", "embedded"), default="processes",
                      help="with the real pieces: the municipal issuing servers as their own "
                           "processes (default; the tester panel can stop one) or embedded in "
                           "the centre's process")
    demo.add_argument("--persona", default=None,
                      help="headless: the customer's persona (default shiken-ichiro, who moved "
                           "to 見本町; shiken-hanako lives in 見本市, mihon-saburo in 見本村)")
    demo.add_argument("--languages", default=",".join(LANGUAGES),
                      help="screenshot languages, comma-separated")
    demo.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    import os

    from hardware_mocks.ui import demo

    out = Path(args.out).resolve()  # the services and the worker run in other folders
    if args.headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        langs = tuple(x for x in args.languages.split(",") if x)
        unknown = [x for x in langs if x not in LANGUAGES]
        if unknown:
            print(f"unknown languages: {', '.join(unknown)}", file=sys.stderr)
            return 2
        try:
            persona = args.persona or demo.PERSONA
            pin = next((p.pin for p in PERSONAS if p.id == persona), None)
            if pin is None:
                print(f"unknown persona: {persona}", file=sys.stderr)
                return 2
            summary = demo.headless(out, args.devices, langs, persona=persona, pin=pin,
                                    relay=args.federation)
        except demo.DemoError as exc:
            print(f"demo failed: {exc}", file=sys.stderr)
            return 1
        outcome = summary["outcome"] or {}
        print(f"devices: {summary['devices']}")
        print(f"screens: {' → '.join(summary['screens'])}")
        print(f"outcome: {outcome.get('result')} copies={outcome.get('copies_printed')} "
              f"paid={outcome.get('paid')} charged={outcome.get('charged')} "
              f"change={outcome.get('change')}")
        if summary["issued_by"]:
            issued = summary["issued_by"]
            print(f"issued by: {issued['name']} ({issued['code']}), serials "
                  f"{', '.join(issued['serials'])}, federation as {summary['relay']}")
        if summary["cash"]:
            print(f"cash devices: took {summary['cash']['taken']} yen, "
                  f"paid out {summary['cash']['paid_out']} yen")
        print(f"screenshots: {summary['screenshots']} in {out / 'screenshots'}")
        print(f"printed: {', '.join(summary['printed']) or 'nothing'} in {out / 'printed'}")
        return 0 if outcome.get("result") == "printed" else 1
    return demo.interactive(out, args.devices, args.federation)
