"""The store's kept merge under evictions (`Merged.drop`): always what a fresh merge gives.

At the line limit, a flood evicts the oldest entries every tick. The kept merge (the time
order of the shown containers, with display rows and level ranks) used to be thrown away
at each eviction and rebuilt at the next key press; now it drops the evicted entries in
place and keeps growing. Whatever the arrivals (out of order, multi-line, several
containers, line limits and a memory budget), it must equal a merge built afresh.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from logtui.models import LogEntry
from logtui.tui.merged import Merged, _ranked_rows, _sizes
from logtui.tui.store import LogStore

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def entry(name: str, second: int, level: str, lines: int, width: int) -> LogEntry:
    stamp = f"2025-08-16T14:{second // 60 % 60:02d}:{second % 60:02d}.000000000Z"
    message = "\n".join(f"{name}{second}-" + "x" * (width + k) for k in range(lines))
    return LogEntry(name, stamp[:26], level, message, f"{stamp} {message}", "stdout", stamp)


arrivals = st.lists(
    st.tuples(
        st.sampled_from("abc"),
        st.lists(
            st.tuples(st.integers(0, 6), st.sampled_from(LEVELS), st.integers(1, 3), st.integers(0, 40)),
            min_size=1,
            max_size=6,
        ),
        st.sampled_from(["keep", "merged", "none"]),
    ),
    min_size=1,
    max_size=40,
)


def fresh(store: LogStore, names: tuple[str, ...]) -> Merged:
    """The merge `LogStore.merged` builds when it keeps none."""
    entries = sorted((e for n in names for e in store.buffers[n]), key=lambda e: e.timestamp)
    return Merged(names, store._state(names), entries)


@settings(max_examples=300, deadline=None)
@given(
    arrivals=arrivals,
    max_lines=st.integers(1, 12),
    budget=st.sampled_from([None, 2_000, 6_000]),
    names=st.sampled_from([None, ("a",), ("a", "b")]),
)
def test_the_kept_merge_is_always_a_fresh_merge(arrivals, max_lines, budget, names) -> None:
    store = LogStore(max_lines_per_container=max_lines, max_bytes=budget)
    clock = {"a": 0, "b": 0, "c": 0}
    for name, rows, then in arrivals:
        batch = []
        for step, level, lines, width in rows:
            clock[name] += step  # a container's own entries arrive in time order
            batch.append(entry(name, clock[name], level, lines, width))
        store.add(name, batch)
        if then == "keep":
            store.keep_merged(names, max_overlap=4)
        if then != "none":
            merged = store.merged(names)
            chosen = merged.names
            want = fresh(store, chosen)
            assert [id(e) for e in merged.entries] == [id(e) for e in want.entries]
            rows_got, ranks_got, longest_got = merged.ranked_rows()
            widths_want: list[int] = []
            rows_want, ranks_want, longest_want = _ranked_rows(want.entries, widths_want)
            assert [id(r) for r in rows_got] == [id(r) for r in rows_want]
            assert ranks_got == ranks_want
            assert longest_got == longest_want
            assert list(merged.widths) == widths_want
            if merged._sizes is not None:  # kept since an eviction took a longest line
                assert +merged._sizes == _sizes(widths_want, ranks_want)
            assert merged.key == store._state(chosen)


def test_a_flood_at_the_line_limit_keeps_its_merge() -> None:
    """The point of it: evictions every tick no longer throw the merge away."""
    store = LogStore(max_lines_per_container=100)
    merged = None
    for tick in range(50):
        store.add("a", [entry("a", tick * 10 + k, "INFO", 1, 5) for k in range(10)])
        store.add("b", [entry("b", tick * 10 + k, "ERROR", 2, 5) for k in range(10)])
        store.keep_merged(None, max_overlap=64)
        current = store.merged(None)
        current.ranked_rows()
        if tick > 20:
            assert current is merged
        merged = current
    assert len(merged.entries) == 200


def test_evictions_wait_for_the_next_read_of_the_merges_within_a_bound(monkeypatch) -> None:
    """A tick adds each container's batch in turn; what they evict is taken out of the kept
    merge once, when it is next read, and no more than `MAX_UNSETTLED` entries wait (a
    jumped-to range stops the reads, not the flood)."""
    from logtui.tui import store as store_module

    monkeypatch.setattr(store_module, "MAX_UNSETTLED", 8)
    store = LogStore(max_lines_per_container=4)
    for name in "ab":
        store.add(name, [entry(name, s, "INFO", 1, 3) for s in range(4)])
    kept = store.merged(None)
    kept.ranked_rows()
    store.add("a", [entry("a", 10, "INFO", 1, 3)])
    store.add("b", [entry("b", 10, "INFO", 1, 3)])
    assert len(store._unsettled) == 2  # both wait: nothing read the merge in between
    assert len(kept.entries) == 8
    assert store.merged(None) is kept  # read: settled, then extended in place
    assert not store._unsettled
    assert [id(e) for e in kept.entries] == [id(e) for e in fresh(store, ("a", "b")).entries]
    for second in range(20, 40):  # nobody reads the merge: the waiting entries stay few
        store.add("a", [entry("a", second, "INFO", 1, 3)])
        assert len(store._unsettled) < 8
    assert [id(e) for e in store.merged(None).entries] == [id(e) for e in fresh(store, ("a", "b")).entries]
