"""The ccTalk side every emulated ccTalk device shares: frames out of the byte stream,
replies in the configured checksum form, and the protocol's silences.

A frame for another address is ignored (it is someone else's on a multi-drop bus); a
frame with a bad checksum is ignored too (the specification: the device stays silent and
the host tries again). Faults beyond the line's (``PtyDevice``): ``wrong_address(n)``
makes the next ``n`` replies come from another address; ``busy(header, n)`` answers that
command BUSY the next ``n`` times without carrying it out; ``slow(header, seconds)`` answers that command
only after ``seconds`` (the device at work).
"""

from __future__ import annotations

import time

from hardware_mocks.cash.pty_device import PtyDevice, Recent
from kiosk.payment.cctalk_frame import (
    HOST,
    Checksum,
    Frame,
    FrameAssembler,
    FrameError,
    Header,
    decode,
    encode,
)


class Nak(Exception):
    """The device refuses the command (reply header 5)."""


class CcTalkDevice(PtyDevice):
    category = b"Unknown"

    def __init__(self, address: int, checksum: Checksum = Checksum.SIMPLE, echo: bool = False,
                 serial: bytes = b"\x01\x02\x03") -> None:
        super().__init__(echo=echo)
        self.address = address
        self.checksum = checksum
        self.serial = serial
        self._frames = FrameAssembler()
        self._wrong_address = 0
        self._busy: dict[int, int] = {}
        self._slow: dict[int, float] = {}
        self.headers: Recent[int] = Recent()  # every header received, in order (the last REMEMBERED; tests read it)

    def wrong_address(self, n: int = 1) -> None:
        with self.lock:
            self._wrong_address += n

    def busy(self, header: int, n: int = 1) -> None:
        with self.lock:
            self._busy[header] = self._busy.get(header, 0) + n

    def slow(self, header: int, seconds: float) -> None:
        with self.lock:
            self._slow[header] = seconds

    def handle(self, header: int, data: bytes) -> bytes | None:
        """The reply data for a command, ``None`` for no reply; raise :class:`Nak`."""
        raise NotImplementedError

    def after_reply(self, header: int) -> None:
        """What the device does once its reply is on the wire (a reset)."""

    def on_bytes(self, data: bytes) -> None:
        self._frames.feed(data)
        while (raw := self._frames.take()) is not None:
            try:
                frame = decode(self.inbound(raw), self.checksum)
            except FrameError:
                self._frames.clear()  # silence: the host will try again
                continue
            if frame.dest != self.address:
                continue
            with self.lock:
                self.headers.append(frame.header)
                delay = self._slow.get(frame.header, 0.0)
                reply: bytes | None
                if self._busy.get(frame.header):
                    self._busy[frame.header] -= 1
                    reply, header = b"", Header.BUSY
                else:
                    try:
                        reply = self.handle(frame.header, frame.data)
                        header = Header.REPLY
                    except Nak:
                        reply, header = b"", Header.NAK
                source = self.address
                if self._wrong_address:
                    self._wrong_address -= 1
                    source = self.address + 7
            if reply is None:
                continue
            if delay:
                time.sleep(delay)  # the device at work: nothing else is read meanwhile, as on a real bus
            out = Frame(HOST, header, reply, source)
            if self.checksum is Checksum.CRC16 and source != self.address:
                out = Frame(source, header, reply, source)  # no source byte: misdirect it
            self.send(encode(out, self.checksum))
            with self.lock:
                self.after_reply(frame.header)

    def common(self, header: int) -> bytes | None:
        """Answers every ccTalk device gives alike; ``None`` if ``header`` is not one."""
        if header == Header.SIMPLE_POLL:
            return b""
        if header == Header.REQUEST_SERIAL_NUMBER:
            return self.serial
        if header == Header.REQUEST_EQUIPMENT_CATEGORY:
            return self.category
        if header == Header.REQUEST_MANUFACTURER_ID:
            return b"KIOSK-EMU"
        if header == Header.REQUEST_PRODUCT_CODE:
            return b"EMU"
        return None
