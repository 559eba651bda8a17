"""The menu the relay answers after authentication: which certificate types this resident
may request, with options and fees. Keys and amounts only, never a name: the kiosk shows it
and the relay builds it, so both sides read the same types."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuOption:
    key: str  # e.g. "scope"
    choices: tuple[str, ...]  # e.g. ("self", "household")


@dataclass(frozen=True)
class MenuItem:
    """One certificate type this resident may request (no names, only keys and fees)."""

    type: str
    fee: int  # yen per copy
    options: tuple[MenuOption, ...] = ()
    available: bool = True
    refusal: str | None = None  # refusal code when not available (e.g. "outside_hours")
