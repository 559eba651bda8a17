"""The full self-test: every check a terminal must pass before it serves anyone.

Run at every start (before READY), daily (as PCI devices re-test themselves at least
every 24 hours), on a technician's request, and headless by ``kiosk diag --json``. The
verdict is simple: the terminal can serve when no check is a fault; each fault is named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict

from kiosk.diag.checks import CheckRecord, CheckResult, Status

DAILY = dt.timedelta(hours=24)


class SelfTestRecord(TypedDict):
    """A :class:`SelfTestReport` as JSON; faults and warnings as ``name:code``."""

    kiosk: str
    when: str
    can_serve: bool
    faults: list[str]
    warnings: list[str]
    checks: list[CheckRecord]


@dataclass(frozen=True)
class SelfTestReport:
    when: dt.datetime
    kiosk_id: str
    results: tuple[CheckResult, ...]

    @property
    def can_serve(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def faults(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.FAULT]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.WARNING]

    def as_dict(self) -> SelfTestRecord:
        return {
            "kiosk": self.kiosk_id,
            "when": self.when.isoformat(timespec="seconds"),
            "can_serve": self.can_serve,
            "faults": [f"{r.name}:{r.code}" for r in self.faults],
            "warnings": [f"{r.name}:{r.code}" for r in self.warnings],
            "checks": [r.as_dict() for r in self.results],
        }


def due(last_run: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the daily self-test is due."""
    return last_run is None or now - last_run >= DAILY
