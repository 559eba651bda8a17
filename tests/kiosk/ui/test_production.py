"""``kiosk ui``, the program of a terminal in service: what it needs and how it starts."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_run_needs_a_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main

    assert main(["ui"]) == 2 and main(["run"]) == 2


def test_production_tells_systemd_ready_even_when_the_selftest_breaks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.config import Config
    from kiosk.diag import build
    from kiosk.notify import Notifier
    from kiosk.ui import production

    def broken(config: Config) -> None:
        raise RuntimeError("the self-test cannot be built")

    monkeypatch.setattr(build, "build_service", broken)

    class Notify(Notifier):
        said: list[str | None] = []

        def ready(self, status: str | None = None) -> bool:
            self.said.append(status)
            return True

    cfg = Config(state_dir=tmp_path / "state", runtime_dir=tmp_path / "run")
    notify = Notify({})  # no service manager: only what is said is recorded
    production._selftest_then_ready(cfg, notify)
    assert len(notify.said) == 1 and notify.said[0] is not None
