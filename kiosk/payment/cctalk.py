"""ccTalk coin acceptor polls, parsed into port events: a pure function, no serial port.

A ccTalk acceptor answers header 229 ("read buffered credit or error codes") with an event
counter and its last five events, newest first. The counter is 0 only after a reset or
power-up, then counts 1..255 and wraps to 1, skipping 0. The host works out how many
events are new from the counter it saw last; more than five means the buffer overflowed
and events were lost, which is reported as :class:`LostEvents` rather than guessed at:
a guess could credit a coin twice or not at all (the shape follows cc-talk-rs's
``CoinAcceptorPollResult``). A real driver on pyserial
owns the port in its thread, calls :func:`parse_credit_poll` on each reply, and keeps the
returned counter.

Error codes (ccTalk generic specification, part 3) are folded into what the kiosk acts
on: a refused coin, a jam, or a coin that went in without a known value. A counter that
falls below the last one is a wrap, unless the buffer past the new events is empty: then
the acceptor reset and stepped on from 0 by itself (:class:`DeviceReset` first). A credit code
the acceptor's coin table does not value (header 184) is not guessed at either: it is the
fault ``unknown_coin`` (money of unknown value is in the device).

The acceptor's own answers to headers 184 (coin id) and 232 (self-check) are parsed here
too; the framing is :mod:`kiosk.payment.cctalk_frame`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.payment.port import (
    Credited,
    DeviceReset,
    Event,
    Jam,
    LostEvents,
    PaymentFault,
    Rejected,
)

BUFFER_EVENTS = 5

#: Error codes after which the acceptor cannot take coins until someone clears it.
_JAM = frozenset({4, 5, 6, 7, 14, 15, 21, 26, 29, 30, 31, 32, 35, 254})
#: The coin stayed in the device without a credit (swallowed; incorrectly sorted): money of
#: unknown value, reported as an event the host never saw (CCT3 table 2: "rejected: no").
_KEPT = frozenset({36, 39})
#: Inhibited coin of type 1 to 32 (CCT3 table 2): handed back.
_INHIBITED_TYPES = range(128, 160)
_REJECT_REASONS: dict[int, str] = {
    1: "unknown",
    2: "inhibited",
    3: "unknown",
    8: "too_fast", 9: "too_fast", 10: "too_fast", 11: "too_fast", 12: "too_fast", 33: "too_fast",
    16: "fraud", 17: "fraud", 18: "fraud", 19: "fraud", 20: "fraud", 22: "fraud", 23: "fraud",
    24: "fraud", 34: "fraud", 40: "fraud",
    37: "too_fast", 38: "too_fast",  # too fast or too slow over the validation sensor
    25: "slug",
}


@dataclass(frozen=True)
class CreditPoll:
    counter: int  # keep it for the next poll
    events: list[Event]  # oldest first
    faults: tuple[str, ...] = ()  # device fault codes found in the buffer (unknown_coin)


def new_event_count(last: int, counter: int) -> int:
    """Events since ``last``, with the wrap from 255 to 1 (0 is never reused)."""
    if counter >= last:
        return counter - last
    return (255 - last) + counter


def parse_credit_poll(
    payload: bytes, last_counter: int | None, coin_values: Mapping[int, int]
) -> CreditPoll:
    """Turn a header-229 reply into port events.

    ``last_counter`` is ``None`` on the first poll after the host started: the buffer's
    events are then history, not news, and only set the baseline. ``coin_values`` maps the
    acceptor's credit codes (its coin positions) to yen."""
    if not payload:
        raise PaymentFault("bad_reply")
    counter = payload[0]
    if counter == 0:
        return CreditPoll(0, [DeviceReset()])
    if last_counter is None:
        return CreditPoll(counter, [])
    reset = _stepped_from_reset(payload, last_counter)
    n = counter if reset else new_event_count(last_counter, counter)
    lost, n = max(0, n - BUFFER_EVENTS), min(n, BUFFER_EVENTS)
    if len(payload) < 1 + 2 * n:
        raise PaymentFault("bad_reply")
    events: list[Event] = [DeviceReset()] if reset else []
    if lost:
        events.append(LostEvents(lost))
    faults: list[str] = []
    for i in reversed(range(n)):  # result 1 is the newest
        result_a, result_b = payload[1 + 2 * i], payload[2 + 2 * i]
        if result_a and not coin_values.get(result_a):
            faults.append("unknown_coin")  # money in the device that the host cannot value
            continue
        events.extend(_event(result_a, result_b, coin_values))
    return CreditPoll(counter, events, tuple(faults))


def _stepped_from_reset(payload: bytes, last_counter: int) -> bool:
    """A reset the host never saw at counter 0: some acceptors step from 0 by themselves
    with a dummy event (CCT2 §3.27.1), so the host sees a small counter below its last one,
    as after a wrap. After a wrap the slots past the new events hold older events; after a
    reset they are empty (so at least one must be: with five new events the two cannot be
    told apart, and the wrap, which reports lost events, is the safe reading)."""
    counter = payload[0]
    return counter < last_counter and counter < BUFFER_EVENTS and len(payload) == 1 + 2 * BUFFER_EVENTS \
        and not any(payload[1 + 2 * counter:])


def _event(result_a: int, result_b: int, coin_values: Mapping[int, int]) -> list[Event]:
    if result_a:
        return [Credited(coin_values[result_a])]
    if result_b == 0:
        return []  # null event
    if result_b in _JAM:
        return [Jam("acceptor")]
    if result_b in _KEPT:
        return [LostEvents(1)]
    if result_b in _INHIBITED_TYPES:
        return [Rejected("inhibited")]
    return [Rejected(_REJECT_REASONS.get(result_b, "error"))]


#: The fault a self-check (header 232) reports, by code (generic specification part 3,
#: table 3); 0 is "OK" and codes not listed are ``self_check_failed``.
SELF_CHECK_FAULTS: dict[int, str] = {
    1: "eeprom_checksum", 2: "coil_fault", 3: "credit_sensor_fault", 4: "piezo_sensor_fault",
    5: "reflective_sensor_fault", 6: "diameter_sensor_fault", 7: "wake_up_sensor_fault",
    8: "sorter_sensor_fault", 9: "nvram_checksum", 18: "reject_sensor_fault",
    19: "coin_return_fault", 20: "coin_on_string_mechanism_fault", 30: "rom_checksum",
    33: "supply_voltage", 34: "temperature", 40: "ram_fault", 42: "accept_gate_open",
    43: "accept_gate_closed", 49: "opto_fault", 54: "firmware_error", 55: "initialisation_error",
}


def self_check_fault(payload: bytes) -> str | None:
    """``None`` when the acceptor's self-check (header 232) found nothing, else a code."""
    if not payload:
        raise PaymentFault("bad_reply")
    if payload[0] == 0:
        return None
    return SELF_CHECK_FAULTS.get(payload[0], "self_check_failed")


def coin_value(coin_id: bytes, country: bytes = b"JP") -> int | None:
    """The yen value of a coin table entry (header 184: ``CCVVVI``, e.g. ``JP100A``), or
    ``None`` for an empty slot (``......``), a token or another country's coin."""
    if len(coin_id) != 6 or coin_id[:2] != country or not coin_id[2:5].isdigit():
        return None
    return int(coin_id[2:5]) or None
