"""How the relay client reads the relay's answers, strictly, and types its errors."""

from __future__ import annotations

import pytest

from kiosk.relay_client.client import error_for
from kiosk.relay_client.errors import (
    KioskRefused,
    KioskRetired,
    KioskSuspended,
    KioskUnknown,
    RelayProtocolError,
    RelayRefused,
    RelayTimeout,
    RelayUnavailable,
)
from kiosk.relay_client.https import parse_answer
from kiosk.relay_client.verify import parse_menu
from protocol import refusals


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (403, refusals.UNDER_15, RelayRefused),
        (409, "already_issued", RelayRefused),
        (410, "session_expired", RelayRefused),
        (400, "bad_json", RelayProtocolError),
        (409, "request_id_conflict", RelayProtocolError),
        (503, "timeout", RelayTimeout),
        (502, None, RelayUnavailable),
        (400, "<script>", RelayProtocolError),
        (403, "kiosk_suspended", KioskSuspended),  # the register's decisions, not protocol faults
        (403, "kiosk_retired", KioskRetired),
        (403, "kiosk_unknown", KioskUnknown),
        (400, "kiosk_retired", RelayProtocolError),  # only as the register's 403
    ],
)
def test_error_answers_are_typed(status: int, code: str | None, kind: type) -> None:
    error = error_for(status, code)
    assert isinstance(error, kind)
    assert "<" not in str(error)
    if issubclass(kind, KioskRefused):
        assert error.code == code  # the out-of-service code the screen and diagnostic mode explain


@pytest.mark.parametrize(
    ("raw", "code"),
    [(b'{"a":1,"a":2}', "duplicate_key"), (b"{", "bad_json"), (b'{"a": NaN}', "bad_json"),
     (b"\xff", "bad_json"), (b"[" * 100000, "bad_json")],
)
def test_answers_are_read_strictly(raw: bytes, code: str) -> None:
    with pytest.raises(RelayProtocolError) as err:
        parse_answer(raw)
    assert err.value.code == code


@pytest.mark.parametrize(
    "menu",
    [None, {}, {"items": "x", "household_members": 1, "koseki_members": 1, "max_copies": 1},
     {"items": [{"type": 1}], "household_members": 1, "koseki_members": 1, "max_copies": 1},
     {"items": [], "household_members": True, "koseki_members": 1, "max_copies": 1},
     {"items": [{"type": "juminhyo", "fee": 300, "options": [{"key": "scope", "choices": ["お電話ください"]}],
                 "available": True, "refusal": None}], "household_members": 1, "koseki_members": 1, "max_copies": 1},
     {"items": [{"type": "inkan", "fee": 300, "options": [], "available": False, "refusal": "ask at 3F"}],
      "household_members": 1, "koseki_members": 1, "max_copies": 1}],
)
def test_malformed_menus_are_protocol_errors(menu: object) -> None:
    with pytest.raises(RelayProtocolError):
        parse_menu(menu)
