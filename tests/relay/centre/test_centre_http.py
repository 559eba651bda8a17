"""The centre's kiosk API as a kiosk and an attacker meet it: served through the relay's
listener (connection caps, JSON errors for what the HTTP parser refuses), each kiosk within
its rate limits with alerts in the centre's event log, and the technician events and log
exports a kiosk sends kept at the centre."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
import ssl
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hardware_mocks.federation_faults import DownMunicipality
from hardware_mocks.federation_world import A, FederationWorld
from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.relay import register_world_kiosks
from protocol import wire
from relay import listener
from relay.centre.core import CentreSettings
from relay.centre.http import CentreApp
from relay.connection_limits import ConnectionLimits
from relay.http import server_tls_context
from relay.kiosk_identity import KioskIdentity
from relay.kiosk_register import StoredKioskRegister, fingerprint
from relay.kiosk_watch import KioskLimits, KioskWatch
from relay.ports import listen
from relay.rate_limits import SharedRateStore
from tests.fixtures.federation_services import KIOSK, Federation
from tests.fixtures.raw_http import exchange, tls_context

NOW = 1_800_000_000.0  # the rate windows' clock: fixed, so no window turns during a test


class ServedCentre:
    """A centre with its in-process municipal servers, served on loopback as ``relay centre
    serve`` serves it (the same listener and TLS context)."""

    def __init__(self, fed: Federation, app: CentreApp, runner: Any, served: listener.Listener, port: int) -> None:
        self.fed, self.app, self.runner, self.served, self.port = fed, app, runner, served, port
        pki = fed.world.base.root / "pki"
        self.tls = tls_context(pki / "operator-ca.pem", (pki / "kiosks" / f"{KIOSK}.pem",
                                                         pki / "kiosks" / f"{KIOSK}.key"))

    async def call(self, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        async with aiohttp.ClientSession() as http, http.post(f"https://127.0.0.1:{self.port}{path}", json=body,
                                                              ssl=self.tls) as resp:
            return resp.status, await resp.json()

    async def raw(self, request: bytes) -> Any:
        return await asyncio.to_thread(exchange, self.port, self.tls, request)


@contextlib.asynccontextmanager
async def served_centre(federation: FederationWorld, state: Path, limits: KioskLimits | None = None,
                        connections: ConnectionLimits | None = None,
                        expected_per_hour: int | None = None, **centre: Any) -> AsyncIterator[ServedCentre]:
    """``expected_per_hour``: register only KIOSK, with this expected load (default: the
    world's kiosks as ``relay kiosk import`` registers them); ``centre``: for :class:`Federation`."""
    fed = Federation(federation, state, **centre)
    registers = state / "registers.sqlite3"
    pki = federation.base.root / "pki"
    if expected_per_hour is None:
        register_world_kiosks(federation.base.root, registers)
    else:
        der = x509.load_pem_x509_certificate((pki / "kiosks" / f"{KIOSK}.pem").read_bytes()).public_bytes(
            serialization.Encoding.DER)
        register = StoredKioskRegister(registers)
        register.add(KIOSK, "STORE-001", [fingerprint(der)], expected_per_hour)
        register.close()
    watch = KioskWatch(SharedRateStore(state / "centre" / "centre.sqlite3"), limits, audit=fed.centre.kiosk_alert,
                       clock=lambda: NOW)
    app = CentreApp(fed.centre, KioskIdentity(StoredKioskRegister(registers)), watch)
    sock = listen("127.0.0.1", 0)
    runner, served = await listener.serve(app.application(), sock, server_tls_context(
        pki / "relay.pem", pki / "relay.key", pki / "operator-ca.pem"), connections or ConnectionLimits(), "centre")
    try:
        yield ServedCentre(fed, app, runner, served, sock.getsockname()[1])
    finally:
        await listener.stop(runner, served)  # the application's cleanup closes the municipal ports
        app.close()
        sock.close()


def test_errors_are_the_protocols_json_everywhere(federation: FederationWorld, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with served_centre(federation, tmp_path) as centre:
            head = f"POST {wire.SESSION_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            too_long = await centre.raw((head + "X-Pad: " + "a" * 20000 + "\r\n\r\n").encode())
            assert (too_long.status, too_long.json()) == (431, {"error": {"code": wire.HEADER_TOO_LARGE}})
            many = await centre.raw((head + "".join(f"X-{n}: 1\r\n" for n in range(100)) + "\r\n").encode())
            assert (many.status, many.json()) == (431, {"error": {"code": wire.TOO_MANY_HEADERS}})
            both = await centre.raw((head + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}").encode())
            assert both.status == 400 and both.json() == {"error": {"code": wire.BAD_HTTP}}
            assert await centre.call("/v1/nothing", {}) == (404, {"error": {"code": wire.NOT_FOUND}})
            status, answer = await centre.call(wire.SESSION_PATH, {"canary": "山田太郎"})
            assert status == 400 and "山田太郎" not in str(answer)
            big = await centre.raw((head + f"Content-Length: {wire.MAX_BODY_BYTES + 1}\r\n\r\n").encode())
            assert (big.status, big.json()) == (413, {"error": {"code": wire.TOO_LARGE}})
            assert centre.served.errors.total[wire.HEADER_TOO_LARGE] == 1

    asyncio.run(scenario())


def test_connections_over_the_per_source_cap_are_refused(federation: FederationWorld, tmp_path: Path) -> None:
    async def scenario() -> None:
        caps = ConnectionLimits(max_connections=50, max_per_source=2, handshake_timeout=30, header_timeout=30)
        async with served_centre(federation, tmp_path, connections=caps) as centre:
            held = [socket.create_connection(("127.0.0.1", centre.port)) for _ in range(2)]  # never a handshake
            try:
                async with asyncio.timeout(10):
                    while centre.served.open_connections < 2:
                        await asyncio.sleep(0.01)
                third = socket.create_connection(("127.0.0.1", centre.port))
                third.settimeout(10)
                with third, pytest.raises((ConnectionResetError, ssl.SSLError)):
                    if not await asyncio.to_thread(third.recv, 1):  # closed without a byte: refused too
                        raise ConnectionResetError
                assert centre.served.errors.total["refused_per_source"] == 1
            finally:
                for s in held:
                    s.close()
            async with asyncio.timeout(10):
                while centre.served.open_connections:
                    await asyncio.sleep(0.01)
            assert (await centre.call(wire.SESSION_PATH, {}))[0] == 200  # freed: served again

    asyncio.run(scenario())


def test_a_kiosk_over_its_session_rate_is_refused_and_alerted(federation: FederationWorld, tmp_path: Path) -> None:
    """The register expects 5 sessions an hour of the kiosk; with the hour's limit at that
    (and the minute's higher), the sixth is refused before it runs and raises one alert."""
    limits = KioskLimits(sessions_per_minute=1000, sessions_per_hour_factor=1, min_sessions_per_hour=1,
                         alert_volume_factor=1)

    async def scenario() -> None:
        async with served_centre(federation, tmp_path, limits, expected_per_hour=5) as centre:
            for _ in range(5):
                assert (await centre.call(wire.SESSION_PATH, {}))[0] == 200
            for _ in range(2):
                assert await centre.call(wire.SESSION_PATH, {}) == (429, {"error": {"code": wire.RATE_LIMITED}})
            alerts = centre.fed.centre.store.events(kind="kiosk_alert")
            assert [(a["kiosk_id"], a["code"]) for a in alerts] == [(KIOSK, "volume")]  # once, not per call

    asyncio.run(scenario())
    listed = subprocess.run([sys.executable, "-m", "relay.cli", "centre", "events", "--state",
                             str(tmp_path / "centre"), "--kind", "kiosk_alert"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert listed.returncode == 0, listed.stderr
    assert [(e["kiosk_id"], e["code"]) for e in map(json.loads, listed.stdout.splitlines())] == [(KIOSK, "volume")]


def test_refused_cards_raise_a_refusal_alert(federation: FederationWorld, tmp_path: Path) -> None:
    """A terminal whose card checks mostly fail (a skimmer) is reported to the operator."""
    limits = KioskLimits(alert_min_attempts=3, alert_refusal_share=0.5)

    async def scenario() -> None:
        async with served_centre(federation, tmp_path, limits) as centre:
            for _ in range(3):
                _, opened = await centre.call(wire.SESSION_PATH, {})
                status, answer = await centre.call(wire.AUTH_PATH, {
                    "session_id": opened["session_id"], "card_certificate": "AAAA", "signature": "AAAA"})
                assert status in (400, 403), answer
            alerts = centre.fed.centre.store.events(kind="kiosk_alert")
            assert [(a["kiosk_id"], a["code"]) for a in alerts] == [(KIOSK, "refusals")]

    asyncio.run(scenario())


def _record(seq: int, **fields: Any) -> dict[str, Any]:
    return {"t": "2026-11-26T10:00:00+09:00", "event": "diag.enter", "kiosk": KIOSK, "seq": seq, **fields}


def _event(n: int) -> dict[str, Any]:
    return {"t": 1700000000.0 + n, "level": "INFO", "logger": "kiosk.session", "event": "session.closed",
            "seq": n, "code": "printed"}


def test_technician_events_and_log_exports_are_kept_at_the_centre(federation: FederationWorld,
                                                                   tmp_path: Path) -> None:
    async def scenario() -> None:
        async with served_centre(federation, tmp_path) as centre:
            store = centre.fed.centre.store
            batch = {"kiosk_id": KIOSK, "records": [_record(1, mode="diagnostic"), _record(2, ok=True)]}
            assert await centre.call(wire.TECHNICIAN_EVENTS_PATH, batch) == (200, {"acknowledged_seq": 2})
            assert (await centre.call(wire.TECHNICIAN_EVENTS_PATH, batch))[0] == 200  # a repeat is harmless
            assert [(e["kiosk_id"], e["seq"], e["fields"]) for e in store.technician_events()] == [
                (KIOSK, 1, {"mode": "diagnostic"}), (KIOSK, 2, {"ok": True})]
            canary = {"kiosk_id": KIOSK, "records": [_record(3), _record(4, name="山田太郎")]}
            status, answer = await centre.call(wire.TECHNICIAN_EVENTS_PATH, canary)
            assert status == 400 and "山田太郎" not in str(answer)
            assert len(store.technician_events()) == 2  # all or none: record 3 was not kept either
            other = {"kiosk_id": "KIOSK-0002", "records": [_record(5)]}
            assert (await centre.call(wire.TECHNICIAN_EVENTS_PATH, other))[0] == 400  # not this kiosk

            export = str(uuid.uuid4())
            part = {"kiosk_id": KIOSK, "export_id": export, "first": 0, "events": [_event(1), _event(2)]}
            assert await centre.call(wire.LOG_EXPORT_PATH, part) == (200, {"export_id": export, "stored_through": 1})
            assert (await centre.call(wire.LOG_EXPORT_PATH, part))[0] == 200
            bad = {**part, "first": 2, "events": [{**_event(3), "name": "山田太郎"}]}
            assert (await centre.call(wire.LOG_EXPORT_PATH, bad))[0] == 400
            assert [(e["n"], e["event"]["seq"]) for e in store.log_exports(KIOSK)] == [(0, 1), (1, 2)]

    asyncio.run(scenario())


def test_a_call_past_its_deadline_answers_timeout_and_is_logged(federation: FederationWorld, tmp_path: Path) -> None:
    """A municipal server that hangs past the kiosk call's deadline: ``503 timeout`` as JSON,
    and the call kept in the centre's event log with its kiosk and session."""
    hang = DownMunicipality(hang=True)
    settings = CentreSettings(request_timeout=1.0, municipal_deadline=30.0)

    async def scenario() -> None:
        async with served_centre(federation, tmp_path, replace={A: lambda port: hang}, settings=settings) as centre:
            fed = centre.fed
            card = CardSigner.load(federation.base.card_path(fed.persona_for(A)["id"]))
            _, opened = await centre.call(wire.SESSION_PATH, {})
            sid = opened["session_id"]
            signature = card.sign(base64.b64decode(opened["challenge"]), sid, KIOSK)
            answer = await centre.call(wire.AUTH_PATH, {
                "session_id": sid, "card_certificate": base64.b64encode(card.cert_der).decode(),
                "signature": base64.b64encode(signature).decode()})
            assert answer == (503, {"error": {"code": wire.TIMEOUT}})
            timeouts = fed.centre.store.events(kind="timeout")
            assert [(e["kiosk_id"], e["session_id"], e["code"]) for e in timeouts] == [(KIOSK, sid, wire.TIMEOUT)]

    asyncio.run(scenario())
