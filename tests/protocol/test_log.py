"""Structured events keep allow-listed fields of a safe shape, and never a value shaped as
a My Number, whichever field it came in and whether as a number or in a string."""

from __future__ import annotations

import json
import logging

import pytest

from protocol.log import JsonEventFormatter, event, sanitize

MY_NUMBER = "123456789018"  # the canary's shape: twelve digits


def test_fields_off_the_allow_list_are_named_as_dropped_and_odd_values_replaced() -> None:
    assert sanitize({"code": "jam", "count": 3, "name": "x", "reason": "a b"}) == {
        "code": "jam", "count": 3, "dropped": ["name"], "reason": "<dropped>"}


@pytest.mark.parametrize("value", [MY_NUMBER, int(MY_NUMBER), f"no-{MY_NUMBER}", f"{MY_NUMBER}.pdf",
                                   -int(MY_NUMBER)])
def test_a_my_number_shape_is_dropped_in_any_allowed_field(value: object) -> None:
    for field in ("serial", "amount", "code", "count"):
        assert sanitize({field: value}) == {field: "<dropped>"}


@pytest.mark.parametrize("value", ["8c6f7c1e-2b1a-4d3e-9f00-123456789012", "139998-2026-0000001", "1234567890123",
                                   12345678901, 1_764_700_000, 1_764_700_000_123, "KIOSK-0042", 300])
def test_other_numbers_pass(value: object) -> None:
    assert sanitize({"serial": value}) == {"serial": value}


def test_the_formatted_line_holds_no_my_number(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="test.log")
    event(logging.getLogger("test.log"), "test.event", serial=MY_NUMBER, amount=int(MY_NUMBER))
    (record,) = caplog.records
    line = JsonEventFormatter().format(record)
    assert MY_NUMBER not in line
    assert json.loads(line)["amount"] == "<dropped>"
