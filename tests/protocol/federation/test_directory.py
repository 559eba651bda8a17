"""The federation directory: only the anchor's keys sign it, it expires, it never goes back,
a rotated issuer key still verifies the documents it signed, and a withdrawn key is
recorded (signed like the rest) without changing what a reader that does not know the
record trusts."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.federation.directory import (
    Anchor,
    Directory,
    DirectoryError,
    Member,
    PublishedKey,
    RevokedKey,
    issuer_keys_for_serial,
    sign,
    verify,
)

JST = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=JST)
YEAR = dt.timedelta(days=365)


def published(key: Ed25519PrivateKey, start: dt.datetime, end: dt.datetime) -> PublishedKey:
    return PublishedKey(key.public_key(), start, end)


@pytest.fixture
def signer() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def anchor(signer: Ed25519PrivateKey) -> Anchor:
    return Anchor("test-federation", (signer.public_key(),))


def member(code: str, issuer_keys: tuple[PublishedKey, ...], status: str = "active") -> Member:
    message = published(Ed25519PrivateKey.generate(), NOW - YEAR, NOW + YEAR)
    return Member(code, f"試験市{code}", status, f"https://127.0.0.1:9{code[-3:]}", "ab" * 32, (message,),
                  issuer_keys)


def directory(serial: int = 1, members: tuple[Member, ...] = ()) -> Directory:
    centre = published(Ed25519PrivateKey.generate(), NOW - YEAR, NOW + YEAR)
    return Directory("test-federation", serial, NOW - dt.timedelta(hours=1), NOW + dt.timedelta(days=1),
                     (centre,), members)


def test_round_trip(signer: Ed25519PrivateKey, anchor: Anchor) -> None:
    issuer = published(Ed25519PrivateKey.generate(), NOW - YEAR, NOW + YEAR)
    original = directory(members=(member("139998", (issuer,)), member("271004", (issuer,), "suspended")))
    loaded = verify(sign(original, signer), Anchor.from_bytes(anchor.to_bytes()), NOW)
    assert loaded.to_json() == original.to_json()
    assert loaded.active("139998") is not None
    assert loaded.active("271004") is None  # suspended: never routed to
    assert loaded.member("271004") is not None  # but its documents still verify


def test_a_changed_byte_is_refused(signer: Ed25519PrivateKey, anchor: Anchor) -> None:
    data = json.loads(sign(directory(members=(member("139998", ()),)), signer))
    data["directory"]["members"][0]["endpoint"] = "https://attacker.example"
    with pytest.raises(DirectoryError) as caught:
        verify(json.dumps(data).encode(), anchor, NOW)
    assert caught.value.code == "bad_signature"


def test_another_key_is_unknown(anchor: Anchor) -> None:
    with pytest.raises(DirectoryError) as caught:
        verify(sign(directory(), Ed25519PrivateKey.generate()), anchor, NOW)
    assert caught.value.code == "unknown_signer"


def test_another_federation_is_refused(signer: Ed25519PrivateKey) -> None:
    with pytest.raises(DirectoryError) as caught:
        verify(sign(directory(), signer), Anchor("other", (signer.public_key(),)), NOW)
    assert caught.value.code == "wrong_federation"


@pytest.mark.parametrize(("when", "code"), [(NOW + dt.timedelta(days=2), "expired"),
                                            (NOW - dt.timedelta(days=1), "not_yet_valid")])
def test_outside_its_period(signer: Ed25519PrivateKey, anchor: Anchor, when: dt.datetime, code: str) -> None:
    with pytest.raises(DirectoryError) as caught:
        verify(sign(directory(), signer), anchor, when)
    assert caught.value.code == code


def test_an_older_directory_is_a_rollback(signer: Ed25519PrivateKey, anchor: Anchor) -> None:
    held = verify(sign(directory(serial=5), signer), anchor, NOW)
    assert verify(sign(directory(serial=5), signer), anchor, NOW, held).serial == 5
    with pytest.raises(DirectoryError) as caught:
        verify(sign(directory(serial=4), signer), anchor, NOW, held)
    assert caught.value.code == "rollback"


#: JSON nested deeper than the parser goes (it raises RecursionError, not ValueError)
DEEP = b"[" * 100_000


@pytest.mark.parametrize("garbage", [b"", b"[]", b"{\"directory\": 1}", b"\xff" * 10, b"{" * 100, DEEP,
                                     b'{"directory":' * 100_000])
def test_garbage_is_malformed(anchor: Anchor, garbage: bytes) -> None:
    with pytest.raises(DirectoryError) as caught:
        verify(garbage, anchor, NOW)
    assert caught.value.code in ("malformed", "unknown_signer")


def test_an_anchor_nested_too_deep_is_malformed() -> None:
    with pytest.raises(DirectoryError) as caught:
        Anchor.from_bytes(DEEP)
    assert caught.value.code == "malformed"


def test_rotation_keeps_old_documents_verifiable() -> None:
    old = published(Ed25519PrivateKey.generate(), NOW - 2 * YEAR, NOW - dt.timedelta(days=30))
    new = published(Ed25519PrivateKey.generate(), NOW - dt.timedelta(days=31), NOW + YEAR)
    held = directory(members=(member("139998", (old, new)),))
    city = held.member("139998")
    assert city is not None
    assert city.signing_issuer_key(NOW) == new  # only the new key signs today
    last_year = (NOW - YEAR).date()
    assert list(issuer_keys_for_serial(held, "139998-2025-0000001", last_year)) == [old]
    overlap = (NOW - dt.timedelta(days=30)).date()
    assert list(issuer_keys_for_serial(held, "139998-2026-0000001", overlap)) == [old, new]
    assert list(issuer_keys_for_serial(held, "271004-2026-0000001", NOW.date())) == []


def test_a_message_key_is_trusted_only_in_its_period() -> None:
    key = published(Ed25519PrivateKey.generate(), NOW - YEAR, NOW)
    city = Member("139998", "試験市", "active", "https://127.0.0.1:9001", "ab" * 32, (key,), ())
    assert city.message_key(key.key_id, NOW) == key
    assert city.message_key(key.key_id, NOW + dt.timedelta(seconds=1)) is None
    assert city.message_key("0" * 16, NOW) is None


def test_a_member_lists_its_nodes_and_a_one_node_entry_is_as_before() -> None:
    issuer = published(Ed25519PrivateKey.generate(), NOW - YEAR, NOW + YEAR)
    one = member("139998", (issuer,))
    assert "endpoints" not in one.to_json() and one.endpoints == (one.endpoint,)
    nodes = replace(one, more_endpoints=("https://127.0.0.2:9998", "https://127.0.0.3:9998"))
    data = nodes.to_json()
    assert data["endpoint"] == one.endpoint  # a holder reading only endpoint reaches the first node
    assert data["endpoints"] == [one.endpoint, "https://127.0.0.2:9998", "https://127.0.0.3:9998"]
    assert Member.from_json(json.loads(json.dumps(data))) == nodes


@pytest.mark.parametrize("endpoints", [[], "https://a", ["https://other"], ["FIRST", "FIRST"], ["FIRST", 7],
                                       ["FIRST"] + [f"https://n{i}" for i in range(8)]])
def test_a_malformed_endpoint_list_is_refused(endpoints: object) -> None:
    issuer = published(Ed25519PrivateKey.generate(), NOW - YEAR, NOW + YEAR)
    data = member("139998", (issuer,)).to_json()
    if isinstance(endpoints, list):
        endpoints = [data["endpoint"] if e == "FIRST" else e for e in endpoints]
    with pytest.raises(DirectoryError) as refused:
        Member.from_json({**data, "endpoints": endpoints})
    assert refused.value.code == "malformed"


def _with_revocation() -> tuple[Directory, PublishedKey]:
    kept = published(Ed25519PrivateKey.generate(), NOW - YEAR, NOW + YEAR)
    withdrawn = published(Ed25519PrivateKey.generate(), NOW - YEAR, NOW + YEAR)
    record = RevokedKey("139998", "issuer", withdrawn, NOW - dt.timedelta(hours=2), "compromised")
    return replace(directory(members=(member("139998", (kept,)),)), revoked_keys=(record,)), withdrawn


def test_a_revoked_key_is_recorded_signed_and_read_back(signer: Ed25519PrivateKey, anchor: Anchor) -> None:
    revoked, withdrawn = _with_revocation()
    assert "revoked_keys" not in replace(revoked, revoked_keys=()).to_json()  # none revoked: the file as before
    data = sign(revoked, signer)
    loaded = verify(data, anchor, NOW)
    assert loaded.to_json() == revoked.to_json()
    (record,) = loaded.revoked_issuer_keys("139998")
    assert (record.key.key_id, record.revoked_at, record.reason) == (withdrawn.key_id, NOW - dt.timedelta(hours=2),
                                                                      "compromised")
    assert record.key.public_key.public_bytes_raw() == withdrawn.public_key.public_bytes_raw()
    assert loaded.revoked_issuer_keys("271004") == ()
    body = json.loads(data)["directory"]
    assert body["format"] == "certificate-kiosk/federation-directory/1"  # the format keeps its number:
    ignored = Directory.from_json({k: v for k, v in body.items() if k != "revoked_keys"})  # a reader ignoring it
    assert ignored.members == loaded.members  # trusts what a reader that knows it trusts, the withdrawn key not
    tampered = json.loads(data)
    tampered["directory"]["revoked_keys"][0]["reason"] = "routine rotation"
    with pytest.raises(DirectoryError) as caught:
        verify(json.dumps(tampered).encode(), anchor, NOW)
    assert caught.value.code == "bad_signature"


@pytest.mark.parametrize("change", [{"kind": "other"}, {"code": "13999"}, {"key_id": "0" * 16}, {"reason": "a\nb"},
                                    {"reason": "x" * 513}, {"revoked_at": "2026-12-01T09:00"}, {"public_key": 7}])
def test_a_malformed_revocation_is_refused(change: dict[str, object]) -> None:
    body = _with_revocation()[0].to_json()
    body["revoked_keys"][0].update(change)
    with pytest.raises(DirectoryError) as refused:
        Directory.from_json(body)
    assert refused.value.code == "malformed"
    with pytest.raises(DirectoryError):
        Directory.from_json({**body, "revoked_keys": {}})
