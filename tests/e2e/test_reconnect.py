"""Nothing lost, nothing doubled: follow streams survive sshd sessions being killed.

A real sshd serves the simulated docker, whose scripted containers write fast streams
in the near future (so the lines keep coming while the connection is down), with many
lines sharing one timestamp and, in one container, identical lines in one whole second
(podman's whole-second stamps). The test kills every sshd session process three times in
the middle of the streams and checks that each line arrived exactly once, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from logtui.config import load_settings
from logtui.remote import RemoteDocker
from logtui.simhost.openssh import Sshd

pytestmark = pytest.mark.e2e


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (the sshd sessions and what they run)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def scenario(start: float) -> dict:
    fast = [
        {"ts": start + (i // 5) * 0.01, "stream": "stderr" if i % 4 == 0 else "stdout", "text": f"fast {i}"}
        for i in range(1500)
    ]
    whole = [
        {"ts": float(int(start) + 1 + i // 100), "stream": "stdout", "text": f"tick {i % 3}"}
        for i in range(400)
    ]
    return {
        "default_containers": False,
        "containers": [{"name": "fast", "lines": fast}, {"name": "whole", "lines": whole}],
    }


@pytest.fixture
def server(tmp_path: Path, sshd_installed: None) -> Sshd:
    start = time.time() + 2.0
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario(start)))
    server = Sshd(tmp_path / "sshd", env={"LOGTUI_SIM_SCENARIO": str(path)})
    server.start_at = start  # type: ignore[attr-defined]
    server.start()
    yield server
    server.stop()


async def test_follow_survives_killed_sessions_exactly_once(server: Sshd) -> None:
    settings = load_settings(server.settings_env())
    settings.connect_timeout = 5
    remote = RemoteDocker(settings)
    received: dict[str, list[str]] = {"fast": [], "whole": []}
    states: list[str] = []
    expected = {"fast": 1500, "whole": 400}

    async def follow(name: str) -> None:
        stream = remote.follow(
            name, since="2000-01-01T00:00:00Z", on_state=lambda s, d: states.append(s), backoff=(0.2, 0.5)
        )
        async for batch in stream:
            received[name].extend(e.message for e in batch)
            if len(received[name]) >= expected[name]:
                return

    tasks = [asyncio.create_task(follow(n)) for n in expected]
    await asyncio.sleep(max(0.0, server.start_at - time.time()))  # type: ignore[attr-defined]
    assert server.proc is not None
    cuts = 0
    for _ in range(3):
        await asyncio.sleep(0.8)
        sessions = descendants(server.proc.pid)
        for pid in sessions:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        cuts += bool(sessions)
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    await remote.close()

    assert cuts == 3
    assert states.count("reconnecting") >= 3
    fast = received["fast"]
    # exactly once each; within one stream the order is kept
    assert Counter(fast) == Counter(f"fast {i}" for i in range(1500))
    out = [int(m.split()[1]) for m in fast if int(m.split()[1]) % 4]
    err = [int(m.split()[1]) for m in fast if int(m.split()[1]) % 4 == 0]
    assert out == sorted(out) and err == sorted(err)
    assert received["whole"] == [f"tick {i % 3}" for i in range(400)]
