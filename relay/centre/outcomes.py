"""Kiosks' outcomes on their way to the municipalities, in batches.

A kiosk's ``/v1/outcome`` is answered once the centre's delivery log holds it: what
became of the documents is the centre's record first. The municipality is told after, in
an ``outcomes`` message per batch (:data:`protocol.federation.envelope.MAX_OUTCOMES` at
most): one batch per municipality is on its way at a time, and the outcomes reported
meanwhile go in the next. Under load a message, its two signatures and its four
message-log records serve many outcomes instead of one each; alone, an outcome leaves at
once, as before. What a municipality does not take (down, slow) stays marked not
forwarded in the delivery log and is sent again by the centre's sweep
(:meth:`relay.centre.core.CentreCore.forward_pending`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from protocol import log
from protocol.federation.envelope import MAX_OUTCOMES

LOG = logging.getLogger("relay.centre")

#: (municipality, outcomes) → how many it took (each as ``{request_id, outcome, copies, amount}``).
Send = Callable[[str, list[dict[str, Any]]], Awaitable[int]]


class OutcomeForwarder:
    def __init__(self, send: Send) -> None:
        self._send = send
        self._waiting: dict[str, dict[str, dict[str, Any]]] = {}  # municipality -> request id -> outcome
        self._sending: dict[str, asyncio.Task[None]] = {}
        self._on_the_way: set[str] = set()  # request ids of the batches sent now

    def queued(self) -> set[str]:
        """The request ids waiting here or on their way now (the sweep leaves them alone)."""
        return self._on_the_way.union(*self._waiting.values())

    def add(self, municipality: str, outcome: dict[str, Any]) -> None:
        """Queue one recorded outcome; it leaves with the municipality's next batch."""
        self._waiting.setdefault(municipality, {})[outcome["request_id"]] = outcome
        if municipality not in self._sending:
            self._sending[municipality] = asyncio.get_running_loop().create_task(self._drain(municipality))

    async def _drain(self, municipality: str) -> None:
        try:
            while waiting := self._waiting.get(municipality):
                batch = [waiting.pop(rid) for rid in list(itertools.islice(waiting, MAX_OUTCOMES))]
                ids = {o["request_id"] for o in batch}
                self._on_the_way |= ids
                try:
                    await self._send(municipality, batch)
                except Exception as exc:  # e.g. the store could not mark them: the sweep sends them again
                    log.event(LOG, "centre.outcomes_not_forwarded", logging.ERROR, municipality=municipality,
                              kind=type(exc).__name__, count=len(batch))
                finally:
                    self._on_the_way -= ids
            self._waiting.pop(municipality, None)
        finally:
            self._sending.pop(municipality, None)

    async def drained(self) -> None:
        """Return once every outcome queued so far has been sent (taken, or left to the sweep)."""
        while self._sending:
            await asyncio.gather(*self._sending.values(), return_exceptions=True)

    async def close(self, wait: float) -> None:
        """Send what is queued for up to ``wait`` seconds, then stop: the rest stays not
        forwarded in the delivery log, for the sweep of the next start."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drained(), wait)
        for task in list(self._sending.values()):
            task.cancel()
        await asyncio.gather(*self._sending.values(), return_exceptions=True)
