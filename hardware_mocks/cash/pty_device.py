"""A serial device emulated on a pseudo-terminal.

The emulator holds the master side of a pty pair; the driver under test opens the slave
side by its path (``/dev/pts/N``) exactly as it opens a USB-serial adapter, through
pyserial, so the bytes, the timeouts and the termios settings are the real ones. A thread
reads what the driver writes, hands whole frames to the device model and writes the
replies back, after the line faults a test switched on, and lets the model act on its own
as time passes (:meth:`PtyDevice.on_tick`: a validator's escrow timeout):

- ``silent``: the device stops answering (unplugged, dead);
- ``corrupt(n)``: the next ``n`` replies carry a wrong checksum;
- ``corrupt_inbound(n)``: the next ``n`` frames from the host arrive with a wrong checksum
  (the device model ignores them, as a real device stays silent: the host must try again);
- ``garbage(n)``: the next ``n`` replies are replaced by bytes that make no frame;
- ``unplug``: the adapter is pulled: the pty is closed, the driver's tty hangs up and its
  path is gone (for good: a pty cannot come back under the same name);
- ``echo``: every byte the host sends is heard back first (a single-wire ccTalk bus).

What a device heard and said, for the tests to read (a validator's ``commands`` and
``reported``, a ccTalk device's ``headers``), is a :class:`Recent`: the last
:data:`REMEMBERED` items only, so that an emulator polled for days (a long ``make demo``)
holds no more than one polled for a test.
"""

from __future__ import annotations

import os
import select
import threading
import tty
from collections.abc import Iterable
from typing import TypeVar

_T = TypeVar("_T")

#: How many items a :class:`Recent` keeps: at the drivers' fastest poll (every 50 ms) the
#: last eight minutes or more, far more than any test reads (the most any list held in
#: tests/kiosk/payment/cash was 175), and some 80 kB a list however long the emulator runs
#: (unbounded, a note validator polled between customers grew each by megabytes a day).
REMEMBERED = 10_000

GARBAGE = bytes([0x55, 0xAA, 0x00, 0xFF, 0x13, 0x37, 0x42])


class Recent(list[_T]):
    """A list that keeps only its last ``maxlen`` items (:data:`REMEMBERED`): appending to
    a full one (``append``, ``extend``, ``+=``) drops the oldest. A list still (compared
    with one, sliced, counted, searched) as the tests read it, where a ``deque`` is neither
    equal to a list nor sliced."""

    def __init__(self, items: Iterable[_T] = (), maxlen: int = REMEMBERED) -> None:
        if maxlen < 1:
            raise ValueError("maxlen must be at least 1")
        super().__init__()
        self.maxlen = maxlen
        self.extend(items)

    def append(self, item: _T) -> None:
        super().append(item)
        if len(self) > self.maxlen:
            del self[0]

    def extend(self, items: Iterable[_T]) -> None:
        super().extend(items)
        if len(self) > self.maxlen:
            del self[:len(self) - self.maxlen]

    # list's own += extends in C, past the bound: it goes through extend here. mypy holds
    # += to list's +, which returns a plain list; this one keeps the Recent it was.
    def __iadd__(self, items: Iterable[_T]) -> Recent[_T]:  # type: ignore[override,misc]
        self.extend(items)
        return self


class PtyDevice:
    """Subclasses implement :meth:`on_bytes` (bytes from the host) and call
    :meth:`send` with their replies."""

    name = "pty-device"

    def __init__(self, echo: bool = False) -> None:
        self._pty_master, self._pty_slave = os.openpty()
        tty.setraw(self._pty_master)
        tty.setraw(self._pty_slave)
        self.path = os.ttyname(self._pty_slave)
        self.echo = echo
        self.lock = threading.RLock()
        self.silent = False
        self._corrupt = 0
        self._garbage = 0
        self._corrupt_inbound = 0
        self.requests = 0  # frames the device has answered or ignored
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"emu-{self.name}", daemon=True)

    def start(self) -> PtyDevice:
        self._thread.start()
        return self

    @property
    def unplugged(self) -> bool:
        return self._closed.is_set()

    def unplug(self) -> None:
        self.close()

    def close(self) -> None:
        self._closed.set()
        self._thread.join(2)
        for fd in (self._pty_master, self._pty_slave):
            try:
                os.close(fd)
            except OSError:
                pass

    # --- line faults ---------------------------------------------------------------------

    def corrupt(self, n: int = 1) -> None:
        with self.lock:
            self._corrupt += n

    def corrupt_inbound(self, n: int = 1) -> None:
        with self.lock:
            self._corrupt_inbound += n

    def mend(self) -> None:
        """The line's faults still to come (corrupted, garbage) end: it carries what is sent."""
        with self.lock:
            self._corrupt = self._corrupt_inbound = self._garbage = 0

    def garbage(self, n: int = 1) -> None:
        with self.lock:
            self._garbage += n

    def go_silent(self, silent: bool = True) -> None:
        with self.lock:
            self.silent = silent

    # --- for subclasses ------------------------------------------------------------------

    def on_bytes(self, data: bytes) -> None:
        raise NotImplementedError

    def on_tick(self) -> None:
        """What the device does by itself, with no byte from the host (called at least
        every 50 ms): real devices time out on their own, whether the host polls or not."""

    def corrupted(self, reply: bytes) -> bytes:
        """``reply`` with its checksum broken (the last byte flipped)."""
        return reply[:-1] + bytes([reply[-1] ^ 0x5A])

    def inbound(self, frame: bytes) -> bytes:
        """A whole frame from the host as it reaches the device, after
        :meth:`corrupt_inbound` (subclasses pass every frame through it before decoding)."""
        with self.lock:
            if not self._corrupt_inbound:
                return frame
            self._corrupt_inbound -= 1
        return self.corrupted(frame)

    def send(self, reply: bytes) -> None:
        """Write a reply, after the line faults."""
        with self.lock:
            self.requests += 1
            if self.silent:
                return
            if self._garbage:
                self._garbage -= 1
                reply = GARBAGE
            elif self._corrupt:
                self._corrupt -= 1
                reply = self.corrupted(reply)
        self._write(reply)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self._pty_master, view)
            except OSError:
                return
            view = view[n:]

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                ready, _, _ = select.select([self._pty_master], [], [], 0.05)
            except (OSError, ValueError):
                return
            self.on_tick()
            if not ready:
                continue
            try:
                data = os.read(self._pty_master, 4096)
            except OSError:
                continue  # no process has the slave open (EIO): wait for the driver
            if not data:
                continue
            if self.echo and not self.silent:
                self._write(data)
            self.on_bytes(data)
