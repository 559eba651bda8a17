"""The SQLite side of :mod:`relay.store.db`: per object a write connection, serialised by a
lock, and a read connection; a write transaction is ``BEGIN IMMEDIATE`` (SQLite's one
write lock, so every write transaction runs alone); the schema is brought up to date when
the file is opened, unless it is opened read-only.
"""

from __future__ import annotations

import errno
import os
import shlex
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from relay.store.migrations import migrations
from relay.store.protocol import Conflict, Cursor, SchemaOutdated, StoreUnavailable, Tx, Written


class _SqliteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor:
        try:
            return self.conn.execute(sql, tuple(args))
        except sqlite3.IntegrityError as exc:
            raise Conflict(str(exc)) from exc

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            self.conn.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            raise Conflict(str(exc)) from exc


def not_a_directory(path: Path | str) -> None:
    """Refuse a database path that names a directory, or a file this user cannot read:
    :class:`IsADirectoryError` or :class:`PermissionError` naming it (SQLite itself says
    only "disk I/O error" or "unable to open database file", naming no file)."""
    if str(path) == ":memory:":
        return
    if Path(path).is_dir():
        raise IsADirectoryError(errno.EISDIR, "a directory, not a database file", str(path))
    if Path(path).exists() and not os.access(path, os.R_OK):
        raise PermissionError(errno.EACCES, "cannot be read (permission denied)", str(path))


class SqliteDatabase:
    """A connection for write transactions, used one at a time (a lock serialises threads),
    and one for reads outside them. WAL mode: a read sees every committed transaction and
    never waits for a write transaction in progress (a municipal server's threads each
    check their request's stored answer while another thread's issue, documents built and
    signed inside it, holds the write lock). Deleted rows
    are overwritten (``secure_delete``); no fsync per commit unless ``durable``
    (``synchronous=FULL``: a commit survives a power cut, not only a crash). ``:memory:``
    has one connection for both (a second would be another database)."""

    def __init__(self, path: Path | str, durable: bool = False, read_only: bool = False) -> None:
        """``read_only``: for the commands that only read (audit, reconcile): the file is
        opened read-only and never upgraded, so a copy kept as evidence stays as it was; an
        older schema is refused, naming the command that upgrades it."""
        not_a_directory(path)
        if read_only:
            self._open_read_only(Path(path))
            return
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
        self.lock = threading.Lock()
        with self.lock:
            if str(path) != ":memory:":
                self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in free pages
            self.conn.execute("PRAGMA busy_timeout=10000")
            self._upgrade()
        self._reader, self._read_lock = self.conn, self.lock
        if str(path) != ":memory:":
            self._reader = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
            self._reader.execute("PRAGMA query_only=ON")
            self._reader.execute("PRAGMA busy_timeout=10000")
            self._read_lock = threading.Lock()

    def _open_read_only(self, path: Path) -> None:
        self.conn = read_only_connection(path)
        version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        self.lock = threading.Lock()
        self._reader, self._read_lock = self.conn, self.lock
        latest = len(migrations("sqlite"))
        if version != latest:
            self.conn.close()
            if version == 0:
                raise SchemaOutdated(f"{path} is not a relay database (it has no schema)")
            raise SchemaOutdated(f"{path} has schema version {version}, this relay reads {latest}"
                                 + (f": `relay db upgrade --db {shlex.quote(str(path))}` brings it up to date"
                                    if version < latest else ": it was written by a newer relay"))

    def _upgrade(self) -> None:
        """Apply the migrations this file has not had, each in its own transaction."""
        known = migrations("sqlite")
        self.conn.execute("BEGIN IMMEDIATE")  # one process upgrades; the others then find it done
        try:
            version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
            if version > len(known):
                raise SchemaOutdated("the database is newer than this relay")
            for mig in known[version:]:
                for statement in statements(mig.sql):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version={mig.version}")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def schema_version(self) -> int:
        return int(self.read("PRAGMA user_version")[0][0])

    @contextmanager
    def tx(self, serialize: str | None = None) -> Iterator[Tx]:
        """``BEGIN IMMEDIATE``: every write transaction runs alone, named or not."""
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:  # locked past busy_timeout, or the disk went away
                raise StoreUnavailable(type(exc).__name__) from exc
            try:
                yield _SqliteTx(self.conn)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._read_lock:
            return self._reader.execute(sql, tuple(args)).fetchall()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file and empty it (``wal_checkpoint(TRUNCATE)``),
        on the write connection under its lock: no write transaction of this object is open
        meanwhile, so the checkpoint is not left half done behind one of them."""
        with self.lock:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def write(self, sql: str, args: Sequence[Any] = ()) -> Written:
        with self.tx() as tx:
            cur = tx.execute(sql, args)
            rows = cur.fetchall()  # before COMMIT: a RETURNING statement ends only when read
            return Written(cur.rowcount, rows)

    def close(self) -> None:
        with self._read_lock:
            self._reader.close()
        with self.lock:
            self.conn.close()


def read_only_connection(path: Path) -> sqlite3.Connection:
    """``path`` opened for reading only (the URI escaped: a ``#`` or ``?`` in a file name is
    part of the name). A database no connection has open, with neither a ``-wal`` nor a
    ``-shm`` file beside it (a stopped server's, or a copy handed to an auditor), is opened
    ``immutable``: SQLite then makes neither file, so reading it leaves nothing beside it
    and works on read-only media. One in use is read through its write-ahead log, as its
    server sees it; when that log cannot be read from here, :class:`StoreUnavailable` says
    what to copy."""
    not_a_directory(path)
    in_use = any(path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-shm"))
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("" if in_use else "&immutable=1")
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=10.0)
    try:
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA user_version").fetchone()  # the first read opens the log
    except sqlite3.OperationalError as exc:
        conn.close()
        if not in_use:
            raise
        # in use (or left by a crash): its write-ahead log needs a -shm file this user cannot make
        raise StoreUnavailable(f"{path} is open in a server or was not closed cleanly, and its write-ahead"
                               f" log cannot be read from here ({exc}): copy {path} with its -wal and -shm"
                               " files to a directory you can write, and read the copy") from None
    return conn


def statements(script: str) -> list[str]:
    """The statements of a migration file (no semicolon inside a statement, comments dropped)."""
    text = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [s.strip() for s in text.split(";") if s.strip()]
