"""The relay client a real worker makes from the kiosk configuration (``[relay]``)."""

from __future__ import annotations

from hardware_mocks.world import World
from kiosk.config import RelayConfig
from kiosk.relay_client.https import HttpsRelayClient


def test_the_configured_pins_and_approved_builds_reach_the_client(world: World) -> None:
    cert, key = world.kiosk_cert("KIOSK-0001")
    config = RelayConfig(url="https://127.0.0.1:8443", ca_file=world.pki("operator-ca.pem"),
                         cert_file=cert, key_file=key, issuer_public_key=world.pki("issuer.pub"),
                         pins=("a" * 64, "b" * 64), approved_builds=("build-1",))
    client = HttpsRelayClient.from_config(config)
    try:
        assert client._pins == frozenset({"a" * 64, "b" * 64})
        assert client._approved_builds == frozenset({"build-1"})
    finally:
        client.close()
