"""The print-purge obligation over the port fakes: what the journal owes, what the engine
does when the printer's answer is lost or its purge fails, and what recovery reports from
each job's fate. The same over a real cupsd: ``test_print_obligation.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import pytest

from hardware_mocks.session.fakes import FakeRelay
from kiosk.session.faults import PrintFault
from kiosk.session.journal import Journal, Rec
from kiosk.session.ports import Devices, Payout
from kiosk.session.recovery import recover, sweep_print
from kiosk.session.viewmodel import Intent, IntentKind
from tests.fixtures.session import Harness, drive_to, finish

JOB = "job-00112233445566ff"


def test_a_job_is_owed_from_before_its_submission_until_confirmed_purged(journal: Journal) -> None:
    journal.append("s1", Rec.OPENED)
    journal.append("s1", Rec.PRINT_SUBMITTED, request="r-1", job=JOB)
    assert journal.print_obligations() == {JOB: "s1"}
    journal.append("s1", Rec.COPY_PRINTED, job=JOB, copies=1)
    journal.append("s1", Rec.CLOSED, code="printed")  # the session ends; the job is still owed
    assert journal.open_sessions() == []
    assert journal.print_obligations() == {JOB: "s1"}
    journal.append("s1", Rec.PRINT_PURGED, job=JOB, code="printed")
    assert journal.print_obligations() == {}


def _take_papers(h: Harness) -> None:
    h.settle()
    assert h.state == "take_papers"
    h.engine.intent(Intent(IntentKind.ACKNOWLEDGE))
    finish(h)


def _unreachable(*_: object) -> NoReturn:
    raise PrintFault("unreachable")


def test_a_purge_that_fails_after_the_copy_came_out_leaves_it_owed_not_unprinted(
        harness: Callable[..., Harness], monkeypatch: pytest.MonkeyPatch) -> None:
    h = harness()
    drive_to(h, "printing", pay=500)
    monkeypatch.setattr(h.devices.printer, "purge", _unreachable)  # cupsd went down after the job
    _take_papers(h)
    o = h.engine.outcome
    assert (o.result, o.charged, o.change, o.copies_printed) == ("printed", 200, 300, 1)
    [job] = h.journal.print_obligations()
    assert h.journal.open_sessions() == []  # the session is over; its job is not
    with pytest.raises(PrintFault):
        sweep_print(h.journal, h.devices.printer)  # cupsd still down: still owed
    assert list(h.journal.print_obligations()) == [job]
    fresh = h.make("fake")
    assert sweep_print(h.journal, fresh.printer) == {job: "printed"}
    assert h.journal.print_obligations() == {}


def test_the_printers_answer_lost_after_completion_still_counts_the_copy(
        harness: Callable[..., Harness], monkeypatch: pytest.MonkeyPatch) -> None:
    h = harness()
    drive_to(h, "printing", pay=200)
    printer = h.devices.printer
    real_wait = printer.wait

    def wait(job: str, deadline_s: float) -> None:
        real_wait(job, deadline_s)  # it came out ...
        raise PrintFault("unreachable")  # ... and cupsd went down before the kiosk heard

    monkeypatch.setattr(printer, "wait", wait)
    _take_papers(h)
    o = h.engine.outcome
    assert (o.result, o.charged, o.refunded) == ("printed", 200, 0)
    assert isinstance(h.devices.relay, FakeRelay)
    assert [(r, c) for _, r, c, _ in h.devices.relay.outcomes] == [("printed", 1)]


@pytest.mark.parametrize(("code", "reported"), [("unreachable", ("unknown", 1, 200)),
                                                ("media-jam", ("failed", 0, 0))])
def test_a_job_whose_end_is_unknown(harness: Callable[..., Harness], monkeypatch: pytest.MonkeyPatch,
                                    code: str, reported: tuple[str, int, int]) -> None:
    """The printer had the job and never confirmed: refunded; the relay hears ``unknown``
    when the kiosk lost contact, ``failed`` when the printer itself reported the fault."""
    h = harness()
    drive_to(h, "printing", pay=200)
    printer = h.devices.printer

    def fault(*_: object) -> NoReturn:
        raise PrintFault(code)

    monkeypatch.setattr(printer, "wait", fault)
    monkeypatch.setattr(printer, "fate", lambda job: "unknown")
    finish(h)
    o = h.engine.outcome
    assert (o.result, o.charged, o.refunded) == ("failed", 0, 200)
    assert isinstance(h.devices.relay, FakeRelay)
    assert [(r, c, a) for _, r, c, a in h.devices.relay.outcomes] == [reported]
    assert h.journal.print_obligations() == {}  # purged, whatever its fate


@pytest.mark.parametrize(("fates", "printed", "reported"), [
    (["printed", "printed"], True, ("printed", 2, 400)),  # completed while the kiosk was down
    (["printed", "not_printed"], False, ("failed", 1, 200)),
    (["printed", "unknown"], False, ("unknown", 2, 400)),
    (["not_printed"], False, ("failed", 0, 0)),
])
def test_recovery_reports_each_jobs_fate(make_devices: Callable[..., Devices], journal: Journal,
                                         sim_dirs: Any, monkeypatch: pytest.MonkeyPatch,
                                         fates: list[str], printed: bool,
                                         reported: tuple[str, int, int]) -> None:
    """A worker died while printing two copies: what the printer's records say decides
    the money (charged only if every copy came out) and what the relay hears."""
    devices = make_devices("fake")
    jobs = [f"job-{n:016x}" for n in range(len(fates))]
    journal.append("s1", Rec.OPENED)
    journal.append("s1", Rec.REQUEST_SENT, request="r-1", relay="rs1", copies=2, amount=400)
    journal.append("s1", Rec.PAYMENT_BEGUN, txn="t1", amount=400)
    for job in jobs:
        journal.append("s1", Rec.PRINT_SUBMITTED, request="r-1", job=job)
    seen: list[bool] = []
    settle = devices.payment.settle_after_crash

    def settle_after_crash(txn: str, printed: bool) -> Payout:
        seen.append(printed)
        return settle(txn, printed)

    monkeypatch.setattr(devices.printer, "fate", dict(zip(jobs, fates, strict=True)).__getitem__)
    monkeypatch.setattr(devices.payment, "settle_after_crash", settle_after_crash)
    [settled] = recover(journal, devices, sim_dirs[1])
    assert seen == [printed] and settled.printed is printed
    assert isinstance(devices.relay, FakeRelay)
    assert devices.relay.outcomes == [("r-1", *reported)]
    assert settled.closed and journal.print_obligations() == {}
    purged = {r["job"]: r["code"] for r in journal.records() if r["rec"] == "print_purged"}
    assert purged == dict(zip(jobs, fates, strict=True))
