"""Reader policy: production uses allow-listed physical readers only."""

from __future__ import annotations

import pytest

from hardware_mocks.vreader import InProcessReader
from kiosk.card.errors import ReaderGone, ReaderRefused
from kiosk.card.reader import allowed, check_policy, choose
from kiosk.config import Config, Mode

PROD = Config(mode=Mode.PRODUCTION, readers=("SONY FeliCa", "ACS ACR39U"))
PROD_EMPTY = Config(mode=Mode.PRODUCTION)
TEST = Config(mode=Mode.TEST)
DEMO_LISTED = Config(mode=Mode.DEMO, readers=("ACS ACR39U",))


@pytest.mark.parametrize("config,name,ok", [
    (PROD, "ACS ACR39U ICC Reader 00 00", True),
    (PROD, "Virtual PCD 00 00", False),
    (PROD, "Identiv uTrust 3700 F 00 00", False),
    (PROD_EMPTY, "ACS ACR39U ICC Reader 00 00", False),
    (TEST, "Virtual PCD 00 00", True),
    (TEST, "ACS ACR39U ICC Reader 00 00", True),
    (DEMO_LISTED, "Virtual PCD 00 01", True),
    (DEMO_LISTED, "Identiv uTrust 3700 F 00 00", False),
])
def test_allowed(config: Config, name: str, ok: bool) -> None:
    assert allowed(config, name) is ok


def test_choose() -> None:
    names = ["Virtual PCD 00 00", "ACS ACR39U ICC Reader 00 00"]
    assert choose(PROD, names) == "ACS ACR39U ICC Reader 00 00"
    assert choose(TEST, names) == "Virtual PCD 00 00"
    with pytest.raises(ReaderRefused):
        choose(PROD, ["Virtual PCD 00 00"])
    with pytest.raises(ReaderGone):
        choose(PROD, [])
    with pytest.raises(ReaderGone):
        choose(TEST, names, wanted="Nope")


def test_in_process_reader_refused_in_production() -> None:
    check_policy(TEST, InProcessReader())
    with pytest.raises(ReaderRefused):
        check_policy(PROD, InProcessReader())
