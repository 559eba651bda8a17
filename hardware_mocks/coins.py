"""A coin changer with a 1,000-yen note acceptor, simulated in process.

It implements :class:`kiosk.payment.port.PaymentDevice` and behaves like the hardware in
the ways that matter to money: coins are credited at once and land in the payout tubes,
notes wait in a single escrow slot, anything over the host's ceiling is refused, ``stop``
stays pending while a coin is still in the chute or events are unpolled, and payouts can
fall short. Faults are injected by tests and by the tester panel through plain method
calls (all thread-safe) or a script of steps played one per poll.

Given a ``state_path``, the device lives in that file instead of one process: every call
takes a file lock, loads, acts and saves, so a session worker, the recovery that runs after
it was killed, and the tester panel in the UI process all handle the same coins, as they
would a real device on a serial port. Events not yet polled survive the worker's death.

The simulator also keeps the physical truth (``taken_total``, ``paid_out_total``), which
the host never sees, so tests can check that the ledger accounts for every yen even when
events were lost.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, get_args

from kiosk.payment.change import can_pay as _can_pay
from kiosk.payment.change import largest_payable, plan_payout
from kiosk.payment.port import (
    COINS,
    DENOMINATIONS,
    NOTES,
    Credited,
    DeviceBusy,
    DeviceReset,
    Dispensed,
    Escrow,
    Event,
    Final,
    InvalidAmount,
    Jam,
    LostEvents,
    PaymentFault,
    PayoutShortfall,
    Pending,
    Rejected,
    Returned,
    Stacked,
    StopResult,
    Totals,
    check_amount,
)

#: Tubes of a freshly serviced machine.
DEFAULT_LEVELS: dict[int, int] = {500: 10, 100: 30, 50: 20, 10: 50}

Step = Event | tuple[Any, ...]


class VirtualCoinDevice:
    """The simulated payment device.

    ``levels`` fills the payout tubes (default: a freshly serviced machine); with a
    ``state_path`` that already holds a device, the device is reopened as it was and
    ``levels``, if given, refills it. Script steps are tuples naming a method and its
    arguments, e.g. ``("insert", 100)``, ``("jam",)``, ``("lose_events", 2)``,
    ``("reset_mid_payment",)``, ``("payout_shortfall", 50)``, or an :class:`Event` to
    emit as is (a lying device)."""

    _STEPS = frozenset(
        {"insert", "jam", "clear_jam", "lose_events", "reset_mid_payment", "payout_shortfall",
         "set_levels", "coin_in_chute"}
    )

    def __init__(
        self, levels: Mapping[int, int] | None = None, state_path: str | Path | None = None
    ) -> None:
        self._lock = threading.RLock()
        self._state_path = Path(state_path) if state_path is not None else None
        self._depth = 0
        self._levels: dict[int, int] = {}
        self._set_levels(DEFAULT_LEVELS if levels is None else levels)
        self._events: deque[Event] = deque()
        self._script: deque[Step] = deque()
        self._accepting = False
        self._max_total = 0
        self._accepted = 0  # since start_accept: coins credited + notes stacked
        self._escrow: int | None = None
        self._jammed = False
        self._lose = 0  # events still to drop
        self._lost = 0  # events dropped in the current run
        self._short_by = 0
        self._chute: list[int] = []
        self._cashbox: dict[int, int] = dict.fromkeys(NOTES, 0)
        self._taken = 0  # every yen ever credited or stacked
        self._paid_out = 0  # every yen ever dispensed
        if self._state_path is not None:
            with self._device():
                if levels is not None:
                    self._set_levels(levels)

    @property
    def taken_total(self) -> int:
        with self._device():
            return self._taken

    @property
    def paid_out_total(self) -> int:
        with self._device():
            return self._paid_out

    @property
    def cashbox(self) -> dict[int, int]:
        with self._device():
            return dict(self._cashbox)

    # --- the port -------------------------------------------------------------------------

    def start_accept(self, max_amount: int) -> None:
        with self._device():
            check_amount(max_amount)
            if self._accepting or self._escrow is not None:
                raise DeviceBusy()
            if self._jammed:
                raise PaymentFault("jammed")
            self._accepting = True
            self._max_total = max_amount
            self._accepted = 0

    def poll(self) -> list[Event]:
        with self._device():
            if self._script:
                self._run_step(self._script.popleft())
            out = list(self._events)
            self._events.clear()
            return out

    def stack_escrow(self) -> None:
        with self._device():
            if self._escrow is None:
                raise DeviceBusy()
            note, self._escrow = self._escrow, None
            self._cashbox[note] += 1
            self._take(note)
            self._emit(Stacked(note))

    def return_escrow(self) -> None:
        with self._device():
            if self._escrow is None:
                raise DeviceBusy()
            note, self._escrow = self._escrow, None
            self._emit(Returned(note))

    def stop(self) -> StopResult:
        with self._device():
            self._accepting = False
            if self._chute:
                for coin in self._chute:
                    self._credit_coin(coin)
                self._chute.clear()
                return Pending()
            if self._escrow is not None or self._events or self._script:
                return Pending()
            return Final(self._accepted)

    def dispense(self, amount: int) -> int:
        with self._device():
            check_amount(amount)
            if self._accepting:
                raise DeviceBusy()
            target = max(0, amount - self._short_by)
            self._short_by = 0
            paid = largest_payable(target, self._levels)
            for denom, n in (plan_payout(paid, self._levels) or {}).items():
                self._levels[denom] -= n
            self._paid_out += paid
            if paid:
                self._emit(Dispensed(paid))
            if paid < amount:
                self._emit(PayoutShortfall(amount, paid))
            return paid

    def levels(self) -> dict[int, int]:
        with self._device():
            return dict(self._levels)

    def can_payout(self, amount: int) -> bool:
        with self._device():
            return _can_pay(amount, self._levels)

    def totals(self) -> Totals:
        with self._device():
            return Totals(self._taken, self._paid_out)

    # --- what a customer or a tester does ---------------------------------------------------

    def insert(self, denomination: int) -> Event:
        """A customer drops a coin or feeds a note; returns what the device made of it
        (even when that event is then lost on its way to the host)."""
        with self._device():
            refusal = self._refusal(denomination, sum(self._chute))
            if refusal is not None:
                return self._emit(refusal)
            if denomination in COINS:
                return self._credit_coin(denomination)
            if self._escrow is not None:
                return self._emit(Rejected("escrow_busy"))
            self._escrow = denomination
            return self._emit(Escrow(denomination))

    def coin_in_chute(self, denomination: int) -> Event | None:
        """A coin that is still rolling when the host says stop: the next ``stop`` credits
        it and answers :class:`Pending` (the race two-phase stop exists for). A coin the
        device would refuse is refused at once, and that event is returned."""
        with self._device():
            refusal = self._refusal(denomination, sum(self._chute))
            if refusal is not None:
                return self._emit(refusal)
            if denomination not in COINS:
                raise InvalidAmount("unknown_denomination")
            self._chute.append(denomination)
            return None

    def jam(self) -> None:
        """The acceptor jams: it stops accepting and refuses what comes next."""
        with self._device():
            self._jammed = True
            self._accepting = False
            self._chute.clear()  # a rolling coin falls back to the customer
            self._emit(Jam())

    def clear_jam(self) -> None:
        """A technician clears the jam."""
        with self._device():
            self._jammed = False

    def lose_events(self, n: int) -> None:
        """The next ``n`` events never reach the host; a :class:`LostEvents` follows them.
        The money behind them is still counted in the amount ``stop`` reports."""
        with self._device():
            if n < 1:
                raise ValueError("n must be positive")
            self._lose += n

    def reset_mid_payment(self) -> None:
        """The device resets itself: acceptance off, an escrowed note handed back without a
        :class:`Returned` event (as real devices do), credits already taken kept."""
        with self._device():
            self._accepting = False
            self._escrow = None
            self._chute.clear()
            self._emit(DeviceReset())

    def set_levels(self, levels: Mapping[int, int]) -> None:
        """Refill or empty the payout tubes (service mode)."""
        with self._device():
            self._set_levels(levels)

    def payout_shortfall(self, short_by: int) -> None:
        """The next payout pays at least ``short_by`` yen less than asked."""
        with self._device():
            self._short_by = check_amount(short_by)

    def script(self, steps: Iterable[Step]) -> None:
        """Queue steps, one played at the start of each ``poll``."""
        with self._device():
            for step in steps:
                if isinstance(step, tuple) and (not step or step[0] not in self._STEPS):
                    raise ValueError("unknown script step")
                self._script.append(step)

    def snapshot(self) -> dict[str, Any]:
        """The device as the tester panel shows it."""
        with self._device():
            return {
                "accepting": self._accepting,
                "max_total": self._max_total,
                "accepted": self._accepted,
                "escrow": self._escrow,
                "jammed": self._jammed,
                "levels": dict(self._levels),
                "cashbox": dict(self._cashbox),
                "taken_total": self._taken,
                "paid_out_total": self._paid_out,
                "pending_events": len(self._events),
                "script_steps": len(self._script),
            }

    # --- internals --------------------------------------------------------------------------

    _PERSISTED = ("_levels", "_cashbox", "_accepting", "_max_total", "_accepted", "_escrow",
                  "_jammed", "_lose", "_lost", "_short_by", "_chute", "_taken", "_paid_out")

    @contextmanager
    def _device(self) -> Iterator[None]:
        """Hold the device: the thread lock, and with a state file its flock, loading the
        state on the way in and saving it on the way out (outermost call only)."""
        with self._lock:
            if self._state_path is None or self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._state_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(f"{self._state_path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._load()
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                    self._save()
            finally:
                os.close(fd)

    def _load(self) -> None:
        assert self._state_path is not None
        try:
            data = json.loads(self._state_path.read_text(encoding="ascii"))
        except FileNotFoundError:
            return
        for name in self._PERSISTED:
            value = data[name]
            if name in ("_levels", "_cashbox"):
                value = {int(k): int(v) for k, v in value.items()}
            setattr(self, name, value)
        self._events = deque(_decode_event(e) for e in data["events"])
        self._script = deque(
            tuple(x["step"]) if "step" in x else _decode_event(x) for x in data["script"]
        )

    def _save(self) -> None:
        assert self._state_path is not None
        data: dict[str, Any] = {name: getattr(self, name) for name in self._PERSISTED}
        data["events"] = [_encode_event(e) for e in self._events]
        data["script"] = [
            {"step": list(x)} if isinstance(x, tuple) else _encode_event(x) for x in self._script
        ]
        tmp = self._state_path.with_name(self._state_path.name + ".tmp")
        tmp.write_text(json.dumps(data, sort_keys=True), encoding="ascii")
        os.replace(tmp, self._state_path)

    def _set_levels(self, levels: Mapping[int, int]) -> None:
        new = dict.fromkeys(COINS, 0)
        for denom, count in levels.items():
            if denom not in COINS or count < 0:
                raise InvalidAmount("bad_level")
            new[denom] = int(count)
        self._levels = new

    def _refusal(self, denomination: int, in_flight: int) -> Rejected | None:
        if denomination not in DENOMINATIONS:
            return Rejected("unknown")
        if self._jammed:
            return Rejected("jammed")
        if not self._accepting:
            return Rejected("not_accepting")
        held = self._accepted + (self._escrow or 0) + in_flight
        if held + denomination > self._max_total:
            return Rejected("inhibited")
        return None

    def _take(self, amount: int) -> None:
        self._accepted += amount
        self._taken += amount

    def _credit_coin(self, coin: int) -> Event:
        self._levels[coin] += 1
        self._take(coin)
        return self._emit(Credited(coin))

    def _emit(self, event: Event) -> Event:
        if self._lose:
            self._lose -= 1
            self._lost += 1
            if not self._lose:
                self._events.append(LostEvents(self._lost))
                self._lost = 0
        else:
            self._events.append(event)
        return event

    def _run_step(self, step: Step) -> None:
        if isinstance(step, tuple):
            getattr(self, step[0])(*step[1:])
        else:
            self._events.append(step)


def _encode_event(ev: Event) -> dict[str, Any]:
    return {"type": type(ev).__name__, **dataclasses.asdict(ev)}


_EVENT_TYPES: dict[str, type] = {cls.__name__: cls for cls in get_args(Event)}


def _decode_event(data: Mapping[str, Any]) -> Event:
    fields = dict(data)
    event: Event = _EVENT_TYPES[str(fields.pop("type"))](**fields)
    return event


def pay_script(amount: int) -> list[Step]:
    """Insert steps that pay ``amount``, largest denomination first (a headless customer
    for ``kiosk session run --pay``)."""
    check_amount(amount)
    steps: list[Step] = []
    for denom in sorted(DENOMINATIONS, reverse=True):
        while amount >= denom:
            steps.append(("insert", denom))
            amount -= denom
    return steps


def main(argv: list[str] | None = None) -> int:
    """``python -m hardware_mocks.coins STATE ACTION [ARG]``: a tester's hand on the shared
    simulated device (the same one the kiosk's worker polls), from another terminal."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m hardware_mocks.coins")
    parser.add_argument("state", type=Path, help="the device's state file (as configured)")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("show")
    for name in ("insert", "chute", "lose", "shortfall"):
        sub.add_parser(name).add_argument("amount", type=int)
    for name in ("jam", "clear-jam", "reset"):
        sub.add_parser(name)
    sub.add_parser("levels").add_argument("levels", help="e.g. 500=10,100=30,50=20,10=50")
    args = parser.parse_args(argv)
    sim = VirtualCoinDevice(state_path=args.state)
    result: Any = None
    try:
        if args.action == "insert":
            result = sim.insert(args.amount)
        elif args.action == "chute":
            result = sim.coin_in_chute(args.amount)
        elif args.action == "lose":
            sim.lose_events(args.amount)
        elif args.action == "shortfall":
            sim.payout_shortfall(args.amount)
        elif args.action == "jam":
            sim.jam()
        elif args.action == "clear-jam":
            sim.clear_jam()
        elif args.action == "reset":
            sim.reset_mid_payment()
        elif args.action == "levels":
            pairs = (item.split("=") for item in args.levels.split(","))
            sim.set_levels({int(d): int(n) for d, n in pairs})
    except (ValueError, InvalidAmount) as exc:
        parser.error(f"bad value: {exc}")
    out = sim.snapshot()
    if result is not None:
        out["result"] = _encode_event(result)
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
