"""The municipal issuing server: it trusts only the centre's signed messages, once each;
two requests at the same moment get their own person, numbers and record; a repeat gets
the same answer."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.federation_world import A, B, FederationWorld
from protocol.clock import SystemClock
from protocol.documents.model import document_hash
from protocol.federation.envelope import CENTRE, EnvelopeError, open_message, seal
from relay.federation_local import directory_file, load_ed25519, municipal_server
from relay.municipal.server import MunicipalServer
from tests.fixtures.federation import issuable, issue_body
from tests.fixtures.waiting import WAIT, join_all


@pytest.fixture
def server(federation: FederationWorld, tmp_path: Path) -> MunicipalServer:
    clock = SystemClock()
    directory = directory_file(federation.root / "directory.json", federation.root / "anchor.json", clock)
    return municipal_server(federation.municipality_dir(A), directory, clock, tmp_path)


def _send(world: FederationWorld, server: MunicipalServer, kind: str, body: dict[str, Any],
          recipient: str = A) -> tuple[str, dict[str, Any]]:
    key = load_ed25519(world.centre_dir / "message.key")
    message = seal(body, sender=CENTRE, recipient=recipient, key=key, kind=kind, now=dt.datetime.now(dt.UTC))
    member = world.members()[0]
    env, answer = open_message(server.handle(message), lambda s, k, w: member.message_key(k, w) if s == A else None,
                               recipient=CENTRE, now=dt.datetime.now(dt.UTC))
    assert env.in_reply_to == message["envelope"]["message_id"]
    return env.kind, answer


def test_only_the_centre_s_signed_messages_are_answered(federation: FederationWorld,
                                                        server: MunicipalServer) -> None:
    persona = issuable(federation)[0]
    forged = seal({"card_serial": persona["cert_serial"]}, sender=CENTRE, recipient=A,
                  key=load_ed25519(federation.municipality_dir(B) / "message.key"), kind="menu",
                  now=dt.datetime.now(dt.UTC))
    with pytest.raises(EnvelopeError) as exc:
        server.handle(forged)
    assert exc.value.code == "unknown_key"
    key = load_ed25519(federation.centre_dir / "message.key")
    message = seal({"card_serial": persona["cert_serial"]}, sender=CENTRE, recipient=A, key=key, kind="menu",
                   now=dt.datetime.now(dt.UTC))
    server.handle(message)
    with pytest.raises(EnvelopeError) as exc:
        server.handle(message)  # replayed
    assert exc.value.code == "replayed"
    assert [e["direction"] for e in server.messages.entries()] == ["received", "sent"]


def test_a_card_of_another_municipality_is_refused_and_recorded(federation: FederationWorld,
                                                                server: MunicipalServer) -> None:
    people = federation.people
    stranger = next(p for p in federation.base.personas() if people["home"].get(p["resident"]) == B)
    kind, answer = _send(federation, server, "issue", issue_body(stranger))
    assert (kind, answer) == ("refusal", {"refusal": "card_unknown"})
    assert server.history.entries() == []


def test_same_moment_requests_get_their_own_person_numbers_and_record(federation: FederationWorld,
                                                                     server: MunicipalServer) -> None:
    """The 2023 incidents: two requests in the same second overwrote each other. Here forty
    at once, for different people, each get a document of their own person, bound to their
    own request, with a number nobody else got."""
    people = issuable(federation)
    assert len(people) >= 2
    bodies = [issue_body(people[n % len(people)]) for n in range(40)]
    answers: dict[str, tuple[str, dict[str, Any]]] = {}
    start = threading.Barrier(len(bodies), timeout=WAIT)  # a thread that never comes breaks it

    def one(body: dict[str, Any]) -> None:
        start.wait()
        answers[body["request_id"]] = _send(federation, server, "issue", body)

    threads = [threading.Thread(target=one, args=(b,), daemon=True) for b in bodies]
    for t in threads:
        t.start()
    join_all(threads, 120, "requests")  # two minutes for all forty
    assert [kind for kind, _ in answers.values()] == ["answer"] * len(bodies)
    serials = set()
    registry = {p["cert_serial"]: federation.base.resident(p["resident"]) for p in people}
    for body in bodies:
        entry = answers[body["request_id"]][1]["documents"][0]
        assert entry["binding"]["request_id"] == body["request_id"]
        assert entry["binding"]["document_sha256"] == document_hash(entry["document"])
        resident = registry[body["card_serial"]]
        assert entry["document"]["body"]["members"][0]["name"]["given"] == resident["given_name"]
        serials.add(entry["document"]["serial"])
    assert len(serials) == len(bodies)
    assert len(server.history.entries()) == len(bodies)


def test_a_repeat_gets_the_same_answer_and_a_changed_repeat_a_conflict(federation: FederationWorld,
                                                                       server: MunicipalServer) -> None:
    body = issue_body(issuable(federation)[0])
    first = _send(federation, server, "issue", body)
    assert _send(federation, server, "issue", body) == first
    assert _send(federation, server, "issue", {**body, "copies": 2}) == ("refusal",
                                                                          {"refusal": "request_id_conflict"})
    assert _send(federation, server, "outcome", {"request_id": body["request_id"], "outcome": "printed",
                                                  "copies": 1, "amount": 200})[0] == "answer"
    assert _send(federation, server, "issue", body) == ("refusal", {"refusal": "already_issued"})
    (entry,) = server.history.entries()
    assert entry["outcome"] == "printed" and len(entry["serials"]) == 1


def test_an_issue_is_logged_before_it_is_acted_on(federation: FederationWorld, server: MunicipalServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A message that changes something is on disk as received before the history
    stores anything; a question is kept with its answer in one commit."""
    persona = issuable(federation)[0]
    _send(federation, server, "menu", {"card_serial": persona["cert_serial"]})
    assert [e["direction"] for e in server.messages.entries()] == ["received", "sent"]
    logged_first: list[list[str]] = []
    issue = server.history.issue

    def watched(*args: Any, **kwargs: Any) -> Any:
        logged_first.append([e["kind"] for e in server.messages.entries() if e["direction"] == "received"])
        return issue(*args, **kwargs)

    monkeypatch.setattr(server.history, "issue", watched)
    kind, _ = _send(federation, server, "issue", issue_body(persona))
    assert kind == "answer" and logged_first == [["menu", "issue"]]
    assert [e["kind"] for e in server.messages.entries()] == ["menu", "answer", "issue", "answer"]


def test_a_batch_of_outcomes_is_recorded_in_one_transaction_each_with_its_own_result(
        federation: FederationWorld, server: MunicipalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    bodies = [issue_body(issuable(federation)[0]) for _ in range(3)]
    fees = [_send(federation, server, "issue", b)[1]["fee"] for b in bodies]
    _send(federation, server, "outcomes", {"outcomes": [{"request_id": bodies[2]["request_id"],
                                                         "outcome": "cancelled", "copies": 0, "amount": 0}]})
    transactions = 0
    real_tx = server.history._db.tx

    def counted(*args: Any) -> Any:
        nonlocal transactions
        transactions += 1
        return real_tx(*args)

    monkeypatch.setattr(server.history._db, "tx", counted)
    outcomes = [{"request_id": bodies[0]["request_id"], "outcome": "printed", "copies": 1, "amount": fees[0]},
                {"request_id": "unknown-request", "outcome": "printed", "copies": 1, "amount": 300},
                {"request_id": bodies[1]["request_id"], "outcome": "lost"},
                {"request_id": bodies[2]["request_id"], "outcome": "printed", "copies": 1, "amount": fees[2]},
                {"request_id": bodies[1]["request_id"], "outcome": "cancelled", "copies": 0, "amount": 0}]
    assert _send(federation, server, "outcomes", {"outcomes": outcomes}) == ("answer", {"results": [
        {"request_id": bodies[0]["request_id"], "recorded": True},
        {"request_id": "unknown-request", "refusal": "unknown_request"},
        {"request_id": bodies[1]["request_id"], "refusal": "bad_value"},
        {"request_id": bodies[2]["request_id"], "refusal": "outcome_conflict"},  # cancelled before
        {"request_id": bodies[1]["request_id"], "recorded": True}]})
    assert transactions == 1
    outcome = {e["request_id"]: e["outcome"] for e in server.history.entries()}
    assert [outcome[b["request_id"]] for b in bodies] == ["printed", "cancelled", "cancelled"]
    assert server.history.stored_documents() == 0
    for refused in ([], [outcomes[0]] * 101, "printed"):
        assert _send(federation, server, "outcomes", {"outcomes": refused}) == ("refusal", {"refusal": "bad_value"})
