"""One test suite for both stores: SQLite (one file) and PostgreSQL (several nodes).

Each test runs against each store; "nodes" are several store objects on one database, as
several relay processes or machines have. What must hold for both: a session is
authenticated once, a request id is issued once and its serial numbers are unique and
without gaps whatever runs at the same time or fails half-way, an outcome is recorded and
audited once, expiry deletes documents and is audited once.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from relay.issued_register import StoredIssuedRegister
from relay.store import open_store
from relay.store.protocol import (
    Recorded,
    RequestRow,
    SchemaOutdated,
    Series,
    SessionRow,
    Store,
    StoreUnavailable,
    dumps,
    outcome_fits,
)
from tests.fixtures.waiting import WAIT, join_all

pytestmark = pytest.mark.postgres
SERIES = Series("131016", 2026)
NOW = 1_800_000_000.0

Nodes = Callable[[], Store]


@pytest.fixture
def db(either_db: Path | str) -> Path | str:
    """The test's database: a SQLite file, or a migrated PostgreSQL database."""
    return either_db


@pytest.fixture
def nodes(db: Path | str) -> Iterator[Nodes]:
    """Opens one more store on the test's database (a node) each time it is called."""
    opened: list[Store] = []

    def node() -> Store:
        opened.append(open_store(db))
        return opened[-1]

    yield node
    for store in opened:
        store.close()


@pytest.fixture
def store(nodes: Nodes) -> Store:
    return nodes()


def _session(store: Store, sid: str = "s1", kiosk: str = "KIOSK-0001", resident: str | None = "R1") -> str:
    store.create_session(SessionRow(sid, kiosk, "00" * 32, "open", NOW, NOW + 60, None, None, None))
    if resident:
        assert store.authenticate_session(sid, kiosk, NOW, NOW + 900, resident, "CARD1", "ab" * 32,
                                          {"at": NOW, "kiosk_id": kiosk, "event": "authenticate", "session_id": sid,
                                           "resident_id": resident})
    return sid


Made = tuple[RequestRow, dict[str, Any], list[str]]


def _make(rid: str, sid: str, copies: int = 1, kiosk: str = "KIOSK-0001",
          seen: list[list[int]] | None = None) -> Callable[[list[int]], Made]:
    def make(numbers: list[int]) -> Made:
        if seen is not None:
            seen.append(numbers)
        answer = {"request_id": rid, "serials": numbers}
        return (RequestRow(rid, sid, kiosk, "fp-" + rid, "juminhyo", copies, 200, NOW, dumps(answer), None, None,
                           None),
                {"at": NOW, "kiosk_id": kiosk, "event": "request", "session_id": sid, "request_id": rid,
                 "copies": copies},
                [f"S-{rid}-{n}" for n in numbers])

    return make


def _issue(store: Store, rid: str, sid: str, copies: int = 1, seen: list[list[int]] | None = None,
           now: float = NOW) -> RequestRow | None:
    return store.issue(rid, sid, now, SERIES, copies, _make(rid, sid, copies, seen=seen))


def _gap_free(store: Store) -> list[int]:
    last, runs = store.issued_serials(SERIES)
    numbers = sorted(n for first, count in runs for n in range(first, first + count))
    assert numbers == list(range(1, last + 1))
    return numbers


def test_a_session_is_authenticated_once_and_audited_once(store: Store) -> None:
    sid = _session(store, resident=None)
    audit = {"at": NOW, "kiosk_id": "KIOSK-0001", "event": "authenticate", "session_id": sid, "resident_id": "R1"}
    assert not store.authenticate_session(sid, "KIOSK-0002", NOW, NOW + 900, "R1", "C", "h", audit)  # another kiosk
    assert not store.authenticate_session(sid, "KIOSK-0001", NOW + 61, NOW + 900, "R1", "C", "h", audit)  # too late
    assert store.authenticate_session(sid, "KIOSK-0001", NOW, NOW + 900, "R1", "C", "h", audit)
    assert not store.authenticate_session(sid, "KIOSK-0001", NOW, NOW + 900, "R1", "C", "h", audit)  # a replay
    row = store.session(sid)
    assert row is not None and (row.state, row.resident_id, row.expires) == ("authenticated", "R1", NOW + 900)
    assert [e["event"] for e in store.audit_since()] == ["authenticate"]
    assert store.session("nobody") is None


def test_numbers_follow_each_other_and_a_repeat_takes_none(store: Store) -> None:
    sid = _session(store)
    first = _issue(store, "r1", sid, copies=2)
    assert first is not None and (first.serial_first, first.serial_year, first.municipality) == (1, 2026, "131016")
    seen: list[list[int]] = []
    again = _issue(store, "r1", sid, copies=2, seen=seen)
    assert again is not None and again.response == first.response and seen == []  # stored row, nothing built
    second = _issue(store, "r2", sid, copies=3)
    assert second is not None and second.serial_first == 3
    assert store.issue("r3", sid, NOW, Series("131016", 2027), 1, _make("r3", sid)) is not None
    assert store.issue("r4", sid, NOW, Series("999999", 2026), 1, _make("r4", sid)) is not None
    assert _gap_free(store) == [1, 2, 3, 4, 5]  # other years and municipalities count on their own
    assert store.issued_serials(Series("131016", 2027)) == (1, [(1, 1)])
    stored = store.request("r2")
    assert stored is not None and stored.fingerprint == "fp-r2" and stored.response is not None
    assert store.session_request(sid, "r2") == (store.session(sid), stored)
    assert store.session_request("nobody", "r9") == (None, None)
    assert [e["request_id"] for e in store.audit_since() if e["event"] == "request"] == ["r1", "r2", "r3", "r4"]


def test_nothing_is_taken_for_a_dead_session_or_a_failed_build(store: Store) -> None:
    sid = _session(store)
    assert _issue(store, "late", sid, now=NOW + 901) is None  # expired meanwhile
    store.create_session(SessionRow("open", "KIOSK-0001", "00", "open", NOW, NOW + 60, None, None, None))
    assert _issue(store, "unauth", "open") is None

    def refuse(numbers: list[int]) -> Made:
        raise ValueError("refused while building")

    with pytest.raises(ValueError):
        store.issue("bad", sid, NOW, SERIES, 2, refuse)
    assert store.request("bad") is None and store.request("late") is None
    assert _issue(store, "good", sid) is not None
    assert _gap_free(store) == [1]  # the refused build gave its numbers back
    assert [e["event"] for e in store.audit_since()] == ["authenticate", "request"]


def test_nodes_issuing_at_once_give_each_number_once(nodes: Nodes) -> None:
    stores = [nodes() for _ in range(3)]
    sid = _session(stores[0])
    results: dict[str, list[RequestRow | None]] = {}
    lock = threading.Lock()
    start = threading.Barrier(12, timeout=WAIT)  # a worker that never comes breaks it, not the test run

    def worker(i: int) -> None:
        node = stores[i % 3]
        start.wait()
        for j in range(10):
            rid = f"r{j}-{i // 2}"  # two workers, on two nodes, send every request id
            row = _issue(node, rid, sid, copies=1 + j % 3)
            with lock:
                results.setdefault(rid, []).append(row)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(12)]
    for t in threads:
        t.start()
    join_all(threads, 60, "workers")  # one minute for all twelve, not each
    for rid, rows in results.items():
        assert len(rows) == 2 and rows[0] == rows[1] and rows[0] is not None, rid  # the twin got the same row
    numbers = _gap_free(stores[1])
    assert len(numbers) == sum(1 + j % 3 for j in range(10)) * 6
    assert sum(e["event"] == "request" for e in stores[2].audit_since()) == 60


def test_an_outcome_is_recorded_and_audited_once(nodes: Nodes) -> None:
    one, two = nodes(), nodes()
    sid = _session(one)
    _issue(one, "r1", sid, copies=2)
    audit = {"at": NOW, "kiosk_id": "KIOSK-0001", "event": "outcome", "code": "printed", "session_id": sid,
             "request_id": "r1", "copies": 2, "amount": 400}
    first = one.record_outcome("r1", "KIOSK-0001", sid, "printed", 2, 400, audit)
    assert first.recorded and first.before is not None and first.before.outcome is None
    assert first.before.response is not None
    again = two.record_outcome("r1", "KIOSK-0001", sid, "failed", 0, 0, audit)  # a repeat, on another node, differs
    assert not again.recorded and again.before is not None
    assert (again.before.outcome, again.before.outcome_copies, again.before.outcome_amount) == ("printed", 2, 400)
    assert two.record_outcome("unknown", "KIOSK-0001", sid, "printed", 1, 200, audit) == Recorded(None, False)
    row = one.request("r1")
    assert row is not None and row.response is None and row.outcome == "printed"
    assert one.stored_documents() == 0
    outcomes = [e for e in two.audit_since() if e["event"] == "outcome"]
    assert len(outcomes) == 1
    assert (outcomes[0]["resident_id"], outcomes[0]["cert_serial"], outcomes[0]["code"], outcomes[0]["cert_type"]) == (
        "R1", "CARD1", "printed", "juminhyo")


#: (kiosk, session, outcome, copies, amount) of an outcome for a request of two copies at
#: 200 each, issued to KIOSK-0001 in session s1, and whether it fits.
OUTCOME_CASES: list[tuple[tuple[str, str, str, int, int], bool]] = [
    (("KIOSK-0001", "s1", "printed", 2, 400), True),
    (("KIOSK-0001", "s1", "failed", 1, 200), True),
    (("KIOSK-0001", "s1", "failed", 0, 0), True),
    (("KIOSK-0001", "s1", "unknown", 2, 400), True),
    (("KIOSK-0001", "s1", "cancelled", 0, 0), True),
    (("KIOSK-0002", "s1", "printed", 2, 400), False),  # another kiosk
    (("KIOSK-0001", "s2", "printed", 2, 400), False),  # another session
    (("KIOSK-0001", "s1", "lost", 2, 400), False),  # no such outcome
    (("KIOSK-0001", "s1", "cancelled", 1, 200), False),  # cancelled, yet printed
    (("KIOSK-0001", "s1", "cancelled", 0, 200), False),  # cancelled, yet paid
    (("KIOSK-0001", "s1", "printed", 1, 200), False),  # printed is every copy
    (("KIOSK-0001", "s1", "failed", 3, 600), False),  # more than issued
    (("KIOSK-0001", "s1", "failed", -1, -200), False),
    (("KIOSK-0001", "s1", "failed", 1, 100), False),  # not the fee
    (("KIOSK-0001", "s1", "printed", 2, 401), False),
]


@pytest.mark.parametrize(("call", "fits"), OUTCOME_CASES)
def test_an_outcome_is_recorded_only_if_it_fits_the_request(store: Store, call: tuple[str, str, str, int, int],
                                                             fits: bool) -> None:
    """The store decides as :func:`outcome_fits` does (PostgreSQL says it in SQL), and
    nothing of a refused outcome is kept."""
    sid = _session(store)
    issued = _issue(store, "r1", sid, copies=2)
    assert issued is not None and outcome_fits(issued, *call) == fits
    result = store.record_outcome("r1", *call, {"at": NOW, "kiosk_id": call[0], "event": "outcome"})
    assert result == Recorded(issued, fits)
    row = store.request("r1")
    assert row is not None and (row.outcome is not None) == fits and (row.response is None) == fits
    assert sum(e["event"] == "outcome" for e in store.audit_since()) == fits


def test_the_issued_register_is_written_with_the_request_and_its_outcome(nodes: Nodes, db: Path | str) -> None:
    """Each copy's serial is in the register as soon as its request is stored, none of a
    request that was not (a repeat, a dead session, a failed build), and the outcome sets
    their fate in its own transaction."""
    one, two = nodes(), nodes()
    register = StoredIssuedRegister(db)
    try:
        sid = _session(one)
        _issue(one, "p", sid, copies=2)
        _issue(two, "p", sid, copies=2)  # a repeat: nothing more
        _issue(one, "f", sid, copies=3)
        _issue(two, "c", sid)
        assert _issue(one, "late", sid, now=NOW + 901) is None
        assert [register.get(f"S-p-{n}") is not None for n in (1, 2, 3)] == [True, True, False]
        first = register.get("S-p-1")
        assert first is not None and (first.state, first.copy, first.resident_id, first.kiosk_id, first.changed) == (
            "issued", 1, "R1", "KIOSK-0001", NOW)
        register.void("S-p-1", "lost", NOW + 1)
        for store, rid, outcome, copies in ((one, "p", "printed", 2), (two, "f", "failed", 1),
                                            (one, "c", "cancelled", 0)):
            assert store.record_outcome(rid, "KIOSK-0001", sid, outcome, copies, 200 * copies,
                                        {"at": NOW + 2, "kiosk_id": "KIOSK-0001", "event": "outcome"}).recorded
        two.record_outcome("f", "KIOSK-0001", sid, "printed", 3, 600, {"at": NOW + 3, "kiosk_id": "KIOSK-0001",
                                                                      "event": "outcome"})  # already recorded
        states = {s: d.state for s in ("S-p-1", "S-p-2", "S-f-3", "S-f-4", "S-f-5", "S-c-6")
                  if (d := register.get(s)) is not None}
        assert states == {"S-p-1": "voided", "S-p-2": "printed", "S-f-3": "printed", "S-f-4": "not_printed",
                          "S-f-5": "not_printed", "S-c-6": "cancelled"}
        changed = register.get("S-f-4")
        assert changed is not None and changed.changed == NOW + 2
        assert register.get("unknown") is None
        with pytest.raises(ValueError, match="no document"):
            register.void("unknown", "lost", NOW)
        with pytest.raises(ValueError, match="a reason"):
            register.void("S-p-2", "bored", NOW)
    finally:
        register.close()


def test_expiry_deletes_documents_and_is_audited_once(nodes: Nodes) -> None:
    one, two = nodes(), nodes()
    sid = _session(one)
    _session(one, "s-open", resident=None)
    _issue(one, "r1", sid)
    assert one.stored_documents() == 1
    assert one.purge_expired(NOW + 10) == 0
    assert one.purge_expired(NOW + 900) == 2  # the authenticated one and the never-answered one
    assert two.purge_expired(NOW + 900) == 0
    assert one.stored_documents() == 0
    closed = two.session(sid)
    assert closed is not None and closed.state == "closed"
    assert [e["session_id"] for e in one.audit_since() if e["event"] == "expire"] == [sid]
    one.scrub()
    one.close_session("s-open")


def test_audit_since_and_unknown_columns(store: Store) -> None:
    store.audit({"at": NOW, "kiosk_id": "K", "event": "timeout", "code": "timeout"})
    store.audit({"at": NOW + 5, "kiosk_id": "K", "event": "refuse", "code": "card_unknown"})
    assert [e["event"] for e in store.audit_since(NOW + 1)] == ["refuse"]
    with pytest.raises(ValueError):
        store.audit({"at": NOW, "kiosk_id": "K", "event": "x", "name": "a name"})


def test_technician_events_and_log_exports_are_kept_once(store: Store) -> None:
    records = [(1, NOW, "t1", "diag.enter", '{"step":"a"}'), (2, NOW + 1, "t2", "diag.exit", "{}")]
    assert store.add_technician_events("KIOSK-0001", NOW + 2, records) == 2
    assert store.add_technician_events("KIOSK-0001", NOW + 3, records[1:] + [(3, NOW + 2, "t3", "x", "{}")]) == 1
    events = store.technician_events_since(NOW + 1)
    assert [(e["seq"], e["received"], e["fields"]) for e in events] == [(2, NOW + 2, {}), (3, NOW + 3, {})]
    assert store.add_log_events("KIOSK-0001", "e1", 0, NOW, ['{"a":1}', '{"b":2}']) == 2
    assert store.add_log_events("KIOSK-0001", "e1", 1, NOW, ['{"b":2}', '{"c":3}']) == 1
    assert store.add_log_events("KIOSK-0002", "e2", 0, NOW + 9, ['{"d":4}']) == 1
    assert [(r["n"], r["event"]) for r in store.log_exports("KIOSK-0001")] == [(0, {"a": 1}), (1, {"b": 2}),
                                                                               (2, {"c": 3})]
    assert [r["kiosk_id"] for r in store.log_exports(since=NOW + 1)] == ["KIOSK-0002"]


def test_a_sqlite_file_from_before_numbering_by_municipality_carries_on(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    old = sqlite3.connect(db)
    old.executescript((Path(__file__).parents[2] / "relay/store/sql/sqlite/0001_initial.sql").read_text())
    old.execute("INSERT INTO serials (year, last) VALUES (2026, 41)")
    old.commit()
    old.close()
    store = open_store(db)
    try:
        sid = _session(store)
        row = _issue(store, "r1", sid, copies=2)
        assert row is not None and row.serial_first == 42  # never 1 again: 1..41 were given before
        assert store.issued_serials(SERIES)[0] == 43
    finally:
        store.close()


def test_postgresql_refuses_an_old_schema_and_upgrades_once(postgres_server: Any) -> None:
    from relay.store.migrations import latest
    from relay.store.pg_db import schema_version, upgrade

    url = postgres_server.create_database()
    with pytest.raises(SchemaOutdated):
        open_store(url)
    applied: list[list[int]] = []
    threads = [threading.Thread(target=lambda: applied.append(upgrade(url))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(applied, key=len) == [[], [], list(range(1, latest("postgresql") + 1))]  # once, whoever ran
    assert schema_version(url) == latest("postgresql")
    open_store(url).close()


def test_postgresql_documents_of_the_first_schema_are_kept_through_the_upgrade(postgres_server: Any) -> None:
    """A database of schema version 1 (documents in ``requests.response``): the upgrade
    moves a kept document into ``documents``, and one already deleted stays deleted."""
    import psycopg

    from relay.store.migrations import latest, migrations
    from relay.store.pg_db import upgrade

    url = postgres_server.create_database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
                     " applied_at timestamptz NOT NULL DEFAULT now())")
        conn.execute(migrations("postgresql")[0].sql.encode())
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (1, 'initial')")
        for rid, response, outcome in (("kept", '{"name":"KEPT"}', None), ("done", None, "printed")):
            conn.execute("INSERT INTO requests (request_id, session_id, kiosk_id, fingerprint, cert_type, copies,"
                         " fee, created, response, outcome) VALUES (%s, 's1', 'KIOSK-0001', 'fp', 'juminhyo', 1,"
                         " 200, 0, %s, %s)", (rid, response, outcome))
    assert upgrade(url) == list(range(2, latest("postgresql") + 1))
    store = open_store(url)
    try:
        kept, done = store.request("kept"), store.request("done")
        assert kept is not None and kept.response == '{"name":"KEPT"}'
        assert done is not None and (done.response, done.outcome) == (None, "printed")
        assert store.stored_documents() == 1
    finally:
        store.close()


def test_postgresql_that_cannot_be_reached_is_unavailable(postgres_server: Any) -> None:
    closed = postgres_server.url().replace(f":{postgres_server.port}/", ":1/")
    with pytest.raises(StoreUnavailable):
        open_store(closed)


def _marked(rid: str, sid: str, marker: str) -> Callable[[list[int]], Made]:
    """A request whose documents are ``{"name": marker}``: small, stored as they are."""
    def make(numbers: list[int]) -> Made:
        return (RequestRow(rid, sid, "KIOSK-0001", "fp-" + rid, "juminhyo", 1, 200, NOW, dumps({"name": marker}),
                           None, None, None),
                {"at": NOW, "kiosk_id": "KIOSK-0001", "event": "request", "session_id": sid, "request_id": rid},
                [f"S-{rid}"])

    return make


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_deleted_documents_are_in_no_table_file_after_the_scrub(kind: str, request: pytest.FixtureRequest,
                                                                tmp_path: Path) -> None:
    """Documents deleted (an outcome) between others still kept share their pages; after
    the scrub no file of the tables holds a byte of them. SQLite overwrites deleted rows and
    empties its log; PostgreSQL leaves them in the page as free space even after a plain
    ``VACUUM`` (half of them, in a try), so the scrub rewrites the documents' table."""
    db: Path | str = tmp_path / "relay.sqlite3"
    files = tmp_path
    if kind == "postgresql":
        server = request.getfixturevalue("postgres_server")
        db = request.getfixturevalue("postgres_db")
    store = open_store(db)

    def table_files() -> bytes:
        nonlocal files
        if kind == "postgresql":
            import psycopg

            with psycopg.connect(str(db), autocommit=True) as conn:
                conn.execute("CHECKPOINT")  # what the server holds in memory, to its files
                row = conn.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()
            assert row is not None
            files = server.data / "base" / str(row[0])
        return b"".join(p.read_bytes() for p in sorted(files.iterdir()) if p.is_file())

    try:
        sid = _session(store)
        for i in range(40):  # small documents, stored in the table's pages as they are
            rid = f"{'gone' if i % 2 else 'kept'}-{i}"
            store.issue(rid, sid, NOW, SERIES, 1, _marked(rid, sid, "CANARY-DELETED" if i % 2 else "STILL-PRINTING"))
        assert table_files().count(b"CANARY-DELETED") >= 20  # the scan sees every one (SQLite: its log, more)
        for i in range(1, 40, 2):
            assert store.record_outcome(f"gone-{i}", "KIOSK-0001", sid, "printed", 1, 200, {
                "at": NOW, "kiosk_id": "KIOSK-0001", "event": "outcome", "request_id": f"gone-{i}"}).recorded
        store.scrub()
        assert store.stored_documents() == 20
        data = table_files()
    finally:
        store.close()
    assert data.count(b"CANARY-DELETED") == 0 and b"STILL-PRINTING" in data
