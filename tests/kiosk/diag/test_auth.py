"""Technician authentication: TOTP codes, lockout, replay, the secret file, the audit."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from kiosk.diag.auth import LOCKOUT, MAX_FAILURES, AuthOutcome
from kiosk.diag.secret import SecretFileError, load_secret, provision
from tests.fixtures.diag import OTHER_KIOSK_SECRET, SECRET, Rig, make_rig


def events(r: Rig) -> list[str]:
    return [rec["event"] for rec in r.service.audit.records()]


def test_valid_code_enters_and_is_audited(rig: Rig) -> None:
    result = rig.service.authenticate(rig.code())
    assert result.ok and rig.service.active
    assert events(rig) == ["diag.auth.accepted", "diag.enter"]
    assert rig.modes == ["diagnostic"]
    rig.service.exit()
    assert not rig.active() and events(rig)[-1] == "diag.exit"
    assert rig.modes[-1] == "in_service"


def test_clock_drift_of_one_step_is_accepted(rig: Rig) -> None:
    assert rig.service.authenticate(rig.code(offset_s=-30)).ok


@pytest.mark.parametrize("kind", ["expired", "other_kiosk", "garbage", "empty", "too_long"])
def test_invalid_codes_are_rejected_and_audited(rig: Rig, kind: str) -> None:
    code = {
        "expired": rig.code(offset_s=-120),
        "other_kiosk": rig.code(secret=OTHER_KIOSK_SECRET),
        "garbage": "12a45b",
        "empty": "",
        "too_long": "1234567",
    }[kind]
    result = rig.service.authenticate(code)
    assert result.outcome is AuthOutcome.WRONG and result.tries_left == MAX_FAILURES - 1
    assert not rig.service.active
    failed = [r for r in rig.service.audit.records() if r["event"] == "diag.auth.failed"]
    assert failed and failed[0]["count"] == 1
    # the typed code is never written anywhere
    text = (rig.service.paths.audit).read_text() + rig.service.paths.auth_state.read_text()
    assert not code or code not in text


def test_a_code_cannot_be_replayed(rig: Rig) -> None:
    code = rig.code()
    assert rig.service.authenticate(code).ok
    rig.service.exit()
    again = rig.service.authenticate(code)
    assert again.outcome is AuthOutcome.REPLAYED and not rig.service.active


def test_five_wrong_codes_lock_for_fifteen_minutes(rig: Rig) -> None:
    for i in range(MAX_FAILURES - 1):
        assert rig.service.authenticate("000000").tries_left == MAX_FAILURES - 1 - i
    locked = rig.service.authenticate("000000")
    assert locked.outcome is AuthOutcome.LOCKED
    assert locked.locked_until == rig.clock.now() + LOCKOUT
    # even the right code is refused while locked
    rig.clock.advance(LOCKOUT.total_seconds() - 60)
    assert rig.service.authenticate(rig.code()).outcome is AuthOutcome.LOCKED
    assert not rig.service.active and rig.service.tries_left() == 0
    rig.clock.advance(61)
    assert rig.service.tries_left() == MAX_FAILURES
    assert rig.service.authenticate(rig.code()).ok
    names = events(rig)
    assert names.count("diag.auth.failed") == MAX_FAILURES
    assert names.count("diag.auth.locked") == 1 and names.count("diag.auth.refused") == 1


def test_lockout_survives_a_restart(rig: Rig, tmp_path: Path) -> None:
    for _ in range(MAX_FAILURES):
        rig.service.authenticate("999999")
    restarted = make_rig(tmp_path)  # same state directory, a new process
    restarted.clock.set(rig.clock.now())
    assert restarted.service.authenticate(restarted.code()).outcome is AuthOutcome.LOCKED


def test_refused_while_a_session_is_open_and_the_session_is_wiped(rig: Rig) -> None:
    rig.gate.open = True
    result = rig.service.authenticate(rig.code())
    assert result.outcome is AuthOutcome.SESSION_OPEN and not rig.service.active
    assert rig.gate.wiped == 1 and not rig.gate.open
    assert events(rig)[:2] == ["diag.auth.refused", "diag.session_wiped"]
    assert rig.service.audit.records()[0]["reason"] == "session_open"
    # a refused attempt is not a wrong code
    assert rig.service.tries_left() == MAX_FAILURES
    assert rig.service.authenticate(rig.code()).ok


def test_prepare_entry_wipes_an_open_session_first(rig: Rig) -> None:
    assert rig.service.prepare_entry() is False
    rig.gate.open = True
    assert rig.service.prepare_entry() is True
    assert rig.gate.wiped == 1 and events(rig) == ["diag.session_wiped"]


def test_actions_need_authentication(rig: Rig) -> None:
    from kiosk.diag.service import NotAuthenticated

    with pytest.raises(NotAuthenticated):
        rig.service.run_test("printer.state")
    with pytest.raises(NotAuthenticated):
        rig.service.set_in_service(False)
    with pytest.raises(NotAuthenticated):
        rig.service.empty_change()
    with pytest.raises(NotAuthenticated):
        rig.service.resolve_payout(100, 0)
    assert events(rig).count("diag.refused") == 4


def test_audit_records_are_structured_and_time_stamped(rig: Rig) -> None:
    rig.enter()
    rig.service.exit()
    for line in rig.service.paths.audit.read_bytes().splitlines():
        rec = json.loads(line)
        assert rec["kiosk"] == "KIOSK-0042"
        assert dt.datetime.fromisoformat(rec["t"]) == rig.clock.now().replace(microsecond=0)
    assert oct(rig.service.paths.audit.stat().st_mode & 0o777) == "0o600"


def test_audit_forwarding_keeps_what_the_relay_did_not_take(rig: Rig) -> None:
    sent: list[dict[str, Any]] = []

    class Sink:
        up = False

        def send(self, records: list[dict[str, Any]]) -> int:
            if not self.up:
                raise OSError("down")
            sent.extend(records)
            return int(records[-1]["seq"])

    sink = Sink()
    rig.enter()
    assert rig.service.audit.forward(sink) == 0
    sink.up = True
    assert rig.service.audit.forward(sink) == 2
    rig.service.exit()
    assert rig.service.audit.forward(sink) == 1
    assert [r["event"] for r in sent] == ["diag.auth.accepted", "diag.enter", "diag.exit"]
    assert [r["seq"] for r in sent] == [1, 2, 3]


# --- the secret file ----------------------------------------------------------------------


def test_provisioned_secret_loads(tmp_path: Path) -> None:
    path = tmp_path / "diag-totp.secret"
    secret = provision(path)
    assert oct(path.stat().st_mode & 0o777) == "0o400"
    assert load_secret(path) == secret
    with pytest.raises(FileExistsError):
        provision(path)


@pytest.mark.parametrize("mode", [0o440, 0o404, 0o644, 0o604])
def test_secret_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "s"
    path.write_text(SECRET)
    os.chmod(path, mode)
    with pytest.raises(SecretFileError) as err:
        load_secret(path)
    assert err.value.code == "secret_readable_by_others"


def test_secret_file_problems(tmp_path: Path) -> None:
    with pytest.raises(SecretFileError, match="secret_missing"):
        load_secret(tmp_path / "none")
    short = tmp_path / "short"
    short.write_text("JBSWY3DP")
    short.chmod(0o600)
    with pytest.raises(SecretFileError, match="secret_too_short"):
        load_secret(short)
    link = tmp_path / "link"
    link.symlink_to(short)
    with pytest.raises(SecretFileError, match="secret_unreadable"):
        load_secret(link)


def test_unsafe_secret_keeps_diagnostics_closed(rig: Rig) -> None:
    def broken() -> str:
        raise SecretFileError("secret_readable_by_others")

    rig.service._secret_loader = broken
    result = rig.service.authenticate("123456")
    assert result.outcome is AuthOutcome.LOCKED and not rig.service.active
    assert rig.service.audit.records()[-1]["reason"] == "secret_readable_by_others"


def test_a_session_that_cannot_be_ended_keeps_diagnostics_closed(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.diag.adapters import SessionStillOpen

    def cannot() -> None:
        raise SessionStillOpen()

    rig.gate.open = True
    monkeypatch.setattr(rig.gate, "end_and_wipe", cannot)
    assert rig.service.prepare_entry() is True
    assert rig.service.authenticate(rig.code()).outcome is AuthOutcome.SESSION_OPEN
    assert not rig.service.active
    failed = [r for r in rig.service.audit.records() if r["event"] == "diag.session_wipe_failed"]
    assert len(failed) == 2 and failed[0]["code"] == "session_open"
