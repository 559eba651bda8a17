"""The fault printer: its backend, and its switch (which also tells the private cupsd)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cups
import pytest

from hardware_mocks.printer import backend
from hardware_mocks.printer.control import FaultSwitch
from hardware_mocks.printer.control import main as control_main
from hardware_mocks.services.cupsd import Cupsd

PDF = b"%PDF-1.4\n% tiny\n"


def _run_backend(state: Path, data: bytes, timeout: float = 10) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-I", backend.__file__, "7", "kiosk", "job-x", "1", "sides=one-sided"],
        input=data, capture_output=True, timeout=timeout, env={"DEVICE_URI": f"kioskfault:{state}"},
        check=False,
    )


def test_backend_prints_to_folder(tmp_path: Path) -> None:
    result = _run_backend(tmp_path, PDF)
    assert result.returncode == 0
    assert (tmp_path / "out" / "job-7.pdf").read_bytes() == PDF
    meta = json.loads((tmp_path / "out" / "job-7.json").read_text())
    assert meta["options"] == "sides=one-sided" and meta["copies"] == 1


def test_backend_fail_and_discovery(tmp_path: Path) -> None:
    FaultSwitch(tmp_path).set("fail")
    result = _run_backend(tmp_path, PDF)
    assert result.returncode == 1 and b"ERROR:" in result.stderr
    listing = subprocess.run([sys.executable, "-I", backend.__file__], capture_output=True, check=True)
    assert listing.stdout.startswith(b"direct kioskfault")


def test_backend_reports_fault_and_waits_until_cleared(tmp_path: Path) -> None:
    switch = FaultSwitch(tmp_path)
    switch.set("media-jam")
    proc = subprocess.Popen(
        [sys.executable, "-I", backend.__file__, "8", "kiosk", "job-y", "1", ""],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE, env={"DEVICE_URI": f"kioskfault:{tmp_path}"},
    )
    assert proc.stdin is not None and proc.stderr is not None
    proc.stdin.write(PDF)
    proc.stdin.close()
    assert proc.stderr.readline() == b"STATE: +media-jam-error\n"
    assert not (tmp_path / "out" / "job-8.pdf").exists()
    switch.clear()
    assert proc.stderr.readline() == b"STATE: -media-jam-error\n"
    assert proc.wait(timeout=10) == 0
    proc.stderr.close()
    assert (tmp_path / "out" / "job-8.pdf").exists()


def test_control_cli(tmp_path: Path) -> None:
    assert control_main([str(tmp_path), "slow", "--delay", "2"]) == 0
    assert FaultSwitch(tmp_path).get() == "slow"
    assert control_main([str(tmp_path / "missing"), "none"]) == 2
    with pytest.raises(ValueError):
        FaultSwitch(tmp_path).set("on-fire")


@pytest.mark.cupsd
def test_switch_reports_state_to_cupsd(cupsd_clean: Cupsd) -> None:
    cups.setServer(cupsd_clean.server)
    conn = cups.Connection()

    def reasons() -> list[str]:
        return list(conn.getPrinterAttributes(cupsd_clean.queue,
                                              requested_attributes=["printer-state-reasons"])
                    ["printer-state-reasons"])

    try:
        cupsd_clean.switch.set("media-empty")
        assert reasons() == ["media-empty-error"]
        cupsd_clean.switch.set("offline")
        assert reasons() == ["offline-report"]
    finally:
        cupsd_clean.switch.clear()
    assert reasons() == ["none"]
