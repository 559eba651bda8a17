"""The incident run across the federation as processes on loopback: the centre and three
municipal servers (``relay centre serve``, ``relay municipality serve``), a crowd of
kiosks, each with its own certificate and resident, residents of all three
municipalities. First a fault-free phase; then, in the same run, B (started faulty: from
its second answer on it swaps documents) is caught, while C is stopped past the centre's
deadline, killed -9 and restarted, and A's kiosks keep running sessions; same-millisecond
pairs (two kiosks sending their document requests together) in both phases.

Asserted: no kiosk ever receives a document bound to another session or naming anyone
but its own resident; B issued exactly twice (its good answer and the one wrong answer
that suspended it; no later request reached it); every session of A's residents issued
in both phases, and at least as many in the faulty phase as in the fault-free one; C
refused while stopped or down and served again after its restart. Bounded: each kiosk
runs one session per phase (A's kiosks more while C's storyline runs); no timing
assertions.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import ssl
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hardware_mocks.federation_world import A, B, C, FederationWorld, create
from hardware_mocks.relay.crowd import CrowdMember, add_crowd
from hardware_mocks.services.federation import FederationServices
from hardware_mocks.world import World
from hardware_mocks.world import create as create_world
from protocol import wire

#: A call to the centre fails after this instead of waiting aiohttp's default 300 s: a
#: stalled centre fails the test within the suite's 600-s timeout (docs/conventions.md).
CALL_TIMEOUT = aiohttp.ClientTimeout(total=60)

pytestmark = [pytest.mark.slow, pytest.mark.relay]

KIOSKS = 200
PAIRS = 10  # same-millisecond pairs per phase, from the crowd
DEADLINE = 10.0  # the centre's municipal deadline: C is stopped until its calls outlive it
IN_FLIGHT = 32  # sessions at once: more, on this 2-core machine, outlive the deadline in the queue


class Crowd:
    """The crowd's kiosks, talking the kiosk protocol to the centre over HTTPS."""

    def __init__(self, world: FederationWorld, members: list[CrowdMember], port: int) -> None:
        self.url = f"https://127.0.0.1:{port}"
        self.pki = world.base.root / "pki"
        self.home: dict[str, str] = world.people["home"]
        self.members = members
        self.wrong: list[str] = []  # kiosk ids that received a document not theirs
        self._tls: dict[str, ssl.SSLContext] = {}
        self._slots = asyncio.Semaphore(IN_FLIGHT)

    def of(self, code: str) -> list[CrowdMember]:
        return [m for m in self.members if self.home[m.resident_id] == code]

    def tls(self, kiosk_id: str) -> ssl.SSLContext:
        if kiosk_id not in self._tls:
            context = ssl.create_default_context(cafile=str(self.pki / "operator-ca.pem"))
            context.load_cert_chain(self.pki / "kiosks" / f"{kiosk_id}.pem", self.pki / "kiosks" / f"{kiosk_id}.key")
            self._tls[kiosk_id] = context
        return self._tls[kiosk_id]

    async def _call(self, http: aiohttp.ClientSession, member: CrowdMember, path: str,
                    body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with http.post(self.url + path, json=body, ssl=self.tls(member.kiosk_id)) as resp:
            return resp.status, await resp.json()

    async def session(self, member: CrowdMember, together: asyncio.Barrier | None = None) -> str:
        """One session on a fresh connection: "issued" or the refusal's code. ``together``:
        the document request waits for the pair's other kiosk, then both go at once."""
        async with self._slots, aiohttp.ClientSession(timeout=CALL_TIMEOUT) as http:
            _, opened = await self._call(http, member, wire.SESSION_PATH, {})
            sid = opened["session_id"]
            signature = member.card.sign(base64.b64decode(opened["challenge"]), sid, member.kiosk_id)
            status, answer = await self._call(http, member, wire.AUTH_PATH, {
                "session_id": sid, "card_certificate": base64.b64encode(member.card.cert_der).decode(),
                "signature": base64.b64encode(signature).decode()})
            if together is not None:
                await together.wait()
            if status == 200:
                rid = str(uuid.uuid4())
                status, answer = await self._call(http, member, wire.DOCUMENTS_PATH, {
                    "session_id": sid, "request_id": rid, "cert_type": "juminhyo", "options": {}, "copies": 1})
            if status != 200:
                return str(answer["error"]["code"])
            for entry in answer["documents"]:
                if (entry["binding"]["session_id"], entry["binding"]["request_id"]) != (sid, rid) or \
                        entry["document"]["body"]["members"][0]["name"]["given"] != member.given_name:
                    self.wrong.append(member.kiosk_id)
            await self._call(http, member, wire.OUTCOME_PATH, {
                "session_id": sid, "request_id": rid, "outcome": "printed", "copies": 1, "amount": answer["amount"]})
            return "issued"

    async def pairs(self, pairs: list[tuple[CrowdMember, CrowdMember]]) -> list[tuple[str, str]]:
        """Each pair's two document requests sent in the same event-loop turn."""
        async def pair(first: CrowdMember, second: CrowdMember) -> tuple[str, str]:
            together = asyncio.Barrier(2)
            one, two = await asyncio.gather(self.session(first, together), self.session(second, together))
            return one, two

        return list(await asyncio.gather(*(pair(a, b) for a, b in pairs)))


@pytest.fixture(scope="module")
def crowd_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[FederationWorld, list[CrowdMember]]:
    root = tmp_path_factory.mktemp("crowd-federation")
    create_world(root / "world", seed=1)
    members = add_crowd(root / "world", KIOSKS)
    return create(World(root / "world"), root / "federation"), members


@pytest.fixture
def services(crowd_world: tuple[FederationWorld, list[CrowdMember]], tmp_path: Path) -> Iterator[FederationServices]:
    running = FederationServices.start(crowd_world[0], tmp_path, faulty=B, municipal_deadline=DEADLINE)
    yield running
    running.stop()


def test_across_the_processes_no_wrong_document_reaches_a_kiosk_and_the_others_keep_serving(
        crowd_world: tuple[FederationWorld, list[CrowdMember]], services: FederationServices) -> None:
    world, members = crowd_world
    crowd = Crowd(world, members, services.centre_port)
    in_a, in_b, in_c = crowd.of(A), crowd.of(B), crowd.of(C)
    assert min(len(in_a), len(in_b), len(in_c)) > 2 * PAIRS  # residents of all three in the crowd
    pairs = list(zip(in_a[:PAIRS], in_c[:PAIRS], strict=True))
    phase1: dict[str, list[str]] = {A: [], C: []}
    phase2: dict[str, list[str]] = {A: [], B: [], C: []}
    story: list[tuple[str, str]] = []  # (C's state, result)

    async def fault_free() -> None:
        """A's and C's residents, one session each, and the pairs; B not yet asked."""
        single = [m for m in in_a + in_c if m not in {x for p in pairs for x in p}]
        results = await asyncio.gather(*(crowd.session(m) for m in single))
        for member, result in zip(single, results, strict=True):
            phase1[crowd.home[member.resident_id]].append(result)
        for one, two in await crowd.pairs(pairs):
            phase1[A].append(one)
            phase1[C].append(two)

    async def c_storyline() -> None:
        os.kill(services.municipal[C].pid, signal.SIGSTOP)  # answers nothing until past the deadline
        try:
            story.extend(("stopped", r) for r in await asyncio.gather(*(crowd.session(m) for m in in_c[:2])))
        finally:
            os.kill(services.municipal[C].pid, signal.SIGCONT)
        services.kill(C)
        story.extend(("killed", r) for r in await asyncio.gather(*(crowd.session(m) for m in in_c[2:4])))
        await asyncio.to_thread(services.restart, C)
        story.extend(("restarted", r) for r in await asyncio.gather(*(crowd.session(m) for m in in_c[4:6])))

    async def a_keeps_going(member: CrowdMember, until: asyncio.Task[None]) -> None:
        phase2[A].append(await crowd.session(member))
        while not until.done():
            phase2[A].append(await crowd.session(member))

    async def faulty() -> None:
        first, second = in_b[0], in_b[1]  # B's good answer, then the swapped one: caught, suspended
        phase2[B].append(await crowd.session(first))
        phase2[B].append(await crowd.session(second))
        storyline = asyncio.create_task(c_storyline())
        results = await asyncio.gather(*(crowd.session(m) for m in in_b[2:]),
                                       *(a_keeps_going(m, storyline) for m in in_a[PAIRS:]), storyline)
        phase2[B].extend(r for r in results[:len(in_b) - 2] if isinstance(r, str))
        for one, two in await crowd.pairs(list(zip(in_a[:PAIRS], in_b[:PAIRS], strict=True))):
            phase2[A].append(one)
            phase2[B].append(two)

    async def whole_run() -> None:
        await fault_free()
        await faulty()

    asyncio.run(whole_run())

    assert crowd.wrong == []
    assert phase1[A] and set(phase1[A]) == {"issued"} and set(phase1[C]) == {"issued"}, phase1
    assert set(phase2[A]) == {"issued"}, phase2[A]  # A unaffected by B's fault and C's outage
    assert len(phase2[A]) >= len(phase1[A])
    assert phase2[B][0] == "issued" and set(phase2[B][1:]) == {wire.UNAVAILABLE}, phase2[B]
    assert [r for s, r in story if s == "stopped"] == [wire.TIMEOUT] * 2, story  # past the deadline
    assert [r for s, r in story if s == "killed"] == [wire.UNAVAILABLE] * 2, story
    assert [r for s, r in story if s == "restarted"] == ["issued"] * 2, story
    state = services.state
    audit = subprocess.run([sys.executable, "-m", "relay.cli", "audit", "--municipality", B,
                            "--history", str(state / B / "history.sqlite3"),
                            "--centre-db", str(state / "centre" / "centre.sqlite3"), "--json"],
                           capture_output=True, text=True, timeout=60, check=True)
    records = [json.loads(line)["record"] for line in audit.stdout.splitlines()]
    assert records.count("issued") == 2  # suspended at its first wrong answer: nothing reached it after
    assert records.count("centre_wrong_document") == 1
    listed = subprocess.run([sys.executable, "-m", "relay.cli", "centre", "suspensions", "--state",
                             str(state / "centre")], capture_output=True, text=True, timeout=60, check=True)
    assert listed.stdout.splitlines() == [f"{B} suspended: request"]
    services.stop()  # its log complete
    events = [json.loads(line) for line in (state / "centre" / "centre.log").read_text().splitlines()]
    suspended = [e for e in events if e["event"] == "centre.municipality_suspended"]
    assert [(e["level"], e["municipality"], e["reason"]) for e in suspended] == [("CRITICAL", B, "request")]
    logs = "".join(path.read_text() for path in state.rglob("*.log"))
    assert not [m.given_name for m in members if m.given_name in logs]  # residents' names stay out of the logs
