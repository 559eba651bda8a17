"""The document body for every certificate type, against the model's TypedDicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from hardware_mocks.world import World
from protocol import refusals
from protocol.documents import model
from protocol.documents.catalogue import CertType
from relay.documents import AssemblyError, assemble

ISSUED = dt.date(2026, 11, 26)

BODY_TYPES: dict[CertType, Any] = {
    CertType.JUMINHYO: model.JuminhyoBody,
    CertType.JUMINHYO_KISAI: model.JuminhyoBody,
    CertType.INKAN: model.InkanBody,
    CertType.KOSEKI_ZENBU: model.KosekiBody,
    CertType.KOSEKI_KOJIN: model.KosekiBody,
    CertType.KOSEKI_FUHYO: model.FuhyoBody,
    CertType.SHOTOKU: model.ShotokuBody,
}


def _keys_fit(value: Mapping[str, object], typed: Any) -> None:
    # model.py uses postponed annotations, so NotRequired is read from the annotation text
    annotations = typed.__annotations__
    required = {k for k, v in annotations.items() if "NotRequired" not in str(v)}
    keys = set(value)
    assert required <= keys, typed.__name__
    assert keys <= set(annotations), typed.__name__


def _rid(world: World, persona: str) -> str:
    return str(world.persona(persona)["resident"])


@pytest.mark.parametrize("cert_type", list(CertType))
def test_every_type_has_the_model_shape(world: World, cert_type: CertType) -> None:
    doc = assemble(world.data, _rid(world, "shiken-ichiro"), cert_type, {}, "S-1", ISSUED)
    _keys_fit(doc, model.Document)
    assert doc["type"] == cert_type.value and doc["serial"] == "S-1"
    assert doc["issued_on"] == "2026-11-26"
    assert set(doc["municipality"]) == {"code", "prefecture", "name", "mayor_title", "seal_text"}
    _keys_fit(doc["body"], BODY_TYPES[cert_type])
    for name in _names(doc["body"]):
        _keys_fit(name, model.Name)
    assert len(model.document_hash(doc)) == 64


def _names(body: dict[str, Any]) -> list[dict[str, Any]]:
    found = [body[k] for k in ("name", "hittosha", "household_head") if k in body]
    found += [m["name"] for m in body.get("members", ())]
    return found


def test_juminhyo_household_with_every_option(world: World) -> None:
    options = {"scope": "household", "honseki": "include", "relationship": "include", "my_number": "include"}
    doc = assemble(world.data, _rid(world, "shiken-hanako"), CertType.JUMINHYO, options, "S-2", ISSUED)
    body = doc["body"]
    assert doc["options"] == options
    assert [m["relationship"] for m in body["members"]] == ["世帯主", "妻", "子"]
    assert body["household_head"]["given"] == "一郎"
    for member in body["members"]:
        _keys_fit(member, model.JuminhyoMember)
        assert member["hittosha"] == "試験 一郎" and len(member["my_number"]) == 12
        assert member["sex"] in ("男", "女")


def test_juminhyo_self_defaults_omit_optional_items(world: World) -> None:
    doc = assemble(world.data, _rid(world, "shiken-hanako"), CertType.JUMINHYO, {}, "S-3", ISSUED)
    assert doc["options"] == {"scope": "self", "honseki": "omit", "relationship": "omit", "my_number": "omit"}
    (member,) = doc["body"]["members"]
    assert set(member) == {"name", "birth_date", "sex", "became_resident_on"}
    assert "household_head" not in doc["body"]


def test_koseki_whole_and_individual(world: World) -> None:
    rid = _rid(world, "shiken-jiro")
    whole = assemble(world.data, rid, CertType.KOSEKI_ZENBU, {}, "S-4", ISSUED)["body"]
    one = assemble(world.data, rid, CertType.KOSEKI_KOJIN, {}, "S-5", ISSUED)["body"]
    assert [m["role"] for m in whole["members"]] == ["筆頭者", "妻", "子"]
    assert [m["role"] for m in one["members"]] == ["子"]
    assert one["hittosha"]["given"] == "一郎"
    assert whole["members"][1]["events"][1]["kind"] == "婚姻"


def test_shotoku_is_for_the_current_fiscal_year(world: World) -> None:
    rid = _rid(world, "shiken-ichiro")
    body = assemble(world.data, rid, CertType.SHOTOKU, {}, "S-6", ISSUED)["body"]
    assert body["fiscal_year"] == 2026 and body["income_year"] == 2025
    march = assemble(world.data, rid, CertType.SHOTOKU, {}, "S-7", dt.date(2027, 3, 1))["body"]
    assert march["fiscal_year"] == 2026


@pytest.mark.parametrize(
    ("persona", "cert_type", "code"),
    [
        ("mihon-saburo", CertType.INKAN, refusals.NO_SEAL),
        ("mihon-saburo", CertType.KOSEKI_ZENBU, refusals.KOSEKI_ELSEWHERE),
        ("mihon-saburo", CertType.KOSEKI_FUHYO, refusals.KOSEKI_ELSEWHERE),
        ("shiken-jiro", CertType.SHOTOKU, refusals.NO_TAX_RECORD),
    ],
)
def test_missing_registry_data_is_a_refusal_code(world: World, persona: str, cert_type: CertType, code: str) -> None:
    with pytest.raises(AssemblyError) as err:
        assemble(world.data, _rid(world, persona), cert_type, {}, "S-8", ISSUED)
    assert err.value.code == code


def test_bad_option_and_unknown_resident(world: World) -> None:
    with pytest.raises(ValueError):
        assemble(world.data, _rid(world, "shiken-ichiro"), CertType.JUMINHYO, {"scope": "town"}, "S", ISSUED)
    with pytest.raises(ValueError):
        assemble(world.data, _rid(world, "shiken-ichiro"), CertType.INKAN, {"scope": "self"}, "S", ISSUED)
    with pytest.raises(KeyError):
        assemble(world.data, "R0000NOBODY", CertType.INKAN, {}, "S", ISSUED)
