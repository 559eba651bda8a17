"""``kiosk diag --json``: the headless self-test, its report and its exit code."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import Config, DevicesConfig, DiagConfig, Mode, PrintingConfig, RelayConfig, dump
from kiosk.diag.cli import EXIT_CANNOT_SERVE, EXIT_CONFIG, EXIT_OK, report_json
from protocol.clock import FakeClock
from tests.fixtures.diag import Rig


def write_config(tmp: Path) -> Path:
    """``kiosk.toml`` in test mode: the coin simulator, a printer and a relay that cannot be
    reached, and diagnostic mode's files under ``tmp``."""
    (tmp / "spool").mkdir()
    (tmp / "cupsd.conf").write_text("PreserveJobFiles No\nPreserveJobHistory No\n")
    cfg = Config(mode=Mode.TEST, kiosk_id="KIOSK-0042", state_dir=tmp / "state",
                 runtime_dir=tmp / "run",
                 relay=RelayConfig(url="https://127.0.0.1:9", connect_timeout=1.0),
                 devices=DevicesConfig(payment="virtual", world=tmp / "world"),
                 printing=PrintingConfig(cups_server="127.0.0.1:9"),
                 diag=DiagConfig(spool_dir=tmp / "spool", cupsd_conf=tmp / "cupsd.conf",
                                 secret_file=tmp / "secret", usb_dir=tmp / "usb"))
    config = tmp / "kiosk.toml"
    config.write_text(dump(cfg), encoding="utf-8")
    return config


def test_cannot_serve_exits_non_zero_naming_the_faults(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path)
    assert main(["--config", str(config), "diag", "--json"]) == EXIT_CANNOT_SERVE
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["can_serve"] is False and report["kiosk"] == "KIOSK-0042"
    assert "printer.state:unreachable" in report["faults"]
    assert "relay:connection_refused" in report["faults"]
    assert "payment.self_test" not in " ".join(report["faults"])  # the simulator is healthy
    assert err.startswith("kiosk diag: cannot serve: ") and "printer.state:unreachable" in err
    audit = (tmp_path / "state" / "diag-audit.jsonl").read_text().splitlines()
    assert json.loads(audit[-1])["event"] == "diag.selftest"


def test_healthy_report_exits_zero(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    assert report_json(rig.service.self_test(trigger="cli")) == EXIT_OK
    out, err = capsys.readouterr()
    assert json.loads(out)["can_serve"] is True and err == ""


def test_bad_config_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("mode = [")
    assert main(["--config", str(bad), "diag", "--json"]) == EXIT_CONFIG
    assert "not valid TOML" in capsys.readouterr().err


def test_provision_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "diag-totp.secret"
    assert main(["diag", "--provision-secret", str(path)]) == EXIT_OK
    assert capsys.readouterr().out.startswith("otpauth://totp/")
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    assert main(["diag", "--provision-secret", str(path)]) == EXIT_CONFIG
    capsys.readouterr()
    assert main(["diag", "--provision-secret", str(tmp_path / "none" / "secret")]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "cannot create" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_console_entry_with_a_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    import pyotp

    from kiosk.diag.secret import provision

    config = write_config(tmp_path)
    secret = provision(tmp_path / "secret")
    monkeypatch.setattr("getpass.getpass", lambda prompt: pyotp.TOTP(secret).now())
    (tmp_path / "usb").mkdir()
    code = main(["--config", str(config), "diag", "--export", str(tmp_path / "usb")])
    assert code == EXIT_CANNOT_SERVE  # entered, but the printer and relay are unreachable
    out = capsys.readouterr().out
    assert '"counters"' in out and '"exported": ' in out
    events = [json.loads(x)["event"] for x in
              (tmp_path / "state" / "diag-audit.jsonl").read_text().splitlines()]
    assert events[:2] == ["diag.auth.accepted", "diag.enter"] and events[-1] == "diag.exit"


def test_console_wrong_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.diag.secret import provision

    config = write_config(tmp_path)
    provision(tmp_path / "secret")
    monkeypatch.setattr("getpass.getpass", lambda prompt: "12345")
    assert main(["--config", str(config), "diag"]) == EXIT_CANNOT_SERVE


def test_console_actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    import pyotp

    from kiosk.diag.secret import provision

    config = write_config(tmp_path)
    secret = provision(tmp_path / "secret")
    clock = FakeClock()
    monkeypatch.setattr("kiosk.diag.build.SystemClock", lambda: clock)
    monkeypatch.setattr("getpass.getpass", lambda prompt: pyotp.TOTP(secret).at(clock.now()))
    main(["--config", str(config), "diag", "--out-of-service", "--test", "payment.levels",
          "--mark-serviced"])
    out = json.loads(capsys.readouterr().out)
    assert out["in_service"] is False and out["tests"][0]["name"] == "payment.levels"
    clock.advance(30)  # a code is accepted once: the next entry needs the next one
    main(["--config", str(config), "diag", "--in-service"])
    assert json.loads(capsys.readouterr().out)["in_service"] is True
    steps = [json.loads(x).get("step") for x in
             (tmp_path / "state" / "diag-audit.jsonl").read_text().splitlines()
             if json.loads(x)["event"] == "diag.action"]
    assert steps == ["out_of_service", "mark_serviced", "in_service"]


def test_console_export_to_a_relay_that_is_not_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import pyotp

    from kiosk.diag.secret import provision

    config = write_config(tmp_path)
    secret = provision(tmp_path / "secret")
    clock = FakeClock()
    monkeypatch.setattr("kiosk.diag.build.SystemClock", lambda: clock)
    monkeypatch.setattr("getpass.getpass", lambda prompt: pyotp.TOTP(secret).at(clock.now()))
    main(["--config", str(config), "diag", "--export-relay"])
    out = json.loads(capsys.readouterr().out)
    assert out["export_failed"] == "relay_not_configured" and "exported_to_relay" not in out
