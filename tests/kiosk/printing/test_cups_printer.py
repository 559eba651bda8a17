"""The pycups adapter against the private cupsd and its fault printer.

Every test prints the canary persona's certificate and, whatever happens, checks that
afterwards the canary is nowhere in the spool, in the printer's output leftovers, in
cupsd's logs or in our own log events (extracted text for PDFs: CUPS re-encodes them).
"""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

import pytest

from hardware_mocks.services.cupsd import Cupsd
from hardware_mocks.world import CANARY_ADDRESS_MARK, CANARY_FAMILY, CANARY_GIVEN, CANARY_KANA
from kiosk.printing.cups_printer import CupsPrinter
from kiosk.printing.printer import JobProgress, PrinterFault, PrintTimeout
from protocol.clock import FakeClock
from protocol.paper import verify
from protocol.paper.render import render
from tests.fixtures.cupsd import JobEnds
from tests.fixtures.documents import DocumentFactory, Keys

pytestmark = pytest.mark.cupsd
CANARIES = [CANARY_FAMILY, CANARY_GIVEN, CANARY_ADDRESS_MARK, CANARY_KANA.split()[0]]


@pytest.fixture(scope="module")
def canary_pdf(make_document: DocumentFactory, keys: Keys) -> bytes:
    document = make_document("canary", "juminhyo", scope="household", my_number="include")
    return bytes(render(document, keys.issuer, keys.scramble).pdf)


@pytest.fixture
def printer(cupsd_clean: Cupsd) -> CupsPrinter:
    return CupsPrinter(cupsd_clean.queue, cupsd_clean.server, spool_dir=cupsd_clean.spool_dir,
                       gate_dir=cupsd_clean.gate_dir)


def _text_of(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=False)
        return "".join(out.stdout.decode("utf-8", "replace").split())
    return data.decode("utf-8", "replace")


def assert_no_canary(cupsd: Cupsd, caplog: pytest.LogCaptureFixture, delivered: tuple[Path, ...] = ()) -> None:
    """Nothing of the canary outside the paper that was actually printed."""
    places = [p for p in cupsd.spool_dir.rglob("*") if p.is_file()]
    places += [p for p in cupsd.output_dir.rglob("*") if p.is_file() and p not in delivered]
    places += [p for p in cupsd.log_dir.rglob("*") if p.is_file()]
    for path in places:
        text = _text_of(path)
        for canary in CANARIES:
            assert canary not in text, f"canary in {path}"
    assert not cupsd.spool_files()
    for record in caplog.records:
        line = json.dumps(getattr(record, "kiosk_event", {}), ensure_ascii=False) + record.getMessage()
        for canary in CANARIES:
            assert canary not in line


def _job_output(cupsd: Cupsd, job_id: int) -> Path:
    return cupsd.output_dir / f"job-{job_id}.pdf"


def test_normal_job(printer: CupsPrinter, cupsd_clean: Cupsd, canary_pdf: bytes, keys: Keys,
                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    printer.preflight()
    seen: list[JobProgress] = []
    doc = bytearray(canary_pdf)
    job = printer.submit(doc, copies=2, duplex=True)
    try:
        printer.wait(job, printer.clock.monotonic() + 20, seen.append)
    finally:
        printer.purge(job)
    assert seen[-1].state == "completed"
    paper = _job_output(cupsd_clean, job.id)
    assert CANARY_FAMILY in _text_of(paper)  # the paper itself carries the data
    verdict = verify.verify_files([paper.read_bytes()], keys.public, lambda serial: keys.scramble)
    assert verdict.status == verify.VALID, verdict.reason  # after pdftopdf, as the printer gets it
    meta = json.loads((cupsd_clean.output_dir / f"job-{job.id}.json").read_text())
    assert meta["title"] == job.title and job.title.startswith("job-")
    assert "sides=two-sided-long-edge" in meta["options"] and "media=A4" in meta["options"]
    assert meta["copies"] == 2
    assert_no_canary(cupsd_clean, caplog, delivered=(paper,))
    events = [r.msg for r in caplog.records]
    assert "printer.submitted" in events and "printer.completed" in events and "printer.purged" in events


@pytest.mark.parametrize("fault", ["media-empty", "media-jam", "offline"])
def test_fault_before_printing_is_seen_by_preflight(printer: CupsPrinter, cupsd_clean: Cupsd,
                                                    fault: str, caplog: pytest.LogCaptureFixture) -> None:
    cupsd_clean.switch.set(fault)
    try:
        with pytest.raises(PrinterFault) as info:
            printer.preflight()
        assert info.value.reason == fault
    finally:
        cupsd_clean.switch.clear()
    printer.preflight()


def test_stopped_rejecting_and_missing_queue(printer: CupsPrinter, cupsd_clean: Cupsd) -> None:
    def admin(cmd: str) -> None:
        subprocess.run([cmd, "-h", cupsd_clean.server, cupsd_clean.queue], check=True, capture_output=True)

    admin("cupsdisable")
    try:
        with pytest.raises(PrinterFault) as info:
            printer.preflight()
        assert info.value.reason == "stopped"
    finally:
        admin("cupsenable")
    admin("cupsreject")
    try:
        with pytest.raises(PrinterFault) as info:
            printer.preflight()
        assert info.value.reason == "not-accepting"
    finally:
        admin("cupsaccept")
    with pytest.raises(PrinterFault) as info:
        CupsPrinter("no-such-queue", cupsd_clean.server).preflight()
    assert info.value.reason == "no-queue"


@pytest.mark.parametrize(("fault", "reason", "ended"), [("media-empty", "media-empty", "canceled"),
                                                         ("media-jam", "media-jam", "canceled"),
                                                         ("offline", "offline", "canceled"),
                                                         ("fail", "aborted", "aborted")])
def test_fault_during_printing_cancels_and_purges(printer: CupsPrinter, cupsd_clean: Cupsd, job_ends: JobEnds,
                                                  canary_pdf: bytes, fault: str, reason: str, ended: str,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    cupsd_clean.switch.set("slow", delay=30)

    def on_progress(progress: JobProgress) -> None:
        if progress.state == "processing":  # paper runs out while the job prints
            cupsd_clean.switch.set(fault)

    job = printer.submit(bytearray(canary_pdf), 1, True)
    try:
        with pytest.raises(PrinterFault) as info:
            printer.wait(job, printer.clock.monotonic() + 20, on_progress)
        assert info.value.reason == reason
    finally:
        cupsd_clean.switch.clear()
        printer.purge(job)
    # the job is over for cupsd, its backend gone: it cannot print once the fault clears
    assert job_ends.of(job.id) == ended
    assert not _job_output(cupsd_clean, job.id).exists()
    assert_no_canary(cupsd_clean, caplog)


def test_deadline_expiry_cancels_the_whole_job(cupsd_clean: Cupsd, job_ends: JobEnds, canary_pdf: bytes,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """The Yokohama lesson: a job whose deadline passed while it printed never prints later."""
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    printer = CupsPrinter(cupsd_clean.queue, cupsd_clean.server, clock=clock, spool_dir=cupsd_clean.spool_dir,
                          gate_dir=cupsd_clean.gate_dir)
    cupsd_clean.switch.set("slow", delay=30)
    deadline = clock.monotonic() + 60

    def on_progress(progress: JobProgress) -> None:
        if progress.state == "processing":  # the printer has the job: its time runs out
            clock.advance(60)

    job = printer.submit(bytearray(canary_pdf), 1, True)
    try:
        with pytest.raises(PrintTimeout):
            printer.wait(job, deadline, on_progress)
    finally:
        cupsd_clean.switch.clear()
    assert job_ends.of(job.id) == "canceled"
    assert not _job_output(cupsd_clean, job.id).exists()
    assert_no_canary(cupsd_clean, caplog)


def test_unreachable_server() -> None:
    with pytest.raises(PrinterFault) as info:
        CupsPrinter("kiosk", "127.0.0.1:1").preflight()
    assert info.value.reason == "unreachable"


def test_recovery_purges_every_job_of_the_queue(printer: CupsPrinter, cupsd_clean: Cupsd, job_ends: JobEnds,
                                                canary_pdf: bytes, caplog: pytest.LogCaptureFixture) -> None:
    cupsd_clean.switch.set("slow", delay=30)
    try:
        jobs = [printer.submit(bytearray(canary_pdf), 1, True) for _ in range(2)]
        assert cupsd_clean.spool_files()  # a crashed session left jobs behind
        CupsPrinter(cupsd_clean.queue, cupsd_clean.server, spool_dir=cupsd_clean.spool_dir,
                    gate_dir=cupsd_clean.gate_dir).purge_all()
    finally:
        cupsd_clean.switch.clear()
    # the one printing and the one waiting are both over for cupsd
    assert [job_ends.of(j.id) for j in jobs] == ["canceled", "canceled"]
    assert not any(_job_output(cupsd_clean, j.id).exists() for j in jobs)
    assert_no_canary(cupsd_clean, caplog)
