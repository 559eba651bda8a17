"""The tester's virtual card reader: a virtual My Number card in a reader, in-process or
through pcscd via vsmartcard's vpcd driver.

In-process (no pcscd), for unit and session tests::

    reader = InProcessReader()
    reader.insert(world.card_path("shiken-ichiro"))
    transport = reader.connect()            # a kiosk.card Transport
    reader.pull_after(2)                    # the 2nd command from now loses the card

Through pcscd (what the kiosk and OpenSC see as a real PC/SC reader "Virtual PCD 00 00")::

    python -m hardware_mocks.vreader serve --world DIR [--insert PERSONA] [--port P] [--with-pcscd]
    python -m hardware_mocks.vreader insert PERSONA | remove | pull-after N | lock | status [--json]

``serve`` connects the card to vpcd (vpcd listens on ``--port``, the card side connects; the
default 35963 is Debian's ``/etc/reader.conf.d/vpcd``). The control commands talk to the
serving process over a unix socket (``--control``, default ``$KIOSK_VREADER_SOCKET`` or
``$XDG_RUNTIME_DIR/kiosk-vreader.sock``, else ``/tmp/kiosk-vreader-<uid>.sock``), one JSON
object per line each way: ``{"cmd": "insert", "persona": "shiken-ichiro"}`` →
``{"ok": true, "status": {...}}``. The Python API is :class:`VirtualReader`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
from pathlib import Path
from typing import Any

from hardware_mocks.inprocess_reader import InProcessReader as _InProcessReader
from hardware_mocks.vcard import VirtualCard

DEFAULT_VPCD_PORT = 0x8C7B  # 35963, Debian's reader.conf.d/vpcd
_CTRL_OFF, _CTRL_ON, _CTRL_RESET, _CTRL_ATR = 0, 1, 2, 4


class InProcessReader(_InProcessReader):
    """``hardware_mocks.inprocess_reader.InProcessReader`` that also takes a card file path."""

    def insert(self, card: Any) -> None:  # a VirtualCard, a card file path, or any CardLike
        if isinstance(card, Path | str):
            card = VirtualCard(Path(card))
        super().insert(card)


#: vpcd links (host, port) whose last card was dropped inside a transmit, in this process.
_needs_bounce: dict[tuple[str, int], bool] = {}


def default_control_path() -> Path:
    env = os.environ.get("KIOSK_VREADER_SOCKET")
    if env:
        return Path(env)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "kiosk-vreader.sock"
    return Path(f"/tmp/kiosk-vreader-{os.getuid()}.sock")


class VirtualReader:
    """A card slot wired to vpcd: ``insert`` connects the card, ``remove`` disconnects it.

    ``pull_after(n)``: the n-th APDU from now is processed by the card but its answer is
    never sent; the link closes, which pcscd sees as the card pulled mid-command.
    ``world`` lets ``insert`` take a persona id instead of a card file.
    """

    def __init__(self, port: int = DEFAULT_VPCD_PORT, world: Path | None = None,
                 host: str = "127.0.0.1", connect_timeout: float = 10.0) -> None:
        self.port = port
        self.host = host
        self.world = Path(world) if world is not None else None
        self.connect_timeout = connect_timeout
        self._lock = threading.RLock()
        self._card: Any = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._pull: int | None = None
        self.apdus = 0
        self.last_event = "idle"

    # -- API -------------------------------------------------------------------------
    def card_file(self, persona_or_path: str | Path) -> Path:
        p = Path(persona_or_path)
        if p.suffix == ".json" or p.exists():
            return p
        if self.world is None:
            raise ValueError("a persona id needs the reader to know its world (--world)")
        path = self.world / "cards" / f"{persona_or_path}.json"
        if not path.exists():
            raise ValueError(f"no card for persona {persona_or_path!r}")
        return path

    def insert(self, card: Any) -> None:
        """Insert a card (persona id, card file, VirtualCard, or any object with ``atr``,
        ``process(apdu)`` and ``reset()``, e.g. a foreign card); replaces any card present."""
        vcard = VirtualCard(self.card_file(card)) if isinstance(card, Path | str) else card
        self.remove()
        if _needs_bounce.pop((self.host, self.port), False):
            self._show_absence()
        sock = self._connect()
        with self._lock:
            self._card, self._sock, self._pull = vcard, sock, None
            self.apdus = 0
            self.last_event = "inserted"
            self._thread = threading.Thread(target=self._serve, args=(sock, vcard),
                                            name="vreader-card", daemon=True)
            self._thread.start()

    def remove(self) -> None:
        with self._lock:
            sock, thread = self._sock, self._thread
            self._sock = self._thread = None
            self._card = None
            self._pull = None
        if sock is not None:
            _close(sock)
            self.last_event = "removed"
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def pull_after(self, n: int) -> None:
        if n < 1:
            raise ValueError("pull-after needs N >= 1")
        with self._lock:
            if self._card is None:
                raise ValueError("no card inserted")
            self._pull = n

    def lock(self) -> None:
        """Lock the present card's authentication PIN (tries left = 0), persisted."""
        with self._lock:
            if not isinstance(self._card, VirtualCard):
                raise ValueError("no My Number card inserted")
            self._card.set_tries("auth", 0)

    def status(self) -> dict[str, Any]:
        with self._lock:
            card = self._card
            return {
                "port": self.port,
                "present": card is not None,
                "persona": getattr(card, "persona", None) if card else None,
                "tries_left": card.tries_left("auth") if isinstance(card, VirtualCard) else None,
                "pull_after": self._pull,
                "apdus": self.apdus,
                "last_event": self.last_event,
            }

    def close(self) -> None:
        self.remove()

    def __enter__(self) -> VirtualReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- vpcd link -------------------------------------------------------------------
    def _show_absence(self) -> None:
        """Make pcscd's presence poll see "no card" once before a new card goes in.

        A card pulled mid-command is dropped by vpcd inside the transmit, not by a presence
        poll; if the next card connected before pcscd's next poll, pcscd would never notice
        the change and would keep reporting an empty reader. So: connect, let the first
        presence poll (an ATR request) fail by closing, then connect for real.
        """
        sock = self._connect()
        try:
            sock.settimeout(5)
            _recv_msg(sock)
        except OSError:
            pass
        finally:
            _close(sock)

    def _connect(self) -> socket.socket:
        deadline = time.monotonic() + self.connect_timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2)
                sock.settimeout(None)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError:
                if time.monotonic() > deadline:
                    raise ConnectionError(f"vpcd is not listening on {self.host}:{self.port}") from None
                time.sleep(0.05)

    def _serve(self, sock: socket.socket, card: Any) -> None:
        try:
            while True:
                msg = _recv_msg(sock)
                if msg is None:
                    break
                if len(msg) == 1:
                    if msg[0] == _CTRL_ATR:
                        _send_msg(sock, card.atr)
                    elif msg[0] in (_CTRL_OFF, _CTRL_ON, _CTRL_RESET):
                        card.reset()
                    continue
                response = card.process(msg)
                with self._lock:
                    self.apdus += 1
                    pull = self._pull
                    if pull is not None:
                        self._pull = pull - 1
                if pull == 1:
                    with self._lock:
                        if self._sock is sock:
                            self._sock = self._card = None
                            self._thread = None
                            self._pull = None
                        self.last_event = "pulled"
                        _needs_bounce[(self.host, self.port)] = True
                    break
                _send_msg(sock, response)
        except OSError:
            pass
        finally:
            _close(sock)
            with self._lock:
                if self._sock is sock:  # vpcd or pcscd went away under us
                    self._sock = self._card = None
                    self._thread = None
                    self.last_event = "link_lost"
                    _needs_bounce[(self.host, self.port)] = True


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
        # vpcd's socket has Nagle on: acknowledge at once, or its next message waits for
        # our delayed ACK (about 40 ms per command).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    return bytes(buf)


def _recv_msg(sock: socket.socket) -> bytes | None:
    head = _recv_exact(sock, 2)
    if head is None:
        return None
    (n,) = struct.unpack("!H", head)
    return _recv_exact(sock, n) if n else b""


def _send_msg(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack("!H", len(payload)) + payload)


# -- control channel -------------------------------------------------------------------
class ControlServer:
    """Serves the control commands of one :class:`VirtualReader` on a unix socket."""

    def __init__(self, reader: VirtualReader, path: Path) -> None:
        self.reader = reader
        self.path = path
        if path.exists() or path.is_symlink():
            if _control_alive(path):
                raise RuntimeError(f"another virtual reader is serving {path}")
            path.unlink()
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(path))
        os.chmod(path, 0o600)
        self._server.listen(4)
        self._thread = threading.Thread(target=self._accept, name="vreader-control", daemon=True)
        self._closed = False

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closed = True
        try:
            self._server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._server.close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with conn:
                try:
                    line = conn.makefile("rb").readline()
                    reply = self.handle(json.loads(line or b"{}"))
                except (OSError, ValueError) as exc:
                    reply = {"ok": False, "error": str(exc)}
                try:
                    conn.sendall(json.dumps(reply).encode() + b"\n")
                except OSError:
                    pass

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        cmd = request.get("cmd")
        try:
            if cmd == "insert":
                self.reader.insert(str(request["persona"]))
            elif cmd == "remove":
                self.reader.remove()
            elif cmd == "pull-after":
                self.reader.pull_after(int(request["n"]))
            elif cmd == "lock":
                self.reader.lock()
            elif cmd != "status":
                return {"ok": False, "error": f"unknown command {cmd!r}"}
        except (ValueError, KeyError, ConnectionError) as exc:
            return {"ok": False, "error": str(exc), "status": self.reader.status()}
        return {"ok": True, "status": self.reader.status()}


def _control_alive(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            s.connect(str(path))
        return True
    except OSError:
        return False


def control(request: dict[str, Any], path: Path | None = None, timeout: float = 15) -> dict[str, Any]:
    """Send one control command to a serving virtual reader and return its reply."""
    path = path or default_control_path()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        s.sendall(json.dumps(request).encode() + b"\n")
        reply: dict[str, Any] = json.loads(s.makefile("rb").readline())
        return reply


# -- command line ----------------------------------------------------------------------
def _serve(args: argparse.Namespace) -> int:
    pcscd = None
    port = args.port
    if args.with_pcscd:
        from hardware_mocks.services.pcscd import Pcscd

        pcscd = Pcscd(port=port).start()
        port = pcscd.port
    reader = VirtualReader(port=port or DEFAULT_VPCD_PORT, world=args.world)
    server = ControlServer(reader, args.control or default_control_path()).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        if args.insert:
            reader.insert(args.insert)
        print(json.dumps({"serving": True, "control": str(server.path), **reader.status()}),
              flush=True)
        stop.wait()
    finally:
        server.close()
        reader.close()
        if pcscd is not None:
            pcscd.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hardware_mocks.vreader")
    parser.add_argument("--control", type=Path, default=None, help="control socket path")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve a virtual card to vpcd")
    s.add_argument("--world", type=Path, required=True)
    s.add_argument("--insert", metavar="PERSONA")
    s.add_argument("--port", type=int, default=None, help=f"vpcd port (default {DEFAULT_VPCD_PORT})")
    s.add_argument("--with-pcscd", action="store_true",
                   help="start a private pcscd with vpcd on a free port (stopped on exit)")
    i = sub.add_parser("insert", help="insert a persona's card")
    i.add_argument("persona")
    sub.add_parser("remove", help="remove the card")
    p = sub.add_parser("pull-after", help="pull the card during the N-th command from now")
    p.add_argument("n", type=int)
    sub.add_parser("lock", help="lock the present card's authentication PIN")
    st = sub.add_parser("status", help="show the reader state")
    st.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    request: dict[str, Any] = {"cmd": args.command}
    if args.command == "insert":
        request["persona"] = args.persona
    elif args.command == "pull-after":
        request["n"] = args.n
    try:
        reply = control(request, args.control)
    except OSError:
        print(f"error: no virtual reader is serving {args.control or default_control_path()} "
              "(start one with: python -m hardware_mocks.vreader serve --world DIR)", file=sys.stderr)
        return 2
    if args.command == "status" and not getattr(args, "json", False):
        for key, value in reply.get("status", {}).items():
            print(f"{key}: {value}")
    else:
        print(json.dumps(reply, ensure_ascii=False))
    if not reply.get("ok"):
        print(f"error: {reply.get('error')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
