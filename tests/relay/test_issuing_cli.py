"""``relay.issuing_cli``: the centre's state made once before its workers start."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from relay.issuing_cli import _prepare_centre_state


@pytest.mark.parametrize(("workers", "shared"), [(1, False), (2, True)])
def test_the_rate_counts_file_is_made_only_for_workers_that_share_it(tmp_path: Path, workers: int,
                                                                    shared: bool) -> None:
    args = argparse.Namespace(state=tmp_path, home=tmp_path, db=None, workers=workers)
    db, rates = _prepare_centre_state(args)
    assert (db, rates) == (tmp_path / "centre.sqlite3", tmp_path / "centre-rates.sqlite3")
    assert (tmp_path / "centre.sqlite3").exists() and (tmp_path / "centre-messages.sqlite3").exists()
    assert (tmp_path / "centre-rates.sqlite3").exists() is shared
