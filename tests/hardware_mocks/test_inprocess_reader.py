"""The whole JPKI flow through the in-process virtual reader, removal, and the APDU trace."""

from __future__ import annotations

import logging
import threading

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from hardware_mocks.vreader import InProcessReader
from hardware_mocks.world import World
from kiosk.card.errors import CardRemoved, NotAMyNumberCard, PinLocked, WrongPin
from kiosk.card.jpki import JpkiCard
from kiosk.card.transport import TRAFFIC
from kiosk.card.watcher import CardWatcher
from protocol.log import EVENT_ATTR


def authenticate(card: JpkiCard, pin: bytes, challenge: bytes = b"challenge") -> bytes:
    card.select_ap()
    cert = card.read_auth_certificate()
    card.tries_left()
    card.verify_pin(bytearray(pin))
    sig = card.sign_sha256(challenge)
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(sig, challenge, padding.PKCS1v15(), hashes.SHA256())
    return sig


def test_full_authentication(world: World) -> None:
    reader = InProcessReader()
    reader.insert(world.card_path("shiken-ichiro"))
    card = JpkiCard(reader.connect())
    authenticate(card, b"1234")
    assert card.apdus == 8


def test_three_wrong_pins_lock(fresh_world: World) -> None:
    reader = InProcessReader()
    reader.insert(fresh_world.card_path("shiken-hanako"))
    card = JpkiCard(reader.connect())
    with pytest.raises(WrongPin) as e1:
        card.verify_pin(bytearray(b"0000"))
    assert e1.value.tries_left == 2
    with pytest.raises(WrongPin):
        card.verify_pin(bytearray(b"0000"))
    with pytest.raises(PinLocked) as e3:
        card.verify_pin(bytearray(b"0000"))
    assert e3.value.just_locked
    reader.insert(fresh_world.card_path("shiken-hanako"))  # reinserted: lock persisted
    card = JpkiCard(reader.connect())
    assert card.tries_left() == 0
    sent_before = reader.commands
    with pytest.raises(PinLocked):
        card.verify_pin(bytearray(b"2580"))
    assert reader.commands == sent_before  # no VERIFY with data sent to a locked card


def test_locked_persona(world: World) -> None:
    reader = InProcessReader()
    reader.insert(world.card_path("mihon-shiro"))
    with pytest.raises(PinLocked):
        JpkiCard(reader.connect()).verify_pin(bytearray(b"1111"))


@pytest.mark.parametrize("n", range(1, 9))
def test_removal_at_every_apdu(fresh_world: World, n: int) -> None:
    reader = InProcessReader()
    reader.insert(fresh_world.card_path("shiken-ichiro"))
    card = JpkiCard(reader.connect())
    reader.pull_after(n)
    with pytest.raises(CardRemoved):
        authenticate(card, b"1234")
    assert not reader.card_present()
    with pytest.raises(CardRemoved):
        reader.connect()


def test_stale_handle_after_swap(world: World) -> None:
    reader = InProcessReader()
    reader.insert(world.card_path("shiken-ichiro"))
    card = JpkiCard(reader.connect())
    card.select_ap()
    reader.insert(world.card_path("shiken-hanako"))
    with pytest.raises(CardRemoved):
        card.select_ap()


def test_foreign_card() -> None:
    class Foreign:
        atr = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")

        def process(self, apdu: bytes | bytearray) -> bytes:
            return b"\x6a\x82"

    reader = InProcessReader()
    reader.insert(Foreign())
    with pytest.raises(NotAMyNumberCard):
        JpkiCard(reader.connect()).select_ap()


def test_trace_redacts_verify(world: World, caplog: pytest.LogCaptureFixture) -> None:
    reader = InProcessReader()
    reader.insert(world.card_path("shiken-ichiro"))
    card = JpkiCard(reader.connect())
    with caplog.at_level(TRAFFIC, logger="kiosk.card.apdu"):
        card.verify_pin(bytearray(b"1234"))
    apdus = [getattr(r, EVENT_ATTR)["apdu"] for r in caplog.records]
    assert "00200080:redacted" in apdus
    assert "00A4040C:0AD392F000260100000001" in apdus
    assert not any("31323334" in a for a in apdus)
    assert all(r.levelno == TRAFFIC < logging.DEBUG for r in caplog.records)


def test_no_trace_at_debug(world: World, caplog: pytest.LogCaptureFixture) -> None:
    reader = InProcessReader()
    reader.insert(world.card_path("shiken-ichiro"))
    with caplog.at_level(logging.DEBUG, logger="kiosk.card.apdu"):
        JpkiCard(reader.connect()).select_ap()
    assert caplog.records == []


def test_watcher_reports_insert_and_remove(world: World) -> None:
    reader = InProcessReader()
    events: list[object] = []
    changed = threading.Event()

    def record(e: object) -> None:
        events.append(e)
        changed.set()

    with CardWatcher(reader, on_insert=lambda atr: record(("in", atr)),
                     on_remove=lambda: record("out"), poll=0.05):
        reader.insert(world.card_path("shiken-ichiro"))
        assert changed.wait(5)
        changed.clear()
        reader.pull_after(1)
        with pytest.raises(CardRemoved):
            reader.connect().transmit(b"\x00\xa4\x04\x0c\x01\x00")
        assert changed.wait(5)
    assert events == [("in", bytes.fromhex("3BE000FF8131FE4514")), "out"]


def test_watcher_reports_card_already_present(world: World) -> None:
    reader = InProcessReader()
    reader.insert(world.card_path("shiken-ichiro"))
    seen = threading.Event()
    with CardWatcher(reader, on_insert=lambda atr: seen.set(), on_remove=lambda: None, poll=0.05):
        assert seen.wait(5)


def test_in_process_transport_over_any_card(world: World) -> None:
    from hardware_mocks.inprocess_reader import InProcessTransport
    from hardware_mocks.vcard import VirtualCard

    transport = InProcessTransport(VirtualCard(world.card_path("shiken-ichiro")))
    card = JpkiCard(transport)
    card.select_ap()
    assert card.tries_left() == 3
    transport.close()
    with pytest.raises(CardRemoved):
        card.select_ap()


def test_inprocess_card_fixture(inprocess_card) -> None:
    reader = inprocess_card("shiken-jiro")
    card = JpkiCard(reader.connect())
    card.verify_pin(bytearray(b"1470"))
    assert len(card.sign_sha256(b"m")) == 256


def test_virtual_card_checks_the_pin_without_copying_it(
        fresh_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The card mock must not leave a PIN copy behind either (canary scans see it)."""
    import hmac

    from hardware_mocks import vcard

    copies: list[object] = []

    class SpyBytes(bytes):
        def __new__(cls, *args: object) -> bytes:  # type: ignore[misc]  # a plain bytes, as ``bytes`` answers
            made = bytes(*args)
            if b"2580" in made:
                copies.append(args)
            return made

    compared: list[type] = []
    real_compare = hmac.compare_digest

    def compare(a: bytes | memoryview, b: bytes | memoryview) -> bool:
        compared.append(type(a))
        return real_compare(a, b)

    card = vcard.VirtualCard(fresh_world.card_path("shiken-ichiro"))
    monkeypatch.setattr(vcard, "bytes", SpyBytes, raising=False)
    monkeypatch.setattr(hmac, "compare_digest", compare)
    for apdu in ("00A4040C0AD392F000260100000001", "00A4020C020018"):
        assert card.process(bytearray.fromhex(apdu))[-2:] == b"\x90\x00"
    for pin, sw in ((b"2580", b"\x63\xc2"), (b"1234", b"\x90\x00")):
        verify = bytearray(bytes.fromhex("0020008004") + pin)
        assert card.process(verify) == sw
        verify.extend(b"\x00")  # no view of the caller's buffer is left behind
        verify[:] = bytes(len(verify))
    assert compared == [memoryview, memoryview]
    assert copies == []
