"""``kiosk card status`` through pcscd + vpcd."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hardware_mocks.services.pcscd import Pcscd
from hardware_mocks.vreader import VirtualReader
from hardware_mocks.world import World
from kiosk.card.status import card_status
from kiosk.cli import main
from kiosk.config import Config, Mode, dump
from tests.fixtures.pcscd import wait_presence

pytestmark = pytest.mark.pcscd


class ForeignCard:
    """A payment-style card: no JPKI application."""

    atr = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")

    def process(self, apdu: bytes | bytearray) -> bytes:
        return b"\x6a\x82" if apdu[1] == 0xA4 else b"\x6d\x00"

    def reset(self) -> None:
        pass


@pytest.fixture
def test_config(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(dump(Config(mode=Mode.TEST)), encoding="utf-8")
    return path


def test_status_json(pcsc_card, test_config: Path, capsys: pytest.CaptureFixture[str], world: World) -> None:
    pcsc_card("shiken-ichiro")
    assert main(["--config", str(test_config), "card", "status", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["my_number_card"] is True
    assert out["atr"] == "3BE000FF8131FE4514"
    assert out["tries_left"] == 3
    assert out["certificate"]["serial"] == world.persona("shiken-ichiro")["cert_serial"]
    assert "Test JPKI User Authentication CA" in out["certificate"]["issuer"]


def test_status_text_locked_and_expired(pcsc_card, test_config: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    pcsc_card("mihon-shiro")
    assert main(["--config", str(test_config), "card", "status"]) == 0
    assert "PIN locked" in capsys.readouterr().out
    status = card_status(Config(mode=Mode.TEST))
    assert status.tries_left == 0


def test_status_no_card(pcscd: Pcscd, test_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(test_config), "card", "status"]) == 1
    assert "no card in Virtual PCD" in capsys.readouterr().err


def test_status_foreign_card(pcscd: Pcscd, vreader: VirtualReader, test_config: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    vreader.insert(ForeignCard())
    wait_presence(pcscd.reader, True)
    assert main(["--config", str(test_config), "card", "status", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["my_number_card"] is False and out["problem"] == "not_my_number_card"


def test_status_production_refuses_virtual_reader(pcsc_card, capsys: pytest.CaptureFixture[str]) -> None:
    pcsc_card("shiken-ichiro")
    assert main(["card", "status"]) == 1
    captured = capsys.readouterr()
    assert "(not permitted)" in captured.out
    assert "no permitted card reader" in captured.err


def test_status_no_reader_by_name(pcscd: Pcscd, test_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(test_config), "card", "status", "--reader", "ACS"]) == 1
    assert "no reader named ACS" in capsys.readouterr().err


def test_watch(pcscd: Pcscd, vreader: VirtualReader, test_config: Path,
               capsys: pytest.CaptureFixture[str]) -> None:
    import threading

    def tester() -> None:
        vreader.insert("shiken-ichiro")
        wait_presence(pcscd.reader, True)
        vreader.remove()

    t = threading.Thread(target=tester)
    t.start()
    code = main(["--config", str(test_config), "card", "watch", "--count", "2", "--timeout", "20"])
    t.join(10)
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["event"] for e in lines] == ["inserted", "removed"]
    assert lines[0]["atr"] == "3BE000FF8131FE4514"


def test_watch_refused_in_production(pcscd: Pcscd, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["card", "watch", "--timeout", "1"]) == 1
    assert "no permitted card reader" in capsys.readouterr().err
