"""The public verification service: QR payloads and the scrambled face on the back."""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import io
import json
import ssl
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.world import World
from kiosk.relay_client.client import load_issuer_public_key
from kiosk.relay_client.https import HttpsRelayClient
from kiosk.relay_client.port import Issued, Outcome
from protocol.documents import qr_payload
from protocol.federation.directory import Directory, Member, PublishedKey, RevokedKey
from relay.cli import main
from relay.public import Verifier
from relay.verifier_register import StoredVerifierRegister

pytestmark = pytest.mark.relay


@pytest.fixture(scope="module")
def server(public_relay_server: RelayServer) -> RelayServer:
    return public_relay_server


def _issue(world: World, server: RelayServer, copies: int = 1, persona: str = "shiken-hanako",
           outcome: tuple[Outcome, int] | None = None) -> Issued:
    cert, key = server.kiosk_cert()
    with HttpsRelayClient(server.url, ca_file=server.ca_file, cert_file=cert, key_file=key,
                          issuer_key=load_issuer_public_key(server.issuer_public_key)) as client:
        card = CardSigner.load(world.card_path(persona))
        opened = client.open_session()
        client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
        rid = str(uuid.uuid4())
        issued = client.request_documents(rid, "juminhyo", {}, copies)
        if outcome is not None:
            client.report_outcome(rid, outcome[0], outcome[1], issued.fee * outcome[1])
        return issued


@pytest.fixture(scope="module")
def issued(world: World, server: RelayServer) -> Issued:
    return _issue(world, server)


@pytest.fixture(scope="module")
def token(server: RelayServer) -> str:
    """A registered verifier's credentials (as ``relay verifier add`` prints them)."""
    register = StoredVerifierRegister(server.db)
    try:
        return register.add("test-bank", "Test Bank", faces_per_hour=4)[1]
    finally:
        register.close()


def _verify(server: RelayServer, body: bytes, token: str | None = None) -> tuple[int, Any]:
    """No client certificate: the public service is open to anyone; ``token``: a verifier's."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=str(server.ca_file))
    assert server.public_port
    # past the service's own wall-clock limit of a scan check (60 s): its answer, busy, comes in
    conn = http.client.HTTPSConnection("127.0.0.1", server.public_port, context=ctx, timeout=90)
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    try:
        conn.request("POST", "/v1/verify", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_the_public_service_is_a_process_of_its_own(server: RelayServer) -> None:
    assert server.public_pid and server.public_pid != server.process.pid
    stat = Path(f"/proc/{server.public_pid}/stat").read_text().rsplit(")", 1)[1].split()
    assert int(stat[1]) == server.process.pid  # started by relay serve --public-port


def test_anyone_learns_valid_and_the_serial_only(server: RelayServer, issued: Issued) -> None:
    status, answer = _verify(server, json.dumps({"qr": issued.qr[0]}).encode())
    assert (status, answer["valid"], answer["reason"], answer["serial"]) == (
        200, True, "ok", issued.documents[0]["serial"])
    assert (answer["claims"], answer["face_png"], answer["diff_png"]) == (None, None, None)


def test_a_registered_verifier_gets_the_claims(server: RelayServer, issued: Issued, token: str) -> None:
    status, answer = _verify(server, json.dumps({"qr": issued.qr[0]}).encode(), token)
    assert status == 200 and answer["valid"] is True and answer["reason"] == "ok"
    assert answer["verifier"] == "test-bank" and answer["face_png"] is None
    assert answer["claims"]["serial"] == issued.documents[0]["serial"]
    assert answer["claims"]["document_sha256"] == qr_payload.claims_of(issued.documents[0]).document_sha256


def test_forged_and_malformed_payloads(world: World, server: RelayServer, issued: Issued) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = qr_payload.encode(issued.documents[0], Ed25519PrivateKey.from_private_bytes(b"\3" * 32))
    assert _verify(server, json.dumps({"qr": forged}).encode())[1]["reason"] == "signature"
    assert _verify(server, json.dumps({"qr": "KC1:???"}).encode())[1]["reason"] == "qr_malformed"
    assert _verify(server, b'{"qr": 1}')[1] == {"error": {"code": "wrong_type", "field": "qr"}}
    assert _verify(server, b'{"scans": ["@@"]}')[1] == {"error": {"code": "bad_value", "field": "scans"}}
    assert _verify(server, b'{"scans": []}')[1] == {"error": {"code": "bad_value", "field": "scans"}}
    junk = base64.b64encode(b"GIF89a" + b"\0" * 64).decode()
    status, answer = _verify(server, json.dumps({"scans": [junk]}).encode())
    assert status == 200 and (answer["status"], answer["reason"]) == ("unreadable", "not_a_certificate_file")


def _scans(document: Mapping[str, Any], key: bytes, qr: str) -> bytes:
    """The request for both sides printed and scanned at 300 dpi (PNG)."""
    from protocol.paper import render as renderer

    pdf = renderer.render(document, None, key, qr_text=qr).pdf
    doc = pdfium.PdfDocument(bytes(pdf))
    sides = []
    for index in (0, 1):
        page = doc[index]
        image = page.render(scale=300 / 72, grayscale=True).to_pil().convert("L")
        page.close()
        buf = io.BytesIO()
        image.save(buf, "PNG")
        sides.append(base64.b64encode(buf.getvalue()).decode())
    doc.close()
    return json.dumps({"scans": sides}).encode()


def test_both_sides_are_compared_and_the_face_recorded_for_a_registered_verifier(
        world: World, server: RelayServer, issued: Issued, token: str, capsys: pytest.CaptureFixture[str]) -> None:
    document = issued.documents[0]
    status, answer = _verify(server, _scans(document, issued.scramble_keys[0], issued.qr[0]), token)
    assert status == 200, answer
    assert (answer["valid"], answer["status"], answer["regions"]) == (True, "valid", []), answer["regions"]
    assert answer["claims"]["serial"] == document["serial"] and answer["verifier"] == "test-bank"
    for picture in (answer["face_png"], answer["diff_png"]):
        with Image.open(io.BytesIO(base64.b64decode(picture))) as img:
            assert img.width > 500
    resident = world.persona("shiken-hanako")["resident"]
    assert main(["verifier", "history", "--resident", resident, "--json", "--db", str(server.db)]) == 0
    history = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert ("test-bank", "Test Bank", document["serial"]) in {
        (h["verifier_id"], h["organisation"], h["serial"]) for h in history}


def test_anyone_sending_scans_gets_the_verdict_but_no_face(server: RelayServer, issued: Issued) -> None:
    document = issued.documents[0]
    status, answer = _verify(server, _scans(document, issued.scramble_keys[0], issued.qr[0]))
    assert status == 200 and (answer["valid"], answer["status"], answer["serial"]) == (
        True, "valid", document["serial"])
    assert (answer["claims"], answer["face_png"], answer["diff_png"]) == (None, None, None)


def test_unknown_or_suspended_credentials_are_refused(server: RelayServer, issued: Issued) -> None:
    body = json.dumps({"qr": issued.qr[0]}).encode()
    assert _verify(server, body, "kv1_" + "0" * 64) == (401, {"error": {"code": "bad_credentials"}})
    register = StoredVerifierRegister(server.db)
    try:
        _, token = register.add("lapsed-agent", "Lapsed Agent", faces_per_hour=5)
        assert _verify(server, body, token)[0] == 200
        register.set_state("lapsed-agent", "suspended")
    finally:
        register.close()
    assert _verify(server, body, token) == (401, {"error": {"code": "bad_credentials"}})


def test_a_verifier_over_its_faces_an_hour_is_refused(server: RelayServer, issued: Issued) -> None:
    register = StoredVerifierRegister(server.db)
    try:
        _, token = register.add("small-office", "Small Office", faces_per_hour=1)
    finally:
        register.close()
    scan = _scans(issued.documents[0], issued.scramble_keys[0], issued.qr[0])
    assert _verify(server, scan, token)[1]["face_png"]
    assert _verify(server, scan, token) == (429, {"error": {"code": "rate_limited"}})


@pytest.mark.parametrize(("copies", "outcome", "expected"), [
    (1, (Outcome.CANCELLED, 0), [(False, "cancelled")]),
    (2, (Outcome.FAILED, 1), [(True, "ok"), (False, "not_printed")]),
    (1, (Outcome.PRINTED, 1), [(True, "ok")]),
], ids=["cancelled", "second-copy-failed", "printed"])
def test_a_document_that_was_not_printed_is_not_valid(world: World, server: RelayServer, copies: int,
                                                      outcome: tuple[Outcome, int],
                                                      expected: list[tuple[bool, str]]) -> None:
    issued = _issue(world, server, copies, outcome=outcome)
    answers = [_verify(server, json.dumps({"qr": qr}).encode())[1] for qr in issued.qr]
    assert [(a["valid"], a["reason"]) for a in answers] == expected


def test_a_voided_document_is_not_valid(world: World, server: RelayServer, token: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    issued = _issue(world, server, outcome=(Outcome.PRINTED, 1))
    serial = issued.documents[0]["serial"]
    assert main(["document", "void", serial, "--reason", "lost", "--db", str(server.db)]) == 0
    assert "voided (lost)" in capsys.readouterr().out
    status, answer = _verify(server, json.dumps({"qr": issued.qr[0]}).encode())
    assert status == 200, answer  # a verdict, not an error
    assert (answer["valid"], answer["status"], answer["reason"], answer["serial"]) == (
        False, "invalid", "voided", serial)
    scan = _scans(issued.documents[0], issued.scramble_keys[0], issued.qr[0])
    status, answer = _verify(server, scan, token)
    assert status == 200, answer
    assert (answer["valid"], answer["reason"], answer["face_png"]) == (False, "voided", None)


def test_a_back_scrambled_with_another_key_is_invalid(world: World, server: RelayServer,
                                                     issued: Issued, token: str) -> None:
    """Neither the master secret itself nor another document's key makes a back the
    service can read: every document has its own key."""
    from protocol.scramble_key import document_scramble_key

    document = issued.documents[0]
    master = bytes.fromhex(world.pki("scramble.key").read_text().strip())
    for key in (master, document_scramble_key(master, document["serial"] + "0")):
        status, answer = _verify(server, _scans(document, key, issued.qr[0]), token)
        assert status == 200 and answer["claims"]["serial"] == document["serial"]  # the QR code is genuine …
        assert (answer["valid"], answer["reason"]) == (False, "scramble")  # … but the back is not its


@pytest.mark.parametrize(("issued_on", "status", "reason"), [
    (dt.date(2026, 12, 3), "unchecked", "issuer_unknown"),  # the directory may predate the issuer's admission
    (dt.date(2026, 11, 20), "invalid", "issuer_unlisted"),  # published well after the paper: conclusive
])
def test_a_qr_code_whose_issuer_the_directory_does_not_list_is_not_valid_nor_called_forged(
        issued_on: dt.date, status: str, reason: str) -> None:
    """The public QR check says what ``kiosk verify`` and the page say: never valid, never
    ``signature`` (forged) for an issuer a directory that may be out of date does not know."""
    published = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
    directory = Directory("f", 5, published, published + dt.timedelta(days=1), ())
    verifier = Verifier(None, None, None, directory=lambda: directory)
    document = {"serial": "271004-2026-1", "type": "juminhyo", "issued_on": issued_on.isoformat(),
                "municipality": {"code": "271004", "name": "x"}, "body": {}}
    got = verifier.check_qr(qr_payload.encode(document, Ed25519PrivateKey.generate()))
    assert (got["valid"], got["status"], got["reason"], got["claims"]) == (False, status, reason, None)
    assert "municipality 271004" in got["message"] and "forged" not in got["message"]
    assert ("the paper is NOT verified" in got["message"]) is (status == "unchecked")


def test_a_qr_code_the_listed_keys_do_not_verify_or_a_withdrawn_key_signed_is_answered_as_the_page_says() -> None:
    """Listed keys that do not verify: ``unchecked``/``issuer_key_unknown`` while the directory
    may predate a key rotated in since, ``invalid``/``signature`` once it is later than the
    paper; a withdrawn key's signature: ``invalid``/``key_revoked``, naming the key, when and
    why. Never valid, never the claims."""
    published = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
    listed, withdrawn, rotated_in = (Ed25519PrivateKey.generate() for _ in range(3))
    period = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    member = Member("139998", "x", "active", "https://127.0.0.1:9443", "ab" * 32, (),
                    (PublishedKey(listed.public_key(), *period),))
    record = RevokedKey("139998", "issuer", PublishedKey(withdrawn.public_key(), *period),
                        dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.UTC), "compromised")
    directory = Directory("f", 5, published, published + dt.timedelta(days=1), (), (member,), (record,))
    verifier = Verifier(None, None, None, directory=lambda: directory)

    def check(issued_on: dt.date, key: Ed25519PrivateKey) -> dict[str, Any]:
        document = {"serial": "139998-2026-1", "type": "juminhyo", "issued_on": issued_on.isoformat(),
                    "municipality": {"code": "139998", "name": "x"}, "body": {}}
        return dict(verifier.check_qr(qr_payload.encode(document, key)))

    assert check(dt.date(2026, 12, 3), listed)["valid"] is True  # the member's kept key verifies

    got = check(dt.date(2026, 12, 3), rotated_in)
    assert (got["valid"], got["status"], got["reason"], got["claims"]) == (False, "unchecked", "issuer_key_unknown",
                                                                           None)
    assert "the paper is NOT verified" in got["message"] and "municipality 139998" in got["message"]
    got = check(dt.date(2026, 11, 20), rotated_in)
    assert (got["valid"], got["status"], got["reason"], got["claims"]) == (False, "invalid", "signature", None)
    assert got["message"] == "the QR code's signature does not verify: forged or altered"
    for issued_on in (dt.date(2026, 12, 3), dt.date(2026, 11, 20)):
        got = check(issued_on, withdrawn)
        assert (got["valid"], got["status"], got["reason"], got["claims"]) == (False, "invalid", "key_revoked", None)
        assert f"issuer key {record.key.key_id} of municipality 139998" in got["message"]
        assert "2026-12-02 07:00 UTC (reason: compromised)" in got["message"]
