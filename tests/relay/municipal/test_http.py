"""The municipal server's application (:mod:`relay.municipal.http`): a server stopped within
a scrub period of an outcome leaves the deleted document in no file of its SQLite history.

The scrub runs every :data:`~relay.municipal.http.SCRUB_PERIOD` seconds; the outcome
deletes the document (``secure_delete``), but the pages that held it stay in the
write-ahead log until a checkpoint empties it. A stop before the next scrub left them in
``history.sqlite3-wal`` on disk, the resident's name and address with them, until the
server's next start."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web

from relay.municipal.history import IssuanceHistory, Issued
from relay.municipal.http import application

CANARY = "CANARY-DELETED-BY-ITS-OUTCOME"


def _make(numbers: list[int]) -> Issued:
    serials = [f"139998-2026-{n:07d}" for n in numbers]
    return Issued("S" * 32, "KIOSK-0001", "R-0001", "CARD-1", "juminhyo", 1, 300, serials, ["ab" * 32],
                  {"request_id": "r1", "serials": serials, "documents": [CANARY * 40]})


def _files(state: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(state.iterdir()) if p.is_file())


def test_a_stop_right_after_an_outcome_leaves_the_document_in_no_file(tmp_path: Path) -> None:
    history = IssuanceHistory(tmp_path / "history.sqlite3", owner="139998")
    try:
        history.issue("r1", "fp-r1", 1.0, 2026, 1, _make)
        history.record_outcome("r1", "printed", 1, 300)
        assert history.stored_documents() == 0
        assert CANARY.encode() in _files(tmp_path)  # the log still holds the deleted pages

        def handle(message: Any) -> dict[str, Any]:
            raise AssertionError("no message is sent")

        async def serve_and_stop() -> None:  # started and stopped within one scrub period
            runner = web.AppRunner(application(handle, history.scrub), handle_signals=False)
            await runner.setup()
            await runner.cleanup()

        asyncio.run(serve_and_stop())
        assert CANARY.encode() not in _files(tmp_path)
        assert [e["outcome"] for e in history.entries()] == ["printed"]
    finally:
        history.close()
