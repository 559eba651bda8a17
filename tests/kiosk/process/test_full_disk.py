"""A real full disk and a real read-only file system under the state folder (a small
tmpfs, mounted by the test: CI runs as root): the host sees it before offering a session
and serves no one — the kiosk's own check, not a device's — then serves again, by
itself, once the folder can be written."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from hardware_mocks.session.specs import virtual_spec, write
from hardware_mocks.world import World
from kiosk import config as kiosk_config
from kiosk.process.host import SessionHost
from kiosk.session.viewmodel import Screen


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "state"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("mounting a tmpfs needs CAP_SYS_ADMIN")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Write zeros until the file system says ENOSPC."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_state_folder_that_cannot_be_written_serves_no_one(
        small_disk: Path, fresh_world: World, tmp_path: Path, fault: str) -> None:
    spec = virtual_spec(fresh_world.root, small_disk, tmp_path / "run")
    cfg = kiosk_config.load(spec.config_path)
    write(msgspec.structs.replace(cfg, service_retry=0.2), Path(spec.config_path))
    if fault == "full":
        filler = fill(small_disk)
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with SessionHost(spec) as host:
        vm = host.wait_for(lambda v: v.final, 30)
        assert vm.screen == Screen.OUT_OF_SERVICE and vm.error is not None
        assert vm.error.code == "state_unwritable"
        assert host.worker_pid is None  # no session, so no money could be taken
        if fault == "full":
            filler.unlink()
        else:
            subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
        host.wait_for(lambda v: v.screen == Screen.START, 30)
        assert host.worker_pid is not None
