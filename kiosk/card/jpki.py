"""The JPKI application (公的個人認証AP) of the My Number card, as the kiosk uses it.

Only the user-authentication side: its certificate (EF 000A), its 4-digit PIN (EF 0018,
3 tries) and its key (EF 0017). The APDUs are ISO/IEC 7816-4 commands: SELECT by AID
(the application) and by file id (each EF), READ BINARY, GET RESPONSE, VERIFY (also
without data, to read the tries left), and the card's proprietary COMPUTE DIGITAL SIGNATURE (CLA 80, INS
2A) over a DigestInfo. The kiosk rules live here, not in the UI: VERIFY is never sent
when no try is left, a PIN is never retried, and the PIN buffer is zeroed whatever
happens.
"""

from __future__ import annotations

import hashlib
import logging

from cryptography import x509

from kiosk.card.apdu import SW, command, der_total_length, retries_from_sw
from kiosk.card.errors import CardError, MalformedResponse, NotAMyNumberCard, PinLocked, WrongPin
from kiosk.card.transport import Transport
from protocol.log import event
from protocol.sensitive import zero

log = logging.getLogger(__name__)

JPKI_AID = bytes.fromhex("D392F000260100000001")
EF_AUTH_CERT = 0x000A
EF_AUTH_KEY = 0x0017
EF_AUTH_PIN = 0x0018
AUTH_PIN_LENGTH = 4
AUTH_PIN_MAX_TRIES = 3
#: DER prefix of a SHA-256 DigestInfo; the card adds only the PKCS#1 v1.5 padding.
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
MAX_SIGN_INPUT = 256 - 11
MAX_CERTIFICATE = 8192
_MAX_GET_RESPONSE = 64


class JpkiCard:
    """Commands to the JPKI AP over one transport handle.

    The first certificate read asks for the whole EF in one extended READ BINARY; a card
    or reader that refuses extended APDUs (``67xx``/``6Cxx``) is then read in 256-byte
    chunks. ``apdus`` counts the commands sent, for tests and benchmarks.
    """

    def __init__(self, transport: Transport, extended: bool | None = None) -> None:
        self.transport = transport
        if extended is None:  # a transport may know its reader has no extended length
            extended = getattr(transport, "extended_apdus", True) is not False
        self.extended = extended
        self.apdus = 0
        self._selected = False
        self._ef: int | None = None
        self._tries: int | None = None

    # -- APDU plumbing ---------------------------------------------------------------
    def _send(self, apdu: bytes | bytearray) -> tuple[bytes, int]:
        self.apdus += 1
        data, sw = self.transport.transmit(apdu)
        if sw >> 8 == 0x6C and len(apdu) == 5 and apdu[1] == 0xB0:
            retry = bytes(apdu[:-1]) + bytes((sw & 0xFF,))
            self.apdus += 1
            data, sw = self.transport.transmit(retry)
        chunks = [data]
        for _ in range(_MAX_GET_RESPONSE):
            if sw >> 8 != 0x61:
                break
            self.apdus += 1
            data, sw = self.transport.transmit(command(0x00, 0xC0, 0x00, 0x00, le=(sw & 0xFF) or 256))
            chunks.append(data)
        return b"".join(chunks), sw

    def select_ap(self) -> None:
        """Select the JPKI AP. Re-selecting drops the card's PIN state and detects a stale
        handle (a removed or swapped card raises ``CardRemoved`` from the transport)."""
        self._selected = False
        self._ef = None
        self._tries = None
        _, sw = self._send(command(0x00, 0xA4, 0x04, 0x0C, JPKI_AID))
        if sw != SW.OK:
            event(log, "card.not_my_number_card", sw=f"{sw:04X}")
            raise NotAMyNumberCard()
        self._selected = True

    def _select_ef(self, fid: int) -> None:
        if not self._selected:
            self.select_ap()
        if self._ef == fid:
            return
        self._ef = None
        _, sw = self._send(command(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")))
        if sw != SW.OK:
            raise CardError(sw, "select EF")
        self._ef = fid

    # -- certificate -----------------------------------------------------------------
    def read_auth_certificate(self) -> x509.Certificate:
        """The user-authentication certificate (readable without PIN)."""
        self._select_ef(EF_AUTH_CERT)
        der = self._read_der()
        try:
            return x509.load_der_x509_certificate(der)
        except ValueError as exc:
            raise MalformedResponse("certificate is not valid DER") from exc

    def _read(self, offset: int, length: int) -> bytes:
        if offset > 0x7FFF:
            raise MalformedResponse("offset beyond READ BINARY range")
        p1, p2 = offset >> 8, offset & 0xFF
        if self.extended:
            data, sw = self._send(command(0x00, 0xB0, p1, p2, le=min(length, 0x10000)))
            if sw >> 8 in (0x67, 0x6C) or sw == SW.WRONG_P1P2:
                self.extended = False  # the card or reader has no extended length
            else:
                return self._checked(data, sw)
        data, sw = self._send(command(0x00, 0xB0, p1, p2, le=min(length, 256)))
        return self._checked(data, sw)

    @staticmethod
    def _checked(data: bytes, sw: int) -> bytes:
        if sw not in (SW.OK, SW.END_OF_FILE):
            raise CardError(sw, "read binary")
        return data

    def _read_der(self) -> bytes:
        data = bytearray(self._read(0, 0x10000 if self.extended else 256))
        total = der_total_length(data[:6])
        if total > MAX_CERTIFICATE:
            raise MalformedResponse("certificate length out of range")
        while len(data) < total:
            chunk = self._read(len(data), total - len(data))
            if not chunk:
                raise MalformedResponse("certificate truncated")
            data += chunk
        return bytes(data[:total])

    # -- PIN -------------------------------------------------------------------------
    def tries_left(self) -> int:
        """Tries left on the authentication PIN (an empty VERIFY; does not spend a try)."""
        self._select_ef(EF_AUTH_PIN)
        _, sw = self._send(command(0x00, 0x20, 0x00, 0x80))
        tries = retries_from_sw(sw)
        if tries is None:
            raise CardError(sw, "read tries left")
        self._tries = tries
        return tries

    def verify_pin(self, pin: bytearray) -> None:
        """VERIFY the authentication PIN once. ``pin`` (ASCII digits) is zeroed in all cases.

        Raises ``WrongPin(tries_left)``; ``PinLocked`` when no try is left (then no VERIFY
        is sent at all) or when this wrong PIN used the last try (``just_locked``).

        A PIN that is not 4 ASCII digits raises ``ValueError`` before any APDU is sent: it
        is the caller's bug (the session engine checks the format first), not something
        the card did, so it is deliberately not a ``CardLayerError`` that the session
        would report to the customer as a card fault.
        """
        apdu = bytearray()
        try:
            if len(pin) != AUTH_PIN_LENGTH or not all(0x30 <= b <= 0x39 for b in pin):
                raise ValueError("the PIN must be 4 digits")
            tries = self._tries if self._tries is not None else self.tries_left()
            self._select_ef(EF_AUTH_PIN)
            if tries == 0:
                event(log, "card.pin_refused_locked", tries_left=0)
                raise PinLocked()
            # Sized once, then filled in place: no reallocation leaves a PIN copy behind.
            apdu = bytearray(5 + len(pin))
            apdu[:5] = b"\x00\x20\x00\x80" + bytes((len(pin),))
            apdu[5:] = pin
            zero(pin)
            _, sw = self._send(apdu)
        finally:
            zero(pin)
            zero(apdu)
        if sw == SW.OK:
            self._tries = AUTH_PIN_MAX_TRIES
            event(log, "card.pin_verified", ok=True)
            return
        left = retries_from_sw(sw)
        if left is None:
            raise CardError(sw, "verify")
        self._tries = left
        event(log, "card.pin_verified", ok=False, tries_left=left)
        if sw in (SW.PIN_BLOCKED, SW.AUTH_METHOD_BLOCKED):
            raise PinLocked()
        if left == 0:
            raise PinLocked(just_locked=True)
        raise WrongPin(left)

    # -- signature -------------------------------------------------------------------
    def sign(self, digest_info: bytes) -> bytes:
        """Sign ``digest_info`` with the authentication key (the card pads PKCS#1 v1.5)."""
        if not 0 < len(digest_info) <= MAX_SIGN_INPUT:
            raise ValueError("DigestInfo length out of range")
        self._select_ef(EF_AUTH_KEY)
        data, sw = self._send(command(0x80, 0x2A, 0x00, 0x80, digest_info, le=256))
        if sw != SW.OK:
            raise CardError(sw, "sign")
        if not data:
            raise MalformedResponse("empty signature")
        return data

    def sign_sha256(self, message: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 over ``message``, verifiable with the certificate."""
        return self.sign(SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(message).digest())
