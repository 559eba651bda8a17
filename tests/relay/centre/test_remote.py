"""The centre reaches a municipal server only over mutual TLS with the federation CA, and
only if the server's certificate is the one the directory pins."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hardware_mocks.federation_world import A, FederationWorld
from hardware_mocks.services.federation import FederationServices
from protocol.federation.directory import Member
from protocol.federation.envelope import CENTRE, open_message, seal
from relay.centre.port import MunicipalityUnavailable
from relay.centre.remote import RemoteMunicipality
from relay.federation_local import load_ed25519
from relay.federation_tls import client_context


@pytest.fixture
def server_a(federation: FederationWorld, tmp_path: Path) -> Iterator[FederationServices]:
    services = FederationServices(federation, tmp_path)
    services.start_municipality(A)
    yield services
    services.stop()


def _member(world: FederationWorld, port: int, **change: str) -> Member:
    member = world.members({A: f"https://127.0.0.1:{port}"})[0]
    return replace(member, **change)  # type: ignore[arg-type]


def _check(world: FederationWorld, member: Member, tls: ssl.SSLContext) -> dict[str, object]:
    message = seal({}, sender=CENTRE, recipient=A, key=load_ed25519(world.centre_dir / "message.key"), kind="check",
                   now=dt.datetime.now(dt.UTC))

    async def call() -> dict[str, object]:
        port = RemoteMunicipality(lambda: member, tls)
        try:
            return await port.exchange(message)
        finally:
            await port.close()

    return asyncio.run(call())


def test_the_pinned_server_answers_a_signed_check(federation: FederationWorld, server_a: FederationServices) -> None:
    member = _member(federation, server_a.ports[A])
    tls = client_context(federation.centre_dir / "tls.pem", federation.centre_dir / "tls.key",
                         federation.root / "federation-ca.pem")
    reply = _check(federation, member, tls)
    _, body = open_message(reply, lambda s, k, w: member.message_key(k, w), recipient=CENTRE,
                           now=dt.datetime.now(dt.UTC))
    assert body == {"code": A}


def test_a_server_whose_certificate_is_not_the_pinned_one_is_not_sent_anything(
        federation: FederationWorld, server_a: FederationServices) -> None:
    member = _member(federation, server_a.ports[A], tls_cert_sha256="0" * 64)
    tls = client_context(federation.centre_dir / "tls.pem", federation.centre_dir / "tls.key",
                         federation.root / "federation-ca.pem")
    with pytest.raises(MunicipalityUnavailable) as exc:
        _check(federation, member, tls)
    assert exc.value.reason == "tls_pin"
    assert _received(server_a) == 0  # the handshake failed the pin: the message never left


def test_a_client_without_a_federation_certificate_is_refused_at_the_handshake(
        federation: FederationWorld, server_a: FederationServices) -> None:
    member = _member(federation, server_a.ports[A])
    pki = federation.base.root / "pki"
    foreign = client_context(pki / "foreign-client.pem", pki / "foreign-client.key",
                             federation.root / "federation-ca.pem")
    with pytest.raises(MunicipalityUnavailable) as exc:
        _check(federation, member, foreign)
    assert exc.value.reason == "connection"


def _received(services: FederationServices) -> int:
    import sqlite3

    with sqlite3.connect(services.state / A / "messages.sqlite3") as db:
        return int(db.execute("SELECT count(*) FROM messages").fetchone()[0])
