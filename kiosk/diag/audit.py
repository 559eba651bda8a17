"""The technician audit trail: every attempt, entry, exit and action, append-only.

Each record is one JSON line, fsynced before the action it records goes ahead, holding
only allow-listed fields (:func:`kiosk.log.sanitize`): event name, time, terminal id,
codes and counts, never a typed code digit or anything personal. The relay has no
endpoint for technician events yet; records are kept here and forwarded to any
:class:`AuditSink` in order, remembering how far the relay has acknowledged, so nothing
is lost while the network is down.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

from kiosk import jsonl
from kiosk.clock import Clock
from kiosk.diag import files
from kiosk.log import event, sanitize

log = logging.getLogger("kiosk.diag.audit")


class AuditSink(Protocol):
    """Where audit records go beyond the terminal (the relay's technician endpoint)."""

    def send(self, records: list[dict[str, Any]]) -> None:
        """Deliver records in order; raise ``OSError`` (or a relay error) if not delivered."""


class AuditTrail:
    def __init__(self, path: Path, clock: Clock, kiosk_id: str) -> None:
        self.path = Path(path)
        self._sent = self.path.with_name(self.path.name + ".sent")
        self._clock = clock
        self._kiosk = kiosk_id
        self._seq: int | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)

    def record(self, name: str, **fields: Any) -> dict[str, Any]:
        """Append one event; returns what was written."""
        if self._seq is None:
            self._seq = len(self.records())
        self._seq += 1
        # seq numbers the terminal's records: the relay deduplicates on (kiosk, seq).
        entry: dict[str, Any] = {"t": self._clock.now().isoformat(timespec="seconds"),
                                 "event": name, "kiosk": self._kiosk, "seq": self._seq}
        entry.update(sanitize(fields))
        jsonl.append(self.path, entry,
                     on_open=lambda fd: files.match_directory_owner(fd, self.path))
        event(log, name, **fields)
        return entry

    def records(self) -> list[dict[str, Any]]:
        return jsonl.read(self.path)  # a line torn by a power cut is skipped

    def forward(self, sink: AuditSink) -> int:
        """Send the records the sink has not acknowledged; returns how many went."""
        records = self.records()
        try:
            done = int(self._sent.read_text())
        except (FileNotFoundError, ValueError):
            done = 0
        pending = records[done:]
        if not pending:
            return 0
        try:
            sink.send(pending)
        except Exception:  # noqa: BLE001 - any failure: keep them for next time
            event(log, "diag.audit.forward_failed", count=len(pending))
            return 0
        files.replace(self._sent, str(len(records)).encode("ascii"))
        return len(pending)
