"""The municipality's issuance history (交付履歴) and its serial numbering.

One SQLite file on the issuing server, which is where resident data may live: for every
request the resident, the card serial, the kiosk, the serial numbers and the documents'
hashes (kept), the answer with the documents themselves (deleted once the kiosk's outcome
is known), the outcome, and every refusal. Numbers are taken in the same transaction that
stores the request, under SQLite's write lock, so two requests in the same millisecond
never share a number or a record and a repeated request id gets the stored answer.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HISTORY_COLUMNS = ("request_id", "fingerprint", "at", "session_id", "kiosk_id", "resident_id", "cert_serial",
                   "cert_type", "copies", "fee", "serials", "document_sha256", "outcome", "outcome_copies",
                   "outcome_amount")
REFUSAL_COLUMNS = ("at", "request_id", "session_id", "kiosk_id", "cert_serial", "cert_type", "code")


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


class IssuanceHistory:
    def __init__(self, path: Path | str) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(
            "CREATE TABLE IF NOT EXISTS issuance (request_id TEXT PRIMARY KEY, fingerprint TEXT, at REAL,"
            " session_id TEXT, kiosk_id TEXT, resident_id TEXT, cert_serial TEXT, cert_type TEXT, copies INTEGER,"
            " fee INTEGER, serials TEXT, document_sha256 TEXT, answer TEXT, outcome TEXT, outcome_copies INTEGER,"
            " outcome_amount INTEGER);"
            "CREATE TABLE IF NOT EXISTS series (year INTEGER PRIMARY KEY, last INTEGER NOT NULL);"
            "CREATE TABLE IF NOT EXISTS refusals (at REAL, request_id TEXT, session_id TEXT, kiosk_id TEXT,"
            " cert_serial TEXT, cert_type TEXT, code TEXT);")

    def stored(self, request_id: str) -> tuple[str, dict[str, Any] | None] | None:
        """(fingerprint, answer or None once the outcome deleted it) of a known request."""
        with self._lock:
            row = self._db.execute("SELECT fingerprint, answer FROM issuance WHERE request_id=?",
                                   (request_id,)).fetchone()
        if row is None:
            return None
        return str(row[0]), (json.loads(row[1]) if row[1] is not None else None)

    def issue(self, request_id: str, fingerprint: str, at: float, year: int, count: int,
              make: Callable[[list[int]], Issued]) -> tuple[str, dict[str, Any] | None]:
        """Take ``count`` numbers of ``year`` and store what ``make`` builds with them, in one
        transaction; a request id already stored gets its stored (fingerprint, answer)."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT fingerprint, answer FROM issuance WHERE request_id=?",
                                 (request_id,)).fetchone()
                if row is not None:
                    db.execute("ROLLBACK")
                    return str(row[0]), (json.loads(row[1]) if row[1] is not None else None)
                last_row = db.execute("SELECT last FROM series WHERE year=?", (year,)).fetchone()
                last = int(last_row[0]) if last_row else 0
                issued = make(list(range(last + 1, last + 1 + count)))
                db.execute("INSERT INTO series VALUES (?,?) ON CONFLICT(year) DO UPDATE SET last=excluded.last",
                           (year, last + count))
                db.execute("INSERT INTO issuance VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,NULL,NULL)",
                           (request_id, fingerprint, at, issued.session_id, issued.kiosk_id, issued.resident_id,
                            issued.cert_serial, issued.cert_type, issued.copies, issued.fee,
                            json.dumps(issued.serials), json.dumps(issued.document_sha256),
                            json.dumps(issued.answer, ensure_ascii=False, sort_keys=True)))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return fingerprint, issued.answer

    def record_outcome(self, request_id: str, outcome: str, copies: int, amount: int) -> tuple[Any, ...] | None:
        """Record the kiosk's outcome and delete the documents; the outcome as it was before
        (None if the request is unknown). A recorded outcome is never changed."""
        with self._lock:
            row = self._db.execute("SELECT outcome, outcome_copies, outcome_amount FROM issuance WHERE request_id=?",
                                   (request_id,)).fetchone()
            if row is None:
                return None
            if row[0] is None:
                self._db.execute("UPDATE issuance SET outcome=?, outcome_copies=?, outcome_amount=?, answer=NULL"
                                 " WHERE request_id=?", (outcome, copies, amount, request_id))
            return tuple(row)

    def refuse(self, at: float, request_id: str | None, session_id: str, kiosk_id: str, cert_serial: str,
               cert_type: str | None, code: str) -> None:
        with self._lock:
            self._db.execute("INSERT INTO refusals VALUES (?,?,?,?,?,?,?)",
                             (at, request_id, session_id, kiosk_id, cert_serial, cert_type, code))

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(f"SELECT {','.join(HISTORY_COLUMNS)} FROM issuance ORDER BY at").fetchall()
        out = []
        for row in rows:
            entry = dict(zip(HISTORY_COLUMNS, row, strict=True))
            entry["serials"] = json.loads(entry["serials"])
            entry["document_sha256"] = json.loads(entry["document_sha256"])
            out.append(entry)
        return out

    def refusals(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(f"SELECT {','.join(REFUSAL_COLUMNS)} FROM refusals ORDER BY at").fetchall()
        return [dict(zip(REFUSAL_COLUMNS, row, strict=True)) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
