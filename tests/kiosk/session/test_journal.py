"""The intent journal: opaque ids and amounts only, fsynced lines, torn lines ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware_mocks.world import CANARY_FAMILY
from kiosk.session.journal import Journal, JournalError, Rec


def test_refuses_anything_but_ids_and_amounts(tmp_path: Path) -> None:
    j = Journal(tmp_path / "journal.jsonl")
    with pytest.raises(JournalError):
        j.append("s1", Rec.OPENED, name="x")
    with pytest.raises(JournalError):
        j.append("s1", Rec.DOC_RECEIVED, request=CANARY_FAMILY)
    with pytest.raises(JournalError):
        j.append("s1", Rec.PAID, txn="t1", amount=1.5)
    with pytest.raises(JournalError):
        j.append("a b", Rec.OPENED)
    assert j.records() == []


def test_open_sessions_and_what_recovery_needs(tmp_path: Path) -> None:
    j = Journal(tmp_path / "journal.jsonl")
    j.append("s1", Rec.OPENED)
    j.append("s1", Rec.PAYMENT_BEGUN, txn="t1", amount=200)
    j.append("s1", Rec.PAID, txn="t1", amount=500)
    j.append("s1", Rec.DOC_RECEIVED, request="r-1", relay="rs1")
    j.append("s1", Rec.PRINT_SUBMITTED, job="7")
    j.append("s1", Rec.PRINTED, job="7")
    j.append("s2", Rec.OPENED)
    j.append("s2", Rec.CLOSED, code="cancelled")
    with open(j.path, "ab") as fh:
        fh.write(b'{"rec": "clo')  # a power cut in the middle of a line
    [s] = j.open_sessions()
    assert (s.session, s.txn, s.due, s.paid, s.requests, s.relay_session, s.jobs, s.printed,
            s.charged) == ("s1", "t1", 200, 500, ["r-1"], "rs1", ["7"], True, False)


def test_alarm_until_cleared(tmp_path: Path) -> None:
    j = Journal(tmp_path / "journal.jsonl")
    assert j.alarm_raised() is None
    j.append("s1", Rec.ALARM, code="integrity")
    assert j.alarm_raised() == "integrity"
    j.append("terminal", Rec.ALARM_CLEARED)
    assert j.alarm_raised() is None


def test_torn_tail_is_sealed_before_the_next_record(tmp_path: Path) -> None:
    """A record appended after a torn line is kept: an OPENED lost there would leave paid
    money never refunded."""
    j = Journal(tmp_path / "journal.jsonl")
    j.append("s1", Rec.OPENED)
    j.append("s1", Rec.CLOSED, code="done")
    with open(j.path, "ab") as fh:
        fh.write(b'{"rec": "opened", "sess')  # a power cut mid-line
    j.append("s2", Rec.OPENED)
    j.append("s2", Rec.PAYMENT_BEGUN, txn="t2", amount=300)
    [s] = j.open_sessions()
    assert (s.session, s.txn, s.due) == ("s2", "t2", 300)


def test_lines_that_are_not_records_are_skipped(tmp_path: Path) -> None:
    j = Journal(tmp_path / "journal.jsonl")
    with open(j.path, "wb") as fh:
        fh.write(b'[1, 2]\n"opened"\n42\n{"session": 7, "rec": "opened"}\n')
        fh.write(b'{"session": "s0", "rec": "opened"}\n')
        fh.write(b'{"session": "s0", "rec": "payment_begun", "txn": "t0", "amount": "x"}\n')
    j.append("s1", Rec.OPENED)
    assert [s.session for s in j.open_sessions()] == ["s0", "s1"]
    assert j.open_sessions()[0].due == 0
    assert j.alarm_raised() is None
