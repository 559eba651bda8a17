"""``relay.stopping.serving``: what a serving process keeps from its start-up, and how its
collector runs under load. Each case runs in a process of its own: the collector's state
is the whole process's, and pytest's must stay as it is."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

#: Serve (no listener needed), then make cyclic garbage in two rounds: fewer objects than
#: the first threshold, then enough to pass it. Prints what the collector did.
HARNESS = textwrap.dedent("""
    import asyncio, gc, json, sys
    from relay import stopping

    class Node:
        def __init__(self):
            self.me = self  # a cycle: only the collector frees it

    collections = []
    gc.callbacks.append(lambda phase, info: phase == "stop" and collections.append(info))

    async def main():
        stopping.serving()
        frozen = gc.get_freeze_count()
        collections.clear()  # serving's own full collection
        for _ in range(int(sys.argv[1])):
            Node()
        before = len(collections)
        for _ in range(stopping.THRESHOLDS[0] + 1_000):
            Node()
        print(json.dumps({"frozen": frozen, "threshold": gc.get_threshold(),
                          "during_few": before, "after_many": len(collections),
                          "collected": sum(c["collected"] for c in collections)}))

    asyncio.run(main())
""")


def _run(few: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", HARNESS, str(few)], capture_output=True, text=True,
                          timeout=60, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_start_up_objects_leave_the_collector_and_the_young_wait_for_the_threshold() -> None:
    result = _run(few=5_000)  # seven times Python's own first threshold
    assert result["frozen"] > 10_000  # modules, classes, the event loop: all start-up made
    assert result["threshold"] == [50_000, 20, 10]
    assert result["during_few"] == 0  # no collection walked the objects of sessions in flight


def test_cyclic_garbage_is_still_collected_past_the_threshold() -> None:
    result = _run(few=0)
    assert result["after_many"] >= 1
    assert result["collected"] >= 40_000  # the cycles went, not kept: memory stays bounded
