"""Where speech goes: the sound server's sinks, or ALSA directly when no server runs; and
whether an earphone is plugged in.

How the terminal knows an earphone is in, the first source that answers:

1. the jack's own switch, ``SW_HEADPHONE_INSERT`` of the sound card's input device
   (``[ui] earphone_switch``; :mod:`kiosk.speech.jack`), read at once by an ioctl; or,
   for a card whose jack is not an input device, its ALSA control ``Headphone Jack``
   (``[ui] earphone_alsa_card``, read with ``amixer``);
2. the sound server's headphone port: PulseAudio and PipeWire mark a sink's headphone
   port "available" or "not available" from the same codec jack detection
   (``pactl list sinks``), and switch the sink to it, muting the speaker;
3. neither (no switch configured, no sound server): no earphone, speech on the speaker.

With an earphone in, speech goes to the earphone's sink (``[ui] earphone_device``, else
the sink whose headphone port is available) or ALSA device (``alsa_earphone_device``)
alone. :func:`decide` is the whole decision, over the :class:`SoundServer` port (tests
give it a fake sink port); :class:`PulseServer` asks the real server with ``pactl``, and
:class:`OutputWatcher` asks again every half second on a thread of its own, so neither a
slow server nor a missing one ever holds the screen.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.speech.port import Route, SpeechError
from protocol import log

LOG = logging.getLogger("kiosk.speech")
POLL_S = 0.5
PACTL_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class SinkPort:
    """One output port of a sound server's sink."""

    sink: str
    port: str
    headphones: bool  # an earphone or headphone jack
    available: bool  # the jack reports something plugged in


class SoundServer(Protocol):
    """The sink port: what the terminal asks of its sound server."""

    def running(self) -> bool: ...

    def ports(self) -> list[SinkPort]: ...


@dataclass(frozen=True)
class Devices:
    """The configured outputs: sinks for the sound server, devices for ALSA (None: the
    default one; an earphone sink None: the sink whose headphone port is available)."""

    speaker_sink: str | None = None
    earphone_sink: str | None = None
    speaker_alsa: str | None = None
    earphone_alsa: str | None = None


@dataclass(frozen=True)
class Outputs:
    """The decision: is an earphone in, which program plays, on which device per route."""

    plugged: bool
    program: str  # "pacat" (the sound server) or "aplay" (ALSA directly)
    devices: dict[Route, str | None]


def decide(server: SoundServer, devices: Devices, switch: bool | None = None) -> Outputs:
    """Where speech goes now. ``switch``: the jack switch's state, None if there is none."""
    running = server.running()
    ports = server.ports() if running else []
    jacks = [p for p in ports if p.headphones and p.available]
    plugged = switch if switch is not None else bool(jacks)
    if running:
        earphone = devices.earphone_sink or (jacks[0].sink if jacks else None) \
            or devices.speaker_sink
        return Outputs(plugged, "pacat", {Route.SPEAKER: devices.speaker_sink,
                                          Route.EARPHONE: earphone})
    return Outputs(plugged, "aplay", {
        Route.SPEAKER: devices.speaker_alsa,
        Route.EARPHONE: devices.earphone_alsa or devices.speaker_alsa})


class PulseServer:
    """The real sound server (PulseAudio, or PipeWire's pulse server), through ``pactl``."""

    def __init__(self, program: str = "pactl") -> None:
        self.program = program

    def _pactl(self, *args: str) -> str | None:
        try:
            proc = subprocess.run([self.program, *args], capture_output=True,
                                  timeout=PACTL_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None

    def running(self) -> bool:
        return self._pactl("info") is not None

    def ports(self) -> list[SinkPort]:
        out = self._pactl("list", "sinks")
        return parse_sinks(out) if out is not None else []


def parse_sinks(text: str) -> list[SinkPort]:
    """The ports of ``pactl list sinks`` (its English output: the kiosk runs in C locale)."""
    found: list[SinkPort] = []
    sink = ""
    in_ports = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("Name:"):
            sink = stripped.split(":", 1)[1].strip()
        elif stripped == "Ports:":
            in_ports = True
        elif in_ports and line.startswith("\t\t") and ":" in stripped:
            name, _, rest = stripped.partition(":")
            headphones = "headphone" in name.lower() or "type: Headphones" in rest
            available = rest.rstrip(")").endswith("available") and "not available" not in rest
            found.append(SinkPort(sink, name, headphones, available))
        elif in_ports and not line.startswith("\t\t"):
            in_ports = False
    return found


class OutputWatcher:
    """Keeps :func:`decide`'s answer current on a thread of its own; ``current`` is read
    by the player and the voice guide without waiting."""

    def __init__(self, server: SoundServer, devices: Devices,
                 switch: Callable[[], bool] | None = None,
                 on_change: Callable[[Outputs], None] | None = None) -> None:
        self.server, self.devices, self.switch = server, devices, switch
        self.on_change = on_change
        self.current = self._decide()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="speech-outputs")
        self._thread.start()

    def _decide(self) -> Outputs:
        switch = None
        if self.switch is not None:
            try:
                switch = bool(self.switch())
            except (OSError, SpeechError):
                switch = False  # a jack that cannot be read: the speaker
        return decide(self.server, self.devices, switch)

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            try:
                now = self._decide()
            except Exception as exc:  # a broken server must not end the kiosk
                log.event(LOG, "speech.outputs_failed", logging.WARNING, kind=type(exc).__name__)
                continue
            if now != self.current:
                self.current = now
                if self.on_change is not None:
                    self.on_change(now)

    def plugged(self) -> bool:
        return self.current.plugged

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
