"""Rate limits: how many of one kind of call one subject may make per window.

A subject is a source address (the public verification service), a kiosk id (sessions,
technician events, log exports) or a registered verifier (face checks). Counts are kept
per fixed window (``Rate.per_seconds``): simple, and exact enough to stop a flood while a
normal day never comes near a limit. A refused call is counted too, so that a client
hammering a limit stays refused until the window turns.

Two stores with the same small interface: :class:`MemoryRateStore` for one process (the
public service's per-source limits; a kiosk's limits where one process serves from a
SQLite file), and :class:`SharedRateStore` in the relay's database for limits several relay
processes must share: the SQLite file of one host's ``--workers``, or the PostgreSQL
database of several centre nodes, so that a kiosk's calls spread over nodes are counted
together.
:func:`kiosk_rate_store` picks one for a server's kiosk limits.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from relay.store.db import is_postgres, open_database

MAX_MEMORY_KEYS = 100_000  # subjects remembered by a memory store before the oldest windows go


@dataclass(frozen=True)
class Rate:
    limit: int
    per_seconds: int

    def __post_init__(self) -> None:
        if self.limit < 1 or self.per_seconds < 1:
            raise ValueError("a rate is at least one call per at least one second")


class RateStore(Protocol):
    def hit(self, key: str, window_start: int, cost: int) -> int:
        """Add ``cost`` to ``key``'s count in the window starting at ``window_start`` and
        return the new count; windows before it may be forgotten."""
        ...

    def hits(self, items: list[tuple[str, int, int]]) -> list[int]:
        """:meth:`hit` for each ``(key, window_start, cost)``, at once (one transaction)."""
        ...

    def close(self) -> None: ...


class MemoryRateStore:
    def __init__(self, max_keys: int | None = MAX_MEMORY_KEYS) -> None:
        """``max_keys``: subjects kept before the oldest windows go, for subjects anybody can
        make up (source addresses); None for subjects bounded elsewhere (registered kiosks:
        a key holds only its current window, so a kiosk costs a few keys for good)."""
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window start, count)
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, key: str, window_start: int, cost: int) -> int:
        with self._lock:
            start, count = self._counts.get(key, (window_start, 0))
            if start != window_start:
                count = 0
            most = self._max_keys
            if most is not None and len(self._counts) >= most and key not in self._counts:
                self._counts = {k: v for k, v in self._counts.items() if v[0] >= window_start}
                if len(self._counts) >= most:  # every one in this window: a flood of subjects
                    self._counts.clear()
            self._counts[key] = (window_start, count + cost)
            return count + cost

    def hits(self, items: list[tuple[str, int, int]]) -> list[int]:
        return [self.hit(key, start, cost) for key, start, cost in items]

    def close(self) -> None:
        self._counts.clear()


class SharedRateStore:
    """Counts in the relay's database (table ``rate_windows``, a connection of its own):
    ``db`` is a SQLite file or a PostgreSQL URL. A call is one statement (one round trip on
    PostgreSQL): an upsert that adds to the window's count and returns it."""

    FORGET_EVERY = 1000  # calls between two deletions of windows long over (the longest is a day)

    def __init__(self, db: Path | str) -> None:
        self._db = open_database(db, "relay-rates")
        self._calls = 0

    def hit(self, key: str, window_start: int, cost: int) -> int:
        return self.hits([(key, window_start, cost)])[0]

    def hits(self, items: list[tuple[str, int, int]]) -> list[int]:
        if not items:
            return []
        if len({(key, start) for key, start, _ in items}) < len(items):  # one window twice: one after the other
            return [self.hit(*item) for item in items]
        rows = self._db.write(
            "INSERT INTO rate_windows (key, window_start, count) VALUES " + ",".join(["(?,?,?)"] * len(items))
            + " ON CONFLICT (key, window_start) DO UPDATE SET count = rate_windows.count + excluded.count"
            " RETURNING key, window_start, count", [v for item in items for v in item]).rows
        counts = {(key, int(start)): int(count) for key, start, count in rows}
        self._calls += 1
        if self._calls % self.FORGET_EVERY == 0:
            self._db.write("DELETE FROM rate_windows WHERE window_start < ?", (items[0][1] - 2 * 86400,))
        return [counts[(key, start)] for key, start, _ in items]

    def close(self) -> None:
        self._db.close()


def kiosk_counts_shared(db: Path | str, workers: int) -> bool:
    """Whether a kiosk server's per-kiosk counts must be in the database (``db``: its
    ``--db``, or the rate counts' own file beside it): with several workers on a SQLite
    file, or on PostgreSQL, which other nodes may share. One process on a SQLite file has
    nobody to share them with."""
    return workers > 1 or is_postgres(db)


def kiosk_rate_store(db: Path | str, workers: int) -> RateStore:
    """Where a kiosk server's per-kiosk counts live: the database where they are shared
    (:func:`kiosk_counts_shared`), else this process's memory, which spares its event loop
    two write transactions a session (about 85 µs of CPU against 6, and the file's
    checkpoints: docs/benchmarks.md) and loses only the windows in progress when the
    process restarts."""
    if kiosk_counts_shared(db, workers):
        return SharedRateStore(db)
    return MemoryRateStore(max_keys=None)  # only registered kiosks are counted


class RateLimiter:
    """``allow(kind, subject, now)``: whether one more call of ``kind`` by ``subject`` is
    within its rate. Kinds without a rate are not limited."""

    def __init__(self, store: RateStore, rates: dict[str, Rate]) -> None:
        self.store = store
        self.rates = rates

    def allow(self, kind: str, subject: str, now: float, cost: int = 1) -> bool:
        rate = self.rates.get(kind)
        if rate is None:
            return True
        window_start = int(now) // rate.per_seconds * rate.per_seconds
        return self.store.hit(f"{kind}:{subject}", window_start, cost) <= rate.limit
