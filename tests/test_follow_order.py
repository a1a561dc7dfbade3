"""`logs -f` and `container -f` print in time order across streams and containers.

The history is merged whole; live lines are held HOLD_S so a late stream still sorts in.
The CLI runs in this process against scripted containers over SSH, while other threads
write both streams at speed; a subprocess checks that Ctrl-C ends a follow whose stdout
nobody reads.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scripted import config_free_env, isolate_config, running_host, write_client_files

from logtui.cli import main
from logtui.follow_output import PipeWriter, follow_in_time_order
from logtui.models import LogEntry
from logtui.ordering import HOLD_S, MAX_WAIT_S, TimeOrder
from logtui.simhost import ScriptedContainer

# -- TimeOrder on its own, with a clock the test moves ---------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def after_the_hold(self) -> None:
        self.now += HOLD_S + 0.001

    def __call__(self) -> float:
        return self.now


def entry(second: float, stream: str = "stdout", container: str = "web") -> LogEntry:
    ns = round(second * 1e9)
    stamp = f"2025-08-16T14:30:{ns // 10**9:02d}.{ns % 10**9:09d}Z"
    return LogEntry(container, stamp[:26], "INFO", f"at {second}", f"{stamp} at {second}", stream, stamp)


def seconds(entries: list[LogEntry]) -> list[float]:
    return [float(e.message.split()[1]) for e in entries]


def test_a_late_stream_sorts_in_within_the_hold() -> None:
    clock = Clock()
    order = TimeOrder(clock=clock)
    order.add([entry(1.0), entry(1.2), entry(1.4)])
    assert order.ready() == []  # held
    clock.now += HOLD_S / 2
    order.add([entry(1.1, "stderr"), entry(1.3, "stderr")])  # stderr's batch, a little later
    clock.now += HOLD_S / 2 + 0.001
    assert seconds(order.ready()) == [1.0, 1.1, 1.2, 1.3, 1.4]
    assert order.next_check() is None


def test_an_entry_later_than_the_hold_is_printed_at_once_never_dropped() -> None:
    clock = Clock()
    order = TimeOrder(clock=clock)
    order.add([entry(2.0)])
    clock.after_the_hold()
    assert seconds(order.ready()) == [2.0]
    order.add([entry(1.5, "stderr"), entry(2.5)])  # a polled container's line, a second late
    assert seconds(order.ready()) == [1.5]
    clock.after_the_hold()
    assert seconds(order.ready()) == [2.5]


def test_nothing_newer_passes_an_entry_a_parser_holds_back_for_long() -> None:
    clock = Clock()
    held: list[str] = []
    order = TimeOrder(clock=clock, held_back=lambda newer_than: min(held, default=None))
    order.add([entry(1.0), entry(3.0)])
    held.append("2025-08-16T14:30:02.000000000")  # stderr's entry at 2.0 is not complete yet
    clock.after_the_hold()
    assert seconds(order.ready()) == [1.0]
    held.clear()
    order.add([entry(2.0, "stderr")])  # its stream went quiet: released
    assert seconds(order.ready()) == [2.0, 3.0]
    assert order.drain() == []


def test_drain_gives_everything_in_order() -> None:
    order = TimeOrder(clock=Clock())
    order.add([entry(3.0), entry(1.0)])
    order.add([entry(2.0, "stderr")])
    assert seconds(order.drain()) == [1.0, 2.0, 3.0]


class SlowStartRemote:
    """A RemoteDocker stand-in: histories, then followers; `web`'s channel opens late."""

    reader_factory = None

    def __init__(self) -> None:
        self.histories = {
            "web": [entry(s, container="web") for s in (1.0, 2.0)],
            "db": [entry(s, container="db") for s in (1.5, 5.0)],  # read later: ends later
        }
        self.live = {
            "web": (0.4, [entry(s, container="web") for s in (3.0, 4.0, 6.0)]),  # written meanwhile
            "db": (0.0, [entry(s, container="db") for s in (5.5,)]),
        }

    async def logs(self, name: str, since: str) -> list[LogEntry]:
        return list(self.histories[name])

    async def follow(self, name: str, since: str, on_state: Callable[[str, str], None]):
        delay, batch = self.live[name]
        await asyncio.sleep(delay)
        on_state("connected", "test")
        await asyncio.sleep(0.05)
        yield batch
        on_state("ended", name)


async def test_the_history_waits_for_the_lines_written_while_it_was_read() -> None:
    """A follower whose first lines come late (its channel opened late) still sorts them in
    before the end of another container's longer history."""
    printed: list[LogEntry] = []

    async def write(entries: list[LogEntry]) -> None:
        printed.extend(entries)

    await follow_in_time_order(SlowStartRemote(), ["web", "db"], "3600s", write)  # type: ignore[arg-type]
    assert seconds(printed) == [1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 5.5, 6.0]


# -- the CLI over SSH, in this process ----------------------------------------------------------


@pytest.fixture
def host_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """host_of(*containers): serve them, and point the CLI's configuration at the host."""
    with_hosts: list[object] = []

    def serve(*containers: ScriptedContainer) -> None:
        context = running_host(list(containers))
        host = context.__enter__()
        with_hosts.append(context)
        isolate_config(monkeypatch, tmp_path, write_client_files(host, tmp_path))

    yield serve
    for context in with_hosts:
        context.__exit__(None, None, None)  # type: ignore[attr-defined]


def write_at_speed(
    containers: list[ScriptedContainer], count: int, stderr_every: int, after: float = 0.5
) -> threading.Thread:
    """A thread: after `after` s, `count` lines per container, stderr every `stderr_every`-th,
    about 1 ms apart, stamped when written; then the containers stop, which ends the follow."""

    def run() -> None:
        time.sleep(after)
        for i in range(count):
            for c in containers:
                stream = "stderr" if i % stderr_every == stderr_every - 1 else "stdout"
                level = "ERROR" if stream == "stderr" else "INFO"
                c.write(f"[{level}] {c.name} request {i}", stream)
            time.sleep(0.001)
        time.sleep(0.3)
        for c in containers:
            c.stop()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def history(container: ScriptedContainer, count: int, stderr_every: int) -> None:
    """`count` past lines, one every 10 ms, ending a minute ago."""
    start = time.time() - 60 - count * 0.01
    for i in range(count):
        stream = "stderr" if i % stderr_every == stderr_every - 1 else "stdout"
        container.write(f"{container.name} past {i}", stream, ts=round(start + i * 0.01, 3))


def followed(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, str]]:
    capsys.readouterr()
    assert main([*argv, "--json", "-f"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def assert_in_time_order(entries: list[dict[str, str]]) -> None:
    stamps = [e["raw_line"].split(" ", 1)[0] for e in entries]
    backwards = [(a, b) for a, b in itertools.pairwise(stamps) if b < a]
    assert not backwards, f"{len(backwards)} steps back in time, first {backwards[0]}"


@pytest.mark.parametrize("stderr_every", [2, 5])
def test_container_follow_prints_both_streams_in_time_order(
    host_of: Callable[..., None], capsys: pytest.CaptureFixture[str], stderr_every: int
) -> None:
    """Two streams written alternately at speed (and the issue's 1 in 5 on stderr)."""
    web = ScriptedContainer("web-app")
    history(web, 300, stderr_every)
    host_of(web)
    writer = write_at_speed([web], 600, stderr_every)
    entries = followed(capsys, "container", "web-app")
    writer.join(10)
    assert_in_time_order(entries)
    messages = [e["message"] for e in entries]
    assert Counter(messages) == Counter(
        [f"web-app past {i}" for i in range(300)] + [f"web-app request {i}" for i in range(600)]
    )
    assert {e["stream"] for e in entries} == {"stdout", "stderr"}


def test_logs_follow_prints_every_container_in_time_order(
    host_of: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    """Lines are written while the histories are read: one ends long before the other (20,000
    lines), so the lines written meanwhile are older than the end of the longer history."""
    web, worker = ScriptedContainer("web-app"), ScriptedContainer("worker")
    history(web, 20_000, 3)
    history(worker, 200, 2)
    host_of(web, worker)
    writer = write_at_speed([web, worker], 400, 2, after=0.0)
    entries = followed(capsys, "logs")
    writer.join(10)
    assert_in_time_order(entries)
    assert Counter(e["container_name"] for e in entries) == {"web-app": 20_400, "worker": 600}
    assert len({(e["container_name"], e["message"]) for e in entries}) == 21_000


def test_a_quiet_stream_is_not_held_back_by_a_busy_one(
    host_of: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    """stdout busy, one stderr ERROR: it is printed in place, and without waiting for the
    next stderr line (the parser releases it once its own stream has been quiet a moment)."""
    web = ScriptedContainer("web-app")
    host_of(web)
    seen: list[float] = []

    def run() -> None:
        time.sleep(0.5)
        for i in range(300):
            web.write(f"[INFO] request {i}", "stdout")
            if i == 50:
                web.write("[ERROR] request 50 failed", "stderr")
                seen.append(time.monotonic())
            time.sleep(0.005)
        web.stop()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    capsys.readouterr()
    printed: list[tuple[float, str]] = []

    class Out:  # the CLI's stdout: notes when each line was printed
        def write(self, text: str) -> int:
            printed.extend((time.monotonic(), line) for line in text.splitlines())
            return len(text)

        def flush(self) -> None:
            pass

    real = sys.stdout
    sys.stdout = Out()  # type: ignore[assignment]
    try:
        assert main(["container", "web-app", "--json", "-f"]) == 0
    finally:
        sys.stdout = real
    thread.join(10)
    entries = [json.loads(line) for _, line in printed]
    assert_in_time_order(entries)
    (error_at,) = [at for at, line in printed if "request 50 failed" in line]
    assert error_at - seen[0] < HOLD_S + MAX_WAIT_S + 0.5  # not at the end of the stream


# -- Ctrl-C with a stdout nobody reads -----------------------------------------------------------


def test_ctrl_c_ends_a_follow_whose_stdout_is_not_read(tmp_path: Path) -> None:
    chatty = ScriptedContainer("chatty")
    start = time.time() - 600
    for i in range(4000):  # ~600 KB of history: far more than a pipe holds
        chatty.write(f"[INFO] request {i} " + "x" * 120, "stdout", ts=round(start + i * 0.1, 1))
    with running_host([chatty]) as host:
        env = config_free_env()
        env.update(write_client_files(host, tmp_path))
        proc = subprocess.Popen(
            [sys.executable, "-m", "logtui", "container", "chatty", "-f"],
            env=env,
            stdout=subprocess.PIPE,  # never read
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(host.commands_received) < 2:
                time.sleep(0.1)  # until the history is read and the follow has started
            time.sleep(1.0)
            assert proc.poll() is None
            proc.send_signal(signal.SIGINT)
            status = proc.wait(timeout=5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert status == 0, proc.stderr.read() if proc.stderr else ""


async def test_the_pipe_writer_never_blocks_the_loop_and_reports_a_closed_reader() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as stream:
        pipe = PipeWriter(stream)
        pipe.write("x" * 200_000 + "\n")  # far more than a pipe holds: queued, not blocking
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(pipe.drain(0), 0.3)  # nobody reads: waits, interruptibly
        assert os.read(read_end, 10) == b"xxxxxxxxxx"
        os.close(read_end)
        with pytest.raises(BrokenPipeError):
            await asyncio.wait_for(pipe.drain(0), 5)
        with pytest.raises(BrokenPipeError):
            pipe.write("more\n")
        with pytest.raises(BrokenPipeError):
            await pipe.close()
