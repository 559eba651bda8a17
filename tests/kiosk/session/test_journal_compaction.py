"""Compaction keeps the journal bounded and changes none of its answers.

Between sessions the host drops what was settled and reported; every question recovery,
the outbox, the print sweep and the alarm ask of the journal must answer the same after it,
and no record appended by another process while it runs may be lost."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.session.journal import Journal, Rec

SESSIONS = [f"s{i}" for i in range(6)]
REQUESTS = [f"r-{i}" for i in range(4)]
JOBS = [f"job{i}" for i in range(4)]

step = st.one_of(
    st.tuples(st.sampled_from(SESSIONS), st.sampled_from([Rec.OPENED, Rec.PRINTED, Rec.CHARGED, Rec.REFUNDED]),
              st.just({})),
    st.tuples(st.sampled_from(SESSIONS), st.just(Rec.CLOSED), st.just({"code": "done"})),
    st.tuples(st.sampled_from(SESSIONS), st.sampled_from([Rec.PAYMENT_BEGUN, Rec.PAID]),
              st.fixed_dictionaries({"txn": st.sampled_from(["t1", "t2"]), "amount": st.integers(0, 900)})),
    st.tuples(st.sampled_from(SESSIONS), st.sampled_from([Rec.REQUEST_SENT, Rec.DOC_RECEIVED]),
              st.fixed_dictionaries({"request": st.sampled_from(REQUESTS), "relay": st.just("rs"),
                                     "copies": st.integers(1, 3), "amount": st.integers(0, 900)})),
    st.tuples(st.sampled_from(SESSIONS), st.sampled_from([Rec.PRINT_SUBMITTED, Rec.COPY_PRINTED]),
              st.fixed_dictionaries({"request": st.sampled_from(REQUESTS), "job": st.sampled_from(JOBS),
                                     "copies": st.integers(1, 3)})),
    st.tuples(st.sampled_from(SESSIONS), st.just(Rec.PRINT_PURGED),
              st.fixed_dictionaries({"job": st.sampled_from(JOBS),
                                     "code": st.sampled_from(["printed", "not_printed", "unknown"])})),
    st.tuples(st.sampled_from(SESSIONS),
              st.sampled_from([Rec.OUTCOME_DUE, Rec.OUTCOME_SENT, Rec.OUTCOME_RETRY, Rec.OUTCOME_REJECTED]),
              st.fixed_dictionaries({"request": st.sampled_from(REQUESTS), "code": st.just("printed"),
                                     "copies": st.integers(0, 3), "amount": st.integers(0, 900),
                                     "attempt": st.integers(1, 5)})),
    st.tuples(st.sampled_from([*SESSIONS, "terminal"]), st.sampled_from([Rec.ALARM, Rec.ALARM_CLEARED]),
              st.just({"code": "integrity"})),
)


def answers(journal: Journal) -> tuple[Any, ...]:
    return (journal.open_sessions(), journal.outbox(), journal.print_obligations(), journal.alarm_raised())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, max_size=60))
def test_every_answer_is_the_same_after_compaction(tmp_path_factory: Any, steps: list[Any]) -> None:
    journal = Journal(tmp_path_factory.mktemp("j") / "journal.jsonl")
    for session, rec, fields in steps:
        journal.append(session, rec, **fields)
    before = answers(journal)
    dropped = journal.compact(at_bytes=0)
    assert answers(journal) == before
    assert len(journal.records()) == len(steps) - dropped


def test_settled_sessions_go_and_the_file_stays_small(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    lines = []
    for n in range(3000):  # a few months of a busy terminal, written at once (fsyncs are slow)
        sid, request = f"s{n}", f"r-{n}"
        steps: list[dict[str, Any]] = [
            {"rec": Rec.OPENED}, {"rec": Rec.PAYMENT_BEGUN, "txn": f"t{n}", "amount": 300},
            {"rec": Rec.REQUEST_SENT, "request": request, "relay": "rs", "copies": 1, "amount": 300},
            {"rec": Rec.PRINT_SUBMITTED, "request": request, "job": f"job{n}"},
            {"rec": Rec.PRINT_PURGED, "job": f"job{n}", "code": "printed"},
            {"rec": Rec.OUTCOME_DUE, "request": request, "code": "printed", "copies": 1, "amount": 300}]
        if n != 1234:  # this one's outcome is still owed
            steps.append({"rec": Rec.OUTCOME_SENT, "request": request})
        steps.append({"rec": Rec.CLOSED, "code": "done"})
        lines += [json.dumps({"t": 1.0, "session": sid, **r}) for r in steps]
    journal.path.write_text("\n".join(lines) + "\n")
    journal.append("s-open", Rec.OPENED)
    size = journal.path.stat().st_size
    assert size > 1 << 20
    assert journal.compact() > 0
    assert journal.path.stat().st_size < size // 100
    assert [d.request for d in journal.outbox()] == ["r-1234"]
    assert [s.session for s in journal.open_sessions()] == ["s-open"]
    assert journal.compact() == 0  # small now: left alone


def test_a_small_journal_is_left_alone(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append("s1", Rec.OPENED)
    journal.append("s1", Rec.CLOSED, code="done")
    assert journal.compact() == 0
    assert len(journal.records()) == 2


def _append_many(path: str, prefix: str, count: int) -> None:
    journal = Journal(Path(path))
    for n in range(count):
        journal.append(f"{prefix}{n}", Rec.OPENED)


def test_no_record_appended_during_compaction_is_lost(tmp_path: Path) -> None:
    """Another process keeps appending while compaction rewrites the file: each of its
    records (sessions still open, so all kept) is in the file afterwards."""
    journal = Journal(tmp_path / "journal.jsonl")
    for n in range(200):
        journal.append(f"old{n}", Rec.OPENED)
        journal.append(f"old{n}", Rec.CLOSED, code="done")
    writer = multiprocessing.get_context("spawn").Process(
        target=_append_many, args=(str(journal.path), "w", 200))
    writer.start()
    compactions = 0
    while writer.is_alive() or compactions == 0:
        journal.compact(at_bytes=0)
        compactions += 1
    writer.join(timeout=60)
    assert writer.exitcode == 0
    opened = [s.session for s in journal.open_sessions()]
    assert opened == [f"w{n}" for n in range(200)]
    assert not any(r["session"].startswith("old") for r in journal.records())
