"""The real client against a misbehaving relay: every bad answer is a typed error.

A scripted HTTPS server with the relay's certificate (and the kiosk client certificate
required, as the real one does) answers each call with what the test asks for: server
errors, truncated and oversized bodies, duplicate keys, a stall past the read timeout,
and a genuinely signed document of another session replayed to this one.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import json
import ssl
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware_mocks.world import World
from kiosk.relay_client.client import load_issuer_public_key
from kiosk.relay_client.errors import (
    IntegrityError,
    RelayError,
    RelayProtocolError,
    RelayTimeout,
    RelayUnavailable,
)
from kiosk.relay_client.https import HttpsRelayClient
from kiosk.relay_client.verify import SessionFacts
from protocol.documents import qr_payload
from protocol.documents.binding import Binding
from protocol.documents.model import document_hash
from tests.fixtures.waiting import join_all

Script = Callable[[http.server.BaseHTTPRequestHandler], None]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    script: Script
    released: threading.Event  # set when the test is over: a stalled answer may end

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        type(self).script(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _send(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes, length: int | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body) if length is None else length))
    handler.end_headers()
    handler.wfile.write(body)


def _truncated(handler: http.server.BaseHTTPRequestHandler) -> None:
    """Promise 1000 bytes, send 16, hang up."""
    handler.close_connection = True
    _send(handler, 200, b'{"session_id": "', length=1000)


def _truncated_closing(handler: http.server.BaseHTTPRequestHandler) -> None:
    """The same with ``Connection: close`` (a relay shutting down gracefully): the answer,
    not the connection, then holds the socket."""
    handler.close_connection = True
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "1000")
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(b'{"session_id": "')


def _stall(handler: _Handler) -> None:
    """Answer nothing until the test is over, long after the client's read timeout."""
    handler.released.wait()
    handler.close_connection = True


@pytest.fixture
def scripted(world: World) -> Iterator[tuple[Callable[[Script], None], int]]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(world.pki("relay.pem"), world.pki("relay.key"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(world.pki("operator-ca.pem"))
    class Handler(_Handler):
        released = threading.Event()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def set_script(script: Script) -> None:
        Handler.script = script  # read through the class (do_POST), so it stays unbound

    yield set_script, server.server_address[1]
    Handler.released.set()
    server.shutdown()
    server.server_close()
    join_all([thread], what="the scripted server")


def _client(world: World, port: int) -> HttpsRelayClient:
    cert, key = world.kiosk_cert("KIOSK-0001")
    client = HttpsRelayClient(f"https://127.0.0.1:{port}", ca_file=world.pki("operator-ca.pem"), cert_file=cert,
                              key_file=key, issuer_key=load_issuer_public_key(world.pki("issuer.pub")),
                              read_timeout=0.5, retries=0)
    client._session_id = "a" * 32
    client._facts = SessionFacts("a" * 32, "KIOSK-0001", "c" * 64)
    return client


@pytest.mark.parametrize(
    ("script", "error", "code"),
    [
        (lambda h: _send(h, 500, b'{"error":{"code":"internal"}}'), RelayUnavailable, "relay_unavailable"),
        (lambda h: _send(h, 503, b'{"error":{"code":"timeout"}}'), RelayTimeout, "relay_timeout"),
        (lambda h: _send(h, 200, b'{"menu":1,"menu":2}'), RelayProtocolError, "duplicate_key"),
        (lambda h: _send(h, 200, b"not json"), RelayProtocolError, "bad_json"),
        (lambda h: _send(h, 200, b"[]"), RelayProtocolError, "bad_response"),
        (lambda h: _truncated(h), RelayUnavailable, "relay_unavailable"),
        (lambda h: _truncated_closing(h), RelayUnavailable, "relay_unavailable"),
        (lambda h: _send(h, 200, b" " * (2 * 1024 * 1024 + 10)), RelayProtocolError, "too_large"),
        (_stall, RelayTimeout, "relay_timeout"),
    ],
    ids=["500", "503-timeout", "duplicate-keys", "not-json", "not-an-object", "truncated", "truncated-closing",
         "oversized", "stall"],
)
def test_bad_answers(world: World, scripted: Any, script: Script, error: type[RelayError], code: str,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    set_script, port = scripted
    set_script(script)
    answers: list[http.client.HTTPResponse] = []

    class Recorded(http.client.HTTPResponse):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            answers.append(self)

    monkeypatch.setattr(http.client.HTTPSConnection, "response_class", Recorded)
    with _client(world, port) as client, pytest.raises(error) as err:
        client.menu()
    assert err.value.code == code
    # every answer is closed: one left open (``Connection: close`` holds the socket in the
    # answer) was closed by the collector in some later test, with a ResourceWarning
    assert all(answer.closed for answer in answers)


def test_a_signed_document_of_another_session_is_refused(world: World, scripted: Any) -> None:
    key = serialization.load_pem_private_key(world.pki("issuer.key").read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    rid = str(uuid.uuid4())
    document = {"format": 1, "type": "juminhyo", "serial": "139998-2026-0000001", "issued_on": "2026-11-26",
                "municipality": {"code": "139998"}, "options": {"scope": "self"}, "body": {"members": []}}

    def replay(session_id: str, card: str) -> Script:
        binding = Binding(rid, session_id, "KIOSK-0001", card, document_hash(document))
        answer = {"request_id": rid, "fee": 200, "amount": 200, "documents": [
            {"document": document, "binding": asdict(binding), "signature": binding.sign(key),
             "qr": qr_payload.encode(document, key), "scramble_key": base64.b64encode(bytes(32)).decode()}]}
        return lambda h: _send(h, 200, json.dumps(answer).encode())

    set_script, port = scripted
    set_script(replay("b" * 32, "c" * 64))  # another session's document, under this request id
    with _client(world, port) as client, pytest.raises(IntegrityError) as err:
        client.request_documents(rid, "juminhyo", {}, 1)
    assert err.value.field == "session_id"
    set_script(replay("a" * 32, "d" * 64))  # this session, another card
    with _client(world, port) as client, pytest.raises(IntegrityError) as err:
        client.request_documents(rid, "juminhyo", {}, 1)
    assert err.value.field == "card_cert_sha256"
    set_script(replay("a" * 32, "c" * 64))  # all facts right: accepted
    with _client(world, port) as client:
        assert client.request_documents(rid, "juminhyo", {}, 1).documents[0]["serial"] == document["serial"]
