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
