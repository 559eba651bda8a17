"""What ``kiosk card status`` reports: readers, the card, its certificate and tries left.

Kept apart from the command line so that the diagnostic mode can show the same facts.
Reading status never sends a VERIFY with data and never uses a reader the policy forbids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography import x509

from kiosk.card.errors import CardError, CardLayerError, CardRemoved, NotAMyNumberCard, ReaderGone
from kiosk.card.jpki import JpkiCard
from kiosk.card.reader import PcscReader, allowed, list_pcsc_readers
from kiosk.config import Config


@dataclass
class CertificateInfo:
    serial: str
    issuer: str
    not_before: str
    not_after: str
    valid_now: bool

    @classmethod
    def of(cls, cert: x509.Certificate, now: dt.datetime) -> CertificateInfo:
        nb, na = cert.not_valid_before_utc, cert.not_valid_after_utc
        return cls(serial=f"{cert.serial_number:X}", issuer=cert.issuer.rfc4514_string(),
                   not_before=nb.isoformat(), not_after=na.isoformat(), valid_now=nb <= now <= na)


@dataclass
class CardStatus:
    """``problem`` is a machine keyword: no_pcscd, no_reader, reader_refused, no_card,
    not_my_number_card, card_removed, card_error; ``None`` when everything was read."""

    mode: str
    readers: list[dict[str, Any]] = field(default_factory=list)
    reader: str | None = None
    card_present: bool = False
    atr: str | None = None
    my_number_card: bool | None = None
    certificate: CertificateInfo | None = None
    tries_left: int | None = None
    problem: str | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def card_status(config: Config, wanted: str | None = None,
                now: dt.datetime | None = None) -> CardStatus:
    now = now or dt.datetime.now(dt.UTC)
    status = CardStatus(mode=str(config.mode))
    try:
        names = list_pcsc_readers()
    except ReaderGone:
        status.problem, status.message = "no_pcscd", "the PC/SC service (pcscd) is not running"
        return status
    status.readers = [{"name": n, "permitted": allowed(config, n)} for n in names]
    candidates = [n for n in names if wanted is None or n.startswith(wanted)]
    if not candidates:
        status.problem = "no_reader"
        status.message = "no card reader found" if wanted is None else f"no reader named {wanted}"
        return status
    permitted = [n for n in candidates if allowed(config, n)]
    if not permitted:
        status.problem = "reader_refused"
        status.message = (f"no permitted card reader in {config.mode} mode "
                          "(virtual readers need demo or test mode; physical ones the allow-list)")
        return status
    # Prefer a permitted reader holding a card.
    readers = [PcscReader(n, exclusive=False) for n in permitted]
    reader = next((r for r in readers if _present(r)), readers[0])
    status.reader = reader.name
    try:
        atr = reader.atr()
        if atr is None:
            status.problem, status.message = "no_card", f"no card in {reader.name}"
            return status
        status.card_present, status.atr = True, atr.hex().upper()
        with reader.connect() as transport:
            card = JpkiCard(transport)
            try:
                card.select_ap()
            except NotAMyNumberCard:
                status.my_number_card = False
                status.problem = "not_my_number_card"
                status.message = f"the card in {reader.name} is not a My Number card"
                return status
            status.my_number_card = True
            status.certificate = CertificateInfo.of(card.read_auth_certificate(), now)
            status.tries_left = card.tries_left()
    except CardRemoved:
        status.problem, status.message = "card_removed", "the card was removed while being read"
        return status
    except CardError as exc:
        status.problem, status.message = "card_error", f"the card answered {exc.sw:04X}"
        return status
    except CardLayerError as exc:
        status.problem, status.message = "no_reader", str(exc)
        return status
    locked = " (PIN locked)" if status.tries_left == 0 else ""
    status.message = f"My Number card in {reader.name}, {status.tries_left} PIN tries left{locked}"
    return status


def _present(reader: PcscReader) -> bool:
    try:
        return reader.card_present()
    except CardLayerError:
        return False
