"""Whose database a file is: the issuing centre's or one municipality's issuance history,
recorded once, by the server that first opens it for writing (the ``relay_identity`` row).

Why it is recorded: every relay database has every table (one schema, ``relay/store/sql/``),
so which one a file is showed only in its rows, and a database with none — a new server's, a
file ``relay db upgrade`` or a mistyped ``--db`` made, another relay's database never served
— could not be told from the right one with nothing in it yet: ``relay audit
--municipality`` and ``relay reconcile`` said "nothing to reconcile" and exited 0. With the
row they say which database they read and since when it has recorded nothing, and refuse
(exit 2) a file no centre or municipal server has claimed and that holds none of their rows.

A database from before the row existed is claimed when its server next starts; until then it
is known by its rows only, as before (:func:`written_by`). The row is never changed: a
server refuses to start on another's database (:func:`claim`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from relay.store.protocol import Database, StoreError, Tx

CENTRE = "centre"
MUNICIPALITY = "municipality"
#: The tables only the centre writes (relay/centre/store.py) and only a municipal server
#: writes (relay/municipal/history.py): what a database from before ``relay_identity`` is
#: known by.
CENTRE_TABLES = ("centre_sessions", "centre_deliveries", "centre_events", "centre_suspensions")
MUNICIPAL_TABLES = ("municipal_issuance", "municipal_refusals", "municipal_series")

Read = Callable[[str], Sequence[Any]]


@dataclass(frozen=True)
class Identity:
    role: str  # CENTRE or MUNICIPALITY
    code: str | None  # the municipality's code; None for the centre
    created: float  # when the server recorded it (Unix seconds)

    def kind(self) -> str:
        """What the database is, in an operator's words."""
        if self.role == CENTRE:
            return "the issuing centre's database"
        return f"municipality {self.code}'s issuance history"

    def since(self) -> str:
        """When it was recorded, in UTC to the second (what an operator compares with a
        server's start)."""
        return dt.datetime.fromtimestamp(self.created, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def named(db: Path | str) -> str:
    """``db`` as a message may show it: a file's path, or a PostgreSQL URL without its
    user part (which may hold the password)."""
    if isinstance(db, Path) or "://" not in db:
        return str(db)
    parts = urlsplit(db)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _identity(read: Read) -> Identity | None:
    rows = read("SELECT role, code, created FROM relay_identity WHERE id = 1")
    return Identity(str(rows[0][0]), rows[0][1], float(rows[0][2])) if rows else None


def _written_by(read: Read) -> set[str]:
    return {side for side, tables in ((CENTRE, CENTRE_TABLES), (MUNICIPALITY, MUNICIPAL_TABLES))
            if any(read(f"SELECT 1 FROM {table} LIMIT 1") for table in tables)}


def identity(db: Database) -> Identity | None:
    """The identity ``db``'s server recorded; None before any did (a new file, another
    relay's database, or one from before the row existed)."""
    return _identity(db.read)


def written_by(db: Database) -> set[str]:
    """Whose rows ``db`` holds: ``centre``, ``municipality``, both (never in service: a
    municipality's database is its own, never the centre's) or neither."""
    return _written_by(db.read)


def claim(db: Database, role: str, code: str | None, now: float, where: Path | str) -> Identity:
    """Record ``db`` as the centre's (``code`` None) or municipality ``code``'s, unless it is
    already; its identity. :class:`StoreError` (one line at the command line, exit 2) when it
    is another's: recorded so, or, before any record, holding only the other side's rows — a
    server started on the wrong ``--db`` would otherwise write its rows beside another's.
    Several nodes or workers opening it at once meet on the row's primary key."""
    mine = Identity(role, code, now)
    with db.tx() as tx:
        read = _reader(tx)
        found = _identity(read)
        if found is None:
            rows = _written_by(read)
            if rows and role not in rows:
                other = "a municipality's issuance history" if role == CENTRE else "the issuing centre's database"
                raise StoreError(f"{named(where)} holds the rows of {other}, not {mine.kind()}: give this server"
                                 " its own database")
            tx.execute("INSERT INTO relay_identity (id, role, code, created) VALUES (1, ?, ?, ?)"
                       " ON CONFLICT (id) DO NOTHING", (role, code, now))
            found = _identity(read)
    if found is None:  # the row inserted or found in this very transaction
        raise StoreError(f"{named(where)}: its identity could not be recorded")
    if (found.role, found.code) != (role, code):
        raise StoreError(f"{named(where)} is {found.kind()} (recorded {found.since()}), not {mine.kind()}: give this"
                         " server its own database")
    return found


def _reader(tx: Tx) -> Read:
    return lambda sql: tx.execute(sql).fetchall()
