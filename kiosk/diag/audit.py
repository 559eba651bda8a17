"""The technician audit trail: every attempt, entry, exit and action, append-only.

Each record is one JSON line, fsynced before the action it records goes ahead, holding
only allow-listed fields (:func:`kiosk.log.sanitize`): event name, time, terminal id,
codes and counts, never a typed code digit or anything personal. Records are kept here
and forwarded in order to an :class:`AuditSink` (the relay's ``POST /v1/technician-events``,
:class:`kiosk.diag.adapters.RelayAuditSink`), remembering the highest ``seq`` the relay
acknowledged, so nothing is lost while the network is down and a repeat after a lost
answer is harmless (the relay keeps one record per kiosk and seq).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

from kiosk import jsonl
from kiosk.diag import files
from protocol.clock import Clock
from protocol.log import event, sanitize

log = logging.getLogger("kiosk.diag.audit")


class AuditSink(Protocol):
    """Where audit records go beyond the terminal (the relay's technician endpoint)."""

    def send(self, records: list[dict[str, Any]]) -> int:
        """Deliver records in order and return the highest ``seq`` acknowledged; raise
        ``OSError`` (or a relay error) if not delivered."""


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
        if self._seq is None:  # after the highest seq written: never one again, even past a torn line
            self._seq = max((r["seq"] for r in self.records() if _positive(r.get("seq"))), default=0)
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

    def acknowledged(self) -> int:
        """The highest seq the sink has acknowledged."""
        try:
            return int(self._sent.read_text())
        except (FileNotFoundError, ValueError):
            return 0

    def forward(self, sink: AuditSink) -> int:
        """Send the records the sink has not acknowledged; returns how many it took."""
        done = self.acknowledged()
        pending = [r for r in self.records() if _positive(r.get("seq")) and r["seq"] > done]
        if not pending:
            return 0
        try:
            acknowledged = sink.send(pending)
        except Exception:
            event(log, "diag.audit.forward_failed", count=len(pending))
            return 0
        if not _positive(acknowledged) or acknowledged <= done:
            event(log, "diag.audit.forward_failed", count=len(pending), reason="not_acknowledged")
            return 0
        acknowledged = min(acknowledged, pending[-1]["seq"])  # never past what was sent
        files.replace(self._sent, str(acknowledged).encode("ascii"))
        return sum(1 for r in pending if r["seq"] <= acknowledged)


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
