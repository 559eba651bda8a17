"""Durable JSON-lines files: the journal, the money ledger and the technician audit trail.

Each holds one JSON object per line, appended and fsynced before the step it records is
acted on. A crash can leave a last line torn (no newline, cut anywhere); :func:`append`
seals it with a newline before writing, so the new record is never glued onto it and lost
with it, and :func:`read` skips whatever does not parse as an object. A line counts
exactly when it parses, with or without its newline, before and after sealing alike.

Appends take an exclusive ``flock``: writers in other processes (recovery after a worker
died, ``kiosk diag`` beside the service) see each other's records whole and in order.
:func:`rewrite` replaces the file under that lock (compaction); a writer that was waiting
for the lock finds the name now points to a new file and appends there instead.
:func:`extend` appends many records with one fsync (an archive taking a batch).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import Any

Record = dict[str, Any]
#: Given the file's records newest first (read lazily from the end), the one to append.
Builder = Callable[[Iterator[Record]], Mapping[str, Any]]

_TAIL_CHUNK = 4096


def append(path: str | Path, record: Mapping[str, Any] | Builder, *,
           on_open: Callable[[int], None] | None = None) -> Record:
    """Append one record, fsynced (and the directory too when the file is new); returns it.

    ``record`` may instead be a function of the records already there, newest first,
    called under the lock: what a sequence number needs. ``on_open(fd)`` runs under the
    lock before anything is written (e.g. to give a file root created to the directory's
    owner). The file is created 0600; its directory must exist.
    """
    path = Path(path)
    line = None if callable(record) else _encode(record)
    fd, created = _open_locked(path)
    try:
        if on_open is not None:
            on_open(fd)
        size = os.fstat(fd).st_size
        if callable(record):
            records = _newest_first(fd, size)
            try:
                record = record(records)
            finally:
                records.close()  # nothing reads through this fd once it is closed
            line = _encode(record)
        assert line is not None
        torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
        os.write(fd, b"\n" + line if torn else line)
        os.fsync(fd)
    finally:
        os.close(fd)  # also releases the lock
    if created:
        _fsync_directory(path.parent)
    return dict(record)


def extend(path: str | Path, records: list[Mapping[str, Any]]) -> None:
    """Append ``records`` under the lock with one fsync: a batch is durable whole or, after
    a crash, up to a torn last line that :func:`read` skips."""
    path = Path(path)
    fd, created = _open_locked(path)
    try:
        size = os.fstat(fd).st_size
        torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
        os.write(fd, (b"\n" if torn else b"") + b"".join(_encode(r) for r in records))
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_directory(path.parent)


def read(path: str | Path) -> list[Record]:
    """Every line that parses as a JSON object, in order; ``[]`` when there is no file.

    Bad content (a torn line, garbage, a non-object, invalid UTF-8) is skipped, never
    raised: it was never fsynced whole, so nothing was acted on because of it.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    return [rec for raw in data.split(b"\n") if (rec := _parse(raw)) is not None]


def rewrite(path: str | Path, keep: Callable[[list[Record]], list[Record]]) -> int:
    """Replace the file by ``keep(records)``, atomically and durably; returns how many
    records were dropped. Under the append lock, so no record is written in between and
    lost; a crash leaves either the old file or the new one, whole."""
    path = Path(path)
    fd, _ = _open_locked(path)
    try:
        records = read(path)
        kept = keep(records)
        temporary = path.with_name(path.name + ".rewrite")
        out = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(out, b"".join(_encode(r) for r in kept))
            os.fsync(out)
        finally:
            os.close(out)
        os.replace(temporary, path)
        _fsync_directory(path.parent)
    finally:
        os.close(fd)  # a writer waiting on the old file now sees it replaced
    return len(records) - len(kept)


def _encode(record: Mapping[str, Any]) -> bytes:
    text = json.dumps(dict(record), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.encode("ascii") + b"\n"


def _parse(raw: bytes) -> Record | None:
    if not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # ValueError covers invalid UTF-8 and huge ints
        return None
    return value if isinstance(value, dict) else None


def _open(path: Path) -> tuple[int, bool]:
    """Open for appending (and reading the tail); True when this call created the file."""
    flags = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC
    while True:
        try:
            return os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600), True
        except FileExistsError:
            pass
        try:
            return os.open(path, flags), False
        except FileNotFoundError:
            continue  # removed in between: create it after all


def _open_locked(path: Path) -> tuple[int, bool]:
    """:func:`_open`, then the exclusive lock, on the file the name still points to: if
    :func:`rewrite` replaced it while we waited, the old one is let go and the new one
    taken."""
    while True:
        fd, created = _open(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd, created
        except FileNotFoundError:
            pass  # replaced and not yet renamed into place: open again
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    """Make the new file's name durable, not only its content."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _newest_first(fd: int, size: int) -> Generator[Record, None, None]:
    """The lines that parse, from the last one back, read from the end in chunks."""
    pos, partial = size, b""
    while pos > 0:
        step = min(pos, _TAIL_CHUNK)
        pos -= step
        lines = (os.pread(fd, step, pos) + partial).split(b"\n")
        partial = lines.pop(0) if pos > 0 else b""  # may continue in the previous chunk
        for raw in reversed(lines):
            if (rec := _parse(raw)) is not None:
                yield rec
