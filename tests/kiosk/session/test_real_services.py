"""The session against the real services: ``relay serve`` over mTLS on loopback and a
private cupsd with the fault printer (the card stays the in-process virtual card here;
the pcscd path is in the card area's tests and ``test_pcscd_session``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hardware_mocks.services.cupsd import Cupsd
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.session.customer import Customer, HostTerminal, Script
from hardware_mocks.session.specs import services_config
from hardware_mocks.world import CANARY_PIN, World
from kiosk.process.host import SessionHost
from kiosk.process.worker import WorkerSpec
from kiosk.session.viewmodel import Screen
from tests.fixtures.canary import canary_patterns, scan_tree

pytestmark = [pytest.mark.relay, pytest.mark.cupsd]


def test_canary_session_over_relay_and_cups(relay_server: RelayServer, cupsd_clean: Cupsd, world: World,
                                            tmp_path: Path) -> None:
    shutil.copytree(world.root, tmp_path / "world")
    w = World(tmp_path / "world")
    cfg = services_config(tmp_path, w.root, relay_server, cupsd_clean)
    spec = WorkerSpec(config_path=str(cfg))
    with SessionHost(spec) as host:
        host.wait_for(lambda v: v.screen == Screen.START, 30)
        res = Customer(HostTerminal(host), Script("canary", CANARY_PIN, pay=1000)).run(120)
        assert res.final is not None, res.states
        assert res.final.screen == Screen.THANK_YOU, (res.states, res.final.error)
        outcome = host.wait_outcome(res.final.session, 30)
    assert (outcome["charged"], outcome["change"], outcome["copies_printed"]) == (200, 800, 1)
    assert len(list(cupsd_clean.output_dir.glob("*.pdf"))) == 1  # one job reached the printer
    pats = canary_patterns(w)
    assert cupsd_clean.spool_files() == []
    assert scan_tree(tmp_path / "state", pats) == []
    assert scan_tree(tmp_path / "run", pats) == []


def test_printer_jam_refunds_over_real_cups(relay_server: RelayServer, cupsd_clean: Cupsd, world: World,
                                            tmp_path: Path) -> None:
    shutil.copytree(world.root, tmp_path / "world")
    cfg = services_config(tmp_path, tmp_path / "world", relay_server, cupsd_clean)
    spec = WorkerSpec(config_path=str(cfg))
    with SessionHost(spec) as host:
        host.wait_for(lambda v: v.screen == Screen.START, 30)
        terminal = HostTerminal(host)

        class JamAtPrint(Customer):
            def _act(self, vm, res):
                if vm.state == "payment":
                    cupsd_clean.switch.set("media-jam")
                super()._act(vm, res)

        res = JamAtPrint(terminal, Script("shiken-ichiro", "1234", pay=500)).run(120)
        assert res.final is not None and res.final.screen == Screen.ERROR, res.states
        outcome = host.wait_outcome(res.final.session, 30)
    assert (outcome["paid"], outcome["charged"], outcome["refunded"]) == (500, 0, 500)
    assert cupsd_clean.spool_files() == []
