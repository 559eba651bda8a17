"""``card_status`` without pcscd: the messages for no service and no reader."""

from __future__ import annotations

import pytest

from kiosk.card import status as st
from kiosk.card.errors import ReaderGone
from kiosk.config import Config, Mode


def test_no_pcscd(monkeypatch: pytest.MonkeyPatch) -> None:
    def gone() -> list[str]:
        raise ReaderGone("PC/SC service unavailable")

    monkeypatch.setattr(st, "list_pcsc_readers", gone)
    status = st.card_status(Config(mode=Mode.TEST))
    assert status.problem == "no_pcscd" and "pcscd" in status.message


def test_no_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(st, "list_pcsc_readers", list)
    status = st.card_status(Config(mode=Mode.TEST))
    assert status.problem == "no_reader" and status.message == "no card reader found"
    assert status.to_dict()["readers"] == []
