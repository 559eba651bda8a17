"""Option types the ``relay`` commands share: a value an operator mistypes is refused by the
parser, naming the option, before anything starts (a negative deadline or a rate of -1
was taken as given and broke the server's behaviour at its first request, not at start)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def seconds(text: str) -> float:
    """A period in seconds, above 0 and at most a day."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError("a number of seconds above 0, at most 86400")
    return value


def count(text: str) -> int:
    """A whole number of at least 1 (a rate, a cap)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("a whole number of at least 1")
    return int(text)


def memory_mib(text: str) -> int:
    """A memory cap in MiB: at least 256 (what a scan check needs to load its libraries),
    at most 1 TiB."""
    if not text.isdigit() or not 256 <= int(text) <= 2**20:
        raise argparse.ArgumentTypeError("a whole number of MiB from 256 to 1048576")
    return int(text)


def log_level(text: str) -> str:
    """One of :data:`LOG_LEVELS`, in any case."""
    if text.upper() not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"one of {', '.join(LOG_LEVELS)}")
    return text.upper()


#: How many test worlds an unknown ``--world`` lists at most.
WORLDS_LISTED = 10


def unknown_world(world: Path) -> str | None:
    """Why ``--world`` names no test world (None when it does): the world is unknown, and
    the test worlds beside it are listed (the folders next to it that hold a
    ``world.json``), or how to make one when there is none."""
    if (world / "world.json").is_file():
        return None
    parent = world.parent
    try:
        known = sorted(p.name for p in parent.iterdir() if (p / "world.json").is_file())
    except OSError:
        known = []
    where = "." if str(parent) == "." else str(parent)
    said = f"unknown test world {world} ({'no world.json in it' if world.is_dir() else 'no such directory'})"
    if not known:
        return f"{said}, and none in {where}: make one with python -m hardware_mocks.world create {world}"
    listed = ", ".join(known[:WORLDS_LISTED]) + (f" and {len(known) - WORLDS_LISTED} more"
                                                  if len(known) > WORLDS_LISTED else "")
    return f"{said}; the test worlds in {where}: {listed}"
