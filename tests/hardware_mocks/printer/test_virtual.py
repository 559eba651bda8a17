"""The printer port's contract, on the fake printer."""

from __future__ import annotations

import pytest

from hardware_mocks.printer.virtual import VirtualPrinter
from kiosk.printing.printer import (
    JobProgress,
    PrinterFault,
    PrintTimeout,
    SpoolResidue,
    fault_from_reasons,
)
from protocol.clock import FakeClock


def test_completed_job_then_purge_leaves_nothing() -> None:
    printer = VirtualPrinter()
    seen: list[JobProgress] = []
    doc = bytearray(b"%PDF- document")
    job = printer.submit(doc, copies=2, duplex=True)
    assert job.title.startswith("job-") and len(job.title) == 20
    printer.wait(job, printer.clock.monotonic() + 10, seen.append)
    assert [p.state for p in seen] == ["processing", "completed"]
    printer.purge(job)
    assert printer.spool == {}


def test_preflight_fault() -> None:
    printer = VirtualPrinter(preflight_fault="media-empty")
    with pytest.raises(PrinterFault) as info:
        printer.preflight()
    assert info.value.reason == "media-empty"


@pytest.mark.parametrize("step", ["media-jam", "offline", "held", "aborted"])
def test_fault_during_printing_purges(step: str) -> None:
    printer = VirtualPrinter(script=("processing", "processing", step))
    job = printer.submit(bytearray(b"x"), 1, False)
    with pytest.raises(PrinterFault) as info:
        printer.wait(job, printer.clock.monotonic() + 10)
    assert info.value.reason == step
    assert job.id in printer.purged and printer.spool == {}


def test_deadline_expiry_cancels_and_purges_on_fake_clock() -> None:
    clock = FakeClock()
    printer = VirtualPrinter(clock=clock, script=("processing",))
    job = printer.submit(bytearray(b"x"), 1, False)
    start = clock.monotonic()
    with pytest.raises(PrintTimeout) as info:
        printer.wait(job, start + 60)
    assert info.value.reason == "timeout"
    assert clock.monotonic() - start == pytest.approx(60, abs=0.5)
    assert printer.spool == {}


def test_residue_is_detected() -> None:
    printer = VirtualPrinter(leave_residue=True)
    job = printer.submit(bytearray(b"x"), 1, False)
    with pytest.raises(SpoolResidue):
        printer.purge(job)


@pytest.mark.parametrize("copies", [0, 11, -1])
def test_bad_copies_refused(copies: int) -> None:
    with pytest.raises(ValueError):
        VirtualPrinter().submit(bytearray(b"x"), copies, False)


@pytest.mark.parametrize(
    ("reasons", "fault"),
    [(["none"], None), (["media-empty-error"], "media-empty"), (["media-jam-error"], "media-jam"),
     (["offline-report"], "offline"), (["toner-low-warning"], None),
     (["cover-open-error"], "cover-open"), (["media-low-report", "offline"], "offline")],
)
def test_reason_mapping(reasons: list[str], fault: str | None) -> None:
    assert fault_from_reasons(reasons) == fault


def test_purge_all() -> None:
    printer = VirtualPrinter(script=("processing",))
    for _ in range(3):
        printer.submit(bytearray(b"x"), 1, False)
    printer.purge_all()
    assert printer.spool == {} and sorted(printer.purged) == [1, 2, 3]
