"""What the relay core needs from its storage, whichever database holds it.

Two stores implement :class:`Store`: :class:`relay.store.sqlite.SqliteStore` (one file, one
host, the embedded default) and :class:`relay.store.postgres.PostgresStore` (several
centre nodes on one database). Each method is one short transaction that waits on nothing
outside the database, so a node holds nothing between calls and any node can answer any
call. The shared store test suite (``tests/relay/test_store.py``) holds both to the same
behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import astuple, dataclass, fields, replace
from typing import Any, Protocol

from protocol.wire import OUTCOMES

AUDIT_COLUMNS = ("at", "kiosk_id", "event", "code", "session_id", "resident_id", "cert_serial",
                 "cert_type", "copies", "amount", "request_id")
TECHNICIAN_COLUMNS = ("kiosk_id", "seq", "at", "received", "t", "event", "fields")
ISSUED_COLUMNS = ("serial", "request_id", "kiosk_id", "resident_id", "copy", "state", "reason", "changed")
MAX_COPY = 2**31 - 1  # above any copy number: "every copy"


class StoreError(Exception):
    """The storage could not do what was asked; nothing of the call was kept."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or went away during the call (a restart, a cut
    connection, a failover). The call may be repeated, on this node or another: every call
    that writes is one transaction, so it either happened whole or not at all."""


class SchemaOutdated(StoreError):
    """The database's schema is older than this relay's (``relay db upgrade``)."""


class Conflict(StoreError):
    """A uniqueness or reference rule refused the write (a key already there); nothing of
    the transaction was kept."""


# -- one connection to either database (relay.store.db) ----------------------------------
class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True)
class Written:
    rowcount: int
    rows: list[Any]  # what RETURNING gave


class Tx(Protocol):
    """The statements of one open transaction."""

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...


class Database(Protocol):
    def tx(self, serialize: str | None = None) -> AbstractContextManager[Tx]:
        """One transaction, committed when the block ends, rolled back on an exception.
        ``serialize``: a name; transactions of the same name run one at a time."""
        ...

    def read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]: ...

    def write(self, sql: str, args: Sequence[Any] = ()) -> Written:
        """One statement in a transaction of its own (on PostgreSQL, one round trip)."""
        ...

    def close(self) -> None: ...


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
    #: The serial numbers ``serial_first`` … ``serial_first + copies - 1`` of the series
    #: (``municipality``, ``serial_year``), kept after the documents are deleted.
    municipality: str | None = None
    serial_year: int | None = None
    serial_first: int | None = None


#: The columns of ``sessions`` and ``requests``, in the order of the rows' fields: a row
#: read with them is ``SessionRow(*values)`` / ``RequestRow(*values)`` on both databases.
SESSION_COLUMNS = tuple(f.name for f in fields(SessionRow))
REQUEST_COLUMNS = tuple(f.name for f in fields(RequestRow))


def session_values(row: SessionRow) -> tuple[Any, ...]:
    return astuple(row)


@dataclass(frozen=True)
class Series:
    """One gap-free run of serial numbers: a municipality's certificates of one year."""

    municipality: str
    year: int


def issued_request(row: RequestRow, series: Series, first: int) -> RequestRow:
    """The row as the issuing transaction stores it: no outcome yet, numbered from
    ``first`` in ``series``. Its values in :data:`REQUEST_COLUMNS` order are ``astuple``."""
    return replace(row, outcome=None, outcome_copies=None, outcome_amount=None, municipality=series.municipality,
                   serial_year=series.year, serial_first=first)


def request_values(row: RequestRow) -> tuple[Any, ...]:
    return astuple(row)


#: Builds the request row, its audit entry and the serial of each copy (in printing order,
#: for the issued register) from the numbers just taken; called inside the issuing
#: transaction. An exception from it takes back the numbers.
MakeRequest = Callable[[list[int]], tuple[RequestRow, dict[str, Any], list[str]]]


@dataclass(frozen=True)
class Recorded:
    """What :meth:`Store.record_outcome` found and did."""

    before: RequestRow | None  # the request as it was (None: unknown)
    recorded: bool  # this call recorded the outcome


def outcome_fits(row: RequestRow, kiosk_id: str, session_id: str, outcome: str, copies: int, amount: int) -> bool:
    """Whether ``outcome`` (``copies`` printed, ``amount`` paid) may be recorded for ``row``
    by that kiosk in that session: the request's own kiosk and session, no outcome yet, a
    known outcome, nothing printed nor paid when cancelled, every copy when printed, at
    most the copies issued, and the fee of each copy printed. The PostgreSQL store says the
    same in SQL (the shared store tests hold the two to the same cases); the relay core
    checks it again, one rule at a time, to answer which rule was broken."""
    return (row.kiosk_id == kiosk_id and row.session_id == session_id and row.outcome is None
            and outcome in OUTCOMES and (outcome != "cancelled" or (copies, amount) == (0, 0))
            and (outcome != "printed" or copies == row.copies) and 0 <= copies <= row.copies
            and amount == row.fee * copies)


def copy_states(outcome: str, copies: int) -> tuple[int, str]:
    """What an outcome makes of each issued copy (``issued_documents``): copies up to the
    first value were printed, the rest take the second state. ``printed``: every copy;
    ``failed`` (and ``unknown``): copies 1..``copies`` printed, the rest not; ``cancelled``:
    none. A voided copy stays voided."""
    if outcome == "cancelled":
        return 0, "cancelled"
    if outcome == "printed":
        return MAX_COPY, "printed"
    return int(copies), "not_printed"


class Store(Protocol):
    #: ``sqlite`` or ``postgresql``: what the relay announces (``wire.TOPOLOGY_STORAGE``).
    topology_storage: str

    def create_session(self, row: SessionRow) -> None: ...
    def session(self, session_id: str) -> SessionRow | None: ...

    def authenticate_session(self, session_id: str, kiosk_id: str, now: float, expires: float, resident_id: str,
                             cert_serial: str, cert_sha256: str, audit: dict[str, Any]) -> bool:
        """Move an open, unexpired session to authenticated and audit it; False if it is not
        (a replay, or a race lost to another answer to the same challenge)."""

    def close_session(self, session_id: str) -> None: ...
    def request(self, request_id: str) -> RequestRow | None: ...

    def session_request(self, session_id: str, request_id: str) -> tuple[SessionRow | None, RequestRow | None]:
        """:meth:`session` and :meth:`request` at once (one round trip on PostgreSQL)."""

    def issue(self, request_id: str, session_id: str, now: float, series: Series, count: int,
              make: MakeRequest) -> RequestRow | None:
        """Issue one request in one transaction: take the next ``count`` numbers of
        ``series``, build the row with ``make`` and store it with its audit entry and its
        serials in the issued register (``issued_documents``, state ``issued``, the
        session's resident). If
        ``request_id`` is already stored (a retry, or a twin on another node), return that
        row and take no number. None, and nothing taken, if the session is no longer
        authenticated and live at ``now``. Numbers are taken under a lock on the series,
        so they are unique and without gaps across every node sharing the database."""

    def record_outcome(self, request_id: str, kiosk_id: str, session_id: str, outcome: str, copies: int,
                       amount: int, audit: dict[str, Any]) -> Recorded:
        """If it fits the request (:func:`outcome_fits`): record the outcome, delete the
        documents, set the state of its copies in the issued register (:func:`copy_states`,
        at ``audit["at"]``) and audit it (the entry takes the request's certificate type and
        the session's resident and card serial). Returns the row as it was before (None if
        unknown) and whether this call recorded it: an outcome already recorded is not
        changed nor audited again."""

    def purge_expired(self, now: float) -> int:
        """Delete the documents of expired sessions and close them; returns how many
        sessions expired (each audited once, whichever node purged it)."""

    def scrub(self) -> None: ...
    def stored_documents(self) -> int: ...
    def audit(self, entry: dict[str, Any]) -> None: ...
    def audit_since(self, since: float = 0.0) -> list[dict[str, Any]]: ...

    def issued_serials(self, series: Series) -> tuple[int, list[tuple[int, int]]]:
        """The series' last number given and the (first, count) of every request in it:
        what an audit compares to show the numbers are unique and without gaps."""

    def add_technician_events(self, kiosk_id: str, received: float,
                              records: list[tuple[int, float, str, str, str]]) -> int: ...
    def technician_events_since(self, since: float = 0.0) -> list[dict[str, Any]]: ...
    def add_log_events(self, kiosk_id: str, export_id: str, first: int, received: float,
                       events: list[str]) -> int: ...
    def log_exports(self, kiosk_id: str | None = None, since: float = 0.0) -> list[dict[str, Any]]: ...
    def close(self) -> None: ...


def check_audit(entry: dict[str, Any]) -> tuple[Any, ...]:
    """The audit entry's values in column order; an unknown column is a programming error."""
    if set(entry) - set(AUDIT_COLUMNS):
        raise ValueError("unknown audit columns")
    return tuple(entry.get(c) for c in AUDIT_COLUMNS)


def technician_rows(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        entry = dict(zip(TECHNICIAN_COLUMNS, row, strict=True))
        entry["fields"] = json.loads(entry["fields"])
        out.append(entry)
    return out


def log_rows(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [{"kiosk_id": k, "export_id": x, "n": n, "received": r, "event": json.loads(e)} for k, x, n, r, e in rows]


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
