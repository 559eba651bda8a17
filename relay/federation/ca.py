"""The federation CA: the certificates of the centre's and the municipal servers' mutual TLS.

One CA for the whole federation (X-Road's approved CA): the centre accepts a municipal
server's connection only with a certificate from it, and the municipal server the centre's.
The directory then pins each server's own certificate (``Member.tls_cert_sha256``), so a
certificate the CA issued to one municipality is no use to another. The CA signs a CSR
the server made itself: a server's TLS private key never leaves it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROLES = ("centre", "municipal")
#: A DNS host name: labels of letters, digits and inner hyphens, joined by dots.
HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


class CaError(Exception):
    """A CSR or CA file that cannot be used; the message says which and why."""


def new_ca(federation: str, now: dt.datetime, days: int) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, federation),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"{federation} federation CA")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def load_csr(data: bytes) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_pem_x509_csr(data)
    except ValueError:
        try:
            csr = x509.load_der_x509_csr(data)
        except ValueError as exc:
            raise CaError("the file is not a certificate signing request (PEM or DER)") from exc
    if not csr.is_signature_valid:
        raise CaError("the request's signature does not verify (it was altered or not made by its key)")
    return csr


def sign_csr(csr: x509.CertificateSigningRequest, ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate,
             role: str, hosts: list[str], now: dt.datetime, days: int) -> x509.Certificate:
    """The server certificate for ``csr``: for both TLS server and client use (each side
    of the centre ↔ municipal link is both), valid for ``hosts`` (DNS names or addresses),
    its subject the CSR's common name with the role as organisational unit."""
    if role not in ROLES:
        raise CaError(f"the role must be one of {', '.join(ROLES)}")
    if not hosts:
        raise CaError("give at least one host name or address the server is reached at (--host)")
    names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        raise CaError("the request has no common name (CN): name the server in it")
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                            str(ca_cert.subject.get_attributes_for_oid(
                                                NameOID.ORGANIZATION_NAME)[0].value)),
                         x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
                         x509.NameAttribute(NameOID.COMMON_NAME, str(names[0].value))])
    alt: list[x509.GeneralName] = []
    for host in hosts:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            if not HOST_NAME.fullmatch(host) or len(host) > 253:
                raise CaError(f"--host {host[:80]!r} is neither a host name nor an IP address") from None
            alt.append(x509.DNSName(host))
    not_after = min(now + dt.timedelta(days=days), ca_cert.not_valid_after_utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(csr.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))


def certificate_sha256(cert: x509.Certificate) -> str:
    """What the directory pins: hex SHA-256 of the certificate's DER."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
