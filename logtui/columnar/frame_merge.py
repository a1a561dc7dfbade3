"""`TimeMerge` over Polars frames: streams' finished output lines merged in time order.

The columnar CLI path parses each stream of `docker logs` into frames of two Utf8 columns,
`key` (the entry's `stamps.time_key`) and `line` (its finished output line), in the
stream's order. `FrameMerge` hands on the rows whose place is decided, in exactly the order
`TimeMerge` (and so `merge_by_time`, `heapq.merge` by key with ties to the lower source)
gives the same entries, without a Python object per row: in the usual case, each source's
rows in key order, a call is a few binary searches, slices and one stable sort in Rust.
Keys compare as Python compares `str`: Polars compares Utf8 by its UTF-8 bytes, and UTF-8
byte order is code point order. What waits is held in `FrameQueue`s, which spill to a
private temporary file past a memory bound.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left

import polars as pl

from .. import spill
from .frame_queue import SCHEMA, FrameQueue

BATCH = 8192
"""Rows `ready` hands out at most by default (a row per live source at least)."""
LOAD = 16384
"""Rows a source takes from its queue at once to be merged, at most."""
MIN_LOAD_BYTES = 64 << 10
"""Bytes a source takes at once at most (`frame_bytes`): its queue's memory share, or this
if that is smaller. What is being merged is held besides what waits: bounded alike, so
`logs` over 40 containers does not hold 40 loads of `LOAD` rows."""


def _descents(keys: pl.Series) -> list[int]:
    """The places `d` where `keys[d + 1] < keys[d]` (none, for a stream in time order)."""
    if len(keys) < 2:
        return []
    return (keys.slice(1) < keys.slice(0, len(keys) - 1)).arg_true().to_list()


class _Source:
    """One source: what waits (a `FrameQueue`), and the frame being merged with its keys."""

    __slots__ = ("at", "descents", "ended", "frame", "key_list", "keys", "queue")

    def __init__(self, memory_bytes: int | None) -> None:
        self.queue = FrameQueue(memory_bytes)
        self.frame = SCHEMA.to_frame()
        self.keys = self.frame["key"]
        self.descents: list[int] = []
        self.key_list: list[str] | None = None
        """`keys` as Python strings, made only when the heap path needs them."""
        self.at = 0
        self.ended = False

    def has_next(self) -> bool:
        """Whether a row is waiting (loading the next rows when these are used up)."""
        if self.at < self.frame.height:
            return True
        if not self.queue:
            return False
        self.frame = self.queue.take(LOAD, max(self.queue.memory_bytes, MIN_LOAD_BYTES))
        self.keys = self.frame["key"]
        self.descents = _descents(self.keys)
        self.key_list = None
        self.at = 0
        return True

    def ascending(self, end: int) -> bool:
        """Whether the loaded rows `at..end` are in key order (equal keys allowed)."""
        found = bisect_left(self.descents, self.at)
        return found == len(self.descents) or self.descents[found] >= end - 1

    def listed(self) -> list[str]:
        if self.key_list is None:
            self.key_list = self.keys.to_list()
        return self.key_list


def _checked(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame`'s `key` and `line` columns as a frame of our own (the caller's frame object
    may be changed in place later; its buffers cannot: Polars copies on write)."""
    for name, dtype in SCHEMA.items():
        if frame.schema.get(name) != dtype:
            raise TypeError(f"a FrameMerge frame needs a {dtype} column {name!r}: {frame.schema}")
    own = frame.select(SCHEMA.names())
    if own.null_count().sum_horizontal().item():
        raise ValueError("a FrameMerge frame holds no nulls")
    return own


class FrameMerge:
    """Sources 0..n-1 add frames (`key`, `line`) in their own order; `ready` hands out the
    merged rows whose place is decided, as `TimeMerge` does. Ties go to the lower source
    number (stdout before stderr, the first container listed before the next).

    A place is decided once every source that has not ended has a row waiting: then the
    smallest head is the next one whatever comes later, exactly as in `heapq.merge`, so the
    output is the same even for sources not in key order (those go through the heap path).
    """

    def __init__(self, sources: int, memory_bytes: int | None = None) -> None:
        """`memory_bytes`: what the sources' queues hold in memory together before spilling
        (default `spill.MEMORY_BYTES`), an equal share each."""
        total = spill.MEMORY_BYTES if memory_bytes is None else memory_bytes
        share = total // max(1, sources)
        self._sources = [_Source(share) for _ in range(sources)]

    def add(self, source: int, frame: pl.DataFrame) -> None:
        """Source `source`'s next rows. `ValueError` after `end(source)` or for null values,
        `TypeError` without Utf8 columns `key` and `line` (other columns are dropped)."""
        if self._sources[source].ended:
            raise ValueError(f"source {source} has ended")
        self._sources[source].queue.append(_checked(frame))

    def end(self, source: int) -> None:
        """Source `source` will add nothing more."""
        self._sources[source].ended = True

    @property
    def finished(self) -> bool:
        """Every source has ended and every row has been handed out."""
        return all(s.ended and not s.has_next() for s in self._sources)

    @property
    def spilled(self) -> int:
        """Rows that went through the sources' temporary files in all."""
        return sum(s.queue.spilled for s in self._sources)

    def ready(self, most: int = BATCH) -> pl.DataFrame | None:
        """The next rows whose place in the merge is decided, in order, as a frame of `key`
        and `line`: at least one row and at most `most` (or one per source with rows
        waiting, when there are more of those); None when no row is decided yet (or none
        is left: see `finished`). Never an empty frame: `while (f := m.ready()) is not None`.
        The frame may share buffers with the merge's, but Polars copies on write: nothing
        the merge does later changes it, and changing it changes nothing in the merge."""
        sources = self._sources
        waiting = [s.has_next() for s in sources]
        if any(not w and not s.ended for w, s in zip(waiting, sources, strict=True)):
            return None  # a source that may still send has nothing waiting: undecided
        live = [i for i, w in enumerate(waiting) if w]
        if not live:
            return None
        if len(live) == 1:  # every other source has ended and is empty: no comparing
            source = sources[live[0]]
            at = source.at
            source.at = min(source.frame.height, at + max(1, most))
            return source.frame.slice(at, source.at - at)
        share = max(1, most // len(live))
        ends = [min(sources[i].frame.height, sources[i].at + share) for i in live]
        if all(sources[i].ascending(end) for i, end in zip(live, ends, strict=True)):
            return self._merge_sorted(live, ends)
        return self._merge_by_heap(live, most)

    def _merge_sorted(self, live: list[int], ends: list[int]) -> pl.DataFrame:
        """The usual case, each source's rows `at..end` in key order: every row up to the
        window that ends first, merged by one stable sort. Stable over the sources'
        concatenation in source order, it breaks ties as `heapq.merge` does; and rows past
        the windows are not needed to decide these, so the result is the same."""
        sources = self._sources
        bound_key, bound = min((sources[i].keys[end - 1], i) for i, end in zip(live, ends, strict=True))
        parts: list[pl.DataFrame] = []
        for i, end in zip(live, ends, strict=True):
            source = sources[i]
            at = source.at
            if i != bound:  # ties go to the lower source: its equal keys come first
                side = "right" if i < bound else "left"
                end = at + int(source.keys.slice(at, end - at).search_sorted(bound_key, side=side))
            if end > at:
                parts.append(source.frame.slice(at, end - at))
            source.at = end
        if len(parts) == 1:
            return parts[0]
        return pl.concat(parts).sort("key", maintain_order=True)

    def _merge_by_heap(self, live: list[int], most: int) -> pl.DataFrame:
        """Any order (a source out of key order): `heapq.merge`'s own steps, run by run, as
        `TimeMerge._merge_by_heap` takes them; the rows are gathered at the end."""
        sources = self._sources
        most = max(1, most)
        pool: list[pl.DataFrame] = []
        offsets: dict[int, int] = {}
        """Where each source's loaded frame starts in the pool's concatenation."""
        pooled = 0
        for i in live:
            offsets[i] = pooled
            pool.append(sources[i].frame)
            pooled += sources[i].frame.height
        heap = [(sources[i].listed()[sources[i].at], i) for i in live]
        heapq.heapify(heap)
        rows: list[int] = []
        while heap and len(rows) < most:
            _key, index = heapq.heappop(heap)
            source = sources[index]
            keys, at = source.listed(), source.at
            stop = min(len(keys), at + most - len(rows))
            end = at + 1
            if heap:  # this source's run of rows that come before the next head
                rival_key, rival = heap[0]
                if index < rival:
                    while end < stop and keys[end] <= rival_key:
                        end += 1
                else:
                    while end < stop and keys[end] < rival_key:
                        end += 1
            else:
                end = stop
            rows += range(offsets[index] + at, offsets[index] + end)
            source.at = end
            if source.has_next():
                if source.at == 0:  # a new frame loaded
                    offsets[index] = pooled
                    pool.append(source.frame)
                    pooled += source.frame.height
                heapq.heappush(heap, (source.listed()[source.at], index))
            elif not source.ended:
                break  # its next row may come first: undecided until it arrives
        whole = pl.concat(pool, rechunk=False)
        return whole[pl.Series(rows, dtype=pl.Int64)]

    def close(self) -> None:
        for source in self._sources:
            source.queue.close()
