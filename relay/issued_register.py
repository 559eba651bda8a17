"""Every document serial the relay issued, and whether that paper stands.

The QR code's signature says the issuer made a document; it cannot say that the kiosk
then printed it. A document whose session was cancelled, a copy the printer never
finished, or a certificate the municipality voided afterwards still carries a genuine
signature, so the public verification service asks here before it answers ``valid``:

- ``issued``: delivered to the kiosk, no outcome yet (valid);
- ``printed``: the kiosk reported it printed (valid);
- ``not_printed``: the kiosk reported the request ``failed`` before this copy came out;
- ``cancelled``: the kiosk reported the request cancelled: nothing was printed;
- ``voided``: the municipality voided it (``relay document void``), with a reason.

A serial is recorded after its request is stored (the answer that delivers it); a serial
unknown here was never delivered, or its relay stopped between the two writes, and is
judged by its signature alone. The register also says whose document a serial is
(``resident_id``), so that the municipality's history can show who verified it.

Small interface (:class:`IssuedRegister`), SQLite implementation in the relay's database
over a connection of its own; a PostgreSQL one implements the same methods.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

VALID_STATES = ("issued", "printed")
STATES = (*VALID_STATES, "not_printed", "cancelled", "voided")
VOID_REASONS = ("lost", "stolen", "misprinted", "record_corrected", "court_order", "other")


@dataclass(frozen=True)
class IssuedDocument:
    serial: str
    request_id: str
    kiosk_id: str
    resident_id: str
    copy: int  # 1-based, in the order the kiosk prints them
    state: str
    reason: str | None  # why it was voided
    changed: float

    @property
    def valid(self) -> bool:
        return self.state in VALID_STATES


class IssuedRegister(Protocol):
    def record_issued(self, request_id: str, kiosk_id: str, resident_id: str, serials: list[str], at: float) -> None:
        ...

    def record_outcome(self, request_id: str, outcome: str, copies: int, at: float) -> None: ...
    def void(self, serial: str, reason: str, at: float) -> IssuedDocument: ...
    def get(self, serial: str) -> IssuedDocument | None: ...
    def close(self) -> None: ...


SCHEMA = """
CREATE TABLE IF NOT EXISTS issued_documents (
    serial TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    resident_id TEXT NOT NULL,
    copy INTEGER NOT NULL,
    state TEXT NOT NULL,               -- issued | printed | not_printed | cancelled | voided
    reason TEXT,
    changed REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS issued_documents_request ON issued_documents (request_id);
"""
COLUMNS = "serial, request_id, kiosk_id, resident_id, copy, state, reason, changed"


class SqliteIssuedRegister:
    def __init__(self, path: Path | str) -> None:
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.execute("PRAGMA synchronous=NORMAL")  # as the relay's storage: WAL, no fsync per commit
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def record_issued(self, request_id: str, kiosk_id: str, resident_id: str, serials: list[str], at: float) -> None:
        with self._lock:
            self._db.executemany(
                f"INSERT INTO issued_documents ({COLUMNS}) VALUES (?,?,?,?,?,'issued',NULL,?)"
                " ON CONFLICT (serial) DO NOTHING",
                [(serial, request_id, kiosk_id, resident_id, n, at) for n, serial in enumerate(serials, 1)])

    def record_outcome(self, request_id: str, outcome: str, copies: int, at: float) -> None:
        """``printed``: every copy; ``failed``: copies 1..``copies`` printed, the rest not;
        ``cancelled``: none. A voided document stays voided."""
        if outcome == "cancelled":
            updates = [("cancelled", "copy >= 1")]
        elif outcome == "printed":
            updates = [("printed", "copy >= 1")]
        else:
            updates = [("printed", f"copy <= {int(copies)}"), ("not_printed", f"copy > {int(copies)}")]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for state, which in updates:
                    self._db.execute(f"UPDATE issued_documents SET state = ?, changed = ? WHERE request_id = ?"
                                     f" AND state = 'issued' AND {which}", (state, at, request_id))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def void(self, serial: str, reason: str, at: float) -> IssuedDocument:
        if reason not in VOID_REASONS:
            raise ValueError(f"a reason is one of {', '.join(VOID_REASONS)}")
        with self._lock:
            cur = self._db.execute("UPDATE issued_documents SET state = 'voided', reason = ?, changed = ?"
                                   " WHERE serial = ?", (reason, at, serial))
            if cur.rowcount != 1:
                raise ValueError(f"no document {serial} was issued here")
        document = self.get(serial)
        assert document is not None
        return document

    def get(self, serial: str) -> IssuedDocument | None:
        with self._lock:
            row = self._db.execute(f"SELECT {COLUMNS} FROM issued_documents WHERE serial = ?", (serial,)).fetchone()
        return IssuedDocument(*row) if row else None
