"""Each issued document comes with its own scramble key; the master secret never leaves the relay."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.relay.virtual import VirtualRelay, VirtualRelayBackend
from hardware_mocks.world import World
from kiosk.relay_client.errors import IntegrityError
from protocol import wire
from protocol.clock import FakeClock
from protocol.scramble_key import document_scramble_key
from tests.fixtures.relay import open_hours


@pytest.fixture
def relay(world: World) -> VirtualRelay:
    fake = VirtualRelay(world.root, backend=VirtualRelayBackend(world.root, FakeClock(open_hours(world))))
    card = CardSigner.load(world.card_path("shiken-ichiro"))
    opened = fake.open_session()
    fake.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, fake.kiosk_id))
    return fake


def test_one_key_per_document_derived_from_its_serial(world: World, relay: VirtualRelay) -> None:
    master = bytes.fromhex(world.pki("scramble.key").read_text().strip())
    rid = str(uuid.uuid4())
    issued = relay.request_documents(rid, "juminhyo", {}, 3)
    assert len(issued.scramble_keys) == 3 == len(set(issued.scramble_keys))
    for document, key in zip(issued.documents, issued.scramble_keys, strict=True):
        assert key == document_scramble_key(master, document["serial"])
        assert len(key) == 32 and key != master
    assert relay.request_documents(rid, "juminhyo", {}, 3).scramble_keys == issued.scramble_keys  # a repeat


def test_the_answer_never_holds_the_master_secret(world: World, relay: VirtualRelay) -> None:
    master = bytes.fromhex(world.pki("scramble.key").read_text().strip())
    body: dict[str, Any] = {"session_id": relay.session_id, "request_id": str(uuid.uuid4()), "cert_type": "inkan",
            "options": {}, "copies": 2}
    answer = relay.backend.call(relay.kiosk_id, wire.DOCUMENTS_PATH, body)
    text = json.dumps(answer)
    for form in (master.hex(), master.hex().upper(), base64.b64encode(master).decode()):
        assert form not in text
    assert {tuple(sorted(e)) for e in answer["documents"]} == {
        ("binding", "document", "qr", "scramble_key", "signature")}


@pytest.mark.parametrize("bad", [None, 7, "", "AAAA", "!" * 44, base64.b64encode(bytes(33)).decode()])
def test_a_malformed_key_is_an_integrity_error(relay: VirtualRelay, bad: object,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real = relay.backend.call

    def call(kiosk_id: str, path: str, body: dict[str, Any] | None) -> Any:
        answer = real(kiosk_id, path, body)
        if path == wire.DOCUMENTS_PATH:
            for entry in answer["documents"]:
                if bad is None:
                    del entry["scramble_key"]
                else:
                    entry["scramble_key"] = bad
        return answer

    monkeypatch.setattr(relay.backend, "call", call)
    with pytest.raises(IntegrityError) as err:
        relay.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)
    assert err.value.field == "scramble_key"
