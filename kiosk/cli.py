"""The ``kiosk`` command: one entry point, one sub-command module per area.

Each area registers its own sub-commands so this file only lists them; adding a
command never touches another area's code. The development package adds its own
(``demo``, ``render``) through the ``kiosk.commands`` entry point.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from kiosk.config import ConfigError
from kiosk.plugins import register_plugins

#: The exit status of a command stopped by Ctrl-C, as a shell reports it.
INTERRUPTED = 130

#: Modules exposing ``register(subparsers)``; each sub-command sets ``func(args) -> int``.
COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.card.cli",
    "kiosk.printing.cli",
    "kiosk.session.cli",
    "kiosk.ui.cli",
    "kiosk.diag.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Certificate kiosk")
    parser.add_argument("--config", help="kiosk configuration (TOML)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    register_plugins("kiosk.commands", sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:  # one clear line, never a traceback
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: one line and the shell's status for it (128 + SIGINT)
        print("kiosk: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
