"""`FrameMerge` (logtui.columnar.frame_merge) and its `FrameQueue`: the rows `TimeMerge` would
hand out, in the same order (`heapq.merge` by key, ties to the lower source), however the
frames come, spilled to a private file past the memory bound."""

from __future__ import annotations

import heapq
import os
from unittest import mock

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logtui.columnar import frame_merge
from logtui.columnar.frame_merge import FrameMerge
from logtui.columnar.frame_queue import FrameQueue, frame_bytes
from logtui.models import LogEntry
from logtui.parser import merge_by_time, time_key, to_iso
from logtui.time_merge import TimeMerge

_KEYS = st.one_of(
    st.sampled_from(  # few values: equal keys across and within sources
        ["", "2025-08-16T14:30:01.000000000", "2025-08-16T14:30:02.500000000", "é", "\uffff", "\U00010000"]
    ),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=3),  # any code point but surrogates
)


def _frame(rows: list[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"key": [k for k, _ in rows], "line": [line for _, line in rows]},
        schema={"key": pl.String, "line": pl.String},
    )


def _rows(keys: list[list[str]]) -> list[list[tuple[str, str]]]:
    """Each source's rows: its key and a line that names the row (and is not ASCII)."""
    return [[(k, f"{i}:{j}:{k}\u00e9\n") for j, k in enumerate(ks)] for i, ks in enumerate(keys)]


def _want(sources: list[list[tuple[str, str]]]) -> list[str]:
    """`merge_by_time`'s order: `heapq.merge` by key, ties to the lower source."""
    return [line for _, line in heapq.merge(*sources, key=lambda row: row[0])]


def _lines(frame: pl.DataFrame | None) -> list[str]:
    assert frame is None or frame.height > 0, "an empty frame handed out"
    return [] if frame is None else frame["line"].to_list()


def _drain(merge: FrameMerge, most: int = frame_merge.BATCH) -> list[str]:
    """The lines of every frame `ready(most)` hands out until it hands out None."""
    lines: list[str] = []
    while (frame := merge.ready(most)) is not None:
        lines += _lines(frame)
    return lines


@settings(max_examples=400, deadline=None)
@given(
    keys=st.lists(st.lists(_KEYS, max_size=25), min_size=1, max_size=4),
    steps=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 6), st.integers(1, 9)), max_size=60),
    spill_at=st.sampled_from([0, 150, 1 << 20]),
    load=st.sampled_from([1, 3, frame_merge.LOAD]),
    load_bytes=st.sampled_from([1, 100, frame_merge.MIN_LOAD_BYTES]),
    in_order=st.booleans(),
)
def test_the_frame_merge_equals_heapq_merge_however_the_frames_come(
    keys: list[list[str]],
    steps: list[tuple[int, int, int]],
    spill_at: int,
    load: int,
    load_bytes: int,
    in_order: bool,
) -> None:
    """Sources of any keys (sorted or not, ties within and across, non-ASCII and astral),
    cut into frames at random, added in a random interleaving with `ready(most)` asked at
    random moments: the lines handed out are exactly the merge of the whole sources,
    spilled or not, loaded a row at a time or many (by count or by bytes)."""
    if in_order:  # as docker writes them: the sorted path
        keys = [sorted(ks) for ks in keys]
    sources = _rows(keys)
    merge = FrameMerge(len(sources), memory_bytes=spill_at)
    for source in merge._sources:
        source.queue.segment_bytes = 100  # several segments in the file
    at = [0] * len(sources)
    got: list[str] = []
    with (
        mock.patch.object(frame_merge, "LOAD", load),
        mock.patch.object(frame_merge, "MIN_LOAD_BYTES", load_bytes),
    ):
        for pick, cut, most in steps:
            i = pick % len(sources)
            if not merge._sources[i].ended:
                merge.add(i, _frame(sources[i][at[i] : at[i] + cut]))
                at[i] = min(at[i] + cut, len(sources[i]))
                if at[i] == len(sources[i]) and cut % 2:
                    merge.end(i)
            frame = merge.ready(most)
            assert frame is None or frame.height <= max(most, len(sources))
            got += _lines(frame)
        for i, source in enumerate(sources):
            if not merge._sources[i].ended:
                merge.add(i, _frame(source[at[i] :]))
                merge.end(i)
            got += _lines(merge.ready())
        got += _drain(merge)
    assert got == _want(sources)
    assert merge.finished
    merge.close()


_STAMPS = st.one_of(
    st.builds(lambda s, n: f"2025-08-16T14:30:{s:02d}.{n:09d}Z", st.integers(0, 3), st.integers(0, 3)),
    st.builds(lambda s: f"2025-08-16T14:30:{s:02d}Z", st.integers(0, 3)),  # podman
    st.builds(lambda s: f"2025-08-16T16:30:{s:02d}.5+02:00", st.integers(0, 3)),  # an offset
    st.just(""),
)


@settings(max_examples=150, deadline=None)
@given(
    stamps=st.lists(st.lists(_STAMPS, max_size=20), min_size=1, max_size=3),
    cut=st.integers(1, 7),
    most=st.integers(1, 9),
)
def test_the_same_lines_as_time_merge_for_the_same_entries(
    stamps: list[list[str]], cut: int, most: int
) -> None:
    """Entries as the parser makes them, keyed by `time_key`: `FrameMerge` over their
    frames hands out the lines of the entries `TimeMerge` hands out, in its order."""
    entries = [
        [
            LogEntry(f"c{i}", to_iso(ts), "INFO", f"{i}.{j}", f"{ts} {i}.{j}", "stdout", ts)
            for j, ts in enumerate(s)
        ]
        for i, s in enumerate(stamps)
    ]
    old, new = TimeMerge(len(entries)), FrameMerge(len(entries))
    for i, source in enumerate(entries):
        for start in range(0, len(source), cut):
            old.add(i, source[start : start + cut])
            new.add(i, _frame([(time_key(e), e._raw + "\n") for e in source[start : start + cut]]))
        old.end(i)
        new.end(i)
    want = [e._raw + "\n" for batch in iter(lambda: old.ready(most), []) for e in batch]
    got = _drain(new, most)
    assert got == want == [e._raw + "\n" for e in merge_by_time(*entries)]


def test_keys_compare_as_python_compares_str_not_as_utf16() -> None:
    """U+FFFF < U+10000 for Python and in UTF-8; UTF-16 (a surrogate pair) says otherwise."""
    keys = [["\U00010000", "\U0001f600"], ["\uffff", "\U00010000", "é"], ["a", "\x00", "\ue000"]]
    sources = _rows([sorted(keys[0]), sorted(keys[1]), keys[2]])
    merge = FrameMerge(3)
    for i, source in enumerate(sources):
        merge.add(i, _frame(source))
        merge.end(i)
    got = _drain(merge)
    assert got == _want(sources)
    assert got[0].startswith("2:0:a")  # source 2 is out of order: the heap path
    assert got.index("1:1:\uffff\u00e9\n") < got.index("0:0:\U00010000\u00e9\n")


def test_nothing_is_decided_while_a_source_that_may_still_send_is_empty() -> None:
    merge = FrameMerge(2)
    merge.add(0, _frame([("2025-08-16T14:30:05.000000000", "late\n")]))
    assert merge.ready() is None  # stderr might still send something older
    merge.add(1, _frame([("2025-08-16T14:30:01.000000000", "early\n")]))
    assert _lines(merge.ready()) == ["early\n"]  # the later one waits again
    assert merge.ready() is None and not merge.finished
    merge.end(1)
    assert _lines(merge.ready()) == ["late\n"]
    assert merge.ready() is None and not merge.finished  # source 0 has not ended
    merge.end(0)
    assert merge.ready() is None and merge.finished


@pytest.mark.parametrize("first", ["b", "a"])  # out of order (the heap path) or in order
def test_ready_hands_out_at_most_most_rows_on_either_path(first: str) -> None:
    sources = _rows([[first] + ["a"] * 50, ["c"] * 30])
    merge = FrameMerge(2)
    for i, source in enumerate(sources):
        merge.add(i, _frame(source))
        merge.end(i)
    sizes = []
    while (frame := merge.ready(10)) is not None:
        sizes.append(frame.height)
        assert frame.height <= 10
    assert sum(sizes) == 81 and sizes[0] == (10 if first == "b" else 5)  # sorted: 10 // 2 a source
    merge.close()


def test_add_after_end_and_frames_of_another_shape_are_refused() -> None:
    merge = FrameMerge(2)
    merge.end(0)
    with pytest.raises(ValueError, match="source 0 has ended"):
        merge.add(0, _frame([]))
    with pytest.raises(TypeError, match="'line'"):
        merge.add(1, pl.DataFrame({"key": ["a"]}))
    with pytest.raises(TypeError, match="'key'"):
        merge.add(1, pl.DataFrame({"key": [1], "line": ["x\n"]}))
    with pytest.raises(ValueError, match="no nulls"):
        merge.add(1, pl.DataFrame({"key": ["a", None], "line": ["x\n", "y\n"]}))
    merge.add(1, pl.DataFrame({"line": ["x\n"], "extra": [1], "key": ["a"]}))  # columns by name
    merge.end(1)
    assert merge.ready().to_dict(as_series=False) == {"key": ["a"], "line": ["x\n"]}


def test_a_silent_stderr_sends_stdout_through_a_private_unlinked_file_in_order() -> None:
    """A container that writes nothing to stderr: all of stdout waits until the end, and
    past the memory bound it waits on disk, never more than the bound in memory."""
    stamp = "2025-08-16T14:30:{:02d}.{:09d}"
    stdout = [(stamp.format(j // 1000 % 60, j), f"line {j} " + "x" * (j % 50) + "\n") for j in range(20_000)]
    merge = FrameMerge(2, memory_bytes=40_000)
    queue = merge._sources[0].queue
    for start in range(0, len(stdout), 700):
        merge.add(0, _frame(stdout[start : start + 700]))
        assert merge.ready() is None
        assert queue._head_bytes <= queue.memory_bytes == 20_000
    assert queue._file is not None and merge.spilled > 15_000
    info = os.fstat(queue._file.fileno())
    assert info.st_mode & 0o777 == 0o600 and info.st_nlink == 0
    merge.add(1, _frame([(stamp.format(5, 5000), "stderr\n")]))
    merge.end(1)
    merge.end(0)
    got = _drain(merge, 1000)
    assert got == _want([stdout, [(stamp.format(5, 5000), "stderr\n")]])
    merge.close()
    assert queue._file is None


def test_the_queue_hands_back_every_row_in_order_and_reuses_its_file() -> None:
    rows = [(f"k{j:05d}", f"{j}\n") for j in range(3000)]
    queue = FrameQueue(memory_bytes=1000, segment_bytes=500)
    for start in range(0, 2000, 37):
        queue.append(_frame(rows[start : min(start + 37, 2000)]))
    assert len(queue) == 2000 and queue.spilled > 1500
    out: list[str] = []
    while queue:
        out += queue.take(101)["line"].to_list()
    assert queue._file is not None and os.fstat(queue._file.fileno()).st_size == 0  # drained
    for start in range(2000, 3000, 50):  # spilled anew: written from the file's start
        queue.append(_frame(rows[start : start + 50]))
    written = sum(length for _, length in queue._segments)
    queue._file.flush()
    assert queue._segments and os.fstat(queue._file.fileno()).st_size == written
    while queue:
        out += queue.take(101)["line"].to_list()
    assert out == [line for _, line in rows]
    assert queue.take(5).height == 0
    assert frame_bytes(_frame(rows[:2])) == len("k00000") + len("0\n") + len("k00001") + len("1\n") + 32
    queue.close()


def test_a_frame_appended_while_older_ones_wait_to_be_written_comes_after_them() -> None:
    """Room in memory again (the head partly taken) while older rows wait in the unwritten
    tail: the new rows go after those, not into the head."""
    queue = FrameQueue(memory_bytes=80, segment_bytes=10_000)
    rows = [(f"k{j}", f"line {j}\n") for j in range(6)]
    for row in rows[:4]:  # 25 bytes each: three in memory, the fourth in the tail
        queue.append(_frame([row]))
    assert queue.take(2)["line"].to_list() == ["line 0\n", "line 1\n"]
    queue.append(_frame(rows[4:]))
    assert queue.take(10)["line"].to_list() == ["line 2\n"]
    assert queue.take(10)["line"].to_list() == ["line 3\n", "line 4\n", "line 5\n"]
    assert not queue and queue.spilled == 0
    queue.append(_frame(rows[:4]))  # one frame of 100 bytes: over the bound, in the tail
    assert queue.take(1).height == 1 and queue._head_bytes == 75  # the rest moved to the head
    queue.append(_frame(rows[4:]))
    assert queue.take(10, most_bytes=50)["line"].to_list() == ["line 1\n", "line 2\n"]  # by bytes
    assert queue.take(10, most_bytes=0)["line"].to_list() == ["line 3\n"]  # one row at least
    assert len(queue) == 2


def test_frames_handed_out_are_never_changed_later() -> None:
    """Frames handed out stay as they were while the merge goes on (its file truncated and
    rewritten, its frames sliced and reloaded); the caller changing its own frames in place
    after `add`, or the reader changing a frame handed out, changes nothing in the merge."""
    keys = [sorted(f"2025-08-16T14:{j % 60:02d}:00.{j:09d}" for j in range(0, 6000, s)) for s in (1, 3)]
    sources = _rows(keys)
    merge = FrameMerge(2, memory_bytes=4000)
    for source in merge._sources:
        source.queue.segment_bytes = 1000
    got: list[str] = []
    handed: list[tuple[pl.DataFrame, dict[str, list[str]]]] = []

    def take() -> None:
        while (out := merge.ready(300)) is not None:
            got.extend(_lines(out))
            if len(handed) % 2:
                out[0, "line"] = "changed by the reader\n"
            handed.append((out, out.to_dict(as_series=False)))

    for start in range(0, 6000, 250):
        for i, source in enumerate(sources):
            frame = _frame(source[start : start + 250])
            merge.add(i, frame)
            if frame.height:
                frame[0, "line"] = "changed by the caller\n"
            take()
    for i in range(2):
        merge.end(i)
    take()
    assert merge.spilled and len(handed) > 10
    assert got == _want(sources)
    for out, seen in handed:
        assert out.to_dict(as_series=False) == seen
