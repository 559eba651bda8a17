"""Diagnostic mode on a demo or test terminal probes the devices the sessions use, built by
the composition root: the virtual printer and relay, not a CUPS queue or a relay address
that such a terminal does not have."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.session.specs import StandIn, world_config
from hardware_mocks.world import World
from kiosk.diag.build import build_service
from kiosk.diag.port_probes import PrinterPortProbe, RelayClientProbe
from kiosk.diag.service import DiagService


def _service(world: World, tmp_path: Path, kind: StandIn, **faults: Any) -> DiagService:
    cfg = world_config(world.root, tmp_path / "state", tmp_path / "run", kind, **faults)
    (tmp_path / "run").mkdir(parents=True, exist_ok=True)
    return build_service(cfg, audit_sink=None)


def test_virtual_devices_are_probed_as_the_sessions_use_them(world: World, tmp_path: Path) -> None:
    service = _service(world, tmp_path, "virtual")
    assert isinstance(service.devices.printer, PrinterPortProbe)
    assert isinstance(service.devices.relay, RelayClientProbe)
    report = service.self_test(trigger="cli")
    by_name = {r.name: r for r in report.results}
    assert by_name["printer.state"].ok
    assert by_name["relay"].ok, by_name["relay"]
    assert by_name["payment.self_test"].ok
    assert service.devices.printer.test_page()  # through the virtual printer, to completion
    tray = (tmp_path / "state" / "tray.jsonl").read_text(encoding="ascii")
    assert len(tray.splitlines()) == 1  # the test page reached the virtual printer's tray


def test_faults_of_the_virtual_devices_reach_the_self_test(world: World, tmp_path: Path) -> None:
    service = _service(world, tmp_path, "virtual", printer_fault="media-empty", relay_fault="down")
    by_name = {r.name: r for r in service.self_test(trigger="cli").results}
    assert (by_name["printer.state"].ok, by_name["printer.state"].code) == (False, "media-empty")
    assert not by_name["relay"].ok and by_name["relay"].code == "relay_unavailable"


@pytest.mark.parametrize(("fault", "code"), [("suspended", "kiosk_suspended"), ("retired", "kiosk_retired"),
                                           ("unregistered", "kiosk_unknown")])
def test_the_kiosk_registers_refusal_reaches_the_relay_check_by_its_code(world: World, tmp_path: Path,
                                                                        fault: str, code: str) -> None:
    """What the technician's relay check shows (and diagnostic mode explains): the register's
    own code, not a protocol fault nor an unreachable relay."""
    service = _service(world, tmp_path, "virtual", relay_fault=fault)
    by_name = {r.name: r for r in service.self_test(trigger="cli").results}
    assert not by_name["relay"].ok and by_name["relay"].code == code


def test_port_fakes_have_no_device_to_probe(world: World, tmp_path: Path) -> None:
    service = _service(world, tmp_path, "fake")
    assert service.devices.card is None and service.devices.printer is None
    assert service.devices.relay is None and service.devices.payment is None
