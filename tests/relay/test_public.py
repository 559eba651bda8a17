"""The public verification service: QR payloads and the scrambled face on the back."""

from __future__ import annotations

import base64
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
from PIL import Image, ImageChops, ImageStat

from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.world import World
from kiosk.relay_client.client import load_issuer_public_key
from kiosk.relay_client.https import HttpsRelayClient
from kiosk.relay_client.port import Issued
from protocol.documents import qr_payload

pytestmark = pytest.mark.relay


@pytest.fixture(scope="module")
def server(public_relay_server: RelayServer) -> RelayServer:
    return public_relay_server


@pytest.fixture(scope="module")
def issued(world: World, server: RelayServer) -> Issued:
    cert, key = server.kiosk_cert()
    with HttpsRelayClient(server.url, ca_file=server.ca_file, cert_file=cert, key_file=key,
                          issuer_key=load_issuer_public_key(server.issuer_public_key)) as client:
        card = CardSigner.load(world.card_path("shiken-hanako"))
        opened = client.open_session()
        client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
        return client.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)


def _verify(server: RelayServer, body: bytes) -> tuple[int, Any]:
    """No client certificate: the public service is open to anyone."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=str(server.ca_file))
    assert server.public_port
    conn = http.client.HTTPSConnection("127.0.0.1", server.public_port, context=ctx, timeout=60)
    try:
        conn.request("POST", "/v1/verify", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_the_public_service_is_a_process_of_its_own(server: RelayServer) -> None:
    assert server.public_pid and server.public_pid != server.process.pid
    stat = Path(f"/proc/{server.public_pid}/stat").read_text().rsplit(")", 1)[1].split()
    assert int(stat[1]) == server.process.pid  # started by relay serve --public-port


def test_a_genuine_qr_payload(server: RelayServer, issued: Issued) -> None:
    status, answer = _verify(server, json.dumps({"qr": issued.qr[0]}).encode())
    assert status == 200 and answer["valid"] is True and answer["reason"] == "ok"
    assert answer["claims"]["serial"] == issued.documents[0]["serial"]
    assert answer["claims"]["document_sha256"] == qr_payload.claims_of(issued.documents[0]).document_sha256


def test_forged_and_malformed_payloads(world: World, server: RelayServer, issued: Issued) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = qr_payload.encode(issued.documents[0], Ed25519PrivateKey.from_private_bytes(b"\3" * 32))
    assert _verify(server, json.dumps({"qr": forged}).encode())[1]["reason"] == "signature"
    assert _verify(server, json.dumps({"qr": "KC1:???"}).encode())[1]["reason"] == "qr_malformed"
    assert _verify(server, b'{"qr": 1}')[1] == {"error": {"code": "wrong_type", "field": "qr"}}
    assert _verify(server, b'{"scan": "@@", "page": 1}')[1] == {"error": {"code": "bad_value", "field": "scan"}}
    junk = base64.b64encode(b"GIF89a" + b"\0" * 64).decode()
    assert _verify(server, json.dumps({"scan": junk, "page": 1}).encode())[0] == 400


def _back_scan(document: Mapping[str, Any], key: bytes, qr: str) -> bytes:
    from protocol.paper import render as renderer

    pdf = renderer.render(document, None, key, qr_text=qr).pdf
    doc = pdfium.PdfDocument(bytes(pdf))
    page = doc[1]
    back = page.render(scale=300 / 72, grayscale=True).to_pil().convert("L")
    page.close()
    doc.close()
    buf = io.BytesIO()
    back.save(buf, "PNG")
    return json.dumps({"scan": base64.b64encode(buf.getvalue()).decode(), "page": 1}).encode()


def _face_difference(document: Mapping[str, Any], answer: dict[str, Any]) -> float:
    from protocol.paper import render as renderer

    face = Image.open(io.BytesIO(base64.b64decode(answer["face_png"]))).convert("L")
    expected = renderer._face_images(renderer.face_only_pdf(document))[0].convert("L").resize(face.size)
    return float(ImageStat.Stat(ImageChops.difference(face, expected)).mean[0])


def test_the_face_is_recovered_from_a_scan_of_the_back(world: World, server: RelayServer, issued: Issued) -> None:
    """Printed as the kiosk prints it: with the document's own key from the relay."""
    from protocol.scramble_key import document_scramble_key

    document = issued.documents[0]
    master = bytes.fromhex(world.pki("scramble.key").read_text().strip())
    assert issued.scramble_keys[0] == document_scramble_key(master, document["serial"]) != master
    status, answer = _verify(server, _back_scan(document, issued.scramble_keys[0], issued.qr[0]))
    assert status == 200 and answer["valid"] is True
    assert answer["claims"]["serial"] == document["serial"]
    assert _face_difference(document, answer) < 12


def test_a_back_scrambled_with_another_key_gives_no_face(world: World, server: RelayServer,
                                                         issued: Issued) -> None:
    """Neither the master secret itself nor another document's key makes a back the
    service can read: every document has its own key."""
    from protocol.scramble_key import document_scramble_key

    document = issued.documents[0]
    master = bytes.fromhex(world.pki("scramble.key").read_text().strip())
    for key in (master, document_scramble_key(master, document["serial"] + "0")):
        status, answer = _verify(server, _back_scan(document, key, issued.qr[0]))
        assert status == 200 and answer["valid"] is True  # the QR code is genuine …
        assert _face_difference(document, answer) > 40  # … but the face is noise
