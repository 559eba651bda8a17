"""``bench.digits`` makes what it says: the first forgery of its corpus changes the text
in the box it reports, and the verifier says so there; a genuine page of it is VALID."""

from __future__ import annotations

from pathlib import Path

from bench.digits import Case, _flagged, cases
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
