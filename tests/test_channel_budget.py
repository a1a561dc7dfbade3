"""Many containers behind a server that limits channels per connection (OpenSSH's MaxSessions).

The in-process server refuses a session channel beyond `max_sessions` on one connection, as
a stock sshd does (default 10). Every test follows more containers than one connection may
carry, and checks that every line arrives exactly once, in order, with no reconnect.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_server import Disconnect, HostileServer, Reply

from logtui.remote import RemoteDocker
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.transport import ConnectionFailed

SINCE = "2000-01-01T00:00:00Z"


def containers(count: int) -> list[ScriptedContainer]:
    return [ScriptedContainer(f"c{n:02d}", image="busybox") for n in range(count)]


class Followers:
    """Follows every container of a host at once and records what arrives and the states."""

    def __init__(self, remote: RemoteDocker, names: list[str]) -> None:
        self.remote = remote
        self.received: dict[str, list[str]] = {n: [] for n in names}
        self.states: dict[str, list[str]] = {n: [] for n in names}
        self.tasks = [asyncio.create_task(self._one(n)) for n in names]

    async def _one(self, name: str) -> None:
        def on_state(state: str, detail: str) -> None:
            self.states[name].append(state)

        async for batch in self.remote.follow(name, since=SINCE, on_state=on_state):
            self.received[name].extend(f"{e.stream}:{e.message}" for e in batch)

    def last_state(self, name: str) -> str:
        return self.states[name][-1] if self.states[name] else ""

    async def until(self, done: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            for task in self.tasks:
                if task.done() and not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            assert time.monotonic() < deadline, {n: len(r) for n, r in self.received.items()}
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def write_lines(boxes: list[ScriptedContainer], start: int, count: int) -> None:
    for box in boxes:
        for i in range(start, start + count):
            box.write(f"{box.name} line {i}", "stderr" if i % 4 == 0 else "stdout")


def per_stream(received: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """Each container's lines, per stream in arrival order (streams interleave freely)."""
    split: dict[str, dict[str, list[str]]] = {}
    for name, lines in received.items():
        streams = split.setdefault(name, {"stdout": [], "stderr": []})
        for line in lines:
            stream, _, message = line.partition(":")
            streams[stream].append(message)
    return split


def expected(boxes: list[ScriptedContainer], count: int) -> dict[str, dict[str, list[str]]]:
    return {
        b.name: {
            "stdout": [f"{b.name} line {i}" for i in range(count) if i % 4],
            "stderr": [f"{b.name} line {i}" for i in range(count) if not i % 4],
        }
        for b in boxes
    }


async def test_forty_containers_on_a_stock_session_limit_all_followed_without_reconnecting(
    audit_log: Path,
) -> None:
    boxes = containers(40)
    async with SimulatedHost(boxes, poll_interval=0.02) as host:  # max_sessions=10, as OpenSSH
        write_lines(boxes, 0, 5)
        remote = RemoteDocker(host.settings(audit_log=audit_log))
        followers = Followers(remote, [b.name for b in boxes])
        try:
            await followers.until(lambda: all(len(r) >= 5 for r in followers.received.values()), 30)
            write_lines(boxes, 5, 5)
            await followers.until(lambda: all(len(r) >= 10 for r in followers.received.values()), 30)
            state = remote.transport.pool.state()
            rotation = remote.rotation.state()
        finally:
            await followers.stop()
            await remote.close()
    assert per_stream(followers.received) == expected(boxes, 10)
    assert host.sessions_refused == 0  # never asked for more than the server allows
    assert not any("reconnecting" in s or "failed" in s for s in followers.states.values())
    assert 4 <= state.connections <= 4 and host.peak_connections <= 4
    assert len(rotation.live) == 36 and len(rotation.polled) == 4  # 4 connections × (10 − 1)
    records = [json.loads(line) for line in audit_log.read_text().splitlines()]
    assert {r["connection"] for r in records if r["event"] == "remote_command"} == {1, 2, 3, 4}


async def test_two_sessions_and_two_connections_rotate_polls_and_lose_nothing(audit_log: Path) -> None:
    # MaxSessions 2 (lower than any default) and a cap of 2 connections: 2 live streams, the
    # other 6 containers must be read in rotation.
    boxes = containers(8)
    async with SimulatedHost(boxes, poll_interval=0.02, max_sessions=2) as host:
        write_lines(boxes, 0, 3)
        remote = RemoteDocker(host.settings(audit_log=audit_log, max_connections=2))
        followers = Followers(remote, [b.name for b in boxes])
        started = time.monotonic()
        try:
            await followers.until(lambda: all(len(r) >= 3 for r in followers.received.values()), 30)
            for round_ in range(1, 4):
                write_lines(boxes, 3 * round_, 3)
                await asyncio.sleep(0.7)
            await followers.until(lambda: all(len(r) >= 12 for r in followers.received.values()), 30)
            elapsed = time.monotonic() - started
            rotation = remote.rotation.state()
        finally:
            await followers.stop()
            await remote.close()
    assert per_stream(followers.received) == expected(boxes, 12)
    assert len(rotation.live) == 2 and len(rotation.polled) == 6
    assert all("polled" in followers.states[n] for n in rotation.polled)
    assert not any("reconnecting" in s for s in followers.states.values())
    polls = [c for c in host.commands_received if c.startswith("docker logs") and "--follow" not in c]
    # The rotation's documented bound: 120 polls a minute on the host, two a second.
    assert len(polls) <= elapsed * 2.0 + 2, (len(polls), elapsed)
    assert host.peak_connections <= 2


async def test_a_server_stricter_than_assumed_is_learnt_not_treated_as_a_lost_connection(
    audit_log: Path,
) -> None:
    boxes = containers(6)
    async with SimulatedHost(boxes, poll_interval=0.02, max_sessions=3) as host:
        write_lines(boxes, 0, 4)
        remote = RemoteDocker(host.settings(audit_log=audit_log))  # assumes OpenSSH's 10
        followers = Followers(remote, [b.name for b in boxes])
        try:
            await followers.until(lambda: all(len(r) >= 4 for r in followers.received.values()), 30)
            write_lines(boxes, 4, 4)
            await followers.until(lambda: all(len(r) >= 8 for r in followers.received.values()), 30)
            limits = remote.transport.pool.state().limits
        finally:
            await followers.stop()
            await remote.close()
    assert per_stream(followers.received) == expected(boxes, 8)
    assert host.sessions_refused >= 1  # it did hit the real limit ...
    assert all(limit <= 3 for limit in limits)  # ... and learnt it
    assert not any("reconnecting" in s or "failed" in s for s in followers.states.values())


async def test_polls_get_a_channel_while_streams_fill_every_connection(audit_log: Path) -> None:
    boxes = containers(12)
    async with SimulatedHost(boxes, poll_interval=0.02, max_sessions=2) as host:
        write_lines(boxes, 0, 1)
        remote = RemoteDocker(host.settings(audit_log=audit_log, max_connections=1))
        followers = Followers(remote, [b.name for b in boxes])
        try:
            await followers.until(lambda: all(len(r) >= 1 for r in followers.received.values()), 40)
            started = time.monotonic()
            listed = await remote.list_containers()
            stats = await remote.stats([b.name for b in boxes[:2]])
            took = time.monotonic() - started
        finally:
            await followers.stop()
            await remote.close()
    assert len(listed) == 12 and len(stats) == 2
    assert took < 5.0  # it waited at most for one poll's channel, never for the streams


async def test_the_selected_container_takes_a_live_channel(audit_log: Path) -> None:
    boxes = containers(3)
    async with SimulatedHost(boxes, poll_interval=0.02, max_sessions=2) as host:
        write_lines(boxes, 0, 2)
        remote = RemoteDocker(host.settings(audit_log=audit_log, max_connections=1))
        followers = Followers(remote, [b.name for b in boxes])
        try:
            await followers.until(lambda: all(len(r) >= 2 for r in followers.received.values()), 30)
            polled = sorted(remote.rotation.state().polled)
            chosen = polled[0]
            remote.pin([chosen])
            await followers.until(lambda: chosen in remote.rotation.state().live, 15)
            write_lines(boxes, 2, 2)
            await followers.until(lambda: all(len(r) >= 4 for r in followers.received.values()), 30)
        finally:
            await followers.stop()
            await remote.close()
    assert len(polled) == 2
    assert per_stream(followers.received) == expected(boxes, 4)
    assert followers.states[chosen][-1] == "connected"


async def test_a_connection_that_is_no_longer_needed_is_closed(audit_log: Path) -> None:
    boxes = containers(12)
    async with SimulatedHost(boxes, poll_interval=0.02) as host:
        write_lines(boxes, 0, 1)
        remote = RemoteDocker(host.settings(audit_log=audit_log))
        remote.transport.pool.idle_close_s = 0.3
        followers = Followers(remote, [b.name for b in boxes])
        try:
            await followers.until(lambda: all(len(r) >= 1 for r in followers.received.values()), 30)
            assert remote.transport.pool.state().connections == 2  # 12 streams: 9 + 3
            await followers.stop()
            await followers.until(lambda: remote.transport.pool.state().connections == 1, 5)
            assert len(await remote.list_containers()) == 12  # the first one still serves
        finally:
            await followers.stop()
            await remote.close()


async def test_a_server_that_hangs_up_after_login_is_an_error_not_a_reconnect_storm() -> None:
    async with HostileServer(
        {"docker ps": Reply(b"", b"", 0)}, disconnect=Disconnect(11, "bye", "authenticated")
    ) as server:
        remote = RemoteDocker(server.settings())
        try:
            with pytest.raises(ConnectionFailed):
                await asyncio.wait_for(remote.list_containers(), 10)
        finally:
            await remote.close()
    assert remote.transport.connect_count <= 2  # one login, not thousands


async def test_a_follow_stops_once_its_host_is_closed(audit_log: Path) -> None:
    boxes = containers(1)
    async with SimulatedHost(boxes, poll_interval=0.02) as host:
        write_lines(boxes, 0, 1)
        remote = RemoteDocker(host.settings(audit_log=audit_log))
        states: list[str] = []
        stream = remote.follow("c00", since=SINCE, on_state=lambda s, d: states.append(s))
        assert await anext(stream)
        await remote.close()
        with pytest.raises(ConnectionFailed, match="closed"):
            async with asyncio.timeout(10):  # not a retry loop against a closed pool
                async for _ in stream:
                    pass
    assert states[-1] == "failed"
