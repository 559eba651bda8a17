"""Technician authentication: a per-terminal TOTP code (RFC 6238), with lockout.

Five wrong codes lock diagnostic mode for 15 minutes. The failure count and the lock are
kept in the state directory with wall-clock times, so switching the terminal off and on
does not give an attacker five fresh tries. A code is accepted in the current 30-second
step or one step either side (clock drift), and only once: a code seen over a shoulder
cannot be replayed. Every attempt is audited, the code itself never.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pyotp

from kiosk.diag import files
from kiosk.diag.audit import AuditTrail
from protocol.clock import Clock

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
STEP_S = 30
DRIFT_STEPS = 1


class AuthOutcome(StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"  # wrong, expired, malformed or another terminal's code
    REPLAYED = "replayed"
    LOCKED = "locked"
    SESSION_OPEN = "session_open"  # refused before the code was looked at


@dataclass(frozen=True)
class AuthResult:
    outcome: AuthOutcome
    tries_left: int
    locked_until: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is AuthOutcome.ACCEPTED


class TechnicianAuth:
    def __init__(self, secret: str, clock: Clock, audit: AuditTrail, state_file: Path) -> None:
        self._totp = pyotp.TOTP(secret, interval=STEP_S)
        self._clock = clock
        self._audit = audit
        self._state_file = Path(state_file)

    def locked_until(self) -> dt.datetime | None:
        until = self._load().get("locked_until")
        if until is None:
            return None
        if not isinstance(until, str):  # a corrupted state file: fail as fromisoformat would
            raise TypeError(f"locked_until is not a string: {type(until).__name__}")
        when = dt.datetime.fromisoformat(until)
        return when if when > self._clock.now() else None

    def tries_left(self) -> int:
        state = self._load()
        if state.get("locked_until"):  # locked now: none; the lock ran out: a fresh set
            return 0 if self.locked_until() is not None else MAX_FAILURES
        return MAX_FAILURES - _int(state.get("failures", 0))

    def attempt(self, code: str) -> AuthResult:
        """Check one typed code. ``code`` is compared in constant time and never stored."""
        state = self._load()
        now = self._clock.now()
        locked = self.locked_until()
        if locked is not None:
            self._audit.record("diag.auth.refused", reason="locked")
            return AuthResult(AuthOutcome.LOCKED, 0, locked)
        if state.get("locked_until"):  # an expired lock: a fresh set of tries
            state = {"last_step": state.get("last_step")}
        step = self._matching_step(code, now)
        if step is not None and step <= _int(state.get("last_step") or -1):
            outcome = AuthOutcome.REPLAYED
        elif step is not None:
            state = {"last_step": step, "failures": 0}
            self._save(state)
            self._audit.record("diag.auth.accepted", ok=True)
            return AuthResult(AuthOutcome.ACCEPTED, MAX_FAILURES)
        else:
            outcome = AuthOutcome.WRONG
        failures = _int(state.get("failures", 0)) + 1
        state["failures"] = failures
        until = None
        if failures >= MAX_FAILURES:
            until = now + LOCKOUT
            state["locked_until"] = until.isoformat()
        self._save(state)
        self._audit.record("diag.auth.failed", reason=outcome.value, count=failures)
        if until is not None:
            self._audit.record("diag.auth.locked", count=failures, ms=int(LOCKOUT.total_seconds() * 1000))
            return AuthResult(AuthOutcome.LOCKED, 0, until)
        return AuthResult(outcome, MAX_FAILURES - failures)

    def _matching_step(self, code: str, now: dt.datetime) -> int | None:
        if len(code) != self._totp.digits or not code.isdigit():
            return None
        current = self._totp.timecode(now)
        found = None
        for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
            # compare every candidate: the time taken does not tell which step matched
            if hmac.compare_digest(self._totp.generate_otp(current + offset), code):
                found = current + offset
        return found

    def _load(self) -> dict[str, object]:
        try:
            data = json.loads(self._state_file.read_text(encoding="ascii"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, state: dict[str, object]) -> None:
        files.replace(self._state_file, json.dumps(state, sort_keys=True).encode("ascii"))


def _int(value: object) -> int:
    """A count or step read back from the state file. The file holds JSON numbers this
    module wrote; any other JSON value means it was corrupted, and raises as ``int()``
    would."""
    if isinstance(value, int | float | str):
        return int(value)
    raise TypeError(f"not a number: {type(value).__name__}")
