"""Where speech goes: with an earphone in, only to the earphone; the sound server while
one runs, ALSA directly without one; the earphone seen by the jack switch or by the
server's headphone port, or by the ALSA jack control. The decision is tested over a fake
sink port."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.speech import tone
from kiosk.speech.jack import AlsaJack, parse_cget
from kiosk.speech.outputs import (
    Devices,
    Outputs,
    OutputWatcher,
    PulseServer,
    SinkPort,
    decide,
    parse_sinks,
)
from kiosk.speech.players import ProcessPlayer
from kiosk.speech.port import Route, SpeechError
from tests.kiosk.speech.test_service import wait

DEVICES = Devices(speaker_sink="kiosk_speaker", speaker_alsa="hw:0,0",
                  earphone_alsa="hw:0,1")
BUILTIN = "alsa_output.pci-0000_00_1f.3.analog-stereo"


@dataclass
class FakeServer:
    """A sound server's sink port: up or down, its ports plugged or not."""

    up: bool = True
    sink_ports: list[SinkPort] = field(default_factory=list)
    asked: int = 0

    def running(self) -> bool:
        self.asked += 1
        return self.up

    def ports(self) -> list[SinkPort]:
        assert self.up, "ports asked of a server that is not running"
        return list(self.sink_ports)


def headphones(available: bool, sink: str = BUILTIN) -> SinkPort:
    return SinkPort(sink, "analog-output-headphones", True, available)


def test_with_a_server_speech_goes_to_its_sinks_and_the_plugged_port() -> None:
    speaker = SinkPort(BUILTIN, "analog-output-speaker", False, True)
    server = FakeServer(sink_ports=[speaker, headphones(False)])
    out = decide(server, DEVICES)
    assert out == Outputs(False, "pacat", {Route.SPEAKER: "kiosk_speaker",
                                           Route.EARPHONE: "kiosk_speaker"})
    server.sink_ports = [speaker, headphones(True)]
    out = decide(server, DEVICES)
    assert out.plugged and out.program == "pacat"
    assert out.devices[Route.EARPHONE] == BUILTIN  # the sink whose headphone port is in
    named = Devices(speaker_sink="kiosk_speaker", earphone_sink="kiosk_earphone")
    assert decide(server, named).devices[Route.EARPHONE] == "kiosk_earphone"


def test_without_a_server_speech_goes_to_alsa_directly() -> None:
    server = FakeServer(up=False, sink_ports=[headphones(True)])
    out = decide(server, DEVICES)
    assert out == Outputs(False, "aplay", {Route.SPEAKER: "hw:0,0", Route.EARPHONE: "hw:0,1"})
    out = decide(server, DEVICES, switch=True)  # the jack switch still tells
    assert out.plugged and out.devices[Route.EARPHONE] == "hw:0,1"
    assert decide(server, Devices(speaker_alsa="hw:0,0"), True).devices[Route.EARPHONE] == "hw:0,0"


def test_the_jack_switch_comes_before_the_server_port() -> None:
    server = FakeServer(sink_ports=[headphones(True)])
    assert not decide(server, DEVICES, switch=False).plugged
    assert decide(FakeServer(), DEVICES, switch=True).plugged


PACTL = """Sink #0
\tState: RUNNING
\tName: alsa_output.pci-0000_00_1f.3.analog-stereo
\tDescription: Built-in Audio Analog Stereo
\tPorts:
\t\tanalog-output-speaker: Speakers (type: Speaker, priority: 10000, availability unknown)
\t\tanalog-output-headphones: Headphones (type: Headphones, priority: 9900, availability group: Legacy 2, {state})
\tActive Port: analog-output-headphones
\tFormats:
\t\tpcm
Sink #1
\tName: usb_handset
\tPorts:
\t\tanalog-output: Analog Output (type: Analog, priority: 9900, available)
"""


def test_pactl_s_ports_are_read() -> None:
    ports = parse_sinks(PACTL.format(state="available"))
    assert [(p.sink[:11], p.port, p.headphones, p.available) for p in ports] == [
        ("alsa_output", "analog-output-speaker", False, False),
        ("alsa_output", "analog-output-headphones", True, True),
        ("usb_handset", "analog-output", False, True)]
    ports = parse_sinks(PACTL.format(state="not available"))
    assert not ports[1].available


def test_a_missing_server_is_not_running() -> None:
    assert not PulseServer(program="no-such-pactl").running()
    assert PulseServer(program="no-such-pactl").ports() == []


def test_the_watcher_follows_the_jack_and_the_server() -> None:
    server = FakeServer(sink_ports=[headphones(False)])
    changes: list[Outputs] = []
    watcher = OutputWatcher(server, DEVICES, on_change=changes.append)
    try:
        assert not watcher.plugged() and watcher.current.program == "pacat"
        server.sink_ports = [headphones(True)]
        wait(lambda: watcher.plugged())
        server.up = False  # the server stopped: ALSA directly, the earphone unseen
        wait(lambda: watcher.current.program == "aplay")
        assert not watcher.plugged()
        assert [c.plugged for c in changes] == [True, False]
    finally:
        watcher.close()


def test_the_routed_player_plays_where_the_decision_says(monkeypatch: Any) -> None:
    """Each sentence asks anew: the earphone's device while plugged, the server's client
    or ALSA's as the decision says (the programs run for real: ALSA's null device, and
    pacat failing without a server, which only ends that sentence)."""
    commands: list[list[str]] = []
    real = subprocess.Popen

    def spy(cmd: list[str], **kwargs: Any) -> Any:
        commands.append(cmd)
        return real(cmd, **kwargs)

    monkeypatch.setattr("kiosk.speech.players.subprocess.Popen", spy)
    decisions = [Outputs(True, "aplay", {Route.SPEAKER: "null", Route.EARPHONE: "null"})]
    player = ProcessPlayer.routed(lambda: decisions[-1])
    player.play(tone(0.05), Route.EARPHONE)
    assert commands[-1][0] == "aplay" and commands[-1][-3:] == ["-D", "null", "-"]
    decisions.append(Outputs(True, "pacat", {Route.SPEAKER: "kiosk_speaker",
                                             Route.EARPHONE: "kiosk_earphone"}))
    player.play(tone(0.05), Route.EARPHONE)
    assert commands[-1][0] == "pacat" and "--device=kiosk_earphone" in commands[-1]
    assert not any("kiosk_speaker" in arg for arg in commands[-1])


#: ``amixer -c 0 cget iface=CARD,name='Headphone Jack'`` on an HDA codec (alsa-utils 1.2)
AMIXER_OUT = """numid=20,iface=CARD,name='Headphone Jack'
  ; type=BOOLEAN,access=r-------,values=1
  : values=off
"""
AMIXER_IN = AMIXER_OUT.replace("values=off", "values=on")
#: a control that is not a jack (an enumeration): refused, never read as "unplugged"
AMIXER_ENUM = """numid=13,iface=MIXER,name='Auto-Mute Mode'
  ; type=ENUMERATED,access=rw------,values=1,items=2
  ; Item #0 'Disabled'
  ; Item #1 'Enabled'
  : values=1
"""


def test_amixer_s_jack_control_is_read() -> None:
    assert parse_cget(AMIXER_IN) is True
    assert parse_cget(AMIXER_OUT) is False
    with pytest.raises(SpeechError):
        parse_cget(AMIXER_ENUM)


def _fake_amixer(tmp_path: Path) -> tuple[Path, Path]:
    """An ``amixer`` that prints the state file's content for card 1's control, and
    fails as amixer does for any other card or control."""
    state = tmp_path / "state"
    state.write_text(AMIXER_OUT)
    program = tmp_path / "amixer"
    program.write_text(f"""#!/bin/sh
[ "$*" = "-c 1 cget iface=CARD,name=Headphone Jack" ] || {{
    echo "amixer: Cannot find the given element from control hw:$2" >&2; exit 1; }}
cat {state}
""")
    program.chmod(0o755)
    return program, state


def test_without_a_server_the_alsa_jack_control_routes_to_the_earphone(
        tmp_path: Path) -> None:
    program, state = _fake_amixer(tmp_path)
    jack = AlsaJack("1", program=str(program))
    changes: list[Outputs] = []
    watcher = OutputWatcher(FakeServer(up=False), DEVICES, jack.plugged,
                            on_change=changes.append)
    try:
        assert watcher.current == Outputs(False, "aplay", {Route.SPEAKER: "hw:0,0",
                                                           Route.EARPHONE: "hw:0,1"})
        state.write_text(AMIXER_IN)  # an earphone plugged in
        wait(lambda: watcher.plugged())
        assert changes[-1].plugged and changes[-1].program == "aplay"
        state.write_text(AMIXER_ENUM)  # unreadable: back to the speaker
        wait(lambda: not watcher.plugged())
    finally:
        watcher.close()


def test_a_card_without_the_jack_control_is_refused_at_start(tmp_path: Path) -> None:
    program, _ = _fake_amixer(tmp_path)
    with pytest.raises(SpeechError, match="no control"):
        AlsaJack("0", program=str(program))
    with pytest.raises(SpeechError):
        AlsaJack("1", program=str(tmp_path / "missing"))
