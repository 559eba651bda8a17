"""What a headless run can check outside the engine: the state directory's own records.

``kiosk session run`` reports money and prints from these, not from the engine's
arithmetic: the money ledger (the transactions the journal ties to a session), the coin
device's lifetime counters (the virtual device's state file), the printer's tray (the
virtual and fake printers record each completed job) or, for a real printer, the
journal's print records. The fake payment port keeps no ledger; its own history is read
instead. Nothing here is personal data: ids, amounts and counts only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk import jsonl
from kiosk.payment.ledger import FILENAME as LEDGER_FILE
from kiosk.payment.ledger import Ledger, TxnBalance

JOURNAL_FILE = "journal.jsonl"
TRAY_FILE = "tray.jsonl"
COINS_FILE = "coins.json"


@dataclass(frozen=True)
class Facts:
    """The records of one state directory at one moment."""

    journal: list[dict[str, Any]] = field(default_factory=list)
    ledger: dict[str, TxnBalance] | None = None  # None: no ledger (the fake payment port)
    fake_history: list[dict[str, Any]] = field(default_factory=list)
    tray: int | None = None  # completed jobs in the tray file; None: a real printer
    device: tuple[int, int] | None = None  # the coin device's lifetime (taken, paid out)

    @classmethod
    def read(cls, state_dir: Path) -> Facts:
        state_dir.mkdir(parents=True, exist_ok=True)
        ledger_path = state_dir / LEDGER_FILE
        coins: dict[str, Any] = {}
        if (state_dir / COINS_FILE).exists():
            coins = json.loads((state_dir / COINS_FILE).read_text(encoding="ascii"))
        tray = state_dir / TRAY_FILE
        return cls(
            journal=jsonl.read(state_dir / JOURNAL_FILE),
            ledger=Ledger(ledger_path).balances() if ledger_path.exists() else None,
            fake_history=list(coins.get("history", [])),
            tray=len(tray.read_text(encoding="ascii").splitlines()) if tray.exists() else None,
            device=(int(coins["_taken"]), int(coins["_paid_out"])) if "_taken" in coins else None,
        )

    def session_since(self, before: Facts) -> str | None:
        """The session this run opened (the last one the journal opened since ``before``)."""
        opened = [r.get("session") for r in self.journal[len(before.journal):]
                  if r.get("rec") == "opened"]
        return str(opened[-1]) if opened else None

    def _records(self, session: str | None, rec: str) -> list[dict[str, Any]]:
        return [r for r in self.journal if r.get("session") == session and r.get("rec") == rec]

    def money(self, session: str | None) -> dict[str, Any]:
        """Paid, charged, change, refunded and vouchered for the session's transactions."""
        txns = {r.get("txn") for r in self._records(session, "payment_begun")}
        out: dict[str, Any] = dict.fromkeys(
            ("paid", "charged", "change", "refunded", "vouchered"), 0) | {"voucher": None}
        if self.ledger is not None:
            for txn in txns:
                bal = self.ledger.get(str(txn))
                if bal is None:
                    continue  # the journal saw it begin, the ledger never did: nothing taken
                out["paid"] += bal.paid_in
                out["charged"] += bal.charged
                out["change"] += bal.change
                out["refunded"] += bal.refunded
                out["vouchered"] += bal.vouchered
                if bal.vouchers:
                    out["voucher"] = bal.vouchers[-1][0]
            return out
        for h in self.fake_history:
            if h.get("txn") not in txns:
                continue
            charged, change, refunded = (int(h.get(k) or 0) for k in ("charged", "change", "refunded"))
            out["charged"] += charged
            out["change"] += change
            if h.get("voucher"):
                out["vouchered"] += refunded
                out["voucher"] = h["voucher"]
            else:
                out["refunded"] += refunded
            out["paid"] += charged + change + refunded
        return out

    def printed_since(self, before: Facts, session: str | None) -> int:
        """Copies that came out: the tray's new jobs, else what the journal recorded."""
        if self.tray is not None:
            return self.tray - (before.tray or 0)
        done = [int(r.get("copies") or 0) for r in self._records(session, "copy_printed")]
        done += [int(r.get("copies") or 0) for r in self._records(session, "printed")]
        return max(done, default=0)

    def jobs_since(self, before: Facts) -> int:
        if self.tray is not None:
            return self.tray - (before.tray or 0)
        new = self.journal[len(before.journal):]
        return sum(1 for r in new if r.get("rec") == "print_submitted" and r.get("job"))

    def device_since(self, before: Facts) -> tuple[int, int] | None:
        """What the coin device itself took and paid out since ``before``."""
        if self.device is None:
            return None
        taken0, paid0 = before.device or (0, 0)
        return self.device[0] - taken0, self.device[1] - paid0
