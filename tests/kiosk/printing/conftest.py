"""Keys and documents from the test world, for the printing tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hardware_mocks.world import World

ISSUED_ON = dt.date(2026, 11, 26)


@dataclass(frozen=True)
class Keys:
    issuer: Ed25519PrivateKey
    public: Ed25519PublicKey
    scramble: bytes


@pytest.fixture(scope="session")
def keys(world: World) -> Keys:
    issuer = serialization.load_pem_private_key(world.pki("issuer.key").read_bytes(), None)
    assert isinstance(issuer, Ed25519PrivateKey)
    return Keys(issuer, issuer.public_key(), bytes.fromhex(world.pki("scramble.key").read_text().strip()))


DocumentFactory = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def make_document(world: World) -> DocumentFactory:
    from relay.documents import assemble

    data = world.data

    def make(persona: str, cert_type: str, serial: str = "139998-20261126-000123",
             **options: str) -> dict[str, Any]:
        resident = world.persona(persona)["resident"]
        return dict(assemble(data, resident, cert_type, options, serial, ISSUED_ON))  # type: ignore[arg-type]

    return make
