"""The in-process relay: a whole session, idempotency, and every injected fault."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.relay.virtual import VirtualRelay, VirtualRelayBackend
from hardware_mocks.world import World
from kiosk.relay_client.errors import (
    IncompatibleRelay,
    IntegrityError,
    RelayRefused,
    RelayTimeout,
    RelayUnavailable,
)
from kiosk.relay_client.port import Menu, Outcome, RelayClient
from protocol import refusals
from protocol.challenge import challenge_message
from protocol.clock import FakeClock
from tests.fixtures.relay import open_hours


@pytest.fixture
def backend(world: World) -> VirtualRelayBackend:
    return VirtualRelayBackend(world.root, FakeClock(open_hours(world)))


def _login(world: World, relay: RelayClient, persona: str = "shiken-ichiro") -> Menu:
    card = CardSigner.load(world.card_path(persona))
    opened = relay.open_session()
    signature = card.sign(opened.challenge, opened.session_id, relay.kiosk_id)
    assert challenge_message(opened.challenge, opened.session_id, relay.kiosk_id) == relay.message_to_sign(
        opened.challenge)
    return relay.authenticate(card.cert_der, signature)


def test_a_whole_session(world: World, backend: VirtualRelayBackend) -> None:
    relay: RelayClient = VirtualRelay(world.root, backend=backend)
    relay.check_version()
    menu = _login(world, relay)
    assert all(item.available for item in menu.items), [i.refusal for i in menu.items]
    assert menu.household_members == 3 and menu.koseki_members == 3
    juminhyo = menu.item("juminhyo")
    assert juminhyo is not None and juminhyo.fee == 200
    rid = str(uuid.uuid4())
    issued = relay.request_documents(rid, "juminhyo", {"scope": "household"}, 2)
    assert len(issued.documents) == 2 and issued.amount == 400 and len(issued.qr) == 2
    assert issued.documents[0]["serial"] != issued.documents[1]["serial"]
    assert len(issued.documents[0]["body"]["members"]) == 3
    again = relay.request_documents(rid, "juminhyo", {"scope": "household"}, 2)
    assert again == issued  # the same request id: the identical documents
    assert backend.core.storage.stored_documents() == 1
    relay.report_outcome(rid, Outcome.PRINTED, 2, 400)
    relay.report_outcome(rid, Outcome.PRINTED, 2, 400)  # repeating an outcome is harmless
    assert backend.core.storage.stored_documents() == 0  # deleted once the outcome is known
    with pytest.raises(RelayRefused) as err:
        relay.request_documents(rid, "juminhyo", {"scope": "household"}, 2)
    assert err.value.code == "already_issued"
    with pytest.raises(RelayRefused) as err:
        relay.report_outcome(rid, Outcome.FAILED, 0, 0)
    assert err.value.code == "outcome_conflict"


def test_a_different_request_under_the_same_id_is_refused(world: World, backend: VirtualRelayBackend) -> None:
    relay = VirtualRelay(world.root, backend=backend)
    _login(world, relay)
    rid = str(uuid.uuid4())
    relay.request_documents(rid, "inkan", {}, 1)
    with pytest.raises(Exception) as err:
        relay.request_documents(rid, "inkan", {}, 2)
    assert getattr(err.value, "code", None) == "request_id_conflict"


@pytest.mark.parametrize(
    ("tamper", "field"),
    [
        ("request_id", "request_id"),
        ("session_id", "session_id"),
        ("kiosk_id", "kiosk_id"),
        ("card_cert_sha256", "card_cert_sha256"),
        ("document_sha256", "document_sha256"),
        ("signature", "signature"),
        ("document", "document_sha256"),
        ("other_session", "session_id"),
        ("qr", "qr"),
        ("scramble_key", "scramble_key"),
    ],
)
def test_tampered_documents_are_integrity_errors(world: World, backend: VirtualRelayBackend, tamper: str,
                                                 field: str) -> None:
    relay = VirtualRelay(world.root, backend=backend)
    _login(world, relay)
    relay.faults.tamper = tamper
    with pytest.raises(IntegrityError) as err:
        relay.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)
    assert err.value.field == field


def test_unavailable_refused_and_timeouts(world: World, backend: VirtualRelayBackend) -> None:
    relay = VirtualRelay(world.root, backend=backend)
    relay.faults.unavailable = True
    with pytest.raises(RelayUnavailable):
        relay.open_session()
    relay.faults.unavailable = False
    relay.faults.refuse["authenticate"] = refusals.OUTSIDE_HOURS
    with pytest.raises(RelayRefused) as err:
        _login(world, relay)
    assert err.value.code == "outside_hours"
    relay.faults.refuse.clear()
    _login(world, relay)
    relay.faults.timeout.add("documents")
    rid = str(uuid.uuid4())
    with pytest.raises(RelayTimeout):
        relay.request_documents(rid, "shotoku", {}, 1)
    relay.faults.timeout.clear()
    first = relay.request_documents(rid, "shotoku", {}, 1)  # the retry gets what was issued
    assert first.documents[0]["body"]["fiscal_year"] >= 2024


@pytest.mark.parametrize("override", [{"protocol": 2}, {"topology": "multi-node"}, {"issuer_key_sha256": "0" * 64}])
def test_incompatible_versions_are_refused(world: World, backend: VirtualRelayBackend,
                                           override: dict[str, object]) -> None:
    relay = VirtualRelay(world.root, backend=backend)
    relay.faults.version = override
    with pytest.raises(IncompatibleRelay):
        relay.check_version()


def test_sessions_of_two_kiosks_are_apart(world: World, backend: VirtualRelayBackend) -> None:
    one = VirtualRelay(world.root, "KIOSK-0001", backend=backend)
    two = VirtualRelay(world.root, "KIOSK-0002", backend=backend)
    _login(world, one)
    _login(world, two, "shiken-hanako")
    # a kiosk naming another kiosk's session finds nothing
    assert two._facts is not None and one.session_id is not None  # both logged in
    two._facts = dataclasses.replace(two._facts, session_id=one.session_id)
    with pytest.raises(RelayRefused) as err:
        two.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)
    assert err.value.code == "unknown_session"


def test_only_approved_builds(world: World, backend: VirtualRelayBackend) -> None:
    build = VirtualRelay(world.root, backend=backend).check_version().build
    approved = VirtualRelay(world.root, backend=backend, approved_builds=frozenset({build}))
    assert approved.check_version().build == build
    other = VirtualRelay(world.root, backend=backend, approved_builds=frozenset({"0" * 16}))
    with pytest.raises(IncompatibleRelay) as err:
        other.check_version()
    assert err.value.reason == "build"
