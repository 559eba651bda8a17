"""The intent journal: what a session had started doing, so a crash can be settled.

One JSON line per step, appended and fsynced before the step is acted on, holding opaque
ids and amounts only: it is on disk and outlives the session, so nothing personal may go
in (the records are listed in ``docs/session-engine.md``). At start and after a worker
death the journal names every session that was opened and never closed; recovery settles
each one and then closes it. The journal never holds a name, an address, a PIN or a
document.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk import jsonl
from kiosk.session.faults import StateUnwritable


class Rec(StrEnum):
    OPENED = "opened"
    PAYMENT_BEGUN = "payment_begun"  # txn, amount due: coins may be in escrow from now on
    PAID = "paid"  # the full amount is held in escrow (txn, amount)
    #: request, relay, copies, amount: written before the relay is asked, so recovery can
    #: report the outcome of a request whose answer never arrived
    REQUEST_SENT = "request_sent"
    DOC_RECEIVED = "doc_received"  # request, relay (the relay's session id)
    #: request, job (its opaque title): written before the job is submitted; from here
    #: until ``print_purged`` the job is an obligation and the terminal serves no one new
    #: without it being swept
    PRINT_SUBMITTED = "print_submitted"
    COPY_PRINTED = "copy_printed"  # job, copies: how many copies have come out so far
    #: job, code (printed | not_printed | unknown): CUPS confirmed the job gone and nothing
    #: of it left in the spool; the obligation is closed
    PRINT_PURGED = "print_purged"
    PRINTED = "printed"  # copies: every copy came out
    CHARGED = "charged"  # txn, amount, change
    REFUNDED = "refunded"  # txn, amount, voucher
    #: The outbox: an outcome the relay must hear exactly once (request, relay, code = the
    #: result, copies, amount), written before the first attempt; then SENT once the relay
    #: acknowledged it, RETRY (attempt) after a failed attempt, REJECTED (code) when the
    #: relay answered with a refusal that no retry can change.
    OUTCOME_DUE = "outcome_due"
    OUTCOME_SENT = "outcome_sent"
    OUTCOME_RETRY = "outcome_retry"
    OUTCOME_REJECTED = "outcome_rejected"
    ALARM = "alarm"  # code: the terminal goes out of service until cleared
    ALARM_CLEARED = "alarm_cleared"
    CLOSED = "closed"  # code: how it ended


_FIELDS = {"txn", "amount", "change", "request", "relay", "job", "voucher", "code", "copies",
           "attempt"}
#: Seconds before the n-th retry of an outcome (doubling from the first, capped).
RETRY_FIRST_S = 5.0
RETRY_MAX_S = 900.0
#: A journal larger than this is compacted between sessions (:meth:`Journal.compact`):
#: thousands of sessions, and every hand-over reads the whole file.
COMPACT_AT_BYTES = 1 << 20
_SAFE = re.compile(r"^[A-Za-z0-9_.:\-]{0,80}$")


class JournalError(ValueError):
    """A record would carry a field or value the journal must not hold."""


@dataclass
class DueOutcome:
    """An outcome in the outbox: not yet acknowledged by the relay."""

    request: str
    relay: str | None
    result: str
    copies: int
    amount: int
    attempts: int = 0
    last_attempt: float = 0.0  # epoch seconds of the last failed attempt

    def due_at(self) -> float:
        """When the next attempt may be made: at once, then with a doubling backoff."""
        if self.attempts == 0:
            return 0.0
        backoff: float = min(RETRY_FIRST_S * 2.0 ** (self.attempts - 1), RETRY_MAX_S)
        return self.last_attempt + backoff


def outbox_of(records: list[dict[str, Any]]) -> list[DueOutcome]:
    """The outcomes still owed to the relay, oldest first, from the journal's records."""
    due: dict[str, DueOutcome] = {}
    for r in records:
        rec, request = r.get("rec"), r.get("request")
        if not isinstance(request, str):
            continue
        if rec == Rec.OUTCOME_DUE and request not in due:
            due[request] = DueOutcome(request, r.get("relay"), str(r.get("code", "failed")),
                                      _count(r, "copies"), _count(r, "amount"))
        elif rec in (Rec.OUTCOME_SENT, Rec.OUTCOME_REJECTED):
            due.pop(request, None)
        elif rec == Rec.OUTCOME_RETRY and request in due:
            due[request].attempts = max(due[request].attempts, _count(r, "attempt"))
            t = r.get("t")
            due[request].last_attempt = float(t) if isinstance(t, int | float) else 0.0
    return list(due.values())


@dataclass
class OpenSession:
    """What recovery needs to know about one session that never closed."""

    session: str
    txn: str | None = None
    due: int = 0
    paid: int = 0
    requests: list[str] = field(default_factory=list)
    reported: set[str] = field(default_factory=set)  # requests with an outcome owed or sent
    relay_session: str | None = None
    jobs: list[str] = field(default_factory=list)
    fates: dict[str, str] = field(default_factory=dict)  # job → fate, as journaled
    copies: int = 0  # copies requested
    amount: int = 0  # their total fee
    copies_printed: int = 0
    printed: bool = False  # every copy came out
    charged: bool = False
    refunded: bool = False

    @property
    def fee(self) -> int:
        """Yen per copy of the request (0 when it was never sent)."""
        return self.amount // self.copies if self.copies > 0 else 0


def _count(record: dict[str, Any], key: str) -> int:
    value = record.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, session: str, rec: Rec, **fields: Any) -> None:
        record: dict[str, Any] = {"t": round(time.time(), 3), "session": session, "rec": rec.value}
        for key, value in fields.items():
            if key not in _FIELDS:
                raise JournalError(f"field {key!r} is not allowed in the journal")
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise JournalError(f"field {key!r} must be an id or an amount")
            if isinstance(value, str) and not _SAFE.match(value):
                raise JournalError(f"field {key!r} is not an opaque id")
            record[key] = value
        if not _SAFE.match(session):
            raise JournalError("session must be an opaque id")
        try:
            jsonl.append(self.path, record)  # seals a torn last line before writing
        except OSError as exc:
            # A full disk, a read-only file system: the step this record announces must
            # not happen. The session ends through the wipe; the host, which cannot write
            # either, keeps the terminal out of service.
            raise StateUnwritable() from exc

    def records(self) -> list[dict[str, Any]]:
        """Every record that parses as an object; a torn or foreign line is skipped (it was
        never fsynced whole, so nothing was acted on because of it)."""
        return jsonl.read(self.path)

    def open_sessions(self) -> list[OpenSession]:
        sessions: dict[str, OpenSession] = {}
        for r in self.records():
            sid, rec = r.get("session"), r.get("rec")
            if not isinstance(sid, str):
                continue  # not a record this journal wrote
            if rec == Rec.OPENED:
                sessions[sid] = OpenSession(sid)
                continue
            s = sessions.get(sid)
            if s is None:
                continue
            if rec == Rec.CLOSED:
                del sessions[sid]
            elif rec == Rec.PAYMENT_BEGUN:
                s.txn, s.due = r.get("txn"), _count(r, "amount")
            elif rec == Rec.PAID:
                s.txn, s.paid = r.get("txn"), _count(r, "amount")
            elif rec in (Rec.REQUEST_SENT, Rec.DOC_RECEIVED) and isinstance(r.get("request"), str):
                if r["request"] not in s.requests:
                    s.requests.append(r["request"])
                s.relay_session = r.get("relay") or s.relay_session
                if rec == Rec.REQUEST_SENT:
                    s.copies, s.amount = _count(r, "copies"), _count(r, "amount")
            elif rec == Rec.OUTCOME_DUE and isinstance(r.get("request"), str):
                s.reported.add(r["request"])
            elif rec == Rec.PRINT_SUBMITTED and r.get("job"):
                s.jobs.append(r["job"])
            elif rec == Rec.COPY_PRINTED:
                s.copies_printed = max(s.copies_printed, _count(r, "copies"))
                if isinstance(r.get("job"), str):
                    s.fates[r["job"]] = "printed"
            elif rec == Rec.PRINT_PURGED and isinstance(r.get("job"), str):
                s.fates.setdefault(r["job"], str(r.get("code", "unknown")))
            elif rec == Rec.PRINTED:
                s.printed = True
                s.copies_printed = max(s.copies_printed, _count(r, "copies"), s.copies)
            elif rec == Rec.CHARGED:
                s.charged = True
            elif rec == Rec.REFUNDED:
                s.refunded = True
        return list(sessions.values())

    def writable(self) -> bool:
        """Whether a record can be written and fsynced now (a probe file beside the
        journal, written and removed): checked before every session is offered."""
        probe = self.path.with_name(".write-probe")
        try:
            jsonl.append(probe, {"probe": True})
            probe.unlink()
        except OSError:
            return False
        return True

    def outbox(self) -> list[DueOutcome]:
        return outbox_of(self.records())
    def print_obligations(self) -> dict[str, str]:
        """Every job submitted and not yet confirmed purged (job → session), whether its
        session closed or not: a job left in the spool could print later, so the terminal
        serves no one new until the sweep has purged it."""
        return self._owed(self.records())

    @staticmethod
    def _owed(records: list[dict[str, Any]]) -> dict[str, str]:
        owed: dict[str, str] = {}
        for r in records:
            job, sid = r.get("job"), r.get("session")
            if not isinstance(job, str) or not isinstance(sid, str):
                continue
            if r.get("rec") == Rec.PRINT_SUBMITTED:
                owed[job] = sid
            elif r.get("rec") == Rec.PRINT_PURGED:
                owed.pop(job, None)
        return owed

    def compact(self, at_bytes: int = COMPACT_AT_BYTES) -> int:
        """Drop what no longer decides anything once the file is larger than ``at_bytes``;
        returns how many records went. Kept: every record of a session still open, of an
        outcome still owed, of a print job still owed its purge, and the alarm not cleared,
        so :meth:`open_sessions`, :meth:`outbox`, :meth:`print_obligations` and
        :meth:`alarm_raised` answer exactly as before. Money is accounted in the ledger
        and outcomes at the relay: what goes here was settled and reported."""
        try:
            if self.path.stat().st_size <= at_bytes:
                return 0
        except FileNotFoundError:
            return 0

        def needed(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
            alarm = _alarm_record(records)
            last: dict[Any, Any] = {}  # session → its last opened/closed record
            for r in records:
                if r.get("rec") in (Rec.OPENED, Rec.CLOSED):
                    last[r.get("session")] = r.get("rec")
            closed = {sid for sid, rec in last.items() if rec == Rec.CLOSED}
            kept = [r for r in records if r.get("rec") not in _ALARMS and r.get("session") not in closed]
            requests = {d.request for d in outbox_of(records)}
            jobs = set(self._owed(records))
            while True:  # whatever shares a request or a job with a kept record is kept too
                requests |= {r["request"] for r in kept if isinstance(r.get("request"), str)}
                jobs |= {r["job"] for r in kept if isinstance(r.get("job"), str)}
                more = [r for r in records if r.get("rec") not in _ALARMS
                        and (r.get("session") not in closed or r.get("request") in requests
                             or r.get("job") in jobs)]
                if len(more) == len(kept):
                    ids = {id(r) for r in more} | {id(alarm)}
                    return [r for r in records if id(r) in ids]
                kept = more

        try:
            return jsonl.rewrite(self.path, needed)
        except OSError:
            return 0  # a full disk: the file stays as it is, whole; the write probe will say so

    def alarm_raised(self) -> str | None:
        """The code of an alarm not yet cleared (the terminal stays out of service)."""
        alarm = _alarm_record(self.records())
        return None if alarm is None else str(alarm.get("code", "alarm"))


_ALARMS = (Rec.ALARM, Rec.ALARM_CLEARED)


def _alarm_record(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The last alarm record if no clearing came after it."""
    alarm = None
    for r in records:
        if r.get("rec") == Rec.ALARM:
            alarm = r
        elif r.get("rec") == Rec.ALARM_CLEARED:
            alarm = None
    return alarm
