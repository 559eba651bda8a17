"""The PostgreSQL store: several centre nodes on one database.

Every node keeps a small pool of connections (psycopg 3, ``psycopg_pool``) in autocommit
mode and holds nothing between calls. Each method is one transaction, most of them a
single statement (a data-modifying ``WITH`` where SQLite needs several) or statements
sent together in pipeline mode, so a complete customer session costs ten round trips to
the database with the rate counts, the issued register included (``bench/relay.py``
counts them; ``tests/bench/test_relay.py`` holds them there). Issuing is two round trips
in one transaction: the first takes the series' row lock (``INSERT … ON CONFLICT DO
UPDATE``) and reads the request and the session, the second stores the request, its
serials in the issued register and its audit entry and commits. Two nodes issuing the same
``request_id`` meet on that lock, and the second finds the first's row; a node killed in
between leaves an open transaction that PostgreSQL rolls back when its connection drops,
numbers included. So numbers are unique and without gaps whatever dies when.

What the database cannot do is refused as :class:`StoreUnavailable` (connection refused or
lost, a restart, the pool waited too long); the HTTP layer answers 503 and the kiosk tries
again, on this node or another, with the same request id.

Deleted documents: PostgreSQL does not overwrite a deleted or updated row (SQLite's
``secure_delete``); it marks it dead, and even ``VACUUM`` only marks the space free, the
bytes stay in the table's file until a new row lands there. So document contents live
in a table of their own, ``documents``, which holds only the documents not yet deleted
(a few minutes' worth), and :meth:`PostgresStore.scrub` rewrites it (``VACUUM FULL``):
the new file holds only live rows, the old one is truncated at once. The write-ahead log,
a standby and backups still hold what was written for as long as they are kept: see
docs/deployment.md for the settings that bound it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg

from protocol.wire import OUTCOMES
from relay.store.pg_db import PostgresDatabase, rewrite
from relay.store.protocol import (
    AUDIT_COLUMNS,
    ISSUED_COLUMNS,
    REQUEST_COLUMNS,
    SESSION_COLUMNS,
    TECHNICIAN_COLUMNS,
    MakeRequest,
    Recorded,
    RequestRow,
    Series,
    SessionRow,
    check_audit,
    copy_states,
    issued_request,
    log_rows,
    request_values,
    session_values,
    technician_rows,
)

#: A request as the relay reads it: its row, and its documents while they are kept.
_REQUEST_SELECT = ("SELECT " + ", ".join("d.response" if c == "response" else f"r.{c}" for c in REQUEST_COLUMNS)
                   + " FROM requests r LEFT JOIN documents d ON d.request_id = r.request_id")
_REQUEST_STORED = [c for c in REQUEST_COLUMNS if c != "response"]  # the documents go to their own table
_REQUEST_INSERT = (f"INSERT INTO requests ({','.join(_REQUEST_STORED)})"
                   f" VALUES ({','.join(['%s'] * len(_REQUEST_STORED))})")
#: Seconds between two rewrites of ``documents`` by one node (``scrub``).
SCRUB_INTERVAL = 30.0
_AUDIT_INSERT = f"INSERT INTO audit ({','.join(AUDIT_COLUMNS)}) VALUES ({','.join(['%s'] * len(AUDIT_COLUMNS))})"
_SESSION_SELECT = f"SELECT {','.join(SESSION_COLUMNS)} FROM sessions WHERE session_id=%s"
_ISSUED_INSERT = (f"INSERT INTO issued_documents ({','.join(ISSUED_COLUMNS)})"
                  " SELECT u.serial, %s, %s, %s, u.copy::integer, 'issued', NULL, %s"
                  " FROM unnest(%s::text[]) WITH ORDINALITY AS u(serial, copy) ON CONFLICT (serial) DO NOTHING")
#: :func:`relay.store.protocol.outcome_fits` in SQL, of the request ``b`` as it was.
_OUTCOME_FITS = ("b.kiosk_id = %(kiosk_id)s AND b.session_id = %(session_id)s AND b.outcome IS NULL"
                 " AND %(outcome)s::text = ANY(%(outcomes)s::text[])"
                 " AND (%(outcome)s::text <> 'cancelled' OR (%(copies)s = 0 AND %(amount)s = 0))"
                 " AND (%(outcome)s::text <> 'printed' OR %(copies)s = b.copies)"
                 " AND %(copies)s BETWEEN 0 AND b.copies AND %(amount)s = b.fee * %(copies)s")
#: The audit columns an outcome's entry takes from the caller; the rest come from the request and the session.
_OUTCOME_AUDITED = [c for c in AUDIT_COLUMNS if c not in ("resident_id", "cert_serial", "cert_type")]


class PostgresStore:
    """One node's access to the shared database. Safe for the threads of one process."""

    topology_storage = "postgresql"

    def __init__(self, url: str, *, pool_size: int = 4, wait: float = 2.0,
                 on_connect: Callable[[psycopg.Connection[Any]], None] | None = None) -> None:
        """``wait``: seconds a call waits for a connection before it is refused as
        unavailable. ``on_connect``: called with each new connection (``bench/relay.py``
        traces them)."""
        self._db = PostgresDatabase(url, "relay", pool_size=pool_size, wait=wait, on_connect=on_connect)
        self._conn = self._db.connection
        self._read = self._db.reading
        self._scrubbed = -SCRUB_INTERVAL

    def close(self) -> None:
        self._db.close()

    def _write(self, sql: str, args: tuple[Any, ...]) -> int:
        with self._conn() as conn:
            return conn.execute(sql, args).rowcount

    # -- sessions -------------------------------------------------------------------------
    def create_session(self, row: SessionRow) -> None:
        self._write(f"INSERT INTO sessions ({','.join(SESSION_COLUMNS)})"
                    f" VALUES ({','.join(['%s'] * len(SESSION_COLUMNS))})", session_values(row))

    def session(self, session_id: str) -> SessionRow | None:
        row = self._read(lambda c: c.execute(_SESSION_SELECT, (session_id,)).fetchone())
        return SessionRow(*row) if row else None

    def authenticate_session(
        self, session_id: str, kiosk_id: str, now: float, expires: float,
        resident_id: str, cert_serial: str, cert_sha256: str, audit: dict[str, Any],
    ) -> bool:
        values = check_audit(audit)
        return self._write(
            "WITH won AS (UPDATE sessions SET state='authenticated', expires=%s, resident_id=%s, cert_serial=%s,"
            " cert_sha256=%s WHERE session_id=%s AND kiosk_id=%s AND state='open' AND expires>%s RETURNING 1)"
            f" INSERT INTO audit ({','.join(AUDIT_COLUMNS)})"
            f" SELECT {','.join(['%s'] * len(AUDIT_COLUMNS))} FROM won",
            (expires, resident_id, cert_serial, cert_sha256, session_id, kiosk_id, now, *values)) == 1

    def close_session(self, session_id: str) -> None:
        self._write("UPDATE sessions SET state='closed' WHERE session_id=%s", (session_id,))

    # -- requests -------------------------------------------------------------------------
    def request(self, request_id: str) -> RequestRow | None:
        row = self._read(lambda c: c.execute(_REQUEST_SELECT + " WHERE r.request_id=%s", (request_id,)).fetchone())
        return RequestRow(*row) if row else None

    def session_request(self, session_id: str, request_id: str) -> tuple[SessionRow | None, RequestRow | None]:
        def read(conn: psycopg.Connection[Any]) -> tuple[Any, Any]:
            with conn.pipeline():  # both statements, then one wait for both answers
                session = conn.execute(_SESSION_SELECT, (session_id,))
                request = conn.execute(_REQUEST_SELECT + " WHERE r.request_id=%s", (request_id,))
            return session.fetchone(), request.fetchone()

        session, request = self._read(read)
        return (SessionRow(*session) if session else None), (RequestRow(*request) if request else None)

    def issue(self, request_id: str, session_id: str, now: float, series: Series, count: int,
              make: MakeRequest) -> RequestRow | None:
        # BEGIN and COMMIT are plain statements in the pipeline (psycopg's transaction()
        # would wait for each on its own): two round trips in all.
        with self._conn() as conn, conn.pipeline() as pipeline:
            conn.execute("BEGIN")
            taken = conn.execute(
                "INSERT INTO serials (municipality, year, last) VALUES (%s,%s,%s) ON CONFLICT (municipality, year)"
                " DO UPDATE SET last = serials.last + excluded.last RETURNING last",
                (series.municipality, series.year, count))
            existing = conn.execute(_REQUEST_SELECT + " WHERE r.request_id=%s", (request_id,))
            live = conn.execute("SELECT resident_id FROM sessions WHERE session_id=%s AND state='authenticated'"
                                " AND expires>%s", (session_id, now))
            pipeline.sync()  # round trip 1: the series is locked until this transaction ends
            row_taken, row_existing, row_live = taken.fetchone(), existing.fetchone(), live.fetchone()
            try:
                if row_existing is not None or row_live is None or row_taken is None:
                    conn.execute("ROLLBACK")  # takes back the numbers
                    return RequestRow(*row_existing) if row_existing is not None else None
                first = int(row_taken[0]) - count + 1
                made, audit, serials = make(list(range(first, first + count)))
                row = issued_request(made, series, first)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            values = dict(zip(REQUEST_COLUMNS, request_values(row), strict=True))
            conn.execute(_REQUEST_INSERT, tuple(values[c] for c in _REQUEST_STORED))
            if row.response is not None:
                conn.execute("INSERT INTO documents (request_id, response) VALUES (%s, %s)",
                             (row.request_id, row.response))
            conn.execute(_ISSUED_INSERT, (row.request_id, row.kiosk_id, row_live[0], row.created, serials))
            conn.execute(_AUDIT_INSERT, check_audit(audit))
            conn.execute("COMMIT")
            # round trip 2: the request, its documents, its serials, its audit entry and COMMIT,
            # sent when the pipeline ends
        return row

    def issued_serials(self, series: Series) -> tuple[int, list[tuple[int, int]]]:
        def read(conn: psycopg.Connection[Any]) -> tuple[int, list[tuple[int, int]]]:
            last = conn.execute("SELECT last FROM serials WHERE municipality=%s AND year=%s",
                                (series.municipality, series.year)).fetchone()
            runs = conn.execute("SELECT serial_first, copies FROM requests WHERE municipality=%s AND serial_year=%s"
                                " ORDER BY serial_first", (series.municipality, series.year)).fetchall()
            return (int(last[0]) if last else 0), [(int(f), int(c)) for f, c in runs]

        return self._read(read)

    def record_outcome(self, request_id: str, kiosk_id: str, session_id: str, outcome: str, copies: int,
                       amount: int, audit: dict[str, Any]) -> Recorded:
        check_audit(audit)
        printed, rest = copy_states(outcome, copies)
        params = {"request_id": request_id, "kiosk_id": kiosk_id, "session_id": session_id, "outcome": outcome,
                  "outcomes": list(OUTCOMES), "copies": copies, "amount": amount, "printed": printed, "rest": rest,
                  "at": audit["at"]} | {f"audit_{c}": audit.get(c) for c in _OUTCOME_AUDITED}
        with self._conn() as conn:
            row = conn.execute(
                f"WITH before AS ({_REQUEST_SELECT} WHERE r.request_id=%(request_id)s FOR UPDATE OF r),"
                " done AS (UPDATE requests r SET outcome=%(outcome)s, outcome_copies=%(copies)s,"
                f"  outcome_amount=%(amount)s FROM before b WHERE r.request_id=b.request_id AND {_OUTCOME_FITS}"
                "  RETURNING r.session_id, r.request_id, r.cert_type),"
                " gone AS (DELETE FROM documents WHERE request_id IN (SELECT request_id FROM done)),"
                " marked AS (UPDATE issued_documents SET changed=%(at)s,"
                "  state = CASE WHEN copy <= %(printed)s THEN 'printed' ELSE %(rest)s::text END"
                "  WHERE request_id IN (SELECT request_id FROM done) AND state = 'issued'),"
                f" audited AS (INSERT INTO audit ({','.join(_OUTCOME_AUDITED)}, resident_id, cert_serial, cert_type)"
                f"  SELECT {','.join(f'%(audit_{c})s' for c in _OUTCOME_AUDITED)},"
                "  s.resident_id, s.cert_serial, done.cert_type"
                "  FROM done LEFT JOIN sessions s ON s.session_id = done.session_id)"
                " SELECT *, EXISTS (SELECT 1 FROM done) FROM before", params).fetchone()
        return Recorded(RequestRow(*row[:-1]), bool(row[-1])) if row else Recorded(None, False)

    def purge_expired(self, now: float) -> int:
        with self._conn() as conn:
            row = conn.execute(
                "WITH expired AS (UPDATE sessions SET state='closed' WHERE state <> 'closed' AND expires <= %s"
                "  RETURNING session_id, kiosk_id, resident_id, cert_serial),"
                " deleted AS (DELETE FROM documents WHERE request_id IN"
                "  (SELECT request_id FROM requests WHERE session_id IN (SELECT session_id FROM expired))),"
                " audited AS (INSERT INTO audit (at, kiosk_id, event, session_id, resident_id, cert_serial)"
                "  SELECT %s, kiosk_id, 'expire', session_id, resident_id, cert_serial FROM expired"
                "  WHERE resident_id IS NOT NULL)"
                " SELECT count(*) FROM expired", (now, now)).fetchone()
        return int(row[0]) if row else 0

    def scrub(self) -> None:
        """Rewrite ``documents`` (``VACUUM FULL``) so that deleted documents are in none of
        its files: at most once every :data:`SCRUB_INTERVAL` seconds on this node, by one
        node at a time (the others skip), and only if the table's lock comes within a
        second (issuing waits behind it meanwhile; a busy table is rewritten next time).
        What the write-ahead log, a standby and backups hold is left to their retention."""
        if time.monotonic() - self._scrubbed < SCRUB_INTERVAL:
            return
        with self._conn() as conn:
            if rewrite(conn, "documents"):
                self._scrubbed = time.monotonic()

    def stored_documents(self) -> int:
        row = self._read(lambda c: c.execute("SELECT count(*) FROM documents").fetchone())
        return int(row[0]) if row else 0

    # -- audit ----------------------------------------------------------------------------
    def audit(self, entry: dict[str, Any]) -> None:
        self._write(_AUDIT_INSERT, check_audit(entry))

    def audit_since(self, since: float = 0.0) -> list[dict[str, Any]]:
        rows = self._read(lambda c: c.execute(f"SELECT {','.join(AUDIT_COLUMNS)} FROM audit WHERE at >= %s"
                                              " ORDER BY id", (since,)).fetchall())
        return [dict(zip(AUDIT_COLUMNS, r, strict=True)) for r in rows]

    # -- technician events ----------------------------------------------------------------
    def add_technician_events(self, kiosk_id: str, received: float,
                              records: list[tuple[int, float, str, str, str]]) -> int:
        """Store ``(seq, at, t, event, fields)`` records of one kiosk in one statement; a
        (kiosk, seq) already stored keeps its first record. Returns how many were new."""
        seqs, ats, ts, names, fields = (list(c) for c in zip(*records, strict=True)) if records else ([],) * 5
        return self._write(
            "INSERT INTO technician_events (kiosk_id, seq, at, received, t, event, fields)"
            " SELECT %s, u.seq, u.at, %s, u.t, u.event, u.fields"
            " FROM unnest(%s::bigint[], %s::float8[], %s::text[], %s::text[], %s::text[])"
            "  AS u(seq, at, t, event, fields)"
            " ON CONFLICT (kiosk_id, seq) DO NOTHING",
            (kiosk_id, received, seqs, ats, ts, names, fields))

    def technician_events_since(self, since: float = 0.0) -> list[dict[str, Any]]:
        return technician_rows(self._read(lambda c: c.execute(
            f"SELECT {','.join(TECHNICIAN_COLUMNS)} FROM technician_events WHERE at >= %s"
            " ORDER BY at, kiosk_id, seq", (since,)).fetchall()))

    # -- log exports ----------------------------------------------------------------------
    def add_log_events(self, kiosk_id: str, export_id: str, first: int, received: float,
                       events: list[str]) -> int:
        return self._write(
            "INSERT INTO log_exports (kiosk_id, export_id, n, received, event)"
            " SELECT %s, %s, %s + u.i - 1, %s, u.event FROM unnest(%s::text[]) WITH ORDINALITY AS u(event, i)"
            " ON CONFLICT (kiosk_id, export_id, n) DO NOTHING",
            (kiosk_id, export_id, first, received, events))

    def log_exports(self, kiosk_id: str | None = None, since: float = 0.0) -> list[dict[str, Any]]:
        return log_rows(self._read(lambda c: c.execute(
            "SELECT kiosk_id, export_id, n, received, event FROM log_exports WHERE received >= %s"
            " AND (%s::text IS NULL OR kiosk_id = %s) ORDER BY kiosk_id, received, export_id, n",
            (since, kiosk_id, kiosk_id)).fetchall()))
