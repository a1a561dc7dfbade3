"""The dashboard's search cannot hang it: a worker thread, Rust's linear engine, and `re` in a
process that is killed on cancel or past its budget; live lines and highlights too.

Against the in-process simulated host over real SSH, driven by keys (`App.run_test`). With
the search on the UI thread (before), each catastrophic pattern here froze the app for
minutes: these tests then timed out.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import structlog
from dashboard_support import app_factory, wait_for
from textual.pilot import Pilot

from logtui.models import LogEntry
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui import search_job
from logtui.tui.app import LogtuiApp
from logtui.tui.search_view import interactive
from logtui.tui.store import Filter, FilteredView, compile_search

BACKTRACKS = "a" * 32 + "b"
"""`(a+)+` tries 2^32 ways to split these a's before giving up on the b."""
CATASTROPHIC = "(a+)+(?!x)$"
"""Backtracks on BACKTRACKS; the look-ahead keeps it in Python's engine (Rust has none)."""


@pytest.fixture(autouse=True)
def quiet_logs() -> Any:
    with structlog.testing.capture_logs():
        yield


@pytest.fixture
async def host() -> AsyncIterator[SimulatedHost]:
    """`app` with ordinary lines; `hog` with lines a backtracking regex chokes on."""
    start = time.time() - 60
    app = ScriptedContainer(name="app", image="example/app:1")
    for i in range(20):
        app.write(f"[INFO] request {i} served", "stdout", ts=round(start + i, 3))
    app.write("[ERROR] upstream timeout after 30s", "stderr", ts=round(start + 21, 3))
    app.write("[INFO] the pool timed out waiting", "stdout", ts=round(start + 22, 3))
    hog = ScriptedContainer(name="hog", image="example/hog:1")
    for i in range(5):
        hog.write(BACKTRACKS, "stdout", ts=round(start + 30 + i, 3))
    async with SimulatedHost([app, hog], poll_interval=0.05) as sim:
        yield sim


@pytest.fixture
def make_app(host: SimulatedHost, tmp_path: Path) -> Callable[..., LogtuiApp]:
    return app_factory(host, tmp_path)


def loaded(app: LogtuiApp) -> bool:
    return app.store.size == 27


def messages(app: LogtuiApp) -> list[str]:
    return [e.message for e in app.log_pane.view.unique_entries()]


def told(app: LogtuiApp, words: str) -> bool:
    return any(words in str(n.message) for n in app._notifications)


async def search(pilot: Pilot, text: str) -> None:
    await pilot.press("slash", *text, "enter")


async def answers_keys(pilot: Pilot, app: LogtuiApp) -> None:
    """A key is handled, and its effect shows, within half a second."""
    before = app.log_pane.wrap
    started = time.monotonic()
    await pilot.press("W")
    await wait_for(pilot, lambda: app.log_pane.wrap != before, timeout=0.5)
    assert time.monotonic() - started < 1.0


async def test_a_backtracking_search_runs_aside_and_esc_cancels_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        await search(pilot, CATASTROPHIC)
        await wait_for(pilot, lambda: app.search_runner is not None and app.search_runner.running)
        await pilot.pause(0.3)  # the `re` child is deep in the a's by now
        assert app.search_runner.running and "searching…" in app.status_text().plain
        await answers_keys(pilot, app)
        await answers_keys(pilot, app)
        kills = app.search_runner.process.kills
        await pilot.press("escape")
        await wait_for(pilot, lambda: told(app, "search cancelled"))
        assert not app.search_runner.running and app.search_text == ""
        assert app.search_runner.process.kills == kills + 1  # the child stopped at once
        assert len(app.log_pane.view) == 27  # every line is back


async def test_a_new_search_replaces_a_backtracking_one(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        await search(pilot, CATASTROPHIC)
        await pilot.pause(0.3)
        await search(pilot, "time(out|d out)")
        await wait_for(pilot, lambda: not app.search_runner.running)
        assert messages(app) == ["upstream timeout after 30s", "the pool timed out waiting"]
        assert app.search_runner.process.kills >= 1
        await answers_keys(pilot, app)


async def test_lines_re_chokes_on_are_skipped_and_the_user_told(make_app, monkeypatch) -> None:
    """Each slice of lines gets `SLICE_S`: the hog's slice is skipped, the rest searched."""
    monkeypatch.setattr(search_job, "SLICE_S", 0.5)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        await search(pilot, "(served|a+)+(?!x)$")  # finds the "served" lines, chokes on the a's
        await wait_for(pilot, lambda: told(app, "did not finish"), timeout=6)
        note = next(str(n.message) for n in app._notifications if "did not finish" in str(n.message))
        assert "22 of 27 entries searched, 20 found, 5 skipped (over 0.5 s a slice)." in note
        assert "stopped: 22 of 27 entries searched" in app.status_text().plain
        assert len(messages(app)) == 20 and all(m.endswith("served") for m in messages(app))
        await answers_keys(pilot, app)


async def test_past_its_budget_a_search_stops(make_app, monkeypatch) -> None:
    monkeypatch.setattr(search_job, "BUDGET_S", 0.5)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        await search(pilot, CATASTROPHIC)
        await wait_for(pilot, lambda: told(app, "stopped after 0.5 s"), timeout=6)
        assert "stopped:" in app.status_text().plain and not app.search_runner.running
        await answers_keys(pilot, app)


async def test_live_lines_under_a_fallback_pattern_are_searched_aside(make_app, host) -> None:
    """Live lines go through `re` in the UI's child: matching ones show; a line it chokes on
    costs at most `LIVE_S` once, then the pattern gives up on live lines and says so."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        await search(pilot, "(?<!no )timeout")  # look-behind: Python's engine
        await wait_for(pilot, lambda: not app.search_runner.running)
        assert messages(app) == ["upstream timeout after 30s"]
        apps = host.docker.containers["app"]
        apps.write("[ERROR] another timeout", "stderr")
        apps.write("[INFO] no timeout here", "stdout")
        await wait_for(pilot, lambda: len(messages(app)) == 2)
        assert messages(app)[-1] == "another timeout"
        await search(pilot, "(a+)+(?<!x)$")
        await wait_for(pilot, lambda: not app.search_runner.running, timeout=12)
        host.docker.containers["hog"].write(BACKTRACKS, "stdout")
        started = time.monotonic()
        await wait_for(pilot, lambda: told(app, "no longer searched"))
        assert time.monotonic() - started < 3
        await answers_keys(pilot, app)


async def test_highlights_and_next_match_never_backtrack_on_the_ui_thread(make_app, host) -> None:
    """`(a+)+$` runs in Rust: the search, the highlight of `aaaa…ab aaaa` (which `re` would
    scan from every a of the first run) and `n` all finish at once."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        host.docker.containers["hog"].write(f"{BACKTRACKS} aaaa", "stdout")
        await wait_for(pilot, lambda: app.store.size == 28)
        started = time.monotonic()
        await search(pilot, "(a+)+$")
        await wait_for(pilot, lambda: not app.search_runner.running)
        assert messages(app) == [f"{BACKTRACKS} aaaa"]
        await pilot.press("n")
        assert app.log_pane.cursor_row == 0
        row = app.log_pane.render_line(0)
        lit = [s.text for s in row if s.style and s.style.bgcolor and s.style.bgcolor.name == "yellow"]
        assert lit == ["aaaa"]
        assert time.monotonic() - started < 3


def bulk_entry(part: int, i: int) -> LogEntry:
    """Entry i of 200,000 in container `bulk{part}`: some repeat a stamp, some are coloured."""
    ts = f"2025-08-16T14:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i // 2 % 500:03d}000"
    message = f"worker {i} {'timed out' if i % 13 == 0 else 'ok'} on \x1b[31mshard {i % 97}\x1b[0m"
    level = "ERROR" if i % 7 == 0 else "INFO"
    return LogEntry(f"bulk{part}", ts, level, message, f"{ts}Z {message}", "stdout", ts + "000Z")


async def test_a_regex_over_200k_entries_completes_off_the_ui_thread_and_equals_testing_each(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        for part in range(4):  # 4 x 50,000 (the per-container limit), interleaved in time
            app.store.add(f"bulk{part}", [bulk_entry(part, i) for i in range(part, 200_000, 4)])
        assert app.store.size == 200_027
        pattern, _ = compile_search(r"time[ds]? out.*shard 4\d\b")
        expected = FilteredView()
        expected.rebuild(app.store, Filter(pattern=pattern))  # the old answer, testing each
        await search(pilot, r"time[ds]? out.*shard 4\d\b")
        await answers_keys(pilot, app)
        await wait_for(pilot, lambda: not app.search_runner.running, timeout=30)
        assert len(expected.rows) > 1000 and len(expected.rows) < 200_000
        assert [id(e) for e in app.log_pane.view.rows] == [id(e) for e in expected.rows]
        await pilot.press("e")  # errors only: searched again, and equal again
        await wait_for(pilot, lambda: not app.search_runner.running, timeout=30)
        expected.rebuild(app.store, Filter(min_level="ERROR", pattern=pattern))
        assert [id(e) for e in app.log_pane.view.rows] == [id(e) for e in expected.rows]


def teardown_module() -> None:
    interactive.close()


FREED_SCRIPT = """
import asyncio, gc, sys, tempfile, time, weakref
from pathlib import Path
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui import create_app

async def main():
    box = ScriptedContainer(name="app", image="example/app:1")
    for i in range(50):
        text = f"[INFO] request {i} timed out" if i % 7 else f"[INFO] served {i}"
        box.write(text, "stdout", ts=time.time() - 60 + i)
    async with SimulatedHost([box], poll_interval=0.05) as host:
        folder = Path(tempfile.mkdtemp())
        app = create_app(host.settings(audit_log=folder / "audit.jsonl"), export_dir=folder)
        async with app.run_test() as pilot:
            while app.store.size < 50:
                await pilot.pause(0.05)
            await pilot.press("slash", *"time(out|d out)", "enter")
            while app.log_pane.view.searching or not app.log_pane.view.rows:
                await pilot.pause(0.05)
        return weakref.ref(app)

gone = asyncio.run(main())
for _ in range(100):
    gc.collect()
    if gone() is None:
        break
    time.sleep(0.05)
print("freed" if gone() is None else "alive")
"""


def test_a_closed_dashboard_is_freed_after_a_search() -> None:
    """In a fresh interpreter (as the bench runs its suites, one after another): the app
    that searched with Rust's engine and quit is freed. Its scan threads kept it, with
    every entry it read, for the life of the process (found with the bench: 440k entries
    still held after the keys suite): a thread keeps the `sys.stderr` of its start, which
    Textual points at the running app."""
    out = subprocess.run([sys.executable, "-c", FREED_SCRIPT], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1:] == ["freed"], out.stderr[-2000:]


async def test_the_scan_threads_end_with_the_app(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: loaded(app))
        await search(pilot, "time(out|d out)")
        await wait_for(pilot, lambda: not app.log_pane.view.searching and len(messages(app)) == 2)
        assert scanning_threads(), "the search ran on the scan threads"
    deadline = time.monotonic() + 5
    while scanning_threads() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not scanning_threads()


def scanning_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("logtui-scan")]
