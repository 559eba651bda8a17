"""Is an earphone plugged in? The jack's switch, read from its Linux input device.

A sound card with jack detection has an input device (``/dev/input/by-path/…-event``
whose name ends in "Headphone" or "Front Headphone") that reports the switch
``SW_HEADPHONE_INSERT``. Its state is read with the ``EVIOCGSW`` ioctl, which answers at
once: the voice guide asks every half second.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from kiosk.speech.port import SpeechError

SW_HEADPHONE_INSERT = 0x02
SW_MAX = 0x10
_IOC_READ = 2


def eviocgsw(length: int) -> int:
    """``EVIOCGSW(len)`` of <linux/input.h>: read the switch states into ``len`` bytes."""
    return (_IOC_READ << 30) | (length << 16) | (ord("E") << 8) | 0x1B


class EvdevSwitch:
    """The headphone switch of one input device; ``plugged()`` reads it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.plugged()  # a wrong path or a device without switches fails here, at start

    def plugged(self) -> bool:
        length = SW_MAX // 8 + 1
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            raise SpeechError(f"{self.path}: {exc.strerror}") from exc
        try:
            state = bytearray(length)
            fcntl.ioctl(fd, eviocgsw(length), state)
        except OSError as exc:
            raise SpeechError(f"{self.path} reports no switches: {exc.strerror}") from exc
        finally:
            os.close(fd)
        return bool(state[SW_HEADPHONE_INSERT // 8] >> (SW_HEADPHONE_INSERT % 8) & 1)
