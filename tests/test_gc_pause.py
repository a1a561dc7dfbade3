"""`collector_paused`: no cyclic collection inside, the collector as it was afterwards (also
after an exception, and when it was off already); an error summary leaves it so."""

from __future__ import annotations

import gc
import sys
import threading

import pytest

from logtui.analysis import error_summary
from logtui.gc_pause import collector_paused
from logtui.models import LogEntry


@pytest.fixture
def collector_state():
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_inside_and_as_it_was_after(enabled: bool, collector_state) -> None:
    (gc.enable if enabled else gc.disable)()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled() is enabled


def test_overlapping_pauses_end_with_the_collector_as_it_was(collector_state) -> None:
    """Two pauses that overlap (two threads): off until the last ends, in either order."""
    gc.enable()
    for first_to_end in (0, 1):
        pauses = [collector_paused(), collector_paused()]
        for pause in pauses:
            pause.__enter__()
        pauses[first_to_end].__exit__(None, None, None)
        assert not gc.isenabled()
        pauses[1 - first_to_end].__exit__(None, None, None)
        assert gc.isenabled()


def test_pauses_from_many_threads_leave_the_collector_on(collector_state) -> None:
    """Found by the attack pass: a pause that began while another ended could read "off",
    then switch it off for good."""
    gc.enable()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as CPython allows

    def pause_often() -> None:
        for _ in range(5_000):
            with collector_paused():
                pass

    try:
        threads = [threading.Thread(target=pause_often) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert gc.isenabled()


def test_no_collection_runs_during_a_summary(collector_state) -> None:
    """A summary allocating thousands of containers starts no collection while it runs:
    at most the one their count starts when the collector resumes (without the pause: one
    every 700 allocations)."""
    gc.enable()
    passes: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            passes.append(info["generation"])

    entries = [
        LogEntry("api", f"2025-01-01T00:00:{i % 60:02d}.{i:06d}", "CRITICAL", f"disk {i} failed", f"x {i}")
        for i in range(20_000)
    ]
    gc.callbacks.append(seen)
    try:
        summary = error_summary({"api": entries}, 1.0)
    finally:
        gc.callbacks.remove(seen)
    assert len(passes) <= 1, passes
    assert len(summary["critical_issues"]) == 20_000 and gc.isenabled()


def _collections_during(work) -> tuple[list[int], object]:
    """The generations of the collections that start while `work()` runs, and its result."""
    passes: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        result = work()
    finally:
        gc.callbacks.remove(seen)
    return passes, result


def test_entries_built_from_a_workers_columns_start_no_collection(collector_state) -> None:
    """The dashboard builds each chunk's entries from a parse worker's columns on its UI
    thread: 20,000 new entries start at most the one collection their count starts when
    the collector resumes (without the pause: one every 700 allocations)."""
    gc.enable()
    lines = [f"2025-01-01T00:00:00.{i:09d}Z request {i} served" for i in range(20_000)]
    columns = (["INFO"] * len(lines), lines, [31] * len(lines), [None] * len(lines), [None] * len(lines))
    passes, entries = _collections_during(lambda: LogEntry.from_columns("api", "stdout", columns))
    assert len(passes) <= 1, passes
    assert [e.message for e in entries[:2]] == ["request 0 served", "request 1 served"]
    assert len(entries) == 20_000 and gc.isenabled()


def test_a_chunk_parsed_starts_no_collection(collector_state) -> None:
    """`StreamReader.feed` (in a parse worker, or in-process for the CLI and the API) parses
    a chunk of 20,000 lines with the collector paused, and leaves it on."""
    from logtui.reader import StreamReader

    gc.enable()
    chunk = "".join(f"2025-01-01T00:00:00.{i:09d}Z level=info msg=served id={i}\n" for i in range(20_000))
    reader = StreamReader("api", "stdout", mask=True)
    passes, entries = _collections_during(lambda: reader.feed(chunk.encode()))
    assert len(passes) <= 1, passes
    assert len(entries) + len(reader.close()) == 20_000 and gc.isenabled()
