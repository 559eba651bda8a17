"""Log export for the technician: structured events only, to a USB stick or the relay.

The kiosk's log is one JSON event per line (:mod:`kiosk.log`). The export re-reads it and
keeps a line only if it parses as an event and passes the same allow-list again, so a
line that is not an event (a library's message, a torn write) never leaves the terminal.
On a stick, the file is written and fsynced before the export is reported done; to the
relay (``POST /v1/log-export``, a :class:`LogSink`), the same events go in parts the relay
acknowledges, under one export id.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from protocol.log import ALLOWED_FIELDS, sanitize

_ENVELOPE = {"t", "level", "logger", "event", "seq"}
_SAFE = re.compile(r"^[A-Za-z0-9_.:\-/+]{1,80}$")
_MY_NUMBER_SHAPE = re.compile(r"^\d{12}$")
_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


class ExportError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ExportResult:
    path: Path
    events: int
    skipped: int


@dataclass(frozen=True)
class RelayExportResult:
    export_id: str  # how the relay names this export (``relay logs``)
    events: int
    skipped: int


class LogSink(Protocol):
    """Where a log export goes instead of a stick (the relay)."""

    def send_logs(self, export_id: str, events: list[dict[str, Any]]) -> int:
        """Deliver the events; return how many were taken, or raise."""


def clean_event(line: bytes) -> dict[str, Any] | None:
    """The event on this line, re-sanitized, or None if it is not a structured event."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    name, logger, level = data.get("event"), data.get("logger", "audit"), data.get("level", "INFO")
    if (not isinstance(name, str) or name == "library.message" or not _SAFE.match(name)
            or not isinstance(logger, str) or not _SAFE.match(logger) or level not in _LEVELS
            or not isinstance(data.get("t", 0), int | float | str)
            or (isinstance(data.get("t"), str) and not _SAFE.match(data["t"]))):
        return None
    fields = {k: v for k, v in data.items() if k not in _ENVELOPE and k != "dropped"}
    if not set(fields) <= ALLOWED_FIELDS:
        return None  # a field the logger would never write: not one of our events
    cleaned = sanitize(fields)
    for key, value in cleaned.items():
        if isinstance(value, str) and _MY_NUMBER_SHAPE.match(value) and key != "serial":
            cleaned[key] = "<dropped>"  # a 12-digit value is never exported: it may be a My Number
    head = {"t": data.get("t"), "level": level, "logger": logger, "event": name}
    if isinstance(data.get("seq"), int):
        head["seq"] = data["seq"]
    return {**head, **cleaned}


def collect(sources: Iterable[Path]) -> tuple[list[dict[str, Any]], int]:
    """The structured events of ``sources`` (cleaned), and how many lines were skipped."""
    events: list[dict[str, Any]] = []
    skipped = 0
    for source in sources:
        if not source.is_file():
            continue
        with source.open("rb") as fh:
            for line in fh:
                ev = clean_event(line)
                if ev is None:
                    skipped += 1
                else:
                    events.append(ev)
    return events, skipped


def export(sources: Iterable[Path], usb_dir: Path, kiosk_id: str, now: dt.datetime) -> ExportResult:
    if not usb_dir.is_dir() or not os.access(usb_dir, os.W_OK):
        raise ExportError("usb_not_available")
    stamp = now.strftime("%Y%m%dT%H%M%S")
    target = usb_dir / f"kiosk-log-{kiosk_id}-{stamp}.jsonl"
    events, skipped = collect(sources)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        for ev in events:
            os.write(fd, (json.dumps(ev, sort_keys=True, ensure_ascii=True) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return ExportResult(target, len(events), skipped)


def export_to_relay(sources: Iterable[Path], sink: LogSink) -> RelayExportResult:
    """Send the structured events of ``sources`` to the relay under a fresh export id."""
    import uuid

    events, skipped = collect(sources)
    if not events:
        raise ExportError("nothing_to_export")
    export_id = str(uuid.uuid4())
    try:
        taken = sink.send_logs(export_id, events)
    except Exception as exc:
        raise ExportError(str(getattr(exc, "code", type(exc).__name__))) from exc
    if taken != len(events):
        raise ExportError("relay_incomplete")
    return RelayExportResult(export_id, len(events), skipped)
