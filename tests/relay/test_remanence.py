"""After the outcome, the relay's files hold nothing of the document (canary scan)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.world import (
    CANARY_ADDRESS_MARK,
    CANARY_FAMILY,
    CANARY_GIVEN,
    CANARY_MY_NUMBER,
    World,
    valid_my_number,
)
from kiosk.relay_client.port import Outcome
from protocol.clock import FakeClock
from relay.service import Settings, build_core
from tests.fixtures.relay import open_hours, signed_in

if TYPE_CHECKING:
    from hardware_mocks.services.postgres import PostgresServer

CANARIES = [s.encode() for s in (CANARY_FAMILY, CANARY_GIVEN, CANARY_ADDRESS_MARK)]


def _files(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file())


def test_no_document_bytes_remain_after_the_outcome(world: World, tmp_path: Path) -> None:
    clock = FakeClock(open_hours(world))
    core = build_core(world.root, tmp_path / "relay.sqlite3", clock, Settings())
    relay = signed_in(world, core, "canary")
    printed, abandoned = str(uuid.uuid4()), str(uuid.uuid4())
    relay.request_documents(printed, "juminhyo", {"scope": "household", "relationship": "include"}, 3)
    relay.request_documents(abandoned, "inkan", {}, 1)
    assert all(c in _files(tmp_path) for c in CANARIES[:2])  # held while the kiosk prints
    relay.report_outcome(printed, Outcome.PRINTED, 3, 600)
    clock.advance(901)  # the other request's session expires unreported
    core.purge(scrub=True)
    core.storage.close()
    data = _files(tmp_path)
    assert [c for c in CANARIES if c in data] == []


@pytest.mark.relay
def test_the_relay_log_holds_no_personal_data(world: World, tmp_path: Path) -> None:
    from hardware_mocks.services.relay import RelayServer
    from kiosk.relay_client.client import load_issuer_public_key
    from kiosk.relay_client.errors import RelayProtocolError, RelayRefused
    from kiosk.relay_client.https import HttpsRelayClient

    server = RelayServer.start(world.root, tmp_path / "relay", extra_args=("--log-level", "DEBUG"))
    try:
        cert, key = server.kiosk_cert()
        with HttpsRelayClient(server.url, ca_file=server.ca_file, cert_file=cert, key_file=key,
                              issuer_key=load_issuer_public_key(server.issuer_public_key)) as client:
            card = CardSigner.load(world.card_path("canary"))
            opened = client.open_session()
            client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
            rid = str(uuid.uuid4())
            client.request_documents(rid, "juminhyo", {"my_number": "include"}, 1)
            with pytest.raises(RelayProtocolError):  # another request under the same id
                client.request_documents(rid, "juminhyo", {"my_number": "include"}, 2)
            client.report_outcome(rid, Outcome.PRINTED, 1, 200)
            with pytest.raises(RelayRefused):
                client.request_documents(rid, "juminhyo", {"my_number": "include"}, 1)
    finally:
        server.stop()
    log = (tmp_path / "relay" / "relay.log").read_bytes()
    assert b"relay.error" in log  # the refusals were logged, as codes
    escaped = [json.dumps(c.decode())[1:-1].encode() for c in CANARIES]  # the log writes JSON with \u escapes
    assert [c for c in CANARIES + escaped if c in log] == []
    assert valid_my_number(CANARY_MY_NUMBER).encode() not in log


def _table_files(server: PostgresServer, url: str) -> bytes:
    """Every file of the database's tables and indexes (``base/<oid>``), after a checkpoint
    has written what the server held in memory: a few megabytes."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        row = conn.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()
    assert row is not None
    return _files(server.data / "base" / str(row[0]))


@pytest.mark.postgres
def test_postgresql_table_files_hold_no_document_after_the_scrub(world: World, postgres_server: PostgresServer,
                                                                 postgres_db: str) -> None:
    """PostgreSQL leaves deleted rows' bytes in its pages: the scrub rewrites the documents'
    table, so after the outcome and the expiry no file of the database's tables holds a
    canary (what the write-ahead log holds is bounded by its retention: docs/deployment.md)."""
    clock = FakeClock(open_hours(world))
    core = build_core(world.root, postgres_db, clock, Settings())
    try:
        relay = signed_in(world, core, "canary")
        printed, abandoned = str(uuid.uuid4()), str(uuid.uuid4())
        relay.request_documents(printed, "juminhyo", {"scope": "household", "relationship": "include"}, 3)
        relay.request_documents(abandoned, "inkan", {}, 1)
        # another resident's documents, issued after, share the pages and are still
        # printing at the scrub: a plain VACUUM leaves the canaries' bytes beside them
        clock.advance(600)
        neighbour = signed_in(world, core, "shiken-hanako")  # another kiosk's client on the same relay
        neighbour.request_documents(str(uuid.uuid4()), "juminhyo", {"scope": "self"}, 1)
        assert all(c in _table_files(postgres_server, postgres_db) for c in CANARIES[:2])  # the scan sees them
        relay.report_outcome(printed, Outcome.PRINTED, 3, 600)
        clock.advance(301)  # the canary's other request expires unreported, the other resident's session lives
        core.purge(scrub=True)
        assert core.storage.stored_documents() == 1
        data = _table_files(postgres_server, postgres_db)
    finally:
        core.storage.close()
    assert [c for c in CANARIES if c in data] == []


def test_a_relay_stopped_right_after_an_outcome_leaves_the_document_in_no_file(world: World,
                                                                               tmp_path: Path) -> None:
    """The purger scrubs as it starts and then every few seconds; a stop in between left
    the deleted document's pages in ``relay.sqlite3-wal`` until the next start. The stop
    scrubs once more."""
    import asyncio

    from aiohttp import web

    from relay.http import RelayApp
    from relay.kiosk_identity import KioskIdentity
    from relay.kiosk_register import StoredKioskRegister
    from relay.kiosk_watch import KioskWatch
    from relay.rate_limits import SharedRateStore

    db = tmp_path / "relay.sqlite3"
    clock = FakeClock(open_hours(world))
    core = build_core(world.root, db, clock, Settings())
    relay = signed_in(world, core, "canary")
    request = str(uuid.uuid4())
    relay.request_documents(request, "juminhyo", {"scope": "self"}, 1)
    register, rates = StoredKioskRegister(db), SharedRateStore(db)
    app = RelayApp(core, KioskIdentity(register), KioskWatch(rates, audit=core.storage.audit,
                                                             clock=lambda: clock.now().timestamp()))

    async def outcome_between_two_scrubs() -> bytes:
        runner = web.AppRunner(app.application(), handle_signals=False)
        await runner.setup()
        await asyncio.sleep(0)  # the purger's first round (a scrub) runs, the next is seconds away
        relay.report_outcome(request, Outcome.PRINTED, 1, 200)
        assert core.storage.stored_documents() == 0
        before_stop = _files(tmp_path)
        await runner.cleanup()
        return before_stop

    try:
        before_stop = asyncio.run(outcome_between_two_scrubs())
        assert any(c in before_stop for c in CANARIES[:2])  # the log held the deleted pages
        assert [c for c in CANARIES if c in _files(tmp_path)] == []
    finally:
        rates.close()
        app.close()
