"""Merging several sources of entries in time order while they are still arriving.

`merge_by_time` merges finished lists (`heapq.merge` by the docker stamp, ties to the
earlier source). The streaming CLI cannot wait for the end: it prints what is decided as
soon as it is decided, and the result must be the same entries in the same order. An
entry's place is decided once every source that has not ended has an entry waiting: then
the smallest head is the next one whatever comes later, exactly as in `heapq.merge`, so the
output is identical even for sources that are not quite in order.

What waits is held in `SpillQueue`s, so a silent source (a container that writes nothing to
stderr, or one whose `docker logs` has not started yet) costs disk, not memory.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from itertools import islice
from operator import le

from . import spill
from .models import LogEntry
from .parser import time_key
from .spill import SpillQueue

BATCH = 4096
"""Entries per batch handed out by `ready`."""


def _keys(batch: list[LogEntry]) -> list[str]:
    """`time_key` of each entry; Docker's fixed form (most entries: `_dts` is None when the
    raw line opens with a 30-character stamp) without a call."""
    return [
        r[:29] if e._dts is None and r[29] == "Z" and r[19] == "." and r[10] == "T" else time_key(e)
        for e in batch
        for r in (e._raw,)
    ]


def _ascending(keys: list[str], start: int) -> bool:
    """Whether `keys[start:]` is in order (equal keys allowed)."""
    if start:
        keys = keys[start:]
    return all(map(le, keys, islice(keys, 1, None)))


class _Source:
    """One source: what waits (a `SpillQueue`), and the batch being merged with its keys."""

    __slots__ = ("at", "ended", "entries", "keys", "queue")

    def __init__(self, memory_bytes: int | None) -> None:
        self.queue = SpillQueue(memory_bytes)
        self.entries: list[LogEntry] = []
        self.keys: list[str] = []
        self.at = 0
        self.ended = False

    def has_next(self) -> bool:
        """Whether an entry is waiting (loading the next batch when this one is used up)."""
        if self.at < len(self.entries):
            return True
        if not self.queue:
            return False
        self.entries = self.queue.take(BATCH)
        self.keys = _keys(self.entries)
        self.at = 0
        return True


class TimeMerge:
    """Sources 0..n-1 add batches in their own order; `ready` hands out the merged entries
    whose place is decided. Ties go to the lower source number (stdout before stderr, the
    first container listed before the next), as `merge_by_time` does."""

    def __init__(self, sources: int, memory_bytes: int | None = None) -> None:
        """`memory_bytes`: what the sources' queues hold in memory together before spilling
        (default `spill.MEMORY_BYTES`), an equal share each: `logs` over 40 containers
        holds what one container does, not 40 times that."""
        total = spill.MEMORY_BYTES if memory_bytes is None else memory_bytes
        share = total // max(1, sources)
        self._sources = [_Source(share) for _ in range(sources)]

    def add(self, source: int, batch: list[LogEntry]) -> None:
        if self._sources[source].ended:
            raise ValueError(f"source {source} has ended")
        self._sources[source].queue.append(batch)

    def end(self, source: int) -> None:
        """Source `source` will add nothing more."""
        self._sources[source].ended = True

    @property
    def finished(self) -> bool:
        return all(s.ended and not s.has_next() for s in self._sources)

    def ready(self, most: int = BATCH) -> list[LogEntry]:
        """About `most` entries at most whose place in the merge is decided, in order ([] if
        none)."""
        sources = self._sources
        waiting = [s.has_next() for s in sources]
        if any(not w and not s.ended for w, s in zip(waiting, sources, strict=True)):
            return []  # a source that may still send has nothing waiting: undecided
        live = [i for i, w in enumerate(waiting) if w]
        if not live:
            return []
        if len(live) == 1:  # every other source has ended and is empty: no comparing
            source = sources[live[0]]
            out = source.entries[source.at :] if source.at else source.entries
            source.at = len(source.entries)
            return out
        if all(_ascending(sources[i].keys, sources[i].at) for i in live):
            return self._merge_sorted(live)
        return self._merge_by_heap(live, most)

    def _merge_sorted(self, live: list[int]) -> list[LogEntry]:
        """The usual case, each source's loaded entries in time order: everything up to the
        loaded entry that ends first, merged by one stable sort (Timsort merges sorted runs
        in linear time, in C). Stable over the sources' concatenation in source order, it
        breaks ties as `heapq.merge` does, so the result is the same."""
        sources = self._sources
        bound_key, bound = min((sources[i].keys[-1], i) for i in live)
        entries: list[LogEntry] = []
        keys: list[str] = []
        for i in live:
            source = sources[i]
            at = source.at
            if i == bound:
                end = len(source.keys)
            elif i < bound:  # ties go to the lower source: its equal keys come first
                end = bisect_right(source.keys, bound_key, at)
            else:
                end = bisect_left(source.keys, bound_key, at)
            entries += source.entries[at:end]
            keys += source.keys[at:end]
            source.at = end
        order = sorted(range(len(keys)), key=keys.__getitem__)
        return [entries[k] for k in order]

    def _merge_by_heap(self, live: list[int], most: int) -> list[LogEntry]:
        """Any order (a source out of time order): `heapq.merge`'s own steps, run by run."""
        sources = self._sources
        heap = [(sources[i].keys[sources[i].at], i) for i in live]
        heapq.heapify(heap)
        out: list[LogEntry] = []
        while heap and len(out) < most:
            _key, index = heapq.heappop(heap)
            source = sources[index]
            keys, at = source.keys, source.at
            stop = min(len(keys), at + most - len(out))
            end = at + 1
            if heap:  # this source's run of entries that come before the next head
                rival_key, rival = heap[0]
                if index < rival:
                    while end < stop and keys[end] <= rival_key:
                        end += 1
                else:
                    while end < stop and keys[end] < rival_key:
                        end += 1
            else:
                end = stop
            out += source.entries[at:end]
            source.at = end
            if source.has_next():
                heapq.heappush(heap, (source.keys[source.at], index))
            elif not source.ended:
                break  # its next entry may come first: undecided until it arrives
        return out

    def close(self) -> None:
        for source in self._sources:
            source.queue.close()
