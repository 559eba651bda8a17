"""cupsd stopped and restarted with a kiosk job in its spool: it starts the job again by
itself, and the print gate cancels it unless the session that submitted it still
consents (a consent is taken once, revoked by the kiosk, and dies with its process).
Each test stops its own cupsd; nothing is printed after the fact, nothing stays in the
spool, and the kiosk learns each job's fate."""

from __future__ import annotations

import subprocess

import cups
import pytest

from hardware_mocks.services.cupsd import Cupsd
from kiosk.diag.adapters import diagnostic_page_pdf
from kiosk.printing import gate
from kiosk.printing.cups_printer import CupsPrinter
from kiosk.printing.printer import Job, PrinterFault
from tests.fixtures.waiting import wait_for

pytestmark = pytest.mark.cupsd
PDF = diagnostic_page_pdf()  # a real page, nothing personal in it


def _printer(service: Cupsd) -> CupsPrinter:
    return CupsPrinter(service.queue, service.server, spool_dir=service.spool_dir,
                       gate_dir=service.gate_dir, purge_check_timeout=10)


def _cancelled_by_the_gate(service: Cupsd) -> None:
    """cupsd, restarted, starts the job again; the gate cancels it and cupsd purges it."""
    wait_for(lambda: not service.spool_files(), 90, "cupsd started the job again and the gate cancelled it")
    assert "no consent: cancelled" in (service.log_dir / "error_log").read_text()


def test_a_job_that_never_reached_the_printer_never_prints_after_a_restart(restartable_cupsd: Cupsd) -> None:
    service, printer = restartable_cupsd, _printer(restartable_cupsd)
    cups.setServer(service.server)
    cups.Connection().disablePrinter(service.queue)  # the job waits, pending
    job = printer.submit(bytearray(PDF), 1, False)
    assert service.spool_files()
    service.stop()
    with pytest.raises(PrinterFault):
        printer.purge(job)  # the wipe's purge: cupsd is down
    assert printer.fate(job.title) == gate.NOT_PRINTED  # revoked: it can never start now
    service.start(clear_fault=False)  # the queue is enabled again: cupsd starts the job
    _cancelled_by_the_gate(service)
    assert service.printed() == []
    printer.purge(job)  # the sweep confirms it gone
    printer.forget(job.title)
    assert list(service.gate_dir.iterdir()) == []


def test_a_job_the_printer_had_never_prints_again_after_a_restart(restartable_cupsd: Cupsd) -> None:
    service, printer = restartable_cupsd, _printer(restartable_cupsd)
    service.switch.set("slow", delay=60)
    job = printer.submit(bytearray(PDF), 1, False)
    wait_for(lambda: (service.gate_dir / f"{job.title}.started").exists(), 30, "the printer has the job")
    service.stop()  # cupsd stops the job (its backend is killed) and keeps it in the spool
    assert service.spool_files()
    assert printer.fate(job.title) == gate.UNKNOWN  # the printer had it and never confirmed
    service.start(clear_fault=False)
    _cancelled_by_the_gate(service)  # the consent was taken once: never again
    assert service.printed() == []
    printer.purge_all()
    assert service.spool_files() == []


def test_the_sweep_purges_a_job_known_only_by_its_title(restartable_cupsd: Cupsd) -> None:
    """A crash between Create-Job and the journal: the job id never came back, but the
    title was journaled before."""
    service, printer = restartable_cupsd, _printer(restartable_cupsd)
    cups.setServer(service.server)
    cups.Connection().disablePrinter(service.queue)
    try:
        job = printer.submit(bytearray(PDF), 1, False)
        printer.purge(Job(0, job.title))
        assert service.spool_files() == []
        assert printer.fate(job.title) == gate.NOT_PRINTED
    finally:
        cups.Connection().enablePrinter(service.queue)
    assert service.printed() == []


def test_a_queue_without_the_gate_is_refused_before_money(restartable_cupsd: Cupsd) -> None:
    service = restartable_cupsd

    def device(uri: str) -> None:
        subprocess.run(["lpadmin", "-h", service.server, "-p", service.queue, "-v", uri],
                       check=True, capture_output=True, timeout=30)

    _printer(service).preflight()
    elsewhere = CupsPrinter(service.queue, service.server, gate_dir=service.root / "elsewhere")
    with pytest.raises(PrinterFault) as info:
        elsewhere.preflight()  # the gate reads another directory than this kiosk writes
    assert info.value.reason == "ungated"
    device(f"kioskfault:{service.printer_dir}")  # the printer without the gate
    try:
        with pytest.raises(PrinterFault) as info:
            _printer(service).preflight()
        assert info.value.reason == "ungated"
    finally:
        device(service.device_uri)
    _printer(service).preflight()
