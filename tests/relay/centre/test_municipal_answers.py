"""What a municipal server answers is checked before it goes on: a menu of anything but
the catalogue's keys, or a refusal the protocol does not know, signed as the server's own,
reaches neither a kiosk nor the centre's records (no free text on a screen, in a voice or
in the delivery log); the customer is told the service is unavailable."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware_mocks.federation_world import A, FederationWorld
from protocol import wire
from protocol.federation.envelope import Envelope, seal
from relay.federation_local import InProcessMunicipality, load_ed25519
from relay.schema import ApiError
from tests.fixtures.federation_services import Federation

FREE_TEXT = "お電話ください 090-0000-0000"


class Rewriting(InProcessMunicipality):
    """A server whose ``menu`` answers carry a choice of free text and whose ``issue``
    answers are refusals of free text, sealed with its own message key."""

    def __init__(self, port: InProcessMunicipality, key: Ed25519PrivateKey, what: str) -> None:
        super().__init__(port.server)
        handle, clock = port.server.handle, port.server.clock

        def rewritten(message: Any) -> dict[str, Any]:
            reply = handle(message)
            env = Envelope.from_json(reply["envelope"])
            kind, body = env.kind, reply["body"]
            if message["envelope"]["kind"] == "menu" and what == "menu":
                item = body["menu"]["items"][0]
                item["options"] = [{"key": "scope", "choices": ["self", FREE_TEXT]}]
            elif message["envelope"]["kind"] == "issue" and what == "refusal":
                kind, body = "refusal", {"refusal": FREE_TEXT}
            else:
                return reply
            return seal(body, sender=env.sender, recipient=env.recipient, key=key, kind=kind, now=clock.now(),
                        in_reply_to=env.in_reply_to)

        self.handle = rewritten


@pytest.mark.parametrize("what", ["menu", "refusal"])
def test_free_text_from_a_municipal_server_goes_no_further(federation: FederationWorld, tmp_path: Path,
                                                           what: str) -> None:
    key = load_ed25519(federation.municipality_dir(A) / "message.key")
    fed = Federation(federation, tmp_path, replace={A: lambda port: Rewriting(port, key, what)})

    async def scenario() -> None:
        if what == "menu":
            with pytest.raises(ApiError) as exc:
                await fed.login(fed.persona_for(A))
        else:
            sid, _, _ = await fed.login(fed.persona_for(A))
            with pytest.raises(ApiError) as exc:
                await fed.request(sid)
        assert (exc.value.status, exc.value.code) == (503, wire.UNAVAILABLE)
        assert FREE_TEXT not in repr(fed.centre.store.events()) + repr(fed.centre.store.deliveries())

    try:
        asyncio.run(scenario())
    finally:
        asyncio.run(fed.close())
    raw = b"".join(p.read_bytes() for p in (tmp_path / "centre").rglob("*") if p.is_file())
    assert FREE_TEXT.encode() not in raw and FREE_TEXT.encode("utf-16-le") not in raw
