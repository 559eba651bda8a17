"""The SQLite store: the relay's state in one file on one host (WAL mode).

The embedded default for ``make demo`` and single-host sites; several relay processes on
that host (``relay serve --workers``) share it. A write transaction is ``BEGIN
IMMEDIATE``: it takes SQLite's one write lock at once, which also serialises the serial
numbers. Deleted documents are overwritten (``secure_delete``) and the write-ahead log is
emptied by :meth:`SqliteStore.scrub`. The schema comes from ``sql/sqlite`` and is brought
up to date when the file is opened.

Document contents are kept only until the outcome is reported or the session expires,
then deleted (the row stays, without the document, for idempotency and the audit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    Tx,
    check_audit,
    copy_states,
    issued_request,
    log_rows,
    outcome_fits,
    request_values,
    session_values,
    technician_rows,
)
from relay.store.sqlite_db import SqliteDatabase

_REQUEST = f"SELECT {','.join(REQUEST_COLUMNS)} FROM requests WHERE request_id = ?"
_ISSUED_INSERT = (f"INSERT INTO issued_documents ({','.join(ISSUED_COLUMNS)}) VALUES (?,?,?,?,?,'issued',NULL,?)"
                  " ON CONFLICT (serial) DO NOTHING")


class SqliteStore:
    """The relay's tables over one :class:`SqliteDatabase` connection."""

    topology_storage = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self._db = SqliteDatabase(path)
        self._tx = self._db.tx
        self._read = self._db.read

    def schema_version(self) -> int:
        return self._db.schema_version()

    def close(self) -> None:
        self._db.close()

    # -- sessions -------------------------------------------------------------------------
    def create_session(self, row: SessionRow) -> None:
        with self._tx() as db:
            db.execute(f"INSERT INTO sessions ({','.join(SESSION_COLUMNS)})"
                       f" VALUES ({','.join('?' * len(SESSION_COLUMNS))})", session_values(row))

    def session(self, session_id: str) -> SessionRow | None:
        rows = self._read(f"SELECT {','.join(SESSION_COLUMNS)} FROM sessions WHERE session_id = ?", (session_id,))
        return SessionRow(*rows[0]) if rows else None

    def authenticate_session(
        self, session_id: str, kiosk_id: str, now: float, expires: float,
        resident_id: str, cert_serial: str, cert_sha256: str, audit: dict[str, Any],
    ) -> bool:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE sessions SET state='authenticated', expires=?, resident_id=?, cert_serial=?,"
                " cert_sha256=? WHERE session_id=? AND kiosk_id=? AND state='open' AND expires>?",
                (expires, resident_id, cert_serial, cert_sha256, session_id, kiosk_id, now),
            )
            if cur.rowcount == 1:
                self._audit(db, audit)
            return cur.rowcount == 1

    def close_session(self, session_id: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE sessions SET state='closed' WHERE session_id=?", (session_id,))

    # -- requests -------------------------------------------------------------------------
    def request(self, request_id: str) -> RequestRow | None:
        rows = self._read(_REQUEST, (request_id,))
        return RequestRow(*rows[0]) if rows else None

    def session_request(self, session_id: str, request_id: str) -> tuple[SessionRow | None, RequestRow | None]:
        return self.session(session_id), self.request(request_id)

    def issue(self, request_id: str, session_id: str, now: float, series: Series, count: int,
              make: MakeRequest) -> RequestRow | None:
        with self._tx() as db:  # BEGIN IMMEDIATE: the write lock, and so the series, is ours
            existing = db.execute(_REQUEST, (request_id,)).fetchone()
            if existing:
                return RequestRow(*existing)
            live = db.execute("SELECT resident_id FROM sessions WHERE session_id=? AND state='authenticated'"
                              " AND expires>?", (session_id, now)).fetchone()
            if not live:
                return None
            last = self._last_serial(db, series)
            db.execute("INSERT INTO serials (municipality, year, last) VALUES (?,?,?) ON CONFLICT"
                       " (municipality, year) DO UPDATE SET last = excluded.last",
                       (series.municipality, series.year, last + count))
            made, audit, serials = make(list(range(last + 1, last + count + 1)))
            row = issued_request(made, series, last + 1)
            db.execute(f"INSERT INTO requests ({','.join(REQUEST_COLUMNS)})"
                       f" VALUES ({','.join('?' * len(REQUEST_COLUMNS))})", request_values(row))
            db.executemany(_ISSUED_INSERT, [(serial, row.request_id, row.kiosk_id, live[0], n, row.created)
                                            for n, serial in enumerate(serials, 1)])
            self._audit(db, audit)
            return row

    @staticmethod
    def _last_serial(db: Tx, series: Series) -> int:
        row = db.execute("SELECT last FROM serials WHERE municipality=? AND year=?",
                         (series.municipality, series.year)).fetchone()
        if row:
            return int(row[0])
        # The first number of the year: a count kept before numbering by municipality
        # (migration 0002, one municipality per relay then) carries on under this one.
        legacy = db.execute("DELETE FROM serials WHERE municipality='' AND year=? RETURNING last",
                            (series.year,)).fetchone()
        return int(legacy[0]) if legacy else 0

    def issued_serials(self, series: Series) -> tuple[int, list[tuple[int, int]]]:
        last = self._read("SELECT last FROM serials WHERE municipality=? AND year=?",
                          (series.municipality, series.year))
        runs = self._read("SELECT serial_first, copies FROM requests WHERE municipality=? AND serial_year=?"
                          " ORDER BY serial_first", (series.municipality, series.year))
        return (int(last[0][0]) if last else 0), [(int(f), int(c)) for f, c in runs]

    def record_outcome(self, request_id: str, kiosk_id: str, session_id: str, outcome: str, copies: int,
                       amount: int, audit: dict[str, Any]) -> Recorded:
        with self._tx() as db:
            existing = db.execute(_REQUEST, (request_id,)).fetchone()
            before = RequestRow(*existing) if existing else None
            if before is None or not outcome_fits(before, kiosk_id, session_id, outcome, copies, amount):
                return Recorded(before, False)
            db.execute(
                "UPDATE requests SET outcome=?, outcome_copies=?, outcome_amount=?, response=NULL"
                " WHERE request_id=?",
                (outcome, copies, amount, request_id),
            )
            printed, rest = copy_states(outcome, copies)
            db.execute("UPDATE issued_documents SET state = CASE WHEN copy <= ? THEN 'printed' ELSE ? END,"
                       " changed = ? WHERE request_id = ? AND state = 'issued'",
                       (printed, rest, audit["at"], request_id))
            person = db.execute("SELECT resident_id, cert_serial FROM sessions WHERE session_id=?",
                                (before.session_id,)).fetchone()
            resident_id, cert_serial = person or (None, None)
            self._audit(db, {**audit, "resident_id": resident_id, "cert_serial": cert_serial,
                             "cert_type": before.cert_type})
            return Recorded(before, True)

    def purge_expired(self, now: float) -> int:
        with self._tx() as db:
            expired = db.execute(
                "SELECT session_id, kiosk_id, resident_id, cert_serial FROM sessions"
                " WHERE state != 'closed' AND expires <= ?", (now,)
            ).fetchall()
            for session_id, kiosk_id, resident_id, cert_serial in expired:
                db.execute("UPDATE requests SET response=NULL WHERE session_id=?", (session_id,))
                db.execute("UPDATE sessions SET state='closed' WHERE session_id=?", (session_id,))
                if resident_id is not None:
                    self._audit(db, {"at": now, "kiosk_id": kiosk_id, "event": "expire", "session_id": session_id,
                                     "resident_id": resident_id, "cert_serial": cert_serial})
            return len(expired)

    def scrub(self) -> None:
        """Fold the write-ahead log into the database and empty it, so that deleted
        documents survive neither in the log nor (``secure_delete``) in free pages."""
        self._db.checkpoint()

    def stored_documents(self) -> int:
        """How many issued answers still hold document contents (for tests and checks)."""
        return int(self._read("SELECT COUNT(*) FROM requests WHERE response IS NOT NULL", ())[0][0])

    # -- audit ----------------------------------------------------------------------------
    def audit(self, entry: dict[str, Any]) -> None:
        with self._tx() as db:
            self._audit(db, entry)

    @staticmethod
    def _audit(db: Tx, entry: dict[str, Any]) -> None:
        db.execute(
            f"INSERT INTO audit ({','.join(AUDIT_COLUMNS)}) VALUES ({','.join('?' * len(AUDIT_COLUMNS))})",
            check_audit(entry),
        )

    def audit_since(self, since: float = 0.0) -> list[dict[str, Any]]:
        rows = self._read(f"SELECT {','.join(AUDIT_COLUMNS)} FROM audit WHERE at >= ? ORDER BY id", (since,))
        return [dict(zip(AUDIT_COLUMNS, r, strict=True)) for r in rows]

    # -- technician events ----------------------------------------------------------------
    def add_technician_events(self, kiosk_id: str, received: float,
                              records: list[tuple[int, float, str, str, str]]) -> int:
        """Store ``(seq, at, t, event, fields)`` records of one kiosk in one transaction; a
        (kiosk, seq) already stored keeps its first record (a repeat after a lost answer).
        Returns how many were new."""
        with self._tx() as db:
            before = self._db.conn.total_changes
            db.executemany(
                "INSERT INTO technician_events (kiosk_id, seq, at, received, t, event, fields)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT (kiosk_id, seq) DO NOTHING",
                [(kiosk_id, seq, at, received, t, name, fields) for seq, at, t, name, fields in records],
            )
            return int(self._db.conn.total_changes - before)

    def technician_events_since(self, since: float = 0.0) -> list[dict[str, Any]]:
        return technician_rows(self._read(f"SELECT {','.join(TECHNICIAN_COLUMNS)} FROM technician_events"
                                          " WHERE at >= ? ORDER BY at, kiosk_id, seq", (since,)))

    # -- log exports ----------------------------------------------------------------------
    def add_log_events(self, kiosk_id: str, export_id: str, first: int, received: float,
                       events: list[str]) -> int:
        """Store events ``first``, ``first + 1`` … of one export; a part sent again is kept
        once. Returns how many were new."""
        with self._tx() as db:
            before = self._db.conn.total_changes
            db.executemany(
                "INSERT INTO log_exports (kiosk_id, export_id, n, received, event) VALUES (?,?,?,?,?)"
                " ON CONFLICT (kiosk_id, export_id, n) DO NOTHING",
                [(kiosk_id, export_id, first + i, received, e) for i, e in enumerate(events)],
            )
            return int(self._db.conn.total_changes - before)

    def log_exports(self, kiosk_id: str | None = None, since: float = 0.0) -> list[dict[str, Any]]:
        """Exported events received since ``since``, by kiosk, export and index."""
        return log_rows(self._read(
            "SELECT kiosk_id, export_id, n, received, event FROM log_exports WHERE received >= ?"
            " AND (? IS NULL OR kiosk_id = ?) ORDER BY kiosk_id, received, export_id, n",
            (since, kiosk_id, kiosk_id)))
