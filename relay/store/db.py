"""One connection helper for every table the relay keeps, on SQLite or PostgreSQL.

The state store and the registers (kiosks, verifiers, issued documents, rate counts) all
need the same few things: open the database named by ``--db`` (a SQLite file or a
``postgresql://`` URL), check its schema, run a short transaction, read, and turn the
driver's errors into the store's (:class:`StoreUnavailable`, :class:`Conflict`). They get
them here, once: :func:`open_database` gives a :class:`Database`
(:mod:`relay.store.sqlite_db` or :mod:`relay.store.pg_db`). SQL is written once with ``?``
placeholders and standard syntax both databases take (``ON CONFLICT``, ``RETURNING``,
``CAST(? AS TEXT)``); the PostgreSQL side turns ``?`` into ``%s``.
"""

from __future__ import annotations

from pathlib import Path

from relay.store.protocol import Database
from relay.store.sqlite_db import SqliteDatabase


def is_postgres(db: Path | str) -> bool:
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


def location(text: str) -> Path | str:
    """A ``--db`` value: a ``postgresql://`` URL as it is, anything else a SQLite file."""
    return text if is_postgres(text) else Path(text)


def open_database(db: Path | str, name: str = "relay", durable: bool = False, read_only: bool = False) -> Database:
    """The database ``db`` names; psycopg is imported only for a PostgreSQL URL. ``name``:
    the connections' ``application_name`` on PostgreSQL (``pg_stat_activity``).
    ``durable``: a SQLite commit is flushed to disk (PostgreSQL: the server's setting).
    ``read_only``: a SQLite file is opened read-only and not upgraded (a PostgreSQL schema
    is only ever upgraded by ``relay db upgrade``)."""
    if isinstance(db, str) and is_postgres(db):
        from relay.store.pg_db import PostgresDatabase

        return PostgresDatabase(db, name)
    return SqliteDatabase(db, durable, read_only)
