"""The relay's storage: one protocol, two databases (see :mod:`relay.store.protocol`).

``open_store`` picks the store from the ``--db`` value: a ``postgresql://`` URL is the
shared database of several centre nodes, anything else a SQLite file.
"""

from __future__ import annotations

from pathlib import Path

from relay.store.protocol import Store


def is_postgres(db: Path | str) -> bool:
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


def open_store(db: Path | str) -> Store:
    """The store ``db`` names. psycopg is imported only for a PostgreSQL URL."""
    if isinstance(db, str) and is_postgres(db):
        from relay.store.postgres import PostgresStore

        return PostgresStore(db)
    from relay.store.sqlite import SqliteStore

    return SqliteStore(db)
