"""One connection helper for every table the relay keeps, on SQLite or PostgreSQL.

The state store and the registers (kiosks, verifiers, issued documents, rate counts) all
need the same few things: open the database named by ``--db`` (a SQLite file or a
``postgresql://`` URL), check its schema, run a short transaction, read, and turn the
driver's errors into the store's (:class:`StoreUnavailable`, :class:`Conflict`). They get
them here, once. SQL is written once with ``?`` placeholders and standard syntax both
databases take (``ON CONFLICT``, ``RETURNING``, ``CAST(? AS TEXT)``); the PostgreSQL side
turns ``?`` into ``%s``.

SQLite: one connection per object, serialised by a lock; a write transaction is ``BEGIN
IMMEDIATE`` (SQLite's one write lock, so every write transaction runs alone); the schema
is brought up to date on open. PostgreSQL: a small pool in autocommit mode; a transaction
opened with ``serialize=True`` first takes a transaction-level advisory lock of its own
name, so the register changes that read, check and then write run one at a time across
every node, as on SQLite; the schema must be at this relay's version (``relay db
upgrade``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from relay.store.migrations import migrations
from relay.store.protocol import SchemaOutdated, StoreError, StoreUnavailable

if TYPE_CHECKING:
    import psycopg

_T = TypeVar("_T")


class Conflict(StoreError):
    """A uniqueness or reference rule refused the write (a key already there); nothing of
    the transaction was kept."""


def is_postgres(db: Path | str) -> bool:
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


def location(text: str) -> Path | str:
    """A ``--db`` value: a ``postgresql://`` URL as it is, anything else a SQLite file."""
    return text if is_postgres(text) else Path(text)


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
    dialect: str  # "sqlite" or "postgresql"

    def tx(self, serialize: str | None = None) -> AbstractContextManager[Tx]:
        """One transaction, committed when the block ends, rolled back on an exception.
        ``serialize``: a name; transactions of the same name run one at a time."""
        ...

    def read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]: ...

    def write(self, sql: str, args: Sequence[Any] = ()) -> Written:
        """One statement in a transaction of its own (on PostgreSQL, one round trip)."""
        ...

    def close(self) -> None: ...


def open_database(db: Path | str, name: str = "relay", *, pool_size: int = 4) -> Database:
    """The database ``db`` names; psycopg is imported only for a PostgreSQL URL."""
    if isinstance(db, str) and is_postgres(db):
        return PostgresDatabase(db, name, pool_size=pool_size)
    return SqliteDatabase(db)


# -- SQLite -------------------------------------------------------------------------------
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


class SqliteDatabase:
    """One connection, used one transaction at a time (a lock serialises threads). WAL
    mode; deleted rows are overwritten (``secure_delete``); no fsync per commit."""

    dialect = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
        self.lock = threading.Lock()
        with self.lock:
            if str(path) != ":memory:":
                self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in free pages
            self.conn.execute("PRAGMA busy_timeout=10000")
            self._upgrade()

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
        with self.lock:
            return self.conn.execute(sql, tuple(args)).fetchall()

    def write(self, sql: str, args: Sequence[Any] = ()) -> Written:
        with self.tx() as tx:
            cur = tx.execute(sql, args)
            rows = cur.fetchall()  # before COMMIT: a RETURNING statement ends only when read
            return Written(cur.rowcount, rows)

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def statements(script: str) -> list[str]:
    """The statements of a migration file (no semicolon inside a statement, comments dropped)."""
    text = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [s.strip() for s in text.split(";") if s.strip()]


# -- PostgreSQL ---------------------------------------------------------------------------
def _pg(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (the relay's SQL holds no ``?`` nor ``%`` else)."""
    return sql.replace("?", "%s")


class _PostgresTx:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor:
        return self.conn.execute(_pg(sql), tuple(args))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.cursor().executemany(_pg(sql), rows)


class PostgresDatabase:
    """One process's access to the shared database: a pool of autocommit connections,
    nothing held between calls. Safe for the threads of one process."""

    dialect = "postgresql"

    def __init__(self, url: str, name: str = "relay", *, pool_size: int = 4, wait: float = 2.0,
                 on_connect: Callable[[psycopg.Connection[Any]], None] | None = None) -> None:
        """``wait``: seconds a call waits for a connection before it is refused as
        unavailable (the pool reconnects in the background meanwhile). ``on_connect``:
        called with each new connection (``bench/relay.py`` traces them)."""
        import psycopg_pool

        from relay.store.postgres import check_schema, conninfo

        check_schema(url)

        def configure(conn: psycopg.Connection[Any]) -> None:
            if on_connect is not None:
                on_connect(conn)

        self._pool = psycopg_pool.ConnectionPool(
            conninfo(url, f"{name}-{os.getpid()}"), min_size=1, max_size=pool_size, timeout=wait,
            kwargs={"autocommit": True}, configure=configure, name=name, open=False)
        try:
            self._pool.open(wait=True, timeout=wait)
        except psycopg_pool.PoolTimeout as exc:
            self._pool.close()
            raise StoreUnavailable("connect") from exc

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection of the pool, in autocommit mode, for one call."""
        import psycopg
        import psycopg_pool

        try:
            with self._pool.connection() as conn:
                yield conn
        except psycopg_pool.PoolTimeout as exc:
            raise StoreUnavailable("pool_timeout") from exc
        except psycopg.errors.IntegrityError as exc:
            raise Conflict(type(exc).__name__) from exc
        except psycopg.OperationalError as exc:
            self._pool.check()  # the others may be dead too (a restart): replace them now, not one call each
            raise StoreUnavailable(type(exc).__name__) from exc

    def reading(self, read: Callable[[psycopg.Connection[Any]], _T]) -> _T:
        """A read, tried once more on a fresh connection if the first one was dead (a read
        is safe to repeat; a write is left to the caller)."""
        try:
            with self.connection() as conn:
                return read(conn)
        except StoreUnavailable:
            with self.connection() as conn:
                return read(conn)

    @contextmanager
    def tx(self, serialize: str | None = None) -> Iterator[Tx]:
        with self.connection() as conn, conn.transaction():
            if serialize is not None:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (zlib.crc32(serialize.encode()),))
            yield _PostgresTx(conn)

    def read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        return self.reading(lambda conn: conn.execute(_pg(sql), tuple(args)).fetchall())

    def write(self, sql: str, args: Sequence[Any] = ()) -> Written:
        with self.connection() as conn:
            cur = conn.execute(_pg(sql), tuple(args))
            return Written(cur.rowcount, cur.fetchall() if cur.description else [])
