"""The payment-device port: what the kiosk asks of any coin and note device.

The contract follows FabLabKasse's cash protocol, which kept drivers free of business
logic: the host arms the device with a ceiling (``start_accept``), polls typed events,
stops in two phases (the device may still be swallowing a coin when asked to stop, so
``stop`` answers :class:`Pending` until it is quiescent and only then the authoritative
:class:`Final` amount), and asks for payouts that may fall short. Real drivers (ccTalk,
eSSP on pyserial) and the simulator in ``hardware_mocks.coins`` implement it; the session
logic sees only this module and :mod:`kiosk.payment.controller`.

Amounts are whole yen. Coins (10, 50, 100, 500) are credited the moment they are
accepted and go to the payout tubes; 1,000-yen notes are held in escrow until the host
says :meth:`PaymentDevice.stack_escrow` (the note goes to the cashbox, which cannot pay
out) or :meth:`PaymentDevice.return_escrow`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

COINS: tuple[int, ...] = (10, 50, 100, 500)
NOTES: tuple[int, ...] = (1000,)
DENOMINATIONS: tuple[int, ...] = COINS + NOTES


# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credited:
    """A coin was accepted: the money is in the device."""

    denomination: int


@dataclass(frozen=True)
class Rejected:
    """A coin or note was refused and handed back; no money changed hands.

    ``reason`` is a keyword: ``not_accepting``, ``inhibited`` (over the ceiling),
    ``jammed``, ``unknown`` (counterfeit or foreign), ``fraud`` (the device saw a
    possible fraud: a coin on a string or going backwards, a note pulled back, a light
    attack; it may have kept the coin, so this one is not known to be handed back, and
    the controller flags the payment ``possible_fraud`` for staff)."""

    reason: str


@dataclass(frozen=True)
class Escrow:
    """A note is held in escrow: not yet money in, the host must stack or return it."""

    note: int


@dataclass(frozen=True)
class Stacked:
    """The escrowed note went to the cashbox: the money is in the device."""

    note: int


@dataclass(frozen=True)
class Returned:
    """The escrowed note was handed back to the customer."""

    note: int


@dataclass(frozen=True)
class Jam:
    """The acceptor jammed and stopped accepting. Payout may still work."""

    where: str = "acceptor"


@dataclass(frozen=True)
class LostEvents:
    """The device's event buffer overflowed: ``n`` events were never seen by the host.

    The amount from :meth:`PaymentDevice.stop` stays authoritative; the host must stop
    taking money and reconcile against it."""

    n: int


@dataclass(frozen=True)
class DeviceReset:
    """The device reset itself; acceptance is off and any escrowed note was returned."""


@dataclass(frozen=True)
class Dispensed:
    """Coins were paid out (informational; the return value of ``dispense`` is the
    authority)."""

    amount: int


@dataclass(frozen=True)
class PayoutShortfall:
    """A payout paid less than asked (hopper empty or jammed)."""

    requested: int
    paid: int


Event = (
    Credited
    | Rejected
    | Escrow
    | Stacked
    | Returned
    | Jam
    | LostEvents
    | DeviceReset
    | Dispensed
    | PayoutShortfall
)


# --- stop results -------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """Still settling (a coin in the chute, events not yet polled): poll, then ask again."""


@dataclass(frozen=True)
class Final:
    """The device is quiescent; ``amount`` is everything accepted since ``start_accept``
    (coins credited plus notes stacked), including money whose events were lost."""

    amount: int


StopResult = Pending | Final


@dataclass(frozen=True)
class Totals:
    """The device's own lifetime counters, in yen: everything it ever took in (coins
    credited, notes stacked) and everything it ever paid out. They only grow and they
    survive a restart of the kiosk (a ccTalk hopper keeps its paid counter; the acceptor's
    counts are read back at power-up). Recovery settles a transaction a dead worker left
    open from the difference between these and the values the ledger recorded when the
    device was armed or a payout was asked for: facts about this transaction, never a
    running count that may still belong to the previous customer."""

    taken: int
    paid_out: int


# --- errors -------------------------------------------------------------------------------


class PaymentError(Exception):
    """Base of the payment domain errors; carries a machine-readable ``code`` only."""

    code = "payment_error"

    def __init__(self, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        super().__init__(self.code)


class PaymentFault(PaymentError):
    """The device failed (jam, reset, lost events, no answer); money may need refunding."""

    code = "payment_fault"


class DeviceBusy(PaymentError):
    """A command was given in the wrong phase (e.g. ``start_accept`` while accepting)."""

    code = "device_busy"


class InvalidAmount(PaymentError):
    """An amount that no yen device can handle (negative, not a multiple of 10)."""

    code = "invalid_amount"


# --- the port -----------------------------------------------------------------------------


@runtime_checkable
class PaymentDevice(Protocol):
    """A coin changer with a note acceptor. Methods never block for long and never sleep:
    a real driver owns its serial port in its own thread and queues events for ``poll``."""

    def start_accept(self, max_amount: int) -> None:
        """Accept money until ``max_amount`` in total has been taken; refuse (inhibit) any
        coin or note that would go over it. Raises :class:`DeviceBusy` if already
        accepting, :class:`PaymentFault` if the acceptor is jammed."""

    def poll(self) -> list[Event]:
        """Events since the last poll, oldest first."""

    def stack_escrow(self) -> None:
        """Send the escrowed note to the cashbox; a :class:`Stacked` event follows."""

    def return_escrow(self) -> None:
        """Hand the escrowed note back; a :class:`Returned` event follows."""

    def stop(self) -> StopResult:
        """Stop accepting. :class:`Pending` until the device is quiescent and every event
        has been polled, then :class:`Final` with the authoritative amount. An escrowed
        note keeps it pending until the host stacks or returns it."""

    def dispense(self, amount: int) -> int:
        """Pay out ``amount`` in coins; returns what was actually paid, which may be less.
        Never pays more."""

    def levels(self) -> Mapping[int, int]:
        """Coins available for payout, by denomination."""

    def can_payout(self, amount: int) -> bool:
        """Whether ``amount`` can be paid exactly from the current levels."""

    def totals(self) -> Totals:
        """The lifetime counters (:class:`Totals`); :class:`PaymentFault` if the device
        cannot say."""


def check_amount(amount: object) -> int:
    """Validate a yen amount the devices can handle: a non-negative multiple of 10. Checked
    at run time whatever the caller's declared type, hence ``object`` (a bool is refused)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0 or amount % 10:
        raise InvalidAmount()
    return amount
