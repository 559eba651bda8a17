"""The private cupsd: the settings a kiosk's cupsd must have, its fault-printer queue
printing a plain ``lp`` job, and the folders its filters must be able to reach."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cups
import pytest

from hardware_mocks.services.cupsd import Cupsd, CupsdError
from kiosk.printing import gate
from kiosk.printing.cups_printer import CupsPrinter
from kiosk.printing.printer import Job, new_title
from tests.fixtures.cupsd import JobEnds


@pytest.mark.cupsd
def test_private_cupsd_settings_and_queue(cupsd_clean: Cupsd) -> None:
    conf = (cupsd_clean.config_dir / "cupsd.conf").read_text()
    assert "PreserveJobFiles No" in conf and "PreserveJobHistory No" in conf
    assert "Listen 127.0.0.1:" in conf
    cups.setServer(cupsd_clean.server)
    # the stub's TypedDict lists only some of what CUPS answers
    attrs: Mapping[str, Any] = cups.Connection().getPrinterAttributes(cupsd_clean.queue)
    assert attrs["printer-is-accepting-jobs"]
    assert "two-sided-long-edge" in attrs["sides-supported"]


@pytest.mark.cupsd
def test_lp_job_lands_in_output(cupsd_clean: Cupsd, job_ends: JobEnds) -> None:
    sample = Path("/usr/share/cups/data/default-testpage.pdf")
    if not sample.exists():
        pytest.skip("no sample PDF")
    title = new_title()
    gate.grant(cupsd_clean.gate_dir, title)  # the queue prints through the kiosk's print gate
    done = subprocess.run(["lp", "-h", cupsd_clean.server, "-d", cupsd_clean.queue, "-t", title, str(sample)],
                          check=True, capture_output=True, text=True, timeout=30)
    match = re.search(r"request id is \S+-(\d+)", done.stdout)
    assert match, done.stdout
    job_id = int(match[1])
    printer = CupsPrinter(cupsd_clean.queue, cupsd_clean.server)  # its job watch waits for the end
    printer.wait(Job(job_id, title, job_ends.subscription), printer.clock.monotonic() + 20)
    assert gate.fate(cupsd_clean.gate_dir, title) == gate.PRINTED
    gate.forget(cupsd_clean.gate_dir, title)
    assert job_ends.of(job_id) == "completed"
    assert (cupsd_clean.output_dir / f"job-{job_id}.pdf").exists()


def test_cupsd_refuses_a_root_filters_cannot_reach(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    with pytest.raises(CupsdError, match="not searchable"):
        Cupsd(private / "cupsd").start()
