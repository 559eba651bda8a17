"""The 2023–24 wrong-person incidents, reproduced against a real relay.

Many kiosks, each with a resident of its own, start together (requests within the same
millisecond), and every kiosk sends the same request twice at once from two connections.
The relay's back end is slowed past a deadline: in one run the relay's own deadline
aborts requests (Yokohama: a timeout must abort the whole issuance), in another the
kiosk's read timeout gives up while the relay finishes (the retry must get the very same
documents), and in the third two relay processes serve the same kiosks from one store
(Takamatsu: a build must be right for more than one server). Every document must belong
to its own session: zero cross-session documents.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from hardware_mocks.relay.crowd import CrowdMember, add_crowd
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.world import World
from kiosk.relay_client.client import load_issuer_public_key
from kiosk.relay_client.errors import IntegrityError, RelayTimeout
from kiosk.relay_client.https import HttpsRelayClient
from kiosk.relay_client.port import Issued, Outcome
from relay.store.sqlite import SqliteStore
from tests.fixtures.relay import open_hours
from tests.fixtures.waiting import join_all

pytestmark = [pytest.mark.relay, pytest.mark.slow]
KIOSKS = 40
#: Read timeout of the calls around the request (open, authenticate, outcome): generous, so
#: that only the request itself meets the short read timeout under test, even on a loaded machine.
PATIENT = 60.0
#: Seconds a kiosk keeps retrying its request (same request id) before the test fails.
RETRY_FOR = 90.0
#: Seconds for every kiosk thread to end, all forty (not each: joined in turn, two minutes
#: each, they would outlast pytest-timeout's 600 s); with the relay's start (at most 20 s)
#: and stop (10 s, then a kill) the test stays inside the 600 s.
JOIN_WITHIN = 400.0


def _client(server: RelayServer, kiosk_id: str, read_timeout: float) -> HttpsRelayClient:
    cert, key = server.kiosk_cert(kiosk_id)
    return HttpsRelayClient(server.url, ca_file=server.ca_file, cert_file=cert, key_file=key,
                            issuer_key=load_issuer_public_key(server.issuer_public_key),
                            read_timeout=read_timeout, retries=0)


def _request_until_issued(client: HttpsRelayClient, rid: str, timeouts: Counter[str]) -> Issued:
    """The kiosk keeps its request id across every retry; each retry waits twice as long
    for the answer as the one before (up to :data:`PATIENT`): a read timeout fixed below
    what a loaded relay takes to answer 80 requests at once would give up on every one."""
    give_up = time.monotonic() + RETRY_FOR
    while time.monotonic() < give_up:
        try:
            return client.request_documents(rid, "juminhyo", {"scope": "self", "my_number": "include"}, 2)
        except RelayTimeout:
            timeouts["client"] += 1
            client._read_timeout = min(2 * client._read_timeout, PATIENT)  # the next connection's
    raise AssertionError("never issued")


@pytest.mark.parametrize(
    ("relay_timeout", "read_timeout", "workers"),
    [(0.5, 3.0, 1), (5.0, 0.4, 1), (0.5, 3.0, 2)],
    ids=["relay-deadline-aborts", "kiosk-gives-up-and-retries", "two-relay-processes"],
)
def test_no_document_ever_reaches_another_session(
    world: World, tmp_path: Path, relay_timeout: float, read_timeout: float, workers: int
) -> None:
    root = tmp_path / "world"
    shutil.copytree(world.root, root)
    crowd = add_crowd(root, KIOSKS)
    server = RelayServer.start(root, tmp_path / "relay", clock_start=open_hours(world), extra_args=(
        "--request-timeout", str(relay_timeout), "--inject-delay", "0:1.0", "--inject-delay-rate", "0.5",
        "--workers", str(workers)))
    start = threading.Barrier(KIOSKS)
    pair = threading.Barrier(KIOSKS * 2)
    results: dict[str, list[Issued]] = {m.kiosk_id: [] for m in crowd}
    failures: list[str] = []
    timeouts: Counter[str] = Counter()
    lock = threading.Lock()

    def kiosk(member: CrowdMember) -> None:
        setup = _client(server, member.kiosk_id, PATIENT)  # the session and the outcome
        first = _client(server, member.kiosk_id, read_timeout)
        second = _client(server, member.kiosk_id, read_timeout)
        try:
            start.wait(timeout=60)
            opened = setup.open_session()
            setup.authenticate(member.card.cert_der,
                               member.card.sign(opened.challenge, opened.session_id, member.kiosk_id))
            for client in (first, second):  # the same session, asked for twice at once
                client._session_id, client._facts = setup._session_id, setup._facts
            rid = str(uuid.uuid4())
            twin = threading.Thread(target=ask, args=(second, rid, member))
            twin.start()
            ask(first, rid, member)
            join_all([twin], what="the twin request")  # bounded: a stuck twin fails, never hangs
            setup.report_outcome(rid, Outcome.PRINTED, 2, 400)
        except Exception as exc:
            failed(exc)
        finally:
            setup.close()
            first.close()
            second.close()

    def failed(exc: Exception) -> None:
        pair.abort()  # the others must not wait for this kiosk's pair: fail, do not hang
        with lock:
            failures.append(type(exc).__name__ + ":" + str(getattr(exc, "code", "")))

    def ask(client: HttpsRelayClient, rid: str, member: CrowdMember) -> None:
        try:
            pair.wait(timeout=60)  # every kiosk's two requests leave within the same moment
            issued = _request_until_issued(client, rid, timeouts)
        except IntegrityError as exc:
            with lock:
                failures.append("integrity:" + exc.field)
            return
        except Exception as exc:  # the twin's thread: reported as a failure, not lost
            failed(exc)
            return
        with lock:
            results[member.kiosk_id].append(issued)

    # daemons, their twins too (a thread inherits it): one stuck does not hold the exit
    threads = [threading.Thread(target=kiosk, args=(m,), daemon=True) for m in crowd]
    try:
        for t in threads:
            t.start()
        join_all(threads, JOIN_WITHIN, "kiosks")
    finally:
        server.stop()

    assert failures == []
    serials: list[str] = []
    for member in crowd:
        got = results[member.kiosk_id]
        assert len(got) == 2 and got[0] == got[1]  # the same request id: the identical documents
        for document in got[0].documents:
            (person,) = document["body"]["members"]
            assert person["name"]["given"] == member.given_name  # this session's resident, nobody else
            serials.append(document["serial"])
    assert len(set(serials)) == len(serials) == KIOSKS * 2

    storage = SqliteStore(server.db)
    try:
        audit = storage.audit_since()
        assert storage.stored_documents() == 0  # every document deleted after its outcome
    finally:
        storage.close()
    events = Counter(e["event"] for e in audit)
    assert events["request"] == KIOSKS  # each request issued exactly once, whatever the retries
    assert events["outcome"] == KIOSKS
    if relay_timeout < 1.0:
        assert events["timeout"] > 0  # the deadline did fire, and aborted whole requests
    else:
        assert timeouts["client"] > 0  # the kiosks did give up and come back
    issued_to = {e["request_id"]: e["resident_id"] for e in audit if e["event"] == "request"}
    assert sorted(issued_to.values()) == sorted(m.resident_id for m in crowd)
