"""The public verification service of a federation: a QR code or paper of any member
municipality is checked with that member's keys from the directory; another member's key on
this municipality's numbering is refused; another member's face is not compared (its
scramble master is its own)."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from protocol.documents import qr_payload
from protocol.paper.render import render
from tests.fixtures.documents import DocumentFactory, Keys
from tests.fixtures.federation_relay import FederatedRelay
from tests.fixtures.https_calls import call

pytestmark = pytest.mark.relay


def _verify(relay: FederatedRelay, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    assert relay.server.public_port
    status, data = call(relay.server.public_port, relay.server.ca_file, "POST", "/v1/verify", body, timeout=60)
    return status, json.loads(data)


def _theirs(document: dict[str, Any], code: str) -> dict[str, Any]:
    other = copy.deepcopy(document)
    other["municipality"]["code"], other["serial"] = code, f"{code}-2026-0000001"
    return other


def test_any_members_qr_code_verifies(federated_relay: FederatedRelay, make_document: DocumentFactory,
                                      keys: Keys) -> None:
    ours = make_document("shiken-ichiro", "juminhyo", serial="139998-2026-0000401")
    other = federated_relay.cities["271004"]
    theirs = _theirs(ours, "271004")
    for document, key, valid, reason in ((ours, keys.issuer, True, "ok"), (theirs, other.issuer, True, "ok"),
                                         (ours, other.issuer, False, "signature")):
        status, answer = _verify(federated_relay, {"qr": qr_payload.encode(document, key)})
        assert (status, answer["valid"], answer["reason"]) == (200, valid, reason)


def test_another_members_paper_is_signed_but_its_face_not_compared(
        federated_relay: FederatedRelay, make_document: DocumentFactory) -> None:
    other = federated_relay.cities["271004"]
    theirs = _theirs(make_document("shiken-ichiro", "juminhyo", serial="139998-2026-0000402"), "271004")
    pdf = render(theirs, other.issuer, b"\x02" * 32).pdf
    status, answer = _verify(federated_relay, {"scans": [base64.b64encode(pdf).decode()]})
    assert (status, answer["valid"], answer["status"], answer["reason"]) == (200, False, "uncompared", "no_key")
