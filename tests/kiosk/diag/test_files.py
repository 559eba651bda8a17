"""Durable writes: fsynced, 0600, and owned by the state directory's owner when root
writes (``kiosk diag`` as root beside the service running as its own user)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kiosk.diag import files


def test_append_and_replace(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    files.append_line(path, b"1\n")
    files.append_line(path, b"2\n")
    assert path.read_bytes() == b"1\n2\n"
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
    files.append_line(state / "diag-audit.jsonl", b"x\n")
    files.replace(state / "diag-mode.json", b"{}")
    for name in ("diag-audit.jsonl", "diag-mode.json"):
        info = (state / name).stat()
        assert (info.st_uid, info.st_gid) == (65534, 65534)
