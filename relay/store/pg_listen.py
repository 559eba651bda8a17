"""Change notices from PostgreSQL: what lets a node keep a table's rows in memory safely.

A thread holds one connection that ``LISTEN``\\ s on a channel a trigger notifies on every
change (migration ``0004_kiosk_register_notify``). :attr:`ChangeNotices.generation` grows
with each notice, and also whenever the connection is lost or made again, because changes
made while nobody listened were missed. A cache keeps an entry with the generation read
*before* the row was fetched and trusts it only while the generation is still the same,
and only while :attr:`ChangeNotices.live`: without a listening connection every read goes
to the database. A change is therefore seen by every node as soon as its notice arrives
(milliseconds on a healthy database), not at a timeout.
"""

from __future__ import annotations

import logging
import threading

import psycopg

from protocol.log import event
from relay.store.pg_db import conninfo

LOG = logging.getLogger("relay.store")
#: Seconds between attempts to listen again after the connection was lost.
RECONNECT_S = 1.0
_POLL_S = 0.5  # how often the thread looks up from waiting to see whether it must stop


class ChangeNotices:
    """Listens on ``channel`` of the database at ``url`` until :meth:`close`."""

    def __init__(self, url: str, channel: str, name: str) -> None:
        if not channel.isidentifier():
            raise ValueError("a channel is an identifier")
        self._url, self._channel, self._name = url, channel, name
        self._lock = threading.Lock()
        self._generation = 0
        self._live = False
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"listen-{channel}", daemon=True)
        self._thread.start()
        self._listening.wait(RECONNECT_S * 2)  # usually listening before the first request

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def live(self) -> bool:
        return self._live

    def _changed(self, live: bool | None = None) -> None:
        with self._lock:
            self._generation += 1
            if live is not None:
                self._live = live

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo(self._url, f"{self._name}-listen"), autocommit=True) as conn:
                    conn.execute(f"LISTEN {self._channel}")
                    self._changed(live=True)  # whatever changed before now was not heard
                    self._listening.set()
                    while not self._stop.is_set():
                        for _notice in conn.notifies(timeout=_POLL_S):
                            self._changed()
            except psycopg.Error as exc:
                self._changed(live=False)
                event(LOG, "store.listen_lost", logging.WARNING, code=type(exc).__name__)
                self._stop.wait(RECONNECT_S)
        self._changed(live=False)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=RECONNECT_S + _POLL_S * 4)
