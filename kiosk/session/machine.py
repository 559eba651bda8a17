"""The customer flow as a statechart: states, events and nothing else.

The chart is pure structure: it does no I/O. ``kiosk.session.engine.Engine`` listens to
it (``on_enter_<state>``) and does the work of each state, then sends the event that says
how the work ended. Every road ends in ``wiping``, the single state that settles money,
purges print jobs, zeroes buffers and closes the journal; ``ended`` follows it.

The card must be removed before the certificate type is chosen, so it cannot be left in
the reader when the papers come out; payment comes after the documents have arrived and
been verified, so no money is taken for a request the relay refuses. The diagram is
``docs/state-diagram.md``.
"""

from __future__ import annotations

from statemachine import State, StateChart
from statemachine.model import Model


class SessionChart(StateChart[Model]):  # no model of its own: the engine listens instead
    catch_errors_as_events = False  # a bug in the engine must surface, not become an event

    start = State("Start", initial=True)
    place_card = State("Place card")
    reading_card = State("Reading card")
    pin = State("PIN")
    authenticating = State("Authenticating")
    remove_card = State("Remove card")
    choose_type = State("Certificate type")
    options = State("Options")
    copies = State("Copies")
    confirm = State("Confirm")
    preparing = State("Documents requested and verified")
    payment = State("Payment")
    printing = State("Printing")
    take_papers = State("Change and papers")
    wiping = State("Wiping")
    ended = State("Ended", final=True)

    # -- the flow ------------------------------------------------------------------------
    begin = start.to(place_card)
    card_inserted = place_card.to(reading_card)
    card_read = reading_card.to(pin)
    pin_submitted = pin.to(authenticating)
    pin_wrong = authenticating.to(pin)
    authenticated = authenticating.to(remove_card)
    type_chosen = choose_type.to(options, cond="has_options") | choose_type.to(copies)
    options_done = options.to(copies)
    copies_set = copies.to(confirm)
    confirmed = confirm.to(preparing)
    documents_ready = preparing.to(payment)
    paid = payment.to(printing)
    printed = printing.to(take_papers)
    acknowledged = take_papers.to(wiping)
    back = (
        options.to(choose_type)
        | copies.to(options, cond="has_options")
        | copies.to(choose_type)
        | confirm.to(copies)
    )
    wiped = wiping.to(ended)

    # -- interruptions: every one of them ends in wiping ---------------------------------
    # The card leaving the reader is the expected event in remove_card; while it is in
    # use (reading, PIN, authenticating) it ends the session; afterwards it means nothing.
    card_removed = remove_card.to(choose_type) | wiping.from_(reading_card, pin, authenticating)
    cancel = wiping.from_(
        place_card, reading_card, pin, authenticating, remove_card, choose_type, options,
        copies, confirm, preparing, payment, take_papers,
    )
    timeout = wiping.from_(
        place_card, reading_card, pin, authenticating, remove_card, choose_type, options,
        copies, confirm, preparing, payment, printing, take_papers,
    )
    device_fault = wiping.from_(
        start, place_card, reading_card, pin, authenticating, remove_card, choose_type,
        options, copies, confirm, preparing, payment, printing, take_papers,
    )
    relay_fault = wiping.from_(
        start, place_card, reading_card, pin, authenticating, remove_card, choose_type,
        options, copies, confirm, preparing, payment, printing, take_papers,
    )
    integrity_error = wiping.from_(
        start, place_card, reading_card, pin, authenticating, remove_card, choose_type,
        options, copies, confirm, preparing, payment, printing, take_papers,
    )
    stop = wiping.from_(
        start, place_card, reading_card, pin, authenticating, remove_card, choose_type,
        options, copies, confirm, preparing, payment, printing, take_papers,
    )


#: Events that interrupt the flow, for the state × event table and the docs.
INTERRUPTIONS: tuple[str, ...] = (
    "cancel", "timeout", "card_removed", "device_fault", "relay_fault", "integrity_error", "stop",
)
#: States in which the customer is expected to act (an inactivity timeout applies).
HUMAN_STATES: frozenset[str] = frozenset(
    {"place_card", "pin", "remove_card", "choose_type", "options", "copies", "confirm",
     "payment", "take_papers"}
)
#: States whose work the engine runs itself (card, relay, render, print).
MACHINE_STATES: frozenset[str] = frozenset({"reading_card", "authenticating", "preparing", "printing"})


def mermaid() -> str:
    """The diagram committed as ``docs/state-diagram.md``."""
    return f"{SessionChart:mermaid}"
