"""One ccTalk device on a tty: send a command, read its reply, with the specification's
retries (part 1, §11–12).

A device that receives a frame with a bad checksum stays silent and the host sends again,
so a missing reply, a corrupted one, one from another address and bytes that make no frame
are each retried a few times before they become the device's fault code (``no_answer``,
``bad_checksum``, ``wrong_address``, ``garbage``). A command that must never be sent twice
(header 167, a payout) is sent once: its caller finds out from the hopper's counters
whether it arrived.

A device that answers BUSY did not carry the command out: it is asked again after a
pause (part 1, §12; public drivers wait 100 ms to 1 s). A self-check (header 232) may take
the device longer than a plain command to answer, so its reply is waited for longer.

On a single-wire ccTalk bus the host hears its own bytes; with ``echo`` the link reads
them back and checks them before the reply (an adapter that does not echo is configured
without it).
"""

from __future__ import annotations

import time

from kiosk.payment.cctalk_frame import (
    Checksum,
    FrameError,
    Header,
    check_reply,
    decode,
    frame_length,
    request,
)
from kiosk.payment.port import PaymentFault
from kiosk.payment.serial_port import Port, read_exactly

TRIES = 3
REPLY_TIMEOUT = 0.2  # a fast command answers within ~10 ms; a slow device within this
INTER_BYTE_TIMEOUT = 0.05  # part 1, §11.1: a gap longer than this ends the frame
BUSY_PAUSE = 0.2  # before asking a device that answered BUSY again
#: Commands a device may take longer to answer (part 1, §11.2: "some take seconds").
SLOW_REPLY: dict[int, float] = {Header.PERFORM_SELF_CHECK: 1.0}


class CcTalkLink:
    def __init__(self, port: Port, address: int, checksum: Checksum = Checksum.SIMPLE,
                 echo: bool = False, reply_timeout: float = REPLY_TIMEOUT) -> None:
        self.port = port
        self.address = address
        self.checksum = checksum
        self.echo = echo
        self.reply_timeout = reply_timeout

    def transact(self, header: int, data: bytes = b"", *, once: bool = False) -> bytes:
        """Send ``header`` with ``data`` and return the reply's data. ``once``: no retry
        (the caller reconciles a lost reply itself)."""
        msg = request(self.address, header, data, self.checksum)
        last: PaymentFault = PaymentFault("no_answer")
        timeout = max(self.reply_timeout, SLOW_REPLY.get(header, 0.0))
        for attempt in range(1 if once else TRIES):
            if attempt and last.code == "busy":
                time.sleep(BUSY_PAUSE)  # in the device's own thread
            self.port.reset_input_buffer()
            self.port.write(msg)
            try:
                return self._reply(msg, timeout)
            except PaymentFault as exc:
                if exc.code not in ("no_answer", "bad_checksum", "garbage", "wrong_address",
                                    "busy"):
                    raise
                last = exc
        raise last

    def _reply(self, msg: bytes, timeout: float) -> bytes:
        if self.echo:
            heard = read_exactly(self.port, len(msg), self.reply_timeout)
            if heard != msg:
                raise FrameError("garbage" if heard else "no_answer")
        head = read_exactly(self.port, 2, timeout)
        if not head:
            raise PaymentFault("no_answer")
        if len(head) < 2:
            raise FrameError("garbage")
        rest_size = frame_length(head[1]) - 2
        rest = read_exactly(self.port, rest_size, INTER_BYTE_TIMEOUT + rest_size * 0.002)
        if len(rest) < rest_size:
            raise FrameError("garbage")
        return check_reply(decode(head + rest, self.checksum), self.address).data
