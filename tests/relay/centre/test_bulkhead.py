"""The bulkhead's deadline counts only the municipality's own call: a centre with a long
queue of its own must not open a healthy member's circuit, a member that outlives the
deadline still opens it. On a virtual clock (tests.fixtures.virtual_time): no waiting,
nothing timed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from relay.centre.bulkhead import Bulkhead
from relay.centre.port import MunicipalityUnavailable
from tests.fixtures.virtual_time import VirtualTimeLoop

DEADLINE = 1.0


def _run(scenario: Callable[[VirtualTimeLoop], Awaitable[None]]) -> None:
    loop = VirtualTimeLoop()
    try:
        loop.run_until_complete(scenario(loop))
    finally:
        loop.close()


class Member:
    """A municipal server whose every answer the test releases: ``answering`` are the calls
    now inside it (they hold a slot), in arrival order."""

    def __init__(self) -> None:
        self.answering: list[asyncio.Event] = []
        self.calls = 0

    async def exchange(self) -> str:
        self.calls += 1
        answer = asyncio.Event()
        self.answering.append(answer)
        try:
            await answer.wait()
        finally:
            self.answering.remove(answer)
        return "answer"


def test_a_long_queue_in_the_centre_does_not_open_a_healthy_members_circuit() -> None:
    async def scenario(loop: VirtualTimeLoop) -> None:
        bulkhead = Bulkhead(limit=2, deadline=DEADLINE, threshold=2, clock=loop.time)
        member = Member()
        calls = [asyncio.ensure_future(bulkhead.run(member.exchange)) for _ in range(10)]
        await loop.settle()
        while member.answering:
            assert len(member.answering) == 2  # the other calls wait in the centre's queue
            await loop.advance(0.9 * DEADLINE)  # each answer comes just inside its deadline
            for answer in list(member.answering):
                answer.set()
            await loop.settle()
        # the last calls waited 4.5 deadlines in the queue, none was the member's fault
        assert loop.time() > 4 * DEADLINE
        assert [c.result() for c in calls] == ["answer"] * 10
        assert bulkhead.failures == 0 and not bulkhead.open

    _run(scenario)


def test_a_member_that_outlives_the_deadline_opens_its_circuit_and_is_tried_after_the_cool_down() -> None:
    async def scenario(loop: VirtualTimeLoop) -> None:
        bulkhead = Bulkhead(limit=4, deadline=DEADLINE, threshold=2, cool_down=5.0, clock=loop.time)
        member = Member()
        slow = [asyncio.ensure_future(bulkhead.run(member.exchange)) for _ in range(3)]
        await loop.settle()
        await loop.advance(1.1 * DEADLINE)  # no answer inside the deadline
        for call in slow:
            with pytest.raises(MunicipalityUnavailable) as exc:
                call.result()
            assert exc.value.reason == "deadline"
        assert bulkhead.open
        with pytest.raises(MunicipalityUnavailable) as exc:
            await bulkhead.run(member.exchange)
        assert exc.value.reason == "circuit_open" and member.calls == 3  # refused without asking it
        await loop.advance(5.0)  # the cool-down is over: the next call is let through
        trial = asyncio.ensure_future(bulkhead.run(member.exchange))
        await loop.settle()
        member.answering[0].set()
        await loop.settle()
        assert trial.result() == "answer" and bulkhead.failures == 0

    _run(scenario)


def test_calls_queued_behind_a_dead_member_are_refused_once_its_circuit_opens() -> None:
    """The queue does not hand a member whose circuit has just opened the calls that
    waited for it: each would wait out another deadline."""
    async def scenario(loop: VirtualTimeLoop) -> None:
        bulkhead = Bulkhead(limit=2, deadline=DEADLINE, threshold=2, clock=loop.time)
        member = Member()
        calls = [asyncio.ensure_future(bulkhead.run(member.exchange)) for _ in range(6)]
        await loop.settle()
        await loop.advance(1.1 * DEADLINE)
        reasons = []
        for call in calls:
            with pytest.raises(MunicipalityUnavailable) as exc:
                call.result()
            reasons.append(exc.value.reason)
        assert reasons == ["deadline"] * 2 + ["circuit_open"] * 4 and member.calls == 2

    _run(scenario)
