"""Per-kiosk rate limits, and an alert when a kiosk departs from its pattern.

A stolen kiosk certificate once opened 3,000 sessions in 1.8 s and filled storage with
technician events and log exports. And since a card cannot see which kiosk id it signs
for, a skimming terminal shows itself only by what it does: more sessions than its store
ever sees, or many card checks that fail. So, per kiosk:

- **limits**: sessions an hour (``sessions_per_hour_factor`` times the kiosk's expected
  load in the register, at least ``min_sessions_per_hour``) and a minute (a twentieth of
  the hour's, at least ``sessions_per_minute``), technician-event calls and log-export
  parts an hour; over a limit the call is refused (``rate_limited``, 429) before it runs;
- **alerts**: sessions in an hour past ``alert_volume_factor`` times the expected load, or
  refused authentications past ``alert_refusal_share`` of at least ``alert_min_attempts``
  in an hour, raise one alert per kiosk, kind and hour: a ``relay.kiosk_alert`` log event
  and an ``alert`` entry in the audit log (``relay audit`` lists it) for the operator.

Counts live in the shared rate store (:class:`relay.rate_limits.SharedRateStore`) where
several relay processes serve or on PostgreSQL, so every one sees the same ones; one
process on a SQLite file keeps them in memory (:func:`relay.rate_limits.kiosk_rate_store`).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from protocol import log, refusals, wire
from relay import arguments
from relay.kiosk_register import Standing
from relay.rate_limits import RateStore
from relay.schema import ApiError

LOG = logging.getLogger("relay.kiosks")
HOUR = 3600
MINUTE = 60


@dataclass(frozen=True)
class KioskLimits:
    sessions_per_minute: int = 10
    sessions_per_hour_factor: int = 4  # times the expected load
    min_sessions_per_hour: int = 20
    technician_calls_per_hour: int = 120
    log_parts_per_hour: int = 600
    alert_volume_factor: int = 2
    alert_refusal_share: float = 0.3
    alert_min_attempts: int = 10


def add_kiosk_limit_options(p: argparse.ArgumentParser) -> None:
    """The per-kiosk limits an operator sets, the same for ``relay serve`` and ``relay centre serve``."""
    p.add_argument("--kiosk-sessions-per-minute", type=arguments.count, default=10,
                   help="sessions one kiosk may open a minute (10; an hour: 4 x its expected load, at least 20)")
    p.add_argument("--kiosk-technician-calls-per-hour", type=arguments.count, default=120,
                   help="technician-event calls one kiosk may make an hour (120)")
    p.add_argument("--kiosk-log-parts-per-hour", type=arguments.count, default=600,
                   help="log-export parts one kiosk may send an hour (600)")


def kiosk_limits_from(args: argparse.Namespace) -> KioskLimits:
    return KioskLimits(sessions_per_minute=args.kiosk_sessions_per_minute,
                       technician_calls_per_hour=args.kiosk_technician_calls_per_hour,
                       log_parts_per_hour=args.kiosk_log_parts_per_hour)


class KioskWatch:
    """``admit`` before a call runs, ``observe`` after it answered."""

    def __init__(self, store: RateStore, limits: KioskLimits | None = None,
                 audit: Callable[[dict[str, Any]], None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.limits = limits or KioskLimits()
        self._audit = audit
        self._clock = clock

    def _count(self, key: str, window: int, now: float, cost: int = 1) -> int:
        return self.store.hits([(key, int(now) // window * window, cost)])[0]

    def admit(self, kiosk: Standing, call: str) -> None:
        now, lim = self._clock(), self.limits
        if call == "session":
            per_hour = max(lim.min_sessions_per_hour, lim.sessions_per_hour_factor * kiosk.expected_per_hour)
            per_minute = max(lim.sessions_per_minute, -(-per_hour // 20))  # a burst: a twentieth of the hour
            minute, hour = self.store.hits([(f"session-min:{kiosk.kiosk_id}", int(now) // MINUTE * MINUTE, 1),
                                            (f"session-hour:{kiosk.kiosk_id}", int(now) // HOUR * HOUR, 1)])
            if hour == lim.alert_volume_factor * kiosk.expected_per_hour + 1:
                self._alert(kiosk, "volume", hour, now)
            if minute > per_minute or hour > per_hour:
                raise ApiError(429, wire.RATE_LIMITED)
        elif call == "technician":
            if self._count(f"technician:{kiosk.kiosk_id}", HOUR, now) > lim.technician_calls_per_hour:
                raise ApiError(429, wire.RATE_LIMITED)
        elif call == "log_export" and self._count(f"log-parts:{kiosk.kiosk_id}", HOUR, now) > lim.log_parts_per_hour:
            raise ApiError(429, wire.RATE_LIMITED)

    def observe(self, kiosk: Standing, call: str, code: str | None) -> None:
        """After an authentication: count it, and whether the card was refused."""
        if call != "authenticate":
            return
        now, lim = self._clock(), self.limits
        window = int(now) // HOUR * HOUR
        attempts, refused = self.store.hits([(f"auth:{kiosk.kiosk_id}", window, 1),
                                             (f"auth-refused:{kiosk.kiosk_id}", window, int(code in refusals.ALL))])
        if attempts >= lim.alert_min_attempts and refused > lim.alert_refusal_share * attempts:
            if self._count(f"alerted-refusals:{kiosk.kiosk_id}", HOUR, now) == 1:  # once an hour
                self._alert(kiosk, "refusals", refused, now)

    def _alert(self, kiosk: Standing, kind: str, count: int, now: float) -> None:
        log.event(LOG, "relay.kiosk_alert", logging.WARNING, kiosk=kiosk.kiosk_id, kind=kind, count=count)
        if self._audit is not None:
            self._audit({"at": now, "kiosk_id": kiosk.kiosk_id, "event": "alert", "code": kind})
