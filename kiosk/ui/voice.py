"""The voice guide: what the kiosk says, and when, on top of the speech service.

Voice-guide mode is entered from the start screen's button or with the keypad's help
key (a method that needs no sight, EN 301 549 5.2 and 8.5), or by plugging in an
earphone. In it, every screen says its title, sentences and amounts when it shows, and
every control says its name when it takes the focus. Leave-behind reminders (the card,
the papers and the change) are said in every mode. Nothing here ever says a PIN digit
(the pad reports "digit entered", never which) nor anything of the customer's (a view
model holds none). Sentences are made on the GUI thread and handed to the service, which
synthesises and plays on its own thread: the GUI thread never waits for a voice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer

from kiosk.speech.port import Route
from kiosk.speech.service import SPEEDS, VOLUMES, SpeechService

#: Whether an earphone is plugged in (a jack switch), asked every half second.
EarphoneSwitch = Callable[[], bool]
EARPHONE_POLL_MS = 500


def _stepped(index: int, step: int, count: int) -> int:
    if step == 0:
        return (index + 1) % count
    return max(0, min(count - 1, index + step))


class VoiceGuide(QObject):
    def __init__(self, service: SpeechService | None, language: Callable[[], str] = lambda: "ja",
                 earphone: EarphoneSwitch | None = None) -> None:
        super().__init__()
        self.service = service
        self.language = language  # the screen's language (the window sets it)
        self.enabled = False  # voice-guide mode
        self.muted = False  # nothing at all is said (the window painting its pages ahead)
        #: Make every fixed sentence's audio ahead, in each language the screen takes, so
        #: a screen's title is heard at once (production; tests keep the engine's calls few)
        self.prepare_ahead = False
        self.earphone = earphone
        self.plugged = False
        self.on_plugged: Callable[[bool], None] | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(EARPHONE_POLL_MS)
        self._poll.timeout.connect(self._check_earphone)
        if earphone is not None:
            self._poll.start()

    @property
    def available(self) -> bool:
        return self.service is not None and self.service.speaks(self.language())

    def say(self, sentences: Sequence[str], *, always: bool = False,
            interrupt: bool = True, tag: str = "") -> None:
        """Say ``sentences`` in the screen's language: in voice-guide mode, or ``always``
        (leave-behind reminders)."""
        if self.service is None or self.muted or not (self.enabled or always):
            return
        self.service.say([s for s in sentences if s], self.language(), interrupt=interrupt,
                         tag=tag)

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()

    def step_volume(self, step: int) -> tuple[int, int] | None:
        """One volume step (+1, -1, or 0: up, after the loudest the quietest); the new
        step and the number of steps, counted from 1 (None: no voice)."""
        if self.service is None:
            return None
        self.service.volume = _stepped(self.service.volume, step, len(VOLUMES))
        return self.service.volume + 1, len(VOLUMES)

    def step_speed(self, step: int) -> tuple[int, int] | None:
        """One speech-rate step, as :meth:`step_volume`."""
        if self.service is None:
            return None
        self.service.speed = _stepped(self.service.speed, step, len(SPEEDS))
        return self.service.speed + 1, len(SPEEDS)

    def reset(self) -> None:
        """The terminal's volume and rate for the next customer."""
        if self.service is not None:
            self.service.reset()

    def prepare(self, sentences: Sequence[str], samples: Sequence[str] = ()) -> None:
        """Make the audio of fixed sentences ahead, and the pieces of the sentences with
        numbers (``samples``: templates filled with sample numbers)."""
        if self.service is not None:
            self.service.prepare(sentences, self.language(), samples)

    def _check_earphone(self) -> None:
        assert self.earphone is not None
        try:
            plugged = bool(self.earphone())
        except OSError:
            plugged = False
        if plugged == self.plugged:
            return
        self.plugged = plugged
        if self.service is not None:
            self.service.route = Route.EARPHONE if plugged else Route.SPEAKER
            if not plugged:
                self.service.stop()  # nothing more of the session is heard aloud
        if self.on_plugged is not None:
            self.on_plugged(plugged)

    def close(self) -> None:
        self._poll.stop()
        if self.service is not None:
            self.service.close()
