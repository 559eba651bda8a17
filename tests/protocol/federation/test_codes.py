"""Municipality codes and their check digit (:mod:`protocol.federation.codes`)."""

from __future__ import annotations

import pytest

from protocol.federation.codes import code_check_digit, code_problem


def test_the_check_digit_of_known_codes() -> None:
    # 131041 (新宿区) and 011002 (札幌市): remainders 0 and 9 of the weighted sum
    assert code_check_digit("13104") == "1" and code_check_digit("01100") == "2"
    for code in ("131016", "271004", "139998", "139971", "139955", "472018"):
        assert code_problem(code) is None, code


@pytest.mark.parametrize(("code", "says"), [
    ("139990", "wrong check digit (a code starting 13999 ends in 8)"),
    ("13999", "not six digits"), ("1399980", "not six digits"), ("13999８", "not six digits"),
    ("abcdef", "not six digits"),
])
def test_a_mistyped_code_is_named_with_what_is_wrong(code: str, says: str) -> None:
    problem = code_problem(code)
    assert problem is not None and says in problem
