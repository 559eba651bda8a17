"""The clock port: wall time for dates, monotonic time for timeouts.

Session timeouts, service hours and certificate validity all read the clock through this
port so that tests can move time instantly instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Protocol

JST = dt.timezone(dt.timedelta(hours=9), "JST")


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Aware wall-clock time."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, never going backwards."""


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(JST)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that only moves when told to; thread-safe."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._now = start or dt.datetime(2026, 11, 26, 10, 0, tzinfo=JST)
        self._mono = 1000.0

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)
            self._mono += seconds

    def set(self, when: dt.datetime) -> None:
        with self._lock:
            self._mono += max(0.0, (when - self._now).total_seconds())
            self._now = when
