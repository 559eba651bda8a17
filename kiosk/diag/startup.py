"""The self-test at start and every day, and what systemd is told about it.

The UI calls :func:`start_selftest` once recovery has run and the first screen is shown,
and :func:`daily_selftest` from an idle-time timer. READY=1 follows the start-up
self-test whatever its verdict: a terminal that cannot serve still starts, shows "out of
service" and lets a technician in; holding READY back would make systemd kill and restart
it every ``TimeoutStartSec``, denying the technician the screen. The verdict goes to the
service status line (``systemctl status kiosk``) instead, as fault codes.
"""

from __future__ import annotations

from kiosk.diag.selftest import SelfTestReport
from kiosk.diag.service import DiagService
from kiosk.notify import Notifier


def status_line(report: SelfTestReport, in_service: bool) -> str:
    if not report.can_serve:
        return "out of service: " + " ".join(f"{r.name}:{r.code}" for r in report.faults[:3])
    return "in service" if in_service else "out of service: technician"


def start_selftest(service: DiagService, notifier: Notifier) -> SelfTestReport:
    report = service.self_test(trigger="start")
    notifier.ready(status_line(report, service.in_service()))
    return report


def daily_selftest(service: DiagService, notifier: Notifier) -> SelfTestReport | None:
    """Run the self-test if a day has passed since the last one (call when idle)."""
    if not service.selftest_due():
        return None
    report = service.self_test(trigger="daily")
    notifier.status(status_line(report, service.in_service()))
    return report
