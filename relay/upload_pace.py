"""How long an upload to the public verification service may take to arrive.

A body of over a megabyte holds one of the service's few large-body slots while it is
received (:class:`relay.public.LargeBodies`: four in all, one per source address), so the
time it may take is the time an attacker can hold a slot. One fixed deadline served
neither side: 20 s let a slow-loris hold a slot 20 s for a few bytes, and asked 45 Mbit/s
of anyone sending the largest allowed body (108 MiB). Here the deadline follows the
bytes that arrive:

- the first 10 s (the *floor*) are free: connection ramp-up, a phone's first bytes;
- after that the body must keep arriving at 1 Mbit/s on average since it started, or
  faster when its declared ``Content-Length`` needs more to be in within the *cap* (the
  largest body, 108 MiB, needs about 3.1 Mbit/s): a sender that falls behind is refused
  as soon as it does, not at the end;
- no body takes longer than the cap, 300 s, in all, declared or chunked;
- and no more than 10 s may pass without a byte (*idle*).

1 Mbit/s is a poor mobile uplink: anyone who can send a scan at all keeps it; 36 MB
arrive at that rate within the cap. A trickle of a byte a second is refused after the
floor (or the idle time), whatever length it declares. The refusal is ``408 too_slow``;
what arrived is dropped with the request. ``relay public serve --upload-min-mbps
--upload-floor --upload-cap --upload-idle`` change the four numbers. Only the receiving
is paced: the check that follows has its own deadline (:mod:`relay.verify_work`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from aiohttp import web

#: Bytes a second every upload must reach on average, after the floor (1 Mbit/s).
MIN_RATE = 1_000_000 // 8
#: Seconds between two looks at an upload's progress.
TICK = 0.25

T = TypeVar("T")


class TooSlow(Exception):
    """The body fell behind its pace, went idle or reached the cap (``408 too_slow``)."""


@dataclass(frozen=True)
class UploadPace:
    """The pace every upload keeps (``relay public serve --upload-…`` options)."""

    min_rate: float = MIN_RATE  # bytes a second on average, after the floor
    floor: float = 10.0  # seconds every upload has before the rate applies
    cap: float = 300.0  # seconds no upload may exceed: the longest a slot is held receiving
    idle: float = 10.0  # seconds an upload may go without a single byte

    def __post_init__(self) -> None:
        if not (self.min_rate > 0 and self.idle > 0 and 0 <= self.floor < self.cap):
            raise ValueError("the upload pace needs a rate and an idle time above 0 and a floor below the cap")

    def required_rate(self, declared: int | None) -> float:
        """The average rate (bytes a second, after the floor) a body of ``declared`` bytes
        must keep: the minimum rate, or what it needs to be in within the cap."""
        if declared is None:
            return float(self.min_rate)
        return max(float(self.min_rate), declared / (self.cap - self.floor))

    def behind(self, elapsed: float, received: int, idle: float, rate: float) -> bool:
        """Whether an upload ``elapsed`` seconds old, with ``received`` bytes in and the last
        one ``idle`` seconds ago, is to be refused."""
        return elapsed > self.cap or idle > self.idle or received < rate * (elapsed - self.floor)


#: The pace above, as the service keeps it unless told otherwise.
DEFAULT_PACE = UploadPace()


async def receive(request: web.Request, read: Callable[[], Awaitable[T]], pace: UploadPace) -> T:
    """``read()`` (which reads ``request``'s body), within ``pace``; :class:`TooSlow` when
    the body falls behind. The pace is watched until the body is in or ``read`` returns."""
    loop = asyncio.get_running_loop()
    content = request.content
    rate = pace.required_rate(request.content_length)
    started = last_at = loop.time()
    last = content.total_bytes
    deadline = asyncio.timeout(None)
    handle: asyncio.TimerHandle | None = None

    def look() -> None:
        nonlocal handle, last, last_at
        now = loop.time()
        if content.total_bytes != last:
            last, last_at = content.total_bytes, now
        if content.is_eof():
            return  # the whole body is in: no more pace to keep
        if pace.behind(now - started, last, now - last_at, rate):
            deadline.reschedule(now)  # cancels the read: TimeoutError below
            return
        handle = loop.call_later(TICK, look)

    try:
        async with deadline:
            handle = loop.call_later(TICK, look)
            try:
                result = await read()
            finally:
                handle.cancel()
    except TimeoutError:
        if deadline.expired():
            raise TooSlow from None
        raise
    return result
