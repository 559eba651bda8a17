"""A virtual My Number card at the APDU level, answering the commands the kiosk and OpenSC's
``jpki`` driver send (the JPKI application's AIDs and files are listed in ``kiosk/card/jpki.py``).

``VirtualCard(card_file).process(apdu) -> bytes`` answers as a real card does: the JPKI AP
and the card-info input support AP (券面事項入力補助AP), ``6A82`` to unknown AIDs and EFs,
``6D00`` to unknown instructions, short, extended and offset (chained) READ BINARY,
per-PIN try counters written back to the card file at every change (so a lock survives a
restart), ``63Cx`` then ``6984`` at lockout, signing only after VERIFY, and all security
state dropped on reset or on any SELECT of an application.

For tests and demos only: the keys and PINs sit in the card file in clear.
"""

from __future__ import annotations

import hmac
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

JPKI_AID = bytes.fromhex("D392F000260100000001")
KENHOJO_AID = bytes.fromhex("D3921000310001010408")

OK = b"\x90\x00"
WRONG_LENGTH = b"\x67\x00"
SECURITY_NOT_SATISFIED = b"\x69\x82"
PIN_BLOCKED = b"\x69\x84"
NOT_ALLOWED = b"\x69\x86"
NOT_FOUND = b"\x6a\x82"
WRONG_P1P2 = b"\x6a\x86"
WRONG_OFFSET = b"\x6b\x00"
INS_UNKNOWN = b"\x6d\x00"
CLA_UNKNOWN = b"\x6e\x00"


class _BadLength(Exception):
    pass


@dataclass(frozen=True)
class Command:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes | bytearray | memoryview
    le: int | None  # bytes expected; 256 / 65536 for a zero Le


def parse(apdu: bytes | bytearray | memoryview) -> Command:
    """Decode ISO 7816-4 cases 1–4, short and extended; raise ``_BadLength`` otherwise."""
    n = len(apdu)
    if n < 4:
        raise _BadLength
    cla, ins, p1, p2 = apdu[0], apdu[1], apdu[2], apdu[3]
    if n == 4:
        return Command(cla, ins, p1, p2, b"", None)
    if n == 5:
        return Command(cla, ins, p1, p2, b"", apdu[4] or 256)
    if apdu[4] != 0:
        lc = apdu[4]
        if n == 5 + lc:
            return Command(cla, ins, p1, p2, apdu[5:], None)
        if n == 6 + lc:
            return Command(cla, ins, p1, p2, apdu[5:-1], apdu[-1] or 256)
        raise _BadLength
    if n == 7:
        return Command(cla, ins, p1, p2, b"", int.from_bytes(apdu[5:7], "big") or 65536)
    lc = int.from_bytes(apdu[5:7], "big")
    if lc == 0:
        raise _BadLength
    if n == 7 + lc:
        return Command(cla, ins, p1, p2, apdu[7:], None)
    if n == 9 + lc:
        return Command(cla, ins, p1, p2, apdu[7:-2], int.from_bytes(apdu[-2:], "big") or 65536)
    raise _BadLength


@dataclass
class _Pin:
    key: str  # section of the card file holding "pin", "tries_left", "max_tries"


@dataclass
class _Key:
    key: str  # section of the card file holding "key_pem"
    pin_ef: int


@dataclass
class _Binary:
    content: bytes
    pin_ef: int | None = None  # PIN that must be verified before reading


def _kenhojo_my_number(number: str) -> bytes:
    return b"\x10\x01\x0c" + number.encode("ascii") + b"\x00\x00"


def _tlv(tag: bytes, value: bytes) -> bytes:
    n = len(value)
    if n < 0x80:
        length = bytes((n,))
    elif n < 0x100:
        length = b"\x81" + bytes((n,))
    else:
        length = b"\x82" + n.to_bytes(2, "big")
    return tag + length + value


def _kenhojo_basic4(info: dict[str, Any]) -> bytes:
    fields = [
        _tlv(b"\xdf\x22", info["name"].encode("utf-8")),
        _tlv(b"\xdf\x23", info["address"].encode("utf-8")),
        _tlv(b"\xdf\x24", info["birth_date"].encode("ascii")),
        _tlv(b"\xdf\x25", info["sex"].encode("ascii")),
    ]
    offsets, pos = b"", 0
    header_len = 3 + 2 * len(fields)
    for f in fields:
        offsets += (header_len + pos).to_bytes(2, "big")
        pos += len(f)
    return _tlv(b"\xff\x20", _tlv(b"\xdf\x21", offsets) + b"".join(fields))


class VirtualCard:
    """One card, backed by ``cards/<persona>.json`` of a test world. Thread-safe."""

    def __init__(self, card_file: Path) -> None:
        self.path = Path(card_file)
        self._lock = threading.RLock()
        self._data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        self.atr = bytes.fromhex(self._data["atr"])
        self.persona = str(self._data.get("persona", self.path.stem))
        d = self._data
        token = b"JPKIAPICCTOKEN2".ljust(32, b" ")
        self._apps: dict[bytes, dict[int, Any]] = {
            JPKI_AID: {
                0x0001: _Binary(bytes.fromhex(d["sign"]["cert_der"]), pin_ef=0x001B),
                0x0002: _Binary(bytes.fromhex(d["sign_ca_der"])),
                0x0006: _Binary(token),
                0x0008: _Binary(b"\x8f\x8f\x00"),
                0x000A: _Binary(bytes.fromhex(d["auth"]["cert_der"])),
                0x000B: _Binary(bytes.fromhex(d["auth_ca_der"])),
                0x0017: _Key("auth", pin_ef=0x0018),
                0x0018: _Pin("auth"),
                0x001A: _Key("sign", pin_ef=0x001B),
                0x001B: _Pin("sign"),
            },
        }
        if "kenhojo" in d:
            self._apps[KENHOJO_AID] = {
                0x0001: _Binary(_kenhojo_my_number(d["kenhojo"]["my_number"]), pin_ef=0x0011),
                0x0002: _Binary(_kenhojo_basic4(d["kenhojo"]), pin_ef=0x0011),
                0x0011: _Pin("kenhojo"),
            }
        self._keys: dict[str, rsa.RSAPrivateKey] = {}
        self._app: bytes | None = None
        self._ef: int | None = None
        self._verified: set[int] = set()
        self.commands = 0

    # -- state -----------------------------------------------------------------------
    def reset(self) -> None:
        """Power cycle: no application, no current EF, no verified PIN."""
        with self._lock:
            self._app = None
            self._ef = None
            self._verified.clear()

    def tries_left(self, pin: str = "auth") -> int:
        with self._lock:
            return int(self._data[pin]["tries_left"])

    def set_tries(self, pin: str, tries: int) -> None:
        """Tester's helper (e.g. lock a card): set a counter and persist it."""
        with self._lock:
            self._data[pin]["tries_left"] = max(0, min(tries, int(self._data[pin]["max_tries"])))
            self._save()

    def _save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        text = json.dumps(self._data, ensure_ascii=False, indent=1) + "\n"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    # -- dispatch --------------------------------------------------------------------
    def process(self, apdu: bytes | bytearray) -> bytes:
        # Parsed through a memoryview: the command data (a PIN, for VERIFY) is never
        # copied out of the caller's buffer, which the caller zeroes.
        with self._lock, memoryview(apdu) as view:
            self.commands += 1
            try:
                cmd = parse(view)
            except _BadLength:
                return WRONG_LENGTH
            try:
                return self._dispatch(cmd)
            finally:
                if isinstance(cmd.data, memoryview):
                    cmd.data.release()  # the caller's buffer may be resized again

    def _dispatch(self, cmd: Command) -> bytes:
        if cmd.cla == 0x80 and cmd.ins == 0x2A:
            return self._sign(cmd)
        if cmd.cla & 0xF0 not in (0x00,):
            return CLA_UNKNOWN if cmd.cla != 0x80 else INS_UNKNOWN
        handler = {0xA4: self._select, 0xB0: self._read_binary, 0x20: self._verify}.get(cmd.ins)
        if handler is None:
            return INS_UNKNOWN
        return handler(cmd)

    def _select(self, cmd: Command) -> bytes:
        if cmd.p1 == 0x04:
            if cmd.p2 not in (0x0C, 0x00):
                return WRONG_P1P2
            aid = bytes(cmd.data)
            if aid not in self._apps:
                return NOT_FOUND
            self._app = aid
            self._ef = None
            self._verified.clear()
            return OK
        if cmd.p1 == 0x02:
            if cmd.p2 not in (0x0C, 0x00):
                return WRONG_P1P2
            if len(cmd.data) != 2:
                return WRONG_LENGTH
            if self._app is None:
                return NOT_FOUND
            fid = int.from_bytes(cmd.data, "big")
            if fid not in self._apps[self._app]:
                return NOT_FOUND
            self._ef = fid
            return OK
        if cmd.p1 in (0x00, 0x01, 0x08, 0x09):
            return NOT_FOUND
        return WRONG_P1P2

    def _files(self) -> dict[int, Any]:
        return self._apps[self._app] if self._app is not None else {}

    def _read_binary(self, cmd: Command) -> bytes:
        fid: int | None
        if cmd.p1 & 0x80:
            if cmd.p1 & 0x60:
                return WRONG_P1P2
            fid, offset = cmd.p1 & 0x1F, cmd.p2
            if fid not in self._files():
                return NOT_FOUND
            self._ef = fid
        else:
            fid, offset = self._ef, (cmd.p1 << 8) | cmd.p2
            if fid is None:
                return NOT_ALLOWED
        ef = self._files()[fid]
        if not isinstance(ef, _Binary):
            return NOT_ALLOWED if isinstance(ef, _Pin) else SECURITY_NOT_SATISFIED
        if ef.pin_ef is not None and ef.pin_ef not in self._verified:
            return SECURITY_NOT_SATISFIED
        if cmd.le is None:
            return WRONG_LENGTH
        if offset > len(ef.content):
            return WRONG_OFFSET
        return ef.content[offset : offset + cmd.le] + OK

    def _pin_ef(self, p2: int) -> int | None:
        if p2 == 0x80:
            return self._ef
        if p2 & 0xE0 == 0x80:
            return p2 & 0x1F
        return None

    def _verify(self, cmd: Command) -> bytes:
        if cmd.p1 != 0x00:
            return WRONG_P1P2
        fid = self._pin_ef(cmd.p2)
        if fid is None or not isinstance(self._files().get(fid), _Pin):
            return NOT_ALLOWED if cmd.p2 == 0x80 else NOT_FOUND
        section = self._data[self._files()[fid].key]
        tries = int(section["tries_left"])
        if not cmd.data:
            return bytes((0x63, 0xC0 | min(tries, 15)))
        if tries == 0:
            return PIN_BLOCKED
        if hmac.compare_digest(cmd.data, section["pin"].encode("ascii")):
            if tries != int(section["max_tries"]):
                section["tries_left"] = int(section["max_tries"])
                self._save()
            self._verified.add(fid)
            return OK
        self._verified.discard(fid)
        section["tries_left"] = tries - 1
        self._save()
        return bytes((0x63, 0xC0 | (tries - 1)))

    def _sign(self, cmd: Command) -> bytes:
        if cmd.p1 != 0x00:
            return WRONG_P1P2
        fid = self._pin_ef(cmd.p2)
        key_ef = self._files().get(fid) if fid is not None else None
        if not isinstance(key_ef, _Key):
            return NOT_ALLOWED
        if key_ef.pin_ef not in self._verified:
            return SECURITY_NOT_SATISFIED
        if not 0 < len(cmd.data) <= 256 - 11:
            return WRONG_LENGTH
        return self._rsa_private(key_ef.key, bytes(cmd.data)) + OK

    def _rsa_private(self, which: str, data: bytes) -> bytes:
        """PKCS#1 v1.5 type 1 padding of ``data`` as sent, then the raw RSA operation."""
        key = self._keys.get(which)
        if key is None:
            loaded = serialization.load_pem_private_key(
                self._data[which]["key_pem"].encode("ascii"), None)
            assert isinstance(loaded, rsa.RSAPrivateKey)
            key = self._keys[which] = loaded
        numbers = key.private_numbers()
        k = (numbers.public_numbers.n.bit_length() + 7) // 8
        block = b"\x00\x01" + b"\xff" * (k - 3 - len(data)) + b"\x00" + data
        m = int.from_bytes(block, "big")
        s1 = pow(m, numbers.dmp1, numbers.p)
        s2 = pow(m, numbers.dmq1, numbers.q)
        h = (numbers.iqmp * (s1 - s2)) % numbers.p
        return (s2 + h * numbers.q).to_bytes(k, "big")
