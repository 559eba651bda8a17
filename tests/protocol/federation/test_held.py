"""The held directory's parts the kiosk and a municipality's public service share: a copy
and its signed bytes read as one, a ``304`` that makes the copy current again, and the
holder's own event names."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.federation.directory import Anchor, Directory, DirectoryError, PublishedKey, sign
from protocol.federation.fetch import etag_of
from protocol.federation.held import HeldDirectory

NOW = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def _signed(key: Ed25519PrivateKey, serial: int) -> bytes:
    centre = PublishedKey(Ed25519PrivateKey.generate().public_key(), NOW, NOW + dt.timedelta(days=365))
    return sign(Directory("test-federation", serial, NOW, NOW + dt.timedelta(days=7), (centre,), ()), key)


def test_the_copy_and_its_bytes_a_304_and_the_holders_events(tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    key, clock = Ed25519PrivateKey.generate(), {"now": NOW}
    held = HeldDirectory(Anchor("test-federation", (key.public_key(),)), tmp_path / "copy.json", 10 * MINUTE,
                         lambda: clock["now"], holder="relay.public")
    with pytest.raises(DirectoryError) as missing:
        held.usable_signed()
    assert missing.value.code == "missing"
    held.confirmed()  # nothing held: a 304 cannot make anything current
    assert held.needs_refresh()
    first = _signed(key, 4)
    with caplog.at_level(logging.INFO):
        held.accept(first)
        with pytest.raises(DirectoryError):
            held.accept(_signed(key, 3))
    events = [r.getMessage() for r in caplog.records]
    assert "relay.public.directory_accepted" in events and "relay.public.directory_refused" in events
    directory, data = held.usable_signed()
    assert (directory.serial, data, held.held_bytes) == (4, first, first)
    assert (tmp_path / "copy.json").read_bytes() == first  # kept on disk as fetched
    clock["now"] = NOW + 11 * MINUTE
    assert held.needs_refresh()
    held.confirmed()  # the centre still serves this copy
    assert not held.needs_refresh()
    assert etag_of(first) == f'"{hashlib.sha256(first).hexdigest()}"'  # the centre's ETag


@pytest.mark.parametrize("foreign", [b'{"federation": "test-federation", "keys": []}', b"%PDF-1.7\n", b"",
                                     b"[" * 100_000])  # the last nested deeper than the JSON parser goes
def test_a_cache_path_naming_another_file_is_never_written_over(tmp_path: Path, foreign: bytes) -> None:
    """An anchor, a document or an empty file named as the cache stays as it is; a copy
    of another age or federation would be replaced as usual."""
    key = Ed25519PrivateKey.generate()
    cache = tmp_path / "given.json"
    cache.write_bytes(foreign)
    held = HeldDirectory(Anchor("test-federation", (key.public_key(),)), cache, 10 * MINUTE, lambda: NOW)
    assert held.cache_foreign
    held.accept(_signed(key, 1))
    assert held.usable().serial == 1 and cache.read_bytes() == foreign
    stale = tmp_path / "stale.json"
    stale.write_bytes(_signed(Ed25519PrivateKey.generate(), 9))  # another federation's key
    other = HeldDirectory(Anchor("test-federation", (key.public_key(),)), stale, 10 * MINUTE, lambda: NOW)
    assert not other.cache_foreign
    fresh = _signed(key, 2)
    other.accept(fresh)
    assert stale.read_bytes() == fresh
