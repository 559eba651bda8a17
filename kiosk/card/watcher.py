"""Card presence events from a background thread.

``CardWatcher(reader, on_insert, on_remove)`` calls ``on_insert(atr)`` / ``on_remove()`` on
its own thread whenever the reader's card presence changes (``SCardGetStatusChange`` for
PC/SC readers, a condition variable for the in-process reader). Callers that own a GUI
re-emit these as signals; nothing here touches Qt. ``on_gone(error)`` reports a reader or
PC/SC service that disappeared; the watcher then keeps retrying every ``retry`` seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kiosk.card.errors import CardLayerError, ReaderGone
from kiosk.card.reader import Reader
from protocol.log import event

log = logging.getLogger(__name__)


class CardWatcher:
    def __init__(
        self,
        reader: Reader,
        on_insert: Callable[[bytes | None], None],
        on_remove: Callable[[], None],
        on_gone: Callable[[ReaderGone], None] | None = None,
        poll: float = 0.5,
        retry: float = 1.0,
    ) -> None:
        self.reader = reader
        self.on_insert = on_insert
        self.on_remove = on_remove
        self.on_gone = on_gone
        self.poll = poll
        self.retry = retry
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.present: bool | None = None

    def start(self) -> CardWatcher:
        """Start watching; the current state is reported first (insert if a card is in)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="card-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.reader.cancel()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> CardWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        known: bool = False
        while not self._stop.is_set():
            try:
                present = self.reader.wait_for_change(known, self.poll)
            except ReaderGone as exc:
                event(log, "card.reader_gone", level=logging.WARNING, reason="reader_gone")
                if known:
                    known = False
                    self._emit(self.on_remove)
                if self.on_gone is not None:
                    self._emit(self.on_gone, exc)
                self._stop.wait(self.retry)
                continue
            if self._stop.is_set():
                break
            if present != known:
                known = present
                self.present = present
                if present:
                    try:
                        atr = self.reader.atr()
                    except CardLayerError:
                        atr = None
                    self._emit(self.on_insert, atr)
                else:
                    self._emit(self.on_remove)

    def _emit(self, callback: Callable[..., None], *args: object) -> None:
        try:
            callback(*args)
        except Exception:  # a broken listener must not kill presence detection
            event(log, "card.watcher_callback_failed", level=logging.ERROR)
