"""Registered verifiers, and the record of every face they recovered.

Anyone may ask the public service whether a paper is genuine; only a registered verifier
(a bank, a landlord's agent, an office the municipality admitted) may have the scrambled
face on its back recovered, with credentials of its own: a bearer token the municipality
hands over once (only its SHA-256 is kept). Each recovered face is recorded here with the
verifier, the document serial and the resident it belongs to, so that the resident can be
told, from the municipality's history (``relay verifier history --resident``), who looked
at their face and when.

Small interface (:class:`VerifierRegister`); :class:`StoredVerifierRegister` keeps it in
the relay's database (``--db``: the SQLite file, or the PostgreSQL database every centre
node shares), over a connection of its own (:mod:`relay.store.db`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from relay.store.db import open_database
from relay.store.protocol import Conflict

VERIFIER_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,39}")
TOKEN_PREFIX = "kv1_"
STATES = ("active", "suspended")


@dataclass(frozen=True)
class RegisteredVerifier:
    verifier_id: str
    organisation: str
    state: str
    faces_per_hour: int
    added: float


class VerifierRegisterError(ValueError):
    """A register change that cannot be made."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class VerifierRegister(Protocol):
    def add(self, verifier_id: str, organisation: str, faces_per_hour: int) -> tuple[RegisteredVerifier, str]: ...
    def set_state(self, verifier_id: str, state: str) -> RegisteredVerifier: ...
    def by_token(self, token: str) -> RegisteredVerifier | None: ...
    def all(self) -> list[RegisteredVerifier]: ...
    def record_face(self, at: float, verifier_id: str, serial: str, resident_id: str | None) -> None: ...
    def faces(self, resident_id: str | None = None, serial: str | None = None) -> list[dict[str, Any]]: ...
    def close(self) -> None: ...


VERIFIER_COLUMNS = "verifier_id, organisation, state, faces_per_hour, added"


class StoredVerifierRegister:
    """The register in the relay's database: ``db`` is a SQLite file or a PostgreSQL URL."""

    def __init__(self, db: Path | str) -> None:
        self._db = open_database(db, "relay-verifiers")

    def close(self) -> None:
        self._db.close()

    def _one(self, where: str, arg: str) -> RegisteredVerifier | None:
        rows = self._db.read(f"SELECT {VERIFIER_COLUMNS} FROM verifiers WHERE {where} = ?", (arg,))
        return RegisteredVerifier(*rows[0]) if rows else None

    def add(self, verifier_id: str, organisation: str, faces_per_hour: int) -> tuple[RegisteredVerifier, str]:
        """Register a verifier; returns it and its token, which is shown this once."""
        if not VERIFIER_ID.fullmatch(verifier_id):
            raise VerifierRegisterError("a verifier id is 3-40 of a-z 0-9 and -")
        if not organisation.strip() or faces_per_hour < 1:
            raise VerifierRegisterError("an organisation and at least one face an hour are needed")
        token = TOKEN_PREFIX + secrets.token_hex(32)
        try:
            self._db.write(f"INSERT INTO verifiers ({VERIFIER_COLUMNS}, token_sha256) VALUES (?,?,?,?,?,?)",
                           (verifier_id, organisation.strip(), "active", faces_per_hour, time.time(),
                            token_hash(token)))
        except Conflict as exc:
            raise VerifierRegisterError(f"{verifier_id} is already registered") from exc
        added = self._one("verifier_id", verifier_id)
        assert added is not None
        return added, token

    def set_state(self, verifier_id: str, state: str) -> RegisteredVerifier:
        if state not in STATES:
            raise VerifierRegisterError(f"a state is one of {', '.join(STATES)}")
        rows = self._db.write(f"UPDATE verifiers SET state = ? WHERE verifier_id = ? RETURNING {VERIFIER_COLUMNS}",
                              (state, verifier_id)).rows
        if not rows:
            raise VerifierRegisterError(f"no verifier {verifier_id}")
        return RegisteredVerifier(*rows[0])

    def by_token(self, token: str) -> RegisteredVerifier | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        return self._one("token_sha256", token_hash(token))

    def all(self) -> list[RegisteredVerifier]:
        rows = self._db.read(f"SELECT {VERIFIER_COLUMNS} FROM verifiers ORDER BY verifier_id")
        return [RegisteredVerifier(*r) for r in rows]

    def record_face(self, at: float, verifier_id: str, serial: str, resident_id: str | None) -> None:
        self._db.write("INSERT INTO face_checks (at, verifier_id, serial, resident_id) VALUES (?,?,?,?)",
                       (at, verifier_id, serial, resident_id))

    def faces(self, resident_id: str | None = None, serial: str | None = None) -> list[dict[str, Any]]:
        """Recovered faces, oldest first, with the verifier's organisation."""
        rows = self._db.read(
            "SELECT f.at, f.verifier_id, v.organisation, f.serial, f.resident_id FROM face_checks f"
            " JOIN verifiers v ON v.verifier_id = f.verifier_id"
            " WHERE (CAST(? AS TEXT) IS NULL OR f.resident_id = ?) AND (CAST(? AS TEXT) IS NULL OR f.serial = ?)"
            " ORDER BY f.id", (resident_id, resident_id, serial, serial))
        return [{"at": r[0], "verifier_id": r[1], "organisation": r[2], "serial": r[3], "resident_id": r[4]}
                for r in rows]
