"""The kiosk register at the centre: which terminals exist, and which may issue now.

Any certificate from the operator CA used to be a kiosk. Now a kiosk is a row here: its
id (the common name of its client certificate), the store it stands in, the SHA-256
fingerprints of its current certificates (two while a renewal overlaps), its state and
its expected load. Only an ``active`` kiosk presenting a registered certificate is
served; suspending or retiring a kiosk (``relay kiosk suspend|retire``) takes effect on
its next request, mid-session included. On SQLite the register is read on every request
(a local file). On PostgreSQL that read would be a round trip on each of a session's calls,
so each node keeps the standing of the certificates it has seen and forgets all of it when
the database notifies a change of the register (a trigger, any writer;
:mod:`relay.store.pg_listen`), or whenever it is not listening: a suspension reaches every
node as fast as the notice does.

``expected_per_hour`` is the sessions a kiosk normally serves in a busy hour: its rate
limit and the alert on unusual volume are derived from it (:mod:`relay.kiosk_watch`).

The interface is small (:class:`KioskRegister`); :class:`StoredKioskRegister` keeps its
two tables in the relay's database (``--db``: the SQLite file, or the PostgreSQL database
every centre node shares), over a connection of its own (:mod:`relay.store.db`).
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from relay.store.db import is_postgres, open_database
from relay.store.protocol import Tx

if TYPE_CHECKING:
    from relay.store.pg_listen import ChangeNotices

STATES = ("active", "suspended", "retired")
KIOSK_ID = re.compile(r"[A-Z0-9][A-Z0-9-]{2,39}")
FINGERPRINT = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Standing:
    """What a request needs to know of the kiosk a certificate is registered to."""

    kiosk_id: str
    state: str
    expected_per_hour: int


@dataclass(frozen=True)
class Kiosk:
    kiosk_id: str
    store: str
    state: str
    expected_per_hour: int
    fingerprints: tuple[str, ...]
    changed: float  # when the state last changed (POSIX seconds)


class KioskRegisterError(ValueError):
    """A register change that cannot be made (unknown kiosk, retired kiosk, bad value)."""


def fingerprint(cert_der: bytes) -> str:
    return hashlib.sha256(cert_der).hexdigest()


class KioskRegister(Protocol):
    def add(self, kiosk_id: str, store: str, fingerprints: list[str], expected_per_hour: int) -> Kiosk: ...
    def add_certificate(self, kiosk_id: str, fp: str) -> Kiosk: ...
    def remove_certificate(self, kiosk_id: str, fp: str) -> Kiosk: ...
    def set_state(self, kiosk_id: str, state: str) -> Kiosk: ...
    def get(self, kiosk_id: str) -> Kiosk | None: ...
    def by_certificate(self, fp: str) -> Kiosk | None: ...
    def standing(self, fp: str) -> Standing | None: ...
    def all(self) -> list[Kiosk]: ...
    def close(self) -> None: ...


_KIOSK = "SELECT kiosk_id, store, state, expected_per_hour, changed FROM kiosks WHERE kiosk_id = ?"
_FINGERPRINTS = "SELECT fingerprint FROM kiosk_certificates WHERE kiosk_id = ? ORDER BY fingerprint"
_LOCK = "kiosk-register"  # register changes run one at a time, on every node
_KEPT = 100_000  # standings remembered per node at most (one per kiosk certificate)


class StoredKioskRegister:
    """The register in the relay's database: ``db`` is a SQLite file or a PostgreSQL URL."""

    def __init__(self, db: Path | str) -> None:
        self._db = open_database(db, "relay-kiosks")
        self._notices: ChangeNotices | None = None
        self._standing: dict[str, tuple[int, Standing | None]] = {}  # fingerprint → (generation, standing)
        if isinstance(db, str) and is_postgres(db):
            from relay.store.pg_listen import ChangeNotices

            self._notices = ChangeNotices(db, "kiosk_register", "relay-kiosks")

    def close(self) -> None:
        if self._notices is not None:
            self._notices.close()
        self._db.close()

    @staticmethod
    def _kiosk(tx: Tx, kiosk_id: str) -> Kiosk | None:
        row = tx.execute(_KIOSK, (kiosk_id,)).fetchone()
        if row is None:
            return None
        fps = tuple(r[0] for r in tx.execute(_FINGERPRINTS, (kiosk_id,)).fetchall())
        return Kiosk(row[0], row[1], row[2], int(row[3]), fps, float(row[4]))

    def _change(self, sql: str, args: tuple[object, ...], kiosk_id: str) -> Kiosk:
        with self._db.tx(_LOCK) as tx:
            current = self._kiosk(tx, kiosk_id)
            if current is None:
                raise KioskRegisterError(f"no kiosk {kiosk_id} in the register")
            if current.state == "retired":
                raise KioskRegisterError(f"{kiosk_id} is retired: register a new kiosk id instead")
            tx.execute(sql, args)
            after = self._kiosk(tx, kiosk_id)
        self._standing.clear()  # this node sees its own change at once, before the notice
        assert after is not None
        return after

    def add(self, kiosk_id: str, store: str, fingerprints: list[str], expected_per_hour: int) -> Kiosk:
        if not KIOSK_ID.fullmatch(kiosk_id):
            raise KioskRegisterError("a kiosk id is 3-40 of A-Z 0-9 and -")
        if not store.strip() or expected_per_hour < 1 or not all(FINGERPRINT.fullmatch(f) for f in fingerprints):
            raise KioskRegisterError("a store, an expected load of at least 1 and SHA-256 fingerprints are needed")
        with self._db.tx(_LOCK) as tx:
            if self._kiosk(tx, kiosk_id) is not None:
                raise KioskRegisterError(f"{kiosk_id} is already in the register")
            tx.execute("INSERT INTO kiosks (kiosk_id, store, state, expected_per_hour, changed) VALUES (?,?,?,?,?)",
                       (kiosk_id, store.strip(), "active", expected_per_hour, time.time()))
            for fp in fingerprints:
                self._insert_certificate(tx, kiosk_id, fp)
            added = self._kiosk(tx, kiosk_id)
        self._standing.clear()
        assert added is not None
        return added

    @staticmethod
    def _insert_certificate(tx: Tx, kiosk_id: str, fp: str) -> None:
        if tx.execute("SELECT 1 FROM kiosk_certificates WHERE fingerprint = ?", (fp,)).fetchone():
            raise KioskRegisterError("this certificate is already registered")
        tx.execute("INSERT INTO kiosk_certificates (fingerprint, kiosk_id) VALUES (?,?)", (fp, kiosk_id))

    def add_certificate(self, kiosk_id: str, fp: str) -> Kiosk:
        """A renewed certificate: both are accepted until the old one is removed or expires."""
        if not FINGERPRINT.fullmatch(fp):
            raise KioskRegisterError("a SHA-256 fingerprint is 64 lower-case hex digits")
        with self._db.tx(_LOCK) as tx:
            current = self._kiosk(tx, kiosk_id)
            if current is None or current.state == "retired":
                raise KioskRegisterError(f"{kiosk_id} is not a kiosk that can get a certificate")
            self._insert_certificate(tx, kiosk_id, fp)
            after = self._kiosk(tx, kiosk_id)
        self._standing.clear()
        assert after is not None
        return after

    def remove_certificate(self, kiosk_id: str, fp: str) -> Kiosk:
        return self._change("DELETE FROM kiosk_certificates WHERE kiosk_id = ? AND fingerprint = ?",
                            (kiosk_id, fp), kiosk_id)

    def set_state(self, kiosk_id: str, state: str) -> Kiosk:
        if state not in STATES:
            raise KioskRegisterError(f"a state is one of {', '.join(STATES)}")
        return self._change("UPDATE kiosks SET state = ?, changed = ? WHERE kiosk_id = ?",
                            (state, time.time(), kiosk_id), kiosk_id)

    def get(self, kiosk_id: str) -> Kiosk | None:
        with self._db.tx() as tx:
            return self._kiosk(tx, kiosk_id)

    def by_certificate(self, fp: str) -> Kiosk | None:
        with self._db.tx() as tx:
            row = tx.execute("SELECT kiosk_id FROM kiosk_certificates WHERE fingerprint = ?", (fp,)).fetchone()
            return self._kiosk(tx, row[0]) if row else None

    def standing(self, fp: str) -> Standing | None:
        """The kiosk this certificate is registered to, as it stands now: read from the
        database, or remembered since the last change notice (PostgreSQL, while listening)."""
        notices = self._notices
        generation = notices.generation if notices is not None else None  # before the read: see pg_listen
        if notices is not None and notices.live:
            kept = self._standing.get(fp)
            if kept is not None and kept[0] == generation:
                return kept[1]
        rows = self._db.read(
            "SELECT k.kiosk_id, k.state, k.expected_per_hour FROM kiosk_certificates c"
            " JOIN kiosks k ON k.kiosk_id = c.kiosk_id WHERE c.fingerprint = ?", (fp,))
        standing = Standing(rows[0][0], rows[0][1], int(rows[0][2])) if rows else None
        if generation is not None:
            if len(self._standing) >= _KEPT:
                self._standing.clear()
            self._standing[fp] = (generation, standing)
        return standing

    def all(self) -> list[Kiosk]:
        with self._db.tx() as tx:
            ids = [r[0] for r in tx.execute("SELECT kiosk_id FROM kiosks ORDER BY kiosk_id").fetchall()]
            return [k for k in (self._kiosk(tx, i) for i in ids) if k is not None]
