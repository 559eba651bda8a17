"""A menu item passes only with the catalogue's type, options and choices, a fee and a
known refusal: what the centre checks of a municipal server and the kiosk of the relay."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.menu import item_problem

GOOD = {"type": "juminhyo", "fee": 300, "options": [{"key": "scope", "choices": ["self", "household"]}],
        "available": True, "refusal": None}


def test_an_item_of_the_catalogue_passes() -> None:
    assert item_problem(GOOD) is None
    assert item_problem({**GOOD, "type": "inkan", "options": [], "available": False, "refusal": "no_seal"}) is None


@pytest.mark.parametrize(("change", "problem"), [
    ({"type": "passport"}, "type"),
    ({"options": [{"key": "colour", "choices": ["red"]}]}, "option"),
    ({"options": [{"key": "scope", "choices": ["self", "お電話ください"]}]}, "choices"),
    ({"options": [{"key": "scope", "choices": []}]}, "choices"),
    ({"type": "inkan"}, "option"),  # scope is not an option of 印鑑登録証明書
    ({"fee": "300"}, "fee"), ({"fee": True}, "fee"), ({"fee": -1}, "fee"),
    ({"refusal": "see the counter at 3F"}, "refusal"),
])
def test_anything_else_is_named(change: dict[str, Any], problem: str) -> None:
    assert item_problem({**GOOD, **change}) == problem


def test_not_an_object() -> None:
    assert item_problem(["juminhyo"]) == "item"
