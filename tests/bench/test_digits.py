"""``bench.digits`` makes what it says: the first forgery of its corpus changes the text
in the box it reports, and the verifier says so there; a genuine page of it is VALID."""

from __future__ import annotations

from pathlib import Path

from bench.digits import Case, _flagged, cases, genuine_corpus
from protocol.documents.catalogue import CATALOGUE
from protocol.paper import verify
from protocol.scramble_key import document_scramble_key
from tests.fixtures.documents import Keys


def _check(case: Case, keys: Keys) -> verify.Verdict:
    return verify.verify_files(case.files, keys.public, lambda serial: document_scramble_key(keys.scramble, serial))


def test_the_corpus_forges_where_it_says(world_dir: Path, keys: Keys) -> None:
    forged = next(cases(world_dir, scans=0, seed=1, only="forged"))
    assert forged.forged_box is not None and forged.name.endswith("text pdf")
    verdict = _check(forged, keys)
    assert verdict.status == verify.INVALID and _flagged(verdict, forged.forged_box) == ["table row 1 (value)"]
    genuine = next(cases(world_dir, scans=0, seed=1, only="genuine"))
    assert genuine.forged_box is None and _check(genuine, keys).status == verify.VALID


def test_the_genuine_corpus_holds_every_catalogue_option() -> None:
    """Each certificate type with each choice of each of its options (issue 13: a 住民票
    with My Numbers was refused, and no corpus held one)."""
    corpus = genuine_corpus()
    for cert, spec in CATALOGUE.items():
        mine = [g.options for g in corpus if g.cert == cert.value]
        assert mine, cert
        for option in spec.options:
            assert {o[option.key] for o in mine} == set(option.choices), (cert, option.key)
    assert {g.municipality for g in corpus} == {"139998", "139971", "139955"}
