"""Diagnostic mode from the kiosk window: the hidden gesture pauses the session host,
diagnostic mode opens over devices no worker holds, leaving it serves again.

The devices have one owner at a time. The customer's session worker (a process of the
session host) holds the card reader, the cash device's serial ports and the printer while
it serves; so the host is paused first, on its own thread (:meth:`SessionHost.pause`: the
worker ends its session through the wipe and exits, nothing serves, the screen says out of
service), and only then is the diagnostic service built in this process, opening the
devices its probes test. When the technician leaves (or the window closes itself when
left alone) what it opened is closed before the host serves again, recovery first; or the
host stays paused, out of service, if the technician said so (and at the next start too:
:func:`kiosk.diag.service.left_out_of_service`).

The UI process never receives personal data here either: the diagnostic service reports
codes, counts and dates only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal

from kiosk.diag.adapters import JournalGate
from kiosk.diag.ports import SessionGate
from kiosk.diag.service import DiagService
from kiosk.process.host import TECHNICIAN_OUT_OF_SERVICE
from kiosk.ui.diag_window import DiagWindow, open_diagnostics
from kiosk.ui.hostlink import HostLink
from protocol import log

if TYPE_CHECKING:
    from kiosk.ui.window import KioskWindow

LOG = logging.getLogger("kiosk.ui")
#: How long diagnostic mode's task thread waits for the host to clear an alarm, seconds.
CALL_TIMEOUT_S = 60.0
#: Builds the diagnostic service over the gate; returns it with what closes the devices it
#: opened (called after the host is paused, on the GUI thread).
ServiceFactory = Callable[[SessionGate], tuple[DiagService, Callable[[], None]]]


def _nothing() -> None:
    """Nothing opened: nothing to close."""


class Maintenance(QObject):
    """Connects ``window``'s hidden gesture to diagnostic mode over ``link``'s host."""

    #: The host thread has paused the host (True) or failed to (False).
    host_paused = Signal(bool)
    #: Diagnostic mode is open: its window.
    opened = Signal(object)
    #: The technician left: whether the terminal serves again.
    left = Signal(bool)

    def __init__(self, window: KioskWindow, link: HostLink, journal: Path,
                 make_service: ServiceFactory) -> None:
        super().__init__(window)
        self.window = window
        self.link = link
        self.make_service = make_service
        #: "Is a customer session open?" from the journal; ending one (should a killed
        #: worker have left one that recovery could not settle) pauses the host again, and
        #: clearing an alarm is the host's, which also decides when to serve.
        self.gate = JournalGate(journal, end_session=self._pause_again,
                                clear_alarm=self._clear_alarm)
        self.diag: DiagWindow | None = None
        self._entering = False
        self._release: Callable[[], None] = _nothing
        # emitted on the host thread: queued to this object's (the GUI) thread
        self.host_paused.connect(self._open, Qt.ConnectionType.QueuedConnection)
        window.diagnostics_requested.connect(self.enter)

    def enter(self) -> None:
        """Pause the host, then open diagnostic mode (once the host has paused)."""
        if self._entering or self.diag is not None:
            return
        self._entering = True
        self.link.call(self._pause)

    def _pause(self, host: Any) -> None:
        try:
            host.pause()
        except Exception as exc:
            log.event(LOG, "ui.diag_pause_failed", logging.ERROR, kind=type(exc).__name__)
            self.host_paused.emit(False)
            return
        self.host_paused.emit(True)

    def _pause_again(self) -> None:
        self.link.call(lambda host: host.pause())

    def _clear_alarm(self) -> None:
        self.link.call_wait(lambda host: host.clear_alarm(), CALL_TIMEOUT_S)

    def _open(self, paused: bool) -> None:
        self._entering = False
        if not paused:
            self.link.call(lambda host: host.resume())
            return
        try:
            service, self._release = self.make_service(self.gate)
            diag = open_diagnostics(self.window, service)
        except Exception as exc:  # no diagnostic mode (a bad [diag] table …): serve again
            log.event(LOG, "ui.diag_unavailable", logging.ERROR, kind=type(exc).__name__)
            self._close_devices()
            self.link.call(lambda host: host.resume())
            return
        self.diag = diag
        diag.finished.connect(self._left)
        self.opened.emit(diag)

    def _left(self) -> None:
        diag, self.diag = self.diag, None
        if diag is None:
            return
        in_service = diag.service.in_service()
        self._close_devices()
        if in_service:
            self.link.call(lambda host: host.resume())
        else:
            self.link.call(lambda host: host.pause(TECHNICIAN_OUT_OF_SERVICE))
        diag.deleteLater()
        self.left.emit(in_service)

    def _close_devices(self) -> None:
        release, self._release = self._release, _nothing
        try:
            release()
        except Exception as exc:  # the host's worker reopens them; say why they may be busy
            log.event(LOG, "ui.diag_release_failed", logging.ERROR, kind=type(exc).__name__)
