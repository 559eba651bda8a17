"""A production configuration names the cash devices' ttys; the composition root builds
the real drivers from it (no simulator), and ``kiosk diag`` tests them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware_mocks.cash.rig import CashRig
from kiosk import composition
from kiosk.config import (
    Config,
    ConfigError,
    DevicesConfig,
    DiagConfig,
    Mode,
    PaymentConfig,
    PrintingConfig,
    RelayConfig,
    dump,
    load,
)
from kiosk.diag import checks
from kiosk.diag.adapters import PaymentDeviceProbe
from kiosk.diag.checks import Status
from kiosk.payment.cash_device import CashDevice
from tests.fixtures.waiting import wait_for

Open = Callable[..., CashDevice]


def production_config(tmp: Path, rig: CashRig) -> Path:
    (tmp / "spool").mkdir(exist_ok=True)
    (tmp / "cupsd.conf").write_text("PreserveJobFiles No\nPreserveJobHistory No\n")
    rig.record_loaded(tmp / "state")
    cfg = Config(mode=Mode.PRODUCTION, kiosk_id="KIOSK-0042", state_dir=tmp / "state",
                 runtime_dir=tmp / "run",
                 relay=RelayConfig(url="https://127.0.0.1:9", connect_timeout=1.0),
                 devices=DevicesConfig(payment="cash"),
                 payment=PaymentConfig(**rig.payment_table()),
                 printing=PrintingConfig(cups_server="127.0.0.1:9"),
                 diag=DiagConfig(spool_dir=tmp / "spool", cupsd_conf=tmp / "cupsd.conf",
                                 secret_file=tmp / "secret", usb_dir=tmp / "usb"))
    path = tmp / "kiosk.toml"
    path.write_text(dump(cfg), encoding="utf-8")
    return path


def test_a_production_configuration_builds_the_real_drivers(cash_rig: CashRig,
                                                            tmp_path: Path) -> None:
    cfg = load(production_config(tmp_path, cash_rig))
    assert cfg.payment.hoppers["100"] == Path(cash_rig.hoppers[100].path)
    device = composition.payment_device(cfg)
    try:
        assert isinstance(device, CashDevice)
        assert sorted(device.hoppers) == [10, 50, 100, 500] and device.validator is not None
        assert all(d.wait_ready(10) for d in device.devices)
        assert device.levels() == {500: 10, 100: 30, 50: 20, 10: 50}
    finally:
        if isinstance(device, CashDevice):
            device.close()


def test_no_development_module_is_loaded_on_the_production_path(cash_rig: CashRig,
                                                                tmp_path: Path) -> None:
    """A fresh process builds the cash device from the production configuration and takes
    a coin: nothing of the development package (the simulator, the emulators) is loaded."""
    config = production_config(tmp_path, cash_rig)
    code = (
        "import sys\n"
        "from kiosk import composition\n"
        "from kiosk.config import load\n"
        f"device = composition.payment_device(load({str(config)!r}))\n"
        "assert all(d.wait_ready(10) for d in device.devices)\n"
        "device.start_accept(100)\n"
        "print('accepting', flush=True)\n"
        "import time\n"
        "deadline = time.monotonic() + 10\n"
        "while not device.poll() and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "print(sorted(m for m in sys.modules if m.startswith('hardware_mocks')))\n"
        "print(device.counters().coins_in)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "accepting"
        assert cash_rig.wait_accepting(100) and cash_rig.acceptor.insert(100) == "credited"
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert out.splitlines() == ["[]", "{100: 1}"]


@pytest.mark.parametrize(("payment", "devices", "message"), [
    ({}, {"payment": "cash"}, "needs payment.coin_acceptor"),
    ({"coin_acceptor": "/dev/kiosk-coins"}, {}, 'need devices.payment = "cash"'),
    ({"coin_acceptor": "/x", "hoppers": {"5": "/y"}}, {"payment": "cash"}, "hoppers"),
    ({"coin_acceptor": "/x", "notes": {"1000": 200}}, {"payment": "cash"}, "escrow codes"),
    ({"coin_acceptor": "/x", "poll_interval": 0}, {"payment": "cash"}, "poll_interval"),
])
def test_the_payment_table_is_checked(tmp_path: Path, payment: dict[str, object],
                                      devices: dict[str, object], message: str) -> None:
    table = "".join(f"{k} = {json.dumps(v)}\n" for k, v in payment.items()
                    if not isinstance(v, dict))
    table += "".join(f"[payment.{k}]\n" + "".join(f'"{a}" = {json.dumps(b)}\n' for a, b in v.items())
                     for k, v in payment.items() if isinstance(v, dict))
    dev = "".join(f"{k} = {json.dumps(v)}\n" for k, v in devices.items())
    path = tmp_path / "kiosk.toml"
    path.write_text(f"[devices]\n{dev}\n[payment]\n{table}", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load(path)


def test_diag_self_test_reports_each_part(cash_rig: CashRig, cash_device: Open) -> None:
    probe = PaymentDeviceProbe(cash_device())
    result = checks.payment_self_test(probe)
    assert result.status is Status.OK
    assert result.details["part.coin_acceptor"] == "ok"
    assert result.details["part.hopper_100"] == "ok" and result.details["part.note_validator"] == "ok"
    cash_rig.hoppers[10].set_coins(0)
    wait_for(lambda: checks.payment_self_test(probe).code == "change_low", what="empty hopper")
    cash_rig.acceptor.jam()
    wait_for(lambda: checks.payment_self_test(probe).status is Status.FAULT, what="jam fault")
    assert checks.payment_self_test(probe).code == "credit_sensor_fault"


def test_diag_test_payout_pays_one_coin_per_hopper(cash_rig: CashRig, cash_device: Open) -> None:
    probe = PaymentDeviceProbe(cash_device())
    result = checks.payment_test_payout(probe)
    assert result.status is Status.OK
    assert {v: h.paid_out for v, h in cash_rig.hoppers.items()} == {500: 1, 100: 1, 50: 1, 10: 1}
    cash_rig.hoppers[50].set_coins(0)
    result = checks.payment_test_payout(probe)
    assert (result.status, result.code, result.details["failed"]) == (Status.WARNING,
                                                                      "payout_failed", 50)


def test_kiosk_diag_json_on_a_production_terminal(cash_rig: CashRig, tmp_path: Path) -> None:
    """``kiosk diag --json`` in its own process, as on a terminal (its drivers' threads end
    with it); the relay and the printer are not there, the cash devices are."""
    config = production_config(tmp_path, cash_rig)
    done = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), "diag",
                           "--json"], capture_output=True, text=True, timeout=120, check=False)
    report = json.loads(done.stdout)
    payment = [c for c in report["checks"] if c["name"].startswith("payment.")]
    assert {c["name"]: c["status"] for c in payment} == {"payment.self_test": "ok",
                                                         "payment.levels": "ok"}
    assert not any(f.startswith("payment") for f in report["faults"])


def test_kiosk_diag_settles_a_payout_its_hopper_could_not(cash_rig: CashRig, tmp_path: Path) -> None:
    """A payout left in flight that the hopper cannot settle (its count is another
    hopper's): ``kiosk diag`` shows it, and ``--resolve-payout`` records what staff counted
    it paid, audited; a count above what it asked is refused and said in the report."""
    import pyotp

    from kiosk.diag.secret import provision
    from kiosk.payment.cash_state import CashState, PendingPayout

    config = production_config(tmp_path, cash_rig)
    state = CashState.in_state_dir(tmp_path / "state")
    with state.change() as r:
        h = r.hopper(100)
        h.pending, h.serial = PendingPayout(coins=3, count_before=0), "ffffff"
        paid_before = h.paid_total
    secret = provision(tmp_path / "secret")
    entries = [0]

    def diag(*options: str) -> dict[str, object]:
        """One entry in diagnostic mode, half a minute after the last (a code is taken once)."""
        entries[0] += 1
        at = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=30 * entries[0])
        code = (
            "import datetime, getpass, sys\n"
            "import kiosk.diag.build\n"
            "from protocol.clock import FakeClock\n"
            f"clock = FakeClock(datetime.datetime.fromisoformat({at.isoformat()!r}))\n"
            "kiosk.diag.build.SystemClock = lambda: clock\n"
            f"getpass.getpass = lambda prompt: {pyotp.TOTP(secret).at(at)!r}\n"
            "from kiosk.cli import main\n"
            f"sys.exit(main(['--config', {str(config)!r}, 'diag', *{list(options)!r}]))\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                              check=False)
        assert "Traceback" not in done.stderr, done.stderr
        assert done.stdout, done.stderr
        out: dict[str, object] = json.loads(done.stdout)
        return out

    assert diag()["payouts_in_flight"] == {"100": 3}
    out = diag("--resolve-payout", "100=4", "--resolve-payout", "50=0")
    assert out["resolve_failed"] == [{"denomination": 100, "code": "bad_count"},
                                     {"denomination": 50, "code": "no_payout_in_flight"}]
    assert out["payouts_in_flight"] == {"100": 3}
    out = diag("--resolve-payout", "100=2")
    assert out["resolved_payouts"] == [{"denomination": 100, "coins": 2}]
    assert out["payouts_in_flight"] == {}
    assert CashState.in_state_dir(tmp_path / "state").read().hopper(100).paid_total == paid_before + 2
    audit = [json.loads(x) for x in (tmp_path / "state" / "diag-audit.jsonl").read_text().splitlines()]
    assert [(a["denomination"], a["count"]) for a in audit if a.get("step") == "resolve_payout"] == [
        (100, 4), (50, 0), (100, 2)]
