"""A level key fills the view's own old rows list in place (`FilteredView._fill`): a new list
of up to a million rows was walked by the next young garbage collection and again by a
middle one (5-20 ms each, after every level key). The rows stay those of a fresh view, the
kept merge's rows are never touched, and the list keeps no entry once the rows are another."""

from __future__ import annotations

import gc
import sys

from test_merged_evictions import entry

from logtui.tui.merged import _ranked_rows
from logtui.tui.store import Filter, FilteredView, LogStore

LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def _store() -> LogStore:
    store = LogStore(max_lines_per_container=10_000)
    for name in "ab":
        store.add(name, [entry(name, i, LEVELS[i % 5], 1 + (i % 7 == 0), 5) for i in range(2_000)])
    return store


def _want(store: LogStore, level: str) -> list[int]:
    return [id(e) for e in _ranked_rows(Filter(None, level).select(store.merged(None).entries))[0]]


def test_a_level_switch_makes_no_new_big_list() -> None:
    store = _store()
    view = FilteredView()
    view.rebuild(store, Filter())
    view.rebuild(store, Filter(min_level="INFO"))
    gc.collect()
    gc.disable()
    try:
        young = {id(o) for o in gc.get_objects(0)}
        view.rebuild(store, Filter(min_level="ERROR"))
        fresh = [o for o in gc.get_objects(0) if type(o) is list and len(o) >= 500 and id(o) not in young]
    finally:
        gc.enable()
    assert fresh == []
    assert [id(e) for e in view.rows] == _want(store, "ERROR")


def test_levels_in_turn_show_a_fresh_view_and_leave_the_merge_alone() -> None:
    store = _store()
    view = FilteredView()
    merged_rows = store.merged(None).ranked_rows()[0]
    before = [id(e) for e in merged_rows]
    for level in ["WARNING", "DEBUG", "ERROR", "INFO", "ERROR", "DEBUG", "CRITICAL"]:
        view.rebuild(store, Filter(min_level=level))
        assert [id(e) for e in view.rows] == _want(store, level), level
        view.settle()  # the view owns its rows now (a copy of the merge's, when it shared them)
        view.add([entry("a", 5_000, "ERROR", 1, 3)])  # changes the view's rows only
    assert store.merged(None).rows is merged_rows and [id(e) for e in merged_rows] == before


def test_the_own_list_keeps_no_entry_once_the_rows_are_another() -> None:
    store = _store()
    view = FilteredView()
    view.rebuild(store, Filter())  # every level: the kept merge's own rows
    error = next(e for e in store.buffers["a"] if e.level == "ERROR" and "\n" not in e.message)
    shared = sys.getrefcount(error)
    view.rebuild(store, Filter(min_level="ERROR"))
    assert sys.getrefcount(error) == shared + 1  # the view's own list holds it
    view.rebuild(store, Filter())
    assert sys.getrefcount(error) == shared
    view.rebuild(store, Filter(min_level="ERROR"))
    view.rows = []  # as `LogPane.clear` does
    assert sys.getrefcount(error) == shared
