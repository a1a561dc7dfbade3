"""Regression tests from the independent attack pass on the channel pool and Security II.

Each test drives a real SSH server (in-process asyncssh) and shows one way the pool or a
security guarantee broke; see the report of the attack pass for how each was found.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from logtui.remote import RemoteDocker
from logtui.simhost import ScriptedContainer, SimulatedHost

SINCE = "2000-01-01T00:00:00Z"


async def _drain(remote: RemoteDocker, name: str) -> None:
    async for _batch in remote.follow(name, since=SINCE):
        pass


async def _channels_settle(remote: RemoteDocker, timeout: float = 5.0) -> int:
    """Channels still placed in the pool once closing channels had time to close."""
    deadline = time.monotonic() + timeout
    while remote.transport.pool.state().channels and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return remote.transport.pool.state().channels


async def test_cancelling_follows_leaks_no_channel_and_never_hangs(audit_log: Path) -> None:
    # The dashboard cancels every follower when the time window changes (`t`), whatever
    # each is doing: opening its channel, or receiving its first chunk. Every cancel must
    # finish, and every channel place must come back, or the pool shrinks for good.
    boxes = [ScriptedContainer(f"c{n}", image="busybox") for n in range(2)]
    async with SimulatedHost(boxes, poll_interval=0.02) as host:
        for box in boxes:
            box.write(f"{box.name} hello")
        remote = RemoteDocker(host.settings(audit_log=audit_log))
        try:
            await remote.connect()
            hung = 0
            for i in range(60):
                task = asyncio.create_task(_drain(remote, "c0"))
                await asyncio.sleep(i * 0.0005)
                task.cancel()
                done, _ = await asyncio.wait({task}, timeout=5)
                hung += not done
            left = await _channels_settle(remote)
        finally:
            await remote.close()
    assert hung == 0, f"{hung} cancelled follows kept running"
    assert left == 0, f"{left} channel places never given back"


async def test_a_polled_container_is_not_reread_from_its_last_stderr_line(audit_log: Path) -> None:
    # Common: one warning on stderr at start-up, then chatter on stdout. A polled container
    # resumes at the older of its two streams' stamps, so every poll re-reads (and re-parses)
    # everything written since that one stderr line: the poll grows without bound.
    boxes = [ScriptedContainer(f"c{n}", image="busybox") for n in range(3)]
    async with SimulatedHost(boxes, poll_interval=0.02, max_sessions=2) as host:
        for box in boxes:
            box.write(f"{box.name} starting", "stderr", ts=time.time() - 30)
            box.write(f"{box.name} line 0", ts=time.time() - 20)
        settings = host.settings(audit_log=audit_log, max_connections=1, max_sessions=2)
        remote = RemoteDocker(settings)
        tasks = [asyncio.create_task(_drain(remote, b.name)) for b in boxes]
        try:
            for i in range(1, 6):
                await asyncio.sleep(2.5)
                for box in boxes:
                    box.write(f"{box.name} line {i}", ts=time.time() - 2)
            polled = remote.rotation.state().polled
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=5)
            await remote.close()
    assert polled
    polls = [c for c in host.commands_received if "--until" in c and polled[0] in c.split()]
    sinces = [c.split("--since ")[1].split()[0] for c in polls]
    assert len(polls) >= 3
    assert len(set(sinces[1:])) > 1, sinces  # the resume point moves on with stdout


def test_invisible_musical_format_characters_are_removed_from_server_text() -> None:
    # Category Cf and invisible, like U+200B and the tag characters the sanitiser removes:
    # a server name or log line could hide text behind them.
    from logtui.textsafe import one_line, sanitize_for_terminal

    for code in range(0x1D173, 0x1D17B):
        assert sanitize_for_terminal(f"web{chr(code)}app") == "webapp"
        assert one_line(f"web{chr(code)}app") == "webapp"
