"""Playback backends: the sound server's client programs, and WAV files.

:class:`ProcessPlayer` feeds raw samples to a playback program on its standard input:
``pacat`` (PulseAudio, or PipeWire's pulse server) or ``aplay`` (ALSA). Each route names
its own sink or device, so with an earphone plugged in the speech goes to the earphone's
sink alone. Stopping kills the program: speech stops at once.
:class:`WavFilePlayer` writes each utterance to a numbered WAV file instead (tests, the
benchmark, and listening to the voices on a machine without sound).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from kiosk.speech.outputs import Outputs
from kiosk.speech.port import Audio, OnStart, Route, SpeechError
from kiosk.speech.wav import write_wav

CHUNK = 4096  # bytes written at a time, so a stop is heard within a few milliseconds


def command(program: str, audio: Audio, device: str | None) -> list[str]:
    """The playback command for raw 16-bit mono samples on ``device`` (None: default)."""
    if program == "pacat":
        cmd = ["pacat", "--playback", "--raw", "--format=s16le", f"--rate={audio.rate}",
               "--channels=1", "--client-name=kiosk-voice"]
        return cmd + ([f"--device={device}"] if device else [])
    if program == "aplay":
        cmd = ["aplay", "-q", "-t", "raw", "-f", "S16_LE", "-r", str(audio.rate), "-c", "1"]
        return cmd + (["-D", device] if device else []) + ["-"]
    raise SpeechError(f"unknown playback program {program!r}")


class ProcessPlayer:
    """Plays through ``program`` (``pacat`` or ``aplay``); ``devices`` maps each route to a
    sink (pacat) or ALSA device (aplay), None for the default. :meth:`routed` instead asks
    before each sentence where speech goes now (the sound server, or ALSA without one)."""

    def __init__(self, program: str, devices: Mapping[Route, str | None]) -> None:
        if shutil.which(program) is None:
            raise SpeechError(f"{program} is not installed")
        fixed = Outputs(False, program, dict(devices))
        self.outputs: Callable[[], Outputs] = lambda: fixed
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopped = False

    @classmethod
    def routed(cls, outputs: Callable[[], Outputs]) -> ProcessPlayer:
        """A player that plays where ``outputs()`` says (:class:`OutputWatcher`)."""
        for program in ("pacat", "aplay"):
            if shutil.which(program) is None:
                raise SpeechError(f"{program} is not installed")
        player = cls("aplay", {})
        player.outputs = outputs
        return player

    def play(self, audio: Audio, route: Route, on_start: OnStart | None = None) -> None:
        now = self.outputs()
        cmd = command(now.program, audio, now.devices.get(route))
        with self._lock:
            self._stopped = False
        # started outside the lock: stop() (from the GUI thread) never waits for a fork
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        with self._lock:
            self._proc = proc
            if self._stopped:
                proc.kill()
        assert proc.stdin is not None
        try:
            if on_start is not None:
                on_start()
            view = memoryview(audio.pcm)
            for offset in range(0, len(view), CHUNK):
                if self._stopped:
                    break
                proc.stdin.write(view[offset:offset + CHUNK])
            proc.stdin.close()
            proc.wait()
        except (BrokenPipeError, ValueError):
            pass  # stopped: the program was killed
        finally:
            with self._lock:
                self._proc = None
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            try:
                proc.stdin.close()
            except (BrokenPipeError, ValueError):
                pass  # its reader is gone: nothing was left to flush

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()


class WavFilePlayer:
    """Writes every utterance to ``folder/NNNN-<route>.wav`` (``files`` lists them)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.files: list[Path] = []
        self._lock = threading.Lock()

    def play(self, audio: Audio, route: Route, on_start: OnStart | None = None) -> None:
        if on_start is not None:
            on_start()
        with self._lock:
            path = self.folder / f"{len(self.files):04d}-{route.value}.wav"
            write_wav(path, audio)
            self.files.append(path)

    def stop(self) -> None:
        pass  # a file is written whole
