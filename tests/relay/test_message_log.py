"""The message log: an envelope kept is on disk when ``keep`` returns (a second connection
reads it), and a received message id is accepted once, whether the replay arrives alone or
in the same group commit as other records."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.federation.envelope import CENTRE, seal
from relay.message_log import MessageLog, ReplayedMessage

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _envelope(n: int) -> dict[str, Any]:
    sealed = seal({"n": n}, sender="131016", recipient=CENTRE, key=Ed25519PrivateKey.generate(), kind="answer",
                  now=NOW)
    envelope: dict[str, Any] = sealed["envelope"]
    return envelope


def test_kept_records_are_committed_and_a_replay_is_refused(tmp_path: Path) -> None:
    log = MessageLog(tmp_path / "messages.sqlite3")
    envelopes = [_envelope(n) for n in range(20)]

    async def scenario() -> list[BaseException | None]:
        await asyncio.gather(*(log.keep("received", e, NOW.timestamp()) for e in envelopes))
        # a replay among fresh records: refused alone
        again = [envelopes[3], _envelope(20), _envelope(21)]
        return await asyncio.gather(*(log.keep("received", e, NOW.timestamp()) for e in again),
                                    return_exceptions=True)

    try:
        results = asyncio.run(scenario())
        assert isinstance(results[0], ReplayedMessage) and results[1:] == [None, None]
        other = sqlite3.connect(str(tmp_path / "messages.sqlite3"))
        try:
            assert other.execute("SELECT count(*) FROM messages").fetchone()[0] == 22
        finally:
            other.close()
        with pytest.raises(ReplayedMessage):
            log.record("received", envelopes[0], NOW.timestamp())
        log.record("sent", envelopes[0], NOW.timestamp())  # the same id the other way is another record
        assert [e["direction"] for e in log.entries()].count("sent") == 1
    finally:
        log.close()


def test_an_exchange_is_kept_in_one_commit_and_a_replayed_one_not_at_all(tmp_path: Path) -> None:
    """A question and its answer are kept together: both on disk when the call returns
    (another connection reads them); a question received before is refused and its
    answer is not kept either."""
    from protocol.federation.envelope import Envelope

    log = MessageLog(tmp_path / "messages.sqlite3")
    question, answer, other_answer = (Envelope.from_json(_envelope(n)) for n in range(3))
    try:
        log.record_exchange(question, answer.to_json(), NOW.timestamp())
        with pytest.raises(ReplayedMessage):
            log.record_exchange(question, other_answer, NOW.timestamp())
        other = sqlite3.connect(str(tmp_path / "messages.sqlite3"))
        try:
            rows = other.execute("SELECT direction, message_id FROM messages ORDER BY rowid").fetchall()
        finally:
            other.close()
        assert rows == [("received", question.message_id), ("sent", answer.message_id)]
    finally:
        log.close()
