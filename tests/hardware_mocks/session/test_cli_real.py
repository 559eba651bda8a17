"""``kiosk session run --devices real`` over the real services (``relay serve``, the
private cupsd; the coin simulator, as no cash device is fitted): the fault matrix where
the findings were, with money checked against the ledger and the coin device's own
counters, prints counted at the printer (the files cupsd's backend wrote), and the
residue scan after each run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hardware_mocks.services.cupsd import Cupsd
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.session.specs import services_config
from hardware_mocks.world import CANARY_PIN, World
from kiosk.cli import main
from tests.fixtures.canary import canary_patterns, scan_tree

pytestmark = [pytest.mark.relay, pytest.mark.cupsd, pytest.mark.slow]


@pytest.mark.parametrize(("fault", "expect"), [
    ((), {"result": "printed", "charged": 200, "change": 800, "printed_copies": 1}),
    (("--kill-worker-at", "payment"), {"charged": 0, "printed_copies": 0}),
    (("--kill-worker-at", "printing"), {}),
    (("--kill-worker-at", "take_papers"),
     {"result": "printed", "charged": 200, "change": 800, "printed_copies": 1}),
    (("--cancel-at", "payment"), {"result": "cancelled", "charged": 0, "printed_copies": 0}),
    (("--cancel-at", "take_papers"), {"result": "printed", "charged": 200, "printed_copies": 1}),
    (("--coin-jam",), {"code": "coin_jam", "charged": 0, "printed_copies": 0}),
])
def test_the_fault_matrix_over_the_real_services(
        relay_server: RelayServer, cupsd_clean: Cupsd, fresh_world: World, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], fault: tuple[str, ...], expect: dict[str, object]) -> None:
    cfg = services_config(tmp_path, fresh_world.root, relay_server, cupsd_clean)
    code = main(["session", "run", "--world", str(fresh_world.root), "--persona", "canary",
                 "--pin", CANARY_PIN, "--pay", "1000", "--json", "--devices", "real",
                 "--config", str(cfg), "--runtime-dir", str(tmp_path / "run"), *fault])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["conserved"] and out["disagreements"] == [], out
    for key, value in expect.items():
        assert out[key] == value, (key, out)
    # the printer's own count: what cupsd's backend delivered
    assert len(list(cupsd_clean.output_dir.glob("*.pdf"))) == out["printed_copies"]
    assert cupsd_clean.spool_files() == []
    pats = canary_patterns(fresh_world)
    assert scan_tree(tmp_path / "state", pats) == []
    assert scan_tree(tmp_path / "run", pats) == []
