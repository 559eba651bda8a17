"""A real ``relay serve`` on loopback: mutual TLS, the kiosk client, and every bad input."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import uuid
from typing import Any

import pytest

from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.world import World
from kiosk.relay_client.errors import IncompatibleRelay, RelayRefused, RelayUnavailable
from kiosk.relay_client.https import HttpsRelayClient, client_tls_context, spki_sha256
from kiosk.relay_client.port import Outcome
from protocol import refusals
from relay.http import server_tls_context
from relay.store.sqlite import SqliteStore
from tests.fixtures.relay import open_hours
from tests.fixtures.tls import handshake

pytestmark = pytest.mark.relay


def _client(server: RelayServer, kiosk: str = "KIOSK-0001", **kw: Any) -> HttpsRelayClient:
    cfg = server.relay_config(kiosk)
    assert cfg.cert_file and cfg.key_file
    return HttpsRelayClient(cfg.url, ca_file=server.ca_file, cert_file=cfg.cert_file, key_file=cfg.key_file,
                            issuer_key=_issuer(server), **kw)


def _issuer(server: RelayServer):
    from kiosk.relay_client.client import load_issuer_public_key

    return load_issuer_public_key(server.issuer_public_key)


def _login(world: World, client: HttpsRelayClient, persona: str = "shiken-ichiro"):
    card = CardSigner.load(world.card_path(persona))
    opened = client.open_session()
    return client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))


def _raw(server: RelayServer, path: str, body: bytes | None, kiosk: str = "KIOSK-0001",
         method: str = "POST") -> tuple[int, Any]:
    cert, key = server.kiosk_cert(kiosk)
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=client_tls_context(server.ca_file, cert, key),
                                       timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_a_whole_session_over_mutual_tls(world: World, relay_server: RelayServer) -> None:
    with _client(relay_server) as client:
        info = client.check_version()
        assert (info.protocol, info.topology, info.storage) == (1, "single-node", "sqlite")
        menu = _login(world, client, "canary")
        assert all(i.available for i in menu.items)
        rid = str(uuid.uuid4())
        issued = client.request_documents(rid, "juminhyo", {"my_number": "include"}, 1)
        assert issued.documents[0]["body"]["members"][0]["my_number"]
        assert client.request_documents(rid, "juminhyo", {"my_number": "include"}, 1) == issued
        client.report_outcome(rid, Outcome.PRINTED, 1, 200)
        with pytest.raises(RelayRefused) as err:
            client.request_documents(rid, "juminhyo", {"my_number": "include"}, 1)
        assert err.value.code == "already_issued"
    storage = SqliteStore(relay_server.db)
    try:
        entries = [e for e in storage.audit_since() if e["request_id"] == rid]
        assert [e["event"] for e in entries] == ["request", "outcome"]
        assert entries[1]["kiosk_id"] == "KIOSK-0001" and entries[1]["copies"] == 1
    finally:
        storage.close()


@pytest.mark.parametrize(("persona", "code"), [("shiken-jiro", refusals.UNDER_15),
                                               ("mihon-goro", refusals.CERT_REVOKED),
                                               ("mihon-rokuro", refusals.CERT_EXPIRED)])
def test_refusals_over_the_wire(world: World, relay_server: RelayServer, persona: str, code: str) -> None:
    with _client(relay_server) as client:
        try:
            menu = _login(world, client, persona)
        except RelayRefused as exc:
            assert exc.code == code
            return
        with pytest.raises(RelayRefused) as err:
            client.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)
        assert err.value.code == code and menu.items[0].refusal == code


def test_the_kiosk_id_comes_from_the_certificate(world: World, relay_server: RelayServer) -> None:
    with _client(relay_server, "KIOSK-0001") as one:
        _login(world, one)
        status, body = _raw(relay_server, "/v1/menu", json.dumps({"session_id": one.session_id}).encode(), "KIOSK-0002")
        assert (status, body) == (404, {"error": {"code": "unknown_session"}})


def _session(world: World, server: RelayServer) -> str:
    status, opened = _raw(server, "/v1/session", b"{}")
    assert status == 200
    return str(opened["session_id"])


BAD_BODIES = [
    (b"{", 400, "bad_json"),
    (b"\xff\xfe", 400, "bad_json"),
    (b'{"session_id": NaN}', 400, "bad_json"),
    (b'[]', 400, "wrong_type"),
    (b'{"a": 1, "a": 2}', 400, "duplicate_key"),
    (b'{"session_id": "x", "session_id": "y"}', 400, "duplicate_key"),
    (b'{"session_id": 7}', 400, "wrong_type"),
    (b'{}', 400, "missing_field"),
    (b'{"session_id": "00000000000000000000000000000000", "extra": 1}', 400, "unknown_field"),
    (b'{"session_id": "not-a-session"}', 400, "bad_value"),
    (b'{"session_id": "00000000000000000000000000000000"}', 404, "unknown_session"),
    (b'{"session_id": "' + b"a" * 70_000 + b'"}', 413, "too_large"),
    (b"[" * 5000 + b"]" * 5000, 400, "bad_json"),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD_BODIES)
def test_bad_bodies_get_a_clear_code_and_nothing_else(relay_server: RelayServer, body: bytes, status: int,
                                                     code: str) -> None:
    got_status, got = _raw(relay_server, "/v1/menu", body)
    assert got_status == status and got["error"]["code"] == code
    assert set(got) == {"error"} and set(got["error"]) <= {"code", "field"}


def test_bad_requests_for_documents(world: World, relay_server: RelayServer) -> None:
    with _client(relay_server) as client:
        _login(world, client)
        sid = client.session_id
        rid = str(uuid.uuid4())

        def ask(**change: Any) -> tuple[int, Any]:
            body = {"session_id": sid, "request_id": rid, "cert_type": "inkan", "options": {}, "copies": 1, **change}
            return _raw(relay_server, "/v1/documents", json.dumps(body).encode())

        assert ask(copies=True) == (400, {"error": {"code": "wrong_type", "field": "copies"}})
        assert ask(copies=0)[1]["error"]["code"] == "bad_value"
        assert ask(copies=11)[1]["error"]["code"] == "bad_value"
        assert ask(cert_type="passport")[1]["error"] == {"code": "bad_value", "field": "cert_type"}
        assert ask(options={"scope": "household"})[1]["error"] == {"code": "bad_value", "field": "options"}
        assert ask(options={"x": 1})[1]["error"]["code"] == "wrong_type"
        assert ask(request_id="1")[1]["error"] == {"code": "bad_value", "field": "request_id"}
        assert ask()[0] == 200
        assert ask(copies=2) == (409, {"error": {"code": "request_id_conflict"}})
        assert ask(cert_type="juminhyo") == (409, {"error": {"code": "request_id_conflict"}})
        outcome = {"session_id": sid, "request_id": rid, "outcome": "printed", "copies": 1, "amount": 1}
        assert _raw(relay_server, "/v1/outcome", json.dumps(outcome).encode())[1]["error"]["code"] == "outcome_mismatch"
        status, body = _raw(relay_server, "/v1/outcome", json.dumps({**outcome, "amount": 200}).encode())
        assert status == 200 and body["recorded"] is True


def test_authentication_inputs(world: World, relay_server: RelayServer) -> None:
    sid = _session(world, relay_server)

    def auth(cert: str, sig: str) -> tuple[int, Any]:
        body = {"session_id": sid, "card_certificate": cert, "signature": sig}
        return _raw(relay_server, "/v1/authenticate", json.dumps(body).encode())

    assert auth("!!notbase64", "AAAA") == (400, {"error": {"code": "bad_value", "field": "card_certificate"}})
    import base64

    assert auth(base64.b64encode(b"garbage").decode(), "AAAA") == (403, {"error": {"code": "cert_untrusted"}})


def test_unknown_paths_and_methods(relay_server: RelayServer) -> None:
    assert _raw(relay_server, "/v1/nothing", b"{}") == (404, {"error": {"code": "not_found"}})
    assert _raw(relay_server, "/v1/session", None, method="GET") == (
        405, {"error": {"code": "method_not_allowed"}})


# -- TLS ------------------------------------------------------------------------------------

def _tls_exchange(server: RelayServer, ctx: ssl.SSLContext) -> bytes:
    """Handshake, send a request, return whatever HTTP bytes come back (none expected)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        try:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall(b"GET /v1/version HTTP/1.1\r\nHost: relay\r\n\r\n")
                return tls.recv(4096)
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            return b""


def _ctx(server: RelayServer, cert: tuple[str, str] | None,
         max_version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=str(server.ca_file))
    if cert:
        ctx.load_cert_chain(*cert)
    if max_version:
        ctx.maximum_version = max_version
    return ctx


def test_no_client_certificate_gets_no_answer(relay_server: RelayServer) -> None:
    assert _tls_exchange(relay_server, _ctx(relay_server, None)) == b""


def test_client_certificate_from_another_ca_gets_no_answer(world: World, relay_server: RelayServer) -> None:
    foreign = (str(world.pki("foreign-client.pem")), str(world.pki("foreign-client.key")))
    assert _tls_exchange(relay_server, _ctx(relay_server, foreign)) == b""


def test_tls_1_2_is_refused(relay_server: RelayServer) -> None:
    cert, key = relay_server.kiosk_cert()
    assert _tls_exchange(relay_server, _ctx(relay_server, (str(cert), str(key)), ssl.TLSVersion.TLSv1_2)) == b""


def test_a_kiosk_certificate_does_answer(relay_server: RelayServer) -> None:
    cert, key = relay_server.kiosk_cert()
    assert _tls_exchange(relay_server, _ctx(relay_server, (str(cert), str(key)))).startswith(b"HTTP/1.1 200")


def test_a_kiosk_handshake_carries_no_root(world: World) -> None:
    """The kiosk's context and the kiosk listener's each send their own certificate and not
    the operator's root, which the other side has (protocol/tls_chain.py): each side's
    flight is shorter than a default context's with the same files by at least the root."""
    ca, (cert, key) = world.pki("operator-ca.pem"), world.kiosk_cert("KIOSK-0001")
    relay = (world.pki("relay.pem"), world.pki("relay.key"))
    plain_server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    plain_server.minimum_version = ssl.TLSVersion.TLSv1_3
    plain_server.load_cert_chain(*relay)
    plain_server.verify_mode = ssl.CERT_REQUIRED
    plain_server.load_verify_locations(cafile=str(ca))
    plain_server.num_tickets = 0
    plain_client = ssl.create_default_context(cafile=str(ca))
    plain_client.minimum_version = ssl.TLSVersion.TLSv1_3  # as the kiosk's: the same hello
    plain_client.load_cert_chain(cert, key)
    root = len(ssl.PEM_cert_to_DER_cert(ca.read_text()))

    plain = handshake(plain_client, plain_server)
    ours = handshake(client_tls_context(ca, cert, key), server_tls_context(*relay, ca))
    assert plain.client_sent - ours.client_sent >= root
    assert plain.server_sent - ours.server_sent >= root
    assert ours.server_saw["subject"] == plain.server_saw["subject"]


def test_pinning_refuses_before_any_request_byte(world: World, relay_server: RelayServer) -> None:
    before = _sessions(relay_server)
    with _client(relay_server, pins=frozenset({"0" * 64})) as client:
        with pytest.raises(RelayUnavailable) as err:
            client.open_session()
        assert err.value.reason == "server_certificate"
    assert _sessions(relay_server) == before
    real_pin = spki_sha256(_der(world.pki("relay.pem").read_bytes()))
    with _client(relay_server, pins=frozenset({real_pin})) as client:
        client.open_session()


def _der(pem: bytes) -> bytes:
    return ssl.PEM_cert_to_DER_cert(pem.decode())


def _sessions(server: RelayServer) -> int:
    storage = SqliteStore(server.db)
    try:
        return len(storage._read("SELECT session_id FROM sessions", ()))
    finally:
        storage.close()


@pytest.fixture(scope="module")
def foreign_relay(world: World, tmp_path_factory: pytest.TempPathFactory):
    """A relay presenting a server certificate from a CA the kiosk does not trust."""
    server = RelayServer.start(world.root, tmp_path_factory.mktemp("foreign-relay"), clock_start=open_hours(world),
                               extra_args=("--tls-cert", str(world.pki("foreign-server.pem")),
                                           "--tls-key", str(world.pki("foreign-server.key"))))
    yield server
    server.stop()


def test_relay_certificate_from_another_ca(world: World, foreign_relay: RelayServer) -> None:
    with _client(foreign_relay) as client:
        with pytest.raises(RelayUnavailable) as err:
            client.check_version()
        assert err.value.reason == "server_certificate"
    assert _sessions(foreign_relay) == 0


def test_relay_unreachable(world: World, relay_server: RelayServer) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = relay_server.relay_config()
    assert cfg.cert_file and cfg.key_file
    client = HttpsRelayClient(f"https://127.0.0.1:{port}", ca_file=relay_server.ca_file, cert_file=cfg.cert_file,
                              key_file=cfg.key_file, issuer_key=_issuer(relay_server), retries=0)
    with pytest.raises(RelayUnavailable):
        client.check_version()


def test_an_issuer_key_mismatch_is_an_incompatible_relay(world: World, relay_server: RelayServer) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    cfg = relay_server.relay_config()
    assert cfg.cert_file and cfg.key_file
    client = HttpsRelayClient(cfg.url, ca_file=relay_server.ca_file, cert_file=cfg.cert_file, key_file=cfg.key_file,
                              issuer_key=Ed25519PrivateKey.from_private_bytes(b"\2" * 32).public_key())
    with client, pytest.raises(IncompatibleRelay):
        client.check_version()


@pytest.fixture(scope="module")
def slow_relay(world: World, tmp_path_factory: pytest.TempPathFactory):
    """Every new issuance takes one second at the back end."""
    server = RelayServer.start(world.root, tmp_path_factory.mktemp("slow-relay"), clock_start=open_hours(world),
                               extra_args=("--inject-delay", "1:1", "--inject-delay-rate", "1"))
    yield server
    server.stop()


def test_read_timeouts_are_retried_with_the_same_request_id(world: World, slow_relay: RelayServer) -> None:
    with _client(slow_relay, read_timeout=0.3, retries=4) as client:
        _login(world, client, "shiken-hanako")
        rid = str(uuid.uuid4())
        issued = client.request_documents(rid, "juminhyo", {}, 1)  # gave up twice, then got it
        assert issued.documents[0]["body"]["members"][0]["name"]["given"] == "花子"
    storage = SqliteStore(slow_relay.db)
    try:
        assert [e["event"] for e in storage.audit_since() if e["request_id"] == rid] == ["request"]
    finally:
        storage.close()


def test_without_retries_a_read_timeout_is_reported(world: World, slow_relay: RelayServer) -> None:
    from kiosk.relay_client.errors import RelayTimeout

    with _client(slow_relay, read_timeout=0.3, retries=0) as client:
        _login(world, client, "shiken-hanako")
        with pytest.raises(RelayTimeout):
            client.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)


def test_an_operator_certificate_that_is_not_a_kiosks_gets_nothing(world: World, relay_server: RelayServer) -> None:
    """The relay's own server certificate, from the right CA but without client use."""
    ctx = _ctx(relay_server, (str(world.pki("relay.pem")), str(world.pki("relay.key"))))
    answer = _tls_exchange(relay_server, ctx)
    assert answer == b"" or (answer.startswith(b"HTTP/1.1 403") and b"not_a_kiosk_certificate" in answer)


def _issue_relay_cert(world: World, directory: Any, *, expired: bool, hosts: tuple[str, ...]) -> tuple[str, str]:
    """A relay server certificate from the right (operator) CA, expired or for other hosts."""
    import datetime as dt

    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from hardware_mocks import pki

    ca_key = serialization.load_pem_private_key(world.pki("operator-ca.key").read_bytes(), None)
    assert isinstance(ca_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    ca_cert = cx509.load_pem_x509_certificate(world.pki("operator-ca.pem").read_bytes())
    key = pki.ec_key(pki.SeededRandom(7), "odd-relay")
    utc = dt.UTC
    cert = pki.leaf_certificate(
        issuer_key=ca_key, issuer_cert=ca_cert, public_key=key.public_key(),
        subject=pki.name("relay.test"), serial=77,
        not_before=dt.datetime(2020, 1, 1, tzinfo=utc),
        not_after=dt.datetime(2021, 1, 1, tzinfo=utc) if expired else dt.datetime(2036, 1, 1, tzinfo=utc),
        usage="server", dns_names=("elsewhere.test",), ip_addresses=hosts,
    )
    (directory / "odd.pem").write_bytes(pki.pem_cert(cert))
    (directory / "odd.key").write_bytes(pki.pem_key(key))
    return str(directory / "odd.pem"), str(directory / "odd.key")


@pytest.mark.parametrize(("expired", "hosts"), [(True, ("127.0.0.1",)), (False, ("10.9.9.9",))],
                         ids=["expired", "other-host"])
def test_relay_certificate_expired_or_for_another_host(world: World, tmp_path: Any, expired: bool,
                                                       hosts: tuple[str, ...]) -> None:
    cert, key = _issue_relay_cert(world, tmp_path, expired=expired, hosts=hosts)
    server = RelayServer.start(world.root, tmp_path / "relay", extra_args=("--tls-cert", cert, "--tls-key", key))
    try:
        with _client(server) as client:
            with pytest.raises(RelayUnavailable) as err:
                client.open_session()
            assert err.value.reason == "server_certificate"
        assert _sessions(server) == 0  # not one request byte reached the relay
    finally:
        server.stop()
