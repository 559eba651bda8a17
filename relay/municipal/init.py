"""``relay municipality init``: what a municipality prepares before it joins.

Writes into one directory: its issuer key (signs documents), its message key (signs its
messages to the centre), its scramble master, its TLS key with a certificate signing
request for the federation CA and a self-signed certificate to run with until the CA's
arrives, a configuration skeleton (``municipality.toml``) and ``member.json``: the directory
entry the federation operator admits (``relay federation admit``), pinning the current TLS
certificate. Keys are never overwritten: init refuses a directory that has them.

``relay municipality install-cert`` then installs the certificate the federation CA signed
for that CSR (``relay federation sign-csr``) and pins it in ``member.json``, so the entry
the operator admits pins the certificate the server runs with.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from protocol.federation.codes import code_problem
from protocol.federation.directory import Member, PublishedKey, endpoint_problem

KEY_VALIDITY = dt.timedelta(days=2 * 365)
SKELETON = """# The issuing server of {name} ({code}), as `relay municipality serve --home DIR` reads it.
# The centre calls it at {endpoint} (member.json lists that for the directory).
# Beside this file: registry.json (the resident registry export and the rules), its keys
# and TLS files; the history and message log go to --state (default: here).
[server]
listen = "0.0.0.0:8443"  # the address and port it listens on (--host and --port override them)
"""


def _pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _secret(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


class CertificateError(Exception):
    """The certificate cannot be installed; the message says why."""


def install_certificate(target: Path, cert_pem: bytes, ca_pem: bytes) -> str:
    """Install ``cert_pem`` as ``tls.pem`` if the federation CA signed it and it is for this
    directory's TLS key, and pin it in ``member.json``; return the pin (hex SHA-256)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
        ca = x509.load_pem_x509_certificate(ca_pem)
    except ValueError as exc:
        raise CertificateError("the certificate or the CA file is not a PEM certificate") from exc
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise CertificateError("the certificate was not signed by this federation CA") from exc
    if [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)] != ["municipal"]:
        raise CertificateError("the certificate is not a municipal server's (sign-csr --role municipal)")
    if cert.not_valid_after_utc <= dt.datetime.now(dt.UTC):
        raise CertificateError("the certificate has expired")
    key = serialization.load_pem_private_key((target / "tls.key").read_bytes(), None)
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if cert.public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        raise CertificateError("the certificate is not for this server's TLS key (tls.key)")
    member = Member.from_json(json.loads((target / "member.json").read_text(encoding="utf-8")))
    pin = cert.fingerprint(hashes.SHA256()).hex()
    (target / "tls.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    member = Member(**{**member.__dict__, "tls_cert_sha256": pin})
    (target / "member.json").write_text(json.dumps(member.to_json(), indent=1), encoding="utf-8")
    return pin


def initialise(target: Path, code: str, name: str, endpoint: str, now: dt.datetime | None = None,
               more_endpoints: tuple[str, ...] = ()) -> Member:
    """``more_endpoints``: the other nodes' URLs of a server run as several nodes on one
    database (they share this directory's keys and TLS certificate)."""
    if problem := code_problem(code):
        raise ValueError(problem)
    if not name.strip() or len(name) > 128 or not name.isprintable():
        raise ValueError("the municipality's name is 1 to 128 printable characters")
    for url in (endpoint, *more_endpoints):
        if problem := endpoint_problem(url):
            raise ValueError(f"the endpoint {url[:80]} needs {problem}")
    if len({endpoint, *more_endpoints}) != 1 + len(more_endpoints):
        raise ValueError("an endpoint is given twice")
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"{target} is a file, not a directory")
    target.mkdir(parents=True, exist_ok=True)
    if any((target / f).exists() for f in ("issuer.key", "message.key", "tls.key")):
        raise FileExistsError(f"{target} already holds keys (a server's: never overwritten)")
    now = now or dt.datetime.now(dt.UTC)
    issuer, message = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    tls = ec.generate_private_key(ec.SECP256R1())
    _secret(target / "issuer.key", _pem(issuer))
    _secret(target / "message.key", _pem(message))
    _secret(target / "tls.key", _pem(tls))
    _secret(target / "scramble.key", secrets.token_bytes(32).hex().encode() + b"\n")
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, code),
                         x509.NameAttribute(NameOID.COMMON_NAME, f"issuing-server.{code}")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(tls, hashes.SHA256())
    (target / "tls.csr").write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(tls.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=30)).sign(tls, hashes.SHA256()))
    (target / "tls.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (target / "municipality.toml").write_text(SKELETON.format(name=name, code=code, endpoint=endpoint),
                                              encoding="utf-8")
    member = Member(code, name, "active", endpoint, cert.fingerprint(hashes.SHA256()).hex(),
                    (PublishedKey(message.public_key(), now, now + KEY_VALIDITY),),
                    (PublishedKey(issuer.public_key(), now, now + KEY_VALIDITY),), more_endpoints=more_endpoints)
    (target / "member.json").write_text(json.dumps(member.to_json(), indent=1), encoding="utf-8")
    return member
