"""``relay.rate_limits``: where a server's kiosk counts live, and the memory store's bound.

The shared store's counts across nodes are tested against both databases in
tests/relay/test_registers.py; the limits themselves in tests/relay/test_kiosk_identity.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from protocol import wire
from relay.kiosk_register import Standing
from relay.kiosk_watch import KioskLimits, KioskWatch
from relay.rate_limits import MAX_MEMORY_KEYS, MemoryRateStore, SharedRateStore, kiosk_rate_store
from relay.schema import ApiError

NOW = 1_800_000_000.0
KIOSK = Standing("KIOSK-0001", "active", 10)


def test_one_process_on_a_sqlite_file_counts_in_memory(tmp_path: Path) -> None:
    """Nobody to share the counts with: no database file is made or written."""
    rates = tmp_path / "centre-rates.sqlite3"
    store = kiosk_rate_store(rates, workers=1)
    assert isinstance(store, MemoryRateStore)
    watch = KioskWatch(store, KioskLimits(sessions_per_minute=10), clock=lambda: NOW)
    for _ in range(10):
        watch.admit(KIOSK, "session")
    with pytest.raises(ApiError) as refused:
        watch.admit(KIOSK, "session")
    assert refused.value.code == wire.RATE_LIMITED
    assert not rates.exists()


def test_several_workers_on_a_sqlite_file_share_the_counts(tmp_path: Path) -> None:
    rates = tmp_path / "centre-rates.sqlite3"
    workers = [kiosk_rate_store(rates, workers=2) for _ in range(2)]
    try:
        assert all(isinstance(s, SharedRateStore) for s in workers)
        assert workers[0].hit("session-min:KIOSK-0001", 60, 1) == 1
        assert workers[1].hit("session-min:KIOSK-0001", 60, 1) == 2
    finally:
        for s in workers:
            s.close()


@pytest.mark.postgres
def test_one_process_on_postgresql_shares_the_counts(postgres_db: str) -> None:
    """Other nodes may serve from the same database: a kiosk's calls are counted together."""
    store = kiosk_rate_store(postgres_db, workers=1)
    try:
        assert isinstance(store, SharedRateStore)
    finally:
        store.close()


def test_a_bounded_memory_store_forgets_old_windows_when_full() -> None:
    store = MemoryRateStore(max_keys=2)
    store.hit("a", 0, 1)
    store.hit("c", 60, 1)
    store.hit("d", 60, 1)  # full: the windows before 60 go, the current ones stay
    assert store.hit("c", 60, 1) == 2
    assert store.hit("a", 0, 1) == 1


def test_an_unbounded_memory_store_keeps_every_subject() -> None:
    """For registered kiosks: a key holds only its current window, so nothing needs to go
    however many kiosks call, and no kiosk's count is lost to another's (a bounded store
    would have dropped them all here)."""
    store = MemoryRateStore(max_keys=None)
    for n in range(MAX_MEMORY_KEYS):
        store.hit(f"session-hour:KIOSK-{n:06d}", 0, 1)
    store.hit("session-hour:KIOSK-LATE", 3600, 1)
    assert store.hit("session-hour:KIOSK-000000", 0, 1) == 2
