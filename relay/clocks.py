"""A relay clock that starts at a chosen time and then runs at the real rate.

Tests and demos run a real relay at a set time of day (before opening hours, a Saturday
afternoon) without touching the machine's clock: sessions still expire in real seconds.
"""

from __future__ import annotations

import datetime as dt
import time


class StartedClock:
    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the start time needs a time zone")
        self._start = start
        self._origin = time.monotonic()

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._origin)

    def monotonic(self) -> float:
        return time.monotonic()
