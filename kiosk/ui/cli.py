"""``kiosk ui``: the touchscreen of a terminal in service."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("ui", aliases=["run"],
                         help="the kiosk in service: full screen, real devices")
    run.add_argument("--windowed", action="store_true", help="not full screen (bench only)")
    run.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if not args.config:
        print("kiosk ui needs --config (the kiosk's TOML configuration)", file=sys.stderr)
        return 2
    from kiosk.ui import production

    return production.run(args.config, args.windowed)
