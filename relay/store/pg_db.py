"""The PostgreSQL side of :mod:`relay.store.db`: a small pool in autocommit mode per
object, nothing held between calls. A transaction opened with ``serialize`` first takes a
transaction-level advisory lock of that name, so the register changes that read, check and
then write run one at a time across every node, as on SQLite. The schema must be at this
relay's version: :func:`upgrade` (``relay db upgrade``) brings it there, under an advisory
lock, each migration in its own transaction.
"""

from __future__ import annotations

import os
import urllib.parse
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
import psycopg_pool
from psycopg import conninfo as pg_conninfo
from psycopg import sql as pg_sql

from relay.store.migrations import ADVISORY_LOCK, latest, migrations
from relay.store.protocol import Conflict, Cursor, SchemaOutdated, StoreUnavailable, Tx, Written

_T = TypeVar("_T")
#: Connection settings a URL may override: a dead database is noticed in seconds, not minutes.
_DEFAULTS = {"connect_timeout": "2", "keepalives_idle": "5", "keepalives_interval": "2", "keepalives_count": "3",
             "tcp_user_timeout": "5000"}


def conninfo(url: str, application: str) -> str:
    """The URL with this relay's connection defaults where the URL sets none."""
    given = pg_conninfo.conninfo_to_dict(url)
    extra = {k: v for k, v in {**_DEFAULTS, "application_name": application}.items() if k not in given}
    return pg_conninfo.make_conninfo(url, **extra)


def _secrets(url: str) -> list[str]:
    """What may be a password in ``url`` (its user part, read up to the first and up to the
    last ``@``, and any ``password`` parameter), as written and decoded, longest first. The
    URL may be one libpq cannot read: it is parsed by hand."""
    rest = url.split("://", 1)[-1]
    found: set[str] = set()
    for userinfo in (rest.split("@", 1)[0], rest.rpartition("@")[0]) if "@" in rest else ():
        written = userinfo.partition(":")[2]
        found |= {written, urllib.parse.unquote(written)}
    for key, value in urllib.parse.parse_qsl(rest.partition("?")[2], keep_blank_values=True):
        if key == "password":
            found |= {value, urllib.parse.quote(value)}
    return sorted((s for s in found if s), key=len, reverse=True)


def said(exc: BaseException, url: str) -> str:
    """What the driver (libpq) said, for an operator: the kind of error and the first line
    of its words, without any password of ``url`` (libpq quotes the part of a URL it cannot
    parse, the password included). A password too short to be told from the words around
    it withholds the words."""
    text = str(exc).strip()
    line = text.splitlines()[0].strip() if text else ""
    for secret in _secrets(url):
        if secret in line:
            if len(secret) < 4:
                line = "its words are withheld: they hold the URL's password"
                break
            line = line.replace(secret, "***")
    return f"{type(exc).__name__}: {line}" if line else type(exc).__name__


@contextmanager
def _connected(url: str, application: str) -> Iterator[psycopg.Connection[Any]]:
    """One connection for a command (``relay db``); what stops it (a URL libpq cannot read,
    a server that does not answer, a password refused, a right missing) is
    :class:`StoreUnavailable` with libpq's first line (:func:`said`)."""
    try:
        with psycopg.connect(conninfo(url, application), autocommit=True) as conn:
            yield conn
    except (psycopg.OperationalError, psycopg.errors.InsufficientPrivilege) as exc:
        raise StoreUnavailable(said(exc, url)) from None
    except psycopg.ProgrammingError as exc:
        if exc.sqlstate:
            raise  # an SQL statement the server refused: the program's, not the operator's
        raise StoreUnavailable(said(exc, url)) from None  # the URL itself


def upgrade(url: str) -> list[int]:
    """Apply the migrations the database has not had, each in one transaction, all under an
    advisory lock (two upgrades at once: the second waits, then finds nothing to do);
    returns the versions applied."""
    applied = []
    with _connected(url, "relay-db-upgrade") as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK,))  # released when the connection ends
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY,"
                     " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for mig in migrations("postgresql"):
            if mig.version in done:
                continue
            with conn.transaction():
                conn.execute(mig.sql.encode())  # no parameters: the file may hold several statements
                conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                             (mig.version, mig.name))
            applied.append(mig.version)
    return applied


def schema_version(url: str) -> int:
    """The database's schema version (0: no migration applied)."""
    with _connected(url, "relay-db-status") as conn:
        exists = conn.execute("SELECT to_regclass('schema_migrations')").fetchone()
        if not exists or exists[0] is None:
            return 0
        row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
        return int(row[0]) if row else 0


def check_schema(url: str) -> None:
    """Refuse a database whose schema is not this relay's (every node checks at start)."""
    version = schema_version(url)
    if version != latest("postgresql"):
        raise SchemaOutdated(f"the database schema is at version {version}, this relay needs "
                             f"{latest('postgresql')}: run relay db upgrade")


def rewrite(conn: psycopg.Connection[Any], table: str) -> bool:
    """``VACUUM (FULL) table`` so that deleted rows are in none of its files (PostgreSQL
    never overwrites a deleted row: the bytes stay in its pages until the table is
    rewritten), by one node at a time (another node rewriting it: False, skipped) and only
    if the table's lock comes within a second (a busy table: the error, rewritten next
    time). The relay's ``documents`` and the municipal servers' ``municipal_documents``
    hold only what is not yet deleted, so a rewrite takes a moment."""
    lock = zlib.crc32(f"relay-scrub-{table}".encode())
    got = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock,)).fetchone()
    if not got or not got[0]:
        return False
    try:
        conn.execute("SET lock_timeout = '1s'")
        conn.execute(pg_sql.SQL("VACUUM (FULL) {}").format(pg_sql.Identifier(table)))
    finally:
        conn.execute("RESET lock_timeout")
        conn.execute("SELECT pg_advisory_unlock(%s)", (lock,))
    return True


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

    def __init__(self, url: str, name: str = "relay", *, pool_size: int = 4, wait: float = 2.0,
                 on_connect: Callable[[psycopg.Connection[Any]], None] | None = None) -> None:
        """``wait``: seconds a call waits for a connection before it is refused as
        unavailable (the pool reconnects in the background meanwhile). ``on_connect``:
        called with each new connection (``bench/relay.py`` traces them)."""
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
