"""Durable writes of diagnostic state: replace a file atomically, own what root writes.

:func:`replace` fsyncs before returning (the audit rule: recorded before acted on) and
creates files 0600; appends go through :mod:`kiosk.jsonl`. ``kiosk diag`` may run as
root on the terminal while the kiosk service runs as its own user over the same state
directory; a file root creates there is given to the directory's owner
(:func:`match_directory_owner`), so the service can still write to it.
"""

from __future__ import annotations

import os
from pathlib import Path


def match_directory_owner(fd: int, path: Path) -> None:
    """When root, give the open file ``fd`` (at ``path``) to its directory's owner."""
    if os.geteuid() != 0:
        return
    parent = os.stat(path.parent)
    info = os.fstat(fd)
    if (info.st_uid, info.st_gid) != (parent.st_uid, parent.st_gid):
        os.fchown(fd, parent.st_uid, parent.st_gid)


def replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        match_directory_owner(fd, path)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
