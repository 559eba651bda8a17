"""The host link: one thread owns the session host; faults persist; PINs are zeroed."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from kiosk.session.viewmodel import Intent, IntentKind, Screen, ViewModel
from kiosk.ui.hostlink import HostLink


class FakeHost:
    def __init__(self, on_view) -> None:
        self.on_view = on_view
        self.threads: set[int] = set()
        self.calls: list[tuple[Any, ...]] = []
        self.pins: list[bytearray] = []
        self.closed = threading.Event()

    def _here(self) -> None:
        self.threads.add(threading.get_ident())

    def start(self) -> None:
        self._here()
        self.on_view(ViewModel(Screen.START, session="s1"))

    def poll(self, timeout: float) -> None:
        self._here()
        self.closed.wait(timeout)

    def send_intent(self, intent: Intent) -> None:
        self._here()
        self.calls.append(("intent", intent.kind))

    def send_pin(self, pin: bytearray) -> None:
        self._here()
        self.pins.append(pin)
        self.calls.append(("pin", len(pin)))
        pin[:] = bytearray(len(pin))  # what SessionHost does: zero it

    def device(self, kind: str, **fields: Any) -> None:
        self._here()
        self.calls.append(("device", kind, fields))

    def close(self) -> None:
        self.closed.set()


def test_everything_runs_on_the_host_thread_and_faults_persist() -> None:
    views: list[ViewModel] = []
    hosts: list[FakeHost] = []

    def make(on_view):
        hosts.append(FakeHost(on_view))
        return hosts[-1]

    link = HostLink(make)
    link.subscribe(views.append)
    assert link.started.wait(5)
    link.send(Intent(IntentKind.START))
    pin = bytearray(b"1234")
    link.send_pin(pin)
    link.device("printer_fault", value="jam")
    done = threading.Event()
    link.call(lambda host: done.set())
    assert done.wait(5)
    host = hosts[0]
    nxt = threading.Event()

    def next_customer(h: FakeHost) -> None:  # the next customer's worker publishes its start screen
        h.on_view(ViewModel(Screen.START, session="s2"))
        nxt.set()

    link.call(next_customer)
    assert nxt.wait(5)
    link.close()
    assert len(host.threads) == 1 and threading.get_ident() not in host.threads
    assert host.calls[:3] == [("intent", IntentKind.START), ("pin", 4),
                              ("device", "printer_fault", {"value": "jam"})]
    assert host.calls[3] == ("device", "printer_fault", {"value": "jam"})  # re-applied
    assert host.pins[0] == bytearray(4) and host.pins[0] is not pin
    assert [v.session for v in views] == ["s1", "s2"]


def test_a_host_that_cannot_start_shows_out_of_service() -> None:
    views: list[ViewModel] = []

    def broken(on_view):
        raise OSError("no worker")

    link = HostLink(broken)
    link.subscribe(views.append)
    pin = bytearray(b"9999")
    link.send_pin(pin)
    link.close()
    assert views and views[0].screen is Screen.OUT_OF_SERVICE and views[0].final
    assert pin == bytearray(b"9999"), "the caller's buffer is the caller's to zero"


class _Spy:
    """Records what each buffer zeroed by the host link held (test digits only)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from kiosk.ui import hostlink
        from protocol.sensitive import zero

        self.held: list[bytes] = []
        self._zero = zero
        monkeypatch.setattr(hostlink, "zero", self)

    def __call__(self, buf: bytearray) -> None:
        self.held.append(bytes(buf))
        self._zero(buf)


def test_a_pin_sent_after_close_is_neither_queued_nor_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = _Spy(monkeypatch)
    link = HostLink(FakeHost)
    link.subscribe(lambda vm: None)
    assert link.started.wait(5)
    link.close()
    link.send_pin(bytearray(b"1234"))
    assert link._queue.empty() and spy.held == []


def test_close_zeroes_pins_queued_on_a_link_never_started(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = _Spy(monkeypatch)
    link = HostLink(FakeHost)
    link.send_pin(bytearray(b"1234"))
    link.close()
    assert spy.held == [b"1234"] and link._queue.empty()


def test_a_host_that_fails_to_send_the_pin_still_leaves_it_zeroed() -> None:
    hosts: list[FakeHost] = []

    class Failing(FakeHost):
        def send_pin(self, pin: bytearray) -> None:
            self.pins.append(pin)
            raise OSError("worker gone")

    def make(on_view):
        hosts.append(Failing(on_view))
        return hosts[-1]

    link = HostLink(make)
    link.subscribe(lambda vm: None)
    assert link.started.wait(5)
    link.send_pin(bytearray(b"1234"))
    done = threading.Event()
    link.call(lambda host: done.set())
    assert done.wait(5), "the link goes on after a failed call"
    link.close()
    assert hosts[0].pins == [bytearray(4)]
