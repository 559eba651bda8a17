"""The serial side of the cash drivers: a tty opened with pyserial, and the thread that
owns it.

Every cash device sits on its own tty (a USB-serial adapter under a stable udev name, or
in tests the slave side of a pseudo-terminal). One :class:`DeviceThread` per device owns
the port: it opens it (and opens it again after the adapter was unplugged), initialises
the device, runs the jobs the kiosk submits (enable, stack, dispense ...) between polls,
and polls at the configured interval. The kiosk's calls only queue jobs or read what the
thread last saw, so they never wait on the wire; the two that must wait for an answer
(``dispense``, a self-check) wait on a :class:`concurrent.futures.Future` with a bound.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Protocol, TypeVar

import serial

from kiosk.payment.port import Event, PaymentError, PaymentFault
from protocol.log import event

log = logging.getLogger("kiosk.payment.serial")

T = TypeVar("T")

#: What a port that went away raises (pyserial lets termios errors through on flush).
PORT_ERRORS: tuple[type[Exception], ...] = (OSError, serial.SerialException, termios.error)

_JOB_ERRORS: tuple[type[Exception], ...] = (PaymentError, *PORT_ERRORS)

#: How long to wait before opening a port or initialising a device again after it failed.
RETRY_INTERVAL = 0.5


class Port(Protocol):
    """The part of :class:`serial.Serial` the drivers use."""

    def write(self, data: bytes, /) -> int | None: ...

    def read(self, size: int = 1, /) -> bytes: ...

    def reset_input_buffer(self) -> None: ...

    def close(self) -> None: ...


#: The port's own read timeout: one read call's wait. Longer waits loop over it, so the
#: port is configured once (setting pyserial's timeout rewrites the termios settings).
READ_SLICE = 0.02


def open_tty(path: str, *, baudrate: int = 9600, parity: str = serial.PARITY_NONE) -> serial.Serial:
    """Open ``path`` raw, exclusively (a second process opening the same device would see
    half of every reply)."""
    return serial.Serial(port=path, baudrate=baudrate, bytesize=serial.EIGHTBITS, parity=parity,
                         stopbits=serial.STOPBITS_ONE, timeout=READ_SLICE, write_timeout=1.0,
                         exclusive=True)


def read_exactly(port: Port, size: int, timeout: float) -> bytes:
    """Up to ``size`` bytes within ``timeout`` seconds (fewer means the line went quiet)."""
    out = b""
    deadline = time.monotonic() + timeout
    while len(out) < size:
        out += port.read(size - len(out))
        if len(out) < size and time.monotonic() >= deadline:
            break
    return out


class EventSink(Protocol):
    """Where a driver reports what happened (the composed device)."""

    def emit(self, event: Event) -> None:
        """A port event (a coin credited, a note in escrow ...)."""

    def report(self, code: str) -> None:
        """A one-off fault found in what the device said (``unknown_coin`` ...)."""

    def device_fault(self, device: str, code: str) -> None:
        """The device went out of order (``no_answer`` ...) until it recovers."""

    def device_recovered(self, device: str) -> None: ...


class DeviceThread:
    """One device's port, owned by one thread.

    Subclasses implement :meth:`initialise` (called with the port open, again after every
    fault) and :meth:`poll` (called every ``interval``); both raise
    :class:`~kiosk.payment.port.PaymentFault` with a code when the device misbehaves, which
    marks the device unhealthy and reported until an initialisation succeeds."""

    name = "device"

    def __init__(self, open_port: Callable[[], Port], sink: EventSink, interval: float,
                 idle_interval: float | None = None) -> None:
        self._open_port = open_port
        self.sink = sink
        self.busy_interval = interval
        #: Between customers nothing is credited (the device is inhibited): polling more
        #: slowly still sees faults, for a fraction of the CPU.
        self.idle_interval = max(interval, idle_interval or interval)
        self.interval = self.idle_interval
        self.port: Port | None = None
        self._jobs: deque[_Job] = deque()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._ready = threading.Event()
        self.fault: str | None = "starting"
        self._thread = threading.Thread(target=self._run, name=f"cash-{self.name}", daemon=True)

    # --- what other threads call ---------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float = 2.0) -> None:
        self._closed.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def set_busy(self, busy: bool) -> None:
        """Poll at the configured interval while money may come in, slower otherwise."""
        self.interval = self.busy_interval if busy else self.idle_interval
        self._wake.set()

    @property
    def healthy(self) -> bool:
        return self.fault is None

    def wait_ready(self, timeout: float) -> bool:
        """Whether the device has been initialised (waiting at most ``timeout``)."""
        return self._ready.wait(timeout)

    def submit(self, job: Callable[[], T]) -> Future[T]:
        """Run ``job`` in the device's thread, before its next poll."""
        fut: Future[T] = Future()
        if self._closed.is_set():
            fut.set_exception(PaymentFault("device_closed"))
            return fut
        self._jobs.append(_Job(fut, job))
        self._wake.set()
        return fut

    # --- what subclasses implement ---------------------------------------------------------

    def initialise(self) -> None:
        raise NotImplementedError

    def poll(self) -> None:
        raise NotImplementedError

    # --- the thread --------------------------------------------------------------------------

    def _run(self) -> None:
        next_poll = last_poll = 0.0
        while not self._closed.is_set():
            if self.port is None or not self._ready.is_set():
                if not self._bring_up():
                    self._fail_jobs()
                    self._closed.wait(RETRY_INTERVAL)
                    continue
                next_poll = 0.0
            self._run_jobs()
            now = time.monotonic()
            next_poll = min(next_poll, last_poll + self.interval)
            if now >= next_poll and self._ready.is_set():
                last_poll, next_poll = now, now + self.interval
                self._guard(self.poll)
            self._wake.wait(max(0.0, next_poll - time.monotonic()))
            self._wake.clear()
        self._fail_jobs()
        if self.port is not None:
            self.port.close()

    def _bring_up(self) -> bool:
        if self.port is None:
            try:
                self.port = self._open_port()
            except PORT_ERRORS:
                self._set_fault("port_unavailable")
                return False
        if self._guard(self.initialise):
            self._ready.set()
            if self.fault is not None:
                self.fault = None
                event(log, "payment.device_recovered", device=self.name)
                self.sink.device_recovered(self.name)
            return True
        return False

    def _guard(self, step: Callable[[], None]) -> bool:
        """Run a step; a device fault marks the device unhealthy and re-initialises it."""
        try:
            step()
            return True
        except PaymentError as exc:
            self._set_fault(exc.code)
        except PORT_ERRORS:
            self._set_fault("port_unavailable")
            if self.port is not None:
                try:
                    self.port.close()
                finally:
                    self.port = None
        self._ready.clear()
        return False

    def _set_fault(self, code: str) -> None:
        if self.fault != code:
            self.fault = code
            event(log, "payment.device_fault", logging.WARNING, device=self.name, code=code)
            self.sink.device_fault(self.name, code)

    def _run_jobs(self) -> None:
        while self._jobs and self._ready.is_set() and not self._closed.is_set():
            job = self._jobs.popleft()
            try:
                job.run()
            except PaymentError as exc:
                if isinstance(exc, PaymentFault) and exc.code in _LINE_FAULTS:
                    self._set_fault(exc.code)
                    self._ready.clear()
            except PORT_ERRORS:
                self._set_fault("port_unavailable")
                self._ready.clear()

    def _fail_jobs(self) -> None:
        while self._jobs:
            self._jobs.popleft().fail(PaymentFault(self.fault or "device_closed"))


class _Job:
    """A submitted call and the future its caller waits on."""

    def __init__(self, fut: Future[T], call: Callable[[], T]) -> None:
        def run() -> None:
            if not fut.set_running_or_notify_cancel():
                return
            try:
                fut.set_result(call())
            except _JOB_ERRORS as exc:
                fut.set_exception(PaymentFault("port_unavailable")
                                  if not isinstance(exc, PaymentError) else exc)
                raise

        def fail(exc: BaseException) -> None:
            if fut.set_running_or_notify_cancel():
                fut.set_exception(exc)

        self.run = run
        self.fail = fail


#: Faults of the line itself: the device is re-initialised after them.
_LINE_FAULTS = frozenset({"no_answer", "garbage", "bad_checksum", "wrong_address"})
