"""The composition root builds every device from the configuration, in one place."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from hardware_mocks.coins import VirtualCoinDevice
from hardware_mocks.inprocess_reader import InProcessReader
from hardware_mocks.session import fakes
from hardware_mocks.session.control import Control
from hardware_mocks.session.specs import world_config
from hardware_mocks.session.virtual import TrayPrinter
from hardware_mocks.world import World
from kiosk import composition
from kiosk.config import Config, DevicesConfig, Mode
from kiosk.session import adapters
from kiosk.session.faults import SessionFault


def test_virtual_devices_sit_behind_the_real_adapters(world: World, tmp_path: Path) -> None:
    cfg = world_config(world.root, tmp_path / "state", tmp_path / "run", "virtual")
    devices = composition.session_devices(cfg)
    assert isinstance(devices.reader, adapters.ReaderAdapter)
    assert isinstance(devices.reader.reader, InProcessReader)
    assert isinstance(devices.relay, adapters.RelayAdapter)
    assert isinstance(devices.printer, adapters.PrinterAdapter)
    assert isinstance(devices.printer.printer, TrayPrinter)
    assert isinstance(devices.payment, adapters.PaymentAdapter)
    assert isinstance(devices.payment.ctl.device, VirtualCoinDevice)
    assert isinstance(composition.tester_control(cfg, devices), Control)


def test_fake_ports_replace_the_adapters(world: World, tmp_path: Path) -> None:
    cfg = world_config(world.root, tmp_path / "state", tmp_path / "run", "fake")
    devices = composition.session_devices(cfg)
    assert isinstance(devices.reader, fakes.FakeReader)
    assert isinstance(devices.relay, fakes.FakeRelay)
    assert isinstance(devices.printer, fakes.FakePrinter)
    assert isinstance(devices.payment, fakes.FakePayment)


def test_each_device_is_chosen_on_its_own(world: World, tmp_path: Path) -> None:
    """Real relay and printer, virtual card and coins: the kinds are independent."""
    cfg = Config(mode=Mode.TEST, state_dir=tmp_path / "state", runtime_dir=tmp_path / "run",
                 devices=DevicesConfig(card="virtual", payment="virtual", world=world.root))
    devices = composition.session_devices(cfg)
    from kiosk.printing.cups_printer import CupsPrinter

    assert isinstance(devices.reader, adapters.ReaderAdapter)
    assert isinstance(devices.reader.reader, InProcessReader)
    assert isinstance(devices.printer, adapters.PrinterAdapter)
    assert isinstance(devices.printer.printer, CupsPrinter)
    assert isinstance(devices.payment, adapters.PaymentAdapter)
    assert isinstance(devices.payment.ctl.device, VirtualCoinDevice)


def test_a_real_terminal_has_no_tester_control(tmp_path: Path) -> None:
    for mode in (Mode.PRODUCTION, Mode.TEST):
        cfg = Config(mode=mode, state_dir=tmp_path / "state", runtime_dir=tmp_path / "run")
        assert composition.tester_control(cfg, None) is None  # type: ignore[arg-type]  # devices: never looked at


def test_without_a_cash_device_the_terminal_cannot_serve(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Config(state_dir=tmp_path / "state", runtime_dir=tmp_path / "run")
    monkeypatch.setattr(composition, "card_reader", lambda cfg: InProcessReader())
    with pytest.raises(SessionFault) as raised:
        composition.session_devices(cfg)
    assert raised.value.code == "no_payment_device"


def test_a_production_terminal_builds_no_virtual_device(world: World, tmp_path: Path) -> None:
    """The configuration refuses virtual kinds in production; the root refuses them again
    for a configuration that slipped past (here: mode changed after the checks)."""
    cfg = world_config(world.root, tmp_path / "state", tmp_path / "run", "virtual")
    msgspec.structs.force_setattr(cfg, "mode", Mode.PRODUCTION)
    for build in (composition.card_reader, composition.payment_device,
                  composition.session_devices):
        with pytest.raises(composition.DevicesRefused) as raised:
            build(cfg)
        assert raised.value.code == "virtual_devices_refused"


def test_without_the_development_package_virtual_kinds_are_unavailable(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = world_config(world.root, tmp_path / "state", tmp_path / "run", "virtual")
    monkeypatch.setattr(composition, "entry_points", lambda **_: ())
    composition._factory.cache_clear()  # entry points are loaded once per process
    try:
        with pytest.raises(composition.DevicesRefused) as raised:
            composition.session_devices(cfg)
    finally:
        monkeypatch.undo()
        composition._factory.cache_clear()
    assert raised.value.code == "virtual_devices_unavailable"
