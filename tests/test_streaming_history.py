"""History read as a stream (`logtui.history`, `time_merge`, `spill`, `json_lines`, the CLI's
`logs`/`container`/`save`/`errors`): the same entries, order and bytes as collecting
everything first, with memory bounded by spilling to a private temporary file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scripted import config_free_env, running_host, write_client_files

from logtui import export, history, spill
from logtui.json_lines import json_lines
from logtui.models import LogEntry
from logtui.parser import merge_by_time, time_key
from logtui.remote import RemoteDocker
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.spill import SpillQueue
from logtui.textsafe import json_for_terminal
from logtui.time_merge import TimeMerge

# -- entries of every shape the parser makes ------------------------------------------------

_STAMPS = st.one_of(
    st.builds(  # Docker's fixed nanosecond form
        lambda s, n: f"2025-08-16T14:30:{s:02d}.{n:09d}Z", st.integers(0, 3), st.integers(0, 3)
    ),
    st.builds(lambda s: f"2025-08-16T14:30:{s:02d}Z", st.integers(0, 3)),  # podman: whole seconds
    st.builds(lambda s: f"2025-08-16T16:30:{s:02d}.5+02:00", st.integers(0, 3)),  # an offset
    st.just(""),  # a line without a stamp
)


def _entry(stamp: str, text: str, stream: str, container: str = "c") -> LogEntry:
    from logtui.parser import to_iso

    raw = f"{stamp} {text}" if stamp else text
    return LogEntry(container, to_iso(stamp), "INFO", text, raw, stream, stamp)


_ENTRY_LISTS = st.lists(
    st.lists(st.tuples(_STAMPS, st.text(max_size=8)), max_size=25), min_size=1, max_size=4
)


def _sources(specs: list[list[tuple[str, str]]]) -> list[list[LogEntry]]:
    return [[_entry(ts, t, f"s{i}", f"c{i}") for ts, t in spec] for i, spec in enumerate(specs)]


@settings(max_examples=300, deadline=None)
@given(
    specs=_ENTRY_LISTS,
    cuts=st.lists(st.integers(0, 6), max_size=60),
    spill_at=st.sampled_from([0, 150, 1 << 20]),
    in_order=st.booleans(),
)
def test_the_streaming_merge_equals_merge_by_time_however_the_batches_come(
    specs: list[list[tuple[str, str]]], cuts: list[int], spill_at: int, in_order: bool
) -> None:
    """Sources in any order (sorted or not, ties, mixed stamp forms), cut into batches at
    random, added in a random interleaving with `ready` asked at random moments: the
    output is exactly `merge_by_time` of the whole sources, spilled or not. `in_order`:
    each source in time order, as docker writes them (the merge's fast path)."""
    sources = _sources(specs)
    if in_order:
        sources = [sorted(source, key=time_key) for source in sources]
    want = merge_by_time(*sources)
    merge = TimeMerge(len(sources), memory_bytes=spill_at)
    for source in merge._sources:
        source.queue.segment_bytes = 100  # several segments in the file
    at = [0] * len(sources)
    got: list[LogEntry] = []
    for turn, cut in enumerate(cuts):
        i = turn % len(sources)
        if at[i] < len(sources[i]):
            merge.add(i, sources[i][at[i] : at[i] + cut])
            at[i] += cut
            if at[i] >= len(sources[i]) and cut % 2:
                merge.end(i)
        got += merge.ready(most=1 + cut)
    for i, source in enumerate(sources):
        if not merge._sources[i].ended:
            merge.add(i, source[at[i] :])
            merge.end(i)
        got += merge.ready()
    while batch := merge.ready():
        got += batch
    assert got == want  # every field, container and stream included
    if spill_at == 1 << 20:  # nothing spilled: the very same objects
        assert [id(e) for e in got] == [id(e) for e in want]
    assert merge.finished
    merge.close()


def test_nothing_is_decided_while_a_source_that_may_still_send_is_empty() -> None:
    merge = TimeMerge(2)
    merge.add(0, [_entry("2025-08-16T14:30:05.000000000Z", "late", "stdout")])
    assert merge.ready() == []  # stderr might still send something older
    merge.add(1, [_entry("2025-08-16T14:30:01.000000000Z", "early", "stderr")])
    assert [e.message for e in merge.ready()] == ["early"]  # the later one waits again
    merge.end(1)
    assert [e.message for e in merge.ready()] == ["late"]


def test_a_spill_queue_keeps_every_field_and_its_file_is_private_and_unlinked() -> None:
    entries = [
        LogEntry.of_line("web", "ERROR", "2025-08-16T14:30:22.123456789Z [ERROR] boom", "stderr", 39),
        LogEntry(
            "web",
            "2025-08-16T12:30:22.000000",
            "INFO",
            "other text",
            "raw\nlines",
            "stdout",
            "2025-08-16T14:30:22+02:00",
        ),
        LogEntry("db", "", "WARNING", "no stamp", "no stamp", "stdout", ""),
    ] * 50
    queue = SpillQueue(memory_bytes=0, segment_bytes=64)
    for i in range(0, len(entries), 7):
        queue.append(entries[i : i + 7])
    assert queue.spilled > 0 and queue._file is not None
    info = os.fstat(queue._file.fileno())
    assert info.st_mode & 0o777 == 0o600 and info.st_nlink == 0
    out: list[LogEntry] = []
    while queue:
        out += queue.take(11)
    assert out == entries
    assert [(e.container_name, e.stream) for e in out] == [(e.container_name, e.stream) for e in entries]
    queue.close()


# -- bytes out --------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.tuples(st.text(), st.text(), st.text(max_size=5)), min_size=1, max_size=5))
def test_json_lines_are_the_bytes_json_dumps_writes(texts: list[tuple[str, str, str]]) -> None:
    """Hostile text included (quotes, controls, C1, line separators, lone surrogates)."""
    entries = [
        LogEntry(name or "c", "2025-08-16T14:30:22.000000", "ERROR", message, raw + message, "stderr", "")
        for message, raw, name in texts
    ]
    want = "".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in entries)
    assert json_lines(entries) == json_for_terminal(want)
    hosted = "".join(
        json.dumps({**e.to_dict(), "host": "h\u0085"}, ensure_ascii=False) + "\n" for e in entries
    )
    assert json_lines(entries, lambda e: "h\u0085") == json_for_terminal(hosted)


@pytest.mark.parametrize(
    "shape", [{}, {"a": []}, {"a": [], "b": []}, {"a": 1}, {"a": 3, "b": 0, "c\u2028": 2}]
)
def test_the_saved_file_written_as_a_stream_is_the_same_bytes(
    shape: dict[str, object], tmp_path: Path
) -> None:
    entry = LogEntry("a", "2025-08-16T14:30:22.000000", "INFO", 'say "hi"\n\tok', "raw\x1b[0m", "stdout", "")
    containers = {name: [entry.to_dict()] * (n if isinstance(n, int) else 0) for name, n in shape.items()}
    with mock.patch.object(export, "now_iso", return_value="2025-08-16T14:31:00.000000"):
        want = export.write_saved_file(containers, tmp_path / "whole.json").read_bytes()
        with export.atomic_file(tmp_path / "streamed.json") as handle:
            saved = export.SavedFileStream(handle)
            for name, entries in containers.items():
                saved.container(name)
                for one in entries:
                    saved.entries([one])
            saved.finish()
    assert (tmp_path / "streamed.json").read_bytes() == want
    assert (tmp_path / "streamed.json").stat().st_mode & 0o777 == 0o600


# -- over a real SSH server -------------------------------------------------------------------


def _chatty(name: str, lines: int, stderr_every: int, now: float) -> ScriptedContainer:
    """`lines` lines over the last hour; every `stderr_every`-th on stderr (0: none)."""
    c = ScriptedContainer(name)
    start = now - 3000
    for i in range(lines):
        stream = "stderr" if stderr_every and i % stderr_every == 0 else "stdout"
        level = "ERROR" if i % 97 == 0 else "INFO"
        c.write(f"[{level}] {name} line {i} " + "x" * (i % 40), stream, ts=start + i * 0.01)
    return c


@pytest.fixture
async def chatty_host() -> AsyncIterator[SimulatedHost]:
    now = time.time()
    containers = [_chatty("quiet-stderr", 6000, 0, now)]
    containers += [_chatty(name, 1500 + 300 * i, 3 + i, now) for i, name in enumerate(MERGED)]
    host = SimulatedHost(containers)
    await host.start()
    try:
        yield host
    finally:
        await host.stop()


MERGED = ["merge-a", "merge-b", "merge-c"]


async def test_log_batches_hand_on_history_before_it_ends_and_spill_what_waits(
    chatty_host: SimulatedHost,
) -> None:
    """A container that writes nothing to stderr: its stdout must wait for stderr's end,
    so with a small in-memory bound it goes through the file, and comes out whole."""
    spilled: list[int] = []
    real_close = spill.SpillQueue.close

    def close(queue: SpillQueue) -> None:
        spilled.append(queue.spilled)
        real_close(queue)

    with (
        mock.patch.object(spill, "MEMORY_BYTES", 20_000),
        mock.patch.object(spill, "SEGMENT_BYTES", 8_000),
        mock.patch.object(spill.SpillQueue, "close", close),
    ):
        async with RemoteDocker(chatty_host.settings()) as remote:
            batches = [b async for b in remote.log_batches("quiet-stderr")]
            spilled = [n for n in spilled if n]
            whole = await remote.logs("quiet-stderr")
    streamed = [e for b in batches for e in b]
    assert len(streamed) == 6000 and streamed == whole
    assert len(batches) > 1
    assert spilled, "the held stdout never went through the file"


async def test_logs_of_several_containers_merge_as_merge_by_time(chatty_host: SimulatedHost) -> None:
    names = MERGED
    async with RemoteDocker(chatty_host.settings(), max_parallel=2) as remote:  # some wait their turn
        merged = [e for _, b in [x async for x in history.merged_batches(remote, names, None)] for e in b]
        each = [x async for x in history.each_batches(remote, names, None)]
        whole = [await remote.logs(n) for n in names]
    assert merged == merge_by_time(*whole)
    # container by container, in order, each closed by an empty batch
    by_container: dict[int, list[LogEntry]] = {}
    order = []
    for index, batch in each:
        by_container.setdefault(index, []).extend(batch)
        if not batch:
            order.append(index)
    assert order == [0, 1, 2]
    assert [by_container[i] for i in range(3)] == whole


async def test_a_failing_container_fails_the_stream(chatty_host: SimulatedHost) -> None:
    async with RemoteDocker(chatty_host.settings()) as remote:
        with pytest.raises(RuntimeError, match="No such container"):
            [b async for b in history.merged_batches(remote, ["merge-a", "not-there"], None)]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "logtui", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("workers", ["0", "2"])
def test_the_cli_streams_the_same_json_errors_and_saved_file(tmp_path: Path, workers: str) -> None:
    """`container --json`, `logs --json`, `errors --json` and `save` against a real SSH
    server, parsing here or in parse processes: the same answers as the Python API."""
    import asyncio

    from logtui.analysis import error_summary

    now = time.time()
    containers = [_chatty("alpha", 3000, 4, now), _chatty("beta", 2000, 0, now), _chatty("gamma", 10, 1, now)]
    with running_host(containers) as host:
        env = config_free_env()
        env.update(write_client_files(host, tmp_path))
        env["LOGTUI_PARSE_WORKERS"] = workers

        async def fetch() -> dict[str, list[LogEntry]]:
            async with RemoteDocker(host.settings()) as remote:
                names = [c.name for c in await remote.list_containers()]  # docker ps order
                return {n: await remote.logs(n) for n in names}

        api = asyncio.run(fetch())
        summary = error_summary(api, 24)
        one = _cli(env, "container", "alpha", "24", "--json")
        assert one.returncode == 0, one.stderr
        assert one.stdout == json_lines(api["alpha"])
        every = _cli(env, "logs", "24", "--json")
        assert every.returncode == 0, every.stderr
        assert every.stdout == json_lines(merge_by_time(*api.values()))
        errors = _cli(env, "errors", "24", "--json")
        assert errors.returncode == 0, errors.stderr
        got = json.loads(errors.stdout)
        for key in ("total_containers", "containers_with_errors", "total_error_entries", "error_breakdown"):
            assert got[key] == summary[key], key
        saved = _cli(env, "save", "24", "--output", str(tmp_path / "saved.json"), "--json")
        assert saved.returncode == 0, saved.stderr
        document = json.loads((tmp_path / "saved.json").read_text())
        assert document["containers"] == {n: [e.to_dict() for e in es] for n, es in api.items()}
        assert json.loads(saved.stdout)["entries"] == sum(len(es) for es in api.values())
