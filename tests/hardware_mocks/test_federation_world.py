"""The federation world's member codes and a world of more than three members (what
``bench.federation --members`` builds): A, B and C unchanged, the residents split between
all members, each member in the signed directory with its own registry and server files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from hardware_mocks.federation_world import (
    CONFIG,
    MAX_MEMBERS,
    NOT_PARTICIPATING,
    A,
    B,
    C,
    FederationWorld,
    create,
    extra_codes,
)
from hardware_mocks.world import World
from protocol.federation import directory as fd
from protocol.federation.codes import code_problem


def test_extra_codes_are_valid_distinct_and_bounded() -> None:
    codes = extra_codes(MAX_MEMBERS - 3)
    assert len(set(codes) | {A, B, C, NOT_PARTICIPATING}) == MAX_MEMBERS + 1
    assert all(code_problem(c) is None for c in [*codes, A, B, C, NOT_PARTICIPATING])
    assert extra_codes(0) == ()
    with pytest.raises(ValueError, match="members"):
        extra_codes(MAX_MEMBERS - 2)


def test_the_three_member_world_lists_a_b_c(federation: FederationWorld) -> None:
    assert federation.codes == (A, B, C)
    assert [m.code for m in federation.members()] == [A, B, C]


def test_a_world_of_five_members(world: World, tmp_path: Path) -> None:
    five = create(world, tmp_path / "five", members=5)
    extra = extra_codes(2)
    assert five.codes == (A, B, C, *extra)
    directory = fd.verify(five.root.joinpath("directory.json").read_bytes(), five.anchor(), dt.datetime.now(dt.UTC))
    assert [m.code for m in directory.members] == list(five.codes)
    assert set(five.people["home"].values()) == set(five.codes)  # every member has card holders
    for code in five.codes:
        registry = json.loads((five.municipality_dir(code) / "registry.json").read_text(encoding="utf-8"))
        assert registry["municipality"]["code"] == code
        assert registry["cards"] and (five.municipality_dir(code) / "tls.pem").exists()
    for code in (A, B, C):  # the three keep their configuration
        registry = json.loads((five.municipality_dir(code) / "registry.json").read_text(encoding="utf-8"))
        assert registry["municipality"] == CONFIG[code]
    plain = json.loads((five.municipality_dir(extra[0]) / "registry.json").read_text(encoding="utf-8"))
    assert plain["municipality"]["name"] not in {CONFIG[c]["name"] for c in (A, B, C)}
    assert plain["koseki_registrations"] == {}
