"""The card layer through real pcscd + vpcd + the virtual card (marked ``pcscd``)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from hardware_mocks.services.pcscd import Pcscd
from hardware_mocks.vreader import VirtualReader
from hardware_mocks.world import World
from kiosk.card.errors import CardRemoved, PinLocked, ReaderGone, WrongPin
from kiosk.card.jpki import JpkiCard
from kiosk.card.reader import PcscReader, open_reader
from kiosk.card.watcher import CardWatcher
from kiosk.config import Config, Mode
from tests.fixtures.pcscd import wait_presence

pytestmark = pytest.mark.pcscd

Insert = Callable[[str], PcscReader]


def test_read_verify_sign(pcsc_card: Insert) -> None:
    reader = pcsc_card("shiken-ichiro")
    assert reader.atr() == bytes.fromhex("3BE000FF8131FE4514")
    with reader.connect() as transport:
        card = JpkiCard(transport)
        card.select_ap()
        cert = card.read_auth_certificate()
        assert card.tries_left() == 3
        card.verify_pin(bytearray(b"1234"))
        sig = card.sign_sha256(b"session challenge")
        key = cert.public_key()
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(sig, b"session challenge", padding.PKCS1v15(), hashes.SHA256())
        assert card.apdus == 8


def test_policy_factory_finds_virtual_reader_in_test_mode(pcscd: Pcscd) -> None:
    assert open_reader(Config(mode=Mode.TEST)).name == pcscd.reader


def test_lock_survives_reader_restart(pcscd: Pcscd, fresh_world: World, pcsc_card: Insert,
                                      vreader: VirtualReader) -> None:
    reader = pcsc_card("shiken-hanako")
    with reader.connect() as transport:
        card = JpkiCard(transport)
        for expected in (2, 1):
            with pytest.raises(WrongPin) as info:
                card.verify_pin(bytearray(b"0000"))
            assert info.value.tries_left == expected
        with pytest.raises(PinLocked):
            card.verify_pin(bytearray(b"0000"))
    vreader.close()
    wait_presence(pcscd.reader, False)
    assert pcscd.port is not None  # set by start()
    with VirtualReader(port=pcscd.port, world=fresh_world.root) as restarted:
        restarted.insert("shiken-hanako")
        wait_presence(pcscd.reader, True)
        with PcscReader(pcscd.reader).connect() as transport:
            card = JpkiCard(transport)
            assert card.tries_left() == 0
            with pytest.raises(PinLocked):
                card.verify_pin(bytearray(b"2580"))
        assert restarted.status()["apdus"] == 3  # SELECT AP, SELECT EF, empty VERIFY: no VERIFY with data
    wait_presence(pcscd.reader, False)


@pytest.mark.parametrize("n", range(1, 9))
def test_removal_at_every_apdu(pcsc_card: Insert, vreader: VirtualReader, n: int) -> None:
    reader = pcsc_card("shiken-ichiro")
    transport = reader.connect()
    try:
        vreader.pull_after(n)
        card = JpkiCard(transport)
        with pytest.raises(CardRemoved):
            card.select_ap()
            card.read_auth_certificate()
            card.tries_left()
            card.verify_pin(bytearray(b"1234"))
            card.sign_sha256(b"challenge")
        assert card.apdus == n
    finally:
        transport.close()
    assert vreader.status()["last_event"] == "pulled"


def test_watcher_sees_insert_and_remove(pcscd: Pcscd, vreader: VirtualReader) -> None:
    events: list[str] = []
    changed = threading.Event()

    def note(what: str) -> None:
        events.append(what)
        changed.set()

    with CardWatcher(PcscReader(pcscd.reader), on_insert=lambda atr: note("in"),
                     on_remove=lambda: note("out"), poll=0.2):
        vreader.insert("shiken-ichiro")
        assert changed.wait(10)
        changed.clear()
        vreader.remove()
        assert changed.wait(10)
    assert events == ["in", "out"]


def test_no_card(pcscd: Pcscd) -> None:
    with pytest.raises(CardRemoved):
        PcscReader(pcscd.reader).connect()


def test_swapped_card_makes_handle_stale(pcsc_card: Insert, vreader: VirtualReader,
                                         pcscd: Pcscd) -> None:
    reader = pcsc_card("shiken-ichiro")
    with reader.connect() as transport:
        card = JpkiCard(transport)
        card.select_ap()
        vreader.insert("shiken-hanako")
        wait_presence(pcscd.reader, True)
        with pytest.raises(CardRemoved):
            card.select_ap()


def test_pcscd_restart_gives_reader_gone(pcsc_card: Insert, pcscd: Pcscd) -> None:
    reader = pcsc_card("shiken-ichiro")
    gone = threading.Event()
    watcher = CardWatcher(reader, on_insert=lambda atr: None, on_remove=lambda: None,
                          on_gone=lambda exc: gone.set(), poll=0.2, retry=0.1)
    with watcher, reader.connect() as transport:
        card = JpkiCard(transport)
        card.select_ap()
        pcscd.restart()
        with pytest.raises(ReaderGone):
            card.select_ap()
        assert gone.wait(10)
    assert reader.card_present() is False  # the new pcscd has an empty vpcd slot
