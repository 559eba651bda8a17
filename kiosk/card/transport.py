"""The transport port: one APDU in, data and status word out.

Adapters: :class:`PcscTransport` (pyscard, through pcscd to a real or vpcd reader) here,
and ``hardware_mocks.inprocess_reader.InProcessTransport`` straight into an in-process card. Both log
every APDU at :data:`TRAFFIC` (below DEBUG, off unless asked for: the session worker's
log at that level, ``WorkerSpec.log_level``) with the data of VERIFY and CHANGE
REFERENCE DATA redacted: the PIN must never reach a log.
"""

from __future__ import annotations

import logging
from typing import Protocol

from smartcard import scard

from kiosk.card.apdu import split_response, sw_name
from kiosk.card.errors import CardLayerError, CardRemoved, ReaderGone
from protocol.log import event

#: Log level of the APDU trace: below DEBUG so that turning on debug logs does not show it.
TRAFFIC = 5
logging.addLevelName(TRAFFIC, "TRAFFIC")
trace_log = logging.getLogger("kiosk.card.apdu")

_SECRET_INS = {0x20, 0x24, 0x2C}  # VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER
_TRACE_DATA_HEX = 48


class Transport(Protocol):
    """Send one C-APDU; get the response data and the status word (``sw1 << 8 | sw2``)."""

    def transmit(self, apdu: bytes | bytearray) -> tuple[bytes, int]: ...

    def close(self) -> None: ...


def redacted(apdu: bytes | bytearray) -> str:
    """Trace text of a command: header, then data hex (shortened), secrets replaced."""
    header = bytes(apdu[:4]).hex().upper()
    if len(apdu) <= 4:
        return header
    if len(apdu) > 1 and apdu[1] in _SECRET_INS:
        return f"{header}:redacted"
    body = bytes(apdu[4 : 4 + _TRACE_DATA_HEX // 2]).hex().upper()
    return f"{header}:{body}" + ("+" if len(apdu) > 4 + _TRACE_DATA_HEX // 2 else "")


def trace(reader: str, apdu: bytes | bytearray, data: bytes | None, sw: int | None) -> None:
    if trace_log.isEnabledFor(TRAFFIC):
        event(trace_log, "card.apdu", level=TRAFFIC, reader=_safe_reader(reader),
              apdu=redacted(apdu), len=None if data is None else len(data),
              sw=None if sw is None else sw_name(sw))


def _safe_reader(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:60]


#: PC/SC results meaning the card went away (or was reset under us: the session is over).
_CARD_GONE = {
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_RESET_CARD,
    scard.SCARD_W_UNPOWERED_CARD,
    scard.SCARD_W_UNRESPONSIVE_CARD,
    scard.SCARD_E_NOT_TRANSACTED,
    scard.SCARD_E_PROTO_MISMATCH,
}


_REMOVED = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_RESET_CARD}


def pcsc_error(hresult: int, where: str) -> CardLayerError:
    """Translate a PC/SC failure into the domain error the session can act on."""
    if hresult in _CARD_GONE:
        return CardRemoved()
    if hresult == scard.SCARD_E_SHARING_VIOLATION:
        return ReaderGone("card in use by another program")
    return ReaderGone(f"{where}: PC/SC error {hresult & 0xFFFFFFFF:08X}")


_FEATURE_GET_TLV_PROPERTIES = 0x12
_PROPERTY_MAX_APDU_DATA_SIZE = 10


def parse_tlv_properties(raw: bytes, tag: int) -> int | None:
    """Value of ``tag`` in a PC/SC part 10 TLV property list (little-endian integers)."""
    i = 0
    while i + 2 <= len(raw):
        t, n = raw[i], raw[i + 1]
        value = raw[i + 2 : i + 2 + n]
        if len(value) < n:
            return None
        if t == tag:
            return int.from_bytes(value, "little")
        i += 2 + n
    return None


def parse_features(raw: bytes, feature: int) -> int | None:
    """Control code of ``feature`` in a GET_FEATURE_REQUEST answer (big-endian codes)."""
    for i in range(0, len(raw) - 5, 6):
        if raw[i] == feature and raw[i + 1] == 4:
            return int.from_bytes(raw[i + 2 : i + 6], "big")
    return None


def _is_extended(apdu: bytes | bytearray) -> bool:
    return len(apdu) >= 7 and apdu[4] == 0


class PcscTransport:
    """A connected PC/SC card handle (pyscard's ``scard`` layer, no hidden retries).

    ``close()`` resets the card so that a verified PIN cannot outlive the session.
    ``extended_apdus`` is what the reader declares about extended-length APDUs (PC/SC
    part 10 ``dwMaxAPDUDataSize``): True, False, or None when its driver does not say
    (Debian 12's vpcd). When not declared supported, a reader's refusal of an extended
    APDU while the card is still there comes back as SW ``6700`` (what a card without
    extended length answers), so that ``JpkiCard`` falls back to short reads.
    """

    def __init__(self, reader: str, exclusive: bool = True) -> None:
        self.reader = reader
        hresult, self._context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderGone("PC/SC service unavailable")
        share = scard.SCARD_SHARE_EXCLUSIVE if exclusive else scard.SCARD_SHARE_SHARED
        hresult, self._card, self._protocol = scard.SCardConnect(
            self._context, reader, share, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if hresult != scard.SCARD_S_SUCCESS:
            scard.SCardReleaseContext(self._context)
            self._card = None
            raise pcsc_error(hresult, "connect")
        size = self._max_apdu_data_size()
        self.extended_apdus: bool | None = None if size is None else size >= 0x100

    def _max_apdu_data_size(self) -> int | None:
        hresult, features = scard.SCardControl(self._card, scard.SCARD_CTL_CODE(3400), [])
        if hresult != scard.SCARD_S_SUCCESS:
            return None
        code = parse_features(bytes(features), _FEATURE_GET_TLV_PROPERTIES)
        if code is None:
            return None
        hresult, props = scard.SCardControl(self._card, code, [])
        if hresult != scard.SCARD_S_SUCCESS:
            return None
        return parse_tlv_properties(bytes(props), _PROPERTY_MAX_APDU_DATA_SIZE)

    def transmit(self, apdu: bytes | bytearray) -> tuple[bytes, int]:
        if self._card is None:
            raise CardRemoved()
        # pyscard wants a list of ints: a copy that may hold the PIN (VERIFY), so it is
        # cleared however the call ends.
        ints = list(apdu)
        try:
            hresult, response = scard.SCardTransmit(self._card, self._protocol, ints)
        finally:
            ints[:] = bytes(len(ints))  # overwrite the item pointers, then let go of them
            del ints[:]
        if hresult != scard.SCARD_S_SUCCESS:
            trace(self.reader, apdu, None, None)
            if (_is_extended(apdu) and self.extended_apdus is not True
                    and hresult not in _REMOVED and self._card_still_there()):
                return b"", 0x6700
            raise pcsc_error(hresult, "transmit")
        if len(response) < 2:
            # No status word: the reader lost the card mid-command (vpcd reports a pulled
            # virtual card this way; a working card always answers SW1 SW2).
            trace(self.reader, apdu, None, None)
            raise CardRemoved()
        data, sw = split_response(bytes(response))
        trace(self.reader, apdu, data, sw)
        return data, sw

    def _card_still_there(self) -> bool:
        hresult, *_ = scard.SCardStatus(self._card)
        return bool(hresult == scard.SCARD_S_SUCCESS)

    def atr(self) -> bytes:
        if self._card is None:
            raise CardRemoved()
        hresult, _reader, _state, _protocol, atr = scard.SCardStatus(self._card)
        if hresult != scard.SCARD_S_SUCCESS:
            raise pcsc_error(hresult, "status")
        return bytes(atr)

    def close(self) -> None:
        if self._card is not None:
            scard.SCardDisconnect(self._card, scard.SCARD_RESET_CARD)
            self._card = None
            scard.SCardReleaseContext(self._context)

    def __enter__(self) -> PcscTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
