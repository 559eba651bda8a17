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

The relay's store writes the register in its own transactions (:mod:`relay.store.protocol`):
a request's serials with the request itself, their fate with its outcome, so a serial is
here exactly when its request was stored, and no write costs a round trip of its own. A
serial unknown here was never issued by this relay and is judged by its signature alone.
The register also says whose document a serial is (``resident_id``), so that the
municipality's history can show who verified it.

Small interface (:class:`IssuedRegister`: read and void); :class:`StoredIssuedRegister`
keeps it in the relay's database (``--db``: the SQLite file, or the PostgreSQL database
every centre node shares), over a connection of its own (:mod:`relay.store.db`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from relay.store.db import open_database
from relay.store.protocol import ISSUED_COLUMNS

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
    def void(self, serial: str, reason: str, at: float) -> IssuedDocument: ...
    def get(self, serial: str) -> IssuedDocument | None: ...
    def close(self) -> None: ...


COLUMNS = ", ".join(ISSUED_COLUMNS)


class StoredIssuedRegister:
    """The register in the relay's database: ``db`` is a SQLite file or a PostgreSQL URL."""

    def __init__(self, db: Path | str) -> None:
        self._db = open_database(db, "relay-issued")

    def close(self) -> None:
        self._db.close()

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
