"""A hostile review of the streaming history commands: each test here failed on the code
as first committed (except those marked as guards) and pins the fix.

- A reader that stops reading (`logtui logs | less`, left open) blocked the event loop in
  a write to stdout; asyncio's timer of a history read still waiting for the server then
  fired in the same turn as the data that had arrived meanwhile: "sent nothing for 60s".
- A consumer that stops early (`| head -1`, an error) left the per-container reads running
  and their channels open until the garbage collector got to them, after the parse
  processes were shut down: "Future exception was never retrieved" on stderr. And a
  transport pump cancelled while its queue was full waited forever to say "end" to nobody.
- Every source of a merge held its own `MEMORY_BYTES` in memory: `logs` over 40 containers
  held 40 times what one does before anything went to the file.
- A container that `docker ps` lists twice (a broken or hostile server) was read twice: a
  saved file with the same key twice, entries printed and counted twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from unittest import mock

import asyncssh
import pytest
from hostile_server import GONE, HostileServer, Reply, ps_row, serving
from scripted import config_free_env, running_host, write_client_files

from logtui import history, spill, transport
from logtui.remote import RemoteDocker
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.transport import CommandTimeout


def _interleaved(name: str, lines: int, now: float) -> ScriptedContainer:
    """`lines` lines over the last hour, every fifth on stderr (so output is decided early)."""
    c = ScriptedContainer(name)
    for i in range(lines):
        level = "ERROR" if i % 101 == 0 else "INFO"
        c.write(
            f"[{level}] {name} line {i} " + "x" * 60,
            "stderr" if i % 5 == 0 else "stdout",
            ts=now - 3000 + i * 0.01,
        )
    return c


def _cli_env(host: SimulatedHost, directory: Path, **extra: str) -> dict[str, str]:
    return {**config_free_env(), **write_client_files(host, directory), **extra}


# -- a reader that stops reading ----------------------------------------------------------------


def test_a_reader_that_stops_reading_does_not_time_the_history_out(tmp_path: Path) -> None:
    """`logs --json` into a pipe nobody reads for 3 s while the server keeps sending, with a
    1 s silence timeout: the server was never silent, so every line comes out (this failed
    with "sent nothing for 1s": the blocked write held the event loop)."""
    now = time.time()
    containers = [_interleaved(f"busy-{k}", 40_000, now) for k in range(3)]
    with running_host(containers) as host:
        env = _cli_env(host, tmp_path, LOGTUI_COMMAND_TIMEOUT="1")
        process = subprocess.Popen(
            [sys.executable, "-m", "logtui", "logs", "24", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(3)  # the reader looks away; the pipe fills
        out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode(errors="replace")
    assert out.count(b"\n") == 120_000
    assert err == b""


class _GoesQuiet(HostileServer):
    """`docker logs` sends one line, then nothing, never ending (a hung docker)."""

    async def _handle(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        line = process.command or ""
        self.commands_received.append(line)
        if not line.startswith("docker logs"):
            await super()._handle(process)
            return
        try:
            process.stdout.write(b"2025-08-16T14:30:22.000000001Z [INFO] and then silence\n")
            await process.stdout.drain()
            await asyncio.sleep(3600)
        except (*GONE, asyncio.CancelledError):
            pass


async def test_a_server_that_goes_quiet_is_still_given_up() -> None:
    """Guard: the silence timeout still does its job for a server that stops sending."""
    async with _GoesQuiet() as server, RemoteDocker(server.settings(command_timeout=0.5)) as remote:
        started = time.monotonic()
        with pytest.raises(CommandTimeout, match=r"sent nothing for 0\.5s"):
            [b async for b in remote.log_batches("hung")]
        assert time.monotonic() - started < 10


# -- a consumer that stops early -----------------------------------------------------------------


@pytest.fixture
async def busy_host() -> AsyncIterator[SimulatedHost]:
    now = time.time()
    host = SimulatedHost([_interleaved(f"busy-{k}", 20_000, now) for k in range(4)])
    await host.start()
    try:
        yield host
    finally:
        await host.stop()


def _others() -> list[str]:
    """The client's tasks still running besides this one (the history reads, the
    transport's pumps); the simulated server's own tasks run in this loop too."""
    client = {history.__file__, transport.__file__}
    return [
        t.get_coro().__qualname__  # type: ignore[union-attr]
        for t in asyncio.all_tasks()
        if t is not asyncio.current_task()
        and not t.done()
        and getattr(getattr(t.get_coro(), "cr_code", None), "co_filename", None) in client
    ]


@pytest.mark.parametrize("kind", ["merged", "each", "container"])
async def test_a_consumer_that_stops_early_ends_every_read_at_once(
    busy_host: SimulatedHost, kind: str
) -> None:
    """Closing the batches (as the CLI does when stdout's reader has gone) ends the
    per-container reads before it returns: no task left running, no channel left open.
    The consumer looks away first, so the reads wait to hand a batch on (small chunks: many
    batches), where cancelling them left their `docker logs` open."""
    names = [f"busy-{k}" for k in range(4)]
    with mock.patch.object(history, "LOGS_CHUNK", 4096):
        async with RemoteDocker(busy_host.settings()) as remote:
            await _stop_early(remote, names, kind)
            assert [t for t in _others() if "pump" not in t] == []  # the reads, at once
            assert remote.transport.pool.state().channels == 0
            await _pumps_end()


async def _pumps_end() -> None:
    """The transport's pumps, cancelled with their stream, end within a few turns of the
    loop (one blocked on a full queue nobody reads used to wait there forever)."""
    for _ in range(100):
        if not _others():
            return
        await asyncio.sleep(0.01)
    assert _others() == []


async def _stop_early(remote: RemoteDocker, names: list[str], kind: str) -> None:
    """Take one batch, look away for a second, then close the batches."""
    read = {
        "merged": history.merged_batches,
        "each": history.each_batches,
        "container": history.container_batches,
    }[kind]
    async with contextlib.aclosing(read(remote, names, None)) as batches:
        async for _ in batches:
            await asyncio.sleep(1)  # the reads fill the queue and wait
            break


async def test_a_failing_container_ends_the_other_reads_before_the_error_is_seen(
    busy_host: SimulatedHost,
) -> None:
    """Guard: one container failing while others stream cancels them, and by the time the
    error is raised their reads and channels are gone."""
    async with RemoteDocker(busy_host.settings()) as remote:
        with pytest.raises(RuntimeError, match="No such container"):
            async with contextlib.aclosing(
                history.merged_batches(remote, ["busy-0", "busy-1", "not-there"], None)
            ) as batches:
                async for _ in batches:
                    pass
        assert [t for t in _others() if "pump" not in t] == []
        assert remote.transport.pool.state().channels == 0
        await _pumps_end()


def test_logs_into_a_pipe_closed_after_one_line_says_nothing_with_parse_workers(tmp_path: Path) -> None:
    """Guard (it failed only now and then before): `logs --json | head -1` with parse
    processes ends with status 0 and nothing on stderr."""
    now = time.time()
    with running_host([_interleaved(f"busy-{k}", 20_000, now) for k in range(6)]) as host:
        env = _cli_env(host, tmp_path, LOGTUI_PARSE_WORKERS="2")
        process = subprocess.Popen(
            [sys.executable, "-m", "logtui", "logs", "24", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read()
        process.wait(timeout=60)
    assert json.loads(first)["container_name"].startswith("busy-")
    assert process.returncode == 0
    assert err == b""


# -- memory -------------------------------------------------------------------------------


async def test_what_waits_in_memory_does_not_grow_with_the_number_of_containers() -> None:
    """`logs` and `save` over 12 containers, 2 read at a time: the entries held in memory by
    all the spill queues together (merge, per-container streams) stay within a few times
    `MEMORY_BYTES`, whatever the number of containers; the rest went through the file."""
    now = time.time()
    names = [f"c{k:02d}" for k in range(12)]
    host = SimulatedHost([_interleaved(n, 3000, now) for n in names])  # ~300 kB of lines each
    await host.start()
    queues: weakref.WeakSet[spill.SpillQueue] = weakref.WeakSet()
    peak = [0]
    real_append = spill.SpillQueue.append

    def append(queue: spill.SpillQueue, batch: list) -> None:
        real_append(queue, batch)
        queues.add(queue)
        held = sum(len(e._raw) for q in list(queues) for part in (q._head, q._tail) for e in part)
        peak[0] = max(peak[0], held)

    bound = 100_000
    try:
        with (
            mock.patch.object(spill, "MEMORY_BYTES", bound),
            mock.patch.object(spill, "MIN_SEGMENT_BYTES", 8192, create=True),
            mock.patch.object(spill.SpillQueue, "append", append),
        ):
            async with RemoteDocker(host.settings(), max_parallel=2) as remote:
                for batches in (history.merged_batches, history.each_batches):
                    peak[0] = 0
                    count = 0
                    async with contextlib.aclosing(batches(remote, names, None)) as stream:
                        async for _, batch in stream:
                            count += len(batch)
                    assert count == 12 * 3000
                    assert peak[0] <= 4 * bound, (batches.__name__, peak[0])
    finally:
        await host.stop()


# -- a container listed twice --------------------------------------------------------------------


def test_a_container_listed_twice_is_read_and_saved_once(tmp_path: Path) -> None:
    """As before streaming (a dict by name): one key in the saved file, counted once."""
    body = b"".join(b"2025-08-16T14:30:%02d.000000001Z [ERROR] boom %d\n" % (i, i) for i in range(5))
    script = {"docker ps": Reply(stdout=ps_row("web") + ps_row("web")), "docker logs": Reply(stdout=body)}
    with serving(script) as server:
        env = {**config_free_env(), **server.environment(tmp_path)}

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "logtui", *args], env=env, capture_output=True, text=True, timeout=120
            )

        saved = cli("save", "24", "--output", str(tmp_path / "saved.json"), "--json")
        assert saved.returncode == 0, saved.stderr
        text = (tmp_path / "saved.json").read_text()
        assert text.count('"web": [') == 1
        assert json.loads(saved.stdout)["entries"] == 5 and json.loads(saved.stdout)["containers"] == 1
        printed = cli("logs", "24", "--json")
        assert printed.returncode == 0, printed.stderr
        assert printed.stdout.count("\n") == 5
        errors = json.loads(cli("errors", "24", "--json").stdout)
        assert errors["total_containers"] == 1 and errors["total_error_entries"] == 5


async def test_docker_ps_listing_a_name_twice_lists_it_once() -> None:
    """Every consumer of the list (`status`, `logs -f`, the dashboard's rows) sees each
    container once: the first row of a name counts, a repeat is dropped."""
    rows = ps_row("web") + ps_row("db") + ps_row("web", State="exited", Status="Exited (1)")
    server = HostileServer({"docker ps": Reply(stdout=rows)})
    async with server, RemoteDocker(server.settings()) as remote:
        listed = await remote.list_containers()
    assert [(c.name, c.state) for c in listed] == [("web", "running"), ("db", "running")]


async def test_docker_stderr_in_a_failed_history_read_is_one_safe_bounded_line() -> None:
    """A hostile server's stderr reaches the exception people print as one sanitized line
    of at most 500 characters, as `docker_error` gives it for the other commands."""
    said = b"\x1b]0;pwned\x07Error: no\x9b31m such\r\nthing\n" + b"x" * 5000 + b"\n"
    server = HostileServer({"docker logs": Reply(stderr=said, exit_status=1)})
    async with server, RemoteDocker(server.settings()) as remote:
        with pytest.raises(RuntimeError) as failed:
            await remote.logs("web")
    message = str(failed.value)
    assert "Error: no" in message and "such thing" in message  # words kept, controls not
    assert not any(c in message for c in "\x1b\x07\x9b\r\n")
    assert len(message) <= len("docker on ") + len(server.settings().label) + 2 + 500
