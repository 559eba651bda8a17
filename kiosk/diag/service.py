"""Diagnostic mode, headless: who may enter, what they see, what they may do.

:class:`DiagService` is what the Qt screens (``kiosk.ui.diag_window``) and ``kiosk diag``
drive. Entry needs the terminal's TOTP code and never happens beside a customer: an open
session is ended and wiped first, and the attempt is refused and audited. Every attempt,
entry, exit and action is written to the audit trail before it takes effect. Nothing
here can show personal data: devices report codes, counts and dates.

The UI must not start a customer session while :attr:`DiagService.active` is true or
:meth:`DiagService.in_service` is false.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk import jsonl
from kiosk.diag import checks, files, residue
from kiosk.diag.audit import AuditSink, AuditTrail
from kiosk.diag.auth import AuthOutcome, AuthResult, TechnicianAuth
from kiosk.diag.checks import CheckResult, Status
from kiosk.diag.counters import Counters, compute
from kiosk.diag.export import ExportError, ExportResult, LogSink, RelayExportResult, export, export_to_relay
from kiosk.diag.ports import CardProbe, PaymentProbe, PrinterProbe, RelayProbe, SessionGate
from kiosk.diag.secret import SecretFileError
from kiosk.diag.selftest import SelfTestReport, due
from kiosk.payment.port import COINS
from kiosk.session.journal import outbox_of
from protocol.clock import Clock
from protocol.log import event

log = logging.getLogger("kiosk.diag")


class NotAuthenticated(Exception):
    """A diagnostic action was asked for outside an authenticated diagnostic session."""

    code = "not_authenticated"


class NotFitted(Exception):
    """The terminal has no such device configured."""

    code = "not_configured"


@dataclass
class DiagDevices:
    """The probes this terminal has; ``None`` means "not fitted / not configured"."""

    card: CardProbe | None = None
    printer: PrinterProbe | None = None
    payment: PaymentProbe | None = None
    relay: RelayProbe | None = None


@dataclass
class DiagPaths:
    state_dir: Path
    residue: residue.ResiduePaths = field(default_factory=residue.ResiduePaths)
    log_files: tuple[Path, ...] = ()
    usb_dir: Path = Path("/media/kioskusb")
    journal: Path | None = None  # the session intent journal, for counters and alarms

    @property
    def audit(self) -> Path:
        return self.state_dir / "diag-audit.jsonl"

    @property
    def auth_state(self) -> Path:
        return self.state_dir / "diag-auth.json"

    @property
    def mode_state(self) -> Path:
        return self.state_dir / "diag-mode.json"


#: Checks a technician can run one by one, with the order the screen lists them in.
DEVICE_TESTS: tuple[str, ...] = (
    "card.readers", "card.read", "printer.state", "printer.test_page", "payment.self_test",
    "payment.levels", "payment.test_payout", "relay", "residue", "disk", "journal",
)


class DiagService:
    def __init__(
        self,
        *,
        kiosk_id: str,
        clock: Clock,
        paths: DiagPaths,
        devices: DiagDevices,
        gate: SessionGate,
        secret_loader: Callable[[], str],
        audit_sink: AuditSink | None = None,
        on_mode_change: Callable[[str], None] | None = None,
        log_sink: LogSink | None = None,
    ) -> None:
        self.kiosk_id = kiosk_id
        self.clock = clock
        self.paths = paths
        self.devices = devices
        self.gate = gate
        paths.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.audit = AuditTrail(paths.audit, clock, kiosk_id)
        self._secret_loader = secret_loader
        self._audit_sink = audit_sink
        self._log_sink = log_sink
        self._on_mode_change = on_mode_change
        self._active = False

    # --- entry and exit -------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self._active

    def prepare_entry(self) -> bool:
        """Called when the hidden gesture or ``kiosk diag`` starts: end and wipe a customer
        session first. Returns True if one had to be wiped."""
        if not self.gate.session_open():
            return False
        self._end_session()
        return True

    def _end_session(self) -> None:
        self.audit.record("diag.session_wiped", reason="diagnostic_entry")
        try:
            self.gate.end_and_wipe()
        except Exception as exc:
            self.audit.record("diag.session_wipe_failed", code=checks.error_code(exc))

    def tries_left(self) -> int:
        try:
            return self._auth().tries_left()
        except SecretFileError:  # no usable secret: nothing can be tried
            return 0

    def locked_until(self) -> dt.datetime | None:
        try:
            return self._auth().locked_until()
        except SecretFileError:
            return None

    def authenticate(self, code: str) -> AuthResult:
        """Check a code; on success diagnostic mode is entered. A session open at this
        moment is wiped and the attempt refused (and audited), whatever the code."""
        if self.gate.session_open():
            self.audit.record("diag.auth.refused", reason="session_open")
            self._end_session()
            return AuthResult(AuthOutcome.SESSION_OPEN, self.tries_left())
        try:
            auth = self._auth()
        except SecretFileError as exc:  # a missing or unsafe secret file
            self.audit.record("diag.auth.refused", reason=exc.code)
            return AuthResult(AuthOutcome.LOCKED, 0)
        result = auth.attempt(code)
        if result.ok:
            self._active = True
            self.audit.record("diag.enter", mode="diagnostic")
            self._mode_changed("diagnostic")
            self.forward_audit()
        return result

    def exit(self) -> None:
        if not self._active:
            return
        self._active = False
        self.audit.record("diag.exit", mode="in_service" if self.in_service() else "out_of_service")
        self._mode_changed("in_service" if self.in_service() else "out_of_service")
        self.forward_audit()

    def forward_audit(self) -> int:
        """Send the audit records the relay has not acknowledged (at entry, at exit and after
        every self-test); a relay that cannot be reached keeps them for the next time.
        Blocks for at most the relay's connect and read timeouts."""
        return self.audit.forward(self._audit_sink) if self._audit_sink else 0

    # --- tests ----------------------------------------------------------------------------

    def run_test(self, name: str) -> CheckResult:
        """One device test from :data:`DEVICE_TESTS`, on the technician's request."""
        self._require_active()
        results = self._run(name)
        result = results[0] if len(results) == 1 else _merge(name, results)
        self.audit.record("diag.test", step=name, ok=result.ok, code=result.code)
        return result

    def self_test(self, *, trigger: str = "technician") -> SelfTestReport:
        """The full self-test; runs without authentication (start, daily, ``--json``)."""
        results: list[CheckResult] = []
        for name in ("card.readers", "printer.state", "payment.self_test", "payment.levels",
                     "relay", "residue", "disk", "journal"):
            results.extend(self._run(name))
        report = SelfTestReport(self.clock.now(), self.kiosk_id, tuple(results))
        for fault in report.faults:
            self.audit.record("diag.selftest.fault", step=fault.name, code=fault.code)
        self.audit.record("diag.selftest", ok=report.can_serve, kind=trigger,
                          count=len(report.faults))
        self._save_mode(last_selftest=report.when.isoformat(), last_selftest_ok=report.can_serve)
        self.forward_audit()
        return report

    def selftest_due(self) -> bool:
        last = self._load_mode().get("last_selftest")
        return due(dt.datetime.fromisoformat(last) if last else None, self.clock.now())

    def _run(self, name: str) -> list[CheckResult]:
        d = self.devices
        missing = CheckResult(name, Status.FAULT, "not_configured")
        if name == "card.readers":
            return [checks.card_readers(d.card) if d.card else missing]
        if name == "card.read":
            return [checks.card_read(d.card) if d.card else missing]
        if name == "printer.state":
            return [checks.printer_state(d.printer) if d.printer else missing]
        if name == "printer.test_page":
            return [checks.printer_test_page(d.printer) if d.printer else missing]
        if name == "payment.self_test":
            return [checks.payment_self_test(d.payment) if d.payment else missing]
        if name == "payment.levels":
            return [checks.payment_levels(d.payment) if d.payment else missing]
        if name == "payment.test_payout":
            return [checks.payment_test_payout(d.payment) if d.payment else missing]
        if name == "relay":
            return [checks.relay_status(d.relay, self.clock.now()) if d.relay else missing]
        if name == "residue":
            return residue.check_all(self.paths.residue)
        if name == "disk":
            return [checks.disk_space(self.paths.state_dir)]
        if name == "journal":
            return [self._journal_check()]
        raise ValueError(f"unknown test: {name}")

    def _journal_check(self) -> CheckResult:
        records = self._journal_records()
        open_sessions: set[str] = set()
        alarm = None
        for rec in records:
            sid, kind = str(rec.get("session", "")), rec.get("rec")
            if kind == "opened":
                open_sessions.add(sid)
            elif kind == "closed":
                open_sessions.discard(sid)
            elif kind == "alarm":
                alarm = str(rec.get("code") or "alarm")
            elif kind == "alarm_cleared":
                alarm = None
        details: dict[str, checks.Detail] = {
            "open_sessions": len(open_sessions),
            # outcomes the relay has not acknowledged yet: recovery retries them; a count
            # that stays up means the municipality's record lacks what this kiosk issued
            "unreported_outcomes": len(outbox_of(records)),
        }
        if alarm:
            return CheckResult("journal", Status.FAULT, f"alarm_{alarm}", details)
        if open_sessions:  # diagnostics and self-tests run between sessions, after recovery
            return CheckResult("journal", Status.FAULT, "unrecovered_session", details)
        return CheckResult("journal", Status.OK, details=details)

    def _journal_records(self) -> list[dict[str, Any]]:
        return [] if self.paths.journal is None else jsonl.read(self.paths.journal)

    # --- what the technician reads ----------------------------------------------------------

    def counters(self) -> Counters:
        since = self._load_mode().get("serviced_at")
        return compute(self._journal_records(), self.audit.records(),
                       dt.datetime.fromisoformat(since) if since else None)

    def export_logs(self, usb_dir: Path | None = None) -> ExportResult:
        self._require_active()
        target = usb_dir or self.paths.usb_dir
        try:
            result = export((*self.paths.log_files, self.paths.audit), target,
                            self.kiosk_id, self.clock.now())
        except (ExportError, OSError) as exc:
            self.audit.record("diag.export", ok=False, code=checks.error_code(exc))
            raise
        self.audit.record("diag.export", ok=True, count=result.events)
        return result

    def export_logs_to_relay(self) -> RelayExportResult:
        """The same export, to the relay (``relay logs`` shows it) instead of a stick."""
        self._require_active()
        try:
            if self._log_sink is None:
                raise ExportError("relay_not_configured")
            result = export_to_relay((*self.paths.log_files, self.paths.audit), self._log_sink)
        except ExportError as exc:
            self.audit.record("diag.export", ok=False, kind="relay", code=exc.code)
            raise
        self.audit.record("diag.export", ok=True, kind="relay", count=result.events)
        return result

    # --- actions ----------------------------------------------------------------------------

    def in_service(self) -> bool:
        """False while a technician has taken the terminal out of service."""
        return not self._load_mode().get("out_of_service", False)

    def set_in_service(self, in_service: bool) -> None:
        self._require_active()
        self.audit.record("diag.action", step="in_service" if in_service else "out_of_service")
        self._save_mode(out_of_service=not in_service)

    def empty_change(self) -> int:
        payment = self._payment()
        self.audit.record("diag.action", step="empty_change")
        paid = payment.empty()
        self.audit.record("diag.action.done", step="empty_change", amount=paid)
        return paid

    def refill_change(self, levels: Mapping[int, int]) -> None:
        payment = self._payment()
        if not all(coin in COINS and _is_count(count) for coin, count in levels.items()):
            raise ValueError("refill: coin denominations and non-negative counts only")
        total = sum(d * n for d, n in levels.items())
        self.audit.record("diag.action", step="refill_change", amount=total)
        payment.refill(levels)

    def payouts_in_flight(self) -> Mapping[int, int]:
        """Payouts the hoppers could not settle: coins asked, by denomination."""
        return self._payment().payouts_in_flight()

    def resolve_payout(self, denomination: int, coins_paid: int) -> None:
        """Settle a payout in flight with the coins staff counted it paid (from what is
        left in the hopper, or the customer's voucher): audited before it is recorded."""
        payment = self._payment()
        if denomination not in COINS or not _is_count(coins_paid):
            raise ValueError("resolve: a coin denomination and a non-negative count")
        self.audit.record("diag.action", step="resolve_payout", denomination=denomination, count=coins_paid)
        payment.resolve_payout(denomination, coins_paid)

    def clear_printer_fault(self) -> CheckResult:
        self._require_active()
        if self.devices.printer is None:
            return CheckResult("printer.state", Status.FAULT, "not_configured")
        self.audit.record("diag.action", step="clear_printer_fault")
        try:
            self.devices.printer.clear_fault()
        except Exception as exc:
            event(log, "diag.clear_fault_failed", code=checks.error_code(exc))
        return checks.printer_state(self.devices.printer)

    def clear_alarm(self) -> CheckResult:
        """Clear an integrity alarm after the technician has looked into it."""
        self._require_active()
        self.audit.record("diag.action", step="clear_alarm")
        self.gate.clear_alarm()
        return self._journal_check()

    def mark_serviced(self) -> None:
        """Start the counters afresh (end of a service visit)."""
        self._require_active()
        self.audit.record("diag.action", step="mark_serviced")
        self._save_mode(serviced_at=self.clock.now().isoformat())

    # --- internals --------------------------------------------------------------------------

    def _auth(self) -> TechnicianAuth:
        return TechnicianAuth(self._secret_loader(), self.clock, self.audit, self.paths.auth_state)

    def _payment(self) -> PaymentProbe:
        self._require_active()
        if self.devices.payment is None:
            raise NotFitted()
        return self.devices.payment

    def _require_active(self) -> None:
        if not self._active:
            self.audit.record("diag.refused", reason="not_authenticated")
            raise NotAuthenticated()

    def _mode_changed(self, mode: str) -> None:
        if self._on_mode_change is not None:
            self._on_mode_change(mode)

    def _load_mode(self) -> dict[str, Any]:
        return _read_mode(self.paths.mode_state)

    def _save_mode(self, **changes: Any) -> None:
        state = {**self._load_mode(), **changes}
        files.replace(self.paths.mode_state, json.dumps(state, sort_keys=True).encode("ascii"))


def left_out_of_service(state_dir: Path) -> bool:
    """A technician took the terminal out of service (and has not put it back): read by
    the UI at start, whose session host then serves no one, across restarts."""
    return bool(_read_mode(DiagPaths(state_dir=state_dir).mode_state).get("out_of_service"))


def _read_mode(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="ascii"))
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _merge(name: str, results: Sequence[CheckResult]) -> CheckResult:
    """Several results (the residue checks) shown as one line: the worst one leads."""
    order = {Status.FAULT: 0, Status.WARNING: 1, Status.OK: 2}
    worst = min(results, key=lambda r: order[r.status])
    details: dict[str, checks.Detail] = {}
    for r in results:
        details[r.name] = r.status.value if not r.code else f"{r.status.value}:{r.code}"
    return CheckResult(name, worst.status, worst.code, details)


def _is_count(value: object) -> bool:
    """A coin count from the technician's form: a non-negative int (not a bool), checked at
    run time whatever the caller's declared type."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
