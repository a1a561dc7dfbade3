"""A line the log driver split into parts comes back as one entry, with its own bytes.

Docker's json-file and local drivers store a line longer than 16 KiB as 16,384-byte parts
(moby's daemon/logger/copier.go); `docker logs --timestamps` prints each part after its
stamp and only the last with a newline. podman (k8s-file, behind the Docker CLI) does the
same with 8,192-byte parts and whole-second stamps: `_podman` below is the shape measured
on podman 4.3 with Docker CLI 28 (the real-engine test checks it live).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path

import pytest
from scripted import isolate_config, running_host, write_client_files

from logtui.cli import main
from logtui.parser import parse_stream
from logtui.reader import StreamReader
from logtui.remote import RemoteDocker
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.simhost.workload import LogLine, render_line
from logtui.split_lines import rejoin_split_lines

STAMP = b"2025-08-16T14:30:22.123456789Z"
PODMAN_STAMP = b"2025-08-16T14:30:22Z"


def _docker(data: bytes, stamp: bytes = STAMP) -> bytes:
    """Docker 23+'s json-file output for one line, built from the driver's rules."""
    parts = [data[i : i + 16384] for i in range(0, len(data), 16384)] or [b""]
    if len(data) % 16384 == 0 and data:
        parts.append(b"")  # the newline alone, read after a full buffer
    return b"".join(stamp + b" " + part for part in parts) + b"\n"


def _podman(data: bytes, stamps: list[bytes] | None = None, sizes: tuple[int, ...] = ()) -> bytes:
    """podman's output through the Docker CLI: parts of `sizes` (then 8 KiB), each after
    its own stamp."""
    parts, at = [], 0
    for size in (*sizes, *[8192] * (len(data) // 8192 + 1)):
        if len(data) - at < size:
            break
        parts.append(data[at : at + size])
        at += size
    parts.append(data[at:])
    stamps = stamps or [PODMAN_STAMP] * len(parts)
    return b"".join(s + b" " + p for s, p in zip(stamps, parts, strict=True)) + b"\n"


def text_of(length: int, seed: int = 0) -> bytes:
    """`length` bytes of UTF-8 with two-byte characters, so parts end inside one."""
    rng = random.Random(seed)
    chars = "abcdefé€ "
    out = "".join(rng.choice(chars) for _ in range(length)).encode()
    return out[:length].decode("utf-8", "ignore").encode()


def read(data: bytes, seed: int = 0, mask: bool = True) -> list:
    """Entries of a stream reader fed `data` in random chunks."""
    rng = random.Random(seed)
    reader = StreamReader("web", "stdout", mask)
    entries = []
    at = 0
    while at < len(data):
        size = rng.choice([1, 30, 4096, 16415, 70000])
        entries += reader.feed(data[at : at + size])
        at += size
    return entries + reader.close()


# -- the simulated host prints Docker's bytes --------------------------------------------------


@pytest.mark.parametrize("length", [16383, 16384, 16385, 32768, 40000])
def test_the_simulated_host_prints_long_lines_as_docker_does(length: int) -> None:
    data = text_of(length, length)
    line = LogLine(1_755_354_622_123_456_789, 0, "stdout", data)
    assert render_line(line) == _docker(data)
    assert render_line(line, timestamps=False) == data + b"\n"
    if length == 16384:  # a full part, then the newline alone: an empty last part
        assert render_line(line).endswith(STAMP + b" \n")


# -- rejoining --------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [16384, 16385, 40000, 100_000])
@pytest.mark.parametrize("shape", ["docker", "podman"])
def test_parts_become_one_entry_with_the_original_bytes(length: int, shape: str) -> None:
    data = text_of(length, length)
    stamp, raw = (STAMP, _docker(data)) if shape == "docker" else (PODMAN_STAMP, _podman(data))
    around = stamp + b" [INFO] before\n" + raw + stamp + b" [INFO] after\n"
    for seed in range(3):
        entries = read(around, seed, mask=False)
        assert [len(e.raw_line) for e in entries] == [
            len(stamp) + 14,
            len(stamp) + 1 + len(data.decode()),
            len(stamp) + 13,
        ]
        joined = entries[1]
        assert joined.raw_line.encode() == stamp + b" " + data
        assert joined.message == data.decode().rstrip()
        assert joined.docker_timestamp == stamp.decode()
        assert "\\x" not in joined.raw_line  # no character was cut by a stamp


def test_podman_parts_cut_where_the_writer_wrote() -> None:
    """Measured: busybox awk's 4 KiB writes gave parts of 4,096, 8,192, 4,096 bytes, then the rest."""
    data = text_of(20001, 3)
    (entry,) = read(_podman(data, sizes=(4096, 8192, 4096)), mask=False)
    assert entry.raw_line.encode() == PODMAN_STAMP + b" " + data


def test_parts_stamped_far_apart_are_not_one_line() -> None:
    data = b"x" * 20000
    stamps = [b"2025-08-16T14:30:22Z", b"2025-08-16T14:30:30Z", b"2025-08-16T14:30:30Z"]
    assert rejoin_split_lines(_podman(data, stamps)) == _podman(data, stamps)


def test_the_first_parts_stamp_is_the_entrys() -> None:
    """Older Docker daemons and podman stamp each part when read: the first one counts."""
    data = b"x" * 20000
    stamps = [b"2025-08-16T14:30:22Z", b"2025-08-16T14:30:23Z", b"2025-08-16T14:30:23Z"]
    (entry,) = read(_podman(data, stamps))
    assert entry.timestamp == "2025-08-16T14:30:22.000000"
    assert entry.raw_line == "2025-08-16T14:30:22Z " + "x" * 20000


def test_a_stamp_the_application_wrote_is_left_alone() -> None:
    """Only a stamp exactly where a part ends, not earlier than the first, is a boundary."""
    inner = b" at 2025-08-16T14:30:22.123456789Z " + b"y" * 100
    elsewhere = b"x" * 20000 + inner  # a stamp, but not where a part ends
    assert rejoin_split_lines(STAMP + b" " + elsewhere) == STAMP + b" " + elsewhere
    earlier = b"x" * 16384 + b"2025-08-16T14:30:21.000000000Z " + b"y" * 100
    assert rejoin_split_lines(STAMP + b" " + earlier) == STAMP + b" " + earlier
    short = b"\n".join([STAMP + b" short"] * 3000)
    assert rejoin_split_lines(short) is short  # nothing long: nothing copied


def test_a_secret_cut_by_a_part_boundary_is_masked() -> None:
    """Masking sees the whole line: the parts are joined before it."""
    data = b"x" * (16384 - 10) + b" password=hunter2 and more"
    (entry,) = read(_docker(data))
    assert "hunter2" not in entry.raw_line and "password=***" in entry.raw_line


def test_the_text_api_rejoins_as_the_reader_does() -> None:
    """Text decoded from valid UTF-8 (no character cut by a part boundary)."""
    data = "é".encode() * 20000
    raw = STAMP + b" [INFO] before\n" + _docker(data) + STAMP + b" [INFO] after\n"
    assert parse_stream("web", "stdout", raw.decode()) == read(raw, mask=False)


# -- over SSH: the API, the CLI and a follow ------------------------------------------------------


async def test_the_api_reads_a_split_line_as_one_entry(tmp_path: Path) -> None:
    web = ScriptedContainer("web-app")
    data = '{"level":"error","msg":"payload too large","body":"' + "é" * 30000 + '"}'
    now = time.time()
    web.write("[INFO] before", "stdout", ts=now - 2)
    web.write(data, "stderr", ts=now - 1.5)
    web.write("[INFO] after", "stdout", ts=now - 1)
    async with SimulatedHost([web]) as host:
        sent = b"".join(data for _, data in web.render(None, None, None, time.time_ns()))
        assert sent.count(b"Z ") == 1 + 4 + 1  # 60,000 bytes: four parts, each stamped
        remote = RemoteDocker(host.settings(audit_log=tmp_path / "a.jsonl"))
        try:
            entries = await remote.logs("web-app")
            assert [(e.stream, e.level) for e in entries] == [
                ("stdout", "INFO"),
                ("stderr", "ERROR"),
                ("stdout", "INFO"),
            ]
            assert entries[1].raw_line.split(" ", 1)[1] == data
            assert entries[1].raw_line.startswith(entries[1].docker_timestamp + " ")

            async def follow() -> list:
                async for batch in remote.follow("web-app", tail=0):
                    if any(e.stream == "stderr" for e in batch):
                        return batch
                return []

            task = asyncio.create_task(follow())
            await asyncio.sleep(0.3)
            web.write("live " + "z" * 50000, "stderr")
            live = await asyncio.wait_for(task, 10)
            assert [e.raw_line.split(" ", 1)[1] for e in live] == ["live " + "z" * 50000]
        finally:
            await remote.close()


def test_the_cli_prints_a_split_line_as_one_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    web = ScriptedContainer("web-app")
    web.write("[ERROR] " + "a" * 16376 + "b" * 100, "stderr", ts=time.time() - 5)  # 16,484 bytes
    with running_host([web]) as host:
        isolate_config(monkeypatch, tmp_path, write_client_files(host, tmp_path))
        capsys.readouterr()
        assert main(["container", "web-app", "--json"]) == 0
    (entry,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert entry["level"] == "ERROR"
    assert entry["message"] == "a" * 16376 + "b" * 100
    assert len(entry["raw_line"]) == 31 + 16484
