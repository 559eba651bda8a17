"""Residue check: nothing of any customer may remain between sessions.

Looks where a customer's data can linger after a session: the CUPS spool (``c*``/``d*``
job files) and cupsd's PreserveJob* settings (read by the printing area's
:mod:`kiosk.printing.residue`), whether the spool is on tmpfs, and the kiosk's runtime
and scratch directories. It reports counts and file *kinds* only, never a file's name or
content (a name could be a job title).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kiosk.diag.checks import CheckResult, Detail, Status, guarded
from kiosk.printing import residue as cups_residue

_RAM_FILESYSTEMS = {"tmpfs", "ramfs"}


@dataclass(frozen=True)
class ResiduePaths:
    spool_dir: Path = Path("/var/spool/cups")
    cupsd_conf: Path = Path("/etc/cups/cupsd.conf")
    #: Directories that must hold no file between sessions (the runtime dir, /tmp ...).
    scratch_dirs: tuple[Path, ...] = (Path("/run/kiosk"),)
    #: Production demands the spool on tmpfs; a developer machine only gets a warning.
    require_tmpfs: bool = True


def files_under(directory: Path) -> int:
    """Regular files anywhere below ``directory`` (sockets and FIFOs are not residue)."""
    count = 0
    for _root, _dirs, files in os.walk(directory):
        for name in files:
            path = Path(_root, name)
            if path.is_file() and not path.is_symlink():
                count += 1
    return count


def filesystem_type(path: Path, mountinfo: Iterable[str] | None = None) -> str:
    """The filesystem type of the mount holding ``path`` (from /proc/self/mountinfo)."""
    lines = mountinfo if mountinfo is not None else Path("/proc/self/mountinfo").read_text().splitlines()
    target = os.path.realpath(path)
    best, kind = "", "unknown"
    for line in lines:
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        mount_point = fields[4].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, kind = mount_point, right.split()[0]
    return kind


def check_spool(paths: ResiduePaths) -> CheckResult:
    def body() -> CheckResult:
        found = cups_residue.report(paths.cupsd_conf, paths.spool_dir)
        if not found.spool_readable:
            if not paths.spool_dir.exists():
                return CheckResult("residue.spool", Status.FAULT, "spool_missing")
            return CheckResult("residue.spool", Status.WARNING, "spool_unreadable")
        fs = filesystem_type(paths.spool_dir)
        details: dict[str, Detail] = {"job_files": len(found.spool_files), "filesystem": fs}
        if found.spool_files:
            return CheckResult("residue.spool", Status.FAULT, "spool_not_empty", details)
        if fs not in _RAM_FILESYSTEMS:
            status = Status.FAULT if paths.require_tmpfs else Status.WARNING
            return CheckResult("residue.spool", status, "spool_not_on_tmpfs", details)
        return CheckResult("residue.spool", Status.OK, details=details)

    return guarded("residue.spool", body)


def check_cups_settings(paths: ResiduePaths) -> CheckResult:
    def body() -> CheckResult:
        found = cups_residue.report(paths.cupsd_conf, paths.spool_dir)
        if not found.conf_readable:
            return CheckResult("residue.cups_settings", Status.WARNING, "cupsd_conf_unreadable")
        details: dict[str, Detail] = {"PreserveJobFiles": found.preserve_job_files,
                                      "PreserveJobHistory": found.preserve_job_history}
        if not found.settings_ok:
            code = next(p for p in found.problems() if p.startswith("preserve"))
            return CheckResult("residue.cups_settings", Status.FAULT, code, details)
        return CheckResult("residue.cups_settings", Status.OK, details=details)

    return guarded("residue.cups_settings", body)


def check_scratch(paths: ResiduePaths) -> CheckResult:
    def body() -> CheckResult:
        leftovers = sum(files_under(d) for d in paths.scratch_dirs if d.exists())
        details: dict[str, Detail] = {"dirs": len(paths.scratch_dirs), "files": leftovers}
        if leftovers:
            return CheckResult("residue.files", Status.FAULT, "leftover_files", details)
        return CheckResult("residue.files", Status.OK, details=details)

    return guarded("residue.files", body)


def check_all(paths: ResiduePaths) -> list[CheckResult]:
    return [check_spool(paths), check_cups_settings(paths), check_scratch(paths)]
