"""The kiosk register at the centre: which terminals exist, and which may issue now.

Any certificate from the operator CA used to be a kiosk. Now a kiosk is a row here: its
id (the common name of its client certificate), the store it stands in, the SHA-256
fingerprints of its current certificates (two while a renewal overlaps), its state and
its expected load. Only an ``active`` kiosk presenting a registered certificate is
served; the relay reads the register on every request, so suspending or retiring a kiosk
(``relay kiosk suspend|retire``) takes effect on its next request, mid-session included.

``expected_per_hour`` is the sessions a kiosk normally serves in a busy hour: its rate
limit and the alert on unusual volume are derived from it (:mod:`relay.kiosk_watch`).

The store interface is small (:class:`KioskRegister`) so that a PostgreSQL register for
several relay nodes can stand beside :class:`SqliteKioskRegister`, which keeps its two
tables in the relay's database file over a connection of its own.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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


SCHEMA = """
CREATE TABLE IF NOT EXISTS kiosks (
    kiosk_id TEXT PRIMARY KEY,
    store TEXT NOT NULL,
    state TEXT NOT NULL,               -- active | suspended | retired
    expected_per_hour INTEGER NOT NULL,
    changed REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS kiosk_certificates (
    fingerprint TEXT PRIMARY KEY,      -- SHA-256 of the client certificate (DER), hex
    kiosk_id TEXT NOT NULL REFERENCES kiosks (kiosk_id)
);
CREATE INDEX IF NOT EXISTS kiosk_certificates_kiosk ON kiosk_certificates (kiosk_id);
"""


class SqliteKioskRegister:
    def __init__(self, path: Path | str) -> None:
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.execute("PRAGMA synchronous=NORMAL")  # as the relay's storage: WAL, no fsync per commit
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _kiosk(self, kiosk_id: str) -> Kiosk | None:
        row = self._db.execute("SELECT kiosk_id, store, state, expected_per_hour, changed FROM kiosks"
                               " WHERE kiosk_id = ?", (kiosk_id,)).fetchone()
        if row is None:
            return None
        fps = tuple(r[0] for r in self._db.execute(
            "SELECT fingerprint FROM kiosk_certificates WHERE kiosk_id = ? ORDER BY fingerprint", (kiosk_id,)))
        return Kiosk(row[0], row[1], row[2], int(row[3]), fps, float(row[4]))

    def _change(self, sql: str, args: tuple[object, ...], kiosk_id: str) -> Kiosk:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                current = self._kiosk(kiosk_id)
                if current is None:
                    raise KioskRegisterError(f"no kiosk {kiosk_id} in the register")
                if current.state == "retired":
                    raise KioskRegisterError(f"{kiosk_id} is retired: register a new kiosk id instead")
                self._db.execute(sql, args)
                after = self._kiosk(kiosk_id)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        assert after is not None
        return after

    def add(self, kiosk_id: str, store: str, fingerprints: list[str], expected_per_hour: int) -> Kiosk:
        if not KIOSK_ID.fullmatch(kiosk_id):
            raise KioskRegisterError("a kiosk id is 3-40 of A-Z 0-9 and -")
        if not store.strip() or expected_per_hour < 1 or not all(FINGERPRINT.fullmatch(f) for f in fingerprints):
            raise KioskRegisterError("a store, an expected load of at least 1 and SHA-256 fingerprints are needed")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if self._kiosk(kiosk_id) is not None:
                    raise KioskRegisterError(f"{kiosk_id} is already in the register")
                self._db.execute("INSERT INTO kiosks VALUES (?,?,?,?,?)",
                                 (kiosk_id, store.strip(), "active", expected_per_hour, time.time()))
                for fp in fingerprints:
                    self._insert_certificate(kiosk_id, fp)
                added = self._kiosk(kiosk_id)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        assert added is not None
        return added

    def _insert_certificate(self, kiosk_id: str, fp: str) -> None:
        try:
            self._db.execute("INSERT INTO kiosk_certificates VALUES (?,?)", (fp, kiosk_id))
        except sqlite3.IntegrityError as exc:
            raise KioskRegisterError("this certificate is already registered") from exc

    def add_certificate(self, kiosk_id: str, fp: str) -> Kiosk:
        """A renewed certificate: both are accepted until the old one is removed or expires."""
        if not FINGERPRINT.fullmatch(fp):
            raise KioskRegisterError("a SHA-256 fingerprint is 64 lower-case hex digits")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                current = self._kiosk(kiosk_id)
                if current is None or current.state == "retired":
                    raise KioskRegisterError(f"{kiosk_id} is not a kiosk that can get a certificate")
                self._insert_certificate(kiosk_id, fp)
                after = self._kiosk(kiosk_id)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
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
        with self._lock:
            return self._kiosk(kiosk_id)

    def by_certificate(self, fp: str) -> Kiosk | None:
        with self._lock:
            row = self._db.execute("SELECT kiosk_id FROM kiosk_certificates WHERE fingerprint = ?", (fp,)).fetchone()
            return self._kiosk(row[0]) if row else None

    def standing(self, fp: str) -> Standing | None:
        """One query, on every request: the kiosk this certificate is registered to, as it
        stands now."""
        with self._lock:
            row = self._db.execute(
                "SELECT k.kiosk_id, k.state, k.expected_per_hour FROM kiosk_certificates c"
                " JOIN kiosks k ON k.kiosk_id = c.kiosk_id WHERE c.fingerprint = ?", (fp,)).fetchone()
        return Standing(row[0], row[1], int(row[2])) if row else None

    def all(self) -> list[Kiosk]:
        with self._lock:
            ids = [r[0] for r in self._db.execute("SELECT kiosk_id FROM kiosks ORDER BY kiosk_id")]
            return [k for k in (self._kiosk(i) for i in ids) if k is not None]
