"""The tester panel over the federation: residents of each municipality, who issued last,
and one municipal issuing server stopped and started again while the others keep serving."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from hardware_mocks.federation_world import A, B, C, FederationWorld
from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.federation import FederationServices
from hardware_mocks.ui import tester
from hardware_mocks.ui.federation_view import FederationView, Issued, view
from hardware_mocks.ui.hands import Hands
from kiosk.relay_client.errors import RelayError
from kiosk.relay_client.https import HttpsRelayClient
from tests.fixtures.ui import DeviceRecorder

pytestmark = pytest.mark.qt
LEFT = Qt.MouseButton.LeftButton


def _view(stoppable: bool, issued: Issued | None = None) -> FederationView:
    return FederationView({A: "見本市", B: "見本町", C: "見本村"}, {"shiken-hanako": A, "shiken-ichiro": B},
                          stoppable, lambda code: code != B, lambda: issued)


def test_the_panel_names_each_personas_municipality_and_sends_stops_and_starts(qtbot: QtBot) -> None:
    rec = DeviceRecorder()
    panel = tester.TesterPanel(rec, federation=_view(True, Issued(B, "見本町", (f"{B}-2026-0000001",), "printed")))
    qtbot.addWidget(panel)
    labels = {panel.persona.itemData(i): panel.persona.itemText(i) for i in range(panel.persona.count())}
    assert labels["shiken-hanako"].endswith(f"見本市 ({A})") and labels["shiken-ichiro"].endswith(f"見本町 ({B})")
    assert "(" not in labels["canary"].rsplit("—", 1)[-1]  # a persona the view does not place: no municipality
    qtbot.mouseClick(panel.municipality_buttons[(B, "municipality_stop")], LEFT)
    qtbot.mouseClick(panel.municipality_buttons[(B, "municipality_start")], LEFT)
    assert rec.calls == [("municipality_stop", {"code": B}), ("municipality_start", {"code": B})]
    panel.refresh()
    assert [panel.municipality_state[c].text() for c in (A, B, C)] == ["serving", "stopped", "serving"]
    assert panel.issued.text() == f"Last certificate issued by 見本町 ({B}): {B}-2026-0000001, outcome printed"


def test_embedded_municipal_servers_cannot_be_stopped_from_the_panel(qtbot: QtBot) -> None:
    panel = tester.TesterPanel(DeviceRecorder(), federation=_view(False))
    qtbot.addWidget(panel)
    panel.refresh()
    assert not any(b.isEnabled() for b in panel.municipality_buttons.values())
    assert {panel.municipality_state[c].text() for c in (A, B, C)} == {"serving"}
    assert panel.issued.text() == "No certificate issued yet"


# -- over the real centre and municipal servers ----------------------------------------------


@pytest.fixture
def services(federation: FederationWorld, tmp_path: Path) -> Iterator[FederationServices]:
    running = FederationServices.start(federation, tmp_path)
    yield running
    running.stop()


def _residents(federation: FederationWorld) -> dict[str, str]:
    """A persona of each municipality whose card may be issued a 住民票 (an adult, no flags)."""
    home = federation.people["home"]
    usable = [p for p in federation.base.personas() if p["card"] == "valid" and not p["flags"] and p["age"] >= 20]
    return {code: next(p["id"] for p in usable if home.get(p["resident"]) == code) for code in (A, B, C)}


def _issue(services: FederationServices, persona: str, tmp: Path) -> str:
    """One session as the kiosk's own HTTPS client makes it, over the federation anchor: the
    serial of the 住民票 issued, or the refusal's code."""
    config = msgspec.structs.replace(services.relay_config(), directory_cache=tmp / "federation-directory.json")
    card = CardSigner.load(services.world.base.card_path(persona))
    try:
        with HttpsRelayClient.from_config(config) as client:
            client.check_version()
            opened = client.open_session()
            client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
            return str(client.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1).documents[0]["serial"])
    except RelayError as exc:
        return exc.code


@pytest.mark.relay
@pytest.mark.slow
def test_a_municipal_server_stopped_from_the_panel_costs_only_its_residents(
        qtbot: QtBot, federation: FederationWorld, services: FederationServices, tmp_path: Path) -> None:
    federation_view = view(services)
    hands = Hands(DeviceRecorder(), federation=services)
    panel = tester.TesterPanel(hands, federation=federation_view)
    qtbot.addWidget(panel)
    people = _residents(federation)
    assert {federation_view.homes[p] for p in people.values()} == {A, B, C}  # the panel places them
    try:
        for code, persona in people.items():
            assert _issue(services, persona, tmp_path).startswith(f"{code}-")
        panel.refresh()
        assert panel.issued.text().startswith(f"Last certificate issued by 見本村 ({C}): {C}-")

        qtbot.mouseClick(panel.municipality_buttons[(B, "municipality_stop")], LEFT)
        qtbot.waitUntil(lambda: _state(panel, B) == "stopped", timeout=20_000)
        assert _issue(services, people[B], tmp_path) == "relay_unavailable"  # the centre's 503
        assert _issue(services, people[A], tmp_path).startswith(f"{A}-")  # the others keep serving
        assert _issue(services, people[C], tmp_path).startswith(f"{C}-")

        qtbot.mouseClick(panel.municipality_buttons[(B, "municipality_start")], LEFT)
        qtbot.waitUntil(lambda: _state(panel, B) == "serving", timeout=60_000)
        qtbot.waitUntil(lambda: _issue(services, people[B], tmp_path).startswith(f"{B}-"), timeout=30_000)
        panel.refresh()
        assert panel.issued.text().startswith(f"Last certificate issued by 見本町 ({B}): {B}-")
    finally:
        hands.close()


def _state(panel: tester.TesterPanel, code: str) -> str:
    panel.refresh()
    return panel.municipality_state[code].text()
