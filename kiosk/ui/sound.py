"""Audible key clicks.

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


class KeyClicker:
    """Plays the key click; ``enabled`` False keeps the kiosk silent (tests, headless)."""

    def __init__(self, enabled: bool = True, runtime_dir: Path | None = None) -> None:
        self.enabled = enabled
        self.count = 0
        self._player = shutil.which("aplay")
        self._path: Path | None = None
        self._runtime_dir = runtime_dir

    def _wav_path(self) -> Path:
        if self._path is None:
            folder = self._runtime_dir or Path(tempfile.gettempdir())
            self._path = folder / "kiosk-click.wav"
            self._path.write_bytes(click_wav())
        return self._path

    def click(self) -> None:
        self.count += 1
        if not self.enabled:
            return
        if self._player:
            QProcess.startDetached(self._player, ["-q", str(self._wav_path())])
        else:
            QApplication.beep()
