"""The relay's build id covers the code that decides issuance, the relay and the protocol
package, and nothing of the kiosk: editing the kiosk's HTTPS client must not change which
relay builds a kiosk approves."""

from __future__ import annotations

from pathlib import Path

import pytest

import protocol
import relay
from relay.build import build_id

RELAY = Path(relay.__file__).resolve().parent
PROTOCOL = Path(protocol.__file__).resolve().parent


def test_the_build_id_reads_the_relay_and_the_protocol_and_nothing_else(
        monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[Path] = []
    original = Path.read_bytes

    def recording(self: Path) -> bytes:
        read.append(self.resolve())
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", recording)
    first = build_id()
    assert {p.parent for p in read if p.is_relative_to(RELAY)}  # the relay's own modules
    assert any(p.is_relative_to(PROTOCOL / "paper") for p in read)  # protocol, sub-packages too
    assert [p for p in read if not (p.is_relative_to(RELAY) or p.is_relative_to(PROTOCOL))] == []
    assert build_id() == first and len(first) == 16


def test_a_change_in_the_protocol_changes_the_build_id(monkeypatch: pytest.MonkeyPatch) -> None:
    before = build_id()
    original = Path.read_bytes
    target = PROTOCOL / "refusals.py"

    def changed(self: Path) -> bytes:
        data = original(self)
        return data + b"\n# changed\n" if self.resolve() == target else data

    monkeypatch.setattr(Path, "read_bytes", changed)
    assert build_id() != before
