"""Store: memory per stored entry, and filter / search / summary over 1M entries.

Runs in a fresh interpreter (`python -m bench.store_ops LINES`) so RSS growth is the
store's alone. The generated history is read in 1 MiB chunks through the follow path's
reader (split, decode, mask, group), so the input text is never held whole.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
from typing import Any

from ._data import NAME, bulk_data, fresh_json


def _rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _timed_ms(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _searched_ms(store: Any, pattern: Any, caches: Any) -> tuple[float, float, int]:
    """The dashboard's search, from asked to final rows (`SearchRunner.start`: the snapshot
    on the UI thread, then the `SearchJob` its worker runs), the UI thread's part of it,
    and the rows."""
    from logtui.search_engine import plan_search
    from logtui.tui.search_job import SearchJob, Snapshot
    from logtui.tui.store import Filter, search_needles

    started = time.perf_counter()
    snapshot = Snapshot.take(store, Filter(None, "DEBUG", pattern))
    ui_ms = (time.perf_counter() - started) * 1000
    outcome = SearchJob(plan_search(pattern, search_needles(pattern)), snapshot, caches).run()
    assert outcome.done
    return (time.perf_counter() - started) * 1000, ui_ms, len(outcome.rows)


def measure(lines: int) -> dict[str, Any]:
    from logtui.analysis import error_summary
    from logtui.reader import StreamReader as _StreamReader
    from logtui.tui.digest import DigestBuilder
    from logtui.tui.search_job import SearchCaches, Snapshot
    from logtui.tui.search_prepare import prepare_blocks
    from logtui.tui.store import Filter, FilteredView, LogStore, compile_search

    data = bulk_data(lines)
    # The columnar core's libraries (numpy, Polars: ~55 MB once per process; Polars is also
    # what the first big search loads) come in with the first big chunk: loaded here
    # first, so that the growth measured is the entries'.
    import numpy  # noqa: F401
    import polars  # noqa: F401

    gc.collect()
    before = _rss()
    store = LogStore(max_lines_per_container=lines)
    for stream, path in (("stdout", data.stdout), ("stderr", data.stderr)):
        reader = _StreamReader(NAME, stream, mask=True)
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 18):
                store.add(NAME, reader.feed(chunk))
        store.add(NAME, reader.close())
    del reader, chunk
    gc.collect()
    grown = _rss() - before
    entries = store.size

    view = FilteredView()
    view.rebuild(store)  # the pane shows everything first
    switches = {
        level: _timed_ms(lambda lv=level: view.rebuild(store, Filter(None, lv, None)))
        for level in ("ERROR", "WARNING", "DEBUG")
    }
    pattern, _ = compile_search("timeout|refused")
    # The old way, on the UI thread (`FilteredView.rebuild`), for comparison; then forgotten.
    cold_sync_ms = _timed_ms(lambda: view.rebuild(store, Filter(None, "DEBUG", pattern)))
    matches = len(view)
    regex, _ = compile_search(r"time(out|d out)")
    regex_sync_ms = _timed_ms(lambda: view.rebuild(store, Filter(None, "DEBUG", regex)))
    regex_rows = len(view)
    view.rebuild(store, Filter(None, "DEBUG", None))  # cleared: the text is dropped

    caches = SearchCaches(store._texts)
    cold_ms, cold_ui_ms, rows = _searched_ms(store, pattern, caches)
    assert rows == matches
    regex_cold_ms, _, rows = _searched_ms(store, regex, caches)  # builds the Polars blocks
    assert rows == regex_rows
    regex_ms, regex_ui_ms, rows = _searched_ms(store, regex, caches)
    assert rows == regex_rows
    # as the dashboard does it for a big store: the blocks built while the search box is
    # open (on a worker), then the search from Enter
    caches.blocks.clear()
    blocks_ms = _timed_ms(
        lambda: prepare_blocks(Snapshot.take(store, Filter(None, "DEBUG", None)), caches, threading.Event())
    )
    typed_ms, typed_ui_ms, rows = _searched_ms(store, pattern, caches)
    assert rows == matches
    caches.blocks.clear()
    # as the dashboard does it: the search text is built while the search box is open
    view.rebuild(store, Filter(None, "DEBUG", None))  # cleared: the text is dropped
    prepare_ms = _timed_ms(lambda: store.prepare_text(None, max_blocks=1 << 30))
    search_ms = _timed_ms(lambda: view.rebuild(store, Filter(None, "DEBUG", pattern)))
    assert len(view) == matches
    # the user refines the search: the lower-cased text built by the first search is reused
    refined, _ = compile_search("connection refused")
    again_ms = _timed_ms(lambda: view.rebuild(store, Filter(None, "DEBUG", refined)))
    buffers = {n: list(b) for n, b in store.buffers.items()}
    summary_ms = _timed_ms(lambda: error_summary(buffers, 1.0))
    errors = {n: list(e) for n, e in store.errors.items()}
    digest_ms = _timed_ms(lambda: DigestBuilder().build(errors, "", 1.0))
    return {
        "bytes_per_entry": round(grown / entries),
        "bytes_per_line": round(grown / lines),
        "store_entries": entries,
        "store_rss_growth_mb": round(grown / 2**20),
        "filter_1m_ms": round(max(switches.values()), 1),
        "filter_1m_by_level_ms": {k: round(v, 1) for k, v in switches.items()},
        "search_1m_ms": round(search_ms, 1),
        "search_1m_cold_ms": round(cold_ms, 1),
        "search_1m_typed_ms": round(typed_ms, 1),
        "search_1m_typed_ui_ms": round(typed_ui_ms, 1),
        "search_1m_blocks_prepare_ms": round(blocks_ms, 1),
        "search_1m_cold_ui_ms": round(cold_ui_ms, 1),
        "search_1m_cold_sync_ms": round(cold_sync_ms, 1),
        "search_1m_text_build_ms": round(prepare_ms, 1),
        "search_1m_rows": matches,
        "search_1m_again_ms": round(again_ms, 1),
        "search_1m_regex_ms": round(regex_ms, 1),
        "search_1m_regex_ui_ms": round(regex_ui_ms, 1),
        "search_1m_regex_cold_ms": round(regex_cold_ms, 1),
        "search_1m_regex_sync_ms": round(regex_sync_ms, 1),
        "search_1m_regex_rows": regex_rows,
        "summary_1m_ms": round(summary_ms, 1),
        "digest_1m_ms": round(digest_ms, 1),
    }


def run(lines: int = 1_000_000) -> dict[str, Any]:
    """`measure` in a fresh interpreter, so the RSS figure is not polluted."""
    return fresh_json("bench.store_ops", str(lines))


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)))
