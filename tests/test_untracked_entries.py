"""The dashboard's entries, and the lists and deques that hold them, are out of the cyclic
collector's sight (`gc_pause.untrack`): a full collection no longer walks a million
entries (measured: 200-270 ms a full pass under the `live` flood before, 50-65 ms after).

What makes that safe is tested too: an entry refers only to strings, ints and None (so it
can never be part of a cycle), the store takes nothing else, and reference counting alone
frees what the store lets go. And `untrack` cannot crash the interpreter (an attack pass
found two ways; each crash runs in a child process here).
"""

from __future__ import annotations

import gc
import re
import subprocess
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest
from dashboard_support import wait_for
from test_equality_corpus import corpus

from logtui import gc_pause
from logtui.models import LogEntry
from logtui.reader import StreamReader
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui import create_app
from logtui.tui._hosted import HostedName
from logtui.tui.search_job import Snapshot
from logtui.tui.store import Filter, FilteredView, LogStore

ATOMIC = (str, int, type(None))
"""Exactly these types: a str subclass could hold anything in its `__dict__`."""


def entry(name: str, i: int, level: str = "INFO") -> LogEntry:
    stamp = f"2025-08-16T14:30:{i // 1_000_000 % 60:02d}.{i % 1_000_000:06d}000Z"
    return LogEntry.of_line(name, level, f"{stamp} line {i} of {name}", "stdout", 31)


def slot_values(e: LogEntry) -> list[object]:
    return [getattr(e, name) for name in LogEntry.__slots__]


def plain(e: LogEntry) -> bool:
    """A plain entry whose slots hold exactly str, int or None; among several hosts, the
    container's `HostedName` (a str subclass) holds only its two strings."""
    for value in slot_values(e):
        if type(value) is HostedName:
            if set(vars(value)) != {"host", "key"} or not all(type(v) is str for v in vars(value).values()):
                return False
        elif type(value) not in ATOMIC:
            return False
    return type(e) is LogEntry


def in_child(code: str) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter (a crash there is an exit status here)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_untrack_takes_objects_out_of_the_collectors_sight() -> None:
    entries = [entry("a", i) for i in range(10)]
    holder: list[LogEntry] = list(entries)
    assert all(map(gc.is_tracked, entries)) and gc.is_tracked(holder)
    gc_pause.untrack([*entries, holder])
    assert not any(map(gc.is_tracked, entries)) and not gc.is_tracked(holder)
    gc_pause.untrack(entries)  # again: nothing happens
    assert not any(map(gc.is_tracked, entries))
    assert not any(o is holder or isinstance(o, LogEntry) for o in gc.get_objects())


def test_untrack_holds_what_an_iterator_makes_until_it_is_done() -> None:
    """Found by the attack pass: from a generator of temporaries, each object died between
    its `id` and the C call, which then wrote into freed memory (a segmentation fault)."""
    done = in_child(
        "import gc\nfrom logtui import gc_pause\nfrom logtui.models import LogEntry\n"
        "for _ in range(20):\n"
        "    gc_pause.untrack(LogEntry.of_line('a', 'INFO', 'x' * 40, 'stdout', 0) for _ in range(1000))\n"
        "    keep = [LogEntry.of_line('a', 'INFO', 'y', 'stdout', 0) for _ in range(1000)]\n"
        "    gc.collect()\n"
        "print('ok')\n"
    )
    assert (done.returncode, done.stdout) == (0, "ok\n"), done.stderr[-2000:]


def test_untrack_skips_what_the_collector_never_tracks() -> None:
    """Found by the attack pass: a str or an int has no collector header, and the C call
    wrote into the 16 bytes before it (a segmentation fault)."""
    done = in_child(
        "import gc\nfrom logtui import gc_pause\n"
        "gc_pause.untrack([('s%d' % i) * 3 for i in range(100000)] + [10**30 + i for i in range(100000)])\n"
        "gc.collect()\nprint('ok')\n"
    )
    assert (done.returncode, done.stdout) == (0, "ok\n"), done.stderr[-2000:]


class Noted(LogEntry):
    """An entry with a `__dict__`: it could refer back to what holds it."""


def test_the_store_takes_plain_entries_only() -> None:
    """Its deques and the views' lists are untracked, so an entry that can refer to
    anything (a subclass with a `__dict__`) could form a cycle the collector never sees.
    Found by the attack pass: such entries, referring back to the store, leaked."""
    store = LogStore()
    odd = Noted("api", "2025-08-16T14:30:00.000000", "INFO", "m", "2025-08-16T14:30:00.000000000Z m")
    odd.seen_in = store  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="plain LogEntry"):
        store.add("api", [entry("api", 1), odd])
    assert store.size == 0
    columns = LogEntry.columns([entry("api", i) for i in range(3)])
    assert all(map(gc.is_tracked, Noted.from_columns("api", "stdout", columns)))
    assert not any(map(gc.is_tracked, LogEntry.from_columns("api", "stdout", columns)))


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
        assert plain(e), slot_values(e)
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


def holders_of(app: object) -> list[object]:
    """Every container of entries the dashboard keeps: the store's, a jump's range store's,
    their kept merges', the log pane's."""
    stores = [app.store] + ([app.range.store] if app.range is not None else [])  # type: ignore[attr-defined]
    holders: list[object] = []
    for store in stores:
        holders += [*store.buffers.values(), *store.errors.values()]
        for merged in store._merged.values():
            holders += [merged.entries] + ([merged.rows] if merged.rows is not None else [])
    view = app.log_pane.view  # type: ignore[attr-defined]
    return [*holders, view.rows, view._spare]


async def test_a_fleet_and_a_jump_keep_only_plain_untracked_entries(tmp_path: Path) -> None:
    """Two hosts (entries keyed by a `HostedName`), hostile lines, a host filter and a jump
    to a time: every holder is untracked and holds plain entries only."""
    start = time.time() - 600
    hosts: list[SimulatedHost] = []
    key = ""
    try:
        for host in ("h1", "h2"):
            container = ScriptedContainer(name="api", image="example/api:1")
            for i in range(120):
                line = (
                    "[ERROR] password=hunter2 token=abcdef0123456789abcdef failed"
                    if i % 5 == 0
                    else f"\x1b[31m[INFO] {host} line {i}\x1b[0m\r"
                    if i % 5 == 1
                    else f'Traceback (most recent call last):\n  File "a.py", line {i}\nKeyError: {i}'
                    if i % 5 == 2
                    else f"[INFO] {host} plain {i}"
                )
                container.write(line, "stderr" if i % 2 else "stdout", ts=start + i)
            sim = SimulatedHost([container], poll_interval=0.05, client_key_text=key or None)
            await sim.start()
            key = sim.client_key_text
            hosts.append(sim)
        log = tmp_path / "audit.jsonl"
        settings = [s.settings(audit_log=log, name=n) for s, n in zip(hosts, ("h1", "h2"), strict=True)]
        app = create_app(settings, export_dir=tmp_path, poll_interval=0.3)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.store.received >= 200, timeout=20)
            app._apply_filter(replace(app.filter, host="h2"))
            await pilot.press("e")
            await pilot.pause(0.2)
            await pilot.press("a", "at", *"-5m", "enter")
            await wait_for(pilot, lambda: app.range is not None and app.range.store.size > 0, timeout=20)
            await pilot.pause(0.3)
            holders = holders_of(app)
            assert app.range.store.size and len(holders) >= 8
            entries = [e for holder in holders for e in holder]  # type: ignore[attr-defined]
            assert any(type(e.container_name) is HostedName for e in entries)
            assert not any(map(gc.is_tracked, holders)) and not any(map(gc.is_tracked, entries))
            assert all(map(plain, entries))
    finally:
        for sim in hosts:
            await sim.stop()
