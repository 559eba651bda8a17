"""``kiosk session …``: the state diagram, and what the development package adds (a
headless customer, ``kiosk session run``, through the ``kiosk.session_commands`` entry
point)."""

from __future__ import annotations

import argparse
import sys

from kiosk.plugins import register_plugins


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("session", help="session engine: state diagram (and headless runs "
                                       "where the development package is installed)")
    ssub = p.add_subparsers(dest="session_command", required=True)
    diagram = ssub.add_parser("diagram", help="print the state diagram (Mermaid)")
    diagram.set_defaults(func=_diagram)
    register_plugins("kiosk.session_commands", ssub)


def _diagram(args: argparse.Namespace) -> int:
    from kiosk.session.machine import mermaid

    sys.stdout.write(mermaid())
    return 0
