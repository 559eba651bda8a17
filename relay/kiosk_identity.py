"""Who is calling: the kiosk a client certificate names, checked strictly, on every request.

The TLS layer has already verified the chain to the operator CA and the validity dates.
That made any operator certificate a kiosk, a CA certificate with two common names or a
key-agreement-only key included. Here a certificate is a kiosk's only if it is

- a leaf (``BasicConstraints`` present, ``ca`` false), with ``digitalSignature`` among its
  key usages and ``clientAuth`` among its extended key usages;
- for exactly one common name, a well-formed kiosk id, and nothing else claiming one;
- valid for at most :data:`MAX_VALIDITY` (short-lived certificates, renewed by the
  operator: a stolen one is useful for weeks, not years);
- registered, by its SHA-256 fingerprint, to that very kiosk id in the kiosk register,
  whose state is ``active``.

The first four are properties of the certificate and are remembered per certificate; the
register is read on every request, so a suspension takes effect at the next one.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from protocol import wire
from relay.kiosk_register import KIOSK_ID, KioskRegister, Standing, fingerprint
from relay.schema import ApiError

MAX_VALIDITY = dt.timedelta(days=90)
CACHE_SIZE = 10_000


def certificate_kiosk_id(cert_der: bytes) -> str | None:
    """The kiosk id a certificate may stand for, or None if it cannot be a kiosk's."""
    try:
        cert = x509.load_der_x509_certificate(cert_der)
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        extended = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (ValueError, x509.ExtensionNotFound):
        return None
    if constraints.ca or not usage.digital_signature or ExtendedKeyUsageOID.CLIENT_AUTH not in extended:
        return None
    if cert.not_valid_after_utc - cert.not_valid_before_utc > MAX_VALIDITY:
        return None
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(names) != 1:
        return None
    value = names[0].value
    return value if isinstance(value, str) and KIOSK_ID.fullmatch(value) else None


class KioskIdentity:
    """``kiosk_for(der)``: the register's entry of an active, registered kiosk, or ``ApiError(403)``."""

    def __init__(self, register: KioskRegister) -> None:
        self.register = register
        self._shapes: dict[bytes, tuple[str | None, str]] = {}  # der -> (kiosk id it names, fingerprint)

    def kiosk_for(self, cert_der: bytes | None) -> Standing:
        if not cert_der:
            raise ApiError(403, wire.NO_CLIENT_CERTIFICATE)
        shape = self._shapes.get(cert_der)
        if shape is None:
            if len(self._shapes) >= CACHE_SIZE:
                self._shapes.clear()
            shape = self._shapes[cert_der] = (certificate_kiosk_id(cert_der), fingerprint(cert_der))
        named, fp = shape
        if named is None:
            raise ApiError(403, wire.NOT_A_KIOSK_CERTIFICATE)
        kiosk = self.register.standing(fp)
        if kiosk is None or kiosk.kiosk_id != named:
            raise ApiError(403, wire.KIOSK_UNKNOWN)
        if kiosk.state != "active":
            raise ApiError(403, wire.KIOSK_SUSPENDED if kiosk.state == "suspended" else wire.KIOSK_RETIRED)
        return kiosk
