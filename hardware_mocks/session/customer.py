"""A scripted customer, with faults, for the headless run, the tests and the benchmark.

The customer reacts to view models the way a person at the screen would (one action per
screen visit) and, where told, does the wrong thing at a given state: pulls the card,
presses cancel, jams the coin slot, or has the worker killed. It drives a
:class:`~kiosk.process.host.SessionHost` (real worker processes) through
:class:`HostTerminal`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kiosk.session.viewmodel import Intent, IntentKind, ViewModel

COINS = (1000, 500, 100, 50, 10)


def coins_for(amount: int) -> list[int]:
    out = []
    for c in COINS:
        while amount >= c:
            out.append(c)
            amount -= c
    return out


class Terminal(Protocol):
    def next_view(self, timeout: float) -> ViewModel | None: ...

    def send_intent(self, intent: Intent) -> None: ...

    def send_pin(self, pin: bytearray) -> None: ...

    def device(self, kind: str, **fields: Any) -> None: ...

    def kill_worker(self) -> None: ...


@dataclass
class Script:
    persona: str
    pin: str
    doc_type: str = "juminhyo"
    copies: int = 1
    pay: int | None = None  # None: exactly the total
    remove_card_at: str | None = None
    cancel_at: str | None = None
    kill_worker_at: str | None = None
    coin_jam: bool = False
    timeout_at: str | None = None  # do nothing in this state (the inactivity timeout ends it)
    pin_source: Callable[[], bytearray] | None = None  # a PIN that never was a str
    pause_at: str | None = None  # on first reaching this state, call ``on_pause`` before acting
    on_pause: Callable[[], None] | None = None  # e.g. a memory scan of the serving worker


@dataclass
class Result:
    states: list[str] = field(default_factory=list)
    final: ViewModel | None = None
    inserted: int = 0
    killed: bool = False
    walked_away: bool = False  # cancelled or idle at the start screen: no session began
    phases: dict[str, float] = field(default_factory=dict)  # state -> seconds spent in it


class Customer:
    def __init__(self, terminal: Terminal, script: Script) -> None:
        self.t = terminal
        self.s = script
        self.result = Result()  # so far: what a caller reports when ``run`` times out

    def run(self, timeout: float = 30.0) -> Result:
        res = self.result = Result()
        end = time.monotonic() + timeout
        prev: str | None = None
        entered = time.perf_counter()
        while time.monotonic() < end:
            vm = self.t.next_view(0.05)
            if vm is None:
                continue
            if vm.final:
                now = time.perf_counter()
                if prev:
                    res.phases[prev] = res.phases.get(prev, 0.0) + now - entered
                res.final = vm
                return res
            state = vm.state or ""
            if state == prev:
                continue
            now = time.perf_counter()
            if prev:
                res.phases[prev] = res.phases.get(prev, 0.0) + now - entered
            entered, prev = now, state
            res.states.append(state)
            if state == "start" and "start" in (self.s.cancel_at, self.s.timeout_at):
                # The start screen has neither cancel nor a timeout: the customer leaves.
                res.walked_away = True
                return res
            if self._fault(state, res):
                if res.killed:
                    return res
                continue
            if state == self.s.pause_at and self.s.on_pause is not None and res.states.count(state) == 1:
                self.s.on_pause()
            self._act(vm, res)
        raise TimeoutError("the session did not end")

    def _fault(self, state: str, res: Result) -> bool:
        s = self.s
        if s.kill_worker_at == state:
            self.t.kill_worker()
            res.killed = True
            return True
        if s.cancel_at == state:
            self.t.send_intent(Intent(IntentKind.CANCEL))
            return True
        if s.timeout_at == state:
            return True
        # The card leaves *during* a card state: the pull is armed before the action that
        # starts it (inserting, sending the PIN), as the work runs before any message
        # from here could arrive.
        if state == "place_card" and s.remove_card_at in ("place_card", "reading_card"):
            self.t.device("card_insert", persona=s.persona, pull_after=0)
            return True
        if state == "pin" and s.remove_card_at in ("pin", "authenticating"):
            self.t.device("card_pull_after", n=0)
            self._send_pin()
            return True
        if s.remove_card_at == state and state not in ("reading_card", "authenticating"):
            self.t.device("card_remove")
            return state == "remove_card"
        return False

    def _send_pin(self) -> None:
        if self.s.pin_source is not None:
            pin = self.s.pin_source()
        else:
            pin = bytearray(self.s.pin.encode("ascii"))
        self.t.send_pin(pin)

    def _act(self, vm: ViewModel, res: Result) -> None:
        s, state = self.s, vm.state
        if state == "start":
            self.t.send_intent(Intent(IntentKind.START))
        elif state == "place_card":
            self.t.device("card_insert", persona=s.persona)
        elif state == "pin":
            if vm.tries_left is not None and vm.tries_left < 3 and res.states.count("pin") > 1:
                self.t.send_intent(Intent(IntentKind.CANCEL))  # one wrong PIN is enough
            else:
                self._send_pin()
        elif state == "remove_card":
            self.t.device("card_remove")
        elif state == "choose_type":
            item = next((m for m in vm.menu if m.type == s.doc_type), None)
            if item is None or not item.available:
                self.t.send_intent(Intent(IntentKind.CANCEL))
            else:
                self.t.send_intent(Intent(IntentKind.CHOOSE_TYPE, s.doc_type))
        elif state == "options":
            self.t.send_intent(Intent(IntentKind.OPTIONS_DONE))
        elif state == "copies":
            self.t.send_intent(Intent(IntentKind.SET_COPIES, str(s.copies)))
        elif state == "confirm":
            self.t.send_intent(Intent(IntentKind.CONFIRM))
        elif state == "payment":
            amount = vm.total if s.pay is None else s.pay
            coins = self._before_jam(vm.total) if s.coin_jam else coins_for(amount)
            for coin in coins:
                self.t.device("coin", value=coin)
                res.inserted += coin
            if s.coin_jam:
                self.t.device("coin_jam")
        elif state == "take_papers":
            self.t.send_intent(Intent(IntentKind.ACKNOWLEDGE))


    @staticmethod
    def _before_jam(total: int) -> list[int]:
        """What goes in before the slot jams: one coin that leaves money still due (the
        largest below the total), so the jam always falls mid-payment; nothing when even
        the smallest coin would complete it."""
        return coins_for(total - COINS[-1])[:1] if total > COINS[-1] else []


class HostTerminal:
    """A :class:`SessionHost` seen as a terminal."""

    def __init__(self, host: Any) -> None:
        self.host = host
        last = host.last_view
        # The view on screen now is where the customer starts.
        self._pending: list[ViewModel] = [last] if last is not None and not last.final else []

    def next_view(self, timeout: float) -> ViewModel | None:
        if not self._pending:
            self._pending.extend(self.host.poll(timeout))
        return self._pending.pop(0) if self._pending else None

    def send_intent(self, intent: Intent) -> None:
        self.host.send_intent(intent)

    def send_pin(self, pin: bytearray) -> None:
        self.host.send_pin(pin)

    def device(self, kind: str, **fields: Any) -> None:
        self.host.device(kind, **fields)

    def kill_worker(self) -> None:
        self.host.kill_worker()


class ReaderControlTerminal(HostTerminal):
    """Real card reader: the card goes in and out through the virtual reader's control
    (``hardware_mocks.vreader``: its socket, or a ``VirtualReader`` object) instead of the
    session pipe; everything else as :class:`HostTerminal`."""

    def __init__(self, host: Any, control: Callable[[dict[str, Any]], Any]) -> None:
        super().__init__(host)
        self.control = control

    def device(self, kind: str, **fields: Any) -> None:
        if kind == "card_insert":
            self.control({"cmd": "insert", "persona": fields["persona"]})
            if "pull_after" in fields:
                self.control({"cmd": "pull-after", "n": int(fields["pull_after"]) + 1})
        elif kind == "card_remove":
            self.control({"cmd": "remove"})
        elif kind == "card_pull_after":
            self.control({"cmd": "pull-after", "n": int(fields["n"]) + 1})
        else:
            super().device(kind, **fields)



class CashRigTerminal(HostTerminal):
    """Real cash drivers in the worker over emulated devices in this process: coins and
    notes go into the emulators (``hardware_mocks.cash.rig.CashRig``), the rest as
    :class:`HostTerminal`."""

    def __init__(self, host: Any, rig: Any) -> None:
        super().__init__(host)
        self.rig = rig

    def device(self, kind: str, **fields: Any) -> None:
        if not self.rig.control(kind, **fields):
            super().device(kind, **fields)
