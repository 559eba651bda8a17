"""A federation terminal's directory: only the anchor's signature is believed, the last
valid copy survives a restart, an expired one serves no one, and each document is checked
with the keys of the municipality its serial names, valid on its issue date."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.world import World
from kiosk.relay_client.client import announced_serial
from kiosk.relay_client.directory import FederationDirectory
from kiosk.relay_client.errors import DirectoryUnavailable, IntegrityError
from kiosk.relay_client.https import HttpsRelayClient, issuer_trust
from kiosk.relay_client.verify import SessionFacts, verify_issued
from protocol import wire
from protocol.documents import qr_payload
from protocol.documents.binding import Binding, cert_sha256
from protocol.federation.directory import Anchor, Directory, DirectoryError, Member, PublishedKey, sign
from protocol.federation.issuers import DirectoryIssuers
from tests.fixtures.federation import municipality, world_member
from tests.fixtures.federation_relay import FederatedRelay

NOW = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


class Signer:
    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.anchor = Anchor("test-federation", (self.key.public_key(),))

    def directory(self, serial: int, members: tuple[Member, ...], issued: dt.datetime = NOW,
                  valid: dt.timedelta = 7 * DAY) -> bytes:
        centre = PublishedKey(Ed25519PrivateKey.generate().public_key(), issued, issued + 365 * DAY)
        return sign(Directory("test-federation", serial, issued, issued + valid, (centre,), members), self.key)


# -- the held copy --------------------------------------------------------------------------------


def test_the_last_valid_copy_is_kept_and_survives_a_restart(tmp_path: Path) -> None:
    signer, cache, clock = Signer(), tmp_path / "state" / "federation-directory.json", {"now": NOW}
    held = FederationDirectory(signer.anchor, cache, DAY, lambda: clock["now"])
    with pytest.raises(DirectoryUnavailable) as missing:
        held.current()
    assert missing.value.reason == "missing" and held.needs_refresh()
    held.accept(signer.directory(3, (municipality("139998", NOW).member,)))
    assert held.current().serial == 3 and not held.needs_refresh()
    restarted = FederationDirectory(signer.anchor, cache, DAY, lambda: clock["now"])
    assert restarted.current().serial == 3
    with pytest.raises(DirectoryError) as older:
        restarted.accept(signer.directory(2, ()))
    assert older.value.code == "rollback" and restarted.current().serial == 3
    forged = Signer().directory(4, ())
    with pytest.raises(DirectoryError) as unknown:
        restarted.accept(forged)
    assert unknown.value.code == "unknown_signer" and restarted.current().serial == 3
    clock["now"] = NOW + 4 * DAY  # past half its validity: fetched again, still usable
    assert restarted.needs_refresh() and restarted.current().serial == 3
    clock["now"] = NOW + 7 * DAY
    with pytest.raises(DirectoryUnavailable) as expired:
        restarted.current()
    assert expired.value.reason == "expired"
    assert restarted.status()["code"] == "expired" and restarted.status()["ok"] is False


def test_an_announced_newer_serial_is_fetched_once_and_never_believed_by_itself(tmp_path: Path) -> None:
    signer = Signer()
    held = FederationDirectory(signer.anchor, tmp_path / "federation-directory.json", DAY, lambda: NOW)
    held.accept(signer.directory(3, ()))
    assert not held.needs_refresh() and not held.needs_refresh(None)  # an older relay: refreshed as before
    assert not held.needs_refresh(3) and not held.needs_refresh(2)  # what is held, or older: nothing to fetch
    assert held.needs_refresh(5)
    held.accept(signer.directory(4, ()), announced=5)  # the relay serves less than it announced
    assert held.current().serial == 4
    assert not held.needs_refresh(5)  # chased once: not fetched again at every check
    assert held.needs_refresh(6)
    with pytest.raises(DirectoryError):
        held.accept(Signer().directory(6, ()), announced=6)  # a forged copy behind the announcement
    assert held.current().serial == 4 and not held.needs_refresh(6)


@pytest.mark.parametrize(("answer", "serial"), [
    ({"directory_serial": 7}, 7), ({}, None), ({"directory_serial": True}, None), ({"directory_serial": "7"}, None),
    ({"directory_serial": -1}, None), ({"directory_serial": 2**63}, None), ([], None)])
def test_the_announced_serial_is_read_strictly(answer: Any, serial: int | None) -> None:
    assert announced_serial(answer) == serial


def test_a_suspended_members_new_documents_are_not_printed(tmp_path: Path) -> None:
    signer, city = Signer(), municipality("139998", NOW - DAY)
    held = FederationDirectory(signer.anchor, tmp_path / "federation-directory.json", DAY, lambda: NOW)
    document = {"serial": "139998-2026-1", "issued_on": NOW.date().isoformat(), "municipality": {"code": "139998"}}
    held.accept(signer.directory(1, (city.member,)))
    assert len(held.keys_for_document(document)) == 1
    from dataclasses import replace

    held.accept(signer.directory(2, (replace(city.member, status="suspended"),)))
    assert held.keys_for_document(document) == ()  # the kiosk refuses it (integrity: issuer)
    assert len(DirectoryIssuers(held.current()).keys_for_document(document)) == 1  # its old paper still verifies


def test_a_tampered_cache_is_not_believed(tmp_path: Path) -> None:
    signer, cache = Signer(), tmp_path / "federation-directory.json"
    data = json.loads(signer.directory(1, (municipality("139998", NOW).member,)))
    data["directory"]["members"][0]["status"] = "suspended"
    cache.write_text(json.dumps(data))
    held = FederationDirectory(signer.anchor, cache, DAY, lambda: NOW)
    with pytest.raises(DirectoryUnavailable) as refused:
        held.current()
    assert refused.value.reason == "bad_signature"


# -- documents checked with the directory ----------------------------------------------------------


def _raw_answer(world: World, relay: FederatedRelay) -> tuple[dict[str, Any], SessionFacts, str]:
    """One juminhyo from the real relay, as the kiosk receives it (not yet checked)."""
    server = relay.server
    cert, key = server.kiosk_cert()
    with HttpsRelayClient(server.url, ca_file=server.ca_file, cert_file=cert, key_file=key,
                          issuer_key=world_member(world.root, "000000").member.issuer_keys[0].public_key) as client:
        card = CardSigner.load(world.card_path("shiken-hanako"))
        opened = client.open_session()
        client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
        rid = str(uuid.uuid4())
        raw = client._call(wire.DOCUMENTS_PATH, {"session_id": opened.session_id, "request_id": rid,
                                                 "cert_type": "juminhyo", "options": {}, "copies": 1}, True)
        return raw, SessionFacts(opened.session_id, client.kiosk_id, cert_sha256(card.cert_der)), rid


@pytest.fixture(scope="module")
def answer(world: World, federated_relay: FederatedRelay) -> tuple[dict[str, Any], SessionFacts, str]:
    return _raw_answer(world, federated_relay)


def _check(answer: tuple[dict[str, Any], SessionFacts, str], directory: Directory) -> None:
    raw, facts, rid = answer
    verify_issued(copy.deepcopy(raw), facts=facts, request_id=rid, cert_type="juminhyo", options={}, copies=1,
                  issuer_key=DirectoryIssuers(directory))


def _directory(members: tuple[Member, ...]) -> Directory:
    centre = PublishedKey(Ed25519PrivateKey.generate().public_key(), NOW, NOW + DAY)
    return Directory("test-federation", 1, NOW, NOW + DAY, (centre,), members)


def _issued_on(answer: tuple[dict[str, Any], SessionFacts, str]) -> dt.date:
    return dt.date.fromisoformat(answer[0]["documents"][0]["document"]["issued_on"])


def _at(day: dt.date, days: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC) + dt.timedelta(days=days)


def test_a_rotated_out_key_still_verifies_what_it_signed(world: World, federated_relay: FederatedRelay,
                                                          answer: tuple[dict[str, Any], SessionFacts, str]) -> None:
    code = answer[0]["documents"][0]["document"]["municipality"]["code"]
    old = world_member(world.root, code).member
    day = _issued_on(answer)
    rotated_old = PublishedKey(old.issuer_keys[0].public_key, _at(day, -400), _at(day, 1))
    new = PublishedKey(Ed25519PrivateKey.generate().public_key(), _at(day, 1), _at(day, 700))
    _check(answer, _directory((Member(code, old.name, "active", old.endpoint, old.tls_cert_sha256,
                                      old.message_keys, (rotated_old, new)),)))


def test_a_removed_key_verifies_nothing(world: World, answer: tuple[dict[str, Any], SessionFacts, str]) -> None:
    code = answer[0]["documents"][0]["document"]["municipality"]["code"]
    old = world_member(world.root, code).member
    day = _issued_on(answer)
    new = PublishedKey(Ed25519PrivateKey.generate().public_key(), _at(day, -1), _at(day, 700))
    with pytest.raises(IntegrityError) as refused:
        _check(answer, _directory((Member(code, old.name, "active", old.endpoint, old.tls_cert_sha256,
                                          old.message_keys, (new,)),)))
    assert refused.value.field == "signature"
    # a key listed only from the day after the document: nothing may have signed it
    later = PublishedKey(old.issuer_keys[0].public_key, _at(day, 1), _at(day, 700))
    with pytest.raises(IntegrityError) as too_early:
        _check(answer, _directory((Member(code, old.name, "active", old.endpoint, old.tls_cert_sha256,
                                          old.message_keys, (later,)),)))
    assert too_early.value.field == "issuer"


def _resigned(answer: tuple[dict[str, Any], SessionFacts, str], key: Ed25519PrivateKey,
              municipality_code: str | None = None) -> tuple[dict[str, Any], SessionFacts, str]:
    """The same answer with its document's binding and QR code signed by ``key`` (and the
    document's municipality changed, if given): a municipal server signing what is not its own."""
    from protocol.documents.model import document_hash

    raw, facts, rid = copy.deepcopy(answer)
    entry = raw["documents"][0]
    if municipality_code is not None:
        entry["document"]["municipality"]["code"] = municipality_code
    entry["binding"]["document_sha256"] = document_hash(entry["document"])
    entry["signature"] = Binding(**entry["binding"]).sign(key)
    entry["qr"] = qr_payload.encode(entry["document"], key)
    return raw, facts, rid


def test_another_municipalitys_key_does_not_verify_this_ones_documents(
        world: World, federated_relay: FederatedRelay, answer: tuple[dict[str, Any], SessionFacts, str]) -> None:
    code = answer[0]["documents"][0]["document"]["municipality"]["code"]
    other = federated_relay.cities["271004"]
    directory = _directory((world_member(world.root, code).member, other.member))
    _check(answer, directory)  # as issued: fine
    with pytest.raises(IntegrityError) as numbered_as_ours:
        _check(_resigned(answer, other.issuer), directory)
    assert numbered_as_ours.value.field == "signature"
    with pytest.raises(IntegrityError) as claimed_as_theirs:  # 271004's document with our numbering
        _check(_resigned(answer, other.issuer, "271004"), directory)
    assert claimed_as_theirs.value.field == "issuer"


# -- the terminal against a real centre --------------------------------------------------------------


def test_the_terminal_fetches_the_directory_and_checks_documents_with_it(
        world: World, federated_relay: FederatedRelay, tmp_path: Path) -> None:
    from msgspec.structs import replace

    server = federated_relay.server
    config = replace(server.relay_config(), issuer_public_key=None, anchor=federated_relay.anchor,
                     directory_cache=tmp_path / "federation-directory.json")
    trust = issuer_trust(config)
    assert isinstance(trust, FederationDirectory)
    with HttpsRelayClient.from_config(config) as client:
        client.check_version()  # fetches, checks and keeps the directory
        served = json.loads(federated_relay.directory.read_bytes())["directory"]["serial"]
        assert client._call(wire.VERSION_PATH, None, True)[wire.DIRECTORY_SERIAL] == served  # announced
        card = CardSigner.load(world.card_path("shiken-hanako"))
        opened = client.open_session()
        client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
        issued = client.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)
    assert issued.documents[0]["serial"].split("-")[0] == issued.documents[0]["municipality"]["code"]
    assert (tmp_path / "federation-directory.json").read_bytes() == federated_relay.directory.read_bytes()


def test_an_expired_directory_and_an_unreachable_centre_serve_no_one(
        federated_relay: FederatedRelay, tmp_path: Path) -> None:
    from dataclasses import replace

    from kiosk.session.adapters import RelayAdapter
    from kiosk.session.faults import RelayFault

    federation = federated_relay.federation
    signing = Ed25519PrivateKey.from_private_bytes(_raw_private(federation.root / "private" / "directory-signing.key"))
    stale = federation.source()
    expired = sign(replace(stale, issued_at=stale.issued_at - 3 * DAY, expires_at=stale.issued_at - DAY), signing)
    cache = tmp_path / "federation-directory.json"
    cache.write_bytes(expired)
    config = msgspec.structs.replace(federated_relay.server.relay_config(), url="https://127.0.0.1:9",
                                     issuer_public_key=None, anchor=federated_relay.anchor, directory_cache=cache,
                                     connect_timeout=1.0)
    adapter = RelayAdapter(lambda: HttpsRelayClient.from_config(config), "KIOSK-0001")
    with pytest.raises(RelayFault) as fault:
        adapter.check_version()
    assert fault.value.code == "directory_unavailable"


def _raw_private(path: Path) -> bytes:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(path.read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
