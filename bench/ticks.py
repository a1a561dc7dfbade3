"""A flood's tick on the UI thread: the kept merge taking a tick's entries, and the log pane.

`python -m bench.ticks` replays the bench data's history as the dashboard's ticks take
it: stdout in slices of 25,000 entries, stderr either in step (`lag 0`) or 20,000
entries behind (a slower parse worker: each tick's stderr entries reach back over the
kept ones). Each tick goes through `LogStore.add`, `keep_merged` and the pane's view as
`IngestMixin._take_arrived` runs them (the view of every row follows the merge). Prints
ms per tick and µs per entry; `at_limit` replays the in-step ticks into buffers a third
of the history long, so that once they are full every tick also evicts as much as it
adds (a production flood: buffers are bounded), and counts only the ticks that evict;
`trickle` shares the history among 30 containers that then receive 1,000 lines a second,
with and without a line limit and a memory budget that bind; `searching` replays the
in-step ticks into a pane showing a literal or a regex search's matches.
Not a suite of `python -m bench` (no target): it explains the keys figures.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from ._data import NAME, bulk_data

TICK = 25_000


def _entries(lines: int) -> tuple[list[Any], list[Any]]:
    from logtui.reader import StreamReader

    data = bulk_data(lines)
    out: dict[str, list[Any]] = {}
    for stream, path in (("stdout", data.stdout), ("stderr", data.stderr)):
        reader = StreamReader(NAME, stream, True)
        got = out[stream] = []
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 18):
                got += reader.feed(chunk)
        got += reader.close()
    return out["stdout"], out["stderr"]


def _replay(
    stdout: list[Any], stderr: list[Any], lag: int, limit: int | None = None, search: str | None = None
) -> tuple[float, int, int]:
    """(seconds in the ticks, ticks, entries) for one replay; with a line `limit`, only
    the ticks that evict count; with a `search`, the pane shows its matches (its search
    over the history done), so each tick tests its live lines (`SearchView.add`)."""
    from logtui.tui.search_view import SearchView
    from logtui.tui.store import Filter, FilteredView, LogStore, compile_search

    store = LogStore(max_lines_per_container=limit or len(stdout) + len(stderr))
    store.add(NAME, stdout[:10])
    if search is None:
        view = FilteredView()
        view.rebuild(store, Filter())  # a level switch once: the pane shares the kept merge
    else:
        view = SearchView(Filter(None, "DEBUG", compile_search(search)[0]))
    spent, ticks, entries, taken, at_err = 0.0, 0, 0, 10, 0
    while taken < len(stdout):
        batch = stdout[taken : taken + TICK]
        taken += len(batch)
        newest = batch[-1].timestamp
        end = at_err
        while end < len(stderr) and stderr[end].timestamp < newest:
            end += 1
        end = max(at_err, end - lag)
        batch = batch + stderr[at_err:end]
        at_err = end
        started = time.perf_counter()
        evicted = store.add(NAME, batch)
        merged = store.keep_merged(None, max_overlap=max(4 * len(batch), 0))
        follow = getattr(view, "follow", None)  # (older commits, for before/after figures)
        if merged is None or follow is None or follow(merged) is None:
            if follow is not None:
                view.settle()
            view.add(batch)
            view.remove(evicted)
        if limit is None or evicted:
            spent += time.perf_counter() - started
            ticks += 1
            entries += len(batch)
    return spent, ticks, entries


CONTAINERS = 30
TRICKLE = 250
"""Entries per tick of the many-containers replay: 1,000 lines a second."""


def _trickle(stdout: list[Any], stderr: list[Any], bounded: bool, firsts: list[float]) -> tuple[float, float]:
    """(median, worst) seconds of a tick when `CONTAINERS` containers share the history
    (each entry given to one of them in turn, in time order) and then trickle in
    `TRICKLE` entries a tick: what a production server's dashboard does most of the time,
    however much it holds. `bounded`: under a memory budget a third of what the history
    needs (every tick evicts, across containers) and a line limit per container. Appends
    to `firsts` the seconds of the first rebuild of the pane over everything held (the
    kept merge made) and of a level switch after it."""
    from logtui.models import LogEntry
    from logtui.tui.held import held_bytes
    from logtui.tui.store import Filter, FilteredView, LogStore

    def given_to(entry: Any, name: str) -> LogEntry:
        return LogEntry.from_compact(name, entry.stream, entry.compact())

    names = [f"svc-{i:02d}" for i in range(CONTAINERS)]
    ordered = sorted(stdout + stderr, key=lambda e: e.timestamp)
    entries = [given_to(e, names[i % CONTAINERS]) for i, e in enumerate(ordered)]
    history, tail = entries[: -CONTAINERS * 400], entries[-CONTAINERS * 400 :]
    if bounded:
        store = LogStore(len(history) // CONTAINERS // 2, max_bytes=held_bytes(history) // 3)
    else:
        store = LogStore(max_lines_per_container=len(entries))
    for name in names:
        store.add(name, history[names.index(name) :: CONTAINERS])
    view = FilteredView()
    started = time.perf_counter()
    view.rebuild(store, Filter())  # the kept merge, built ahead (`_prewarm`) or by a first key
    firsts.append(time.perf_counter() - started)
    started = time.perf_counter()
    view.rebuild(store, Filter(min_level="ERROR"))  # a level key once it is built
    firsts.append(time.perf_counter() - started)
    view.rebuild(store, Filter())
    spent: list[float] = []
    for at in range(0, len(tail), TRICKLE):
        batch = tail[at : at + TRICKLE]
        started = time.perf_counter()
        evicted: list[Any] = []
        for name in names:
            evicted += store.add(name, [e for e in batch if e.container_name == name])
        merged = store.keep_merged(None, max_overlap=max(4 * len(batch), 64))
        if merged is None or view.follow(merged) is None:
            view.settle()
            view.add(batch)
            view.remove(evicted)
        spent.append(time.perf_counter() - started)
    spent.sort()
    return spent[len(spent) // 2], spent[-1]


def run(lines: int = 300_000) -> dict[str, Any]:
    stdout, stderr = _entries(lines)
    result: dict[str, Any] = {}
    for lag in (0, 20_000):
        spent, ticks, entries = _replay(stdout, stderr, lag)
        result[f"tick_lag_{lag}_ms"] = round(spent / ticks * 1000, 2)
        result[f"tick_lag_{lag}_us_per_entry"] = round(spent / entries * 1e6, 3)
    spent, ticks, entries = _replay(stdout, stderr, 0, limit=lines // 3)
    result["tick_at_limit_ms"] = round(spent / ticks * 1000, 2)
    for kind, text in (("literal", "timeout|refused"), ("regex", r"time(out|d out)")):
        spent, ticks, entries = _replay(stdout, stderr, 0, search=text)
        result[f"tick_searching_{kind}_ms"] = round(spent / ticks * 1000, 2)
    result["tick_at_limit_us_per_entry"] = round(spent / entries * 1e6, 3)
    for bounded in (False, True):
        firsts: list[float] = []
        median, worst = _trickle(stdout, stderr, bounded, firsts)
        if not bounded:
            result[f"first_rebuild_{CONTAINERS}_containers_ms"] = round(firsts[0] * 1000, 1)
            result[f"level_switch_{CONTAINERS}_containers_ms"] = round(firsts[1] * 1000, 1)
        key = f"tick_{CONTAINERS}_containers_trickle{'_budget' if bounded else ''}"
        result[f"{key}_ms"] = round(median * 1000, 2)
        result[f"{key}_max_ms"] = round(worst * 1000, 2)
    return result


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 300_000)))
