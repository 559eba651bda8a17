"""Device checks: each probe's answer judged as ok, warning or fault.

A *fault* means the terminal cannot serve a customer safely (the self-test fails and
``kiosk diag --json`` exits non-zero); a *warning* is for the technician (paper low, a
certificate expiring within a month, change running low). Results hold codes, counts and
dates only, so they can be logged, exported and shown without care.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypedDict

from kiosk.diag.ports import CardProbe, PaymentProbe, PrinterProbe, RelayProbe

Detail = str | int | bool

#: Change the device must be able to give: the most a 1,000-yen note over a fee can need.
TYPICAL_CHANGE = (990, 500, 100)
EXPIRY_WARNING = dt.timedelta(days=30)
LOW_SUPPLY_PERCENT = 10
MIN_FREE_BYTES = 64 * 1024 * 1024


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAULT = "fault"


class CheckRecord(TypedDict):
    """A :class:`CheckResult` as JSON (the report of ``kiosk diag --json``, the audit)."""

    name: str
    status: str
    code: str
    details: dict[str, Detail]


@dataclass(frozen=True)
class CheckResult:
    name: str  # e.g. "printer.state"
    status: Status
    code: str = ""  # machine-readable, empty when ok
    details: dict[str, Detail] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is not Status.FAULT

    def as_dict(self) -> CheckRecord:
        return {"name": self.name, "status": self.status.value, "code": self.code,
                "details": dict(self.details)}


def error_code(exc: BaseException) -> str:
    """A constant keyword for an exception: its ``code`` (or a printer fault's ``reason``)
    if it has one, else its class name; never its message."""
    for attr in ("code", "reason"):
        code = getattr(exc, attr, None)
        if isinstance(code, str) and code and code.replace("_", "").replace("-", "").isalnum():
            return code
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def guarded(name: str, body: Callable[[], CheckResult]) -> CheckResult:
    """Run a check; any exception from a probe is a fault named by its code."""
    try:
        return body()
    except Exception as exc:
        return CheckResult(name, Status.FAULT, error_code(exc))


# --- card ---------------------------------------------------------------------------------


def card_readers(card: CardProbe) -> CheckResult:
    def body() -> CheckResult:
        readers = card.readers()
        usable = [name for name, allowed in readers if allowed]
        details: dict[str, Detail] = {"readers": len(readers), "usable": len(usable)}
        if usable:
            details["reader"] = usable[0]
            return CheckResult("card.readers", Status.OK, details=details)
        code = "reader_refused" if readers else "no_reader"
        return CheckResult("card.readers", Status.FAULT, code, details)

    return guarded("card.readers", body)


def card_read(card: CardProbe) -> CheckResult:
    """A test card read: only on the technician's request (a card must be inserted)."""
    return guarded("card.read", lambda: CheckResult(
        "card.read", Status.OK, details={"tries_left": card.test_read()}))


# --- printer ------------------------------------------------------------------------------


def printer_state(printer: PrinterProbe) -> CheckResult:
    def body() -> CheckResult:
        st = printer.status()
        details: dict[str, Detail] = {"state": st.state, "accepting": st.accepting,
                                      "reasons": ",".join(st.reasons) or "none"}
        for name, percent in st.supplies.items():
            details[f"supply.{name}"] = percent
        errors = [r for r in st.reasons if r.endswith("-error")
                  or r in {"offline-report", "paused", "shutdown", "timed-out"}]
        if errors:
            return CheckResult("printer.state", Status.FAULT, errors[0], details)
        if st.state == "stopped" or not st.accepting:
            return CheckResult("printer.state", Status.FAULT, "printer_stopped", details)
        low = [n for n, p in st.supplies.items() if 0 <= p <= LOW_SUPPLY_PERCENT]
        warnings = [r for r in st.reasons if r.endswith("-warning") and r != "none"]
        if warnings or low:
            return CheckResult("printer.state", Status.WARNING,
                               warnings[0] if warnings else f"{low[0]}-low", details)
        return CheckResult("printer.state", Status.OK, details=details)

    return guarded("printer.state", body)


def printer_test_page(printer: PrinterProbe) -> CheckResult:
    return guarded("printer.test_page", lambda: CheckResult(
        "printer.test_page", Status.OK, details={"job": printer.test_page()}))


# --- payment ------------------------------------------------------------------------------


#: Part states that leave the terminal able to serve (change runs low: exact money asked).
_PART_WARNINGS = frozenset({"hopper_empty"})


def payment_self_test(payment: PaymentProbe) -> CheckResult:
    """The device answers an accept/stop cycle, and each of its parts its self-check. The
    coin acceptor out of order is a fault (no money can be taken); a hopper or the note
    validator out of order, a warning (less change, coins only)."""

    def body() -> CheckResult:
        parts = payment.parts()
        details: dict[str, Detail] = {f"part.{name}": code for name, code in sorted(parts.items())}
        broken = {name: code for name, code in parts.items() if code != "ok"}
        if "coin_acceptor" in broken:
            return CheckResult("payment.self_test", Status.FAULT, broken["coin_acceptor"], details)
        payment.self_test()
        if broken:
            name = sorted(broken)[0]
            code = "change_low" if broken[name] in _PART_WARNINGS else f"{name}_fault"
            return CheckResult("payment.self_test", Status.WARNING, code, details)
        return CheckResult("payment.self_test", Status.OK, details=details)

    return guarded("payment.self_test", body)


def payment_test_payout(payment: PaymentProbe) -> CheckResult:
    """One coin from each hopper: a hopper that pays nothing is a warning for the
    technician (the kiosk then asks for exact money more often)."""

    def body() -> CheckResult:
        paid = payment.test_payout()
        details: dict[str, Detail] = {f"coins.{d}": n for d, n in sorted(paid.items())}
        dry = [d for d, n in sorted(paid.items()) if n < 1]
        if dry:
            details["failed"] = dry[0]
            return CheckResult("payment.test_payout", Status.WARNING, "payout_failed", details)
        return CheckResult("payment.test_payout", Status.OK, details=details)

    return guarded("payment.test_payout", body)


def payment_levels(payment: PaymentProbe) -> CheckResult:
    """Coins for change: short change is a warning (the kiosk asks for exact money)."""

    def body() -> CheckResult:
        levels = payment.levels()
        details: dict[str, Detail] = {f"coins.{d}": n for d, n in sorted(levels.items())}
        details["total"] = sum(d * n for d, n in levels.items())
        short = [a for a in TYPICAL_CHANGE if not payment.can_payout(a)]
        if short:
            details["cannot_pay"] = short[0]
            return CheckResult("payment.levels", Status.WARNING, "change_low", details)
        return CheckResult("payment.levels", Status.OK, details=details)

    return guarded("payment.levels", body)


# --- relay --------------------------------------------------------------------------------


def relay_status(relay: RelayProbe, now: dt.datetime) -> CheckResult:
    def body() -> CheckResult:
        st = relay.probe()
        details: dict[str, Detail] = {"reachable": st.reachable, "tls": st.tls_ok,
                                      "version_ok": st.version_ok}
        if st.relay_version:
            details["version"] = st.relay_version
        expiring = ""
        for label, when in (("server_cert", st.server_not_after),
                            ("client_cert", st.client_not_after),
                            ("ca_cert", st.ca_not_after)):
            if when is None:
                continue
            details[f"{label}.not_after"] = when.date().isoformat()
            if when <= now:
                return CheckResult("relay", Status.FAULT, f"{label}_expired", details)
            if when - now <= EXPIRY_WARNING and not expiring:
                expiring = f"{label}_expiring"
        if not st.reachable:
            return CheckResult("relay", Status.FAULT, st.code or "relay_unreachable", details)
        if not st.tls_ok:
            return CheckResult("relay", Status.FAULT, st.code or "tls_handshake_failed", details)
        if not st.version_ok:
            return CheckResult("relay", Status.FAULT, st.code or "incompatible_relay", details)
        if expiring:
            return CheckResult("relay", Status.WARNING, expiring, details)
        return CheckResult("relay", Status.OK, details=details)

    return guarded("relay", body)


# --- disk ---------------------------------------------------------------------------------


def disk_space(path: Path) -> CheckResult:
    """The state directory must have room for the journal and ledger to keep growing."""

    def body() -> CheckResult:
        free = shutil.disk_usage(path).free
        details: dict[str, Detail] = {"free_mb": free // (1024 * 1024)}
        if free < MIN_FREE_BYTES:
            return CheckResult("disk", Status.FAULT, "disk_full", details)
        return CheckResult("disk", Status.OK, details=details)

    return guarded("disk", body)
