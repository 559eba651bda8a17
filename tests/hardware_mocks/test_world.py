
import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509

from hardware_mocks import world as world_mod
from hardware_mocks.world import World


def test_every_persona_kind_is_present(world: World) -> None:
    personas = {p["id"]: p for p in world.personas()}
    cards = {p["card"] for p in personas.values()}
    assert {"valid", "locked", "revoked", "expired"} <= cards
    assert any(p["age"] == 14 for p in personas.values())
    assert sum(1 for p in personas.values() if p["household"] == "H1") >= 2
    assert "canary" in personas


def test_fourteen_year_old_is_fourteen_today(world: World) -> None:
    jiro = world.resident(world.persona("shiken-jiro")["resident"])
    today = dt.date.fromisoformat(world.data["today"])
    born = dt.date.fromisoformat(jiro["birth_date"])
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    assert age == 14


def test_my_numbers_have_valid_check_digits(world: World) -> None:
    for r in world.data["residents"]:
        n = r["my_number"]
        assert len(n) == 12 and n.isdigit()
        assert world_mod.my_number_check_digit(n[:11]) == n[11]


def test_resident_ids_are_numbers_that_say_nothing_of_the_person(world: World) -> None:
    """A resident id goes into audit records and the audit's tables: it is unique, and holds
    no part of the resident's My Number and nothing of the name (romanised included)."""
    residents = world.data["residents"]
    assert len({r["id"] for r in residents}) == len(residents)
    for r in residents:
        assert r["my_number"][:4] not in r["id"] and r["persona"].split("-")[0].upper() not in r["id"]


def test_check_digit_known_value() -> None:
    # 12345678901 → check digit 8 (the commonly published example)
    assert world_mod.my_number_check_digit("12345678901") == "8"


def test_cards_chain_to_the_test_jpki_ca(world: World) -> None:
    ca = x509.load_pem_x509_certificate(world.pki("jpki-ca.pem").read_bytes())
    for p in world.personas():
        card = json.loads(world.card_path(p["id"]).read_text())
        cert = x509.load_der_x509_certificate(bytes.fromhex(card["auth"]["cert_der"]))
        cert.verify_directly_issued_by(ca)
        assert f"{cert.serial_number:X}" == p["cert_serial"]


def test_revoked_serial_is_on_the_crl(world: World) -> None:
    crl = x509.load_pem_x509_crl(world.pki("jpki-crl.pem").read_bytes())
    revoked = world.persona("mihon-goro")
    assert crl.get_revoked_certificate_by_serial_number(int(revoked["cert_serial"], 16)) is not None
    valid = world.persona("shiken-ichiro")
    assert crl.get_revoked_certificate_by_serial_number(int(valid["cert_serial"], 16)) is None


def test_same_seed_same_world(tmp_path: Path, world_dir: Path) -> None:
    other = world_mod.create(tmp_path / "again", seed=1, today=dt.date.fromisoformat(World(world_dir).data["today"]))
    for rel in ("world.json", "cards/canary.json", "pki/relay.pem", "pki/issuer.pub", "pki/jpki-crl.pem"):
        assert (other / rel).read_bytes() == (world_dir / rel).read_bytes(), rel


def test_secrets_are_private_files(world: World) -> None:
    for name in ("jpki-ca.key", "operator-ca.key", "relay.key", "issuer.key", "scramble.key"):
        assert world.pki(name).stat().st_mode & 0o077 == 0


def test_personas_cli_json(world_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert world_mod.main(["personas", str(world_dir), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {p["id"] for p in listed} >= {"shiken-ichiro", "canary"}
    assert all(len(p["pin"]) == 4 for p in listed)


def test_personas_cli_on_empty_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert world_mod.main(["personas", str(tmp_path)]) == 2
    assert "no test world" in capsys.readouterr().err
