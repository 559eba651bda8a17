"""Audible key clicks, and the chime of a leave-behind reminder.

PySide6-Essentials has no QtMultimedia, so the click is a short WAV generated here (a
decaying 2 kHz tone, 25 ms) and handed to the system's ``aplay`` without waiting for it;
where ``aplay`` is missing the click falls back to the platform beep. Playing never blocks
the GUI thread: ``QProcess.startDetached`` returns at once.
"""

from __future__ import annotations

import io
import math
import shutil
import struct
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import QApplication

RATE = 22050


def click_wav(freq: float = 2000.0, ms: int = 25, volume: float = 0.6) -> bytes:
    """A mono 16-bit WAV of a short click."""
    n = RATE * ms // 1000
    frames = b"".join(
        struct.pack("<h", int(32767 * volume * math.exp(-6 * i / n)
                             * math.sin(2 * math.pi * freq * i / RATE)))
        for i in range(n)
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(frames)
    return out.getvalue()


def chime_wav() -> bytes:
    """Two falling tones (0.6 s): "something is left behind", under 3 s (EN 301 549
    5.1.3.10), so it never covers speech for long."""
    high, low = click_wav(1320.0, 250, 0.5), click_wav(990.0, 350, 0.5)
    out = io.BytesIO()
    with wave.open(io.BytesIO(high)) as a, wave.open(io.BytesIO(low)) as b, \
            wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(a.readframes(a.getnframes()) + b"\0\0" * (RATE // 20)
                      + b.readframes(b.getnframes()))
    return out.getvalue()


class KeyClicker:
    """Plays the key click and the reminder chime; ``enabled`` False keeps the kiosk
    silent (tests, headless) but still counts them."""

    def __init__(self, enabled: bool = True, runtime_dir: Path | None = None) -> None:
        self.enabled = enabled
        self.count = 0
        self.chimes = 0
        self._player = shutil.which("aplay")
        self._paths: dict[str, Path] = {}
        self._runtime_dir = runtime_dir

    def _wav_path(self, name: str, make: Callable[[], bytes]) -> Path:
        if name not in self._paths:
            folder = self._runtime_dir or Path(tempfile.gettempdir())
            path = folder / f"kiosk-{name}.wav"
            path.write_bytes(make())
            self._paths[name] = path
        return self._paths[name]

    def _play(self, name: str, make: Callable[[], bytes]) -> None:
        if not self.enabled:
            return
        if self._player:
            QProcess.startDetached(self._player, ["-q", str(self._wav_path(name, make))])
        else:
            QApplication.beep()

    def click(self) -> None:
        self.count += 1
        self._play("click", click_wav)

    def chime(self) -> None:
        self.chimes += 1
        self._play("chime", chime_wav)
