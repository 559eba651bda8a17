"""The shipped print-gate wrapper (deploy/cups/kiosk-gate) runs the kiosk's gate module as
cupsd would run a backend, and the deployment guide installs it as the docs say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WRAPPER = REPO / "deploy" / "cups" / "kiosk-gate"
INSTALLED_PYTHON = "/opt/kiosk/venv/bin/python"


def test_the_wrapper_runs_the_gate_module(tmp_path: Path) -> None:
    text = WRAPPER.read_text(encoding="utf-8")
    assert f"exec {INSTALLED_PYTHON} -I -m kiosk.printing.gate \"$@\"" in text
    local = tmp_path / "kiosk-gate"
    local.write_text(text.replace(INSTALLED_PYTHON, sys.executable), encoding="utf-8")
    local.chmod(0o700)
    listing = subprocess.run([str(local)], capture_output=True, timeout=30, check=False, cwd=tmp_path)
    assert (listing.returncode, listing.stdout) == (0, b"")  # device discovery: no device
    job = subprocess.run([str(local), "1", "kiosk", "job-0011223344556677", "1", ""], input=b"%PDF",
                         capture_output=True, timeout=30, check=False, cwd=tmp_path,
                         env={"DEVICE_URI": f"kiosk-gate:{tmp_path}?kioskfault:{tmp_path}"})
    assert job.returncode == 5 and b"no consent" in job.stderr  # CUPS_BACKEND_CANCEL


def test_the_guide_installs_it_root_only_and_names_the_gate_in_the_device_uri() -> None:
    guide = (REPO / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert "install -o root -g root -m 0700 /opt/kiosk/deploy/cups/kiosk-gate /usr/lib/cups/backend/kiosk-gate" in guide
    assert "kiosk-gate:/var/lib/kiosk/print-gate?<device-uri>" in guide
