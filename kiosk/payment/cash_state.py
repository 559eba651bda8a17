"""What the cash drivers must remember across a crash, a kill or a power cut.

One small JSON file in the state directory (``cash-devices.json``), rewritten atomically
and fsynced on every change, before the change is acted on or reported:

- the coin acceptor's serial number and the last event counter the host consumed, so
  coins that went in while no process polled (the worker was killed with the acceptor
  still enabled) are credited by the next one, and none twice;
- monotonic totals of what the devices took and paid: coins in and notes in by
  denomination, coins paid by each hopper (from the hopper's own dispense count);
- each hopper's coin count (what a technician loaded plus coins routed to it, less what
  it paid) and its last lifetime dispense count (header 168);
- a payout in flight: the coins asked and the dispense count before, so a payout cut by a
  crash or a power loss is settled from what the hopper says it paid;
- a note the validator was told to stack whose VEND VALID has not been seen, and a note
  credited at its VEND VALID while the validator has not yet shown it took the ACK (it
  repeats VEND VALID until it does, to the next process too, which must not credit the
  note again).

It holds counts and device counters only: no session or personal data.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FILENAME = "cash-devices.json"


@dataclass
class PendingPayout:
    coins: int
    count_before: int  # the hopper's lifetime dispense count (168) before the command


@dataclass
class HopperRecord:
    inventory: int = 0  # coins believed to be in the hopper
    paid_total: int = 0  # coins this kiosk saw the hopper pay, ever
    dispense_count: int | None = None  # the hopper's 168 count when last read
    serial: str | None = None
    pending: PendingPayout | None = None


@dataclass
class CashRecord:
    acceptor_serial: str | None = None
    acceptor_counter: int | None = None
    coins_in: dict[int, int] = field(default_factory=dict)
    notes_in: dict[int, int] = field(default_factory=dict)
    hoppers: dict[int, HopperRecord] = field(default_factory=dict)
    note_stacking: int | None = None  # a STACK was sent for this note, VEND VALID not seen
    note_vended: int | None = None  # credited at VEND VALID; the validator has not moved on yet

    def hopper(self, denomination: int) -> HopperRecord:
        return self.hoppers.setdefault(denomination, HopperRecord())


def _int_keys(data: Mapping[str, Any]) -> dict[int, int]:
    return {int(k): int(v) for k, v in data.items()}


def _load(data: Mapping[str, Any]) -> CashRecord:
    hoppers = {}
    for denom, h in data.get("hoppers", {}).items():
        pending = h.get("pending")
        hoppers[int(denom)] = HopperRecord(
            inventory=int(h.get("inventory", 0)), paid_total=int(h.get("paid_total", 0)),
            dispense_count=h.get("dispense_count"), serial=h.get("serial"),
            pending=PendingPayout(int(pending["coins"]), int(pending["count_before"]))
            if pending else None)
    return CashRecord(acceptor_serial=data.get("acceptor_serial"),
                      acceptor_counter=data.get("acceptor_counter"),
                      coins_in=_int_keys(data.get("coins_in", {})),
                      notes_in=_int_keys(data.get("notes_in", {})),
                      hoppers=hoppers, note_stacking=data.get("note_stacking"),
                      note_vended=data.get("note_vended"))


def _dump(rec: CashRecord) -> dict[str, Any]:
    return {
        "acceptor_serial": rec.acceptor_serial,
        "acceptor_counter": rec.acceptor_counter,
        "coins_in": {str(k): v for k, v in sorted(rec.coins_in.items())},
        "notes_in": {str(k): v for k, v in sorted(rec.notes_in.items())},
        "hoppers": {str(d): {"inventory": h.inventory, "paid_total": h.paid_total,
                             "dispense_count": h.dispense_count, "serial": h.serial,
                             "pending": None if h.pending is None else
                             {"coins": h.pending.coins, "count_before": h.pending.count_before}}
                    for d, h in sorted(rec.hoppers.items())},
        "note_stacking": rec.note_stacking,
        "note_vended": rec.note_vended,
    }


class CashState:
    """The record and its file; :meth:`change` is the only way to modify it."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.RLock()
        self.record = CashRecord()
        if self.path is not None and self.path.exists():
            self.record = _load(json.loads(self.path.read_text(encoding="ascii")))

    @classmethod
    def in_state_dir(cls, state_dir: str | Path) -> CashState:
        return cls(Path(state_dir) / FILENAME)

    @contextmanager
    def change(self) -> Iterator[CashRecord]:
        """Modify the record; it is on disk (fsynced) when the block ends."""
        with self._lock:
            yield self.record
            self._save()

    def read(self) -> CashRecord:
        """The record, for reading under the caller's own discipline (a copy)."""
        with self._lock:
            return _load(_dump(self.record))

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        data = json.dumps(_dump(self.record), sort_keys=True).encode("ascii")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        dfd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
