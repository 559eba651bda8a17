"""A TCP relay on loopback that a test can cut and mend: a node's database connection.

``TcpProxy.start(port)`` listens on a free loopback port and forwards every connection
to ``127.0.0.1:port``. :meth:`TcpProxy.cut` closes every connection through it and stops
listening, as a failed network link or firewall would (connections refused);
:meth:`TcpProxy.mend` listens again on the same port. Threads only; it ends with
:meth:`TcpProxy.close`. It also counts round trips (:attr:`TcpProxy.round_trips`): each
time the server sends after the client has, the client waited for it once.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.round_trips = 0
        self._asked: set[socket.socket] = set()  # upstream sockets the client has sent on since the last answer

    @classmethod
    def start(cls, target_port: int) -> TcpProxy:
        proxy = cls(target_port)
        proxy.mend()
        return proxy

    def mend(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
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
        self.cut()
