"""The kiosk's own relay client against the federation as processes: ``relay centre serve``
and three ``relay municipality serve`` on loopback, the kiosk configured with the
federation anchor (``[relay] anchor``), not one municipality's issuer key.

The kiosk learns the directory from the centre (``GET /v1/directory``), checks it with the
anchor, and checks each municipality's documents with that municipality's keys from it; a
wrong document is refused by the centre and, were the centre to let it through, by the
kiosk."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.federation_world import A, B, C, FederationWorld
from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.federation import FederationServices
from kiosk.config import Config, load
from kiosk.relay_client.errors import IncompatibleRelay, IntegrityError, RelayUnavailable
from kiosk.relay_client.https import HttpsRelayClient
from kiosk.relay_client.port import Issued
from protocol import wire
from protocol.federation import directory as fd
from protocol.federation.issuers import DirectoryIssuers

KIOSK = "KIOSK-0001"


def _persona(world: FederationWorld, code: str, moved: bool = False) -> dict[str, Any]:
    people = world.people
    if moved:
        return next(p for p in world.base.personas() if p["resident"] == people["moved"])
    return next(p for p in world.base.personas() if p["card"] == "valid" and not p["flags"] and p["age"] >= 20
                and people["home"].get(p["resident"]) == code and p["resident"] != people["moved"])


def _kiosk_config(world: FederationWorld, port: int, state: Path, trust: str) -> Config:
    """A kiosk's configuration file as an installer writes it (``trust``: the ``[relay]``
    line that says whose keys verify the documents)."""
    pki = world.base.root / "pki"
    path = state / "kiosk.toml"
    path.write_text(f"""kiosk_id = "{KIOSK}"
state_dir = "{state}"

[relay]
url = "https://127.0.0.1:{port}"
ca_file = "{pki / 'operator-ca.pem'}"
cert_file = "{pki / 'kiosks' / f'{KIOSK}.pem'}"
key_file = "{pki / 'kiosks' / f'{KIOSK}.key'}"
{trust}
""", encoding="utf-8")
    return load(path)


def _issue(client: HttpsRelayClient, world: FederationWorld, persona: dict[str, Any]) -> Issued:
    card = CardSigner.load(world.base.card_path(persona["id"]))
    opened = client.open_session()
    client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
    return client.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)


@pytest.fixture
def services(federation: FederationWorld, tmp_path: Path) -> Iterator[FederationServices]:
    """The federation with municipality B faulty: its second answer is the first one's documents."""
    running = FederationServices.start(federation, tmp_path / "services", faulty=B)
    yield running
    running.stop()


def test_a_kiosk_with_the_anchor_is_served_by_every_municipality_and_never_takes_a_wrong_document(
        federation: FederationWorld, services: FederationServices, tmp_path: Path) -> None:
    state = tmp_path / "kiosk"
    state.mkdir()
    config = _kiosk_config(federation, services.centre_port, state, f'anchor = "{federation.root / "anchor.json"}"')
    cache = state / "federation-directory.json"
    assert config.relay.directory_cache == cache
    with HttpsRelayClient.from_config(config.relay) as client:
        info = client.check_version()  # fetches the directory from the centre and checks it with the anchor
        assert info.topology == "federation"
        assert cache.read_bytes() == (federation.root / "directory.json").read_bytes()
        held = fd.verify(cache.read_bytes(), federation.anchor(), dt.datetime.now(dt.UTC))
        for code in (A, B, C):
            issued = _issue(client, federation, _persona(federation, code))
            document = issued.documents[0]
            assert document["municipality"]["code"] == code and document["serial"].startswith(code + "-")
            member = held.member(code)
            assert member is not None
            keys = DirectoryIssuers(held, active_only=True).keys_for_document(document)
            assert [k.public_bytes_raw() for k in keys] == [k.public_key.public_bytes_raw()
                                                           for k in member.issuer_keys]
        # B's server answers the resident who moved there with the previous resident's documents:
        # the centre refuses them, the kiosk gets no documents, B is suspended, A and C serve on
        with pytest.raises(RelayUnavailable):
            _issue(client, federation, _persona(federation, B, moved=True))
        with pytest.raises(RelayUnavailable):
            _issue(client, federation, _persona(federation, B))
        for code in (A, C):
            assert _issue(client, federation, _persona(federation, code)).documents[0]["municipality"]["code"] == code


def test_the_kiosk_checks_each_document_with_its_municipalitys_keys_from_the_directory(
        federation: FederationWorld, services: FederationServices, tmp_path: Path) -> None:
    """A directory signed by the federation that gives B the key of A (newer than the
    centre's, so the kiosk keeps it): B's genuine documents, which the centre passes, are
    refused by the kiosk itself; A's and C's are taken."""
    state = tmp_path / "kiosk"
    state.mkdir()
    served = fd.verify((federation.root / "directory.json").read_bytes(), federation.anchor(), dt.datetime.now(dt.UTC))
    members = {m.code: m for m in served.members}
    members[B] = dataclasses.replace(members[B], issuer_keys=members[A].issuer_keys)
    wrong = dataclasses.replace(served, serial=served.serial + 1, members=tuple(members[c] for c in (A, B, C)))
    signed = fd.sign(wrong, federation.directory_key())
    (state / "federation-directory.json").write_bytes(signed)
    config = _kiosk_config(federation, services.centre_port, state, f'anchor = "{federation.root / "anchor.json"}"')
    with HttpsRelayClient.from_config(config.relay) as client:
        client.check_version()
        assert (state / "federation-directory.json").read_bytes() == signed  # the centre's older copy is refused
        for code in (A, C):
            assert _issue(client, federation, _persona(federation, code)).documents[0]["municipality"]["code"] == code
        with pytest.raises(IntegrityError):
            _issue(client, federation, _persona(federation, B))


def test_a_kiosk_with_one_municipalitys_key_refuses_the_centre(
        federation: FederationWorld, services: FederationServices, tmp_path: Path) -> None:
    state = tmp_path / "kiosk"
    state.mkdir()
    key = federation.base.root / "pki" / "issuer.pub"
    config = _kiosk_config(federation, services.centre_port, state, f'issuer_public_key = "{key}"')
    with HttpsRelayClient.from_config(config.relay) as client, pytest.raises(IncompatibleRelay) as refused:
        client.check_version()
    assert refused.value.reason == "topology"


def _install(federation: FederationWorld, signed: bytes) -> bytes:
    """A signed directory put where the running centre reads it (a new file, as an
    operator's copy is)."""
    path = federation.root / "directory.json"
    path.with_name("directory.json.new").write_bytes(signed)
    path.with_name("directory.json.new").replace(path)
    return signed


def test_a_kiosk_takes_a_new_directory_at_its_next_version_check_not_after_directory_refresh(
        federation: FederationWorld, services: FederationServices, tmp_path: Path) -> None:
    """The centre announces the serial it serves in ``/v1/version``; a kiosk holding an
    older copy fetches and verifies the new one at that check, though its copy is far from
    ``directory_refresh`` (600 s) old: a suspension reaches it at once."""
    state = tmp_path / "kiosk"
    state.mkdir()
    config = _kiosk_config(federation, services.centre_port, state, f'anchor = "{federation.root / "anchor.json"}"')
    cache = state / "federation-directory.json"
    original = (federation.root / "directory.json").read_bytes()
    served = fd.verify(original, federation.anchor(), dt.datetime.now(dt.UTC))
    try:
        with HttpsRelayClient.from_config(config.relay) as client:
            client.check_version()
            assert cache.read_bytes() == original
            assert client._call(wire.VERSION_PATH, None, True)[wire.DIRECTORY_SERIAL] == served.serial
            members = tuple(dataclasses.replace(m, status="suspended") if m.code == B else m for m in served.members)
            newer = _install(federation, fd.sign(dataclasses.replace(served, serial=served.serial + 1, members=members),
                                                 federation.directory_key()))
            client.check_version()  # sees serial + 1 announced: fetches, checks with the anchor, keeps it
            assert cache.read_bytes() == newer
            held = fd.verify(cache.read_bytes(), federation.anchor(), dt.datetime.now(dt.UTC))
            assert held.serial == served.serial + 1 and held.active(B) is None
            with pytest.raises(RelayUnavailable):  # the centre stopped routing to B too
                _issue(client, federation, _persona(federation, B))
            assert _issue(client, federation, _persona(federation, A)).documents[0]["municipality"]["code"] == A
    finally:
        _install(federation, original)  # the session's world as the other tests expect it
