"""Versioned schema migrations: numbered SQL files, applied in order, each exactly once.

``sql/<dialect>/NNNN_what.sql`` beside this module; a file is never changed once
released, a change to the schema is a new file. SQLite keeps its version in
``PRAGMA user_version`` and is brought up to date when the store opens it (the embedded
default needs no step). PostgreSQL keeps it in ``schema_migrations`` and changes only by
``relay db upgrade``: every node refuses to start on another schema version, and an
upgrade holds an advisory lock, so two started at once apply each file once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql")
#: Any 64-bit number: the lock every ``relay db upgrade`` takes on PostgreSQL.
ADVISORY_LOCK = 0x6B696F736B01


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(dialect: str) -> list[Migration]:
    """The migrations of ``sqlite`` or ``postgresql``, by version (1, 2, … without a hole)."""
    folder = resources.files("relay.store") / "sql" / dialect
    found = []
    for entry in folder.iterdir():
        m = _NAME.fullmatch(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mig: mig.version)
    if [mig.version for mig in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"the {dialect} migrations are not numbered 1, 2, 3 …")
    return found


def latest(dialect: str) -> int:
    return len(migrations(dialect))
