"""The centre reaches a municipal server only over mutual TLS with the federation CA, and
only if the server's certificate is the one the directory pins; a server run as several
nodes gets the same message on its next node when one cannot answer."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from hardware_mocks.federation_world import A, FederationWorld
from hardware_mocks.services.federation import FederationServices
from protocol.clock import JST
from protocol.documents.catalogue import CertType
from protocol.federation.directory import Member
from protocol.federation.envelope import CENTRE, open_message, seal
from relay.centre.port import MessageRefused, MunicipalityUnavailable
from relay.centre.remote import RemoteMunicipality
from relay.federation_local import load_ed25519
from relay.federation_tls import MAX_MESSAGE_BYTES, MESSAGE_PATH, client_context, server_context
from relay.municipal.history import IssuanceHistory
from relay.ports import listen
from relay.registry import Registry
from relay.rules import type_refusal
from tests.fixtures.federation import issuable, issue_body


@pytest.fixture
def server_a(federation: FederationWorld, tmp_path: Path) -> Iterator[FederationServices]:
    services = FederationServices(federation, tmp_path)
    services.start_municipality(A)
    yield services
    services.stop()


def _member(world: FederationWorld, port: int, **change: str) -> Member:
    member = world.members({A: f"https://127.0.0.1:{port}"})[0]
    return replace(member, **change)  # type: ignore[arg-type]


def _check(world: FederationWorld, member: Member, tls: ssl.SSLContext) -> dict[str, object]:
    message = seal({}, sender=CENTRE, recipient=A, key=load_ed25519(world.centre_dir / "message.key"), kind="check",
                   now=dt.datetime.now(dt.UTC))

    async def call() -> dict[str, object]:
        port = RemoteMunicipality(lambda: member, tls)
        try:
            return await port.exchange(message)
        finally:
            await port.close()

    return asyncio.run(call())


def test_the_pinned_server_answers_a_signed_check(federation: FederationWorld, server_a: FederationServices) -> None:
    member = _member(federation, server_a.ports[A])
    tls = client_context(federation.centre_dir / "tls.pem", federation.centre_dir / "tls.key",
                         federation.root / "federation-ca.pem")
    reply = _check(federation, member, tls)
    _, body = open_message(reply, lambda s, k, w: member.message_key(k, w), recipient=CENTRE,
                           now=dt.datetime.now(dt.UTC))
    assert body == {"code": A}


def test_a_server_whose_certificate_is_not_the_pinned_one_is_not_sent_anything(
        federation: FederationWorld, server_a: FederationServices) -> None:
    member = _member(federation, server_a.ports[A], tls_cert_sha256="0" * 64)
    tls = client_context(federation.centre_dir / "tls.pem", federation.centre_dir / "tls.key",
                         federation.root / "federation-ca.pem")
    with pytest.raises(MunicipalityUnavailable) as exc:
        _check(federation, member, tls)
    assert exc.value.reason == "tls_pin"
    assert _received(server_a) == 0  # the handshake failed the pin: the message never left


def test_a_client_without_a_federation_certificate_is_refused_at_the_handshake(
        federation: FederationWorld, server_a: FederationServices) -> None:
    member = _member(federation, server_a.ports[A])
    pki = federation.base.root / "pki"
    foreign = client_context(pki / "foreign-client.pem", pki / "foreign-client.key",
                             federation.root / "federation-ca.pem")
    with pytest.raises(MunicipalityUnavailable) as exc:
        _check(federation, member, foreign)
    assert exc.value.reason == "connection"


def _received(services: FederationServices) -> int:
    import sqlite3

    with sqlite3.connect(services.state / A / "messages.sqlite3") as db:
        return int(db.execute("SELECT count(*) FROM messages").fetchone()[0])


def _tls(world: FederationWorld) -> ssl.SSLContext:
    return client_context(world.centre_dir / "tls.pem", world.centre_dir / "tls.key", world.root / "federation-ca.pem")


def _nodes(world: FederationWorld, ports: list[int]) -> Member:
    urls = [f"https://127.0.0.1:{port}" for port in ports]
    return replace(world.members({A: urls[0]})[0], more_endpoints=tuple(urls[1:]))


def _exchange(world: FederationWorld, member: Member, kind: str, body: dict[str, Any],
              stub: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None) -> dict[str, Any]:
    """Send one signed message over ``member``'s nodes and open the answer; ``stub``: a
    first node in this process that answers every message so (TLS with A's certificate,
    so the pin holds)."""
    message = seal(body, sender=CENTRE, recipient=A, key=load_ed25519(world.centre_dir / "message.key"), kind=kind,
                   now=dt.datetime.now(dt.UTC))

    async def call() -> dict[str, Any]:
        runner = None
        nodes = member
        if stub is not None:
            app = web.Application()
            app.router.add_post(MESSAGE_PATH, stub)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            home = world.municipality_dir(A)
            sock = listen("127.0.0.1", 0)
            await web.SockSite(runner, sock, ssl_context=server_context(home / "tls.pem", home / "tls.key",
                                                                        world.root / "federation-ca.pem")).start()
            stub_url = f"https://127.0.0.1:{sock.getsockname()[1]}"
            nodes = replace(member, endpoint=stub_url, more_endpoints=member.endpoints)
        port = RemoteMunicipality(lambda: nodes, _tls(world), deadline=20.0)
        try:
            return await port.exchange(message)
        finally:
            await port.close()
            if runner is not None:
                await runner.cleanup()

    reply = asyncio.run(call())
    env, answer = open_message(reply, lambda s, k, w: member.message_key(k, w), recipient=CENTRE,
                               now=dt.datetime.now(dt.UTC))
    assert env.in_reply_to == message["envelope"]["message_id"]
    return answer


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens on it once closed


def test_a_node_that_is_down_or_answers_5xx_passes_the_message_to_the_next(
        federation: FederationWorld, server_a: FederationServices) -> None:
    member = _nodes(federation, [_closed_port(), server_a.ports[A]])
    assert _exchange(federation, member, "check", {}) == {"code": A}

    async def unavailable(request: web.Request) -> web.Response:
        return web.json_response({"error": {"code": "unavailable"}}, status=503)

    assert _exchange(federation, member, "check", {}, stub=unavailable) == {"code": A}


def test_a_node_that_refuses_the_message_is_not_passed_over(federation: FederationWorld,
                                                             server_a: FederationServices) -> None:
    async def refused(request: web.Request) -> web.Response:
        return web.json_response({"error": {"code": "replayed"}}, status=403)

    with pytest.raises(MessageRefused) as exc:
        _exchange(federation, _nodes(federation, [server_a.ports[A]]), "check", {}, stub=refused)
    assert exc.value.reason == "http_403"
    assert _received(server_a) == 0  # another node would refuse it too: it was not sent on


def test_an_answer_of_many_tls_records_arrives_whole(federation: FederationWorld) -> None:
    """A document answer of ten copies runs to megabytes; it used to be read as far as it
    had arrived, and the cut answer taken for a malformed one (the municipality unavailable)."""
    padding = "書" * 400_000  # 1.2 MB as UTF-8: dozens of TLS records

    async def large(request: web.Request) -> web.Response:
        sent = (await request.json())["envelope"]["message_id"]
        answer = seal({"padding": padding}, sender=A, recipient=CENTRE, kind="answer", in_reply_to=sent,
                      key=load_ed25519(federation.municipality_dir(A) / "message.key"), now=dt.datetime.now(dt.UTC))
        return web.json_response(answer)

    answer = _exchange(federation, _nodes(federation, [_closed_port()]), "check", {}, stub=large)
    assert answer == {"padding": padding}


def test_an_answer_past_the_message_limit_is_refused_as_it_comes(federation: FederationWorld) -> None:
    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked, no Content-Length: counted as it comes
        await response.prepare(request)
        for _ in range(MAX_MESSAGE_BYTES // 65_536 + 2):
            await response.write(b" " * 65_536)
        return response

    with pytest.raises(MunicipalityUnavailable) as exc:
        _exchange(federation, _nodes(federation, [_closed_port()]), "check", {}, stub=huge)
    assert exc.value.reason == "too_large"


@pytest.mark.postgres
@pytest.mark.slow
def test_a_node_killed_after_storing_an_issue_leaves_the_next_node_the_same_answer(
        federation: FederationWorld, postgres_db: str, tmp_path: Path) -> None:
    """Two nodes of A on one PostgreSQL database; the first stores the issue, then is
    killed (SIGKILL) before it answers. The centre's port sends the same message to the
    second, which answers the stored serials and documents; the outcome is recorded once."""
    services = FederationServices(federation, tmp_path)
    try:
        dying = services.start_node(A, "node1", postgres_db, dying=True)
        healthy = services.start_node(A, "node2", postgres_db)
        member = _nodes(federation, [services.ports[dying], services.ports[healthy]])
        body = issue_body(issuable(federation)[0], copies=2)
        answer = _exchange(federation, member, "issue", body)
        assert services.municipal[dying].wait(timeout=30) == -signal.SIGKILL
        serials = [d["document"]["serial"] for d in answer["documents"]]
        history = IssuanceHistory(postgres_db)
        try:
            [entry] = history.entries()
            assert entry["request_id"] == body["request_id"] and entry["serials"] == serials
            assert [e["direction"] for e in _messages(services.state / A / "node1")] == ["received", "sent"]
            assert _exchange(federation, member, "issue", body) == answer  # a repeat: the same again
            outcome = {"request_id": body["request_id"], "outcome": "printed", "copies": 2,
                       "amount": answer["amount"]}
            for _ in range(2):  # the first node is gone: the second records it, and a repeat changes nothing
                assert _exchange(federation, member, "outcome", outcome) == {"request_id": body["request_id"],
                                                                             "recorded": True}
            [entry] = history.entries()
            assert (entry["outcome"], entry["outcome_copies"]) == ("printed", 2) and history.stored_documents() == 0
            assert _exchange(federation, member, "issue", body) == {"refusal": "already_issued"}
        finally:
            history.close()
    finally:
        services.stop()


def _messages(state: Path) -> list[dict[str, Any]]:
    import sqlite3

    with sqlite3.connect(state / "messages.sqlite3") as db:
        rows = db.execute("SELECT direction FROM messages ORDER BY logged, direction").fetchall()
    return [{"direction": r[0]} for r in rows]


@pytest.mark.postgres
@pytest.mark.slow
def test_a_refusal_is_recorded_once_when_the_node_that_refused_dies_before_answering(
        federation: FederationWorld, postgres_db: str, tmp_path: Path) -> None:
    """The first node records a refusal, then is killed before it answers; the centre's
    port sends the same request to the second node, which refuses it too: the
    municipality's history holds the refusal once."""
    registry = Registry.from_world(json.loads((federation.municipality_dir(A) / "registry.json").read_text(
        encoding="utf-8")))
    now = dt.datetime.now(JST)
    serial, cert_type, code = next(  # a card holder of A refused a type (flagged, no seal …)
        (serial, t, code) for serial, rid in registry.cards.items() for t in CertType
        if (code := type_refusal(registry, registry.resident(rid), t, now)) is not None)
    services = FederationServices(federation, tmp_path)
    try:
        dying = services.start_node(A, "node1", postgres_db, dying=True)
        healthy = services.start_node(A, "node2", postgres_db)
        member = _nodes(federation, [services.ports[dying], services.ports[healthy]])
        body = issue_body({"cert_serial": serial}, cert_type=cert_type.value)
        assert _exchange(federation, member, "issue", body) == {"refusal": code}
        assert services.municipal[dying].wait(timeout=30) == -signal.SIGKILL  # it refused, then died
        assert _exchange(federation, member, "issue", body) == {"refusal": code}  # and a repeat
        history = IssuanceHistory(postgres_db)
        try:
            assert [(r["request_id"], r["code"]) for r in history.refusals()] == [(body["request_id"], code)]
            assert history.entries() == []
        finally:
            history.close()
    finally:
        services.stop()
