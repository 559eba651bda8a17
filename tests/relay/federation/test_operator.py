"""The federation operator's directory: admission only after conformance, suspension and
key rotation by a new signed directory, keys kept private, every change logged."""

from __future__ import annotations

import datetime as dt
import json
import re
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from protocol.federation.directory import Anchor, DirectoryError, Member, PublishedKey, issuer_keys_for_serial, verify
from relay.federation.ca import certificate_sha256
from relay.federation.operator import Federation, OperatorError
from relay.federation.report import Check, sign_report
from tests.fixtures.federation import centre_key, conformance_report, municipality

NOW = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)


@pytest.fixture
def fed(tmp_path: Path) -> Federation:
    return Federation.init(tmp_path / "fed", "test-federation", NOW)


def report(fed: Federation, member: Member, passed: bool = True, code: str | None = None) -> bytes:
    """The kit's report about ``member``, signed by this federation's centre at ``NOW``."""
    return conformance_report(fed.root, member, NOW, passed, code)


def anchor(fed: Federation) -> Anchor:
    return Anchor.from_bytes((fed.root / "anchor.json").read_bytes())


def published(fed: Federation) -> bytes:
    return (fed.root / "directory.json").read_bytes()


def test_init_keeps_keys_private_and_refuses_a_second_init(fed: Federation) -> None:
    private = fed.root / "private"
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    for name in ("directory-signing.key", "ca.key", "centre-message.key"):
        assert stat.S_IMODE((private / name).stat().st_mode) == 0o600
    assert anchor(fed).federation == "test-federation"
    before = (fed.root / "federation.json").read_bytes()
    with pytest.raises(OperatorError, match="already holds a federation"):
        Federation.init(fed.root, "other", NOW)
    assert (fed.root / "federation.json").read_bytes() == before


def test_init_on_a_file_says_so_and_leaves_it(tmp_path: Path) -> None:
    taken = tmp_path / "federation"
    taken.write_text("an operator's notes")
    with pytest.raises(OperatorError, match="is a file, not a directory"):
        Federation.init(taken, "test-federation", NOW)
    assert taken.read_text() == "an operator's notes"


def test_admission_needs_a_passed_conformance_report(fed: Federation) -> None:
    city = municipality("139998", NOW)
    with pytest.raises(OperatorError, match="conformance"):
        fed.admit(city.member_json(), NOW, None)
    with pytest.raises(OperatorError, match="did not pass"):
        fed.admit(city.member_json(), NOW, report(fed, city.member, passed=False))
    with pytest.raises(OperatorError, match="another municipality"):
        fed.admit(city.member_json(), NOW, report(fed, city.member, code="271004"))
    with pytest.raises(OperatorError, match="another member entry"):  # a report about other keys
        fed.admit(city.member_json(), NOW, report(fed, municipality("139998", NOW).member))
    assert fed.source().members == ()
    fed.admit(city.member_json(), NOW, report(fed, city.member))
    assert fed.source().active("139998") is not None
    with pytest.raises(OperatorError, match="already in the federation"):
        fed.admit(city.member_json(), NOW, report(fed, city.member))
    log = [json.loads(line) for line in (fed.root / "operations.jsonl").read_text().splitlines()]
    assert log[-1]["action"] == "admit" and log[-1]["conformance"].startswith("sha256:")


def test_an_edited_report_is_refused(fed: Federation) -> None:
    city = municipality("139998", NOW)
    failed = json.loads(report(fed, city.member, passed=False))
    failed["report"]["passed"] = True  # the candidate's own edit of a failed run
    with pytest.raises(OperatorError, match="changed after the centre signed it"):
        fed.admit(city.member_json(), NOW, json.dumps(failed).encode())
    other = municipality("139998", NOW).member
    moved = json.loads(report(fed, other))  # a passed report about other keys, re-pointed at this entry
    moved["report"]["member_sha256"] = json.loads(report(fed, city.member))["report"]["member_sha256"]
    with pytest.raises(OperatorError, match="changed after the centre signed it"):
        fed.admit(city.member_json(), NOW, json.dumps(moved).encode())
    unsigned = json.loads(report(fed, city.member))
    del unsigned["signature"]
    with pytest.raises(OperatorError, match="not signed"):
        fed.admit(city.member_json(), NOW, json.dumps(unsigned).encode())
    with pytest.raises(OperatorError, match="not a signed one"):  # the unsigned format of before
        fed.admit(city.member_json(), NOW, json.dumps(unsigned["report"] | {"format": "certificate-kiosk/"
                                                                            "conformance-report/1"}).encode())
    assert fed.source().members == ()


def test_a_foreign_report_is_refused(fed: Federation, tmp_path: Path) -> None:
    city = municipality("139998", NOW)
    other = Federation.init(tmp_path / "other", "other-federation", NOW)
    with pytest.raises(OperatorError, match="not signed by a centre key of this federation"):
        fed.admit(city.member_json(), NOW, conformance_report(other.root, city.member, NOW))
    with pytest.raises(OperatorError, match="not signed by a centre key of this federation"):  # self-certified
        fed.admit(city.member_json(), NOW, sign_report(city.member, city.member.endpoint, [Check("protocol", True)],
                                                       city.message, NOW))
    with pytest.raises(OperatorError, match="not signed by a centre key of this federation"):  # before its key
        fed.admit(city.member_json(), NOW, sign_report(city.member, city.member.endpoint, [Check("protocol", True)],
                                                       centre_key(fed.root), NOW - WEEK, WEEK * 2))
    assert fed.source().members == ()


def test_a_stale_report_is_refused(fed: Federation) -> None:
    city = municipality("139998", NOW)
    signed = report(fed, city.member)  # valid for seven days from NOW
    with pytest.raises(OperatorError, match="stale"):
        fed.admit(city.member_json(), NOW + WEEK, signed)
    with pytest.raises(OperatorError, match="validity window"):  # dated ahead of the operator's clock
        fed.admit(city.member_json(), NOW - dt.timedelta(hours=1), signed)
    long = sign_report(city.member, city.member.endpoint, [Check("protocol", True)], centre_key(fed.root), NOW,
                       dt.timedelta(days=365))
    with pytest.raises(OperatorError, match="validity window"):
        fed.admit(city.member_json(), NOW, long)
    assert fed.source().members == ()
    fed.admit(city.member_json(), NOW + WEEK - dt.timedelta(minutes=1), signed)
    assert fed.source().active("139998") is not None


def test_skipping_the_check_is_explicit_and_recorded(fed: Federation) -> None:
    fed.admit(municipality("139998", NOW).member_json(), NOW, None, skip_conformance_check=True)
    log = [json.loads(line) for line in (fed.root / "operations.jsonl").read_text().splitlines()]
    assert log[-1]["conformance"] == "skipped"


def test_a_malformed_member_or_a_reused_key_is_refused(fed: Federation) -> None:
    other = municipality("139998", NOW).member
    for malformed in (b"{", b"[" * 100_000 + b"]" * 100_000):  # the second nested deeper than the parser goes
        with pytest.raises(OperatorError, match="not JSON"):
            fed.admit(malformed, NOW, report(fed, other))
    with pytest.raises(OperatorError, match="not a valid member"):
        fed.admit(b'{"code": "12"}', NOW, report(fed, other, code="12"))
    city = municipality("139998", NOW)
    mistyped = json.loads(city.member_json()) | {"code": "139990"}
    with pytest.raises(OperatorError, match="wrong check digit"):
        fed.admit(json.dumps(mistyped).encode(), NOW, report(fed, Member.from_json(mistyped)))
    fed.admit(city.member_json(), NOW, report(fed, city.member))
    copy = json.loads(city.member_json())
    copy["code"] = "271004"
    with pytest.raises(OperatorError, match="already published"):
        fed.admit(json.dumps(copy).encode(), NOW, report(fed, Member.from_json(copy)))


def test_publish_signs_the_next_serial_and_a_suspension_needs_it(fed: Federation) -> None:
    city = municipality("139998", NOW)
    fed.admit(city.member_json(), NOW, report(fed, city.member))
    fed.publish(NOW, WEEK)
    first = verify(published(fed), anchor(fed), NOW)
    assert first.serial == 1 and first.expires_at == NOW + WEEK and first.active("139998")
    fed.set_status("139998", "suspended", NOW)
    assert verify(published(fed), anchor(fed), NOW).active("139998") is not None  # not yet published
    fed.publish(NOW, WEEK)
    second = verify(published(fed), anchor(fed), NOW, held=first)
    assert second.serial == 2 and second.active("139998") is None
    with pytest.raises(DirectoryError) as refused:  # the old copy cannot come back
        verify(_signed_serial_1(fed, first), anchor(fed), NOW, held=second)
    assert refused.value.code == "rollback"
    fed.set_status("139998", "active", NOW)
    fed.publish(NOW, WEEK)
    assert verify(published(fed), anchor(fed), NOW).active("139998")


def _signed_serial_1(fed: Federation, first: object) -> bytes:
    from protocol.federation.directory import Directory, sign

    assert isinstance(first, Directory)
    key = serialization.load_pem_private_key((fed.root / "private" / "directory-signing.key").read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    return sign(first, key)


def test_the_directory_expires(fed: Federation) -> None:
    fed.publish(NOW, dt.timedelta(hours=1))
    with pytest.raises(DirectoryError) as refused:
        verify(published(fed), anchor(fed), NOW + dt.timedelta(hours=1))
    assert refused.value.code == "expired"
    with pytest.raises(OperatorError, match="positive"):
        fed.publish(NOW, dt.timedelta(0))


def test_rotation_keeps_old_documents_verifying_and_revocation_does_not(fed: Federation) -> None:
    city = municipality("139998", NOW - dt.timedelta(days=30))
    old = city.member.issuer_keys[0]
    fed.admit(city.member_json(), NOW, report(fed, city.member))
    new = Ed25519PrivateKey.generate()
    fed.rotate_issuer_key("139998", new.public_key(), NOW, dt.timedelta(days=1), dt.timedelta(days=365), NOW)
    fed.publish(NOW, WEEK)
    directory = verify(published(fed), anchor(fed), NOW)
    member = directory.member("139998")
    assert member is not None
    last_month = (NOW - dt.timedelta(days=20)).date()
    assert [k.key_id for k in issuer_keys_for_serial(directory, "139998-2026-1", last_month)] == [old.key_id]
    two_weeks_on = (NOW + dt.timedelta(days=14)).date()
    assert [k.key_id for k in issuer_keys_for_serial(directory, "139998-2026-9", two_weeks_on)] == [
        member.issuer_keys[-1].key_id]
    signer = member.signing_issuer_key(NOW + dt.timedelta(days=2))
    assert signer is not None and signer.key_id != old.key_id  # the old key signs no more after the overlap
    fed.revoke_key("139998", old.key_id, NOW, "compromised")
    fed.publish(NOW, WEEK)
    directory = verify(published(fed), anchor(fed), NOW)
    assert list(issuer_keys_for_serial(directory, "139998-2026-1", last_month)) == []
    with pytest.raises(OperatorError, match="revoked already"):
        fed.revoke_key("139998", old.key_id, NOW)


def _member_file(code: str, issuer: PublishedKey) -> bytes:
    """A member file of ``code`` that publishes ``issuer`` as its issuer key."""
    entry = municipality(code, NOW).member
    return json.dumps(replace(entry, issuer_keys=(issuer,)).to_json()).encode()


def test_a_revocation_is_published_with_the_key_its_date_and_reason_and_the_key_never_returns(
        fed: Federation) -> None:
    """What a verifier needs to tell a paper the key signed (the public key), and to say
    whose it was, when and why it was withdrawn; a withdrawn key is never listed again."""
    city = municipality("139998", NOW - dt.timedelta(days=30))
    fed.admit(city.member_json(), NOW, report(fed, city.member))
    kept = fed.add_key("139998", "issuer", Ed25519PrivateKey.generate().public_key(), NOW, NOW + WEEK, NOW)
    withdrawn = city.member.issuer_keys[0]
    with pytest.raises(OperatorError, match="one line"):
        fed.revoke_key("139998", withdrawn.key_id, NOW, "compromised\nsee the ticket")
    for reason, named in (("鍵の漏えい\u3000発行サーバ", "(it holds U+3000, which is not printable)"),
                          ("x" * 513, "(it has 513)")):  # the character or the length that is refused is named
        with pytest.raises(OperatorError) as refused:
            fed.revoke_key("139998", withdrawn.key_id, NOW, reason)
        assert str(refused.value).endswith(named)
    later = NOW + dt.timedelta(hours=3)
    fed.revoke_key("139998", withdrawn.key_id, later, "issuing server compromised")
    fed.publish(later, WEEK)
    directory = verify(published(fed), anchor(fed), later)
    (record,) = directory.revoked_keys
    assert (record.code, record.kind, record.key.key_id, record.revoked_at, record.reason) == (
        "139998", "issuer", withdrawn.key_id, later, "issuing server compromised")
    assert record.key.public_key.public_bytes_raw() == city.issuer.public_key().public_bytes_raw()
    member = directory.member("139998")
    assert member is not None and [k.key_id for k in member.issuer_keys] == [kept.key_id]
    for again in (lambda: fed.add_key("139998", "issuer", withdrawn.public_key, later, later + WEEK, later),
                  lambda: fed.rotate_issuer_key("139998", withdrawn.public_key, later, WEEK, WEEK, later),
                  lambda: fed.admit(_member_file("271004", withdrawn), later, None, skip_conformance_check=True)):
        with pytest.raises(OperatorError, match="was revoked on"):
            again()
    with pytest.raises(OperatorError, match=re.escape(f"key {withdrawn.key_id} of municipality 139998 was revoked "
                                                      f"already, on {later.isoformat(timespec='seconds')}")):
        fed.revoke_key("139998", withdrawn.key_id, later + WEEK, "again")  # not "has no key"
    fed.revoke_key("139998", city.member.message_keys[0].key_id, later)  # a message key: recorded as such
    assert [(r.kind, r.reason) for r in fed.source().revoked_keys] == [("issuer", "issuing server compromised"),
                                                                        ("message", "")]


def test_add_key_refuses_an_empty_period_and_unknown_members(fed: Federation) -> None:
    city = municipality("139998", NOW)
    fed.admit(city.member_json(), NOW, report(fed, city.member))
    key = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(OperatorError, match="end after"):
        fed.add_key("139998", "message", key, NOW, NOW, NOW)
    with pytest.raises(OperatorError, match="no municipality"):
        fed.add_key("271004", "message", key, NOW, NOW + WEEK, NOW)
    added = fed.add_key("139998", "message", key, NOW, NOW + WEEK, NOW)
    member = fed.source().member("139998")
    assert member is not None and member.message_key(added.key_id, NOW) is not None


def _csr(common_name: str | None) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)] if common_name else [])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


def test_the_ca_signs_a_server_certificate_for_mutual_tls(fed: Federation) -> None:
    cert = fed.sign_csr(_csr("issuing.139998.example"), "municipal", ["127.0.0.1", "issuing.example"], NOW, 397)
    ca_cert = x509.load_pem_x509_certificate((fed.root / "ca.pem").read_bytes())
    cert.verify_directly_issued_by(ca_cert)
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH in usage and x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in usage
    assert len(certificate_sha256(cert)) == 64
    with pytest.raises(OperatorError, match="common name"):
        fed.sign_csr(_csr(None), "municipal", ["127.0.0.1"], NOW, 397)
    with pytest.raises(OperatorError, match="not a certificate signing request"):
        fed.sign_csr(b"junk", "municipal", ["127.0.0.1"], NOW, 397)


def test_a_member_s_nodes_are_listed_in_order_and_checked(fed: Federation) -> None:
    city = municipality("139998", NOW)
    fed.admit(city.member_json(), NOW, report(fed, city.member))
    nodes = ["https://node1.example:8443", "https://node2.example:8443"]
    fed.set_endpoints("139998", nodes, NOW)
    fed.publish(NOW, WEEK)
    listed = verify(published(fed), anchor(fed), NOW).active("139998")
    assert listed is not None and list(listed.endpoints) == nodes and listed.endpoint == nodes[0]
    for bad, why in ((["http://node1.example"], "https://"), ([], "1 to 8"), (nodes + nodes[:1], "twice"),
                     ([f"https://n{i}.example" for i in range(9)], "1 to 8"), (["https://node1.example:99999"],
                     "port of 1 to 65535"), (["https://node1.example:0"], "port of 1 to 65535"),
                     (["https://:8443"], "needs a host")):
        with pytest.raises(OperatorError, match=why):
            fed.set_endpoints("139998", bad, NOW)
    with pytest.raises(OperatorError):
        fed.set_endpoints("271004", nodes, NOW)  # not a member
    fed.set_endpoints("139998", nodes[1:], NOW)  # back to one node: the entry is as a one-node one
    assert "endpoints" not in json.loads((fed.root / "federation.json").read_text())["members"][0]
    operations = [json.loads(line) for line in (fed.root / "operations.jsonl").read_text().splitlines()]
    assert [op["endpoints"] for op in operations if op["action"] == "set_endpoints"] == [nodes, nodes[1:]]
