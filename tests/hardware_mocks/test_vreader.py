"""The vpcd virtual reader against a fake vpcd (no pcscd needed), and its control socket."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware_mocks import vreader as vr
from hardware_mocks.vreader import ControlServer, VirtualReader, control
from hardware_mocks.world import World

ATR = bytes.fromhex("3BE000FF8131FE4514")


class FakeVpcd:
    """The vpcd side of the link: listens, accepts one card, sends framed messages."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.port = self.server.getsockname()[1]
        self.conn: socket.socket | None = None

    def accept(self) -> None:
        self.server.settimeout(5)
        self.conn, _ = self.server.accept()
        self.conn.settimeout(5)

    def send(self, payload: bytes) -> None:
        assert self.conn is not None
        self.conn.sendall(struct.pack("!H", len(payload)) + payload)

    def recv(self) -> bytes | None:
        assert self.conn is not None
        head = self.conn.recv(2, socket.MSG_WAITALL)
        if len(head) < 2:
            return None
        (n,) = struct.unpack("!H", head)
        return self.conn.recv(n, socket.MSG_WAITALL)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.server.close()


@pytest.fixture
def vpcd() -> Iterator[FakeVpcd]:
    fake = FakeVpcd()
    yield fake
    fake.close()


def test_protocol(vpcd: FakeVpcd, fresh_world: World) -> None:
    with VirtualReader(port=vpcd.port, world=fresh_world.root) as reader:
        reader.insert("shiken-ichiro")
        vpcd.accept()
        vpcd.send(b"\x04")
        assert vpcd.recv() == ATR
        vpcd.send(b"\x01")  # power on: no answer
        vpcd.send(bytes.fromhex("00A4040C0AD392F000260100000001"))
        assert vpcd.recv() == b"\x90\x00"
        vpcd.send(bytes.fromhex("00CA010000"))
        assert vpcd.recv() == b"\x6d\x00"
        assert reader.status()["present"] and reader.status()["apdus"] == 2


def test_pull_after_closes_link_without_answer(vpcd: FakeVpcd, fresh_world: World) -> None:
    with VirtualReader(port=vpcd.port, world=fresh_world.root) as reader:
        reader.insert("shiken-ichiro")
        vpcd.accept()
        reader.pull_after(2)
        vpcd.send(bytes.fromhex("00A4040C0AD392F000260100000001"))
        assert vpcd.recv() == b"\x90\x00"
        vpcd.send(bytes.fromhex("00A4020C02000A"))
        assert vpcd.recv() is None
        assert reader.status()["present"] is False
        assert reader.status()["last_event"] == "pulled"
        assert vr._needs_bounce.get(("127.0.0.1", vpcd.port))


def test_card_after_pull_bounces_once(vpcd: FakeVpcd, fresh_world: World) -> None:
    vr._needs_bounce[("127.0.0.1", vpcd.port)] = True
    with VirtualReader(port=vpcd.port, world=fresh_world.root) as reader:
        done = threading.Thread(target=reader.insert, args=("shiken-ichiro",))
        done.start()
        vpcd.accept()  # the bounce: first poll goes unanswered, link closed
        vpcd.send(b"\x04")
        assert vpcd.recv() is None and vpcd.conn is not None
        vpcd.conn.close()
        vpcd.accept()  # the card proper
        done.join(5)
        vpcd.send(b"\x04")
        assert vpcd.recv() == ATR


def test_remove_and_persona_errors(vpcd: FakeVpcd, fresh_world: World) -> None:
    with VirtualReader(port=vpcd.port, world=fresh_world.root) as reader:
        with pytest.raises(ValueError):
            reader.insert("nobody")
        with pytest.raises(ValueError):
            reader.pull_after(1)
        reader.insert(fresh_world.card_path("shiken-ichiro"))
        vpcd.accept()
        reader.remove()
        assert vpcd.recv() is None
        assert reader.status()["present"] is False


def test_lock_persists(vpcd: FakeVpcd, fresh_world: World) -> None:
    with VirtualReader(port=vpcd.port, world=fresh_world.root) as reader:
        reader.insert("shiken-ichiro")
        vpcd.accept()
        reader.lock()
        assert reader.status()["tries_left"] == 0
    assert '"tries_left": 0' in fresh_world.card_path("shiken-ichiro").read_text()


def test_no_vpcd(fresh_world: World) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reader = VirtualReader(port=port, world=fresh_world.root, connect_timeout=0.2)
    with pytest.raises(ConnectionError):
        reader.insert("shiken-ichiro")


def test_control_socket(vpcd: FakeVpcd, fresh_world: World, tmp_path: Path) -> None:
    path = tmp_path / "ctl.sock"
    with VirtualReader(port=vpcd.port, world=fresh_world.root) as reader:
        server = ControlServer(reader, path).start()
        try:
            accepted = threading.Thread(target=vpcd.accept)
            accepted.start()
            reply = control({"cmd": "insert", "persona": "shiken-hanako"}, path)
            accepted.join(5)
            assert reply["ok"] and reply["status"]["persona"] == "shiken-hanako"
            assert control({"cmd": "pull-after", "n": 3}, path)["status"]["pull_after"] == 3
            assert control({"cmd": "bogus"}, path)["ok"] is False
            assert control({"cmd": "remove"}, path)["status"]["present"] is False
            assert vr.main(["--control", str(path), "status", "--json"]) == 0
            assert vr.main(["--control", str(path), "insert", "nobody"]) == 1
            with pytest.raises(RuntimeError):
                ControlServer(reader, path)  # one server per socket
        finally:
            server.close()
    assert not path.exists()
    assert vr.main(["--control", str(path), "status"]) == 2
