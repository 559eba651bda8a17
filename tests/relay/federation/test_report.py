"""The conformance report as the operator's commands read it (relay.federation.report):
a file that is not a report, however it is malformed, is refused with a sentence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from relay.federation.report import ReportError, is_report_file, verify_report
from tests.fixtures.federation import municipality

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
#: Nested deeper than Python's JSON parser goes (it raises RecursionError, not ValueError).
DEEP = b"[" * 100_000 + b"]" * 100_000


def test_a_file_nested_too_deep_is_not_a_report(tmp_path: Path) -> None:
    """``relay municipality check --report`` must not write over a file that is not a
    report: one too deep to parse is one, said so instead of a traceback."""
    deep = tmp_path / "deep.json"
    deep.write_bytes(DEEP)
    assert is_report_file(deep) is False


def test_a_report_nested_too_deep_is_refused_as_not_json() -> None:
    with pytest.raises(ReportError, match="not JSON"):
        verify_report(DEEP, municipality("139998", NOW).member, lambda _kid, _when: None, NOW)
