"""Which keys may have signed a document: one configured key, or in a federation only the
keys of the municipality its serial names, valid on its issue date; and, when none of them
verifies, what the directory can tell: it does not know the issuer or its key (told apart
from a failure), or the paper was signed with a key it records as withdrawn."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.documents import qr_payload
from protocol.documents.binding import Binding, BindingMismatch
from protocol.federation.directory import Directory, DirectoryError, Member, PublishedKey, RevokedKey
from protocol.federation.issuers import (
    DirectoryIssuers,
    IssuerKeyNotListed,
    IssuerNotListed,
    KeyRevoked,
    SignerNotListed,
    SingleIssuer,
    verify_qr,
)

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


def test_an_issuer_the_directory_does_not_list_on_the_date_is_told_apart(
        issuers: DirectoryIssuers, keys: dict[str, Ed25519PrivateKey]) -> None:
    """Not a member, or no key of it valid on the issue date: none of the directory's keys
    was tried, and the verifier learns which issuer and which directory (a copy older than
    the paper may only be out of date); a plain failure stays one."""
    stranger = Ed25519PrivateKey.generate()
    with pytest.raises(IssuerNotListed) as unknown:  # a municipality the directory does not list
        verify_qr(qr_payload.encode(_document("999999", "999999-2026-1"), stranger), issuers)
    assert (unknown.value.code, unknown.value.issued_on, unknown.value.directory_serial) == ("999999", TODAY, 1)
    assert unknown.value.directory_issued_at == NOW and not unknown.value.postdates_paper
    before_its_keys = _document("139998", "139998-2026-2", (NOW - 500 * DAY).date())
    with pytest.raises(IssuerNotListed) as early:  # a member, but no key of it that day
        verify_qr(qr_payload.encode(before_its_keys, keys["old"]), issuers)
    assert early.value.code == "139998" and early.value.postdates_paper  # the directory is 500 days later
    for text in (qr_payload.encode(_document("139998", "139998-2026-3"), stranger),  # listed keys, none signed
                 qr_payload.encode(_document("999999", "139998-2026-4"), stranger)):  # numbered as another's
        with pytest.raises(qr_payload.QrSignatureInvalid) as failed:
            verify_qr(text, issuers)
        assert not isinstance(failed.value, IssuerNotListed)


@pytest.mark.parametrize(("published", "postdates"), [
    (dt.datetime(2026, 12, 1, 23, 59, tzinfo=dt.UTC), False),  # the issue date itself
    (dt.datetime(2026, 12, 2, 23, 59, tzinfo=dt.UTC), False),  # still the issue date west of UTC
    (dt.datetime(2026, 12, 3, 8, 59, tzinfo=dt.timezone(dt.timedelta(hours=9))), False),  # 23:59 UTC the 2nd
    (dt.datetime(2026, 12, 3, 0, 0, tzinfo=dt.UTC), True),  # the issue date over everywhere
])
def test_a_directory_postdates_a_paper_once_its_issue_date_is_over_everywhere(published: dt.datetime,
                                                                               postdates: bool) -> None:
    directory = Directory("f", 3, published, published + DAY, ())
    assert IssuerNotListed("999999", TODAY, directory).postdates_paper is postdates


def test_a_suspended_members_paper_is_refused_by_a_kiosk_as_before(keys: dict[str, Ed25519PrivateKey]) -> None:
    """A kiosk takes new documents from active members only: a suspended one's is a plain
    refusal, not an issuer its directory does not know."""
    member = dataclasses.replace(_member("139998", PublishedKey(keys["new"].public_key(), NOW - DAY, NOW + DAY)),
                                 status="suspended")
    kiosk = DirectoryIssuers(Directory("f", 1, NOW, NOW + DAY, (), (member,)), active_only=True)
    with pytest.raises(qr_payload.QrSignatureInvalid) as refused:
        verify_qr(qr_payload.encode(_document("139998", "139998-2026-5"), keys["new"]), kiosk)
    assert not isinstance(refused.value, IssuerNotListed)


def test_listed_keys_that_do_not_verify_are_told_apart_from_an_unknown_issuer(
        issuers: DirectoryIssuers, keys: dict[str, Ed25519PrivateKey]) -> None:
    """The QR code names no key: a code the municipality's listed keys do not verify may be
    signed with a key rotated in after this copy of the directory (update it), and says so
    with the directory it was checked against; a serial numbered as another municipality's
    stays a plain failure (no genuine paper is)."""
    rotated_in = Ed25519PrivateKey.generate()
    with pytest.raises(IssuerKeyNotListed) as unknown:
        verify_qr(qr_payload.encode(_document("139998", "139998-2026-6"), rotated_in), issuers)
    assert not isinstance(unknown.value, IssuerNotListed)  # its keys were tried: not an unknown issuer
    assert (unknown.value.code, unknown.value.issued_on, unknown.value.directory_serial) == ("139998", TODAY, 1)
    assert not unknown.value.postdates_paper  # the directory is of the paper's own day
    last_week = _document("139998", "139998-2026-7", (NOW - 7 * DAY).date())
    with pytest.raises(IssuerKeyNotListed) as later:
        verify_qr(qr_payload.encode(last_week, rotated_in), issuers)
    assert later.value.postdates_paper  # published after it: conclusive, the verdict's business
    with pytest.raises(qr_payload.QrSignatureInvalid) as contradictory:
        verify_qr(qr_payload.encode(_document("271004", "139998-2026-8"), rotated_in), issuers)
    assert not isinstance(contradictory.value, SignerNotListed)


def test_the_centres_own_copy_is_conclusive_for_todays_paper(issuers: DirectoryIssuers) -> None:
    """The centre checks with the copy it publishes, the current one at every check: a
    genuine paper, printed before it is checked, was signed with a key that copy lists, so
    a key it does not list is conclusive even for a paper of the copy's own day, which any
    other holder's copy may simply be too old to know."""
    stranger = Ed25519PrivateKey.generate()
    centre = dataclasses.replace(issuers, current=True)
    for text, refusal in ((qr_payload.encode(_document("139998", "139998-2026-9"), stranger), IssuerKeyNotListed),
                          (qr_payload.encode(_document("999999", "999999-2026-9"), stranger), IssuerNotListed)):
        for trust, conclusive in ((issuers, False), (centre, True)):
            with pytest.raises(refusal) as refused:
                verify_qr(text, trust)
            assert refused.value.postdates_paper is conclusive


def _revoked(code: str, key: Ed25519PrivateKey, reason: str = "compromised") -> RevokedKey:
    return RevokedKey(code, "issuer", PublishedKey(key.public_key(), NOW - 400 * DAY, NOW + 400 * DAY), NOW - DAY,
                      reason)


def test_a_paper_signed_with_a_revoked_key_is_told_so(keys: dict[str, Ed25519PrivateKey]) -> None:
    """The withdrawn key is tried only to name it: it never verifies a paper, whatever the
    date (its municipality's only key included), and another member's revoked key is not
    this municipality's."""
    withdrawn, kept = Ed25519PrivateKey.generate(), keys["new"]
    member = _member("139998", PublishedKey(kept.public_key(), NOW - 400 * DAY, NOW + 400 * DAY))
    centre = PublishedKey(Ed25519PrivateKey.generate().public_key(), NOW, NOW + DAY)
    directory = Directory("f", 2, NOW, NOW + DAY, (centre,), (member, _member("271004")),
                          (_revoked("139998", withdrawn), _revoked("271004", keys["other"])))
    trust = DirectoryIssuers(directory)
    for issued_on in (TODAY, (NOW - 300 * DAY).date(), (NOW + 300 * DAY).date()):
        with pytest.raises(KeyRevoked) as refused:
            verify_qr(qr_payload.encode(_document("139998", "139998-2026-9", issued_on), withdrawn), trust)
        assert refused.value.revoked.key.key_id == directory.revoked_keys[0].key.key_id
        assert refused.value.revoked.reason == "compromised"
    with pytest.raises(KeyRevoked):  # the member's only key was withdrawn
        verify_qr(qr_payload.encode(_document("271004", "271004-2026-1"), keys["other"]), trust)
    with pytest.raises(SignerNotListed):  # 271004's withdrawn key is not 139998's
        verify_qr(qr_payload.encode(_document("139998", "139998-2026-10"), keys["other"]), trust)
    assert verify_qr(qr_payload.encode(_document("139998", "139998-2026-11"), kept), trust).serial == "139998-2026-11"


def test_a_directory_never_lists_a_key_it_records_as_revoked(keys: dict[str, Ed25519PrivateKey]) -> None:
    listed = PublishedKey(keys["new"].public_key(), NOW - 400 * DAY, NOW + 400 * DAY)
    with pytest.raises(DirectoryError) as malformed:
        Directory("f", 1, NOW, NOW + DAY, (), (_member("139998", listed),), (_revoked("139998", keys["new"]),))
    assert malformed.value.code == "malformed"
    with pytest.raises(DirectoryError):  # recorded twice
        Directory("f", 1, NOW, NOW + DAY, (), (), (_revoked("139998", keys["old"]),) * 2)
