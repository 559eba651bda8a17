"""The interface between the session engine and any front end.

The engine (in the session worker process) publishes a :class:`ViewModel` after every
change; the front end renders it and answers with :class:`Intent` values. Both cross the
process pipe as plain dictionaries (``to_dict``/``from_dict``), so the UI process needs
nothing from the engine but this module.

A view model never carries personal data: no name, address, My Number or document
content. It carries state names, codes, amounts, counts and the menu of certificate types
(which holds type keys, fees and option keys only). The PIN is not an intent field: it is
sent as raw bytes into a ``bytearray`` on the worker side (see ``kiosk.process.worker``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from protocol.menu import MenuItem, MenuOption


class Screen(StrEnum):
    """What the customer should see. One decision per screen."""

    START = "start"  # attract screen
    OUT_OF_SERVICE = "out_of_service"
    PLACE_CARD = "place_card"
    READING_CARD = "reading_card"
    PIN = "pin"
    AUTHENTICATING = "authenticating"
    REMOVE_CARD = "remove_card"
    CHOOSE_TYPE = "choose_type"
    OPTIONS = "options"
    COPIES = "copies"
    CONFIRM = "confirm"
    PREPARING = "preparing"  # documents requested and verified
    PAYMENT = "payment"
    PRINTING = "printing"
    TAKE_PAPERS = "take_papers"  # change and papers reminder, stays until touched
    THANK_YOU = "thank_you"
    ERROR = "error"  # see ViewModel.error
    ENDING = "ending"  # wiping; nothing to do


class IntentKind(StrEnum):
    START = "start"
    CANCEL = "cancel"
    BACK = "back"
    PIN_SUBMITTED = "pin_submitted"  # the PIN bytes follow on the pipe, never in the intent
    CHOOSE_TYPE = "choose_type"  # value: certificate type key
    SET_OPTION = "set_option"  # key, value
    OPTIONS_DONE = "options_done"
    SET_COPIES = "set_copies"  # value: "1".."10"
    CONFIRM = "confirm"
    MORE_TIME = "more_time"  # answer to the inactivity warning
    ACKNOWLEDGE = "acknowledge"  # papers taken / error read
    LANGUAGE = "language"  # value: ja, en, zh, ko, vi, pt (UI-side: the engine republishes the screen, keeps nothing)


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    value: str | None = None
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "value": self.value, "key": self.key}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Intent:
        return cls(IntentKind(data["kind"]), data.get("value"), data.get("key"))


@dataclass(frozen=True)
class ErrorInfo:
    """Why the session stopped. ``code`` is one of the relay's refusal codes or a device
    fault code; ``next_step`` tells the UI which guidance to show."""

    code: str
    kind: str  # refusal | card | relay | printer | payment | integrity | timeout | cancelled | device
    next_step: str  # retry | take_card | visit_office | call_staff | none
    refunded: int = 0  # yen returned on this path
    voucher: str | None = None  # refund voucher id when the device could not pay out


@dataclass(frozen=True)
class ViewModel:
    screen: Screen
    allowed: frozenset[IntentKind] = frozenset()
    session: str | None = None  # opaque session id
    tries_left: int | None = None  # PIN tries left, read from the card
    menu: tuple[MenuItem, ...] = ()
    selected_type: str | None = None
    selected_options: dict[str, str] = field(default_factory=dict)
    copies: int = 1
    fee_per_copy: int = 0
    total: int = 0
    inserted: int = 0
    change_due: int = 0
    exact_change_only: bool = False  # the device cannot give change: insert the exact amount
    progress: float | None = None  # 0..1 while preparing or printing
    pages_done: int = 0
    pages_total: int = 0
    timeout_warning: bool = False  # show "need more time?"
    seconds_left: int | None = None
    error: ErrorInfo | None = None
    state: str | None = None  # the engine's state name (finer than screen; for logs and tests)
    final: bool = False  # the last view model of this session: the worker wipes and exits
    #: A card lies on the reader when no session uses it: the session that ended left it
    #: (final view), or it is still there at the next customer's start screen.
    card_on_reader: bool = False

    @property
    def last_try(self) -> bool:
        return self.tries_left == 1

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["screen"] = self.screen.value
        data["allowed"] = sorted(i.value for i in self.allowed)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ViewModel:
        menu = tuple(
            MenuItem(
                type=m["type"],
                fee=int(m["fee"]),
                options=tuple(MenuOption(o["key"], tuple(o["choices"])) for o in m.get("options", ())),
                available=bool(m.get("available", True)),
                refusal=m.get("refusal"),
            )
            for m in data.get("menu", ())
        )
        error = data.get("error")
        return cls(
            screen=Screen(data["screen"]),
            allowed=frozenset(IntentKind(a) for a in data.get("allowed", ())),
            session=data.get("session"),
            tries_left=data.get("tries_left"),
            menu=menu,
            selected_type=data.get("selected_type"),
            selected_options=dict(data.get("selected_options") or {}),
            copies=int(data.get("copies", 1)),
            fee_per_copy=int(data.get("fee_per_copy", 0)),
            total=int(data.get("total", 0)),
            inserted=int(data.get("inserted", 0)),
            change_due=int(data.get("change_due", 0)),
            exact_change_only=bool(data.get("exact_change_only", False)),
            progress=data.get("progress"),
            pages_done=int(data.get("pages_done", 0)),
            pages_total=int(data.get("pages_total", 0)),
            timeout_warning=bool(data.get("timeout_warning", False)),
            seconds_left=data.get("seconds_left"),
            error=ErrorInfo(**error) if error else None,
            state=data.get("state"),
            final=bool(data.get("final", False)),
            card_on_reader=bool(data.get("card_on_reader", False)),
        )
