"""A terminal's cash devices, emulated: one coin acceptor, a hopper per payout coin and a
note validator, each on its own pty, with the physical truth the kiosk never sees.

``CashRig().start()`` gives the tty paths a ``[payment]`` table names; the kiosk's real
drivers open them (in this process or in a session worker). Tests, the benchmark and the
development tools drive the devices through the rig's emulators.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from hardware_mocks.cash.coin_acceptor import CoinAcceptorEmulator
from hardware_mocks.cash.hopper import HopperEmulator
from hardware_mocks.cash.note_validator import NOTE_CODES, NoteValidatorEmulator
from hardware_mocks.cash.pty_device import PtyDevice
from kiosk.payment.cash_device import CashDevice, open_cash_device
from kiosk.payment.cash_state import CashState
from kiosk.payment.cctalk_frame import Checksum
from kiosk.payment.id003 import Status

#: The tester's cash commands besides ``coin`` (:meth:`CashRig.control`).
COMMANDS = frozenset({
    "coin_jam", "coin_clear_jam", "coin_string", "acceptor_unplug", "acceptor_silent",
    "acceptor_answers", "acceptor_garbage", "acceptor_corrupt",
    "note_jam", "note_clear_jam", "note_stacker_full", "note_stacker_emptied", "note_refuse_next",
    "note_cheat", "validator_unplug",
    "hopper_empty", "hopper_removed", "hopper_refitted", "hopper_stall",
    "hopper_unstall", "hopper_power_cycle"})

#: Coins in each hopper of a freshly serviced terminal (as the simulator's tubes).
DEFAULT_COINS: dict[int, int] = {500: 10, 100: 30, 50: 20, 10: 50}


class CashRig:
    def __init__(self, coins: Mapping[int, int] | None = None, *, notes: bool = True,
                 checksum: Checksum = Checksum.SIMPLE, echo: bool = False,
                 coin_interval: float = 0.002) -> None:
        self.checksum = checksum
        self.echo = echo
        self.acceptor = CoinAcceptorEmulator(checksum=checksum, echo=echo)
        self.hoppers = {value: HopperEmulator(value, count, checksum=checksum, echo=echo,
                                              coin_interval=coin_interval)
                        for value, count in (DEFAULT_COINS if coins is None else coins).items()}
        self.validator = NoteValidatorEmulator() if notes else None

    @property
    def emulators(self) -> list[PtyDevice]:
        found: list[PtyDevice | None] = [self.acceptor, *self.hoppers.values(), self.validator]
        return [e for e in found if e is not None]

    def start(self) -> CashRig:
        for emulator in self.emulators:
            emulator.start()
        return self

    def close(self) -> None:
        for emulator in self.emulators:
            emulator.close()

    def __enter__(self) -> CashRig:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- what the kiosk is configured with -------------------------------------------------

    def payment_table(self) -> dict[str, Any]:
        """The ``[payment]`` keys naming these devices (``kiosk.config.PaymentConfig``)."""
        table: dict[str, Any] = {
            "coin_acceptor": Path(self.acceptor.path),
            "hoppers": {str(v): Path(h.path) for v, h in self.hoppers.items()},
            "cctalk_checksum": self.checksum.value,
            "cctalk_echo": self.echo,
            "note_validator_parity": "none",  # a pty cannot carry parity
        }
        if self.validator is not None:
            table["note_validator"] = Path(self.validator.path)
            table["notes"] = {str(v): c for v, c in NOTE_CODES.items()}
        return table

    def record_loaded(self, state_dir: str | Path) -> None:
        """Record the coins in the hoppers as a technician's refill would (``kiosk diag``),
        in the kiosk's cash state: the drivers start from these counts."""
        with CashState.in_state_dir(state_dir).change() as r:
            for value, hopper in self.hoppers.items():
                r.hopper(value).inventory = hopper.coins

    def open_device(self, state_dir: str | Path, **kw: Any) -> CashDevice:
        """The kiosk's real drivers on these ttys, in this process."""
        return open_cash_device(
            state_dir, coin_acceptor=self.acceptor.path,
            hoppers={v: h.path for v, h in self.hoppers.items()},
            note_validator=self.validator.path if self.validator else None,
            notes={c: v for v, c in NOTE_CODES.items()}, checksum=self.checksum,
            echo=self.echo, validator_parity="N", **kw)

    # --- a customer's or a tester's hand ------------------------------------------------------

    def control(self, kind: str, **fields: Any) -> bool:
        """The tester's device commands (:data:`COMMANDS`); False for a command that is
        not about cash. Those naming a hopper take its coin ``value``."""
        if kind == "coin":
            value = int(fields["value"])
            self.wait_accepting(value)
            if value >= 1000 and self.validator is not None:
                self.validator.insert(value)
            else:
                self.acceptor.insert(value)
            return True
        if kind not in COMMANDS:
            return False
        v, a = self.validator, self.acceptor
        hopper = self.hoppers.get(int(fields.get("value", 0)))
        if kind.startswith("hopper_") and hopper is None:
            return True  # no hopper of that coin is fitted: nothing to do
        actions: dict[str, Any] = {
            "coin_jam": a.jam, "coin_clear_jam": a.clear_jam, "coin_string": a.string,
            "acceptor_unplug": a.unplug, "acceptor_silent": lambda: a.go_silent(True),
            "acceptor_answers": lambda: a.go_silent(False), "acceptor_garbage": lambda: a.garbage(3),
            "acceptor_corrupt": lambda: a.corrupt(3),
        }
        if v is not None:
            actions |= {"note_jam": v.jam, "note_clear_jam": v.clear_jam,
                        "note_stacker_full": lambda: v.stacker_full(True),
                        "note_stacker_emptied": lambda: v.stacker_full(False),
                        "note_refuse_next": v.refuse_next, "note_cheat": v.cheat,
                        "validator_unplug": v.unplug}
        if hopper is not None:
            actions |= {"hopper_empty": lambda: hopper.set_coins(0),
                        "hopper_removed": lambda: hopper.go_silent(True),
                        "hopper_refitted": lambda: hopper.go_silent(False),
                        "hopper_stall": lambda: hopper.stall(True),
                        "hopper_unstall": lambda: hopper.stall(False),
                        "hopper_power_cycle": hopper.power_cycle}
        action = actions.get(kind)
        if action is not None:
            action()
        return True

    def wait_accepting(self, value: int, timeout: float = 5.0) -> bool:
        """Wait (bounded) until the device for ``value`` is open, as a customer waits for
        the slot to light up; the kiosk enables it a poll after the payment screen shows."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if value >= 1000 and self.validator is not None:
                if not self.validator.inhibited and self.validator.status == Status.IDLING:
                    return True
            elif self.acceptor.master_enabled:
                return True
            time.sleep(0.01)
        return False

    # --- the physical truth ----------------------------------------------------------------

    @property
    def taken(self) -> int:
        """Yen the devices kept: coins accepted plus notes stacked."""
        return self.acceptor.taken + (self.validator.stacked if self.validator else 0)

    @property
    def paid_out(self) -> int:
        return sum(h.value * h.paid_out for h in self.hoppers.values())
