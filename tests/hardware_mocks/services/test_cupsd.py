"""The private cupsd: the settings a kiosk's cupsd must have, its fault-printer queue
printing a plain ``lp`` job, the folders its filters must be able to reach, and its port,
held from before the first start to the end."""

from __future__ import annotations

import errno
import re
import shutil
import socket
import subprocess
import tempfile
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
    service = Cupsd(private / "cupsd")
    with pytest.raises(CupsdError, match="not searchable"):
        service.start()
    with pytest.raises(CupsdError, match="closed"):  # the failed start let its port go
        service.start()


def _kept(port: int) -> bool:
    """Whether a bind to ``port`` without SO_REUSEADDR is refused: the port is bound by
    another socket, so the kernel gives it to no one asking for a free port."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
        return False


def _serves(service: Cupsd) -> bool:
    cups.setServer(service.server)
    return service.queue in cups.Connection().getPrinters()


@pytest.mark.cupsd
def test_the_port_is_held_from_before_the_first_start_across_a_restart() -> None:
    """No other process can be given the port before cupsd's first start nor between a
    stop and the next start, and cupsd listens on it all the same (it sets SO_REUSEADDR)."""
    if shutil.which("cupsd") is None or shutil.which("ipptool") is None:
        pytest.skip("cupsd / ipptool not installed (see scripts/system-packages.txt)")
    root = Path(tempfile.mkdtemp(prefix="kiosk-cupsd-"))  # CUPS filters run as lp: not 0700
    root.chmod(0o755)
    service = Cupsd(root)
    try:
        port = service.port
        assert _kept(port)
        assert _serves(service.start())
        service.stop()
        assert _kept(port)
        assert _serves(service.start()) and service.port == port
    finally:
        service.close()
        shutil.rmtree(root, ignore_errors=True)
    assert service.process is None
