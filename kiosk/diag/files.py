"""Small durable writes for diagnostic state: append a line, replace a file atomically.

Both fsync before returning (the audit rule: recorded before acted on) and create files
0600. ``kiosk diag`` may run as root on the terminal while the kiosk service runs as its
own user over the same state directory; a file root creates there is given to the
directory's owner, so the service can still append to it.
"""

from __future__ import annotations

import os
from pathlib import Path


def _match_directory_owner(fd: int, path: Path) -> None:
    if os.geteuid() != 0:
        return
    parent = os.stat(path.parent)
    info = os.fstat(fd)
    if (info.st_uid, info.st_gid) != (parent.st_uid, parent.st_gid):
        os.fchown(fd, parent.st_uid, parent.st_gid)


def append_line(path: Path, line: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        _match_directory_owner(fd, path)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        _match_directory_owner(fd, path)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
