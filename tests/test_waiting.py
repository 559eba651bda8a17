"""The suite's bounded join (tests.fixtures.waiting.join_all): threads that end are
joined; one that does not end fails the test by name instead of holding it."""

from __future__ import annotations

import threading

import pytest

from tests.fixtures.waiting import join_all


def test_threads_that_end_are_joined() -> None:
    threads = [threading.Thread(target=lambda: None, daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    join_all(threads, what="quick")
    assert not any(t.is_alive() for t in threads)


def test_a_thread_that_does_not_end_fails_by_name() -> None:
    release = threading.Event()
    stuck = threading.Thread(target=release.wait, name="stuck-one", daemon=True)
    stuck.start()
    try:
        with pytest.raises(AssertionError, match=r"still running after 0\.1 s: workers \['stuck-one'\]"):
            join_all([stuck], 0.1, "workers")
    finally:
        release.set()
        stuck.join(5)
    assert not stuck.is_alive()
