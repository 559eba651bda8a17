"""Mutual TLS between the centre and the municipal issuing servers: both sides present a
certificate from the federation CA; the centre also pins the server's certificate to the
SHA-256 the federation directory lists for that municipality."""

from __future__ import annotations

import ssl
from pathlib import Path

#: The federation message endpoint of every municipal issuing server.
MESSAGE_PATH = "/federation/v1/message"
MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # an answer of ten copies of the largest document


def server_context(cert: Path, key: Path, federation_ca: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cafile=str(federation_ca))
    return ctx


def client_context(cert: Path, key: Path, federation_ca: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(federation_ca))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    return ctx
