"""The ccTalk credit-poll parser against a model acceptor: counter wrap, overflow, reset."""

from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.payment.cctalk import coin_value, new_event_count, parse_credit_poll, self_check_fault
from kiosk.payment.port import Credited, DeviceReset, Event, Jam, LostEvents, PaymentFault, Rejected

VALUES = {1: 10, 2: 50, 3: 100, 4: 500}


class ModelAcceptor:
    """The acceptor side of header 229: a counter skipping 0, the last five events."""

    def __init__(self, counter: int = 0) -> None:
        """At ``counter`` events since its reset: the buffer holds the last of them."""
        self.counter = counter
        self.buffer: deque[tuple[int, int]] = deque([(1, 0)] * min(counter, 5), maxlen=5)

    def event(self, a: int, b: int) -> None:
        self.counter = 1 if self.counter == 255 else self.counter + 1
        self.buffer.appendleft((a, b))

    def reply(self) -> bytes:
        pairs = list(self.buffer) + [(0, 0)] * (5 - len(self.buffer))
        return bytes([self.counter, *[x for p in pairs for x in p]])


@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(1, 255),
    bursts=st.lists(st.lists(st.sampled_from([1, 2, 3, 4]), max_size=12), max_size=25),
)
def test_every_coin_is_seen_once_or_reported_lost(start, bursts) -> None:
    dev = ModelAcceptor(start)
    host = parse_credit_poll(dev.reply(), None, VALUES).counter  # baseline at host start
    for burst in bursts:
        for code in burst:
            dev.event(code, 0)
        poll = parse_credit_poll(dev.reply(), host, VALUES)
        host = poll.counter
        expected: list[Event] = [Credited(VALUES[c]) for c in burst[-5:]]
        if len(burst) > 5:
            expected.insert(0, LostEvents(len(burst) - 5))
        assert poll.events == expected


def test_wrap_skips_zero() -> None:
    assert new_event_count(254, 255) == 1
    assert new_event_count(255, 1) == 1
    assert new_event_count(250, 3) == 8
    assert new_event_count(7, 7) == 0


def test_reset_and_first_poll() -> None:
    assert parse_credit_poll(bytes([0] + [0] * 10), 17, VALUES).events == [DeviceReset()]
    first = parse_credit_poll(bytes([9, 1, 0] + [0] * 8), None, VALUES)
    assert (first.counter, first.events) == (9, [])


def test_error_codes_become_port_events() -> None:
    dev = ModelAcceptor(1)
    for a, b in [(0, 2), (0, 14), (0, 36), (9, 0), (0, 0)]:
        dev.event(a, b)
    poll = parse_credit_poll(dev.reply(), 1, VALUES)
    assert poll.events == [Rejected("inhibited"), Jam("acceptor"), LostEvents(1)]
    assert poll.faults == ("unknown_coin",)  # position 9 has no value: not guessed at


def test_coins_kept_without_credit_are_lost_events_and_inhibited_types_rejected() -> None:
    """CCT3 table 2: a swallowed (36) or incorrectly sorted (39) coin stayed in the device,
    its value unknown; an inhibited coin of type 1 to 32 (128 to 159) was handed back; a
    coin too fast or too slow over the validation sensor (37, 38) too."""
    dev = ModelAcceptor(1)
    for a, b in [(0, 39), (0, 36), (0, 130), (0, 37), (0, 38)]:
        dev.event(a, b)
    poll = parse_credit_poll(dev.reply(), 1, VALUES)
    assert poll.events == [LostEvents(1), LostEvents(1), Rejected("inhibited"), Rejected("too_fast"),
                           Rejected("too_fast")]


def test_a_reset_the_acceptor_stepped_on_from_by_itself_is_a_reset_not_a_wrap() -> None:
    """After its reset the acceptor steps from 0 to 1 with a dummy 'inhibited coin' before
    the host polls: the counter fell below the last one as after a wrap, but the rest of
    the buffer is empty, which after a wrap (255 events at least) it never is."""
    dev = ModelAcceptor(200)
    dev.event(3, 0)
    host = parse_credit_poll(dev.reply(), 200, VALUES).counter
    reset = ModelAcceptor(0)  # the same acceptor after its reset
    reset.event(0, 2)
    poll = parse_credit_poll(reset.reply(), host, VALUES)
    assert (poll.counter, poll.events) == (1, [DeviceReset(), Rejected("inhibited")])
    wrapped = ModelAcceptor(254)  # a true wrap to 1 keeps older events behind the new one
    wrapped.event(1, 0)
    wrapped.event(2, 0)
    assert parse_credit_poll(wrapped.reply(), 254, VALUES).events == [Credited(10), Credited(50)]
    full = ModelAcceptor(0)
    for _ in range(5):
        full.event(0, 2)
    assert parse_credit_poll(full.reply(), 200, VALUES).events[0] == LostEvents(55)  # five new: a wrap


def test_short_or_empty_reply_is_a_fault() -> None:
    with pytest.raises(PaymentFault):
        parse_credit_poll(b"", 1, VALUES)
    with pytest.raises(PaymentFault):
        parse_credit_poll(bytes([3, 1, 0]), 1, VALUES)


def test_coin_table_and_self_check() -> None:
    assert coin_value(b"JP500B") == 500
    assert coin_value(b"JP010A") == 10
    for other in (b"......", b"US025A", b"JP", b"JPxxxA", b"JP000A"):
        assert coin_value(other) is None
    assert self_check_fault(b"\x00") is None
    assert self_check_fault(b"\x03") == "credit_sensor_fault"
    assert self_check_fault(b"\x02\x01") == "coil_fault"
    assert self_check_fault(b"\xc8") == "self_check_failed"
    with pytest.raises(PaymentFault):
        self_check_fault(b"")
