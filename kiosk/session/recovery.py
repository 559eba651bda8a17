"""Recovery: settle every session the journal shows as opened and never closed.

Runs at start and after a worker died, in the next worker, before any customer is
served: what a crash or a power cut left half done (coins held, jobs queued, a request the
relay still holds open) must not carry over into the next customer's session. For
each open session: cancel and purge this kiosk's print jobs, settle the money (charge only
what was printed; refund or voucher the rest), report the outcome to the relay by request
id, wipe the runtime directory, and close the intent. Each step is attempted even if
another failed; a session whose money could not be settled stays open so the next recovery
tries again.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from kiosk.session import outbox
from kiosk.session.faults import SessionFault
from kiosk.session.journal import Journal, Rec
from kiosk.session.ports import Devices
from protocol.log import event

log = logging.getLogger("kiosk.session.recovery")


class SettledRecord(TypedDict):
    """A :class:`Settled` as the worker sends it to the host: plain values only."""

    session: str
    printed: bool
    charged: int
    change: int
    refunded: int
    voucher: str | None
    copies: int
    closed: bool


class RecoveredAnswer(TypedDict):
    """The worker's answer to ``("recover",)``: what it settled, and the code of a start
    check that failed (``None`` when the terminal may serve)."""

    settled: list[SettledRecord]
    refused: str | None


@dataclass
class Settled:
    session: str
    printed: bool
    charged: int = 0
    change: int = 0
    refunded: int = 0
    voucher: str | None = None
    copies: int = 0  # copies that came out (reported to the relay)
    closed: bool = False

    def to_dict(self) -> SettledRecord:
        return SettledRecord(
            session=self.session, printed=self.printed, charged=self.charged,
            change=self.change, refunded=self.refunded, voucher=self.voucher,
            copies=self.copies, closed=self.closed,
        )


def wipe_runtime_dir(runtime_dir: Path | None) -> None:
    """Remove everything below the runtime directory (a tmpfs in production)."""
    if runtime_dir is None or not runtime_dir.exists():
        return
    for child in runtime_dir.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def recover(journal: Journal, devices: Devices, runtime_dir: Path | None) -> list[Settled]:
    results = []
    open_sessions = journal.open_sessions()
    if open_sessions:
        try:
            devices.printer.purge(None)
        except SessionFault as exc:
            event(log, "recovery.purge_failed", logging.ERROR, code=exc.code)
    for s in open_sessions:
        r = Settled(s.session, printed=s.printed)
        settled = True
        if s.txn and not s.charged and not s.refunded:
            try:
                refund = devices.payment.settle_after_crash(s.txn, printed=s.printed)
                if refund.charged and not s.printed:
                    # the ledger charged it, which it does only after every copy came out:
                    # the journal could not say so (a full disk), the ledger could
                    s.printed, s.copies_printed = True, max(s.copies_printed, s.copies)
                    r.printed = True
                if s.printed:
                    journal.append(s.session, Rec.CHARGED, txn=s.txn, amount=refund.charged,
                                   change=refund.amount, voucher=refund.voucher)
                    r.charged, r.change = refund.charged, refund.amount
                else:
                    r.refunded, r.voucher = refund.amount, refund.voucher
                    journal.append(s.session, Rec.REFUNDED, txn=s.txn, amount=refund.amount,
                                   voucher=refund.voucher)
            except SessionFault as exc:
                settled = False
                event(log, "recovery.settle_failed", logging.ERROR, session=s.session,
                      txn=s.txn, code=exc.code)
        # what came out, at the fee of each copy (what the relay checks and audits)
        copies = s.copies_printed
        r.copies = copies
        owed = {due.request for due in journal.outbox()}
        for request in s.requests:
            if request in owed or request in s.reported:
                continue  # the dead worker already put it in the outbox
            try:
                outbox.owe(journal, s.session, request, s.relay_session,
                           "printed" if s.printed else "failed", copies, s.fee * copies)
            except SessionFault as exc:
                settled = False  # the journal cannot be written: try it all again later
                event(log, "recovery.report_failed", logging.ERROR, session=s.session,
                      request=request, code=exc.code)
        if settled:
            try:
                journal.append(s.session, Rec.CLOSED, code="recovered")
                r.closed = True
            except SessionFault:
                pass  # stays open: the next recovery settles it (idempotently) again
        event(log, "recovery.settled", session=s.session, refunded=r.refunded,
              amount=r.charged, voucher=r.voucher, ok=r.closed)
        results.append(r)
    try:
        outbox.flush(journal, devices.relay, force=True)
    except SessionFault as exc:
        event(log, "recovery.outbox_failed", logging.ERROR, code=exc.code)
    wipe_runtime_dir(runtime_dir)
    return results
