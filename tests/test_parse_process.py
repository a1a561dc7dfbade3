"""Parsing in the dashboard's worker process gives exactly what parsing here gives, and a
dead worker costs no line: the streams resume (as after a cut) and parse here."""

from __future__ import annotations

import asyncio
import os
import pickle
import random
import signal
from pathlib import Path

import pytest
from scripted import scripted_containers

from logtui.models import LogEntry
from logtui.parse_process import ParseProcess
from logtui.parser import parse_stream
from logtui.reader import LocalReader
from logtui.remote import RemoteDocker
from logtui.simhost import ScriptedContainer, SimulatedHost

STAMP = "2025-08-16T14:30:{:02d}.{:09d}Z "
LINES = [
    "[INFO] Started server on :8000",
    "[ERROR] payment failed password=hunter2 token=abc",
    "Traceback (most recent call last):",
    '  File "/app/views.py", line 42, in checkout',
    "ZeroDivisionError: division by zero",
    "GET /health HTTP/1.1 200",
    '{"level":"warn","msg":"slow"}',
    "line with CRLF\r",
    "bad utf-8 \xff here",
    "-----BEGIN RSA PRIVATE KEY-----",
    "MIIEowIBAAKCAQEA",
    "-----END RSA PRIVATE KEY-----",
]


def docker_bytes(count: int, seed: int) -> bytes:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        text = rng.choice(LINES)
        stamp = STAMP.format(i // 1000 % 60, i)
        out.append(stamp.encode() + text.encode("latin-1" if "\xff" in text else "utf-8"))
    return b"\n".join(out) + b"\nno newline at the end"


async def read_all(reader, data: bytes, rng: random.Random) -> list[LogEntry]:
    futures = []
    at = 0
    while at < len(data):
        size = rng.choice([1, 7, 100, 4096, 65536])
        futures.append(reader.feed(data[at : at + size]))
        at += size
        if rng.random() < 0.05:
            futures.append(reader.quiet())
    futures.append(reader.close())
    entries: list[LogEntry] = []
    for future in futures:
        entries += await future
    return entries


@pytest.fixture
def parse_process():
    process = ParseProcess.start()
    assert process is not None, "a worker process must start on this machine"
    yield process
    process.shutdown()


@pytest.mark.parametrize("seed", range(3))
async def test_the_process_parses_as_this_process_does(parse_process: ParseProcess, seed: int) -> None:
    data = docker_bytes(3000, seed)
    remote_reader = parse_process.reader("web", "stderr", True)
    local_reader = LocalReader("web", "stderr", True)
    got = await read_all(remote_reader, data, random.Random(seed))
    want = await read_all(local_reader, data, random.Random(seed + 100))  # other chunking
    assert got == want
    assert len(got) > 1000 and any("\n" in e.message for e in got)  # tracebacks were grouped
    assert all("hunter2" not in e.raw_line for e in got) and any("password=***" in e.raw_line for e in got)
    assert got[-1].raw_line == "no newline at the end"


async def test_the_process_rejoins_split_lines_as_this_process_does(parse_process: ParseProcess) -> None:
    """Lines the log driver split into 16 KiB parts (a character cut between two parts, a
    secret too), among short lines, in chunks that cut the parts anywhere."""
    from logtui.simhost.workload import LogLine, render_line

    rng = random.Random(5)
    lines = []
    for i in range(60):
        size = rng.choice([20, 16383, 16384, 16385, 40_001])
        text = (
            ("é" + "x" * rng.randrange(2) + " password=hunter2 ") * (size // 20)
            if size > 20
            else "[INFO] short"
        )
        lines.append(LogLine(1_755_354_622_000_000_000 + i * 1_000_000, i, "stderr", text.encode()))
    data = b"".join(render_line(line) for line in lines)
    remote_reader = parse_process.reader("web", "stderr", True)
    local_reader = LocalReader("web", "stderr", True)
    got = await read_all(remote_reader, data, random.Random(1))
    want = await read_all(local_reader, data, random.Random(2))
    assert got == want and len(got) == 60
    assert all(e.raw_line.count("Z ") == 1 for e in got)  # one stamp: the parts were joined
    assert all("hunter2" not in e.raw_line and "\\x" not in e.raw_line for e in got)


def test_compact_entries_are_whole_entries() -> None:
    text = "\n".join(STAMP.format(1, i) + LINES[i % len(LINES)].rstrip("\r") for i in range(40))
    for entry in parse_stream("web", "stdout", text):
        state = entry.compact()
        copy = LogEntry.from_compact(entry.container_name, entry.stream, pickle.loads(pickle.dumps(state)))
        assert copy == entry and copy.to_dict() == entry.to_dict()
        assert copy.docker_timestamp == entry.docker_timestamp
        assert pickle.loads(pickle.dumps(entry)) == entry


def test_a_compact_entry_reads_like_the_spec_entry() -> None:
    raw = "2025-08-16T14:30:22.123456789Z [ERROR] boom"
    entry = LogEntry("api", "2025-08-16T14:30:22.123456", "ERROR", "boom", raw, "stderr", raw[:30])
    assert entry.to_dict() == {
        "container_name": "api",
        "timestamp": "2025-08-16T14:30:22.123456",
        "level": "ERROR",
        "message": "boom",
        "raw_line": raw,
        "stream": "stderr",
    }
    entry.message, entry.raw_line = "b***", raw.replace("boom", "b***")  # as masking does
    assert (entry.message, entry.timestamp, entry.docker_timestamp) == ("b***", raw[:26], raw[:30])
    other = LogEntry("api", "t", "INFO", "not a suffix", "2025Z x", "stdout", "")
    assert other.message == "not a suffix" and other.timestamp == "t" and other.docker_timestamp == ""


async def follow_lines(remote: RemoteDocker, app: ScriptedContainer, host: SimulatedHost, hook) -> list[str]:
    """300 lines written while following; `hook(i)` runs at some of them."""
    received: list[str] = []
    states: list[str] = []

    async def consume() -> None:
        stream = remote.follow("app", since="2023-01-01T00:00:00Z", on_state=lambda s, d: states.append(s))
        async for batch in stream:
            received.extend(e.message for e in batch)
            if len(received) >= 300:
                return

    task = asyncio.create_task(consume())
    base = 1_700_000_000.0
    for i in range(300):
        app.write(f"line {i}", "stderr" if i % 7 == 0 else "stdout", ts=base + i // 2)
        if i in (60, 151, 222):
            await asyncio.sleep(0.2)
            hook(i)
        if i % 10 == 0:
            await asyncio.sleep(0.01)
    await asyncio.wait_for(task, 30)
    await remote.close()
    received.append(f"states: {' '.join(states)}")
    return received


async def test_follow_through_the_process_survives_cuts(parse_process: ParseProcess, tmp_path: Path) -> None:
    app = ScriptedContainer("app")
    async with SimulatedHost([app], poll_interval=0.02) as host:
        settings = host.settings(audit_log=tmp_path / "a.jsonl")
        remote = RemoteDocker(settings, reader_factory=parse_process.reader)
        received = await follow_lines(remote, app, host, lambda i: host.drop_connections())
    states = received.pop()
    assert sorted(received, key=lambda m: int(m.split()[1])) == [f"line {i}" for i in range(300)]
    assert "reconnecting" in states and not parse_process.broken


async def test_a_dead_worker_costs_no_line(parse_process: ParseProcess, tmp_path: Path) -> None:
    app = ScriptedContainer("app")

    def kill_worker(i: int) -> None:
        if i == 151:
            for pid in parse_process.pids:
                os.kill(pid, signal.SIGKILL)

    async with SimulatedHost([app], poll_interval=0.02) as host:
        settings = host.settings(audit_log=tmp_path / "a.jsonl")
        remote = RemoteDocker(settings, reader_factory=parse_process.reader)
        received = await follow_lines(remote, app, host, kill_worker)
    states = received.pop()
    assert sorted(received, key=lambda m: int(m.split()[1])) == [f"line {i}" for i in range(300)]
    assert len(set(received)) == 300
    assert "reconnecting" in states
    assert parse_process.broken
    assert isinstance(parse_process.reader("app", "stdout", True), LocalReader)


async def test_history_read_through_the_process_is_the_history_read_here(
    parse_process: ParseProcess, tmp_path: Path
) -> None:
    async with SimulatedHost(scripted_containers()) as host:
        settings = host.settings(audit_log=tmp_path / "a.jsonl")
        here, there = RemoteDocker(settings), RemoteDocker(settings, reader_factory=parse_process.reader)
        for name in ("web-app", "database", "exited-job"):
            entries = await there.logs(name)
            assert entries == await here.logs(name) and entries
        with pytest.raises(RuntimeError, match="No such container"):
            await there.logs("missing")
        await here.close()
        await there.close()


def test_entries_cross_as_columns_with_every_field() -> None:
    """What a worker sends (`LogEntry.columns`, pickled) makes the same entries on the
    dashboard's side: fixed stamps, podman's, joined multi-line messages, level tags."""
    fixed = LogEntry.of_line("web", "ERROR", STAMP.format(1, 5) + "[ERROR] boom", "stderr", 39)
    joined = LogEntry("web", "2025-08-16T14:30:02.000000", "ERROR", "a\nb", "x\ny", "stderr", "14:30:02Z")
    other = LogEntry("web", "2025-08-16T14:30:03.000000", "INFO", "msg", "2025-08-16T14:30:03Z msg", "stderr")
    parsed = parse_stream("web", "stderr", docker_bytes(200, 3).decode("utf-8", "backslashreplace"))
    entries = [fixed, joined, other, *parsed]
    columns = pickle.loads(pickle.dumps(LogEntry.columns(entries)))
    back = LogEntry.from_columns("web", "stderr", columns)
    assert back == entries
    assert [e.compact() for e in back] == [e.compact() for e in entries]
    assert LogEntry.from_columns("web", "stderr", LogEntry.columns([])) == []
