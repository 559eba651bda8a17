"""The centre's public listener (``relay centre serve --public-port``): anyone fetches the
signed directory the centre routes by, with no client certificate and no copied file, and
checks any member's QR code with that member's keys from it; a key the operator revokes
stops verifying there (said to be withdrawn) as soon as the centre's directory changes. Scans are not offered: the
face check needs the issuing municipality's scramble master, which the centre never holds."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware_mocks.federation_world import A, C, FederationWorld
from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.federation import FederationServices
from kiosk.relay_client.https import HttpsRelayClient
from protocol import wire
from protocol.documents import qr_payload
from protocol.federation import directory as fd
from relay.verifier_register import StoredVerifierRegister
from tests.fixtures.https_calls import call


@pytest.fixture
def services(federation: FederationWorld, tmp_path: Path) -> Iterator[FederationServices]:
    running = FederationServices.start(federation, tmp_path / "services", public=True)
    yield running
    running.stop()


def _public(services: FederationServices, method: str, path: str,
            body: dict[str, Any] | None = None, token: str | None = None) -> tuple[int, bytes]:
    """One call to the public listener as anyone makes it: server authentication only
    (``token``: a registered verifier's)."""
    assert services.public_port is not None
    return call(services.public_port, services.world.base.root / "pki" / "operator-ca.pem", method, path, body,
                token=token)


def _verify(services: FederationServices, body: dict[str, Any],
            token: str | None = None) -> tuple[int, dict[str, Any]]:
    status, data = _public(services, "POST", wire.VERIFY_PATH, body, token)
    return status, json.loads(data)


def _qr_of(world: FederationWorld, services: FederationServices, code: str) -> str:
    """The QR payload of a 住民票 a resident of ``code`` gets at a kiosk of the centre."""
    persona = next(p for p in world.base.personas() if p["card"] == "valid" and not p["flags"] and p["age"] >= 20
                   and world.people["home"].get(p["resident"]) == code and p["resident"] != world.people["moved"])
    card = CardSigner.load(world.base.card_path(persona["id"]))
    config = msgspec.structs.replace(services.relay_config(), directory_cache=services.state / f"kiosk-{code}.json")
    with HttpsRelayClient.from_config(config) as client:
        client.check_version()
        opened = client.open_session()
        client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
        issued = client.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)
    return issued.qr[0]


def _signed_by_a_stranger(text: str) -> str:
    """The same claims, signed with a key no member has."""
    body = qr_payload.b45decode(text[len(qr_payload.PREFIX):])[:-64]
    forger = Ed25519PrivateKey.generate()
    return qr_payload.PREFIX + qr_payload.b45encode(body + forger.sign(qr_payload.SIGNATURE_CONTEXT + body))


def _install(federation: FederationWorld, signed: bytes) -> None:
    path = federation.root / "directory.json"
    path.with_name("directory.json.new").write_bytes(signed)
    path.with_name("directory.json.new").replace(path)


def test_anyone_gets_the_centres_directory_and_checks_any_members_qr_code_with_it(
        federation: FederationWorld, services: FederationServices) -> None:
    original = (federation.root / "directory.json").read_bytes()
    status, served = _public(services, "GET", wire.DIRECTORY_PATH)
    assert (status, served) == (200, original)  # no client certificate, no copied file
    current = fd.verify(served, federation.anchor(), dt.datetime.now(dt.UTC))
    qr = {code: _qr_of(federation, services, code) for code in (A, C)}
    for code in (A, C):
        status, answer = _verify(services, {"qr": qr[code]})
        assert (status, answer["valid"], answer["reason"]) == (200, True, "ok")
        assert answer["serial"].startswith(code + "-") and answer["claims"] is None  # anyone: the verdict only
    # today's paper numbered as A's and signed by no member's key: the centre's copy is the
    # current one, so it says forged at once (a verifier's own copy of today says "update")
    status, answer = _verify(services, {"qr": _signed_by_a_stranger(qr[A])})
    assert (status, answer["valid"], answer["status"], answer["reason"]) == (200, False, "invalid", "signature")
    status, answer = _verify(services, {"scans": [base64.b64encode(b"%PDF-1.4").decode()]})
    assert (status, answer["error"]["code"]) == (404, wire.NOT_OFFERED)
    assert _public(services, "GET", "/")[0] == 404  # the scan page is the municipality's service's
    # the operator revokes C's issuer key (a compromise) for a new one, and the centre takes the
    # new directory: the public listener follows it, with nothing copied to it and no restart
    city = current.member(C)
    assert city is not None
    old = city.issuer_keys[0]
    members = tuple(dataclasses.replace(m, issuer_keys=(fd.PublishedKey(
        Ed25519PrivateKey.generate().public_key(), old.not_before, old.not_after),)) if m.code == C else m
        for m in current.members)
    revoked = fd.RevokedKey(C, "issuer", old, dt.datetime.now(dt.UTC), "compromised")
    newer = fd.sign(dataclasses.replace(current, serial=current.serial + 1, members=members, revoked_keys=(revoked,)),
                    federation.directory_key())
    try:
        _install(federation, newer)
        assert _public(services, "GET", wire.DIRECTORY_PATH) == (200, newer)
        status, answer = _verify(services, {"qr": qr[C]})
        assert (status, answer["valid"], answer["reason"]) == (200, False, "key_revoked")
        assert _verify(services, {"qr": qr[A]})[1]["valid"] is True
        forged = fd.sign(dataclasses.replace(current, serial=current.serial + 2), Ed25519PrivateKey.generate())
        _install(federation, forged)  # a file the anchor refuses is never served: the last good one is
        assert _public(services, "GET", wire.DIRECTORY_PATH) == (200, newer)
    finally:
        _install(federation, original)  # the session's world as the other tests expect it


def test_a_verifier_registered_in_the_centres_database_gets_the_claims(
        federation: FederationWorld, services: FederationServices) -> None:
    """``relay verifier add --db`` the centre's database, as docs/federation.md says: the
    listener reads that database, not the file of the rate counts beside it."""
    qr = _qr_of(federation, services, A)
    register = StoredVerifierRegister(services.state / "centre" / "centre.sqlite3")
    try:
        token = register.add("test-bank", "Test Bank", faces_per_hour=4)[1]
    finally:
        register.close()
    status, answer = _verify(services, {"qr": qr}, token)
    assert (status, answer["valid"], answer["verifier"]) == (200, True, "test-bank")
    assert answer["claims"]["serial"] == answer["serial"]
