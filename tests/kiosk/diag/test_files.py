"""Durable writes: fsynced, 0600, and owned by the state directory's owner when root
writes (``kiosk diag`` as root beside the service running as its own user)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kiosk.diag import files
from kiosk.diag.audit import AuditTrail
from protocol.clock import FakeClock


def test_audit_append_and_replace(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    audit = AuditTrail(path, FakeClock(), "K1")
    audit.record("diag.enter", ok=True)
    audit.record("diag.exit")
    assert [(r["event"], r["seq"]) for r in audit.records()] == [
        ("diag.enter", 1), ("diag.exit", 2)]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    files.replace(tmp_path / "b.json", b"{}")
    files.replace(tmp_path / "b.json", b"[]")
    assert (tmp_path / "b.json").read_bytes() == b"[]"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "b.json"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file away")
def test_root_writes_as_the_directory_owner(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    os.chown(state, 65534, 65534)
    AuditTrail(state / "diag-audit.jsonl", FakeClock(), "K1").record("diag.enter")
    files.replace(state / "diag-mode.json", b"{}")
    for name in ("diag-audit.jsonl", "diag-mode.json"):
        info = (state / name).stat()
        assert (info.st_uid, info.st_gid) == (65534, 65534)


def test_audit_seals_a_torn_line_and_skips_it(tmp_path: Path) -> None:
    audit = AuditTrail(tmp_path / "diag-audit.jsonl", FakeClock(), "K1")
    audit.record("diag.enter")
    with audit.path.open("ab") as f:
        f.write(b'{"event": "diag.ex')  # a power cut mid-write
    fresh = AuditTrail(audit.path, FakeClock(), "K1")  # the terminal restarted
    fresh.record("diag.exit")
    assert [(r["event"], r["seq"]) for r in fresh.records()] == [
        ("diag.enter", 1), ("diag.exit", 2)]
