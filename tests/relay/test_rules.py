"""Every refusal rule, decided by the relay's own core (in process, on a fake clock)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.relay.virtual import VirtualRelay, VirtualRelayBackend
from hardware_mocks.world import World
from kiosk.relay_client.errors import RelayRefused
from protocol import refusals
from protocol.clock import FakeClock
from relay.rules import unsupported
from tests.fixtures.relay import open_hours


def _relay(world_root: Path, when: dt.datetime) -> tuple[VirtualRelay, FakeClock]:
    clock = FakeClock(when)
    return VirtualRelay(world_root, backend=VirtualRelayBackend(world_root, clock)), clock


def _login(world: World, relay: VirtualRelay, persona: str):
    card = CardSigner.load(world.card_path(persona))
    opened = relay.open_session()
    return relay.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, relay.kiosk_id))


def _refused(call) -> str:
    with pytest.raises(RelayRefused) as err:
        call()
    return err.value.code


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("shiken-jiro", refusals.UNDER_15),
        ("mihon-nanako", refusals.MOVING_OUT),
        ("mihon-yaeko", refusals.DV_MEASURE),
        ("mihon-kuro", refusals.DECEASED),
        ("mihon-gaiji", refusals.UNSUPPORTED_CHARACTERS),
    ],
)
def test_resident_refusals_close_every_type(world: World, persona: str, code: str) -> None:
    relay, _ = _relay(world.root, open_hours(world))
    menu = _login(world, relay, persona)
    assert {(i.available, i.refusal) for i in menu.items} == {(False, code)}
    assert _refused(lambda: relay.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)) == code
    audit = relay.backend.core.storage.audit_since()
    assert audit[-1]["event"] == "refuse" and audit[-1]["code"] == code


def test_type_refusals_no_seal_and_koseki_elsewhere(world: World) -> None:
    relay, _ = _relay(world.root, open_hours(world))
    menu = _login(world, relay, "mihon-saburo")
    refused = {i.type: i.refusal for i in menu.items if not i.available}
    assert refused == {"inkan": refusals.NO_SEAL, "koseki_zenbu": refusals.KOSEKI_ELSEWHERE,
                       "koseki_kojin": refusals.KOSEKI_ELSEWHERE, "koseki_fuhyo": refusals.KOSEKI_ELSEWHERE}
    assert _refused(lambda: relay.request_documents(str(uuid.uuid4()), "inkan", {}, 1)) == refusals.NO_SEAL
    issued = relay.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)
    assert issued.documents[0]["body"]["members"][0]["name"]["given"] == "三郎"


@pytest.mark.parametrize(
    ("at", "juminhyo", "koseki"),
    [
        (dt.time(6, 29), refusals.OUTSIDE_HOURS, refusals.OUTSIDE_HOURS),
        (dt.time(6, 30), None, refusals.KOSEKI_HOURS),
        (dt.time(9, 0), None, None),
        (dt.time(16, 59), None, None),
        (dt.time(17, 0), None, refusals.KOSEKI_HOURS),
        (dt.time(22, 59), None, refusals.KOSEKI_HOURS),
        (dt.time(23, 0), refusals.OUTSIDE_HOURS, refusals.OUTSIDE_HOURS),
    ],
)
def test_service_hours(world: World, at: dt.time, juminhyo: str | None, koseki: str | None) -> None:
    relay, _ = _relay(world.root, open_hours(world).replace(hour=at.hour, minute=at.minute))
    menu = _login(world, relay, "shiken-ichiro")
    assert menu.item("juminhyo").refusal == juminhyo
    assert menu.item("koseki_zenbu").refusal == koseki


def test_koseki_weekdays_only_and_new_year(world: World) -> None:
    weekday = open_hours(world)
    saturday = weekday + dt.timedelta(days=5 - weekday.weekday())
    relay, _ = _relay(world.root, saturday)
    menu = _login(world, relay, "shiken-ichiro")
    assert menu.item("juminhyo").available
    assert menu.item("koseki_kojin").refusal == refusals.KOSEKI_HOURS
    relay, _ = _relay(world.root, weekday.replace(month=12, day=30))
    assert {i.refusal for i in _login(world, relay, "shiken-ichiro").items} == {refusals.OUTSIDE_HOURS}


def test_hours_are_checked_again_at_request_time(world: World) -> None:
    relay, clock = _relay(world.root, open_hours(world).replace(hour=22, minute=58))
    assert _login(world, relay, "shiken-ichiro").item("juminhyo").available
    clock.advance(180)
    assert _refused(lambda: relay.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)) == refusals.OUTSIDE_HOURS


def test_no_tax_record_for_the_current_fiscal_year(world: World) -> None:
    later = open_hours(world).replace(year=open_hours(world).year + 3)
    relay, _ = _relay(world.root, later)
    assert _login(world, relay, "shiken-ichiro").item("shotoku").refusal == refusals.NO_TAX_RECORD


@pytest.fixture
def changed_world(tmp_path: Path, world: World) -> World:
    """A private copy whose registry a test may edit."""
    root = tmp_path / "world"
    shutil.copytree(world.root, root)
    return World(root)


def _edit(world: World, change) -> None:
    data = world.data
    change(data)
    (world.root / "world.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_household_copy_refused_when_a_member_moves_out(changed_world: World) -> None:
    hanako = changed_world.persona("shiken-hanako")["resident"]
    _edit(changed_world, lambda d: next(r for r in d["residents"] if r["id"] == hanako)["flags"].append("moving_out"))
    relay, _ = _relay(changed_world.root, open_hours(changed_world))
    _login(changed_world, relay, "shiken-ichiro")
    assert relay.request_documents(str(uuid.uuid4()), "juminhyo", {"scope": "self"}, 1).documents
    code = _refused(lambda: relay.request_documents(str(uuid.uuid4()), "juminhyo", {"scope": "household"}, 1))
    assert code == refusals.MOVING_OUT


def test_a_valid_card_of_someone_not_registered(changed_world: World) -> None:
    serial = changed_world.persona("canary")["cert_serial"]
    _edit(changed_world, lambda d: d["cards"].pop(serial))
    relay, _ = _relay(changed_world.root, open_hours(changed_world))
    assert _refused(lambda: _login(changed_world, relay, "canary")) == refusals.CARD_UNKNOWN


@pytest.mark.parametrize(("persona", "code"), [("mihon-goro", refusals.CERT_REVOKED),
                                               ("mihon-rokuro", refusals.CERT_EXPIRED)])
def test_revoked_and_expired_certificates(world: World, persona: str, code: str) -> None:
    relay, _ = _relay(world.root, open_hours(world))
    assert _refused(lambda: _login(world, relay, persona)) == code


def test_certificate_from_another_ca(world: World) -> None:
    relay, _ = _relay(world.root, open_hours(world))
    foreign = x509.load_pem_x509_certificate(world.pki("foreign-client.pem").read_bytes())
    opened = relay.open_session()
    code = _refused(lambda: relay.authenticate(foreign.public_bytes(serialization.Encoding.DER), b"\0" * 256))
    assert code == refusals.CERT_UNTRUSTED and opened.session_id


def test_signature_over_another_challenge_and_replay(world: World) -> None:
    relay, _ = _relay(world.root, open_hours(world))
    card = CardSigner.load(world.card_path("shiken-ichiro"))
    first = relay.open_session()
    good = card.sign(first.challenge, first.session_id, relay.kiosk_id)
    second = relay.open_session()
    assert _refused(lambda: relay.authenticate(card.cert_der, good)) == refusals.BAD_SIGNATURE
    # a refused answer closes its session: no second try on the same challenge
    relay._session_id = second.session_id
    fine = card.sign(second.challenge, second.session_id, relay.kiosk_id)
    assert _refused(lambda: relay.authenticate(card.cert_der, fine)) == refusals.CHALLENGE_USED
    third = relay.open_session()
    ok = card.sign(third.challenge, third.session_id, relay.kiosk_id)
    relay.authenticate(card.cert_der, ok)
    assert _refused(lambda: relay.authenticate(card.cert_der, ok)) == refusals.CHALLENGE_USED  # replay


def test_signature_for_another_kiosk_is_refused(world: World) -> None:
    relay, _ = _relay(world.root, open_hours(world))
    card = CardSigner.load(world.card_path("shiken-ichiro"))
    opened = relay.open_session()
    elsewhere = card.sign(opened.challenge, opened.session_id, "KIOSK-0002")
    assert _refused(lambda: relay.authenticate(card.cert_der, elsewhere)) == refusals.BAD_SIGNATURE


def test_expired_challenge_and_session(world: World) -> None:
    relay, clock = _relay(world.root, open_hours(world))
    card = CardSigner.load(world.card_path("shiken-ichiro"))
    opened = relay.open_session()
    clock.advance(61)
    sig = card.sign(opened.challenge, opened.session_id, relay.kiosk_id)
    assert _refused(lambda: relay.authenticate(card.cert_der, sig)) == refusals.CHALLENGE_EXPIRED
    _login(world, relay, "shiken-ichiro")
    rid = str(uuid.uuid4())
    relay.request_documents(rid, "juminhyo", {}, 1)
    assert relay.backend.core.storage.stored_documents() == 1
    clock.advance(901)
    assert _refused(lambda: relay.request_documents(rid, "juminhyo", {}, 1)) == "session_expired"
    assert relay.backend.core.storage.stored_documents() == 0  # deleted with the session
    assert relay.backend.core.storage.audit_since()[-1]["event"] == "expire"


def test_a_changed_record_applies_at_the_next_request(changed_world: World) -> None:
    relay, _ = _relay(changed_world.root, open_hours(changed_world))
    assert _login(changed_world, relay, "shiken-ichiro").item("inkan").available
    ichiro = changed_world.persona("shiken-ichiro")["resident"]
    _edit(changed_world, lambda d: next(r for r in d["residents"] if r["id"] == ichiro).pop("seal"))
    assert _refused(lambda: relay.request_documents(str(uuid.uuid4()), "inkan", {}, 1)) == refusals.NO_SEAL


def test_rules_are_decided_again_when_issuing_commits(world: World) -> None:
    relay, clock = _relay(world.root, open_hours(world).replace(hour=22, minute=59, second=59))
    _login(world, relay, "shiken-ichiro")
    core = relay.backend.core
    body: dict[str, Any] = {"session_id": relay.session_id, "request_id": str(uuid.uuid4()), "cert_type": "juminhyo",
            "options": {}, "copies": 1}
    prepared = core.prepare_request(relay.kiosk_id, body)
    clock.advance(2)  # the back end was slow: it is 23:00:01 when the documents would be made
    from relay.schema import ApiError

    with pytest.raises(ApiError) as err:
        core.commit_request(prepared)
    assert err.value.code == refusals.OUTSIDE_HOURS
    assert core.storage.stored_documents() == 0


@pytest.mark.parametrize(("text", "expected"), [
    ("見本 太郎", False), ("東京都見本市本町一丁目１番地", False),
    ("見本\u3000花子", False),  # the ideographic space prints
    ("シケン\u00adタロウ", False),  # a soft hyphen (Cf) is not refused
    ("見本\ue000", True), ("見本\u3000\ue000", True),  # 外字 in the private-use area, alone or after a space
    ("見本\U000e0080", True), ("見本\x07", True), ("見本\ud800", True),  # unassigned, a control, a surrogate
])
def test_unsupported_characters(text: str, expected: bool) -> None:
    assert unsupported(text) is expected
