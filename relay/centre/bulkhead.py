"""One bulkhead per municipality: bounded concurrency, a deadline and a circuit breaker.

A municipal server that is down or slow must cost only its own residents: its calls wait
for at most ``limit`` slots, each call has ``deadline`` seconds, and after ``threshold``
failures in a row the circuit opens: calls fail at once for ``cool_down`` seconds, then
one trial call is let through. Other municipalities' calls never wait on this one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from relay.centre.port import MunicipalityUnavailable

T = TypeVar("T")


class Bulkhead:
    def __init__(self, limit: int = 32, deadline: float = 3.0, threshold: int = 5, cool_down: float = 5.0) -> None:
        self._slots = asyncio.Semaphore(limit)
        self.deadline = deadline
        self.threshold = threshold
        self.cool_down = cool_down
        self.failures = 0
        self._open_until = 0.0

    @property
    def open(self) -> bool:
        return time.monotonic() < self._open_until

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        if self.open:
            raise MunicipalityUnavailable("circuit_open")
        try:
            async with asyncio.timeout(self.deadline):
                async with self._slots:
                    result = await call()
        except TimeoutError:
            self._failed()
            raise MunicipalityUnavailable("deadline") from None
        except MunicipalityUnavailable:
            self._failed()
            raise
        self.failures = 0
        return result

    def _failed(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self._open_until = time.monotonic() + self.cool_down
            self.failures = self.threshold - 1  # after the cool-down one more failure reopens it
