"""One bulkhead per municipality: bounded concurrency, a deadline and a circuit breaker.

A municipal server that is down or slow must cost only its own residents: its calls wait
for at most ``limit`` slots, each call has ``deadline`` seconds, and after ``threshold``
failures in a row the circuit opens: calls fail at once for ``cool_down`` seconds, then
one trial call is let through. Other municipalities' calls never wait on this one.

The deadline starts when the call gets its slot, not when it joins the queue: the wait
for a slot is the centre's own backlog (a centre behind on its kiosks would otherwise
make every municipality look dead and open every circuit), and it is bounded by the kiosk
call's own deadline (``CentreSettings.request_timeout``), which cancels the wait and is
not counted against the municipality. Only a call that had its slot and then failed or
outlived the deadline counts: a slow or dead member fills its slots with such calls and
its circuit opens as before.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from relay.centre.port import MunicipalityUnavailable

T = TypeVar("T")


class Bulkhead:
    def __init__(self, limit: int = 32, deadline: float = 3.0, threshold: int = 5, cool_down: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``clock``: what the circuit's cool-down is measured on (tests give the event
        loop's); the deadline is the running loop's timer."""
        self._slots = asyncio.Semaphore(limit)
        self.deadline = deadline
        self.threshold = threshold
        self.cool_down = cool_down
        self.failures = 0
        self._clock = clock
        self._open_until = 0.0

    @property
    def open(self) -> bool:
        return self._clock() < self._open_until

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        if self.open:
            raise MunicipalityUnavailable("circuit_open")
        async with self._slots:  # the centre's own queue: no deadline of the member's here
            if self.open:  # it opened while this call waited
                raise MunicipalityUnavailable("circuit_open")
            try:
                async with asyncio.timeout(self.deadline):
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
            self._open_until = self._clock() + self.cool_down
            self.failures = self.threshold - 1  # after the cool-down one more failure reopens it
