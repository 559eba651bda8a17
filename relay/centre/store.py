"""What the centre keeps: sessions, the delivery log, refusals, alerts and suspensions.

No resident data: a session holds the kiosk, the challenge, the card's certificate serial
and hash and the municipality it routes to; the delivery log holds, per request, the
municipality, type, copies, fee, the documents' serial numbers and hashes, the answer's
message id and the kiosk's outcome — never a document body. One SQLite file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DELIVERY_COLUMNS = ("request_id", "session_id", "kiosk_id", "municipality", "fingerprint", "cert_type", "copies",
                    "fee", "serials", "document_sha256", "message_id", "at", "outcome", "outcome_copies",
                    "outcome_amount", "outcome_forwarded")
EVENT_COLUMNS = ("at", "kind", "municipality", "kiosk_id", "session_id", "request_id", "code")


@dataclass(frozen=True)
class CentreSession:
    session_id: str
    kiosk_id: str
    challenge: str
    state: str  # open, authenticated, closed
    expires: float
    municipality: str | None
    honseki: str | None  # where 戸籍 requests go (the residence when None)
    cert_serial: str | None
    cert_sha256: str | None


class CentreStore:
    def __init__(self, path: Path | str) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(
            "CREATE TABLE IF NOT EXISTS sessions (session_id TEXT PRIMARY KEY, kiosk_id TEXT, challenge TEXT,"
            " state TEXT, expires REAL, municipality TEXT, honseki TEXT, cert_serial TEXT, cert_sha256 TEXT);"
            "CREATE TABLE IF NOT EXISTS deliveries (request_id TEXT PRIMARY KEY, session_id TEXT, kiosk_id TEXT,"
            " municipality TEXT, fingerprint TEXT, cert_type TEXT, copies INTEGER, fee INTEGER, serials TEXT,"
            " document_sha256 TEXT, message_id TEXT, at REAL, outcome TEXT, outcome_copies INTEGER,"
            " outcome_amount INTEGER, outcome_forwarded INTEGER);"
            "CREATE TABLE IF NOT EXISTS events (at REAL, kind TEXT, municipality TEXT, kiosk_id TEXT,"
            " session_id TEXT, request_id TEXT, code TEXT);"
            "CREATE TABLE IF NOT EXISTS suspensions (municipality TEXT PRIMARY KEY, at REAL, code TEXT);")

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- sessions --------------------------------------------------------------------------
    def create_session(self, sid: str, kiosk_id: str, challenge: str, expires: float) -> None:
        self._run("INSERT INTO sessions VALUES (?,?,?,'open',?,NULL,NULL,NULL,NULL)",
                  (sid, kiosk_id, challenge, expires))

    def session(self, sid: str) -> CentreSession | None:
        rows = self._run("SELECT * FROM sessions WHERE session_id=?", (sid,))
        return CentreSession(*rows[0]) if rows else None

    def authenticate(self, sid: str, now: float, expires: float, municipality: str, honseki: str | None,
                     cert_serial: str, cert_sha256: str) -> bool:
        """open → authenticated, once: False if another answer to the challenge won."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE sessions SET state='authenticated', expires=?, municipality=?, honseki=?, cert_serial=?,"
                " cert_sha256=? WHERE session_id=? AND state='open' AND expires>?",
                (expires, municipality, honseki, cert_serial, cert_sha256, sid, now))
            return cursor.rowcount == 1

    def close_session(self, sid: str) -> None:
        self._run("UPDATE sessions SET state='closed' WHERE session_id=?", (sid,))

    def purge(self, now: float) -> int:
        with self._lock:
            return self._db.execute("DELETE FROM sessions WHERE expires<=?", (now,)).rowcount

    # -- the delivery log ------------------------------------------------------------------
    def delivery(self, request_id: str) -> dict[str, Any] | None:
        rows = self._run(f"SELECT {','.join(DELIVERY_COLUMNS)} FROM deliveries WHERE request_id=?", (request_id,))
        return self._delivery(rows[0]) if rows else None

    @staticmethod
    def _delivery(row: tuple[Any, ...]) -> dict[str, Any]:
        entry = dict(zip(DELIVERY_COLUMNS, row, strict=True))
        entry["serials"] = json.loads(entry["serials"])
        entry["document_sha256"] = json.loads(entry["document_sha256"])
        return entry

    def record_delivery(self, entry: dict[str, Any]) -> None:
        """Keep one delivered answer's metadata; a repeat of the same request is ignored."""
        values = {**entry, "serials": json.dumps(entry["serials"]),
                  "document_sha256": json.dumps(entry["document_sha256"]), "outcome": None, "outcome_copies": None,
                  "outcome_amount": None, "outcome_forwarded": 0}
        self._run(f"INSERT OR IGNORE INTO deliveries VALUES ({','.join('?' * len(DELIVERY_COLUMNS))})",
                  tuple(values[c] for c in DELIVERY_COLUMNS))

    def record_outcome(self, request_id: str, outcome: str, copies: int, amount: int) -> None:
        self._run("UPDATE deliveries SET outcome=?, outcome_copies=?, outcome_amount=? WHERE request_id=?"
                  " AND outcome IS NULL", (outcome, copies, amount, request_id))

    def outcome_forwarded(self, request_id: str) -> None:
        self._run("UPDATE deliveries SET outcome_forwarded=1 WHERE request_id=?", (request_id,))

    def unforwarded_outcomes(self, limit: int = 100) -> list[dict[str, Any]]:
        """Outcomes recorded here that their municipality has not yet acknowledged."""
        rows = self._run(f"SELECT {','.join(DELIVERY_COLUMNS)} FROM deliveries WHERE outcome IS NOT NULL"
                         " AND outcome_forwarded=0 ORDER BY at LIMIT ?", (limit,))
        return [self._delivery(r) for r in rows]

    def deliveries(self, municipality: str | None = None) -> list[dict[str, Any]]:
        where, args = ("WHERE municipality=?", (municipality,)) if municipality else ("", ())
        rows = self._run(f"SELECT {','.join(DELIVERY_COLUMNS)} FROM deliveries {where} ORDER BY at", args)
        return [self._delivery(r) for r in rows]

    # -- events and suspensions ------------------------------------------------------------
    def event(self, at: float, kind: str, municipality: str | None, kiosk_id: str | None = None,
              session_id: str | None = None, request_id: str | None = None, code: str | None = None) -> None:
        self._run("INSERT INTO events VALUES (?,?,?,?,?,?,?)",
                  (at, kind, municipality, kiosk_id, session_id, request_id, code))

    def events(self, municipality: str | None = None) -> list[dict[str, Any]]:
        where, args = ("WHERE municipality=?", (municipality,)) if municipality else ("", ())
        rows = self._run(f"SELECT {','.join(EVENT_COLUMNS)} FROM events {where} ORDER BY rowid", args)
        return [dict(zip(EVENT_COLUMNS, r, strict=True)) for r in rows]

    def suspend(self, municipality: str, at: float, code: str) -> bool:
        """True if this call suspended it (it was not already)."""
        with self._lock:
            return self._db.execute("INSERT OR IGNORE INTO suspensions VALUES (?,?,?)",
                                    (municipality, at, code)).rowcount == 1

    def reinstate(self, municipality: str) -> None:
        self._run("DELETE FROM suspensions WHERE municipality=?", (municipality,))

    def suspended(self) -> dict[str, str]:
        return {m: c for m, c in self._run("SELECT municipality, code FROM suspensions")}

    def close(self) -> None:
        with self._lock:
            self._db.close()
