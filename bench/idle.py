"""Idle: commands the dashboard sends per minute while it watches 10 quiet containers.

The real app (headless) against the in-process asyncssh simulated host, which records
every command line it receives. Counted after the start-up (history reads and one
`docker logs --follow` per container), over a steady window.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any


async def _idle(seconds: float) -> dict[str, Any]:
    from logtui.simhost.server import SimulatedHost
    from logtui.simhost.workload import ScriptedContainer
    from logtui.tui.app import LogtuiApp

    now = time.time_ns()
    containers = [ScriptedContainer(name=f"svc-{i}", created_ns=now - 3600 * 10**9) for i in range(10)]
    for c in containers:
        c.write(b"started", "stdout", ts_ns=now - 60 * 10**9)
    async with SimulatedHost(containers) as host:
        app = LogtuiApp(host.settings())
        async with app.run_test(size=(160, 48)):
            warmup = time.monotonic() + 4
            while time.monotonic() < warmup:
                await asyncio.sleep(0.1)
            at_start = len(host.commands_received)
            started = time.monotonic()
            await asyncio.sleep(seconds)
            elapsed = time.monotonic() - started
            window = host.commands_received[at_start:]
            total = len(host.commands_received)
    kinds = Counter(" ".join(line.split()[:2]) for line in window)
    return {
        "idle_server_commands_per_min": round(len(window) * 60 / elapsed, 1),
        "idle_commands_by_kind": dict(kinds),
        "idle_commands_at_start": at_start,
        "idle_commands_total": total,
        "idle_window_s": round(elapsed, 1),
    }


def run(seconds: float = 30.0) -> dict[str, Any]:
    return asyncio.run(_idle(seconds))


if __name__ == "__main__":
    print(run(15))
