"""The engine link to the real session engine: a :class:`~kiosk.process.host.SessionHost`
driven from one thread of its own.

The host is not thread-safe and can block (handing the terminal to the warm spare waits
for it to be ready and to run recovery), so the GUI thread never calls it: every call is
queued to the host thread, which alternates between the queue and ``host.poll``. View
models come back through the listener on that thread; the bridge re-emits them on the
GUI thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from kiosk.session.viewmodel import ErrorInfo, Intent, Screen, ViewModel
from protocol import log
from protocol.sensitive import zero

LOG = logging.getLogger("kiosk.ui")
POLL_S = 0.02
FAULT_KINDS = ("printer_fault", "relay_fault")


class HostLink:
    """``EngineLink`` over a session host; ``make_host(on_view)`` builds the host."""

    def __init__(self, make_host: Callable[[Callable[[ViewModel], None]], Any]) -> None:
        self._make_host = make_host
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._listener: Callable[[ViewModel], None] | None = None
        self._closed = threading.Event()
        self._closing = threading.Lock()  # no PIN is queued once close has begun
        self.host: Any = None
        self.started = threading.Event()
        self._faults: dict[str, Any] = {}
        self._session: str | None = None

    def subscribe(self, listener: Callable[[ViewModel], None]) -> None:
        self._listener = listener
        self._thread = threading.Thread(target=self._run, name="session-host", daemon=True)
        self._thread.start()

    def send(self, intent: Intent) -> None:
        self._queue.put(("intent", intent))

    def send_pin(self, pin: bytearray) -> None:
        # our own copy crosses to the host thread; the caller zeroes ``pin``, the host ours
        with self._closing:
            if self._closed.is_set():
                return  # nobody would send or drain it: no copy is made
            self._queue.put(("pin", bytearray(pin)))

    def device(self, kind: str, **fields: Any) -> None:
        """Tester panel: a command for the simulated devices in the worker."""
        self._queue.put(("device", kind, fields))

    def call(self, fn: Callable[[Any], None]) -> None:
        """Run ``fn(host)`` on the host thread (tests, tester hooks)."""
        self._queue.put(("call", fn))

    def call_wait(self, fn: Callable[[Any], None], timeout: float) -> None:
        """Run ``fn(host)`` on the host thread and wait until it has run; its exception is
        raised here, ``TimeoutError`` after ``timeout`` seconds. Never from the GUI thread
        (the host may be handing over to a worker for seconds): diagnostic mode calls it
        from its task thread."""
        done = threading.Event()
        failed: list[Exception] = []

        def run(host: Any) -> None:
            try:
                fn(host)
            except Exception as exc:
                failed.append(exc)
            finally:
                done.set()

        self._queue.put(("call", run))
        if not done.wait(timeout):
            raise TimeoutError("the session host did not answer")
        if failed:
            raise failed[0]

    def close(self) -> None:
        with self._closing:
            self._closed.set()
            self._queue.put(("close",))
        if self._thread is not None:
            self._thread.join(timeout=10)
        # the host thread drains too; this covers a link never subscribed or a stuck host
        self._drain_pins()

    def _publish(self, vm: ViewModel) -> None:
        if vm.session is not None and vm.session != self._session:
            # a fault switched on by the tester stays on for the next customers too
            self._session = vm.session
            for kind, value in self._faults.items():
                self.host.device(kind, value=value)
        if self._listener is not None:
            self._listener(vm)

    def _run(self) -> None:
        try:
            self.host = self._make_host(self._publish)
            self.host.start()
        except Exception as exc:  # no worker, no service: say so on the screen
            log.event(LOG, "ui.host_failed", logging.ERROR, kind=type(exc).__name__)
            self._publish(ViewModel(Screen.OUT_OF_SERVICE, final=True,
                                    error=ErrorInfo("worker_died", "device", "call_staff")))
            self._closed.wait()
            self._drain_pins()
            return
        self.started.set()
        try:
            while not self._closed.is_set():
                try:
                    while True:
                        msg = self._queue.get_nowait()
                        try:
                            if self._handle(msg):
                                return
                        except Exception as exc:  # one failed call must not stop the link
                            log.event(LOG, "ui.link_failed", logging.WARNING, intent=msg[0],
                                      kind=type(exc).__name__)
                except queue.Empty:
                    pass
                self.host.poll(POLL_S)
        finally:
            self.host.close()
            self._drain_pins()

    def _handle(self, msg: tuple[Any, ...]) -> bool:
        kind = msg[0]
        if kind == "close":
            return True
        if kind == "intent":
            self.host.send_intent(msg[1])
        elif kind == "pin":
            try:
                self.host.send_pin(msg[1])  # zeroes it, unless it fails first
            finally:
                zero(msg[1])
        elif kind == "device":
            if msg[1] in FAULT_KINDS:
                self._faults[msg[1]] = msg[2].get("value")
            self.host.device(msg[1], **msg[2])
        elif kind == "call":
            msg[1](self.host)
        return False

    def _drain_pins(self) -> None:
        try:
            while True:
                msg = self._queue.get_nowait()
                if msg[0] == "pin":
                    zero(msg[1])
        except queue.Empty:
            pass
