"""Which keys may have signed a document: one configured key, or in a federation only the
keys of the municipality its serial names, valid on its issue date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.documents import qr_payload
from protocol.documents.binding import Binding, BindingMismatch
from protocol.federation.directory import Directory, Member, PublishedKey
from protocol.federation.issuers import DirectoryIssuers, SingleIssuer, verify_qr

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
TODAY = NOW.date()


def _member(code: str, *keys: PublishedKey) -> Member:
    message = PublishedKey(Ed25519PrivateKey.generate().public_key(), NOW - 400 * DAY, NOW + 400 * DAY)
    return Member(code, code, "active", "https://127.0.0.1:9443", "ab" * 32, (message,), keys)


def _document(code: str, serial: str, issued_on: dt.date = TODAY) -> dict[str, Any]:
    return {"serial": serial, "type": "juminhyo", "issued_on": issued_on.isoformat(),
            "municipality": {"code": code, "name": code}, "body": {}}


@pytest.fixture
def keys() -> dict[str, Ed25519PrivateKey]:
    return {name: Ed25519PrivateKey.generate() for name in ("old", "new", "other")}


@pytest.fixture
def issuers(keys: dict[str, Ed25519PrivateKey]) -> DirectoryIssuers:
    old = PublishedKey(keys["old"].public_key(), NOW - 400 * DAY, NOW - 10 * DAY)
    new = PublishedKey(keys["new"].public_key(), NOW - 10 * DAY, NOW + 400 * DAY)
    other = PublishedKey(keys["other"].public_key(), NOW - 400 * DAY, NOW + 400 * DAY)
    centre = PublishedKey(Ed25519PrivateKey.generate().public_key(), NOW, NOW + DAY)
    return DirectoryIssuers(Directory("f", 1, NOW, NOW + DAY, (centre,),
                                      (_member("139998", old, new), _member("271004", other))))


def _ids(keys: Any) -> list[bytes]:
    from cryptography.hazmat.primitives import serialization

    return [k.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) for k in keys]


def test_keys_by_serial_and_issue_date(issuers: DirectoryIssuers, keys: dict[str, Ed25519PrivateKey]) -> None:
    today = issuers.keys_for_document(_document("139998", "139998-2026-1"))
    assert _ids(today) == _ids([keys["new"].public_key()])
    last_month = issuers.keys_for_document(_document("139998", "139998-2026-1", (NOW - 30 * DAY).date()))
    assert _ids(last_month) == _ids([keys["old"].public_key()])
    assert issuers.keys_for_document(_document("271004", "139998-2026-1")) == ()  # numbering of another
    assert issuers.keys_for_document(_document("999999", "999999-2026-1")) == ()  # not a member
    assert issuers.keys_for_document({"serial": "139998-2026-1"}) == ()  # malformed


def test_a_qr_code_verifies_only_with_its_municipalitys_keys(issuers: DirectoryIssuers,
                                                             keys: dict[str, Ed25519PrivateKey]) -> None:
    document = _document("139998", "139998-2026-7")
    assert verify_qr(qr_payload.encode(document, keys["new"]), issuers).serial == "139998-2026-7"
    with pytest.raises(qr_payload.QrSignatureInvalid):
        verify_qr(qr_payload.encode(document, keys["other"]), issuers)
    with pytest.raises(qr_payload.QrSignatureInvalid):  # the old key, past its period on this issue date
        verify_qr(qr_payload.encode(document, keys["old"]), issuers)
    single = SingleIssuer(keys["other"].public_key())
    assert verify_qr(qr_payload.encode(document, keys["other"]), single).municipality_code == "139998"


def test_a_binding_verifies_with_any_of_the_given_keys(keys: dict[str, Ed25519PrivateKey]) -> None:
    binding = Binding("r", "s", "k", "c" * 64, "d" * 64)
    signature = binding.sign(keys["new"])
    binding.verify(signature, [keys["old"].public_key(), keys["new"].public_key()])
    binding.verify(signature, keys["new"].public_key())
    with pytest.raises(BindingMismatch):
        binding.verify(signature, [keys["old"].public_key(), keys["other"].public_key()])
    with pytest.raises(BindingMismatch):
        binding.verify(signature, [])
