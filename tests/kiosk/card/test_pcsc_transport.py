"""PcscTransport's translation of PC/SC results, with pyscard's scard layer scripted."""

from __future__ import annotations

from typing import Any

import pytest
from smartcard import scard

from kiosk.card import transport as tr
from kiosk.card.errors import CardRemoved, ReaderGone
from kiosk.card.jpki import JpkiCard

OK = scard.SCARD_S_SUCCESS
FEATURES = bytes([0x12, 4]) + (0x42330012).to_bytes(4, "big")
PROPS = bytes([1, 2, 0, 0, 10, 4]) + (0x10000).to_bytes(4, "little")


class FakeScard:
    def __init__(self, control: dict[int, tuple[int, bytes]] | None = None) -> None:
        self.control = control or {}
        self.transmit: list[tuple[int, list[int]]] = []
        self.sent: list[bytes] = []
        self.status = OK
        self.disconnected: list[int] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        fake: Any = self
        monkeypatch.setattr(scard, "SCardEstablishContext", lambda scope: (OK, 1))
        monkeypatch.setattr(scard, "SCardReleaseContext", lambda ctx: OK)
        monkeypatch.setattr(scard, "SCardConnect", lambda *a: (OK, 2, scard.SCARD_PROTOCOL_T1))
        monkeypatch.setattr(scard, "SCardControl",
                            lambda card, code, data: fake.control.get(code, (scard.SCARD_E_UNSUPPORTED_FEATURE, b"")))
        monkeypatch.setattr(scard, "SCardStatus", lambda card: (fake.status, "r", 0, 0, []))
        monkeypatch.setattr(scard, "SCardDisconnect", lambda card, how: fake.disconnected.append(how))
        monkeypatch.setattr(scard, "SCardTransmit", fake._transmit)

    def _transmit(self, card: int, proto: int, apdu: list[int]) -> tuple[int, list[int]]:
        self.sent.append(bytes(apdu))
        return self.transmit.pop(0)


def test_declared_extended_support(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeScard({scard.SCARD_CTL_CODE(3400): (OK, FEATURES), 0x42330012: (OK, PROPS)})
    fake.install(monkeypatch)
    t = tr.PcscTransport("ACS")
    assert t.extended_apdus is True
    assert JpkiCard(t).extended is True


def test_undeclared_reader_refusing_extended_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeScard()
    fake.install(monkeypatch)
    t = tr.PcscTransport("Old reader")
    assert t.extended_apdus is None
    fake.transmit = [(OK, [0x90, 0x00]), (scard.SCARD_E_NOT_TRANSACTED, []),
                     (OK, [0x30, 0x03, 0x02, 0x01, 0x05, 0x90, 0x00])]
    card = JpkiCard(t)
    card._selected = True
    card._select_ef(0x000A)
    assert card._read(0, 0x10000) == bytes.fromhex("3003020105")
    assert card.extended is False
    assert fake.sent[1:] == [bytes.fromhex("00B00000000000"), bytes.fromhex("00B0000000")]


def test_failure_with_card_gone_is_card_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeScard()
    fake.install(monkeypatch)
    t = tr.PcscTransport("r")
    fake.status = scard.SCARD_W_REMOVED_CARD
    fake.transmit = [(scard.SCARD_E_NOT_TRANSACTED, [])]
    with pytest.raises(CardRemoved):
        t.transmit(bytes.fromhex("00B00000000000"))


@pytest.mark.parametrize("hresult,error", [
    (scard.SCARD_W_REMOVED_CARD, CardRemoved), (scard.SCARD_E_NO_SMARTCARD, CardRemoved),
    (scard.SCARD_W_RESET_CARD, CardRemoved), (scard.SCARD_E_READER_UNAVAILABLE, ReaderGone),
    (scard.SCARD_E_NO_SERVICE, ReaderGone), (scard.SCARD_E_SHARING_VIOLATION, ReaderGone)])
def test_errors(monkeypatch: pytest.MonkeyPatch, hresult: int, error: type[Exception]) -> None:
    fake = FakeScard()
    fake.install(monkeypatch)
    t = tr.PcscTransport("r")
    fake.transmit = [(hresult, [])]
    with pytest.raises(error):
        t.transmit(bytes.fromhex("00A4040C0AD392F000260100000001"))


def test_short_reply_is_card_removed_and_close_resets(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeScard()
    fake.install(monkeypatch)
    t = tr.PcscTransport("r")
    fake.transmit = [(OK, [])]
    with pytest.raises(CardRemoved):
        t.transmit(b"\x00\xa4\x04\x0c")
    t.close()
    t.close()
    assert fake.disconnected == [scard.SCARD_RESET_CARD]
    with pytest.raises(CardRemoved):
        t.transmit(b"\x00\xa4\x04\x0c")


def test_tlv_parsers() -> None:
    assert tr.parse_tlv_properties(PROPS, 10) == 0x10000
    assert tr.parse_tlv_properties(PROPS[:-1], 10) is None
    assert tr.parse_tlv_properties(b"", 10) is None
    assert tr.parse_features(FEATURES, 0x12) == 0x42330012
    assert tr.parse_features(b"\x13\x04abcd", 0x12) is None


def test_verify_pin_copy_for_pyscard_is_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeScard()
    fake.install(monkeypatch)
    handed: list[list[int]] = []
    during: list[bytes] = []

    def transmit(card: int, proto: int, apdu: list[int]) -> tuple[int, list[int]]:
        handed.append(apdu)
        during.append(bytes(apdu))
        return fake.transmit.pop(0)

    monkeypatch.setattr(scard, "SCardTransmit", transmit)
    fake.transmit = [(OK, [0x90, 0x00]), (OK, [0x90, 0x00]), (OK, [0x63, 0xC3]),
                     (OK, [0x90, 0x00])]
    JpkiCard(tr.PcscTransport("r")).verify_pin(bytearray(b"1234"))
    assert during[-1] == bytes.fromhex("002000800431323334")  # the list did hold the PIN
    assert handed and all(lst == [] for lst in handed)


def test_pyscard_copy_is_cleared_when_transmit_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeScard()
    fake.install(monkeypatch)
    handed: list[list[int]] = []

    def transmit(card: int, proto: int, apdu: list[int]) -> tuple[int, list[int]]:
        handed.append(apdu)
        raise TypeError("pyscard refused the call")

    monkeypatch.setattr(scard, "SCardTransmit", transmit)
    with pytest.raises(TypeError):
        tr.PcscTransport("r").transmit(bytearray(bytes.fromhex("002000800431323334")))
    assert handed == [[]]
