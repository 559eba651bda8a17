"""The tester's control of a worker's virtual devices (the ``kiosk.tester`` entry point).

The tester panel and the headless runs send ``{"kind": …}`` commands down the worker's
pipe: insert a persona's card, remove it, pull it after N card commands, drop a coin,
jam the coin path, switch a relay or printer fault. The worker passes them here only in
a mode that allows virtual devices; a production worker has no tester control at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hardware_mocks.coins import VirtualCoinDevice
from hardware_mocks.inprocess_reader import InProcessReader
from hardware_mocks.session import fakes
from hardware_mocks.session.virtual import TrayPrinter, relay_faults, world_of
from hardware_mocks.vcard import VirtualCard
from kiosk.config import Config
from kiosk.session import adapters
from kiosk.session.ports import Devices

if TYPE_CHECKING:
    from hardware_mocks.cash.rig import CashRig


class Control:
    """Over the devices the composition root built for one worker."""

    def __init__(self, cfg: Config, devices: Devices, cash_rig: CashRig | None = None) -> None:
        self.world = world_of(cfg)
        self.devices = devices
        #: The emulated cash devices behind real drivers (``devices.payment = "cash"``):
        #: coins and notes go into the emulators, which the drivers then see.
        self.cash_rig = cash_rig

    def control(self, command: dict[str, Any]) -> None:
        kind = command.get("kind")
        self._card(kind, command)
        self._coins(kind, command)
        if kind == "relay_fault":
            self._relay_fault(command.get("value") or None)
        elif kind == "printer_fault":
            self._printer_fault(command.get("value") or None)

    # -- card ------------------------------------------------------------------------------

    def _insert(self, persona: str) -> None:
        reader = self.devices.reader
        if isinstance(reader, fakes.FakeReader):
            reader.insert(persona)
            return
        inner = reader.reader if isinstance(reader, adapters.ReaderAdapter) else None
        if isinstance(inner, InProcessReader):
            path = self.world / "cards" / f"{persona}.json"
            if not path.exists():
                raise KeyError(persona)
            inner.insert(VirtualCard(path))

    def _pull_after(self, commands: int) -> None:
        reader = self.devices.reader
        if isinstance(reader, fakes.FakeReader):
            reader.pull_after(commands)
        elif isinstance(reader, adapters.ReaderAdapter) and isinstance(reader.reader, InProcessReader):
            reader.reader.pull_after(commands + 1)  # the reader counts commands before the pull

    def _remove(self) -> None:
        reader = self.devices.reader
        if isinstance(reader, fakes.FakeReader):
            reader.remove()
        elif isinstance(reader, adapters.ReaderAdapter) and isinstance(reader.reader, InProcessReader):
            reader.reader.remove()

    def _card(self, kind: Any, command: dict[str, Any]) -> None:
        if kind == "card_insert":
            self._insert(str(command["persona"]))
            if "pull_after" in command:  # the card will leave during its first commands
                self._pull_after(int(command["pull_after"]))
        elif kind == "card_remove":
            self._remove()
        elif kind == "card_pull_after":
            self._pull_after(int(command["n"]))

    # -- coins -----------------------------------------------------------------------------

    def _coins(self, kind: Any, command: dict[str, Any]) -> None:
        if self.cash_rig is not None:
            self.cash_rig.control(str(kind), **{k: v for k, v in command.items() if k != "kind"})
            return
        payment = self.devices.payment
        coins: Any = None
        if isinstance(payment, fakes.FakePayment):
            coins = payment
        elif isinstance(payment, adapters.PaymentAdapter) and isinstance(payment.ctl.device, VirtualCoinDevice):
            coins = payment.ctl.device
        if coins is None:
            return
        if kind == "coin":
            coins.insert(int(command["value"]))
        elif kind == "coin_jam":
            coins.jam()
        elif kind == "coin_clear_jam":
            coins.clear_jam()

    # -- faults ----------------------------------------------------------------------------

    def _relay_fault(self, fault: str | None) -> None:
        relay = self.devices.relay
        if isinstance(relay, fakes.FakeRelay):
            relay.fault = fault
        elif isinstance(relay, adapters.RelayAdapter):
            client = relay.client
            if hasattr(client, "faults"):
                client.faults = relay_faults(fault)

    def _printer_fault(self, fault: str | None) -> None:
        printer = self.devices.printer
        if isinstance(printer, fakes.FakePrinter):
            printer.fault = fault
        elif isinstance(printer, adapters.PrinterAdapter) and isinstance(printer.printer, TrayPrinter):
            printer.printer.set_fault(fault)


def control(cfg: Config, devices: Devices) -> Control:
    return Control(cfg, devices)

