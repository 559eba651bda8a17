"""The relay adapter: the kiosk id the relay knows, the configured one checked at start."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from kiosk.relay_client.errors import KioskRefused, KioskRetired, KioskSuspended, KioskUnknown
from kiosk.relay_client.port import RelayClient
from kiosk.session.adapters import RelayAdapter
from kiosk.session.faults import IntegrityFault, RelayFault


class _Client:
    def __init__(self, kiosk_id: str) -> None:
        self.kiosk_id = kiosk_id
        self.session_id = "s" * 32
        self.checked = False

    def open_session(self) -> Any:
        return SimpleNamespace(session_id=self.session_id, challenge=b"c" * 32)

    def message_to_sign(self, challenge: bytes) -> bytes:
        return b"signed-by:" + self.kiosk_id.encode() + challenge

    def check_version(self) -> None:
        self.checked = True


def _adapter(client: _Client, kiosk_id: str) -> RelayAdapter:
    # _Client has only the calls these tests make of the port, hence the cast
    return RelayAdapter(cast(RelayClient, client), kiosk_id)


def test_the_challenge_is_the_clients_own_message() -> None:
    relay = _adapter(_Client("KIOSK-CERT"), "KIOSK-CERT")
    sid, challenge = relay.open_session()
    assert relay.challenge_message(challenge, sid) == b"signed-by:KIOSK-CERT" + challenge
    with pytest.raises(IntegrityFault):
        relay.challenge_message(challenge, "t" * 32)  # not the session just opened


def test_a_configured_kiosk_id_other_than_the_certificates_is_refused_at_start() -> None:
    client = _Client("KIOSK-CERT")
    with pytest.raises(RelayFault) as exc:
        _adapter(client, "KIOSK-CONFIG").check_version()
    assert exc.value.code == "kiosk_id_mismatch" and exc.value.next_step == "call_staff"
    assert not client.checked
    _adapter(client, "KIOSK-CERT").check_version()
    assert client.checked


class _Refused(_Client):
    """A client of a relay whose kiosk register refuses this terminal with ``refusal``."""

    def __init__(self, kiosk_id: str, refusal: type[KioskRefused]) -> None:
        super().__init__(kiosk_id)
        self.refusal = refusal

    def open_session(self) -> Any:
        raise self.refusal

    def check_version(self) -> None:
        raise self.refusal


@pytest.mark.parametrize(("refusal", "code"), [(KioskSuspended, "kiosk_suspended"),
                                               (KioskRetired, "kiosk_retired"),
                                               (KioskUnknown, "kiosk_unknown")])
def test_a_terminal_the_register_refuses_is_taken_out_of_service_with_its_own_code(
        refusal: type[KioskRefused], code: str, caplog: pytest.LogCaptureFixture) -> None:
    """At the start check (the host then shows the out-of-service screen that says so, and
    tries again by itself unless the terminal was retired) and at any call of a session."""
    relay = _adapter(_Refused("KIOSK-CERT", refusal), "KIOSK-CERT")
    for call in (relay.check_version, relay.open_session):
        with pytest.raises(RelayFault) as exc:
            call()
        assert (exc.value.code, exc.value.next_step) == (code, "call_staff")
    assert [r.msg for r in caplog.records] == [f"session.{code}"]  # the start check says why


def test_a_relay_client_that_cannot_be_made_is_a_relay_fault() -> None:
    def broken() -> Any:
        raise ValueError("the relay configuration needs ca_file")

    with pytest.raises(RelayFault) as exc:
        RelayAdapter(broken, "KIOSK-0001").check_version()
    assert exc.value.code == "relay_config"
