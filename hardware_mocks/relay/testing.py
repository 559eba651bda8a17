"""Virtual-card signing for tests, the demo and the benchmark.

The card engineer's virtual card answers APDUs; the relay's tests need only what a card
proves: its authentication certificate and a PKCS#1 v1.5 SHA-256 signature made with its
key over the challenge message. This reads both from a world card file.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from protocol.challenge import challenge_message
from protocol.clock import JST
from relay.rules import is_new_year_closure


@dataclass(frozen=True)
class CardSigner:
    cert_der: bytes
    key: rsa.RSAPrivateKey

    @classmethod
    def load(cls, card_file: Path) -> CardSigner:
        data = json.loads(Path(card_file).read_text(encoding="utf-8"))
        key = serialization.load_pem_private_key(data["auth"]["key_pem"].encode(), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return cls(bytes.fromhex(data["auth"]["cert_der"]), key)

    def sign(self, challenge: bytes, session_id: str, kiosk_id: str) -> bytes:
        return self.key.sign(challenge_message(challenge, session_id, kiosk_id), padding.PKCS1v15(), hashes.SHA256())


def open_hours(world: Any, hour: int = 10) -> dt.datetime:
    """A weekday at ``hour`` JST, on or shortly before the world's day, outside the New
    Year closure: ages and tax years stay those the world was made for."""
    day = dt.date.fromisoformat(world.data["today"])
    while day.weekday() >= 5 or is_new_year_closure(day):
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=JST)
