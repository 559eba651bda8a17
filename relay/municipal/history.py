"""The municipality's issuance history (交付履歴) and its serial numbering.

Kept where resident data may live, the municipality's own database: a SQLite file for one
issuing server, or a PostgreSQL URL that several nodes of the same server share
(:func:`relay.store.db.open_database`; the ``municipal_*`` tables of the relay's versioned
migrations). For every request: the resident, the card serial, the kiosk, the serial
numbers and the documents' hashes (kept), the answer with the documents themselves (kept
apart, deleted once the kiosk's outcome is known), the outcome, and every refusal (once per request id).

Numbers are taken in the same transaction that stores the request, after the year's row
in ``municipal_series`` is locked (SQLite: its one write lock; PostgreSQL: the row lock
of ``INSERT … ON CONFLICT DO UPDATE``). So two requests in the same millisecond, on one
node or two, never share a number, numbers have no gap (a node that dies before its
commit takes its numbers with it), and a request id repeated on any node, once the first
has committed, finds the stored answer instead of new numbers. A recorded outcome is
never changed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from relay.store.db import is_postgres, open_database
from relay.store.identity import MUNICIPALITY, claim
from relay.store.protocol import Tx
from relay.store.sqlite_db import SqliteDatabase

if TYPE_CHECKING:
    from relay.store.pg_db import PostgresDatabase

HISTORY_COLUMNS = ("request_id", "fingerprint", "at", "session_id", "kiosk_id", "resident_id", "cert_serial",
                   "cert_type", "copies", "fee", "serials", "document_sha256", "outcome", "outcome_copies",
                   "outcome_amount")
REFUSAL_COLUMNS = ("at", "request_id", "session_id", "kiosk_id", "cert_serial", "cert_type", "code")
#: Seconds between two rewrites of the documents' table by one node (:meth:`IssuanceHistory.scrub`).
SCRUB_INTERVAL = 30.0
_STORED = ("SELECT i.fingerprint, d.answer FROM municipal_issuance i"
           " LEFT JOIN municipal_documents d ON d.request_id = i.request_id WHERE i.request_id=?")
_STORED_COLUMNS = [c for c in HISTORY_COLUMNS if c not in ("outcome", "outcome_copies", "outcome_amount")]


@dataclass(frozen=True)
class Issued:
    """What :meth:`IssuanceHistory.issue` stores besides the numbers."""

    session_id: str
    kiosk_id: str
    resident_id: str
    cert_serial: str
    cert_type: str
    copies: int
    fee: int
    serials: list[str]
    document_sha256: list[str]
    answer: dict[str, Any]


def _answer(row: tuple[Any, ...]) -> tuple[str, dict[str, Any] | None]:
    return str(row[0]), (json.loads(row[1]) if row[1] is not None else None)


def _entry(row: tuple[Any, ...]) -> dict[str, Any]:
    """A row of :data:`HISTORY_COLUMNS` as an entry, its JSON lists read."""
    entry = dict(zip(HISTORY_COLUMNS, row, strict=True))
    entry["serials"] = json.loads(entry["serials"])
    entry["document_sha256"] = json.loads(entry["document_sha256"])
    return entry


class IssuanceHistory:
    def __init__(self, db: Path | str, lock_wait: float = 5.0, read_only: bool = False,
                 owner: str | None = None) -> None:
        """``db``: a SQLite file (brought up to date when opened, unless ``read_only``: what
        ``relay audit`` and ``relay reconcile`` read stays as it was) or a ``postgresql://``
        URL (its schema brought up to date by ``relay db upgrade`` first). ``lock_wait``:
        the seconds an issue waits for the year's row on PostgreSQL (held by another
        node's issue: a node that hangs mid-issue must not hold every other node's
        threads; past it the call is refused as unavailable, and nothing is kept).
        ``owner``: the municipality whose server opens it, recorded as the database's
        identity the first time (:func:`relay.store.identity.claim`: audit and reconcile then
        tell it from a file no server ever opened, and a server given the centre's or another
        municipality's database refuses to start); None: a reader's or a test's, not claimed."""
        self._db = open_database(db, "relay-municipal", read_only=read_only)
        if owner is not None and not read_only:
            try:
                claim(self._db, MUNICIPALITY, owner, time.time(), db)
            except BaseException:
                self._db.close()
                raise
        self.storage = "postgresql" if is_postgres(db) else "sqlite"
        self._lock_wait_ms = int(lock_wait * 1000)
        self._scrubbed = -SCRUB_INTERVAL

    def stored(self, request_id: str) -> tuple[str, dict[str, Any] | None] | None:
        """(fingerprint, answer or None once the outcome deleted it) of a known request."""
        rows = self._db.read(_STORED, (request_id,))
        return _answer(rows[0]) if rows else None

    def issue(self, request_id: str, fingerprint: str, at: float, year: int, count: int,
              make: Callable[[list[int]], Issued]) -> tuple[str, dict[str, Any] | None]:
        """Take ``count`` numbers of ``year`` and store what ``make`` builds with them, in one
        transaction; a request id already stored gets its stored (fingerprint, answer)."""
        with self._db.tx() as tx:
            if self.storage == "postgresql":  # SQLite waits for its write lock up to its busy timeout
                tx.execute(f"SET LOCAL lock_timeout = {self._lock_wait_ms}")
            last = self._lock_year(tx, year)
            found = tx.execute(_STORED, (request_id,)).fetchall()
            if found:  # stored by another node while this one waited for the year's lock
                return _answer(found[0])
            issued = make(list(range(last + 1, last + 1 + count)))
            tx.execute("UPDATE municipal_series SET last=? WHERE year=?", (last + count, year))
            values = {"request_id": request_id, "fingerprint": fingerprint, "at": at, **issued.__dict__,
                      "serials": json.dumps(issued.serials), "document_sha256": json.dumps(issued.document_sha256)}
            tx.execute(f"INSERT INTO municipal_issuance ({','.join(_STORED_COLUMNS)})"
                       f" VALUES ({','.join('?' * len(_STORED_COLUMNS))})", [values[c] for c in _STORED_COLUMNS])
            tx.execute("INSERT INTO municipal_documents (request_id, answer) VALUES (?,?)",
                       (request_id, json.dumps(issued.answer, ensure_ascii=False, sort_keys=True)))
        return fingerprint, issued.answer

    @staticmethod
    def _lock_year(tx: Tx, year: int) -> int:
        """The last number of ``year``, its row locked until the transaction ends (made at 0
        for a new year; two nodes making it at once meet on the primary key's lock)."""
        rows = tx.execute("INSERT INTO municipal_series (year, last) VALUES (?, 0)"
                          " ON CONFLICT (year) DO UPDATE SET last = municipal_series.last RETURNING last",
                          (year,)).fetchall()
        return int(rows[0][0])

    def record_outcomes(self, outcomes: list[tuple[str, str, int, int]]) -> list[tuple[Any, ...] | None]:
        """Record kiosks' outcomes ``(request id, outcome, copies, amount)`` and delete their
        documents, in one transaction; for each, the outcome as it was before (None if the
        request is unknown). A recorded outcome is never changed: two nodes told at once
        meet on the row's lock, and the second finds the first's outcome."""
        befores: list[tuple[Any, ...] | None] = [None] * len(outcomes)
        with self._db.tx() as tx:  # rows locked in one order, whatever the order sent (two nodes, PostgreSQL)
            for n, (request_id, outcome, copies, amount) in sorted(enumerate(outcomes), key=lambda o: o[1][0]):
                changed = tx.execute("UPDATE municipal_issuance SET outcome=?, outcome_copies=?, outcome_amount=?"
                                     " WHERE request_id=? AND outcome IS NULL",
                                     (outcome, copies, amount, request_id)).rowcount
                before: tuple[Any, ...] | None = (None, None, None)
                if not changed:
                    rows = tx.execute("SELECT outcome, outcome_copies, outcome_amount FROM municipal_issuance"
                                      " WHERE request_id=?", (request_id,)).fetchall()
                    before = tuple(rows[0]) if rows else None
                tx.execute("DELETE FROM municipal_documents WHERE request_id=?", (request_id,))
                befores[n] = before
        return befores

    def record_outcome(self, request_id: str, outcome: str, copies: int, amount: int) -> tuple[Any, ...] | None:
        """One outcome (:meth:`record_outcomes`)."""
        return self.record_outcomes([(request_id, outcome, copies, amount)])[0]

    def refuse(self, at: float, request_id: str | None, session_id: str, kiosk_id: str, cert_serial: str,
               cert_type: str | None, code: str) -> None:
        """Record a refusal, once per request id: the centre sends a request again, to the
        next node, when the node that refused it died before its answer left; the first
        record stays (``municipal_refusals_request``, a unique index)."""
        self._db.write(f"INSERT INTO municipal_refusals ({','.join(REFUSAL_COLUMNS)}) VALUES (?,?,?,?,?,?,?)"
                       " ON CONFLICT DO NOTHING", (at, request_id, session_id, kiosk_id, cert_serial, cert_type, code))

    def entries(self, since: float | None = None) -> list[dict[str, Any]]:
        """The requests, oldest first; with ``since``, only those at or after it, chosen by
        the database (on the index of ``at``): a history grows by about 100,000 requests a
        year, and ``relay audit --since`` of the last day must not hold years of them."""
        where, args = ("", ()) if since is None else (" WHERE at >= ?", (since,))
        rows = self._db.read(f"SELECT {','.join(HISTORY_COLUMNS)} FROM municipal_issuance{where}"
                             " ORDER BY at, request_id", args)
        return [_entry(row) for row in rows]

    def ends(self) -> list[dict[str, Any]]:
        """The oldest and the newest request (one when there is one, none when there is
        none), read on the index of ``at``: what ``relay audit`` checks the history's
        issuer with when it reads only a recent period (a file one municipality's server
        wrote, then another's, shows the other's serials at one end)."""
        select = f"SELECT {','.join(HISTORY_COLUMNS)} FROM municipal_issuance"
        oldest = self._db.read(f"{select} ORDER BY at, request_id LIMIT 1")
        newest = self._db.read(f"{select} ORDER BY at DESC, request_id DESC LIMIT 1")
        return [_entry(row) for row in oldest + [row for row in newest if row not in oldest]]

    def refusals(self, since: float | None = None) -> list[dict[str, Any]]:
        """The refusals, oldest first; with ``since``, only those at or after it, chosen by
        the database (which scans the table: ``at`` has no index here), so only those are
        held (:meth:`entries`)."""
        where, args = ("", ()) if since is None else (" WHERE at >= ?", (since,))
        rows = self._db.read(f"SELECT {','.join(REFUSAL_COLUMNS)} FROM municipal_refusals{where} ORDER BY at, id",
                             args)
        return [dict(zip(REFUSAL_COLUMNS, row, strict=True)) for row in rows]

    def empty(self) -> bool:
        """Whether no request and no refusal was ever recorded (a new server's history),
        whatever period is read: one row looked for in each table."""
        return not (self._db.read("SELECT 1 FROM municipal_issuance LIMIT 1")
                    or self._db.read("SELECT 1 FROM municipal_refusals LIMIT 1"))

    def stored_documents(self) -> int:
        """How many answers still hold their documents (the outcome not yet known)."""
        return int(self._db.read("SELECT count(*) FROM municipal_documents")[0][0])

    def scrub(self) -> None:
        """Leave deleted documents in no file of the database: PostgreSQL rewrites the
        documents' table (:func:`relay.store.pg_db.rewrite`, one node at a time, at most
        once every :data:`SCRUB_INTERVAL` seconds on this node); SQLite overwrites deleted
        rows (``secure_delete``) and here folds its write-ahead log into the file and empties
        it. What PostgreSQL's write-ahead log, a standby and backups hold is left to their
        retention (docs/deployment.md)."""
        if isinstance(self._db, SqliteDatabase):
            self._db.checkpoint()
            return
        if time.monotonic() - self._scrubbed < SCRUB_INTERVAL:
            return
        from relay.store.pg_db import rewrite

        with cast("PostgresDatabase", self._db).connection() as conn:
            if rewrite(conn, "municipal_documents"):
                self._scrubbed = time.monotonic()

    def close(self) -> None:
        self._db.close()
