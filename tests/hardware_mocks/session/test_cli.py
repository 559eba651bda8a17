"""``kiosk session run``: one customer played headless, with faults."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main


@pytest.fixture
def world_copy(world_dir: Path, tmp_path: Path) -> Path:
    shutil.copytree(world_dir, tmp_path / "world")
    return tmp_path / "world"


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where a run without --state-dir keeps its state: never the tester's home here."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "certificate-kiosk" / "session-run"


def run(capsys: pytest.CaptureFixture[str], world: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["session", "run", "--world", str(world), "--persona", "shiken-ichiro",
                 "--pin", "1234", "--type", "juminhyo", "--copies", "1", "--pay", "500",
                 "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_run_prints_the_outcome(capsys: pytest.CaptureFixture[str], world_copy: Path) -> None:
    code, out = run(capsys, world_copy)
    assert code == 0
    assert (out["result"], out["printed_copies"], out["paid"], out["charged"], out["change"],
            out["refunded"]) == ("printed", 1, 500, 200, 300, 0)


@pytest.mark.parametrize(("extra", "expect"), [
    (("--kill-worker-at", "printing"), {"worker_died": True}),
    (("--coin-jam",), {"result": "failed", "charged": 0}),
    (("--relay-fault", "down"), {"code": "relay_unavailable", "paid": 0}),
    (("--printer-fault", "jam"), {"refunded": 500, "printed_copies": 0}),
    (("--cancel-at", "confirm"), {"result": "cancelled", "paid": 0}),
    (("--remove-card-at", "authenticating"), {"code": "card_removed"}),
    (("--remove-card-at", "reading_card"), {"code": "card_removed"}),
    (("--remove-card-at", "pin", "--devices", "fake"), {"code": "card_removed"}),
    (("--timeout-at", "choose_type", "--inactivity", "0.3"), {"code": "timeout"}),
])
def test_run_with_faults_conserves_money(capsys: pytest.CaptureFixture[str], world_copy: Path,
                                         extra: tuple[str, ...], expect: dict[str, object]) -> None:
    code, out = run(capsys, world_copy, *extra)
    assert code == 0 and out["conserved"]
    assert out["printed_copies"] in (0, 1)
    for key, value in expect.items():
        assert out[key] == value, (key, out)


@pytest.mark.parametrize("devices", ["virtual", "fake"])
def test_coin_jam_falls_mid_payment_and_refunds_what_went_in(
        capsys: pytest.CaptureFixture[str], world_copy: Path, devices: str) -> None:
    """With one note that would pay it all, the jam still comes while money is due."""
    code, out = run(capsys, world_copy, "--coin-jam", "--pay", "1000", "--devices", devices)
    assert code == 0 and out["conserved"]
    assert (out["result"], out["code"], out["charged"], out["change"]) == (
        "failed", "coin_jam", 0, 0)
    assert 0 < out["paid"] < 200 and out["refunded"] + out["vouchered"] == out["paid"]
    assert out["printed_copies"] == 0 and "printing" not in out["states"]


@pytest.mark.parametrize("fault", ["--cancel-at", "--timeout-at"])
def test_leaving_at_the_start_screen_ends_with_no_session(
        capsys: pytest.CaptureFixture[str], world_copy: Path, fault: str) -> None:
    code, out = run(capsys, world_copy, fault, "start", "--inactivity", "0.3")
    assert code == 0 and out["conserved"]
    assert (out["result"], out["code"], out["paid"], out["states"]) == (
        "not_started", "walked_away", 0, ["start"])


@pytest.mark.parametrize("devices", ["virtual", "fake"])
def test_incompatible_relay_is_out_of_service_at_start(
        capsys: pytest.CaptureFixture[str], world_copy: Path, devices: str) -> None:
    code, out = run(capsys, world_copy, "--relay-fault", "incompatible", "--devices", devices,
                    "--inactivity", "0.3")
    assert code == 1 and out["conserved"]
    assert (out["result"], out["code"], out["paid"], out["states"]) == (
        "out_of_service", "incompatible_relay", 0, [])


@pytest.mark.parametrize("devices", ["virtual", "fake"])
@pytest.mark.parametrize(("fault", "expected"), [("suspended", "kiosk_suspended"), ("retired", "kiosk_retired"),
                                                 ("unregistered", "kiosk_unknown")])
def test_a_terminal_the_kiosk_register_refuses_is_out_of_service_at_start(
        capsys: pytest.CaptureFixture[str], world_copy: Path, devices: str, fault: str, expected: str) -> None:
    """The stand-in relay refuses as the relay's kiosk register does: by its code, at the
    start check, before anyone could pay."""
    code, out = run(capsys, world_copy, "--relay-fault", fault, "--devices", devices, "--inactivity", "0.3")
    assert code == 1 and out["conserved"]
    assert (out["result"], out["code"], out["paid"], out["states"]) == ("out_of_service", expected, 0, [])


def test_fake_printer_fault_refunds(capsys: pytest.CaptureFixture[str], world_copy: Path) -> None:
    code, out = run(capsys, world_copy, "--printer-fault", "jam", "--devices", "fake")
    assert code == 0 and out["conserved"]
    assert (out["refunded"], out["charged"], out["printed_copies"]) == (500, 0, 0)


def test_unusable_state_directory_is_an_outcome_not_a_traceback(
        capsys: pytest.CaptureFixture[str], world_copy: Path, tmp_path: Path) -> None:
    """A state directory that cannot be made (here under a file; read-only folders do
    not stop root, who runs the tests in CI)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    code, out = run(capsys, world_copy, "--state-dir", str(blocker / "state"))
    assert code == 1 and out["conserved"]
    assert (out["result"], out["code"], out["paid"]) == ("out_of_service", "state_dir_unusable", 0)


@pytest.mark.parametrize("fault", [("--printer-fault", "jam"), ("--relay-fault", "down")])
def test_faults_are_refused_with_real_devices(capsys: pytest.CaptureFixture[str],
                                              world_copy: Path, fault: tuple[str, str]) -> None:
    code = main(["session", "run", "--world", str(world_copy), "--persona", "shiken-ichiro",
                 "--pin", "1234", "--devices", "real", "--config", str(world_copy / "none.toml"),
                 "--json", *fault])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    [line] = captured.err.splitlines()
    assert fault[0] in line and "real devices cannot be told to fail" in line


@pytest.mark.parametrize(("extra", "said"), [
    (["--copies", "0"], "--copies: 1 to 10"), (["--copies", "11"], "--copies: 1 to 10"),
    (["--pay", "-5"], "--pay: yen inserted, 0 or more"), (["--persona", "nobody"], "--persona nobody: no such persona"),
])
def test_a_customer_that_cannot_be_played_is_refused_before_anything_starts(
        capsys: pytest.CaptureFixture[str], world_copy: Path, extra: list[str], said: str) -> None:
    """Before: a session that waited for a payment or a card that never came, or a worker
    that died on an unknown persona while the run said it ended well."""
    code = main(["session", "run", "--world", str(world_copy), "--persona", "shiken-ichiro", "--pin", "1234",
                 "--json", *extra])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    [line] = captured.err.splitlines()
    assert said in line


def test_a_certificate_type_the_kiosk_does_not_know_is_refused(capsys: pytest.CaptureFixture[str],
                                                               world_copy: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["session", "run", "--world", str(world_copy), "--persona", "shiken-ichiro", "--pin", "1234",
              "--type", "passport"])
    assert exc.value.code == 2 and "invalid choice: 'passport'" in capsys.readouterr().err


def test_unreadable_real_config_is_an_outcome_not_a_traceback(
        capsys: pytest.CaptureFixture[str], world_copy: Path) -> None:
    code, out = run(capsys, world_copy, "--devices", "real",
                    "--config", str(world_copy / "missing.toml"))
    assert code == 1 and out["conserved"]
    assert (out["result"], out["code"], out["paid"]) == ("out_of_service", "config_invalid", 0)


@pytest.mark.parametrize("devices", ["virtual", "fake"])
def test_a_worker_killed_on_take_papers_reports_what_the_ledger_and_printer_say(
        capsys: pytest.CaptureFixture[str], world_copy: Path, devices: str) -> None:
    """The certificate printed and was charged before the kill: the outcome says so,
    from the records (not charged 0, change 1000)."""
    code, out = run(capsys, world_copy, "--kill-worker-at", "take_papers", "--pay", "1000",
                    "--devices", devices)
    assert code == 0 and out["conserved"] and out["disagreements"] == []
    assert (out["result"], out["code"], out["printed_copies"]) == ("printed", "worker_died", 1)
    assert (out["paid"], out["charged"], out["change"], out["refunded"]) == (1000, 200, 800, 0)


def test_state_is_kept_between_runs_in_one_folder(
        capsys: pytest.CaptureFixture[str], world_copy: Path, state_home: Path) -> None:
    """Journal, ledger and coin state in one folder that outlives the run (the default
    one here), so a second run starts from what the first left."""
    run(capsys, world_copy)
    assert {"journal.jsonl", "money-ledger.jsonl", "coins.json"} <= {
        p.name for p in state_home.iterdir()}
    code, out = run(capsys, world_copy)
    assert code == 0 and (out["paid"], out["charged"], out["printed_copies"]) == (500, 200, 1)


def test_a_disagreement_between_the_engine_and_the_records_does_not_balance() -> None:
    from hardware_mocks.session.cli import summarize
    from hardware_mocks.session.customer import Result
    from hardware_mocks.session.facts import Facts
    from kiosk.payment.ledger import TxnBalance
    from kiosk.session.viewmodel import Screen, ViewModel

    res = Result(states=["payment"], final=ViewModel(Screen.THANK_YOU, session="s1"), inserted=500)
    journal = [{"session": "s1", "rec": "opened"},
               {"session": "s1", "rec": "payment_begun", "txn": "t1"}]
    ledger = {"t1": TxnBalance("t1", began=True, paid_in=500, charged=200, change=300)}

    class Host:
        outcomes = [{"session": "s1", "result": "printed", "code": "printed", "paid": 500,
                     "charged": 0, "change": 500, "refunded": 0, "alarm": False,
                     "copies_printed": 1, "partial_copies": 0}]

    out = summarize(Host(), res, Facts(tray=0), Facts(journal, ledger, tray=1))
    assert out["disagreements"] == ["charged", "given_back"] and not out["conserved"]
@pytest.mark.parametrize(("extra", "expect"), [
    ((), {"result": "printed", "printed_copies": 1, "paid": 500, "charged": 200, "change": 300}),
    (("--coin-jam",), {"result": "failed", "charged": 0}),
    (("--kill-worker-at", "printing"), {"worker_died": True}),
])
def test_run_over_the_real_cash_drivers(capsys: pytest.CaptureFixture[str], world_copy: Path,
                                        extra: tuple[str, ...], expect: dict[str, object]) -> None:
    """``--devices cash``: the session worker drives emulated coin acceptor, hoppers and note
    validator on ptys through the kiosk's real drivers; no coin simulator in the worker."""
    code, out = run(capsys, world_copy, "--devices", "cash", *extra)
    assert code == 0 and out["conserved"], out
    for key, value in expect.items():
        assert out[key] == value, (key, out)
