"""Municipality codes (全国地方公共団体コード): five digits of JIS X 0401 / X 0402 and the
ministry's check digit. A mistyped code is caught where a code first enters the federation
(``relay municipality init``, ``relay federation admit``) rather than after a server has
published keys and a certificate under it."""

from __future__ import annotations

WEIGHTS = (6, 5, 4, 3, 2)


def code_check_digit(first5: str) -> str:
    """The first five digits weighted 6, 5, 4, 3, 2; eleven minus the sum's remainder mod
    11, its last digit (so 131016, 271004, 139998 and 472018 are valid)."""
    total = sum(int(d) * w for d, w in zip(first5, WEIGHTS, strict=True))
    return str((11 - total % 11) % 10)


def is_code_shape(value: object) -> bool:
    """Six ASCII digits: a municipality code's shape (its check digit is checked where a
    code enters the federation, :func:`code_problem`)."""
    return isinstance(value, str) and len(value) == 6 and value.isascii() and value.isdigit()


def code_problem(code: str) -> str | None:
    """What is wrong with ``code`` as a municipality code, or None."""
    if not is_code_shape(code):
        return f"the municipality code {code[:16]!r} is not six digits"
    if code_check_digit(code[:5]) != code[5]:
        return (f"the municipality code {code} has a wrong check digit "
                f"(a code starting {code[:5]} ends in {code_check_digit(code[:5])})")
    return None
