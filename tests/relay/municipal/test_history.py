"""The municipality's issuance history, the same suite on a SQLite file and on PostgreSQL:
numbers per year without a gap or a repeat, a repeated request id gets the stored answer,
the outcome is recorded once and deletes the documents, refusals are kept; and on
PostgreSQL, two nodes on one database share all of it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from relay.municipal.history import IssuanceHistory, Issued
from tests.fixtures.waiting import WAIT, join_all

YEAR = 2026
#: Opens one more history (a node) on the test's database each time it is called.
Nodes = Callable[[], IssuanceHistory]


@pytest.fixture
def nodes(either_db: Path | str) -> Iterator[Nodes]:
    opened: list[IssuanceHistory] = []

    def node() -> IssuanceHistory:
        opened.append(IssuanceHistory(either_db))
        return opened[-1]

    yield node
    for history in opened:
        history.close()


def _make(request_id: str, mark: str = "DOC", year: int = YEAR) -> Callable[[list[int]], Issued]:
    """What the server builds with the numbers it is given: one document per number."""
    def make(numbers: list[int]) -> Issued:
        serials = [f"{year}-{n:07d}" for n in numbers]
        return Issued("S" * 32, "KIOSK-0001", "R-0001", "CARD-1", "juminhyo", len(numbers), 300, serials,
                      ["ab" * 32] * len(numbers), {"request_id": request_id, "serials": serials,
                                                   "documents": [f"{mark}-{request_id}-{s}" for s in serials]})
    return make


def _issue(history: IssuanceHistory, request_id: str, copies: int = 1, mark: str = "DOC",
           year: int = YEAR) -> list[str]:
    """The serials of the answer (the stored one for a known request id)."""
    _, answer = history.issue(request_id, f"fp-{request_id}", 1.0, year, copies, _make(request_id, mark, year))
    assert answer is not None
    return [str(s) for s in answer["serials"]]


def test_numbers_run_per_year_without_a_gap(nodes: Nodes) -> None:
    history = nodes()
    assert _issue(history, "r1", 2) == ["2026-0000001", "2026-0000002"]
    assert _issue(history, "r2", 1) == ["2026-0000003"]
    assert _issue(history, "r3", 1, year=2027) == ["2027-0000001"]  # a new year starts at 1
    assert _issue(history, "r4", 1) == ["2026-0000004"]
    assert [e["serials"] for e in history.entries()] == [["2026-0000001", "2026-0000002"], ["2026-0000003"],
                                                          ["2027-0000001"], ["2026-0000004"]]


def test_a_repeated_request_id_gets_the_stored_answer_and_no_numbers(nodes: Nodes) -> None:
    history = nodes()
    first = history.issue("r1", "fp", 1.0, YEAR, 1, _make("r1"))
    assert history.issue("r1", "fp", 2.0, YEAR, 3, _make("r1", "OTHER")) == first
    assert history.stored("r1") == first
    assert history.stored("unknown") is None
    assert _issue(history, "r2") == ["2026-0000002"]


def test_a_failed_build_takes_no_number(nodes: Nodes) -> None:
    history = nodes()

    def broken(numbers: list[int]) -> Issued:
        raise ValueError("unprintable")

    with pytest.raises(ValueError):
        history.issue("r1", "fp", 1.0, YEAR, 2, broken)
    assert history.stored("r1") is None
    assert _issue(history, "r2") == ["2026-0000001"]


def test_the_outcome_is_recorded_once_and_deletes_the_documents(nodes: Nodes) -> None:
    history = nodes()
    _issue(history, "r1")
    _issue(history, "r2")
    assert history.record_outcome("r1", "printed", 1, 300) == (None, None, None)
    assert history.record_outcome("r1", "failed", 0, 0) == ("printed", 1, 300)  # the first one stays
    assert history.record_outcome("unknown", "printed", 1, 300) is None
    assert history.stored("r1") == ("fp-r1", None)
    assert history.stored_documents() == 1
    entry = next(e for e in history.entries() if e["request_id"] == "r1")
    assert (entry["outcome"], entry["outcome_copies"], entry["outcome_amount"]) == ("printed", 1, 300)


def test_refusals_are_kept(nodes: Nodes) -> None:
    history = nodes()
    history.refuse(1.0, "r1", "S1", "KIOSK-0001", "CARD-1", "juminhyo", "card_unknown")
    history.refuse(2.0, None, "S2", "KIOSK-0002", "CARD-2", None, "bad_value")
    assert [(r["request_id"], r["code"]) for r in history.refusals()] == [("r1", "card_unknown"),
                                                                          (None, "bad_value")]


def test_a_refusal_is_recorded_once_per_request_id(nodes: Nodes) -> None:
    """The centre sends a refused request again to the next node when the first died before
    answering: that node, or any other, refuses it again and nothing more is recorded."""
    first, second = nodes(), nodes()
    first.refuse(1.0, "r1", "S1", "KIOSK-0001", "CARD-1", "inkan", "no_seal")
    second.refuse(2.0, "r1", "S1", "KIOSK-0001", "CARD-1", "inkan", "no_seal")
    first.refuse(3.0, "r1", "S1", "KIOSK-0001", "CARD-1", "inkan", "no_seal")
    first.refuse(4.0, None, "S2", "KIOSK-0002", "CARD-2", None, "bad_value")
    second.refuse(5.0, None, "S2", "KIOSK-0002", "CARD-2", None, "bad_value")  # no request id: each kept
    assert [(r["at"], r["request_id"]) for r in second.refusals()] == [(1.0, "r1"), (4.0, None), (5.0, None)]


def test_a_period_is_chosen_by_the_database(nodes: Nodes) -> None:
    """``relay audit --since`` read every request and refusal and dropped the older ones:
    ``since`` returns only those at or after it (a row at ``since`` itself included), in the
    same order as without it; the ends and whether anything was recorded are read whatever
    the period."""
    history = nodes()
    assert history.empty() and history.ends() == [] and history.entries(since=0.0) == []
    history.refuse(1.0, "r0", "S0", "KIOSK-0001", "CARD-1", "inkan", "no_seal")
    assert not history.empty() and history.ends() == []  # a refusal is a record too
    for request_id, at in (("r1", 10.0), ("r3", 20.0), ("r2", 20.0), ("r4", 30.0)):
        history.issue(request_id, f"fp-{request_id}", at, YEAR, 1, _make(request_id))
    history.refuse(20.0, "r5", "S5", "KIOSK-0002", "CARD-2", None, "bad_value")
    assert [e["request_id"] for e in history.entries(since=20.0)] == ["r2", "r3", "r4"]
    assert history.entries(since=20.0) == history.entries()[1:]  # the same entries, serials read
    assert history.entries(since=30.5) == []
    assert [r["request_id"] for r in history.refusals(since=20.0)] == ["r5"]
    assert [r["request_id"] for r in history.refusals(since=0.5)] == ["r0", "r5"]
    assert [e["request_id"] for e in history.ends()] == ["r1", "r4"]
    assert history.ends() == [history.entries()[0], history.entries()[-1]]


def test_the_ends_of_a_history_of_one_request_are_that_request(nodes: Nodes) -> None:
    history = nodes()
    _issue(history, "r1")
    assert [e["request_id"] for e in history.ends()] == ["r1"]


def test_concurrent_issues_on_two_nodes_share_no_number(nodes: Nodes) -> None:
    """Requests of the same millisecond on two nodes (two on one SQLite file: two processes'
    connections) and the same request id sent to both at once: every number once, none
    missing, one record per request, the same answer for the repeated id on both."""
    histories = [nodes(), nodes()]
    start = threading.Barrier(8, timeout=WAIT)  # a worker that never comes breaks it, not the test run
    got: dict[str, list[list[str]]] = {}
    lock = threading.Lock()

    def worker(n: int) -> None:
        history = histories[n % 2]
        start.wait()
        for i in range(10):
            rid = f"same-{i}" if i % 3 == 0 else f"w{n}-{i}"  # every third one sent by all eight
            serials = _issue(history, rid, 1 + i % 2)
            with lock:
                got.setdefault(rid, []).append(serials)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(8)]
    for t in threads:
        t.start()
    join_all(threads, 120, "workers")  # two minutes for all eight, not each
    assert all(len({tuple(s) for s in answers}) == 1 for answers in got.values())  # a repeat: the same answer
    entries = histories[0].entries()
    assert sorted(e["request_id"] for e in entries) == sorted(got)
    numbers = sorted(int(s.rsplit("-", 1)[1]) for e in entries for s in e["serials"])
    assert numbers == list(range(1, len(numbers) + 1))  # unique and without a gap


def test_a_history_file_written_before_the_migrations_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as old:  # the tables as the first municipal server made them
        old.executescript(
            "CREATE TABLE issuance (request_id TEXT PRIMARY KEY, fingerprint TEXT, at REAL, session_id TEXT,"
            " kiosk_id TEXT, resident_id TEXT, cert_serial TEXT, cert_type TEXT, copies INTEGER, fee INTEGER,"
            " serials TEXT, document_sha256 TEXT, answer TEXT, outcome TEXT, outcome_copies INTEGER,"
            " outcome_amount INTEGER);"
            "CREATE TABLE series (year INTEGER PRIMARY KEY, last INTEGER NOT NULL);"
            "CREATE TABLE refusals (at REAL, request_id TEXT, session_id TEXT, kiosk_id TEXT, cert_serial TEXT,"
            " cert_type TEXT, code TEXT);"
            "INSERT INTO issuance VALUES ('old', 'fp', 1.0, 'S', 'K', 'R', 'C', 'juminhyo', 1, 300,"
            " '[\"2026-0000001\"]', '[\"ab\"]', '{\"serials\": [\"2026-0000001\"]}', NULL, NULL, NULL);"
            "INSERT INTO series VALUES (2026, 1);"
            "INSERT INTO refusals VALUES (1.0, NULL, 'S', 'K', 'C', NULL, 'bad_value');"
            "INSERT INTO refusals VALUES (2.0, 'r', 'S', 'K', 'C', 'inkan', 'no_seal');"
            "INSERT INTO refusals VALUES (3.0, 'r', 'S', 'K', 'C', 'inkan', 'no_seal');")
    old.close()
    history = IssuanceHistory(path)
    try:
        assert history.stored("old") == ("fp", {"serials": ["2026-0000001"]})
        # a refusal recorded twice before refusals were kept once per request id: the first stays
        assert [(r["at"], r["code"]) for r in history.refusals()] == [(1.0, "bad_value"), (2.0, "no_seal")]
        assert _issue(history, "new") == ["2026-0000002"]
    finally:
        history.close()


@pytest.mark.postgres
def test_deleted_documents_are_in_no_table_file_after_the_scrub(request: pytest.FixtureRequest) -> None:
    """PostgreSQL leaves a deleted row's bytes in its page: after the outcomes and the scrub
    no file of the database's tables holds a deleted document, while those still printing
    stay."""
    import psycopg

    server = request.getfixturevalue("postgres_server")
    db = request.getfixturevalue("postgres_db")

    def table_files() -> bytes:
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
            row = conn.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()
        assert row is not None
        files = server.data / "base" / str(row[0])
        return b"".join(p.read_bytes() for p in sorted(files.iterdir()) if p.is_file())

    history = IssuanceHistory(db)
    try:
        for i in range(40):
            _issue(history, f"r{i}", mark="CANARY-DELETED" if i % 2 else "STILL-PRINTING")
        assert table_files().count(b"CANARY-DELETED") >= 20  # the scan sees every one
        for i in range(1, 40, 2):
            history.record_outcome(f"r{i}", "printed", 1, 300)
        history.scrub()
        assert history.stored_documents() == 20
        data = table_files()
    finally:
        history.close()
    assert data.count(b"CANARY-DELETED") == 0 and b"STILL-PRINTING" in data


@pytest.mark.postgres
def test_a_node_that_hangs_mid_issue_holds_the_others_only_for_the_lock_wait(postgres_db: str) -> None:
    """Another node's open issue holds the year's row (a node stopped mid-transaction): an
    issue here is refused as unavailable after its lock wait, keeps nothing, and goes
    through once the row is free."""
    import psycopg

    from relay.store.protocol import StoreUnavailable

    history = IssuanceHistory(postgres_db, lock_wait=0.2)
    try:
        _issue(history, "first")
        with psycopg.connect(postgres_db) as hung:  # a transaction left open, as by a stopped node
            hung.execute("SELECT last FROM municipal_series WHERE year = %s FOR UPDATE", (YEAR,))
            with pytest.raises(StoreUnavailable):
                _issue(history, "waiting")
            hung.rollback()
        assert history.stored("waiting") is None
        assert _issue(history, "waiting") == ["2026-0000002"]
    finally:
        history.close()
