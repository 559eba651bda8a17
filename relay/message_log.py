"""The federation message log: every envelope one end sent or received.

Both the centre and each municipal issuing server keep one (the X-Road message log): the
envelope's metadata, the body's digest and the signature — never the body — so either side
can prove later what it sent and what it received, and neither log holds resident data.
A received message id is accepted once: a replayed message is refused.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from protocol.federation.envelope import Envelope

COLUMNS = ("logged", "direction", "sender", "recipient", "key_id", "message_id", "sent_at", "kind",
           "in_reply_to", "body_sha256", "signature")


class ReplayedMessage(Exception):
    """A message id this end has already received."""


class MessageLog:
    def __init__(self, path: Path | str) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS messages (logged REAL, direction TEXT, sender TEXT, recipient TEXT,"
            " key_id TEXT, message_id TEXT, sent_at REAL, kind TEXT, in_reply_to TEXT, body_sha256 TEXT,"
            " signature TEXT, UNIQUE (direction, message_id))")

    def record(self, direction: str, envelope: Envelope | dict[str, Any], logged: float) -> None:
        """Keep one envelope (``sent`` or ``received``); a received id seen before raises."""
        env = envelope if isinstance(envelope, Envelope) else Envelope.from_json(envelope)
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (logged, direction, env.sender, env.recipient, env.key_id, env.message_id, env.sent_at,
                     env.kind, env.in_reply_to, env.body_sha256, env.signature))
            except sqlite3.IntegrityError as exc:
                raise ReplayedMessage(env.message_id) from exc

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(f"SELECT {','.join(COLUMNS)} FROM messages ORDER BY rowid").fetchall()
        return [dict(zip(COLUMNS, row, strict=True)) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
