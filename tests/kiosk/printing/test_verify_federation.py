"""``kiosk verify --anchor A --directory D``: a certificate of any member municipality
verifies offline with the keys the signed directory lists for it on its issue date; a
rotated-out key still verifies what it signed, a removed key does not, and a document
signed with one municipality's key but numbered as another's is invalid. A paper whose
issuer, or whose signing key (a rotation since), a directory older than the paper does not
list is not verified (exit 4, update the directory), never called forged; one a directory
published after it does not list is invalid. A paper signed with a key the operator revoked
is invalid, with the key, the date and the reason."""

from __future__ import annotations

import asyncio
import base64
import copy
import dataclasses
import datetime as dt
import shlex
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware_mocks.federation_world import C
from hardware_mocks.world import World
from kiosk.cli import main as kiosk_main
from protocol.documents import qr_payload
from protocol.federation import directory as fd
from protocol.federation.directory import MAX_DIRECTORY_BYTES, Anchor, Directory, Member, PublishedKey, sign
from protocol.paper.render import render
from relay.federation import operator as federation_operator
from tests.fixtures.documents import ISSUED_ON, DocumentFactory, Keys
from tests.fixtures.federation import conformance_report, municipality
from tests.fixtures.federation_relay import FederatedRelay
from tests.fixtures.federation_services import Federation

VALID = 0
VALID_UNCOMPARED = 3  # the signature verifies; no scramble key given, so the face is not compared
INVALID, UNREADABLE = 1, 2
NOT_VERIFIED = 4  # the directory does not list the issuer on the paper's date and may be out of date
SINCE, UNTIL = dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
DAY_AFTER_ISSUE = dt.datetime.combine(ISSUED_ON + dt.timedelta(days=1), dt.time(0, 0), tzinfo=dt.UTC)


class Operator:
    """Signs directories for the test, with one anchor."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.key = Ed25519PrivateKey.generate()
        self.anchor = root / "anchor.json"
        self.anchor.write_bytes(Anchor("test-federation", (self.key.public_key(),)).to_bytes())

    def publish(self, name: str, members: tuple[Member, ...], expires: dt.timedelta = dt.timedelta(days=1),
                issued_at: dt.datetime | None = None) -> Path:
        now = dt.datetime.now(dt.UTC)
        centre = PublishedKey(Ed25519PrivateKey.generate().public_key(), SINCE, UNTIL)
        path = self.root / name
        published = issued_at or now - dt.timedelta(hours=1)
        path.write_bytes(sign(Directory("test-federation", 1, published, now + expires, (centre,), members),
                              self.key))
        return path


def _member(code: str, *keys: PublishedKey) -> Member:
    template = municipality(code, SINCE, UNTIL).member
    return Member(code, f"試験市{code}", "active", template.endpoint, template.tls_cert_sha256,
                  template.message_keys, keys)


@pytest.fixture(scope="module")
def other() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def papers(make_document: DocumentFactory, keys: Keys, other: Ed25519PrivateKey,
           tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("federation-papers")
    ours = make_document("shiken-ichiro", "juminhyo", serial="139998-2026-0000321")
    theirs: dict[str, Any] = copy.deepcopy(ours)
    theirs["municipality"]["code"], theirs["serial"] = "271004", "271004-2026-0000001"
    out = {}
    for name, document, key in (("ours", ours, keys.issuer), ("theirs", theirs, other),
                                ("ours-signed-by-them", ours, other)):
        out[name] = root / f"{name}.pdf"
        out[name].write_bytes(render(document, key, b"\x01" * 32).pdf)
    return out


@pytest.fixture(scope="module")
def operator(tmp_path_factory: pytest.TempPathFactory) -> Operator:
    return Operator(tmp_path_factory.mktemp("federation-operator"))


def _verify(pdf: Path, operator: Operator, directory: Path | str, *extra: str) -> int:
    return kiosk_main(["verify", str(pdf), "--anchor", str(operator.anchor), "--directory", str(directory), *extra])


def test_any_members_certificate_verifies_and_a_borrowed_key_does_not(
        papers: dict[str, Path], operator: Operator, keys: Keys, other: Ed25519PrivateKey,
        capsys: pytest.CaptureFixture[str]) -> None:
    directory = operator.publish("both.json", (_member("139998", PublishedKey(keys.public, SINCE, UNTIL)),
                                               _member("271004", PublishedKey(other.public_key(), SINCE, UNTIL))))
    assert _verify(papers["ours"], operator, directory) == VALID_UNCOMPARED
    assert "試験市139998" in capsys.readouterr().out
    assert _verify(papers["theirs"], operator, directory) == VALID_UNCOMPARED
    assert _verify(papers["ours-signed-by-them"], operator, directory) == INVALID
    assert "(signature)" in capsys.readouterr().out


def test_rotation_keeps_old_papers_and_removal_does_not(papers: dict[str, Path], operator: Operator,
                                                        keys: Keys) -> None:
    successor = PublishedKey(Ed25519PrivateKey.generate().public_key(), DAY_AFTER_ISSUE, UNTIL)
    rotated = operator.publish("rotated.json", (
        _member("139998", PublishedKey(keys.public, SINCE, DAY_AFTER_ISSUE), successor),))
    assert _verify(papers["ours"], operator, rotated) == VALID_UNCOMPARED
    removed = operator.publish("removed.json", (_member("139998", successor),))
    assert _verify(papers["ours"], operator, removed) == INVALID
    too_late = operator.publish("too-late.json", (  # listed, but only from after the paper's issue date
        _member("139998", PublishedKey(keys.public, DAY_AFTER_ISSUE, UNTIL)),))
    assert _verify(papers["ours"], operator, too_late) == INVALID


def test_a_genuine_paper_of_a_member_the_verifiers_directory_predates_is_not_called_forged(
        fed: Federation, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The defect an outside check found: a genuine paper the federation issued, checked
    with a copy of the directory from before its municipality was admitted, was ``INVALID
    (signature): … forged or altered``, exit 1. Now: not verified, update the directory."""
    async def issue() -> dict[str, Any]:
        session, _, _ = await fed.login(fed.persona_for(C))
        entry: dict[str, Any] = (await fed.request(session))["documents"][0]
        return entry
    entry = asyncio.run(issue())
    pdf = tmp_path / "genuine.pdf"
    pdf.write_bytes(render(entry["document"], None, base64.b64decode(entry["scramble_key"]), qr_text=entry["qr"]).pdf)
    anchor, current = fed.world.root / "anchor.json", fed.world.root / "directory.json"
    held = fd.verify(current.read_bytes(), fed.world.anchor(), dt.datetime.now(dt.UTC))
    before_admission = tmp_path / "before-admission.json"
    before_admission.write_bytes(sign(dataclasses.replace(
        held, issued_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
        members=tuple(m for m in held.members if m.code != C)), fed.world.directory_key()))
    argv = ["verify", str(pdf), "--anchor", str(anchor), "--directory"]
    assert kiosk_main([*argv, str(before_admission)]) == NOT_VERIFIED
    out = capsys.readouterr().out
    first, update = out.splitlines()
    assert first.startswith("NOT VERIFIED, ISSUER UNKNOWN (issuer-unknown): cannot be checked, the paper is NOT "
                            f"verified: this federation directory (serial {held.serial}, published ")
    assert f"no issuer key of municipality {C} valid on {entry['document']['issued_on']}" in first
    assert "forged" not in out and "serial:  " not in out  # nothing the unverified code says is shown as signed
    assert update.startswith(f"update:       fetch the federation centre's current directory and check again: "
                             f"kiosk verify {pdf} --anchor {anchor} --directory https://")
    assert kiosk_main([*argv, str(current)]) == VALID_UNCOMPARED  # the updated directory verifies it


def test_an_invented_municipality_is_never_accepted(papers: dict[str, Path], operator: Operator, keys: Keys,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A forger who numbers a paper as a municipality the directory does not list gets no
    verdict a clerk could take for a pass: not verified while the directory may be older
    than the paper, invalid once it was published after the paper's issue date."""
    members = (_member("139998", PublishedKey(keys.public, SINCE, UNTIL)),)  # 271004 is not a member
    older = operator.publish("older.json", members, issued_at=DAY_AFTER_ISSUE - dt.timedelta(days=2))
    assert _verify(papers["theirs"], operator, older) == NOT_VERIFIED
    out = capsys.readouterr().out
    assert "(issuer-unknown)" in out and "the paper is NOT verified" in out and "do not accept the paper" in out
    assert _verify(papers["theirs"], operator, operator.publish("newer.json", members)) == INVALID
    out = capsys.readouterr().out
    assert out.startswith("INVALID (issuer-unlisted): not verified: ") and "municipality 271004" in out
    assert "update:" not in out


def test_the_update_line_is_a_command_a_shell_runs_as_the_check_was_asked(
        papers: dict[str, Path], operator: Operator, keys: Keys, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The command printed to check again was the paths joined with spaces: a scan named
    with a space ran as two files, and the face's key was left out, so the check it ran
    compared no face."""
    older = operator.publish("older-for-the-hint.json", (_member("139998", PublishedKey(keys.public, SINCE, UNTIL)),),
                             issued_at=DAY_AFTER_ISSUE - dt.timedelta(days=2))  # 271004 not a member yet
    paper = tmp_path / "scan of the back.pdf"
    paper.write_bytes(papers["theirs"].read_bytes())
    scramble = tmp_path / "scramble key.hex"
    scramble.write_text("01" * 32)
    assert _verify(paper, operator, older, "--scramble-key", str(scramble)) == NOT_VERIFIED
    update = capsys.readouterr().out.splitlines()[1]
    command = update.removeprefix("update:       fetch the federation centre's current directory and check again: ")
    assert shlex.split(command) == ["kiosk", "verify", str(paper), "--anchor", str(operator.anchor), "--directory",
                                    "https://CENTRE:8444/v1/directory", "--scramble-key", str(scramble)]


def test_a_directory_that_cannot_be_trusted_is_one_line(papers: dict[str, Path], operator: Operator, keys: Keys,
                                                        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    members = (_member("139998", PublishedKey(keys.public, SINCE, UNTIL)),)
    expired = operator.publish("expired.json", members, expires=dt.timedelta(hours=-1))
    assert _verify(papers["ours"], operator, expired) == UNREADABLE
    assert "refused: expired" in capsys.readouterr().err
    stranger = Operator(tmp_path)
    assert _verify(papers["ours"], stranger, operator.publish("good.json", members)) == UNREADABLE
    assert "refused: unknown_signer" in capsys.readouterr().err
    assert _verify(papers["ours"], operator, tmp_path / "missing.json") == UNREADABLE
    nested = tmp_path / "nested.json"  # deeper than the JSON parser goes: a line, not a traceback
    nested.write_bytes(b"[" * 100_000)
    assert _verify(papers["ours"], operator, nested) == UNREADABLE
    assert "refused: malformed" in capsys.readouterr().err
    large = tmp_path / "large.json"  # the part it fails on is named, for its operator
    large.write_bytes(b" " * (MAX_DIRECTORY_BYTES + 1))
    assert _verify(papers["ours"], operator, large) == UNREADABLE
    assert "refused: malformed (too large)" in capsys.readouterr().err
    assert kiosk_main(["verify", str(papers["ours"]), "--anchor", str(nested), "--directory", str(nested)]) == 2
    assert f"{nested} is not a federation anchor" in capsys.readouterr().err
    assert kiosk_main(["verify", str(papers["ours"]), "--anchor", str(operator.anchor)]) == UNREADABLE
    assert kiosk_main(["verify", str(papers["ours"]), "--anchor", str(operator.anchor), "--issuer-key",
                       str(tmp_path / "k.pem"), "--directory", "x"]) == UNREADABLE
    err = capsys.readouterr().err
    assert "needs --directory" in err and "not both" in err and "Traceback" not in err


def test_the_directory_fetched_from_a_centre(world: World, federated_relay: FederatedRelay,
                                             make_document: DocumentFactory, keys: Keys, tmp_path: Path) -> None:
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(render(make_document("shiken-ichiro", "juminhyo", serial="139998-2026-0000322"), keys.issuer,
                           b"\x01" * 32).pdf)
    port = federated_relay.server.public_port
    assert kiosk_main(["verify", str(pdf), "--anchor", str(federated_relay.anchor), "--directory",
                       f"https://127.0.0.1:{port}/v1/directory", "--directory-ca",
                       str(world.pki("operator-ca.pem"))]) == VALID_UNCOMPARED


# --- the operator's own rotation and revocation (relay/federation/operator.py) -----------
#: The paper's issue date starts (UTC); the operator acts days before and after it.
ISSUE_DAY = dt.datetime.combine(ISSUED_ON, dt.time(0, 0), tzinfo=dt.UTC)
SCRAMBLE = b"\x01" * 32
LONG = dt.timedelta(days=3650)  # the directories stay valid whenever the test runs after the paper


def _admitted(root: Path, at: dt.datetime) -> tuple[federation_operator.Federation, Ed25519PrivateKey]:
    """A federation whose member 139998 has one issuer key (the one returned), admitted at ``at``."""
    operated = federation_operator.Federation.init(root, "test-federation", at)
    city = municipality("139998", at - dt.timedelta(days=30))
    operated.admit(city.member_json(), at, conformance_report(root, city.member, at))
    return operated, city.issuer


def _published(operated: federation_operator.Federation, at: dt.datetime, name: str) -> Path:
    """The directory the operator publishes at ``at``, as a verifier keeps a copy of it."""
    operated.publish(at, LONG)
    copy_ = operated.root / name
    copy_.write_bytes((operated.root / federation_operator.PUBLISHED).read_bytes())
    return copy_


def _paper(path: Path, document: dict[str, Any], key: Ed25519PrivateKey | None = None, qr: str | None = None) -> Path:
    path.write_bytes(render(document, key, SCRAMBLE, qr_text=qr).pdf)
    return path


def _tampered(qr: str) -> str:
    """``qr`` with one byte of its claims changed (the document's hash), the signature kept."""
    raw = bytearray(qr_payload.b45decode(qr.removeprefix(qr_payload.PREFIX)))
    raw[-64 - 1] ^= 0x01
    return qr_payload.PREFIX + qr_payload.b45encode(bytes(raw))


def _check(pdf: Path, root: Path, directory: Path) -> int:
    scramble = root / "scramble.hex"
    scramble.write_text(SCRAMBLE.hex())
    return kiosk_main(["verify", str(pdf), "--anchor", str(root / federation_operator.ANCHOR), "--directory",
                       str(directory), "--scramble-key", str(scramble)])


def test_a_genuine_paper_signed_with_a_rotated_in_key_is_not_called_forged_by_a_directory_from_before(
        make_document: DocumentFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The QR code names no key. A verifier whose copy was published before the rotation
    lists only the old key, still valid on the paper's date in that copy: tried, it fails.
    That copy cannot tell the genuine paper from a forgery, so it says NOT verified, update
    the directory (exit 4), never "forged"; a copy published after the paper's date lists
    the key that signed it: the genuine paper passes, a forged or altered one is INVALID."""
    operated, _ = _admitted(tmp_path / "operator", ISSUE_DAY - dt.timedelta(days=10))
    stale = _published(operated, ISSUE_DAY - dt.timedelta(days=10), "stale.json")
    new_key = Ed25519PrivateKey.generate()
    rotated_at = ISSUE_DAY - dt.timedelta(days=5)  # the paper is issued after the rotation and its overlap
    operated.rotate_issuer_key("139998", new_key.public_key(), rotated_at, dt.timedelta(days=1),
                               dt.timedelta(days=730), rotated_at)
    current = _published(operated, ISSUE_DAY + dt.timedelta(days=3), "current.json")
    document = make_document("shiken-ichiro", "juminhyo", serial="139998-2026-0000331")
    genuine = _paper(tmp_path / "genuine.pdf", document, new_key)
    forged = _paper(tmp_path / "forged.pdf", document, Ed25519PrivateKey.generate())
    tampered = _paper(tmp_path / "tampered.pdf", document, qr=_tampered(qr_payload.encode(document, new_key)))
    root = operated.root

    assert _check(genuine, root, stale) == NOT_VERIFIED
    first, update = capsys.readouterr().out.splitlines()
    assert first.startswith("NOT VERIFIED, ISSUER KEY UNKNOWN (issuer-key-unknown): cannot be checked, the paper is "
                            "NOT verified: none of the issuer keys this federation directory (serial 1, published "
                            "2026-11-16 00:00 UTC) lists for municipality 139998 on 2026-11-26")
    assert "a newer directory may list the key that signed it" in first and "forged" not in first
    assert update.startswith("update:       fetch the federation centre's current directory and check again: ")
    for pdf in (forged, tampered):  # the stale copy never passes a forgery either
        assert _check(pdf, root, stale) == NOT_VERIFIED
        assert "(issuer-key-unknown)" in capsys.readouterr().out

    assert _check(genuine, root, current) == VALID
    assert capsys.readouterr().out.startswith("VALID (ok): ")
    for pdf in (forged, tampered):
        assert _check(pdf, root, current) == INVALID
        out = capsys.readouterr().out
        assert out.startswith("INVALID (signature): the QR code's signature does not verify: forged or altered")
        assert "update:" not in out


def test_a_paper_signed_with_a_revoked_key_is_invalid_naming_the_key_the_date_and_the_reason(
        make_document: DocumentFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``relay federation revoke-key`` records the withdrawn key in the directory: a paper
    only it verifies is INVALID (key-revoked), whatever its date, with the key, when and
    why; a paper the member's other key signed still passes."""
    operated, withdrawn = _admitted(tmp_path / "operator", ISSUE_DAY - dt.timedelta(days=10))
    kept = Ed25519PrivateKey.generate()
    operated.add_key("139998", "issuer", kept.public_key(), ISSUE_DAY - dt.timedelta(days=10),
                     ISSUE_DAY + dt.timedelta(days=365), ISSUE_DAY - dt.timedelta(days=10))
    revoked_at = ISSUE_DAY + dt.timedelta(days=2, hours=9, minutes=30)
    record = operated.revoke_key("139998", fd.key_id(withdrawn.public_key()), revoked_at, "issuing server compromised")
    current = _published(operated, revoked_at + dt.timedelta(hours=1), "current.json")
    document = make_document("shiken-ichiro", "juminhyo", serial="139998-2026-0000341")
    signed_by_withdrawn = _paper(tmp_path / "withdrawn.pdf", document, withdrawn)
    signed_by_kept = _paper(tmp_path / "kept.pdf", document, kept)

    assert _check(signed_by_withdrawn, operated.root, current) == INVALID
    out = capsys.readouterr().out
    assert out == (f"INVALID (key-revoked): the QR code's signature verifies only with issuer key {record.key.key_id} "
                   "of municipality 139998, which the federation withdrew (revoked) on 2026-11-28 09:30 UTC (reason: "
                   "issuing server compromised): nothing signed with that key is valid any more, a genuine paper "
                   "included; the municipality can issue the certificate again\n")
    assert _check(signed_by_kept, operated.root, current) == VALID
    assert capsys.readouterr().out.startswith("VALID (ok): ")
