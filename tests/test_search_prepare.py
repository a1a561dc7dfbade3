"""A big store's Polars blocks are built while the user types, on a worker thread: the first
search only scans, and its rows are exactly today's (testing every entry), also when entries
arrive and go in between and when the search is submitted mid-preparation."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import structlog
from dashboard_support import app_factory, wait_for
from test_search_blocks import entry, expected_rows, message, run

from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui import search_job, search_prepare, search_rust
from logtui.tui.app import LogtuiApp
from logtui.tui.search_job import SearchCaches, Snapshot
from logtui.tui.search_text import compile_search
from logtui.tui.search_view import interactive
from logtui.tui.store import Filter, LogStore

pytest.importorskip("polars")

SEARCHES = ["timeout", "TIMEOUT|refused", "id", "k9", "strasse", r"time(out|d out)", r"\bid\b", r"st.p"]


def filled(rng: random.Random, size: int = 300, limit: int = 200) -> LogStore:
    store = LogStore(max_lines_per_container=limit)
    for name in "ab":
        store.add(name, [entry(name, i / 3, "INFO", message(rng)) for i in range(size)])
    return store


def built(caches: SearchCaches) -> int:
    return sum(len(b.blocks) for b in caches.blocks.values())


@pytest.mark.parametrize("seed", range(3))
def test_prepared_blocks_give_the_rows_of_an_unprepared_search(seed: int, monkeypatch) -> None:
    """Blocks built on another thread from a snapshot, then entries arrive (evicting old
    ones): each search finds what testing every entry finds, as one without preparation."""
    monkeypatch.setattr(search_job, "RUST_LITERAL_MIN", 10)
    monkeypatch.setattr(search_rust, "BLOCK", [7, 16, 64][seed])
    rng = random.Random(seed)
    store = filled(rng)
    caches = SearchCaches(texts=store._texts)
    try:
        assert search_prepare.big(store, Filter())
        snapshot = Snapshot.take(store, Filter())
        done: list[bool] = []
        worker = threading.Thread(
            target=lambda: done.append(search_prepare.prepare_blocks(snapshot, caches, threading.Event()))
        )
        worker.start()
        worker.join(30)
        assert done == [True] and built(caches) > 0 and not caches.lock.locked()
        made = [b for r in caches.blocks.values() for b in r.blocks.values()]
        assert all(b._made is not None and search_prepare.FOLD in b.trapped for b in made)  # cut too
        for name in "ab":  # arrivals after the snapshot: some blocks are evicted, some new
            store.add(
                name, [entry(name, 200 + i / 3, "INFO", message(rng)) for i in range(rng.randint(1, 90))]
            )
        for text in SEARCHES:
            pattern, _ = compile_search(text)
            chosen = Filter(rng.choice([None, "a"]), "DEBUG", pattern)
            outcome = run(store, chosen, caches)
            assert outcome.engine == "rust"
            assert [id(e) for e in outcome.rows] == expected_rows(store, chosen), text
            fresh = SearchCaches(texts={})
            assert [id(e) for e in run(store, chosen, fresh).rows] == [id(e) for e in outcome.rows]
            fresh.process.close()
    finally:
        caches.process.close()


def test_a_search_submitted_mid_preparation_cancels_it_and_reuses_its_blocks(monkeypatch) -> None:
    """The search cancels the preparation (checked between blocks) instead of waiting for all
    of it, takes the lock once it lets go, and builds only the blocks still missing."""
    monkeypatch.setattr(search_job, "RUST_LITERAL_MIN", 10)
    monkeypatch.setattr(search_rust, "BLOCK", 4)
    store = filled(random.Random(5), size=200)
    caches = SearchCaches(texts=store._texts)
    cancel, reached = threading.Event(), threading.Event()
    made = 0
    original = search_rust.RegexBlocks.block

    def slow_block(self, first, entries, base):  # type: ignore[no-untyped-def]
        nonlocal made
        made += 1
        if made == 5:
            reached.set()
        time.sleep(0.01)
        return original(self, first, entries, base)

    monkeypatch.setattr(search_rust.RegexBlocks, "block", slow_block)
    done: list[bool] = []
    snapshot = Snapshot.take(store, Filter())
    worker = threading.Thread(
        target=lambda: done.append(search_prepare.prepare_blocks(snapshot, caches, cancel))
    )
    try:
        worker.start()
        assert reached.wait(10)
        cancel.set()  # what `SearchRunner.start` does
        pattern, _ = compile_search("timeout|id")
        chosen = Filter(pattern=pattern)
        monkeypatch.setattr(search_rust.RegexBlocks, "block", original)
        outcome = run(store, chosen, caches)
        worker.join(10)
        assert done == [False]  # it stopped early: 100 blocks in all, not all made by it
        assert 5 <= made < 100
        assert [id(e) for e in outcome.rows] == expected_rows(store, chosen)
    finally:
        cancel.set()
        worker.join(10)
        caches.process.close()


# -- in the dashboard ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def quiet_logs() -> AsyncIterator[None]:
    with structlog.testing.capture_logs():
        yield


@pytest.fixture
async def host() -> AsyncIterator[SimulatedHost]:
    start = time.time() - 600
    app = ScriptedContainer(name="app", image="example/app:1")
    rng = random.Random(11)
    for i in range(60):
        app.write(f"[INFO] {message(rng)} {i}".replace("\n", " "), "stdout", ts=round(start + i, 3))
    async with SimulatedHost([app], poll_interval=0.05) as sim:
        yield sim


@pytest.fixture
def make_app(host: SimulatedHost, tmp_path: Path) -> Callable[..., LogtuiApp]:
    return app_factory(host, tmp_path)


def block_threads(monkeypatch) -> list[str]:
    """The names of the threads that make blocks (recorded from now on)."""
    threads: list[str] = []
    original = search_rust.Block.__init__

    def init(self, first, entries):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        original(self, first, entries)

    monkeypatch.setattr(search_rust.Block, "__init__", init)
    return threads


async def test_the_search_box_builds_a_big_stores_blocks_off_the_ui_thread(make_app, monkeypatch) -> None:
    monkeypatch.setattr(search_job, "RUST_LITERAL_MIN", 30)
    monkeypatch.setattr(search_rust, "BLOCK", 8)
    threads = block_threads(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.store.size == 60)
        runner = app.search_runner
        assert runner is not None
        await pilot.press("slash")
        await wait_for(pilot, lambda: sum(len(b.blocks) for b in runner.blocks.values()) == 8)
        await wait_for(pilot, lambda: not runner.busy)
        assert threads and threading.main_thread().name not in threads
        assert app.store._texts == {}  # no lower-cased text built on the UI thread
        made = len(threads)
        pattern, _ = compile_search("timeout")
        expected = expected_rows(app.store, Filter(pattern=pattern))
        await pilot.press(*"timeout", "enter")
        await wait_for(pilot, lambda: not runner.running)
        assert [id(e) for e in app.log_pane.view.rows] == expected and expected
        assert len(threads) == made  # the search only scanned
        await pilot.press("slash", "escape", "escape")  # the search cleared: its blocks go
        await wait_for(pilot, lambda: app.search_text == "")
        assert runner.blocks == {}


async def test_a_search_submitted_while_the_box_prepares_is_exact(make_app, monkeypatch) -> None:
    monkeypatch.setattr(search_job, "RUST_LITERAL_MIN", 30)
    monkeypatch.setattr(search_rust, "BLOCK", 4)
    gate = threading.Event()
    cut = search_prepare._cut
    monkeypatch.setattr(search_prepare, "_cut", lambda block: (gate.wait(10), cut(block)))
    outcomes: list[bool] = []
    prepare = search_prepare.prepare_blocks

    def recorded(*args):  # type: ignore[no-untyped-def]
        outcomes.append(prepare(*args))
        return outcomes[-1]

    monkeypatch.setattr(search_prepare, "prepare_blocks", recorded)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.store.size == 60)
        runner = app.search_runner
        assert runner is not None
        await pilot.press("slash")
        await wait_for(pilot, lambda: runner.busy)  # the preparation holds the caches
        pattern, _ = compile_search("id|timeout")
        expected = expected_rows(app.store, Filter(pattern=pattern))
        await pilot.press(*"id|timeout", "enter")
        gate.set()
        await wait_for(pilot, lambda: not runner.running)
        assert outcomes == [False]  # cancelled by the search
        assert [id(e) for e in app.log_pane.view.rows] == expected and expected


async def test_a_small_store_still_prepares_its_literal_text(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.store.size == 60)
        await pilot.press("slash")
        await wait_for(pilot, lambda: app._preparing is None)
        assert set(app.store._texts) == {"app"} and app.search_runner.blocks == {}


def teardown_module() -> None:
    interactive.close()
