"""``kiosk verify --anchor A --directory D``: a certificate of any member municipality
verifies offline with the keys the signed directory lists for it on its issue date; a
rotated-out key still verifies what it signed, a removed key does not, and a document
signed with one municipality's key but numbered as another's is invalid. A paper whose
issuer a directory older than the paper does not list is not verified (exit 4, update the
directory), never called forged; one a directory published after it does not list is invalid."""

from __future__ import annotations

import asyncio
import base64
import copy
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware_mocks.federation_world import C
from hardware_mocks.world import World
from kiosk.cli import main as kiosk_main
from protocol.federation import directory as fd
from protocol.federation.directory import Anchor, Directory, Member, PublishedKey, sign
from protocol.paper.render import render
from tests.fixtures.documents import ISSUED_ON, DocumentFactory, Keys
from tests.fixtures.federation import municipality
from tests.fixtures.federation_relay import FederatedRelay
from tests.fixtures.federation_services import Federation

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
