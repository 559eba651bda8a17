"""The UI side of the engine link.

An :class:`EngineLink` is whatever carries intents to the session engine and view models
back (the session host's pipe to the worker process, or in tests an engine in process). The bridge
puts every call to the link on one background thread, in order, so the GUI thread never
waits on the engine, and re-emits view models, which may arrive on any thread, as a Qt
signal delivered on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from kiosk.session.viewmodel import Intent, ViewModel
from protocol import log
from protocol.sensitive import zero

LOG = logging.getLogger("kiosk.ui")


class EngineLink(Protocol):
    def subscribe(self, listener: Callable[[ViewModel], None]) -> None:
        """Call ``listener`` (from any thread) with every new view model."""

    def send(self, intent: Intent) -> None: ...

    def send_pin(self, pin: bytearray) -> None:
        """Send the PIN digits; the caller zeroes ``pin`` when this returns."""

    def close(self) -> None: ...


class EngineBridge(QObject):
    view = Signal(object)  # ViewModel, always delivered on the GUI thread

    def __init__(self, link: EngineLink) -> None:
        super().__init__()
        self.link = link
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine-link")
        self._started = False

    def start(self) -> None:
        """Subscribe to the engine; call after connecting ``view`` so no view is lost."""
        if not self._started:
            self._started = True
            self.link.subscribe(self.view.emit)

    def _run(self, what: str, fn: Callable[[], None]) -> None:
        def job() -> None:
            try:
                fn()
            except Exception as exc:  # the engine reports faults as view models
                log.event(LOG, "ui.link_failed", logging.WARNING, intent=what,
                          kind=type(exc).__name__)

        self._pool.submit(job)

    def send(self, intent: Intent) -> None:
        log.event(LOG, "ui.intent", intent=intent.kind.value)
        self._run(intent.kind.value, lambda: self.link.send(intent))

    def send_pin(self, pin: bytearray) -> None:
        """Queue the PIN for the link; ``pin`` stays the caller's, to zero when this returns.

        Our own copy crosses to the link thread and is zeroed there once sent, or here if
        it cannot be queued (the bridge is shut down), so no path leaves it behind.
        """
        ours = bytearray(pin)
        queued = False

        def job() -> None:
            try:
                self.link.send_pin(ours)
            finally:
                zero(ours)

        try:
            self._run("pin_submitted", job)
            queued = True
        finally:
            if not queued:
                zero(ours)

    def drain(self, timeout: float = 5.0) -> None:
        """Wait until every queued call has reached the link (tests, shutdown)."""
        self._pool.submit(lambda: None).result(timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.link.close()
