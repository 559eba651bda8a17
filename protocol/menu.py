"""The menu the relay answers after authentication: which certificate types this resident
may request, with options and fees. Keys and amounts only, never a name: the kiosk shows it
and the relay builds it, so both sides read the same types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protocol import refusals
from protocol.documents.catalogue import CATALOGUE, CertType


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


def item_problem(item: Any) -> str | None:
    """What is wrong with one menu item as the relay sends it (a dict): None when it names
    a certificate of the catalogue with only that certificate's options and choices, a
    fee, and a refusal code the kiosk knows or none. Both the centre (of what a municipal
    server answers) and the kiosk (of what the relay answers) check it: nothing but the
    catalogue's keys reaches a screen, a voice or a log."""
    if not isinstance(item, dict):
        return "item"
    try:
        spec = CATALOGUE[CertType(str(item.get("type")))]
    except ValueError:
        return "type"
    known = {o.key: set(o.choices) for o in spec.options}
    options = item.get("options")
    if not isinstance(options, list):
        return "options"
    for option in options:
        if not isinstance(option, dict) or option.get("key") not in known:
            return "option"
        choices = option.get("choices")
        if not isinstance(choices, list) or not choices or not set(map(str, choices)) <= known[option["key"]]:
            return "choices"
    fee = item.get("fee")
    if not isinstance(fee, int) or isinstance(fee, bool) or not 0 <= fee <= 100_000:
        return "fee"
    refusal = item.get("refusal")
    if refusal is not None and refusal not in refusals.ALL:
        return "refusal"
    return None
