"""The suite's guard that keeps a timed-out test a failure rather than an INTERNALERROR."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TypeVar

import pytest

from tests.fixtures.tracebacks import mend

E = TypeVar("E", bound=BaseException)


def _lineless(exc: E) -> E:
    """``exc`` with an innermost entry that has no line, as a signal handler can leave one
    (an instruction offset past the code's end maps to no line)."""
    frame = sys._getframe()
    tb = TracebackType(None, frame, 10**6, -1)
    lineno: int | None = tb.tb_lineno
    assert lineno is None
    return exc.with_traceback(TracebackType(tb, frame, 0, frame.f_lineno))


def _lines(exc: BaseException) -> list[int | None]:
    lines: list[int | None] = []
    tb = exc.__traceback__
    while tb is not None:
        lines.append(tb.tb_lineno)
        tb = tb.tb_next
    return lines


def test_an_entry_without_a_line_breaks_pytest_report_until_mended() -> None:
    exc = _lineless(RuntimeError("hung"))
    with pytest.raises(TypeError):  # what stopped the whole run
        pytest.ExceptionInfo.from_exception(exc).getrepr()
    mend(exc)
    assert None not in _lines(exc) and len(_lines(exc)) == 2
    assert "RuntimeError: hung" in str(pytest.ExceptionInfo.from_exception(exc).getrepr())


def test_chained_and_grouped_exceptions_are_mended_too() -> None:
    cause, inner = _lineless(OSError("cause")), _lineless(ValueError("inner"))
    group = ExceptionGroup("several", [inner])
    top = _lineless(RuntimeError("top"))
    top.__cause__ = cause
    top.__context__ = group
    mend(top)
    assert all(None not in _lines(e) for e in (top, cause, group, inner))
    str(pytest.ExceptionInfo.from_exception(top).getrepr(chain=True))


def test_a_deep_traceback_is_mended_without_recursion() -> None:
    frame = sys._getframe()
    tb = TracebackType(None, frame, 10**6, -1)
    for _ in range(5 * sys.getrecursionlimit()):
        tb = TracebackType(tb, frame, 0, frame.f_lineno)
    exc = RuntimeError("deep").with_traceback(tb)
    mend(exc)
    assert None not in _lines(exc)
