"""``kiosk ui``, the program of a terminal in service: what it needs and how it starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware_mocks.world import World
from kiosk.config import load
from kiosk.notify import Notifier
from tests.fixtures.diag import CashTerminal

WAIT_S = 60.0  # two cores shared by many; nothing asserts on time


def test_run_needs_a_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main

    assert main(["ui"]) == 2 and main(["run"]) == 2


def test_production_tells_systemd_ready_even_when_the_selftest_breaks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.config import Config
    from kiosk.diag import build
    from kiosk.notify import Notifier
    from kiosk.ui import production

    def broken(config: Config) -> None:
        raise RuntimeError("the self-test cannot be built")

    monkeypatch.setattr(build, "build_service", broken)

    class Notify(Notifier):
        said: list[str | None] = []

        def ready(self, status: str | None = None) -> bool:
            self.said.append(status)
            return True

    cfg = Config(state_dir=tmp_path / "state", runtime_dir=tmp_path / "run")
    notify = Notify({})  # no service manager: only what is said is recorded
    production._selftest_then_ready(cfg, notify)
    assert len(notify.said) == 1 and notify.said[0] is not None


class Said(Notifier):
    """What the kiosk tells systemd (no service manager: only recorded)."""

    def __init__(self) -> None:
        super().__init__({})
        self.said: list[str | None] = []

    def ready(self, status: str | None = None) -> bool:
        self.said.append(status)
        return True


@pytest.mark.slow
def test_the_start_selftest_runs_with_the_host_paused_and_leaves_it_the_devices(
        cash_terminal: CashTerminal) -> None:
    from kiosk.diag.adapters import JournalGate
    from kiosk.diag.build import JOURNAL_NAME
    from kiosk.process.host import SessionHost
    from kiosk.process.worker import WorkerSpec
    from kiosk.session.viewmodel import IntentKind, Screen
    from kiosk.ui import production

    cfg = load(str(cash_terminal.config))
    gate = JournalGate(cfg.state_dir / JOURNAL_NAME)
    with SessionHost(WorkerSpec(config_path=str(cash_terminal.config))) as host:
        host.wait_for(lambda v: v.screen is Screen.START, WAIT_S)
        beside = Said()  # the control: beside the serving worker, the cash ports are taken
        production._selftest_then_ready(cfg, beside, gate)
        assert "payment.self_test:port_unavailable" in str(beside.said)
        first = host.worker_pid
        notify = Said()
        production._selftest_paused(host, cfg, notify, gate)
        assert len(notify.said) == 1 and "payment" not in str(notify.said[0])
        host.wait_for(lambda v: v.screen is Screen.START and IntentKind.START in v.allowed,
                      WAIT_S)
        assert host.worker_pid not in (None, first) and host.paused is None
        after = Said()  # the new worker holds the ports again: the self-test let them go
        production._selftest_then_ready(cfg, after, gate)
        assert "payment.self_test:port_unavailable" in str(after.said)


def test_a_terminal_left_out_of_service_stays_so_through_the_start_selftest(
        fresh_world: World, tmp_path: Path) -> None:
    from hardware_mocks.session.specs import fake_spec
    from kiosk.diag.adapters import JournalGate
    from kiosk.process.host import TECHNICIAN_OUT_OF_SERVICE, SessionHost
    from kiosk.session.viewmodel import Screen
    from kiosk.ui import production

    spec = fake_spec(fresh_world.root, tmp_path / "state", tmp_path / "run")
    cfg = load(spec.config_path)
    with SessionHost(spec, paused=TECHNICIAN_OUT_OF_SERVICE) as host:
        notify = Said()
        production._selftest_paused(host, cfg, notify,
                                    JournalGate(cfg.state_dir / "journal.jsonl"))
        assert len(notify.said) == 1
        assert host.paused == TECHNICIAN_OUT_OF_SERVICE and host.worker_pid is None
        assert host.last_view is not None and host.last_view.screen is Screen.OUT_OF_SERVICE
