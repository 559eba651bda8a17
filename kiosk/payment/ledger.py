"""The money ledger: an append-only JSON-lines file, fsynced before money moves.

Every yen the device takes or gives is written here first, so that after a crash, a kill
or a power cut the kiosk can tell what each payment transaction still owes. It holds
amounts, denominations, fault codes and opaque ids only (payment transaction id, session
id, voucher id): it is not session data and the wipe never touches it.

Kinds, per transaction ``txn``:

- ``begin`` (``due``, ``amount`` = the device ceiling, ``session``, ``taken_at`` = the
  device's lifetime intake counter just before it was armed), written and fsynced before
  the device is armed: a transaction with no ``begin`` never took a yen;
- ``credit`` (a coin, ``denomination``; or ``amount`` reconciled from the device's final
  count when events were lost), ``escrow`` / ``stack`` / ``return`` (a note);
- ``fault`` (``code``);
- ``charge`` (``amount``: written only once the certificate has printed);
- ``dispense`` (the intent: ``purpose`` change|refund, ``amount`` asked, ``levels``
  before, ``paid_at`` = the device's lifetime payout counter before), then ``payout``
  (change) or ``refund`` with the ``amount`` actually paid;
- ``voucher`` (``voucher`` id, ``amount``) for whatever the device could not pay;
- ``close``.

A transaction balances when paid in = charged + change + refunded + vouchered.

Recovery reads the whole file, so it must stay small: between sessions, once it passes
:data:`ARCHIVE_AT_BYTES`, :meth:`Ledger.archive` moves every closed transaction's entries
to the month's archive beside it (``money-ledger.YYYY-MM.jsonl``, same format, kept for the
operator's accounts) and leaves an ``archived`` marker that carries the sequence on.
"""

from __future__ import annotations

import datetime as dt
import errno
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk import jsonl
from protocol.clock import Clock, SystemClock

KINDS = frozenset(
    {"begin", "credit", "escrow", "stack", "return", "fault", "charge", "dispense", "payout",
     "refund", "voucher", "close"}
)
_FIELDS = frozenset(
    {"session", "amount", "due", "denomination", "purpose", "code", "voucher", "levels",
     "inferred", "taken_at", "paid_at"}
)
_OPAQUE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FILENAME = "money-ledger.jsonl"
#: A ledger larger than this is archived between sessions (:meth:`Ledger.archive`): a
#: year of a busy terminal is tens of megabytes, and recovery reads the whole file.
ARCHIVE_AT_BYTES = 1 << 20


class LedgerError(Exception):
    """A value that may not go into the ledger (not an amount, code or opaque id)."""


class LedgerUnwritable(Exception):
    """The entry could not be written and fsynced (read-only file system, full disk, I/O
    error): whatever it was to record must not happen. ``code`` names the errno."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def check_id(value: object) -> str:
    """Opaque ids only: a fixed alphabet and length, so no name or number can slip in.
    Checked at run time whatever the caller's declared type, hence ``object``."""
    if not isinstance(value, str) or not _OPAQUE.match(value):
        raise LedgerError("not an opaque id")
    return value


def _check_value(key: str, value: object) -> int | str | dict[str, int]:
    if key == "levels":
        if not isinstance(value, Mapping):
            raise LedgerError("levels must be a mapping")
        return {str(int(k)): int(v) for k, v in value.items()}
    if isinstance(value, bool) or (isinstance(value, int) and value >= 0):
        return value
    if isinstance(value, str):
        return check_id(value)
    raise LedgerError("ledger values are non-negative ints, flags and opaque ids")


@dataclass(frozen=True)
class PendingDispense:
    """A payout that was asked for but whose result never reached the ledger."""

    purpose: str
    amount: int
    levels: dict[int, int]
    paid_at: int | None = None  # the device's payout counter when it was asked


@dataclass
class TxnBalance:
    """What the ledger says about one payment transaction."""

    txn: str
    began: bool = False  # a ``begin`` is on record: the device may have been armed
    taken_at: int | None = None  # the device's intake counter when it was armed
    session: str | None = None
    due: int = 0
    paid_in: int = 0
    charged: int = 0
    change: int = 0
    refunded: int = 0
    vouchers: list[tuple[str, int]] = field(default_factory=list)
    escrow_open: int = 0  # notes in escrow with no stack or return recorded
    pending: PendingDispense | None = None
    faults: list[str] = field(default_factory=list)
    closed: bool = False

    @property
    def vouchered(self) -> int:
        return sum(amount for _, amount in self.vouchers)

    @property
    def outstanding(self) -> int:
        """Money taken that has not yet been charged, given back or vouchered."""
        return self.paid_in - self.charged - self.change - self.refunded - self.vouchered

    def apply(self, entry: Mapping[str, Any]) -> None:
        kind = entry["kind"]
        amount = int(entry.get("amount", 0))
        if kind == "begin":
            self.began = True
            taken_at = entry.get("taken_at")
            self.taken_at = taken_at if isinstance(taken_at, int) else None
            self.session = entry.get("session")
            self.due = int(entry.get("due", 0))
        elif kind == "credit":
            self.paid_in += int(entry.get("denomination", amount))
        elif kind == "escrow":
            self.escrow_open += 1
        elif kind == "stack":
            self.paid_in += int(entry["denomination"])
            self.escrow_open = max(0, self.escrow_open - 1)
        elif kind == "return":
            self.escrow_open = max(0, self.escrow_open - 1)
        elif kind == "fault":
            self.faults.append(str(entry.get("code")))
        elif kind == "charge":
            self.charged += amount
        elif kind == "dispense":
            levels = {int(k): int(v) for k, v in entry.get("levels", {}).items()}
            paid_at = entry.get("paid_at")
            self.pending = PendingDispense(str(entry["purpose"]), amount, levels,
                                           paid_at if isinstance(paid_at, int) else None)
        elif kind in ("payout", "refund"):
            if kind == "payout":
                self.change += amount
            else:
                self.refunded += amount
            self.pending = None
        elif kind == "voucher":
            self.vouchers.append((str(entry["voucher"]), amount))
        elif kind == "close":
            self.closed = True


class Ledger:
    """One ledger file; one writer process at a time (an flock guards each append)."""

    def __init__(self, path: str | Path, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()

    @classmethod
    def in_state_dir(cls, state_dir: str | Path, clock: Clock | None = None) -> Ledger:
        return cls(Path(state_dir) / FILENAME, clock)

    def append(self, kind: str, txn: str, **fields: Any) -> dict[str, Any]:
        """Write one entry and fsync it; only then may the caller act on it."""
        if kind not in KINDS:
            raise LedgerError("unknown ledger kind")
        entry: dict[str, Any] = {"kind": kind, "txn": check_id(txn)}
        for key, value in fields.items():
            if key not in _FIELDS:
                raise LedgerError("field not allowed in the ledger")
            if value is not None:
                entry[key] = _check_value(key, value)

        def stamped(newest_first: Iterator[dict[str, Any]]) -> dict[str, Any]:
            # Called under the file lock: another process (recovery after a worker died)
            # may have appended since this one last looked.
            seqs = (e["seq"] for e in newest_first if type(e.get("seq")) is int)
            seq = next(seqs, -1) + 1
            now = self._clock.now().astimezone(dt.UTC).isoformat(timespec="milliseconds")
            return {"seq": seq, "t": now, **entry}

        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                return jsonl.append(self.path, stamped)
            except OSError as exc:
                raise LedgerUnwritable(errno.errorcode.get(exc.errno or 0, "EIO")) from None

    def archive(self, at_bytes: int = ARCHIVE_AT_BYTES) -> int:
        """Move the entries of every closed transaction to this month's archive once the
        file is larger than ``at_bytes``; returns how many moved.

        Under the ledger's append lock: the batch is appended (one fsync) to the archive
        first, then the ledger is rewritten without it, so a crash in between leaves the
        entries in both places, never in neither; a later run skips what the archive
        already holds. Open transactions stay whole, so :meth:`balances` and
        :meth:`open_txns` answer for them exactly as before."""
        try:
            if self.path.stat().st_size <= at_bytes:
                return 0
        except FileNotFoundError:
            return 0
        month = self._clock.now().astimezone(dt.UTC).strftime("%Y-%m")
        archive = self.path.with_name(f"{self.path.stem}.{month}.jsonl")
        moved = 0

        def kept(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
            closed = {r["txn"] for r in records if r.get("kind") == "close"}
            moving = [r for r in records if r.get("kind") in KINDS and r.get("txn") in closed]
            if not moving:
                return records
            nonlocal moved
            moved = len(moving)
            there = {(r.get("txn"), r.get("seq")) for r in jsonl.read(archive)}
            jsonl.extend(archive, [r for r in moving if (r["txn"], r.get("seq")) not in there])
            rest = [r for r in records if not (r.get("kind") in KINDS and r.get("txn") in closed)]
            seqs = [r["seq"] for r in records if type(r.get("seq")) is int]
            marker = {"kind": "archived", "seq": max(seqs, default=-1), "to": archive.name,
                      "t": self._clock.now().astimezone(dt.UTC).isoformat(timespec="milliseconds")}
            return [r for r in rest if r.get("kind") != "archived"] + [marker]

        with self._lock:
            try:
                jsonl.rewrite(self.path, kept)
            except OSError:
                return 0  # a full disk: the ledger stays as it is, whole
        return moved

    def entries(self) -> list[dict[str, Any]]:
        """Every readable entry, in order. A line torn by a crash mid-write is skipped: it
        was never fsynced, so nothing was acted on because of it."""
        return [e for e in jsonl.read(self.path) if e.get("kind") in KINDS and "txn" in e]

    def balances(self) -> dict[str, TxnBalance]:
        """The reconciliation: per transaction, paid in, charged, change, refunded,
        vouchered, and what is left open."""
        result: dict[str, TxnBalance] = {}
        for entry in self.entries():
            txn = entry["txn"]
            result.setdefault(txn, TxnBalance(txn)).apply(entry)
        return result

    def balance(self, txn: str) -> TxnBalance:
        return self.balances().get(check_id(txn), TxnBalance(txn))

    def open_txns(self) -> list[str]:
        """Transactions recovery must settle, oldest first."""
        return [t for t, b in self.balances().items() if not b.closed]
