"""Any input gets a defined answer: a parsed body or an ``ApiError`` with a known code."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware_mocks.relay.testing import open_hours
from hardware_mocks.relay.virtual import VirtualRelayBackend
from hardware_mocks.world import World
from protocol import refusals, wire
from protocol.clock import FakeClock
from relay import schema
from relay.schema import ApiError

KNOWN = {v for k, v in vars(wire).items() if k.isupper() and isinstance(v, str) and not v.startswith("/")}
KNOWN |= refusals.ALL

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(["session_id", "request_id", "cert_type", "options", "copies", "outcome", "amount",
                               "card_certificate", "signature", "x"])
bodies = st.dictionaries(field_names, json_values | st.sampled_from(
    ["juminhyo", "printed", "0" * 32, "00000000-0000-4000-8000-000000000000", "AAAA"]), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_parse_or_fail_cleanly(raw: bytes) -> None:
    try:
        assert isinstance(schema.parse_body(raw), dict)
    except ApiError as exc:
        assert exc.code in KNOWN


@pytest.fixture(scope="module")
def backend(world: World) -> VirtualRelayBackend:
    return VirtualRelayBackend(world.root, FakeClock(open_hours(world)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, call=st.sampled_from(["open_session", "authenticate", "menu", "request_documents", "outcome"]))
def test_any_body_gets_a_known_answer(backend: VirtualRelayBackend, body: dict[str, Any], call: str) -> None:
    before = backend.core.storage.stored_documents()
    try:
        answer = getattr(backend.core, call)("KIOSK-0001", json.loads(json.dumps(body)))
    except ApiError as exc:
        assert exc.code in KNOWN
        assert 400 <= exc.status < 600
        assert backend.core.storage.stored_documents() == before  # nothing changed
    else:
        assert call == "open_session" and isinstance(answer, dict)
