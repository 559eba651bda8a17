"""The real session engine in the UI process, over the session's port fakes: the engine
link of the UI tests.

The UI tests need every screen at once and every timeout without waiting. A second,
hand-written flow for them drifted from the real one (allowed intents, the copies limit,
fees, how a session ends), so the UI was tested against a flow no customer meets. This
link runs the production :class:`~kiosk.session.engine.Engine` instead, over
``hardware_mocks.session.fakes``'s fakes of its ports and a :class:`~protocol.clock.FakeClock`,
on one thread of its own as the session worker would; when a session ends the next one
starts at once, as the session host's warm spare does.

The tester's hands (a persona's card, coins, device faults) go through the same
:class:`~hardware_mocks.session.control.Control` as the worker's device channel; time
moves only when a test advances the clock. Nothing runs on a timer: each command is
followed by the engine's pending work and by polls of the devices and timers until one
changes nothing, and the tests wait for the screens with ``qtbot.waitUntil``.

The engine holds the synthetic world's personal data here, in the UI process. That is
acceptable for tests only; the demo runs the engine in a session worker.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

from hardware_mocks.session.customer import coins_for
from hardware_mocks.session.specs import in_process
from kiosk.session.engine import Engine
from kiosk.session.faults import (
    CardFault,
    IntegrityFault,
    PaymentFault,
    PrintFault,
    Refusal,
    RelayFault,
    SessionFault,
)
from kiosk.session.journal import Journal
from kiosk.session.ports import Devices
from kiosk.session.viewmodel import Intent, IntentKind, ViewModel
from protocol import log
from protocol.clock import FakeClock
from protocol.sensitive import zero

LOG = logging.getLogger("hardware_mocks.ui")
#: Engine runs (work, then a poll) after one command before we call the engine stuck.
SETTLE_LIMIT = 100
#: The longest inactivity timeout, in one-second steps of the fake clock.
CLOCK_LIMIT_S = 600

P = TypeVar("P")
_FAULTS: dict[str, type[SessionFault]] = {
    "card": CardFault, "relay": RelayFault, "refusal": Refusal, "integrity": IntegrityFault,
    "printer": PrintFault, "payment": PaymentFault,
}


class _FaultSwitch:
    """One fault, armed by a test, raised by the next call the engine makes to a device."""

    def __init__(self) -> None:
        self.armed: SessionFault | None = None

    def fire(self) -> None:
        fault, self.armed = self.armed, None
        if fault is not None:
            raise fault


class _Switched:
    """A fake port behind the fault switch (the tester's control keeps the bare fake)."""

    def __init__(self, port: Any, switch: _FaultSwitch) -> None:
        self._port = port
        self._switch = switch

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._port, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self._switch.fire()
            return attr(*args, **kwargs)

        return call


def _switched(port: P, switch: _FaultSwitch) -> P:
    return cast(P, _Switched(port, switch))


class InProcessEngine:
    """An ``EngineLink`` (and the tester panel's device channel) over the real engine.

    ``world_root`` is a test world the link may change (card PIN counters); ``state_dir``
    holds the coin device's escrow, the printer's tray and the journal. ``devices`` are
    ``[devices]`` settings of the fakes (``printer_fault``, ``relay_fault``,
    ``can_give_change``)."""

    def __init__(self, world_root: Path, state_dir: Path, **devices: Any) -> None:
        self.clock = FakeClock()
        self.devices, self.control = in_process(world_root, state_dir, "fake", self.clock,
                                                **devices)
        self._switch = _FaultSwitch()
        d, sw = self.devices, self._switch
        self._engine_devices = Devices(reader=_switched(d.reader, sw), relay=_switched(d.relay, sw),
                                       printer=_switched(d.printer, sw),
                                       payment=_switched(d.payment, sw))
        self.journal = Journal(Path(state_dir) / "journal.jsonl")
        self.intents: list[Intent] = []  # what the UI sent (kinds and values; no PIN)
        self.outcomes: list[Mapping[str, Any]] = []  # each ended session's, as the host keeps
        self._views: list[ViewModel] = []
        self.out_of_service: str | None = None  # the alarm a session raised (integrity)
        self._listeners: list[Callable[[ViewModel], None]] = []
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._closing = threading.Lock()  # no PIN is queued once close has begun
        self._closed = False
        self._engine = self._new_engine()
        self._thread = threading.Thread(target=self._run, name="in-process-engine", daemon=True)
        self._thread.start()

    # -- the engine link -------------------------------------------------------------------

    def subscribe(self, listener: Callable[[ViewModel], None]) -> None:
        self._call(lambda: self._subscribe(listener))

    def send(self, intent: Intent) -> None:
        self.intents.append(intent)
        self._call(lambda: self._intent(intent))

    def send_pin(self, pin: bytearray) -> None:
        """Our own copy crosses to the engine thread, which hands it to the engine (the
        engine zeroes it); the caller zeroes ``pin``."""
        with self._closing:
            if self._closed:
                return
            self.intents.append(Intent(IntentKind.PIN_SUBMITTED))
            self._queue.put(("pin", bytearray(pin)))

    def close(self) -> None:
        """End the session through the wipe, as a worker does when the UI goes away."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
            self._queue.put(("close",))
        self._thread.join(timeout=10)
        self._drain_pins()

    # -- the tester's hands ------------------------------------------------------------------

    def device(self, kind: str, **fields: Any) -> None:
        """The tester panel's device channel: ``card_insert persona=…``, ``card_remove``,
        ``card_pull_after n=…``, ``coin value=…``, ``coin_jam``, ``coin_clear_jam``,
        ``printer_fault value=…``, ``relay_fault value=…``."""
        command = {"kind": kind, **fields}
        self._call(lambda: self.control.control(command))

    def insert_card(self, persona: str) -> None:
        self.device("card_insert", persona=persona)

    def remove_card(self) -> None:
        self.device("card_remove")

    def insert_money(self, amount: int) -> None:
        """``amount`` in coins and notes the device takes, largest first."""
        for coin in coins_for(amount):
            self.device("coin", value=coin)

    def set_printer_fault(self, fault: str | None) -> None:
        """A fault of the fake printer (``media-empty``, ``jam``, ``offline``, ``timeout``)."""
        self.device("printer_fault", value=fault)

    def set_relay_fault(self, fault: str | None) -> None:
        """A fault of the fake relay (``down``, ``slow``, ``bad``, ``integrity``)."""
        self.device("relay_fault", value=fault)

    def fail(self, code: str, kind: str = "device", next_step: str = "call_staff") -> None:
        """End the session on the error screen of ``code``, for codes the fakes do not
        produce themselves: the next call the engine makes to a device raises the fault
        of ``kind``. From the start screen a session is begun for it."""

        def arm() -> None:
            self._switch.armed = _FAULTS.get(kind, SessionFault)(code, next_step)
            if not self._engine.finished and self._engine.state == "start":
                self._intent(Intent(IntentKind.START))

        self._call(arm)

    def advance(self, seconds: float) -> None:
        """Move the fake clock (the inactivity timers see it at once)."""
        self._call(lambda: self.clock.advance(seconds))

    def warn_timeout(self, seconds_left: int = 15) -> None:
        """Let time pass until the engine warns that the session ends in ``seconds_left``
        seconds or fewer (it warns ``Timeouts.warn_before`` seconds ahead)."""

        def warned() -> bool:
            vm = self._views[-1]
            return vm.timeout_warning and (vm.seconds_left or 0) <= seconds_left

        self._call(lambda: self._pass_time_until(warned))

    def time_out(self) -> None:
        """Let time pass until the inactivity timeout ends the current screen."""

        def run() -> None:
            engine = self._engine
            state = engine.state
            self._pass_time_until(lambda: engine.finished or engine.state != state)

        self._call(run)

    # -- the engine thread -------------------------------------------------------------------

    def _call(self, fn: Callable[[], None]) -> None:
        self._queue.put(("call", fn))

    def _run(self) -> None:
        try:
            while True:
                msg = self._queue.get()
                if msg[0] == "close":
                    self._listeners.clear()  # the window is going: the wipe is not shown
                    self._engine.stop()
                    self._engine.run_until_idle()
                    return
                try:
                    if msg[0] == "pin":
                        self._pin(msg[1])
                    else:
                        msg[1]()
                    self._settle()
                except Exception as exc:  # one failed command must not stop the engine
                    log.event(LOG, "ui.in_process_failed", logging.WARNING, command=msg[0],
                              kind=type(exc).__name__)
        finally:
            self._drain_pins()

    def _new_engine(self) -> Engine:
        return Engine(self._engine_devices, clock=self.clock, journal=self.journal,
                      publish=self._deliver)

    def _deliver(self, vm: ViewModel) -> None:
        self._views.append(vm)
        for listener in list(self._listeners):
            listener(vm)

    def _subscribe(self, listener: Callable[[ViewModel], None]) -> None:
        self._listeners.append(listener)
        listener(self._views[-1])

    def _intent(self, intent: Intent) -> None:
        if not self._engine.finished:
            self._engine.intent(intent)

    def _pin(self, pin: bytearray) -> None:
        if self._engine.finished:
            zero(pin)
            return
        self._engine.intent(Intent(IntentKind.PIN_SUBMITTED), pin=pin)  # zeroes it

    def _settle(self) -> None:
        """Run the engine until it waits for the customer or a device: its pending work,
        then polls of the devices and timers until one changes nothing. A session that
        ended hands over to the next, unless it raised an alarm (as the session host)."""
        for _ in range(SETTLE_LIMIT):
            if self._engine.finished:
                if self.out_of_service:
                    return  # its final view stays
                self.outcomes.append(self._engine.outcome.to_dict())
                self.out_of_service = self.journal.alarm_raised()
                if not self.out_of_service:
                    self._engine = self._new_engine()
                continue
            engine = self._engine
            state, seen = engine.state, len(self._views)
            engine.tick()
            engine.run_until_idle()
            if engine.state == state and len(self._views) == seen:
                return  # an engine that finished is in another state: "ended"
        raise RuntimeError("the engine did not settle")

    def _pass_time_until(self, done: Callable[[], bool]) -> None:
        for _ in range(CLOCK_LIMIT_S):
            if done():
                return
            self.clock.advance(1)
            self._settle()
        raise RuntimeError("no timeout came")

    def _drain_pins(self) -> None:
        try:
            while True:
                msg = self._queue.get_nowait()
                if msg[0] == "pin":
                    zero(msg[1])
        except queue.Empty:
            pass
