"""The outcome outbox: every outcome of a request reaches the relay exactly once.

The relay keeps the municipality's record of what was issued from these reports, so one
that is lost makes a printed, charged certificate look never issued. An outcome is
written to the journal (``OUTCOME_DUE``) before the first attempt and stays owed until
the relay acknowledges it (``OUTCOME_SENT``); the relay's outcome call is idempotent, so
an attempt whose answer was lost is simply made again. Failed attempts are retried with a
doubling backoff (:meth:`~kiosk.session.journal.DueOutcome.due_at`) by every recovery,
across restarts; a refusal (unknown request, a conflicting earlier report) cannot change
by retrying and closes the entry as ``OUTCOME_REJECTED`` with an error event for staff.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from kiosk.session.faults import Refusal, SessionFault
from kiosk.session.journal import DueOutcome, Journal, Rec
from protocol.log import event

log = logging.getLogger("kiosk.session.outbox")

#: The journal's session field for outbox records that outlive their session.
OUTBOX = "outbox"


class Reporter(Protocol):
    """The part of the relay port the outbox uses (``kiosk.session.ports.Relay``)."""

    def report_outcome(self, request_id: str, outcome: str, copies: int, amount: int,
                       relay_session: str | None = None) -> None: ...


def owe(journal: Journal, session: str, request: str, relay_session: str | None, result: str,
        copies: int, amount: int) -> DueOutcome:
    """Put an outcome in the outbox (written and fsynced before anything is sent)."""
    journal.append(session, Rec.OUTCOME_DUE, request=request, relay=relay_session,
                   code=result, copies=copies, amount=amount)
    return DueOutcome(request, relay_session, result, copies, amount)


def send(journal: Journal, relay: Reporter, due: DueOutcome) -> bool:
    """One attempt. True when the entry is done with (acknowledged, or refused for good);
    False when the relay could not be reached (retry later)."""
    try:
        relay.report_outcome(due.request, due.result, due.copies, due.amount, due.relay)
    except Refusal as exc:
        journal.append(OUTBOX, Rec.OUTCOME_REJECTED, request=due.request, code=exc.code)
        event(log, "outbox.rejected", logging.ERROR, request=due.request, code=exc.code)
        return True
    except SessionFault as exc:
        journal.append(OUTBOX, Rec.OUTCOME_RETRY, request=due.request,
                       attempt=due.attempts + 1)
        event(log, "outbox.retry", logging.WARNING, request=due.request, code=exc.code,
              count=due.attempts + 1)
        return False
    journal.append(OUTBOX, Rec.OUTCOME_SENT, request=due.request)
    event(log, "outbox.sent", request=due.request, code=due.result)
    return True


def flush(journal: Journal, relay: Reporter, *, force: bool = False,
          now: float | None = None) -> int:
    """Send every owed outcome whose time has come (all of them with ``force``), oldest
    first; stop at the first that cannot reach the relay, which the rest could not either.
    Returns how many are still owed."""
    now = time.time() if now is None else now
    for due in journal.outbox():
        if not force and due.due_at() > now:
            continue
        if not send(journal, relay, due):
            break
    return len(journal.outbox())


def ready(journal: Journal, now: float | None = None) -> bool:
    """Whether an owed outcome's next attempt is due (the host then runs recovery)."""
    now = time.time() if now is None else now
    return any(due.due_at() <= now for due in journal.outbox())
