"""Is an earphone plugged in? The jack's switch, read from its Linux input device, or
from the sound card's ALSA control where the jack is not an input device.

A sound card with jack detection has an input device (``/dev/input/by-path/…-event``
whose name ends in "Headphone" or "Front Headphone") that reports the switch
``SW_HEADPHONE_INSERT``. Its state is read with the ``EVIOCGSW`` ioctl, which answers at
once: the voice guide asks every half second.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
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


#: The ALSA control a codec's jack detection reports the earphone on (HDA codecs; some
#: boards call it "Front Headphone Jack", set in ``[ui] earphone_alsa_control``)
HEADPHONE_JACK = "Headphone Jack"
AMIXER_TIMEOUT_S = 2.0


class AlsaJack:
    """The jack state of an ALSA card's ``Headphone Jack`` control, for a card whose jack
    is not a Linux input device and no sound server to report it: ``amixer -c CARD cget
    name='Headphone Jack'`` (alsa-utils, already there for ``aplay``)."""

    def __init__(self, card: str, control: str = HEADPHONE_JACK, *,
                 program: str = "amixer") -> None:
        self.cmd = [program, "-c", card, "cget", f"iface=CARD,name={control}"]
        self.plugged()  # a wrong card or a card without the control fails here, at start

    def plugged(self) -> bool:
        try:
            proc = subprocess.run(self.cmd, capture_output=True, timeout=AMIXER_TIMEOUT_S,
                                  check=False, env={**os.environ, "LC_ALL": "C"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SpeechError(f"{self.cmd[0]}: {type(exc).__name__}") from exc
        if proc.returncode != 0:
            raise SpeechError(f"card {self.cmd[2]} has no control {self.cmd[4]!r}")
        return parse_cget(proc.stdout.decode("utf-8", "replace"))


def parse_cget(text: str) -> bool:
    """The boolean value of ``amixer cget`` output (``  : values=on``)."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(": values="):
            value = stripped.removeprefix(": values=").split(",")[0]
            if value in ("on", "off"):
                return value == "on"
    raise SpeechError("amixer gave no on/off value (not a jack control)")
