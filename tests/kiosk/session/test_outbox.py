"""The outcome outbox: owed before the first attempt, retried with backoff by recovery
across restarts, acknowledged exactly once, closed for good on a refusal."""

from collections.abc import Callable
from pathlib import Path

import pytest

from hardware_mocks.relay.virtual import VirtualRelayBackend
from kiosk.session import outbox
from kiosk.session.faults import Refusal, RelayFault
from kiosk.session.journal import RETRY_FIRST_S, Journal
from kiosk.session.recovery import recover
from kiosk.session.viewmodel import Intent, IntentKind
from tests.fixtures.session import Harness, drive_to, finish


class CountingRelay:
    """Answers outcome reports as scripted: an exception to raise, or None to accept."""

    def __init__(self, *answers: Exception | None) -> None:
        self.answers = list(answers)
        self.accepted: list[tuple[str, str, int, int]] = []
        self.calls = 0

    def report_outcome(self, request_id: str, outcome: str, copies: int, amount: int,
                       relay_session: str | None = None) -> None:
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer
        self.accepted.append((request_id, outcome, copies, amount))


@pytest.fixture
def jr(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.jsonl")


def test_an_outcome_is_retried_with_backoff_until_acknowledged_once(jr: Journal) -> None:
    relay = CountingRelay(RelayFault("relay_unavailable"), RelayFault("relay_timeout"))
    due = outbox.owe(jr, "S1", "R1", "RS1", "printed", 1, 200)
    assert outbox.send(jr, relay, due) is False
    [owed] = jr.outbox()
    t0 = owed.last_attempt
    assert owed.attempts == 1 and owed.due_at() == t0 + RETRY_FIRST_S
    assert outbox.flush(jr, relay, now=t0 + 1) == 1 and relay.calls == 1  # not yet due
    assert outbox.flush(jr, relay, now=t0 + RETRY_FIRST_S) == 1 and relay.calls == 2
    [owed] = jr.outbox()
    assert owed.attempts == 2 and owed.due_at() == owed.last_attempt + 2 * RETRY_FIRST_S
    assert outbox.flush(jr, relay, force=True) == 0
    assert relay.accepted == [("R1", "printed", 1, 200)]
    assert outbox.flush(jr, relay, force=True) == 0 and relay.calls == 3  # never again


def test_a_refused_outcome_is_closed_not_retried_forever(jr: Journal) -> None:
    relay = CountingRelay(Refusal("outcome_conflict"))
    outbox.owe(jr, "S1", "R1", None, "failed", 0, 0)
    assert outbox.flush(jr, relay) == 0
    assert [r["code"] for r in jr.records() if r["rec"] == "outcome_rejected"] == ["outcome_conflict"]
    assert outbox.flush(jr, relay, force=True) == 0 and relay.calls == 1


def test_flush_stops_at_the_first_unreachable_attempt(jr: Journal) -> None:
    relay = CountingRelay(RelayFault("relay_unavailable"))
    for n in range(3):
        outbox.owe(jr, "S1", f"R{n}", None, "failed", 0, 0)
    assert outbox.flush(jr, relay) == 3 and relay.calls == 1
    assert [d.attempts for d in jr.outbox()] == [1, 0, 0]
    assert outbox.ready(jr)  # the others are due: the next flush starts with them
    assert outbox.flush(jr, relay) == 1 and relay.calls == 3


def test_the_relay_down_after_the_documents_arrived_hears_the_outcome_later(
        harness: Callable[..., Harness], relay_backend: VirtualRelayBackend,
        sim_dirs: tuple[Path, Path]) -> None:
    """Printed and charged while the relay is down: the outcome is owed, not dropped; the
    next recovery (relay back) reports it once, and the relay records the print."""
    h = harness("virtual")
    drive_to(h, "printing", pay=500)
    h.device("relay_fault", value="down")
    drive_to(h, "take_papers")
    h.engine.intent(Intent(IntentKind.ACKNOWLEDGE))
    finish(h)
    assert h.engine.outcome.result == "printed"
    [owed] = h.journal.outbox()
    assert (owed.result, owed.copies, owed.amount) == ("printed", 1, 200)
    assert outbox.ready(h.journal) is False  # its backoff runs; the host waits for it
    recover(h.journal, h.make("virtual"), sim_dirs[1])
    assert h.journal.outbox() == []
    row = relay_backend.core.storage.request(owed.request)
    assert row is not None and (row.outcome, row.outcome_copies, row.outcome_amount) == (
        "printed", 1, 200)
