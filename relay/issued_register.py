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

Small interface (:class:`IssuedRegister`); :class:`StoredIssuedRegister` keeps it in the
relay's database (``--db``: the SQLite file, or the PostgreSQL database every centre node
shares), over a connection of its own (:mod:`relay.store.db`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from relay.store.db import open_database

VALID_STATES = ("issued", "printed")
STATES = (*VALID_STATES, "not_printed", "cancelled", "voided")
MAX_COPY = 2**31 - 1  # above any copy number: "every copy"
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


COLUMNS = "serial, request_id, kiosk_id, resident_id, copy, state, reason, changed"


class StoredIssuedRegister:
    """The register in the relay's database: ``db`` is a SQLite file or a PostgreSQL URL."""

    def __init__(self, db: Path | str) -> None:
        self._db = open_database(db, "relay-issued")

    def close(self) -> None:
        self._db.close()

    def record_issued(self, request_id: str, kiosk_id: str, resident_id: str, serials: list[str], at: float) -> None:
        """One statement for all the copies (a serial already recorded is kept as it is)."""
        if not serials:
            return
        self._db.write(
            f"INSERT INTO issued_documents ({COLUMNS}) VALUES "
            + ",".join(["(?,?,?,?,?,'issued',NULL,?)"] * len(serials)) + " ON CONFLICT (serial) DO NOTHING",
            [v for n, serial in enumerate(serials, 1) for v in (serial, request_id, kiosk_id, resident_id, n, at)])

    def record_outcome(self, request_id: str, outcome: str, copies: int, at: float) -> None:
        """``printed``: every copy; ``failed``: copies 1..``copies`` printed, the rest not;
        ``cancelled``: none. A voided document stays voided. One statement."""
        if outcome == "cancelled":
            printed, rest = 0, "cancelled"
        elif outcome == "printed":
            printed, rest = MAX_COPY, "printed"
        else:
            printed, rest = int(copies), "not_printed"
        self._db.write("UPDATE issued_documents SET state = CASE WHEN copy <= ? THEN 'printed'"
                       " ELSE CAST(? AS TEXT) END, changed = ? WHERE request_id = ? AND state = 'issued'",
                       (printed, rest, at, request_id))

    def void(self, serial: str, reason: str, at: float) -> IssuedDocument:
        if reason not in VOID_REASONS:
            raise ValueError(f"a reason is one of {', '.join(VOID_REASONS)}")
        rows = self._db.write(f"UPDATE issued_documents SET state = 'voided', reason = ?, changed = ?"
                              f" WHERE serial = ? RETURNING {COLUMNS}", (reason, at, serial)).rows
        if not rows:
            raise ValueError(f"no document {serial} was issued here")
        return IssuedDocument(*rows[0])

    def get(self, serial: str) -> IssuedDocument | None:
        rows = self._db.read(f"SELECT {COLUMNS} FROM issued_documents WHERE serial = ?", (serial,))
        return IssuedDocument(*rows[0]) if rows else None
