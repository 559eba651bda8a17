"""The federation message log: every envelope one end sent or received.

Both the centre and each municipal issuing server keep one (the X-Road message log): the
envelope's metadata, the body's digest and the signature — never the body — so either side
can prove later what it sent and what it received, and neither log holds resident data.
A received message id is accepted once: a replayed message is refused.

It is evidence, so a record is on disk before its message goes out or its answer is
accepted: WAL with ``synchronous=FULL`` (each commit flushed; NORMAL could lose the last
commits on a power cut, leaving a message sent with no trace of it here). The flushes are
shared: records go through one writer thread that commits all those waiting at once
(:mod:`relay.store.group_commit`), and the centre awaits its records there instead of
holding its event loop on the disk (docs/federation.md, "Durability").
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from protocol.federation.envelope import Envelope
from relay.store.group_commit import GroupCommit
from relay.store.sqlite_db import not_a_directory

COLUMNS = ("logged", "direction", "sender", "recipient", "key_id", "message_id", "sent_at", "kind",
           "in_reply_to", "body_sha256", "signature")


class ReplayedMessage(Exception):
    """A message id this end has already received."""


class MessageLog:
    def __init__(self, path: Path | str) -> None:
        not_a_directory(path)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS messages (logged REAL, direction TEXT, sender TEXT, recipient TEXT,"
            " key_id TEXT, message_id TEXT, sent_at REAL, kind TEXT, in_reply_to TEXT, body_sha256 TEXT,"
            " signature TEXT, UNIQUE (direction, message_id))")
        self._writer: GroupCommit[sqlite3.Connection] = GroupCommit(self._transaction, "message-log")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @staticmethod
    def _insert(direction: str, envelope: Envelope | dict[str, Any],
                logged: float) -> Callable[[sqlite3.Connection], None]:
        env = envelope if isinstance(envelope, Envelope) else Envelope.from_json(envelope)
        row = (logged, direction, env.sender, env.recipient, env.key_id, env.message_id, env.sent_at, env.kind,
               env.in_reply_to, env.body_sha256, env.signature)

        def insert(db: sqlite3.Connection) -> None:
            try:
                db.execute("INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?)", row)
            except sqlite3.IntegrityError as exc:
                raise ReplayedMessage(env.message_id) from exc

        return insert

    def record(self, direction: str, envelope: Envelope | dict[str, Any], logged: float) -> None:
        """Keep one envelope (``sent`` or ``received``), committed when this returns; a
        received id seen before raises :class:`ReplayedMessage`."""
        self._writer.write_now(self._insert(direction, envelope, logged))

    def record_exchange(self, received: Envelope, sent: Envelope | dict[str, Any], logged: float) -> None:
        """Keep a received envelope and the answer sent to it in one commit, both on disk
        when this returns; a received id seen before raises :class:`ReplayedMessage` and
        neither is kept. For a message acting on nothing (a question answered from what
        is held): one flush and one hand-off to the writer instead of two each."""
        first, second = self._insert("received", received, logged), self._insert("sent", sent, logged)

        def both(db: sqlite3.Connection) -> None:
            first(db)
            second(db)

        self._writer.write_now(both)

    async def keep(self, direction: str, envelope: Envelope | dict[str, Any], logged: float) -> None:
        """:meth:`record` for a caller on an event loop: the loop serves others while the
        record waits for its commit."""
        await self._writer.write(self._insert(direction, envelope, logged))

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(f"SELECT {','.join(COLUMNS)} FROM messages ORDER BY rowid").fetchall()
        return [dict(zip(COLUMNS, row, strict=True)) for row in rows]

    def close(self) -> None:
        self._writer.close()
        with self._lock:
            self._db.close()
