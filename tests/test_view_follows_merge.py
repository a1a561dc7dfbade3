"""A log pane showing every row follows the store's kept merge (`FilteredView.follow`).

The dashboard's tick merges arrivals into the kept merge; a view of every level without a
search used to merge them into its own copy of the same rows as well. Now it shares the
merge's rows list and only counts what changed. Whatever arrives (out of order, several
containers, multi-line entries, line limits, a memory budget, merges that cannot be
extended), the view must show what a view built afresh shows, and must never change the
merge's rows itself.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_merged_evictions import arrivals, entry, fresh

from logtui.tui.merged import _ranked_rows
from logtui.tui.store import Filter, FilteredView, LogStore


def _tick(store: LogStore, view: FilteredView, name: str, batch: list, max_overlap: int) -> tuple[int, int]:
    """What `IngestMixin._take_arrived` and `LogPane.add` do with one container's batch."""
    evicted = store.add(name, batch)
    merged = store.keep_merged(view.filter.names(store.names), max_overlap)
    followed = view.follow(merged) if merged is not None else None
    if followed is None:
        added, removed = view.settle()
        return added + view.add(batch), removed + view.remove(evicted)
    return followed


@settings(max_examples=300, deadline=None)
@given(
    arrivals=arrivals,
    max_lines=st.integers(1, 12),
    budget=st.sampled_from([None, 2_000, 6_000]),
    container=st.sampled_from([None, "a"]),
    min_level=st.sampled_from(["DEBUG", "DEBUG", "ERROR"]),
    max_overlap=st.sampled_from([0, 4, 1000]),
)
def test_the_view_is_always_a_fresh_view(
    arrivals, max_lines, budget, container, min_level, max_overlap
) -> None:
    store = LogStore(max_lines_per_container=max_lines, max_bytes=budget)
    view = FilteredView()
    view.rebuild(store, Filter(container, min_level))
    clock = {"a": 0, "b": 0, "c": 0}
    for name, rows, then in arrivals:
        batch = []
        for step, level, lines, width in rows:
            clock[name] += step
            batch.append(entry(name, clock[name], level, lines, width))
        before = len(view.rows)
        added, removed = _tick(store, view, name, batch, max_overlap)
        assert len(view.rows) == before + added - removed
        if then == "merged":  # a key press: the filter is applied afresh
            view.rebuild(store, Filter(container, min_level))
        names = tuple(store.names if container is None else [n for n in (container,) if n in store.buffers])
        want = _ranked_rows(Filter(None, min_level).select(fresh(store, names).entries))[0]
        # Entries of several containers with equal stamps: a fresh merge puts them in
        # container order, a view's own insert after the rows it holds (as before).
        assert [r.timestamp for r in view.rows] == [r.timestamp for r in want]
        assert sorted((r.timestamp, id(r)) for r in view.rows) == sorted((r.timestamp, id(r)) for r in want)
        merged = store._merged.get(names)
        if merged is not None and merged.rows is not None:  # the view never changed them
            assert [id(r) for r in merged.rows] == [id(r) for r in _ranked_rows(merged.entries)[0]]


def test_a_view_of_every_row_shares_the_merge_and_lets_go_before_changing() -> None:
    """Not a vacuous pass: ticks are followed, not merged again; a change the view makes
    itself (a reset, the fallback path) leaves the merge's rows alone."""
    store = LogStore(max_lines_per_container=50)
    view = FilteredView()
    view.rebuild(store, Filter())
    store.add("a", [entry("a", 0, "INFO", 1, 3)])
    view.rebuild(store, Filter())
    merged = store.merged(None)
    assert view.rows is merged.rows
    for second in range(1, 80):
        dropped = 0 if second < 50 else 1 if second == 50 else 2  # the first entry is one row
        assert _tick(store, view, "a", [entry("a", second, "INFO", 2, 3)], 64) == (2, dropped)
        assert view.rows is merged.rows
    kept = list(merged.rows)
    view.remove([merged.entries[0]])  # the fallback path: the view copies first
    assert view.rows is not merged.rows and merged.rows == kept
    view.rebuild(store, Filter())
    assert view.rows is merged.rows
    view.add([entry("a", 99, "INFO", 1, 3)])
    assert view.rows is not merged.rows and merged.rows == kept
