"""The dashboard's entries, and the lists and deques that hold them, are out of the cyclic
collector's sight (`gc_pause.untrack`): a full collection no longer walks a million
entries (measured: 255-270 ms a full pass under the `live` flood before, 55-66 ms after).

What makes that safe is tested too: an entry refers only to strings, ints and None (so it
can never be part of a cycle), and reference counting alone frees what the store lets go.
"""

from __future__ import annotations

import gc
import re
import time
import tracemalloc
from pathlib import Path

import pytest
from dashboard_support import wait_for
from test_equality_corpus import corpus

from logtui import gc_pause
from logtui.models import LogEntry
from logtui.reader import StreamReader
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui import create_app
from logtui.tui.search_job import Snapshot
from logtui.tui.store import Filter, FilteredView, LogStore

ATOMIC = (str, int, type(None))


def entry(name: str, i: int, level: str = "INFO") -> LogEntry:
    stamp = f"2025-08-16T14:30:{i // 1_000_000 % 60:02d}.{i % 1_000_000:06d}000Z"
    return LogEntry.of_line(name, level, f"{stamp} line {i} of {name}", "stdout", 31)


def slot_values(e: LogEntry) -> list[object]:
    return [getattr(e, name) for name in LogEntry.__slots__]


def test_untrack_takes_objects_out_of_the_collectors_sight() -> None:
    entries = [entry("a", i) for i in range(10)]
    holder: list[LogEntry] = list(entries)
    assert all(map(gc.is_tracked, entries)) and gc.is_tracked(holder)
    gc_pause.untrack([*entries, holder])
    assert not any(map(gc.is_tracked, entries)) and not gc.is_tracked(holder)
    gc_pause.untrack(entries)  # again: nothing happens
    assert not any(map(gc.is_tracked, entries))
    assert not any(o is holder or isinstance(o, LogEntry) for o in gc.get_objects())


def test_without_the_c_api_untrack_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gc_pause, "_UNTRACK", None)
    entries = [entry("a", i) for i in range(3)]
    gc_pause.untrack(entries)
    assert all(map(gc.is_tracked, entries))


@pytest.mark.parametrize("podman", [False, True])
def test_parsed_entries_refer_only_to_atomic_values(podman: bool) -> None:
    """What `untrack` relies on: an entry can never be part of a cycle. Over the equality
    corpus (tracebacks, JSON, CRLF, invalid UTF-8, masked secrets, both stamp forms), by
    the reader and through a parse worker's columns."""
    made: list[LogEntry] = []
    for stream, data in zip(("stdout", "stderr"), corpus(podman), strict=True):
        reader = StreamReader("api", stream, True)
        for at in range(0, len(data), 7_000):
            made += reader.feed(data[at : at + 7_000])
        made += reader.close()
    rebuilt = LogEntry.from_columns("api", "stdout", LogEntry.columns(made))
    assert len(made) > 300
    for e in made + rebuilt:
        assert all(isinstance(value, ATOMIC) for value in slot_values(e)), slot_values(e)
    assert not any(map(gc.is_tracked, rebuilt))  # built for the dashboard, which keeps them


def test_what_the_store_and_its_views_keep_is_untracked() -> None:
    store = LogStore(max_lines_per_container=500)
    for i in range(0, 1_200, 100):
        for name in ("a", "b"):
            batch = [entry(name, j, "ERROR" if j % 7 == 0 else "INFO") for j in range(i, i + 100)]
            assert all(map(gc.is_tracked, batch))
            store.add(name, batch)
    everything = FilteredView()
    everything.rebuild(store)  # the kept merge's own rows
    errors = FilteredView()
    errors.rebuild(store, Filter(min_level="ERROR"))  # its own list, a mask of them
    merged = store.merged(None)
    solo = store.merged(["a"])
    solo.ranked_rows()  # rows built, shown by no view
    holders = [
        solo.rows,
        *store.buffers.values(),
        *store.errors.values(),
        merged.entries,
        merged.rows,
        errors.rows,
    ]
    assert not any(map(gc.is_tracked, holders))
    snapshot = Snapshot.take(store, Filter(pattern=re.compile("line")))  # a search's copies
    assert len(snapshot.parts) == 2 and not any(gc.is_tracked(p.entries) for p in snapshot.parts)
    kept = [e for holder in holders for e in holder]
    assert len(kept) > 2_000 and not any(map(gc.is_tracked, kept))
    tracked = {id(o) for o in gc.get_objects()}
    assert not any(id(e) in tracked for e in kept)


def test_what_the_store_lets_go_is_freed_without_the_collector() -> None:
    """Untracked entries are freed by reference counting alone: with the collector off,
    memory comes back when the line limit evicts them and when the store is cleared."""
    was = gc.isenabled()
    gc.disable()
    tracemalloc.start()
    try:
        store = LogStore(max_lines_per_container=2_000)
        view = FilteredView()
        view.rebuild(store)
        base = tracemalloc.get_traced_memory()[0]
        for i in range(0, 40_000, 1_000):
            evicted = store.add("a", [entry("a", j) for j in range(i, i + 1_000)])
            view.add(store.entries()[-1_000:])
            view.remove(evicted)
            del evicted
            store.merged(None)  # the kept merge drops them too
        full = tracemalloc.get_traced_memory()[0] - base
        store.clear()
        view.rebuild(store)
        cleared = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
        if was:
            gc.enable()
    one = len(entry("a", 0).raw_line) + 88  # the entry and its line, at least
    assert full < 4 * 2_000 * one * 2  # 2,000 held, not 40,000
    assert cleared < 200 * one, cleared


async def test_the_dashboard_keeps_no_entry_the_collector_walks(tmp_path: Path) -> None:
    """Through the parse workers, a level key and a search: no entry the dashboard holds,
    and no list or deque of them, is among the objects a full collection walks."""
    start = time.time() - 600
    containers = []
    for name in ("api", "worker"):
        container = ScriptedContainer(name=name, image=f"example/{name}:1")
        for i in range(400):
            level = "ERROR" if i % 9 == 0 else "INFO"
            container.write(f"[{level}] {name} request {i} done", ts=start + i * 0.5)
        containers.append(container)
    async with SimulatedHost(containers, poll_interval=0.05) as sim:
        app = create_app(sim.settings(audit_log=tmp_path / "audit.jsonl"), poll_interval=0.3)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.store.received == 800)
            await pilot.press("e")
            await wait_for(pilot, lambda: 0 < len(app.log_pane.view.rows) < 800)
            await pilot.press("a")
            await pilot.press("slash", *"request 1", "enter")
            await wait_for(pilot, lambda: app.log_pane.view.rows and not app.log_pane.view.searching)
            store, view = app.store, app.log_pane.view
            assert sum(map(len, store.buffers.values())) == 800
            walked = {id(o) for o in gc.get_objects()}
            assert not any(id(e) in walked for buffer in store.buffers.values() for e in buffer)
            holders = [*store.buffers.values(), *store.errors.values(), view.rows]
            for merged in store._merged.values():
                holders += [merged.entries] + ([merged.rows] if merged.rows is not None else [])
            assert len(holders) >= 6 and not any(id(h) in walked for h in holders)
