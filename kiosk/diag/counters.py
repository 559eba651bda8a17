"""Counters since the last service visit, and the last error codes.

Derived, not counted: the session journal already holds every session's opening, print
and ending code (opaque ids and codes only), and the audit trail every self-test fault, so
the counters cannot drift from what happened and need no write on the customer's path.
"Since service" starts at the mark a technician sets with the *mark serviced* action.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from protocol import refusals

#: Ending codes of sessions that went as a customer decided (not faults).
NORMAL_ENDINGS: frozenset[str] = frozenset(
    {"printed", "cancelled", "timeout", "card_removed", "done", "stopped", "wrong_pin",
     "pin_locked", "already_issued"}
) | refusals.ALL
LAST_ERRORS = 10


@dataclass(frozen=True)
class LastError:
    when: str  # ISO time, seconds
    source: str  # "session", "alarm" or "selftest"
    code: str


class LastErrorRecord(TypedDict):
    when: str
    source: str
    code: str


class CountersRecord(TypedDict):
    """:class:`Counters` as JSON (the technician's screen and ``kiosk diag``)."""

    since: str | None
    sessions: int
    prints: int
    faults: dict[str, int]
    last_errors: list[LastErrorRecord]


@dataclass
class Counters:
    since: str | None = None  # ISO time of the service mark, None: since installation
    sessions: int = 0
    prints: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    last_errors: list[LastError] = field(default_factory=list)

    def as_dict(self) -> CountersRecord:
        return {"since": self.since, "sessions": self.sessions, "prints": self.prints,
                "faults": dict(sorted(self.faults.items())),
                "last_errors": [{"when": e.when, "source": e.source, "code": e.code}
                                for e in self.last_errors]}


def _iso_from_epoch(t: float) -> str:
    try:
        return dt.datetime.fromtimestamp(float(t), dt.UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError):
        return ""


def _epoch(iso: str) -> float:
    try:
        return dt.datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0


def compute(journal: Iterable[dict[str, Any]], audit: Iterable[dict[str, Any]],
            since: dt.datetime | None) -> Counters:
    """Counters from journal records (epoch ``t``) and audit records (ISO ``t``)."""
    start = since.timestamp() if since else float("-inf")
    out = Counters(since=since.isoformat(timespec="seconds") if since else None)
    faults: Counter[str] = Counter()
    errors: list[tuple[float, LastError]] = []
    for rec in journal:
        t = float(rec.get("t", 0) or 0)
        if t < start:
            continue
        kind, code = rec.get("rec"), str(rec.get("code", "") or "")
        if kind == "opened":
            out.sessions += 1
        elif kind == "printed":
            out.prints += 1
        elif kind == "alarm" and code:  # counted once, by the session's ending code
            errors.append((t, LastError(_iso_from_epoch(t), "alarm", code)))
        elif kind == "closed" and code and code not in NORMAL_ENDINGS:
            faults[code] += 1
            errors.append((t, LastError(_iso_from_epoch(t), "session", code)))
    for rec in audit:
        if rec.get("event") != "diag.selftest.fault" or rec.get("step") == "journal":
            continue  # a journal fault is the session's, already counted above
        t = _epoch(str(rec.get("t", "")))
        code = str(rec.get("code", "") or "unknown")
        if t < start:
            continue
        faults[code] += 1
        errors.append((t, LastError(str(rec.get("t")), "selftest", code)))
    out.faults = dict(faults)
    errors.sort(key=lambda pair: pair[0], reverse=True)
    out.last_errors = [e for _, e in errors[:LAST_ERRORS]]
    return out
