"""A TCP relay on loopback that a test can cut and mend: a node's database connection.

``TcpProxy.start(port)`` listens on a loopback port held for it until
:meth:`TcpProxy.close` (:func:`~hardware_mocks.services.ports.hold_port`) and forwards
every connection to ``127.0.0.1:port``. :meth:`TcpProxy.cut` closes every connection
through it and stops listening, as a failed network link or firewall would (connections
refused); :meth:`TcpProxy.mend` listens again on the same port, which no other process
can have been given meanwhile. Threads only; it ends with :meth:`TcpProxy.close`. It
also counts round trips (:attr:`TcpProxy.round_trips`): each time the server sends after
the client has, the client waited for it once.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from hardware_mocks.services.ports import held_port, hold_port


class TcpProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._held = hold_port()
        self.port = held_port(self._held)
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.round_trips = 0
        self._asked: set[socket.socket] = set()  # upstream sockets the client has sent on since the last answer

    @classmethod
    def start(cls, target_port: int) -> TcpProxy:
        proxy = cls(target_port)
        try:
            proxy.mend()
        except BaseException:
            proxy.close()
            raise
        return proxy

    def mend(self) -> None:
        """Listen (again) on the proxy's port: SO_REUSEADDR, as the held socket has, lets it."""
        listener = socket.socket()
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by cut()
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for a, b, asks in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(target=self._pump, args=(a, b, asks, upstream), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, asks: bool, upstream: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                with self._lock:
                    if asks:
                        self._asked.add(upstream)
                    elif upstream in self._asked:
                        self._asked.discard(upstream)
                        self.round_trips += 1
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Every connection through the proxy ends now, and new ones are refused."""
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the accepting thread (close alone does not)
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def close(self) -> None:
        """For good: as :meth:`cut`, and the port is given up."""
        self.cut()
        self._held.close()
