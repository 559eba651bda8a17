"""The session host paused for diagnostic mode, against real worker processes: no worker
runs (so none holds a device), a session is ended through the wipe or settled by
recovery, and resuming serves again."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware_mocks.session.specs import fake_spec
from hardware_mocks.world import World
from kiosk.process.host import MAINTENANCE, TECHNICIAN_OUT_OF_SERVICE, SessionHost
from kiosk.process.worker import WorkerSpec
from kiosk.session.viewmodel import Intent, IntentKind, Screen
from tests.fixtures.processes import gone

WAIT = 30.0


@pytest.fixture
def spec(fresh_world: World, tmp_path: Path) -> WorkerSpec:
    return fake_spec(fresh_world.root, tmp_path / "state", tmp_path / "run")


def serves_no_one(host: SessionHost) -> bool:
    """A few polls while paused start no worker and show no start screen."""
    for _ in range(5):
        if any(vm.screen is Screen.START for vm in host.poll(0.05)):
            return False
    return host.worker_pid is None and host.spare_pid is None


def test_pause_ends_the_session_and_the_workers_and_resume_serves(spec: WorkerSpec) -> None:
    with SessionHost(spec) as host:
        host.wait_for(lambda v: v.screen is Screen.START, WAIT)
        for _ in range(int(WAIT / 0.05)):
            if host.spare_ready:
                break
            host.poll(0.05)
        worker, spare = host.worker_pid, host.spare_pid
        host.send_intent(Intent(IntentKind.START))
        host.device("card_insert", persona="shiken-ichiro")
        host.wait_for(lambda v: v.state == "pin", WAIT)
        host.pause()
        assert host.last_view is not None and host.last_view.screen is Screen.OUT_OF_SERVICE
        assert host.last_view.error is not None and host.last_view.error.code == MAINTENANCE
        assert host.out_of_service == MAINTENANCE
        assert gone(worker) and gone(spare)
        assert host.journal is not None and host.journal.open_sessions() == []
        assert serves_no_one(host)
        host.send_intent(Intent(IntentKind.START))  # nobody to hear it
        host.clear_alarm()  # as diagnostic mode may: still no worker
        assert serves_no_one(host)
        host.resume()
        host.wait_for(lambda v: v.screen is Screen.START and IntentKind.START in v.allowed, WAIT)
        assert host.worker_pid not in (None, worker) and host.paused is None


def test_a_session_a_killed_worker_left_is_settled_by_the_pause(spec: WorkerSpec) -> None:
    with SessionHost(spec) as host:
        host.wait_for(lambda v: v.screen is Screen.START, WAIT)
        host.send_intent(Intent(IntentKind.START))
        host.wait_for(lambda v: v.screen is Screen.PLACE_CARD, WAIT)
        assert host.journal is not None and host.journal.open_sessions()
        host.kill_worker()  # before the host has seen it die
        host.pause()
        assert host.journal.open_sessions() == [] and len(host.recovered) == 1
        assert serves_no_one(host)


def test_a_host_started_paused_serves_no_one_until_resumed(spec: WorkerSpec) -> None:
    with SessionHost(spec, paused=TECHNICIAN_OUT_OF_SERVICE) as host:
        assert host.last_view is not None and host.last_view.screen is Screen.OUT_OF_SERVICE
        assert host.out_of_service == TECHNICIAN_OUT_OF_SERVICE
        assert serves_no_one(host)
        host.resume()
        host.wait_for(lambda v: v.screen is Screen.START, WAIT)
        assert host.worker_pid is not None
