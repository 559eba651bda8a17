"""Kiosk identity: strict certificates, the kiosk register, revocation on the next request,
per-kiosk rate limits, alerts, and outcomes that account for every copy."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hardware_mocks import pki
from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.world import World
from kiosk.relay_client.client import load_issuer_public_key
from kiosk.relay_client.errors import KioskRetired, KioskUnknown
from kiosk.relay_client.https import HttpsRelayClient
from protocol import wire
from relay.cli import main
from relay.kiosk_identity import certificate_kiosk_id
from relay.store.sqlite import SqliteStore
from tests.fixtures.raw_http import exchange, tls_context

pytestmark = pytest.mark.relay
SHOP_KIOSK = "KIOSK-0003"  # registered with a shop's load (30 sessions an hour)


@pytest.fixture(scope="module")
def relay(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayServer]:
    server = RelayServer.start(world.root, tmp_path_factory.mktemp("identity-relay"), extra_args=(
        "--kiosk-sessions-per-minute", "1000", "--kiosk-technician-calls-per-hour", "3",
        "--kiosk-log-parts-per-hour", "2"))
    yield server
    server.stop()


def _odd(world: World, directory: Path, name: str, **shape: Any) -> tuple[Path, Path]:
    """A client certificate from the operator CA of the shape asked for (a kiosk's by default)."""
    ca_key = serialization.load_pem_private_key(world.pki("operator-ca.key").read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca_cert = x509.load_pem_x509_certificate(world.pki("operator-ca.pem").read_bytes())
    key = pki.ec_key(pki.SeededRandom(11), "odd:" + name)
    today = dt.datetime.now(dt.UTC)
    options: dict[str, Any] = {"common_names": ("KIOSK-0001",), "not_before": today - dt.timedelta(days=1),
                               "not_after": today + dt.timedelta(days=60), **shape}
    cert = pki.odd_client_certificate(issuer_key=ca_key, issuer_cert=ca_cert, public_key=key.public_key(),
                                      serial=700 + len(name), **options)
    (directory / f"{name}.pem").write_bytes(pki.pem_cert(cert))
    (directory / f"{name}.key").write_bytes(pki.pem_key(key))
    return directory / f"{name}.pem", directory / f"{name}.key"


ODD = [
    pytest.param({"ca": True}, wire.NOT_A_KIOSK_CERTIFICATE, id="a-ca-certificate"),
    pytest.param({"common_names": ("KIOSK-0001", "KIOSK-0002")}, wire.NOT_A_KIOSK_CERTIFICATE, id="two-common-names"),
    pytest.param({"digital_signature": False, "key_agreement": True}, wire.NOT_A_KIOSK_CERTIFICATE,
                 id="key-agreement-only"),
    pytest.param({"not_after": dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)}, wire.NOT_A_KIOSK_CERTIFICATE,
                 id="valid-ten-years"),
    pytest.param({"common_names": ("KIOSK-9999",)}, wire.KIOSK_UNKNOWN, id="a-kiosk-nobody-registered"),
    pytest.param({}, wire.KIOSK_UNKNOWN, id="a-registered-id-with-an-unregistered-certificate"),
]


@pytest.mark.parametrize(("shape", "code"), ODD)
def test_only_a_registered_kiosk_certificate_is_a_kiosk(world: World, relay: RelayServer, tmp_path: Path,
                                                        shape: dict[str, Any], code: str) -> None:
    """The TLS layer lets each of these in (the operator CA signed them); the relay refuses
    them, with a documented code, before any call runs."""
    cert = _odd(world, tmp_path, "odd", **shape)
    answer = exchange(relay.port, tls_context(relay.ca_file, cert), b"POST /v1/session HTTP/1.1\r\n"
                      b"Host: relay\r\nContent-Length: 2\r\n\r\n{}")
    assert (answer.status, answer.json()) == (403, {"error": {"code": code}})


def test_the_world_kiosk_certificates_are_strict_kiosk_certificates(world: World) -> None:
    for entry in world.data["kiosks"]:
        der = x509.load_pem_x509_certificate((world.root / entry["certificate"]).read_bytes()).public_bytes(
            serialization.Encoding.DER)
        assert certificate_kiosk_id(der) == entry["id"]


def _client(server: RelayServer, kiosk: str) -> HttpsRelayClient:
    return _client_of(server, server.kiosk_cert(kiosk))


def _client_of(server: RelayServer, cert: tuple[Path, Path]) -> HttpsRelayClient:
    return HttpsRelayClient(server.url, ca_file=server.ca_file, cert_file=cert[0], key_file=cert[1],
                            issuer_key=load_issuer_public_key(server.issuer_public_key), retries=0)


def _kiosk_command(server: RelayServer, *args: str) -> int:
    return main(["kiosk", *args, "--db", str(server.db)])


def test_suspension_takes_effect_on_the_next_request(world: World, relay: RelayServer,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.relay_client.errors import KioskSuspended

    card = CardSigner.load(world.card_path("shiken-hanako"))
    with _client(relay, "KIOSK-0002") as client:
        opened = client.open_session()
        client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
        assert _kiosk_command(relay, "suspend", "KIOSK-0002") == 0
        with pytest.raises(KioskSuspended) as err:  # mid-session: the very next call
            client.menu()
        assert err.value.code == wire.KIOSK_SUSPENDED
        assert _kiosk_command(relay, "activate", "KIOSK-0002") == 0
        client.menu()
    assert _kiosk_command(relay, "list", "--json") == 0
    listed = {e["kiosk_id"]: e for e in map(json.loads, capsys.readouterr().out.splitlines()[-3:])}
    assert listed["KIOSK-0002"]["state"] == "active" and len(listed["KIOSK-0002"]["fingerprints"]) == 1


def test_a_retired_kiosk_stays_retired(world: World, relay: RelayServer, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    cert = _odd(world, tmp_path, "retiring", common_names=("KIOSK-0777",))
    assert _kiosk_command(relay, "add", "KIOSK-0777", "--store", "STORE-777", "--cert", str(cert[0])) == 0
    ctx = tls_context(relay.ca_file, cert)
    request = b"GET /v1/version HTTP/1.1\r\nHost: relay\r\n\r\n"
    assert exchange(relay.port, ctx, request).status == 200
    assert _kiosk_command(relay, "retire", "KIOSK-0777") == 0
    assert exchange(relay.port, ctx, request).json() == {"error": {"code": wire.KIOSK_RETIRED}}
    assert _kiosk_command(relay, "activate", "KIOSK-0777") == 2
    assert "retired" in capsys.readouterr().err
    with _client_of(relay, cert) as client, pytest.raises(KioskRetired) as err:  # the kiosk's own client
        client.check_version()
    assert err.value.code == wire.KIOSK_RETIRED


def test_a_certificate_not_registered_to_its_kiosk_is_unknown_until_it_is(world: World, relay: RelayServer,
                                                                         tmp_path: Path) -> None:
    """The kiosk's client reads the register's refusal as such (not a protocol fault), and
    the same terminal is served once the operator registers it: what its retries wait for."""
    cert = _odd(world, tmp_path, "unregistered", common_names=("KIOSK-0780",))
    with _client_of(relay, cert) as client:
        with pytest.raises(KioskUnknown) as err:
            client.check_version()
        assert err.value.code == wire.KIOSK_UNKNOWN
        assert _kiosk_command(relay, "add", "KIOSK-0780", "--store", "STORE-780", "--cert", str(cert[0])) == 0
        client.check_version()


def test_a_certificate_the_relay_would_refuse_is_never_registered(world: World, relay: RelayServer, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    cert = _odd(world, tmp_path, "long", common_names=("KIOSK-0778",),
                not_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=3650))
    assert _kiosk_command(relay, "add", "KIOSK-0778", "--store", "S", "--cert", str(cert[0])) == 2
    assert "90 days" in capsys.readouterr().err


def test_renewal_accepts_the_next_certificate(world: World, relay: RelayServer, tmp_path: Path) -> None:
    old = _odd(world, tmp_path, "old", common_names=("KIOSK-0779",))
    new = _odd(world, tmp_path, "new-one", common_names=("KIOSK-0779",))
    assert _kiosk_command(relay, "add", "KIOSK-0779", "--store", "S", "--cert", str(old[0])) == 0
    request = b"GET /v1/version HTTP/1.1\r\nHost: relay\r\n\r\n"
    assert exchange(relay.port, tls_context(relay.ca_file, new), request).status == 403
    assert _kiosk_command(relay, "renew", "KIOSK-0779", "--cert", str(new[0])) == 0
    assert exchange(relay.port, tls_context(relay.ca_file, new), request).status == 200
    assert exchange(relay.port, tls_context(relay.ca_file, old), request).status == 200  # until dropped


def test_sessions_over_the_kiosks_rate_are_refused_and_raise_an_alert(relay: RelayServer) -> None:
    """KIOSK-0003 expects 30 sessions an hour: an alert past 60, refusals past 120."""
    from kiosk.relay_client.errors import RelayProtocolError

    opened = 0
    with _client(relay, SHOP_KIOSK) as client:
        for _ in range(125):
            try:
                client.open_session()
            except RelayProtocolError as exc:
                assert exc.code == wire.RATE_LIMITED
                break
            opened += 1
    assert opened <= 120
    alerts = _audit(relay, "alert")
    assert [(a["kiosk_id"], a["code"]) for a in alerts] == [(SHOP_KIOSK, "volume")]


def _audit(server: RelayServer, event: str) -> list[dict[str, Any]]:
    storage = SqliteStore(server.db)
    try:
        return [e for e in storage.audit_since() if e["event"] == event]
    finally:
        storage.close()


def test_many_refused_cards_at_one_kiosk_raise_an_alert(world: World, relay: RelayServer) -> None:
    from kiosk.relay_client.errors import RelayRefused

    valid, revoked = (CardSigner.load(world.card_path(p)) for p in ("shiken-hanako", "mihon-goro"))
    with _client(relay, "KIOSK-0001") as client:
        for card in [valid] * 6 + [revoked] * 5:
            opened = client.open_session()
            try:
                client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
            except RelayRefused:
                pass
    assert ("KIOSK-0001", "refusals") in [(a["kiosk_id"], a["code"]) for a in _audit(relay, "alert")]


def test_technician_events_and_log_exports_are_limited_per_kiosk(relay: RelayServer) -> None:
    from kiosk.relay_client.errors import RelayProtocolError

    with _client(relay, "KIOSK-0002") as client:
        for seq in (1, 2, 3):
            client.send_technician_events([{"seq": seq, "t": "2026-01-01T10:00:00+09:00", "event": "diag.enter",
                                            "kiosk": "KIOSK-0002"}])
        with pytest.raises(RelayProtocolError) as err:
            client.send_technician_events([{"seq": 4, "t": "2026-01-01T10:00:00+09:00", "event": "diag.exit",
                                            "kiosk": "KIOSK-0002"}])
        assert err.value.code == wire.RATE_LIMITED
        event = {"t": 1.0, "level": "INFO", "logger": "kiosk", "event": "session.start"}
        export = str(uuid.uuid4())
        client.send_log_export(export, [event] * 150)  # two parts
        with pytest.raises(RelayProtocolError) as err:
            client.send_log_export(export, [event])
        assert err.value.code == wire.RATE_LIMITED


def test_printed_must_account_for_every_issued_copy(world: World, relay: RelayServer) -> None:
    from kiosk.relay_client.errors import RelayProtocolError
    from kiosk.relay_client.port import Outcome

    card = CardSigner.load(world.card_path("shiken-ichiro"))
    with _client(relay, "KIOSK-0001") as client:
        opened = client.open_session()
        client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
        rid = str(uuid.uuid4())
        client.request_documents(rid, "juminhyo", {}, 3)
        for copies in (0, 1, 2):  # "printed" with copies missing: refused, nothing recorded
            with pytest.raises(RelayProtocolError) as err:
                client.report_outcome(rid, Outcome.PRINTED, copies, 200 * copies)
            assert err.value.code == wire.OUTCOME_MISMATCH
        client.report_outcome(rid, Outcome.FAILED, 2, 400)  # two came out, the third failed
