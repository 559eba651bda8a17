"""The print gate, run as cupsd runs a backend (``python3 -I``, the job's arguments, the
document on stdin, ``DEVICE_URI`` and ``CUPS_SERVERBIN``), in front of the fault printer's
backend: a job prints only with the consent of a living process, at most once, and leaves
word of how it ended."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from hardware_mocks.printer import backend as fault_backend
from hardware_mocks.printer.control import FaultSwitch
from kiosk.printing import gate
from kiosk.printing.printer import new_title
from tests.fixtures.waiting import wait_for

PDF = b"%PDF-1.4\n% a page\n"


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(ServerBin with the fault printer's backend, the printer's state dir, gate dir)."""
    server_bin, printer, gate_dir = tmp_path / "bin", tmp_path / "printer", tmp_path / "gate"
    (server_bin / "backend").mkdir(parents=True)
    printer.mkdir()
    wrapper = server_bin / "backend" / "kioskfault"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -I {fault_backend.__file__} \"$@\"\n")
    wrapper.chmod(0o700)
    return server_bin, printer, gate_dir


def _gate(dirs: tuple[Path, Path, Path], title: str, job: int = 7,
          uri: str | None = None) -> subprocess.Popen[bytes]:
    server_bin, printer, gate_dir = dirs
    env = {"DEVICE_URI": uri or f"kiosk-gate:{gate_dir}?kioskfault:{printer}",
           "CUPS_SERVERBIN": str(server_bin), "PATH": os.environ.get("PATH", "")}
    document = printer.parent / "document.pdf"
    document.write_bytes(PDF)
    with open(document, "rb") as stdin:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-I", gate.__file__, str(job), "kiosk", title, "1",
                                 "sides=one-sided"], stdin=stdin, stderr=subprocess.PIPE, env=env)


def _run(dirs: tuple[Path, Path, Path], title: str, job: int = 7, uri: str | None = None) -> tuple[int, bytes]:
    proc = _gate(dirs, title, job, uri)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


def _printed(printer: Path) -> list[str]:
    out = printer / "out"
    return sorted(p.name for p in out.glob("*.pdf")) if out.exists() else []


def test_a_consented_job_prints_once_and_leaves_word(dirs: tuple[Path, Path, Path]) -> None:
    _, printer, gate_dir = dirs
    title = new_title()
    gate.grant(gate_dir, title)
    code, err = _run(dirs, title)
    assert code == gate.CUPS_BACKEND_OK, err
    assert _printed(printer) == ["job-7.pdf"]
    assert (printer / "out" / "job-7.pdf").read_bytes() == PDF  # the device got the document
    assert gate.fate(gate_dir, title) == gate.PRINTED
    # cupsd starting the same job again (after a restart) finds the consent taken
    code, err = _run(dirs, title, job=8)
    assert code == gate.CUPS_BACKEND_CANCEL and b"no consent" in err
    assert _printed(printer) == ["job-7.pdf"]
    gate.forget(gate_dir, title)
    assert list(gate_dir.iterdir()) == []


def test_no_consent_revoked_or_foreign_title_is_cancelled(dirs: tuple[Path, Path, Path]) -> None:
    _, printer, gate_dir = dirs
    gate_dir.mkdir()
    assert _run(dirs, new_title())[0] == gate.CUPS_BACKEND_CANCEL  # never consented
    title = new_title()
    gate.grant(gate_dir, title)
    assert gate.revoke(gate_dir, title) is True
    assert _run(dirs, title)[0] == gate.CUPS_BACKEND_CANCEL  # revoked before it started
    assert gate.fate(gate_dir, title) == gate.NOT_PRINTED
    code, err = _run(dirs, "Resident's letter")  # not a kiosk job
    assert code == gate.CUPS_BACKEND_CANCEL and b"not a kiosk job" in err
    assert _printed(printer) == []


def test_consent_dies_with_its_process(dirs: tuple[Path, Path, Path]) -> None:
    _, printer, gate_dir = dirs
    title = new_title()
    consent = "import sys; from kiosk.printing import gate; gate.grant(sys.argv[1], sys.argv[2])"
    subprocess.run([sys.executable, "-c", consent, str(gate_dir), title], check=True)
    assert (gate_dir / f"{title}.consent").exists()
    assert _run(dirs, title)[0] == gate.CUPS_BACKEND_CANCEL  # the session that consented is gone
    assert _printed(printer) == []
    assert gate.fate(gate_dir, title) == gate.NOT_PRINTED  # it never reached the device


def test_a_cancel_while_the_printer_has_the_job_leaves_its_fate_unknown(dirs: tuple[Path, Path, Path]) -> None:
    _, printer, gate_dir = dirs
    FaultSwitch(printer).set("slow", delay=60)
    title = new_title()
    gate.grant(gate_dir, title)
    proc = _gate(dirs, title)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    wait_for(lambda: children.read_text().strip() != "", 20, "the device backend runs: it has the job")
    proc.send_signal(signal.SIGTERM)  # what cupsd does to cancel a job, or when it stops
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == gate.CUPS_BACKEND_FAILED, err
    assert _printed(printer) == []
    assert gate.fate(gate_dir, title) == gate.UNKNOWN  # the device had it and never confirmed


def test_bad_device_uri_and_discovery(dirs: tuple[Path, Path, Path]) -> None:
    _, printer, gate_dir = dirs
    title = new_title()
    gate.grant(gate_dir, title)
    for uri in (f"kioskfault:{printer}", f"kiosk-gate:{gate_dir}", f"kiosk-gate:{gate_dir}?kiosk-gate:/x",
                f"kiosk-gate:relative?kioskfault:{printer}"):
        code, err = _run(dirs, title, uri=uri)
        assert code == gate.CUPS_BACKEND_CANCEL and b"device URI" in err, uri
    assert (gate_dir / f"{title}.consent").exists()  # a misconfigured queue took nothing
    listing = subprocess.run([sys.executable, "-I", gate.__file__], capture_output=True, check=True)
    assert listing.stdout == b""  # the gate offers no device of its own


@pytest.mark.skipif(os.geteuid() != 0, reason="cupsd runs the gate as root")
def test_a_device_backend_others_may_run_runs_as_lp(dirs: tuple[Path, Path, Path]) -> None:
    _, printer, gate_dir = dirs
    # lp must reach the backend: not under pytest's basetemp, whose folders are 0700
    root = Path(tempfile.mkdtemp(prefix="kiosk-gate-"))
    try:
        root.chmod(0o755)
        (root / "backend").mkdir(mode=0o755)
        seen = root / "seen"
        seen.mkdir()
        seen.chmod(0o777)
        probe = root / "backend" / "whoami"
        probe.write_text(f"#!/bin/sh\ncat > /dev/null\nid -u > {seen}/uid\n")
        probe.chmod(0o755)
        title = new_title()
        gate.grant(gate_dir, title)
        code, err = _run((root, printer, gate_dir), title, uri=f"kiosk-gate:{gate_dir}?whoami://x")
        assert code == gate.CUPS_BACKEND_OK, err
        assert int((seen / "uid").read_text()) == pwd.getpwnam(gate.UNPRIVILEGED).pw_uid
        assert gate.fate(gate_dir, title) == gate.PRINTED
    finally:
        shutil.rmtree(root)


def test_a_device_backend_that_cannot_run_never_had_the_job(dirs: tuple[Path, Path, Path]) -> None:
    _, printer, gate_dir = dirs
    title = new_title()
    gate.grant(gate_dir, title)
    code, err = _run(dirs, title, uri=f"kiosk-gate:{gate_dir}?nosuch://x")
    assert code == gate.CUPS_BACKEND_FAILED and b"no backend" in err
    assert gate.fate(gate_dir, title) == gate.NOT_PRINTED
