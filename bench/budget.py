"""Budget: does the dashboard's memory stay within `LOGTUI_MEMORY_MB` when containers fail?

A server whose services crash-loop logs mostly errors, and the error pane keeps errors
after their lines leave the buffers. `python -m bench.budget` replays that into the
dashboard's store as its ticks do (30 containers, 250 lines each a tick, 40 % errors,
~200 characters a line, the default line limit, a kept merge and a pane following it)
under a 128 MB budget, in a fresh interpreter, and reports the RSS growth against the
budget. Baseline: the budget itself (the ratio should stay at or under 1).
"""

from __future__ import annotations

import gc
import json
import os
import sys
from typing import Any

from ._data import fresh_json

CONTAINERS = 30
TICK = 250
BUDGET_MB = 128


def _rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _batch(name: str, c: int, tick: int) -> list[Any]:
    from logtui.models import LogEntry

    batch = []
    for j in range(TICK):
        i = tick * TICK + j
        stamp = f"2025-08-16T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.{c:03d}{i % 1_000_000:06d}Z"
        error = (i + c) % 5 < 2
        text = (
            f"ERROR job {i} failed: connection refused to db-{c}:5432 "
            if error
            else f"INFO request {i} served in {i % 97}ms "
        ) + "x" * 130
        level = "ERROR" if error else "INFO"
        batch.append(LogEntry(name, stamp[:26], level, text, f"{stamp} {text}", "stdout", stamp))
    return batch


def measure(ticks: int) -> dict[str, Any]:
    from logtui.tui.held import MB
    from logtui.tui.store import Filter, FilteredView, LogStore

    names = [f"svc-{c:02d}" for c in range(CONTAINERS)]
    gc.collect()
    before = _rss()
    store = LogStore(max_bytes=BUDGET_MB * MB)
    view = FilteredView()
    view.rebuild(store, Filter())
    for tick in range(ticks):
        arrived: list[Any] = []
        evicted: list[Any] = []
        for c, name in enumerate(names):
            batch = _batch(name, c, tick)
            arrived += batch
            evicted += store.add(name, batch)
        merged = store.keep_merged(None, max_overlap=max(4 * len(arrived), 64))
        if merged is None or view.follow(merged) is None:
            view.settle()
            view.add(arrived)
            view.remove(evicted)
    del arrived, evicted, batch
    gc.collect()
    grown = (_rss() - before) / MB
    return {
        "budget_error_flood_rss_mb": round(grown, 1),
        "budget_error_flood_rss_ratio": round(grown / BUDGET_MB, 2),
        "budget_error_flood_counted_mb": round(store.bytes / MB, 1),
        "budget_error_flood_lines_held": store.size,
        "budget_error_flood_errors_indexed": sum(map(len, store.errors.values())),
        "budget_error_flood_lines_in": ticks * TICK * CONTAINERS,
    }


def run(ticks: int = 400) -> dict[str, Any]:
    """`measure` in a fresh interpreter, so the RSS figure is the store's own."""
    return fresh_json("bench.budget", str(ticks))


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 400)))
