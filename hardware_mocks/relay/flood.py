"""A connection flood on loopback: unfinished TLS handshakes, a byte a second.

What once stopped issuing: many TCP connections that each send the first bytes of a
TLS ClientHello and then one byte a second, so that none ever finishes its handshake.
``python -m hardware_mocks.relay.flood --port N --connections M`` keeps ``M`` of them open,
spread over several loopback source addresses (127.0.0.10 and up: Linux routes all of
127/8 to loopback) so that a per-source cap alone cannot stop it, and opens a new one when
the relay closes one (at most ``--reopen-rate`` a second: an attacker at the cap, not a
connect loop). :class:`HandshakeFlood` runs it in a child process, so that the flood never
competes with the measuring client for one interpreter. For tests and benchmarks only,
and only against 127.0.0.1.
"""

from __future__ import annotations

import argparse
import errno
import json
import selectors
import signal
import socket
import subprocess
import sys
import time
from typing import Any

#: A TLS record header and the start of a ClientHello: 11 bytes, as in the attack.
HELLO_START = bytes.fromhex("16030100f4010000f00303")


class _Flood:
    def __init__(self, port: int, connections: int, sources: int, reopen_rate: float) -> None:
        self.port = port
        self.connections = connections
        self.sources = [f"127.0.0.{10 + i}" for i in range(sources)]
        self.reopen_interval = 1.0 / reopen_rate
        self.opened = 0
        self.closed_by_peer = 0
        self.socks: set[socket.socket] = set()
        self.selector = selectors.DefaultSelector()
        self.stopping = False

    def _open(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((self.sources[self.opened % len(self.sources)], 0))
            sock.settimeout(1.0)  # a full accept queue must not hold the flood up
            sock.connect(("127.0.0.1", self.port))
            sock.setblocking(False)
            sock.send(HELLO_START)
        except OSError:
            sock.close()
            return
        self.socks.add(sock)
        self.selector.register(sock, selectors.EVENT_READ)
        self.opened += 1

    def _drop(self, sock: socket.socket) -> None:
        self.selector.unregister(sock)
        self.socks.discard(sock)
        sock.close()
        self.closed_by_peer += 1

    def run(self) -> None:
        for _ in range(3 * self.connections):  # the first wave, as fast as it goes
            if len(self.socks) >= self.connections:
                break
            self._open()
        print("full", flush=True)
        next_drip = next_open = time.monotonic()
        while not self.stopping:
            now = time.monotonic()
            if len(self.socks) < self.connections and now >= next_open:
                self._open()
                next_open = now + self.reopen_interval
            for key, _ in self.selector.select(timeout=0.02):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(4096)
                except OSError as exc:
                    data = b"-" if exc.errno == errno.EAGAIN else b""
                if not data:
                    self._drop(sock)
            if now >= next_drip:
                next_drip = now + 1.0
                for sock in list(self.socks):
                    try:
                        sock.send(b"\x00")
                    except OSError:
                        self._drop(sock)
        print(json.dumps({"opened": self.opened, "closed_by_peer": self.closed_by_peer,
                          "open": len(self.socks)}), flush=True)


#: Seconds the flood may take to open each of its connections once.
FULL_WITHIN = 120.0


class HandshakeFlood:
    """The flood in a child process, for a ``with`` block."""

    def __init__(self, port: int, connections: int, sources: int = 32, reopen_rate: float = 100.0) -> None:
        self.cmd = [sys.executable, "-m", "hardware_mocks.relay.flood", "--port", str(port),
                    "--connections", str(connections), "--sources", str(sources), "--reopen-rate", str(reopen_rate)]
        self.process: subprocess.Popen[str] | None = None
        self.stats: dict[str, Any] = {}

    def __enter__(self) -> HandshakeFlood:
        self.process = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        # every connection opened once: "full", within FULL_WITHIN seconds (a relay that
        # takes none would otherwise keep the test waiting past the suite's timeout)
        with selectors.DefaultSelector() as waiting:
            waiting.register(self.process.stdout, selectors.EVENT_READ)
            ready = waiting.select(FULL_WITHIN)
        if not ready or self.process.stdout.readline().strip() != "full":
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"the flood could not open its connections within {FULL_WITHIN:.0f} s")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None and self.process.stdout is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            out, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        lines = [line for line in out.splitlines() if line.startswith("{")]
        self.stats = json.loads(lines[-1]) if lines else {}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hardware_mocks.relay.flood")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--connections", type=int, required=True)
    p.add_argument("--sources", type=int, default=32)
    p.add_argument("--reopen-rate", type=float, default=100.0, help="new connections a second once full")
    args = p.parse_args(argv)
    flood = _Flood(args.port, args.connections, args.sources, args.reopen_rate)

    def stop(_signum: int, _frame: object) -> None:
        flood.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    flood.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
