"""What the centre keeps: sessions, the delivery log, refusals, alerts and suspensions, and
the technician events and log exports kiosks send it.

No resident data: a session holds the kiosk, the challenge, the card's certificate serial
and hash and the municipality it routes to; the delivery log holds, per request, the
municipality, type, copies, fee, the documents' serial numbers and hashes, the answer's
message id and the kiosk's outcome — never a document body.

The tables are the ``centre_*`` ones of the relay's versioned migrations
(``relay/store/sql/*/000N_centre.sql``) plus the relay's technician-event and log-export
tables, in the database ``db`` names (:func:`relay.store.db.open_database`): a SQLite file
for the centre processes of one host (``--workers``), or a PostgreSQL URL that several centre
nodes share, so that any
node answers any call of a session another node opened, a suspension made on one node
stops routing on all of them, and the delivery log is one.

Writes go through one writer thread with group commit (:mod:`relay.store.group_commit`):
the writes of every session in flight share one transaction and one flush, each caller
resumes once its write is committed, and the event loop never waits on the disk. Reads
use a second connection, which in WAL mode never waits behind a commit. On SQLite the
file is ``synchronous=FULL``: the delivery log feeds reconcile, and a delivery the kiosk
was answered for must survive a power cut (docs/federation.md, "Durability").
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relay.store.db import is_postgres, open_database
from relay.store.group_commit import GroupCommit
from relay.store.identity import CENTRE, claim
from relay.store.protocol import TECHNICIAN_COLUMNS, StoreError, Tx, log_rows, technician_rows

DELIVERY_COLUMNS = ("request_id", "session_id", "kiosk_id", "municipality", "fingerprint", "cert_type", "copies",
                    "fee", "serials", "document_sha256", "message_id", "at", "outcome", "outcome_copies",
                    "outcome_amount", "outcome_forwarded")
EVENT_COLUMNS = ("at", "kind", "municipality", "kiosk_id", "session_id", "request_id", "code")
_EVENT_INSERT = f"INSERT INTO centre_events ({','.join(EVENT_COLUMNS)}) VALUES (?,?,?,?,?,?,?)"
SESSION_COLUMNS = ("session_id", "kiosk_id", "challenge", "state", "expires", "municipality", "honseki",
                   "cert_serial", "cert_sha256")


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
    def __init__(self, db: Path | str, read_only: bool = False) -> None:
        """``db``: a SQLite file or a ``postgresql://`` URL (its schema brought up to date by
        ``relay db upgrade`` first). ``read_only``: a SQLite file is opened read-only and
        never upgraded (the commands that only read it: events, audit, reconcile). Opened to
        write, it is recorded as the centre's the first time (:func:`relay.store.identity.claim`:
        audit and reconcile then tell it from a file no centre ever opened) and refused if it
        is a municipality's."""
        if str(db) == ":memory:":
            raise ValueError("the centre store needs a file: its writer and its reads are two connections")
        # written by the writer thread only
        self._db = open_database(db, "relay-centre", durable=True, read_only=read_only)
        # reads never wait behind the writer's commit: SQLite's database object reads on a
        # connection of its own (WAL), PostgreSQL's from a pool of their own
        self._reads = open_database(db, "relay-centre-reads") if is_postgres(db) else self._db
        if not read_only:
            try:
                claim(self._db, CENTRE, None, time.time(), db)
            except BaseException:
                self._close_databases()
                raise
        # a read-only store has no writer thread: every write is refused before it is tried
        self._writer: GroupCommit[Tx] | None = None if read_only else GroupCommit(self._db.tx, "centre-store")
        self.storage = "postgresql" if is_postgres(db) else "sqlite"  # announced in /v1/version

    @property
    def _writes(self) -> GroupCommit[Tx]:
        if self._writer is None:
            raise StoreError("this centre database was opened read-only")
        return self._writer

    async def _write(self, sql: str, args: tuple[Any, ...]) -> int:
        """One statement, committed (with others waiting) before this returns; its rowcount."""
        return await self._writes.write(lambda tx: tx.execute(sql, args).rowcount)

    def _write_now(self, sql: str, args: tuple[Any, ...]) -> int:
        """The same, blocking the caller: for the rare writes (suspensions, technician
        uploads, a kiosk's alert), not the ones every session makes."""
        return self._writes.write_now(lambda tx: tx.execute(sql, args).rowcount)

    # -- sessions --------------------------------------------------------------------------
    async def create_session(self, sid: str, kiosk_id: str, challenge: str, expires: float) -> None:
        await self._write("INSERT INTO centre_sessions (session_id, kiosk_id, challenge, state, expires)"
                       " VALUES (?,?,?,'open',?)", (sid, kiosk_id, challenge, expires))

    def session(self, sid: str) -> CentreSession | None:
        rows = self._reads.read(f"SELECT {','.join(SESSION_COLUMNS)} FROM centre_sessions WHERE session_id=?", (sid,))
        return CentreSession(*rows[0]) if rows else None

    async def authenticate(self, sid: str, now: float, expires: float, municipality: str, honseki: str | None,
                     cert_serial: str, cert_sha256: str) -> bool:
        """open → authenticated, once: False if another answer to the challenge won (on
        this node or another: the update is conditional on the state it changes)."""
        return await self._write(
            "UPDATE centre_sessions SET state='authenticated', expires=?, municipality=?, honseki=?, cert_serial=?,"
            " cert_sha256=? WHERE session_id=? AND state='open' AND expires>?",
            (expires, municipality, honseki, cert_serial, cert_sha256, sid, now)) == 1

    async def close_session(self, sid: str) -> None:
        await self._write("UPDATE centre_sessions SET state='closed' WHERE session_id=?", (sid,))

    async def purge(self, now: float) -> int:
        return await self._write("DELETE FROM centre_sessions WHERE expires<=?", (now,))

    # -- the delivery log ------------------------------------------------------------------
    def delivery(self, request_id: str) -> dict[str, Any] | None:
        rows = self._reads.read(f"SELECT {','.join(DELIVERY_COLUMNS)} FROM centre_deliveries WHERE request_id=?",
                             (request_id,))
        return self._delivery(rows[0]) if rows else None

    @staticmethod
    def _delivery(row: tuple[Any, ...]) -> dict[str, Any]:
        entry = dict(zip(DELIVERY_COLUMNS, row, strict=True))
        entry["serials"] = json.loads(entry["serials"])
        entry["document_sha256"] = json.loads(entry["document_sha256"])
        return entry

    async def record_delivery(self, entry: dict[str, Any]) -> None:
        """Keep one delivered answer's metadata; a repeat of the same request is ignored."""
        values = {**entry, "serials": json.dumps(entry["serials"]),
                  "document_sha256": json.dumps(entry["document_sha256"]), "outcome": None, "outcome_copies": None,
                  "outcome_amount": None, "outcome_forwarded": 0}
        await self._write(f"INSERT INTO centre_deliveries ({','.join(DELIVERY_COLUMNS)})"
                       f" VALUES ({','.join('?' * len(DELIVERY_COLUMNS))}) ON CONFLICT (request_id) DO NOTHING",
                       tuple(values[c] for c in DELIVERY_COLUMNS))

    async def record_outcome(self, request_id: str, outcome: str, copies: int, amount: int, at: float) -> bool:
        """False when the request already had an outcome (the first one stays). ``at``:
        when, for the sweep (:meth:`unforwarded_outcomes`)."""
        return await self._write(
            "UPDATE centre_deliveries SET outcome=?, outcome_copies=?, outcome_amount=?, outcome_at=?"
            " WHERE request_id=? AND outcome IS NULL", (outcome, copies, amount, at, request_id)) == 1

    async def outcomes_forwarded(self, request_ids: list[str]) -> None:
        await self._writes.write(lambda tx: tx.executemany(
            "UPDATE centre_deliveries SET outcome_forwarded=1 WHERE request_id=?", [(r,) for r in request_ids]))

    def unforwarded_outcomes(self, municipality: str | None = None, limit: int = 100,
                             recorded_before: float | None = None) -> list[dict[str, Any]]:
        """Outcomes recorded here that their municipality (``municipality``'s, or any) has
        not yet acknowledged, oldest first; with ``recorded_before``, only those recorded
        then or earlier (or before the time was kept: migration ``outcome_time``)."""
        # through the index of pending outcomes (municipality, at; migration 'outcomes_pending'):
        # the sweep asks for each municipality in turn, and reads only what is left to send
        always: tuple[str, ...] = ("outcome IS NOT NULL", "outcome_forwarded=0")
        if recorded_before is not None:
            always += ("(outcome_at IS NULL OR outcome_at<=?)",)
        where, args = _where(municipality=municipality, always=always)
        rows = self._reads.read(f"SELECT {','.join(DELIVERY_COLUMNS)} FROM centre_deliveries{where}"
                                " ORDER BY at LIMIT ?",
                                (*args, *(() if recorded_before is None else (recorded_before,)), limit))
        return [self._delivery(r) for r in rows]

    def deliveries(self, municipality: str | None = None) -> list[dict[str, Any]]:
        where, args = _where(municipality=municipality)
        rows = self._reads.read(f"SELECT {','.join(DELIVERY_COLUMNS)} FROM centre_deliveries{where}"
                                " ORDER BY at, request_id", args)
        return [self._delivery(r) for r in rows]

    # -- events and suspensions ------------------------------------------------------------
    async def event(self, at: float, kind: str, municipality: str | None, kiosk_id: str | None = None,
                    session_id: str | None = None, request_id: str | None = None, code: str | None = None) -> None:
        await self._write(_EVENT_INSERT, (at, kind, municipality, kiosk_id, session_id, request_id, code))

    def event_now(self, at: float, kind: str, municipality: str | None, kiosk_id: str | None = None,
                  session_id: str | None = None, request_id: str | None = None, code: str | None = None) -> None:
        """:meth:`event` for a caller that cannot await (a timeout's or a kiosk alert's audit)."""
        self._write_now(_EVENT_INSERT, (at, kind, municipality, kiosk_id, session_id, request_id, code))

    def events(self, municipality: str | None = None, kind: str | None = None,
               since: float | None = None) -> list[dict[str, Any]]:
        """The events, in the order recorded; with ``since``, only those at or after it, chosen
        by the database, so that ``relay audit --since`` holds only the period it prints."""
        where, args = _where(municipality=municipality, kind=kind, always=() if since is None else ("at >= ?",))
        rows = self._reads.read(f"SELECT {','.join(EVENT_COLUMNS)} FROM centre_events{where} ORDER BY id",
                                (*args, *(() if since is None else (since,))))
        return [dict(zip(EVENT_COLUMNS, r, strict=True)) for r in rows]

    def suspend(self, municipality: str, at: float, code: str) -> bool:
        """True if this call suspended it (it was not already)."""
        return self._write_now("INSERT INTO centre_suspensions (municipality, at, code) VALUES (?,?,?)"
                               " ON CONFLICT (municipality) DO NOTHING", (municipality, at, code)) == 1

    def reinstate(self, municipality: str) -> None:
        self._write_now("DELETE FROM centre_suspensions WHERE municipality=?", (municipality,))

    def suspended(self) -> dict[str, str]:
        return {m: c for m, c in self._reads.read("SELECT municipality, code FROM centre_suspensions")}

    # -- technician events and log exports ---------------------------------------------------
    def add_technician_events(self, kiosk_id: str, received: float,
                              records: list[tuple[int, float, str, str, str]]) -> None:
        """``(seq, at, t, event, fields)`` records of one kiosk, all or none; a (kiosk, seq)
        already stored keeps its first record (a repeat after a lost answer)."""
        rows = [(kiosk_id, seq, at, received, t, name, fields) for seq, at, t, name, fields in records]
        self._writes.write_now(lambda tx: tx.executemany(
            "INSERT INTO technician_events (kiosk_id, seq, at, received, t, event, fields)"
            " VALUES (?,?,?,?,?,?,?) ON CONFLICT (kiosk_id, seq) DO NOTHING", rows))

    def technician_events(self, since: float = 0.0) -> list[dict[str, Any]]:
        return technician_rows(self._reads.read(f"SELECT {','.join(TECHNICIAN_COLUMNS)} FROM technician_events"
                                             " WHERE at >= ? ORDER BY at, kiosk_id, seq", (since,)))

    def add_log_events(self, kiosk_id: str, export_id: str, first: int, received: float, events: list[str]) -> None:
        """Events ``first``, ``first + 1`` … of one export, all or none; a part sent again is kept once."""
        rows = [(kiosk_id, export_id, first + i, received, e) for i, e in enumerate(events)]
        self._writes.write_now(lambda tx: tx.executemany(
            "INSERT INTO log_exports (kiosk_id, export_id, n, received, event) VALUES (?,?,?,?,?)"
            " ON CONFLICT (kiosk_id, export_id, n) DO NOTHING", rows))

    def log_exports(self, kiosk_id: str | None = None) -> list[dict[str, Any]]:
        where, args = _where(kiosk_id=kiosk_id)
        return log_rows(self._reads.read(
            f"SELECT kiosk_id, export_id, n, received, event FROM log_exports{where}"
            " ORDER BY kiosk_id, received, export_id, n", args))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._close_databases()

    def _close_databases(self) -> None:
        self._db.close()
        if self._reads is not self._db:
            self._reads.close()

    def has_deliveries(self) -> bool:
        """Whether any delivery, of any municipality, was ever recorded (reconcile tells a
        centre that delivered nothing from one that delivered nothing of one municipality)."""
        return bool(self._reads.read("SELECT 1 FROM centre_deliveries LIMIT 1"))


def _where(always: tuple[str, ...] = (), **equal: str | None) -> tuple[str, tuple[str, ...]]:
    """`` WHERE a=? AND b=?`` for the columns given a value (None: any), then the caller's
    own conditions ``always``, whose arguments the caller puts after the ones returned; so
    that a filter can use the column's index where it has one (``? IS NULL OR a=?`` is
    planned for both cases at once: a scan; the deliveries of one municipality are read by
    ``relay reconcile``)."""
    given = {column: value for column, value in equal.items() if value is not None}
    terms = [f"{column}=?" for column in given] + list(always)
    return (" WHERE " + " AND ".join(terms) if terms else ""), tuple(given.values())
