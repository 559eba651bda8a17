"""The demo's kiosk configuration over the federation, without pcscd: the session worker
(virtual card in the worker, the real HTTPS client holding only the federation's anchor,
a private cupsd) pays and prints a 住民票 of each municipality through the centre, and the
centre's delivery log, which the tester panel and ``demo.json`` show, names who issued."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware_mocks.federation_world import A, C, FederationWorld
from hardware_mocks.services.cupsd import Cupsd
from hardware_mocks.services.federation import FederationServices
from hardware_mocks.session.customer import Customer, HostTerminal, Script
from hardware_mocks.session.specs import services_config
from hardware_mocks.ui.federation_view import view
from hardware_mocks.world import PERSONAS
from kiosk.process.host import SessionHost
from kiosk.process.worker import WorkerSpec
from kiosk.session.viewmodel import Screen

pytestmark = [pytest.mark.relay, pytest.mark.cupsd, pytest.mark.slow]


@pytest.fixture
def services(federation: FederationWorld, tmp_path: Path) -> Iterator[FederationServices]:
    running = FederationServices.start(federation, tmp_path / "federation", embedded=True)
    yield running
    running.stop()


def test_a_kiosk_session_over_the_federation_names_the_issuing_municipality(
        federation: FederationWorld, services: FederationServices, cupsd_clean: Cupsd, tmp_path: Path) -> None:
    shutil.copytree(federation.base.root, tmp_path / "world")
    cfg = services_config(tmp_path, tmp_path / "world", services, cupsd_clean)
    federation_view = view(services)
    pins = {p.id: p.pin for p in PERSONAS}
    with SessionHost(WorkerSpec(config_path=str(cfg))) as host:
        for persona in ("shiken-hanako", "mihon-saburo"):
            code = federation_view.homes[persona]
            host.wait_for(lambda v: v.screen == Screen.START, 30)
            res = Customer(HostTerminal(host), Script(persona, pins[persona], pay=500)).run(120)
            assert res.final is not None and res.final.screen == Screen.THANK_YOU, (res.states, res.final)
            outcome = host.wait_outcome(res.final.session, 30)
            assert outcome["copies_printed"] == 1
            issued = federation_view.last_issued()
            assert issued is not None and issued.code == code and issued.serials[0].startswith(code + "-")
            assert issued.outcome == "printed"  # reported by the kiosk before its session ended
    assert [federation_view.homes[p] for p in ("shiken-hanako", "mihon-saburo")] == [A, C]
    assert len(list(cupsd_clean.output_dir.glob("*.pdf"))) == 2
