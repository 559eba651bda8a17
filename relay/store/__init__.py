"""The relay's storage: one protocol, two databases (see :mod:`relay.store.protocol`).

``open_store`` picks the store from the ``--db`` value: a ``postgresql://`` URL is the
shared database of several centre nodes, anything else a SQLite file.
"""

from __future__ import annotations

from pathlib import Path

from relay.store.db import is_postgres, location
from relay.store.protocol import Store

__all__ = ["Store", "is_postgres", "location", "open_store"]


def open_store(db: Path | str) -> Store:
    """The store ``db`` names. psycopg is imported only for a PostgreSQL URL."""
    if isinstance(db, str) and is_postgres(db):
        from relay.store.postgres import PostgresStore

        return PostgresStore(db)
    from relay.store.sqlite import SqliteStore

    return SqliteStore(db)
