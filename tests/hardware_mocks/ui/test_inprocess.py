"""The UI tests' engine link: the real engine in process, its PIN handling, the sessions
that follow each other, and the tester's faults."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware_mocks.session.fakes import FakePrinter
from hardware_mocks.ui.inprocess import InProcessEngine
from hardware_mocks.world import World
from kiosk.session.engine import Engine
from kiosk.session.viewmodel import Intent, IntentKind, Screen, ViewModel


class Views:
    """A listener that lets a test wait (without sleeping) for a view model. Views arrive
    from the engine's thread, so a wait looks at every view since the last one it
    returned, not only the newest: the next session's start screen may already follow."""

    def __init__(self) -> None:
        self.seen: list[ViewModel] = []
        self._next = 0  # the first view the next wait looks at
        self._changed = threading.Condition()

    def __call__(self, vm: ViewModel) -> None:
        with self._changed:
            self.seen.append(vm)
            self._changed.notify_all()

    def _match(self, pred: Callable[[ViewModel], bool]) -> int | None:
        return next((i for i in range(self._next, len(self.seen)) if pred(self.seen[i])), None)

    def wait(self, pred: Callable[[ViewModel], bool], timeout: float = 5.0) -> ViewModel:
        with self._changed:
            assert self._changed.wait_for(lambda: self._match(pred) is not None, timeout), \
                self.seen[self._next:]
            found = self._match(pred)
            assert found is not None
            self._next = found + 1
            return self.seen[found]


@pytest.fixture
def link(fresh_world: World, tmp_path: Path) -> Iterator[InProcessEngine]:
    e = InProcessEngine(fresh_world.root, tmp_path / "state")
    yield e
    e.close()


def to_pin(link: InProcessEngine, views: Views) -> None:
    link.subscribe(views)
    link.send(Intent(IntentKind.START))
    link.insert_card("shiken-ichiro")
    views.wait(lambda vm: vm.screen is Screen.PIN)


def test_the_pin_handed_to_the_engine_is_its_own_copy_and_is_zeroed(
        link: InProcessEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    handed: list[bytearray] = []
    real = Engine.intent

    def spy(self: Engine, intent: Intent, pin: bytearray | None = None) -> None:
        if pin is not None:
            handed.append(pin)
        real(self, intent, pin)

    monkeypatch.setattr(Engine, "intent", spy)
    views = Views()
    to_pin(link, views)
    mine = bytearray(b"1234")
    link.send_pin(mine)
    views.wait(lambda vm: vm.screen is Screen.REMOVE_CARD)
    assert mine == bytearray(b"1234"), "the caller's buffer is the caller's to zero"
    assert len(handed) == 1 and handed[0] is not mine and handed[0] == bytearray(4)


def test_a_pin_sent_after_close_is_not_kept(link: InProcessEngine) -> None:
    link.close()
    link.send_pin(bytearray(b"1234"))
    assert link._queue.empty()
    assert [i.kind for i in link.intents] == []


def test_the_next_session_starts_when_one_ends_and_faults_stay(link: InProcessEngine) -> None:
    views = Views()
    link.set_printer_fault("media-empty")
    to_pin(link, views)
    link.send(Intent(IntentKind.CANCEL))
    first = views.wait(lambda vm: vm.final)
    assert first.screen is Screen.ERROR and first.error is not None
    assert first.error.code == "cancelled"
    nxt = views.wait(lambda vm: vm.screen is Screen.START)
    assert nxt.session != first.session and link.outcomes[-1]["code"] == "cancelled"
    assert isinstance(link.devices.printer, FakePrinter)
    assert link.devices.printer.fault == "media-empty"  # the terminal's printer, still faulty


def test_an_injected_fault_ends_the_session_with_its_code(link: InProcessEngine) -> None:
    views = Views()
    link.subscribe(views)
    link.fail("not_my_number", "card", "take_card")
    vm = views.wait(lambda vm: vm.final)
    assert vm.error is not None
    assert (vm.error.code, vm.error.kind, vm.error.next_step) == ("not_my_number", "card", "take_card")
