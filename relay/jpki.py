"""Checks of a card's authentication certificate and signature, as the JPKI centre does.

Chain to the test JPKI user-authentication CA, validity dates against the relay's clock,
revocation against the CA's CRL (itself verified and in date), then the card's PKCS#1 v1.5
SHA-256 signature over the session challenge. Every failure is a refusal code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from protocol import refusals

MAX_CERT_BYTES = 4096


class CardRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CheckedCard:
    serial: int
    certificate: x509.Certificate


class JpkiVerifier:
    def __init__(self, ca: x509.Certificate, crl: x509.CertificateRevocationList) -> None:
        if not crl.is_signature_valid(ca.public_key()):  # type: ignore[arg-type]  # a CA's key can sign
            raise ValueError("the CRL is not signed by the JPKI CA")
        self._ca = ca
        self._crl = crl

    @classmethod
    def from_files(cls, ca_pem: Path, crl_pem: Path) -> JpkiVerifier:
        return cls(
            x509.load_pem_x509_certificate(ca_pem.read_bytes()),
            x509.load_pem_x509_crl(crl_pem.read_bytes()),
        )

    def check_certificate(self, cert_der: bytes, now: dt.datetime) -> CheckedCard:
        if not 0 < len(cert_der) <= MAX_CERT_BYTES:
            raise CardRefused(refusals.CERT_UNTRUSTED)
        try:
            cert = x509.load_der_x509_certificate(cert_der)
            cert.verify_directly_issued_by(self._ca)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise CardRefused(refusals.CERT_UNTRUSTED) from exc
        if not isinstance(cert.public_key(), rsa.RSAPublicKey):
            raise CardRefused(refusals.CERT_UNTRUSTED)
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise CardRefused(refusals.CERT_EXPIRED)
        next_update = self._crl.next_update_utc
        if next_update is None or now > next_update:
            # a stale CRL cannot prove the certificate is still good: fail closed
            raise CardRefused(refusals.CERT_UNTRUSTED)
        if self._crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
            raise CardRefused(refusals.CERT_REVOKED)
        return CheckedCard(cert.serial_number, cert)

    @staticmethod
    def check_signature(card: CheckedCard, message: bytes, signature: bytes) -> None:
        key = card.certificate.public_key()
        assert isinstance(key, rsa.RSAPublicKey)
        try:
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature as exc:
            raise CardRefused(refusals.BAD_SIGNATURE) from exc
