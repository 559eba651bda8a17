"""Recovery: settle every session the journal shows as opened and never closed.

Runs at start and after a worker died, in the next worker, before any customer is
served: what a crash or a power cut left half done (coins held, jobs queued, a request the
relay still holds open) must not carry over into the next customer's session. First the
print sweep closes every open print obligation (:func:`sweep_print`), then for each open
session: find out what its jobs printed (also while the kiosk was down), settle the money
(charge only what was printed; refund or voucher the rest), report the outcome to the
relay by request id (``unknown`` when the printer had a job and never said how it
ended), wipe the runtime directory, and close the intent. Each step is attempted even if
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
from kiosk.session.journal import Journal, OpenSession, Rec
from kiosk.session.ports import Devices, Printer
from protocol.log import event

log = logging.getLogger("kiosk.session.recovery")

#: Out-of-service code while a print job is owed a purge (``Journal.print_obligations``).
PRINT_UNPURGED = "print_unpurged"


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


@dataclass(frozen=True)
class PrintOutcome:
    """What came out of one open session's print jobs, from the journal and the printer."""

    outcome: str  # printed | failed | unknown (what the relay is told)
    printed: bool  # every copy came out: the money is charged
    copies: int  # copies reported: those that came out (with ``unknown``: may have)


def sweep_print(journal: Journal, printer: Printer) -> dict[str, str]:
    """Close every open print obligation: revoke every consent, cancel and purge every
    job the kiosk owns, and once the printer confirms them gone journal each job's fate
    (``print_purged``) and drop the gate's records. Returns job → fate of the jobs it
    closed; raises ``SessionFault`` (the obligations stay open) if the printer could not
    confirm."""
    owed = journal.print_obligations()
    printer.purge(None)
    fates = {}
    for job, session in owed.items():
        fates[job] = printer.fate(job)
        journal.append(session, Rec.PRINT_PURGED, job=job, code=fates[job])
    printer.forget(None)
    if owed:
        event(log, "recovery.print_swept", jobs=len(owed))
    return fates


def _print_outcome(s: OpenSession, printer: Printer, swept: dict[str, str]) -> PrintOutcome:
    """From the journal's records of the session's jobs, else from the printer: a job
    that completed while the kiosk was down counts as printed (the gate's record), and
    one the printer had when it went down without word is ``unknown``."""
    fates = {job: s.fates.get(job) or swept.get(job) or printer.fate(job) for job in s.jobs}
    out = max(s.copies_printed, sum(1 for f in fates.values() if f == "printed"))
    unsure = sum(1 for f in fates.values() if f == "unknown")
    if s.printed or (s.copies > 0 and out >= s.copies):
        return PrintOutcome("printed", True, max(out, s.copies))
    if unsure:
        return PrintOutcome("unknown", False, min(out + unsure, max(s.copies, 1)))
    return PrintOutcome("failed", False, out)


def recover(journal: Journal, devices: Devices, runtime_dir: Path | None) -> list[Settled]:
    results = []
    open_sessions = journal.open_sessions()
    swept: dict[str, str] = {}
    if open_sessions or journal.print_obligations():
        try:
            swept = sweep_print(journal, devices.printer)
        except SessionFault as exc:
            event(log, "recovery.purge_failed", logging.ERROR, code=exc.code)
    for s in open_sessions:
        printing = _print_outcome(s, devices.printer, swept)
        r = Settled(s.session, printed=printing.printed)
        settled = True
        if s.txn and not s.charged and not s.refunded:
            try:
                refund = devices.payment.settle_after_crash(s.txn, printed=printing.printed)
                if refund.charged and not printing.printed:
                    # the ledger charged it, which it does only after every copy came out:
                    # the journal could not say so (a full disk), the ledger could
                    printing = PrintOutcome("printed", True, max(printing.copies, s.copies))
                    r.printed = True
                if printing.printed:
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
        copies = printing.copies
        r.copies = copies
        owed = {due.request for due in journal.outbox()}
        for request in s.requests:
            if request in owed or request in s.reported:
                continue  # the dead worker already put it in the outbox
            try:
                outbox.owe(journal, s.session, request, s.relay_session, printing.outcome,
                           copies, s.fee * copies)
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
