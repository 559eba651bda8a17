"""Commands that another installed distribution adds to ``kiosk``.

The development package (test world, virtual devices, demo) registers its commands as
entry points; a production install has none, so its ``kiosk`` program offers only what a
terminal in service, a technician and a verifier need, and never imports test code.
"""

from __future__ import annotations

import argparse
from importlib.metadata import entry_points


def register_plugins(group: str, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Each entry point of ``group`` is a ``register(subparsers)`` function."""
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        ep.load()(sub)
