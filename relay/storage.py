"""The relay's state: sessions, issued requests, serials and the audit log.

SQLite in WAL mode by default. The statements are plain SQL that PostgreSQL also runs
(``?`` becomes ``%s`` in a driver shim); what is SQLite's own stays in three places: the
PRAGMAs in ``__init__``, ``BEGIN IMMEDIATE`` in ``_tx`` and ``AUTOINCREMENT`` in the
schema. Every method is one short transaction that never waits on anything else, so several
relay processes, or later several nodes over PostgreSQL, can share the state: a node holds
nothing between requests. Times are POSIX seconds from the relay's clock.

Document contents are kept only until the outcome is reported or the session expires,
then deleted (the row stays, without the document, for idempotency and the audit).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    challenge TEXT NOT NULL,
    state TEXT NOT NULL,               -- open | authenticated | closed
    created REAL NOT NULL,
    expires REAL NOT NULL,
    resident_id TEXT,
    cert_serial TEXT,
    cert_sha256 TEXT
);
CREATE TABLE IF NOT EXISTS requests (
    request_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,         -- sha256 of the canonical request
    cert_type TEXT NOT NULL,
    copies INTEGER NOT NULL,
    fee INTEGER NOT NULL,
    created REAL NOT NULL,
    response TEXT,                     -- the issued answer; NULL once deleted
    outcome TEXT,
    outcome_copies INTEGER,
    outcome_amount INTEGER
);
CREATE INDEX IF NOT EXISTS sessions_live ON sessions (expires) WHERE state != 'closed';
CREATE INDEX IF NOT EXISTS requests_session ON requests (session_id);
CREATE TABLE IF NOT EXISTS serials (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    kiosk_id TEXT NOT NULL,
    event TEXT NOT NULL,               -- authenticate | refuse | request | outcome | expire | timeout
    code TEXT,
    session_id TEXT,
    resident_id TEXT,
    cert_serial TEXT,
    cert_type TEXT,
    copies INTEGER,
    amount INTEGER,
    request_id TEXT
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE TABLE IF NOT EXISTS technician_events (
    kiosk_id TEXT NOT NULL,            -- from the client certificate
    seq INTEGER NOT NULL,              -- the kiosk's record number: one row per (kiosk, seq)
    at REAL NOT NULL,                  -- the event's time on the kiosk
    received REAL NOT NULL,            -- the relay's time when it was first stored
    t TEXT NOT NULL,                   -- the kiosk's time as it wrote it
    event TEXT NOT NULL,
    fields TEXT NOT NULL,              -- JSON of the allow-listed fields
    PRIMARY KEY (kiosk_id, seq)
);
CREATE INDEX IF NOT EXISTS technician_events_at ON technician_events (at);
CREATE TABLE IF NOT EXISTS log_exports (
    kiosk_id TEXT NOT NULL,            -- from the client certificate
    export_id TEXT NOT NULL,           -- one technician's export (a UUID)
    n INTEGER NOT NULL,                -- the event's index in that export
    received REAL NOT NULL,
    event TEXT NOT NULL,               -- JSON: a structured, allow-listed log event
    PRIMARY KEY (kiosk_id, export_id, n)
);
"""

TECHNICIAN_COLUMNS = ("kiosk_id", "seq", "at", "received", "t", "event", "fields")
AUDIT_COLUMNS = ("at", "kiosk_id", "event", "code", "session_id", "resident_id", "cert_serial",
                 "cert_type", "copies", "amount", "request_id")


@dataclass(frozen=True)
class SessionRow:
    session_id: str
    kiosk_id: str
    challenge: str
    state: str
    created: float
    expires: float
    resident_id: str | None
    cert_serial: str | None
    cert_sha256: str | None


@dataclass(frozen=True)
class RequestRow:
    request_id: str
    session_id: str
    kiosk_id: str
    fingerprint: str
    cert_type: str
    copies: int
    fee: int
    created: float
    response: str | None
    outcome: str | None
    outcome_copies: int | None
    outcome_amount: int | None


class Store(Protocol):
    """What the relay core needs from its storage. :class:`Storage` is the SQLite one; a
    PostgreSQL one (several relay nodes) implements the same methods, each one transaction
    (``SELECT ... FOR UPDATE`` where SQLite takes ``BEGIN IMMEDIATE``)."""

    topology_storage: str

    def create_session(self, row: SessionRow) -> None: ...
    def session(self, session_id: str) -> SessionRow | None: ...
    def authenticate_session(self, session_id: str, kiosk_id: str, now: float, expires: float, resident_id: str,
                             cert_serial: str, cert_sha256: str, audit: dict[str, Any]) -> bool: ...
    def close_session(self, session_id: str) -> None: ...
    def request(self, request_id: str) -> RequestRow | None: ...
    def next_serials(self, year: int, count: int) -> list[int]: ...
    def insert_request(self, row: RequestRow, audit: dict[str, Any]) -> RequestRow: ...
    def record_outcome(self, request_id: str, outcome: str, copies: int, amount: int,
                       audit: dict[str, Any]) -> RequestRow | None: ...
    def purge_expired(self, now: float) -> int: ...
    def scrub(self) -> None: ...
    def stored_documents(self) -> int: ...
    def audit(self, entry: dict[str, Any]) -> None: ...
    def audit_since(self, since: float = 0.0) -> list[dict[str, Any]]: ...
    def add_technician_events(self, kiosk_id: str, received: float,
                              records: list[tuple[int, float, str, str, str]]) -> int: ...
    def technician_events_since(self, since: float = 0.0) -> list[dict[str, Any]]: ...
    def add_log_events(self, kiosk_id: str, export_id: str, first: int, received: float,
                       events: list[str]) -> int: ...
    def log_exports(self, kiosk_id: str | None = None, since: float = 0.0) -> list[dict[str, Any]]: ...
    def close(self) -> None: ...


class Storage:
    """One connection, used one transaction at a time (a lock serialises threads)."""

    topology_storage = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
        self._lock = threading.Lock()
        with self._lock:
            if str(path) != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA secure_delete=ON")  # deleted documents are overwritten, not left in free pages
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- sessions -------------------------------------------------------------------------
    def create_session(self, row: SessionRow) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO sessions VALUES (?,?,?,?,?,?,?,?,?)",
                (row.session_id, row.kiosk_id, row.challenge, row.state, row.created, row.expires,
                 row.resident_id, row.cert_serial, row.cert_sha256),
            )

    def session(self, session_id: str) -> SessionRow | None:
        rows = self._read("SELECT * FROM sessions WHERE session_id = ?", (session_id,))
        return SessionRow(*rows[0]) if rows else None

    def authenticate_session(
        self, session_id: str, kiosk_id: str, now: float, expires: float,
        resident_id: str, cert_serial: str, cert_sha256: str, audit: dict[str, Any],
    ) -> bool:
        """Move an open, unexpired session to authenticated; False if it is not (a replay
        or a race lost to another answer to the same challenge)."""
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
        rows = self._read("SELECT * FROM requests WHERE request_id = ?", (request_id,))
        return RequestRow(*rows[0]) if rows else None

    def next_serials(self, year: int, count: int) -> list[int]:
        with self._tx() as db:
            row = db.execute("SELECT last FROM serials WHERE year=?", (year,)).fetchone()
            last = row[0] if row else 0
            if row:
                db.execute("UPDATE serials SET last=? WHERE year=?", (last + count, year))
            else:
                db.execute("INSERT INTO serials VALUES (?,?)", (year, count))
            return list(range(last + 1, last + count + 1))

    def insert_request(self, row: RequestRow, audit: dict[str, Any]) -> RequestRow:
        """Store an issued request; if ``request_id`` already exists (a concurrent
        duplicate), store nothing and return the row that won."""
        with self._tx() as db:
            existing = db.execute("SELECT * FROM requests WHERE request_id=?", (row.request_id,)).fetchone()
            if existing:
                return RequestRow(*existing)
            db.execute(
                "INSERT INTO requests VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (row.request_id, row.session_id, row.kiosk_id, row.fingerprint, row.cert_type, row.copies,
                 row.fee, row.created, row.response, None, None, None),
            )
            self._audit(db, audit)
            return row

    def record_outcome(
        self, request_id: str, outcome: str, copies: int, amount: int, audit: dict[str, Any]
    ) -> RequestRow | None:
        """Record the outcome and delete the document contents; returns the row as it was
        before (None if unknown). An outcome already recorded is not changed."""
        with self._tx() as db:
            existing = db.execute("SELECT * FROM requests WHERE request_id=?", (request_id,)).fetchone()
            if not existing or existing[9] is not None:
                return RequestRow(*existing) if existing else None
            db.execute(
                "UPDATE requests SET outcome=?, outcome_copies=?, outcome_amount=?, response=NULL"
                " WHERE request_id=?",
                (outcome, copies, amount, request_id),
            )
            self._audit(db, audit)
            return RequestRow(*existing)

    def purge_expired(self, now: float) -> int:
        """Delete the documents of expired sessions and close them; returns how many
        sessions expired."""
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
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def stored_documents(self) -> int:
        """How many issued answers still hold document contents (for tests and checks)."""
        return int(self._read("SELECT COUNT(*) FROM requests WHERE response IS NOT NULL", ())[0][0])

    # -- audit ----------------------------------------------------------------------------
    def audit(self, entry: dict[str, Any]) -> None:
        with self._tx() as db:
            self._audit(db, entry)

    @staticmethod
    def _audit(db: sqlite3.Connection, entry: dict[str, Any]) -> None:
        unknown = set(entry) - set(AUDIT_COLUMNS)
        if unknown:
            raise ValueError("unknown audit columns")
        db.execute(
            f"INSERT INTO audit ({','.join(AUDIT_COLUMNS)}) VALUES ({','.join('?' * len(AUDIT_COLUMNS))})",
            tuple(entry.get(c) for c in AUDIT_COLUMNS),
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
            before = db.total_changes
            db.executemany(
                "INSERT INTO technician_events (kiosk_id, seq, at, received, t, event, fields)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT (kiosk_id, seq) DO NOTHING",
                [(kiosk_id, seq, at, received, t, name, fields) for seq, at, t, name, fields in records],
            )
            return int(db.total_changes - before)

    def technician_events_since(self, since: float = 0.0) -> list[dict[str, Any]]:
        rows = self._read(f"SELECT {','.join(TECHNICIAN_COLUMNS)} FROM technician_events WHERE at >= ?"
                          " ORDER BY at, kiosk_id, seq", (since,))
        out = []
        for row in rows:
            entry = dict(zip(TECHNICIAN_COLUMNS, row, strict=True))
            entry["fields"] = json.loads(entry["fields"])
            out.append(entry)
        return out

    # -- log exports ----------------------------------------------------------------------
    def add_log_events(self, kiosk_id: str, export_id: str, first: int, received: float,
                       events: list[str]) -> int:
        """Store events ``first``, ``first + 1`` … of one export; a part sent again is kept
        once. Returns how many were new."""
        with self._tx() as db:
            before = db.total_changes
            db.executemany(
                "INSERT INTO log_exports (kiosk_id, export_id, n, received, event) VALUES (?,?,?,?,?)"
                " ON CONFLICT (kiosk_id, export_id, n) DO NOTHING",
                [(kiosk_id, export_id, first + i, received, e) for i, e in enumerate(events)],
            )
            return int(db.total_changes - before)

    def log_exports(self, kiosk_id: str | None = None, since: float = 0.0) -> list[dict[str, Any]]:
        """Exported events received since ``since``, by kiosk, export and index."""
        rows = self._read(
            "SELECT kiosk_id, export_id, n, received, event FROM log_exports WHERE received >= ?"
            " AND (? IS NULL OR kiosk_id = ?) ORDER BY kiosk_id, received, export_id, n",
            (since, kiosk_id, kiosk_id))
        return [{"kiosk_id": k, "export_id": x, "n": n, "received": r, "event": json.loads(e)}
                for k, x, n, r, e in rows]


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
