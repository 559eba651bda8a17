"""The statechart, table-driven: every state × every interrupting event.

The table is written out by hand (it is the specification); the test checks the chart
against it, so a new state or edge cannot be added without deciding what every
interruption does there.
"""

from __future__ import annotations

import pytest

from kiosk.session.machine import HUMAN_STATES, INTERRUPTIONS, MACHINE_STATES, SessionChart

W = "wiping"
STAY = None  # the event means nothing here

#: state -> (cancel, timeout, card_removed, device_fault, relay_fault, integrity_error, stop)
TABLE: dict[str, tuple[str | None, ...]] = {
    "start":          (STAY, STAY, STAY, W, W, W, W),
    "place_card":     (W, W, STAY, W, W, W, W),
    "reading_card":   (W, W, W, W, W, W, W),
    "pin":            (W, W, W, W, W, W, W),
    "authenticating": (W, W, W, W, W, W, W),
    "remove_card":    (W, W, "choose_type", W, W, W, W),  # the gate: removal moves on
    "choose_type":    (W, W, STAY, W, W, W, W),
    "options":        (W, W, STAY, W, W, W, W),
    "copies":         (W, W, STAY, W, W, W, W),
    "confirm":        (W, W, STAY, W, W, W, W),
    "preparing":      (W, W, STAY, W, W, W, W),
    "payment":        (W, W, STAY, W, W, W, W),
    "printing":       (STAY, W, STAY, W, W, W, W),  # a print is not cancelled half-way
    "take_papers":    (W, W, STAY, W, W, W, W),
    "wiping":         (STAY,) * 7,  # already on the way out
}


class _Listener:
    def has_options(self) -> bool:
        return True


def _chart(state: str) -> SessionChart:
    return SessionChart(start_value=state, listeners=[_Listener()])


def test_the_table_covers_every_state_and_event() -> None:
    states = {s.id for s in SessionChart.states if not s.final}
    assert set(TABLE) == states
    assert INTERRUPTIONS == ("cancel", "timeout", "card_removed", "device_fault", "relay_fault",
                             "integrity_error", "stop")
    assert HUMAN_STATES | MACHINE_STATES | {"start", "wiping"} == states


@pytest.mark.parametrize("state", sorted(TABLE))
@pytest.mark.parametrize("index", range(len(INTERRUPTIONS)), ids=list(INTERRUPTIONS))
def test_interruption(state: str, index: int) -> None:
    sm = _chart(state)
    sm.send(INTERRUPTIONS[index])
    expected = TABLE[state][index] or state
    assert next(iter(sm.configuration)).id == expected


def test_every_road_ends_in_one_wiping_state() -> None:
    targets = {t.target.id for s in SessionChart.states for t in s.transitions}
    into_ended = {t.source.id for s in SessionChart.states for t in s.transitions
                  if t.target.id == "ended"}
    assert into_ended == {"wiping"}
    assert "wiping" in targets
