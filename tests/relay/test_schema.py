"""Strict ids: a trailing newline (which ``re.match`` with ``$`` lets through) is refused."""

from __future__ import annotations

import uuid

import pytest

from hardware_mocks.world import World
from relay import kiosk_register, schema
from relay.schema import ApiError

SID = "0123456789abcdef" * 2
RID = str(uuid.UUID(int=7))


@pytest.mark.parametrize("suffix", ["\n", "\r\n", " ", "\x00", "0"])
def test_session_and_request_ids_are_matched_whole(suffix: str) -> None:
    assert schema.session_id(SID) == SID and schema.request_id(RID) == RID
    for check, value, field in ((schema.session_id, SID, "session_id"), (schema.request_id, RID, "request_id")):
        with pytest.raises(ApiError) as err:
            check(value + suffix)
        assert (err.value.status, err.value.code, err.value.field) == (400, "bad_value", field)
        with pytest.raises(ApiError):
            check("\n" + value)


def test_kiosk_id_pattern_is_matched_whole() -> None:
    assert kiosk_register.KIOSK_ID.fullmatch("KIOSK-0001")
    assert not kiosk_register.KIOSK_ID.fullmatch("KIOSK-0001\n")
    assert not kiosk_register.KIOSK_ID.fullmatch("kiosk-0001")


def test_the_relay_refuses_a_live_session_id_with_a_newline(world: World) -> None:
    from hardware_mocks.relay.virtual import VirtualRelayBackend
    from kiosk.relay_client.errors import RelayProtocolError
    from protocol import wire

    backend = VirtualRelayBackend(world.root)
    opened = backend.call("KIOSK-0001", wire.SESSION_PATH, {})
    with pytest.raises(RelayProtocolError) as err:
        backend.call("KIOSK-0001", wire.MENU_PATH, {"session_id": opened["session_id"] + "\n"})
    assert err.value.code == "bad_value"
