"""The memory budget's shedding, and the error index it must count too.

The error index outlives the lines it indexes: when a container's line limit or the budget
drops an error's line, the error stays in the index (it is *kept*), so the error pane
still says what went wrong in the window. Kept errors are held memory like any line, so
they count in the budget; they may fill at most 1/`KEPT_SHARE` of it, past which the
oldest of them go. Then the budget sheds lines, oldest first across containers, as
before. Without that count, a server whose containers log mostly errors held its budget
many times over: measured, 72.6 MB held under a 5 MB budget (three containers of 50,000
errors each). Pure.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from heapq import heapify, heappop, heappush, heapreplace
from itertools import chain, islice
from operator import attrgetter

from ..analysis import errors_only
from ..gc_pause import untrack
from ..models import ERROR_LEVELS, LogEntry
from .held import entry_bytes, held_bytes

KEPT_SHARE = 4
"""Kept errors may hold 1/KEPT_SHARE (a quarter) of the budget once it binds."""


_timestamp = attrgetter("timestamp")


@dataclass
class ErrorIndex:
    """Each container's error entries, oldest first: first the `kept` errors whose lines
    its buffer no longer holds, then those it does, in the buffer's order (so the buffer's
    oldest error, when it goes, is the first one not kept). At most `max_lines` each."""

    max_lines: int
    entries: dict[str, deque[LogEntry]] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    """Per container, how many of its oldest indexed errors its buffer no longer holds."""
    kept_bytes: int = 0
    """The estimated memory of all kept errors (`held_bytes`)."""
    lost_until: str = ""
    """The newest stamp of the errors the index let go (spec format; "": none)."""
    lost_by: str = ""
    """Which bound let that one go: "line limit" (the index's own) or "memory budget"."""
    lost: int = 0
    """Errors the index let go so far: a digest of the index is stale when it changes."""

    def _lost(self, stamp: str, by: str, count: int = 1) -> None:
        self.lost += count
        if stamp >= self.lost_until:
            self.lost_until, self.lost_by = stamp, by

    def open(self, name: str) -> None:
        self.entries[name] = deque(maxlen=self.max_lines)
        untrack((self.entries[name],))  # holds only entries: no cycle through it
        self.kept[name] = 0

    def clear(self) -> None:
        self.entries.clear()
        self.kept.clear()
        self.kept_bytes = 0
        self.lost_until = self.lost_by = ""

    def add(self, name: str, batch: Sequence[LogEntry], evicted: Sequence[LogEntry]) -> int:
        """Index a batch the buffer took (`evicted`: what that made it drop, its oldest
        first, then any of the batch's own head). The evicted errors are kept. Returns the
        estimated bytes this freed: evicted lines that are no error, and kept errors the
        index itself had to drop (it holds at most `max_lines`)."""
        index = self.entries[name]
        new = errors_only(batch)
        gone_errors = errors_only(evicted)  # the oldest of the index's rest, once `new` is in
        kept = self.kept[name] + len(gone_errors)
        kept_now = held_bytes(gone_errors)
        self.kept_bytes += kept_now
        freed = held_bytes(evicted) - kept_now if evicted else 0
        over = len(index) + len(new) - self.max_lines
        if over > 0:  # kept ones only: the buffer itself holds at most max_lines errors
            gone = list(islice(chain(index, new), over))
            self._lost(max(map(_timestamp, gone)), "line limit", len(gone))
            dropped = held_bytes(gone)
            self.kept_bytes -= dropped
            freed += dropped
            kept -= over
        index.extend(new)
        self.kept[name] = kept
        return freed

    def shed_kept(self, wanted: int) -> int:
        """Drop the oldest kept errors of any container until `wanted` estimated bytes are
        freed (or none is left); returns the bytes freed."""
        heads = [(self.entries[n][0].timestamp, i, n) for i, (n, k) in enumerate(self.kept.items()) if k]
        heapify(heads)
        freed = 0
        while freed < wanted and heads:
            stamp, order, name = heappop(heads)
            self._lost(stamp, "memory budget")
            index = self.entries[name]
            cost = entry_bytes(index.popleft())
            freed += cost
            self.kept_bytes -= cost
            self.kept[name] -= 1
            if self.kept[name]:
                heappush(heads, (index[0].timestamp, order, name))
        return freed


def _after_bound(bound: tuple[str, int, str] | None, order: int) -> Callable[[str], bool]:
    """Whether an entry of the container at `order` stamped `ts` comes after the next
    oldest head `bound` of the others (equal stamps: container order), so its turn ends."""
    if bound is None:
        return lambda ts: False
    bound_ts, bound_order = bound[0], bound[1]
    if order > bound_order:
        return bound_ts.__le__  # ts >= bound_ts
    return bound_ts.__lt__  # ts > bound_ts


def _shed_lines(
    buffers: dict[str, deque[LogEntry]], index: ErrorIndex, excess: int, kept_room: int
) -> tuple[list[LogEntry], dict[str, int], int]:
    """The oldest lines of any container, their errors kept, until the bytes freed and the
    kept errors past `kept_room` (the caller drops those next) make up `excess`. Returns
    the lines, how many per container, and the bytes freed."""
    kept = index.kept
    heads = [(b[0].timestamp, i, n) for i, (n, b) in enumerate(buffers.items()) if b]
    heapify(heads)
    wanted = excess
    shed: list[LogEntry] = []
    counts: dict[str, int] = {}
    append = shed.append
    while excess > max(0, index.kept_bytes - kept_room) and heads:
        _, order, name = heads[0]
        buffer = buffers[name]
        # This buffer goes first until its head is newer than the next oldest head among
        # the others (the smaller of the root's two children in the heap).
        after = _after_bound(min(heads[1:3], default=None), order)
        taken = len(shed)
        popleft = buffer.popleft
        while excess > max(0, index.kept_bytes - kept_room) and buffer and not after(buffer[0].timestamp):
            entry = popleft()
            if entry.level in ERROR_LEVELS:  # kept: the first of the index not kept yet
                kept[name] += 1
                index.kept_bytes += entry_bytes(entry)
            else:
                excess -= entry_bytes(entry)
            append(entry)
        counts[name] = counts.get(name, 0) + len(shed) - taken
        if buffer:
            heapreplace(heads, (buffer[0].timestamp, order, name))
        else:
            heappop(heads)
    return shed, counts, wanted - excess


def shed(
    buffers: dict[str, deque[LogEntry]], index: ErrorIndex, excess: int, budget: int
) -> tuple[list[LogEntry], dict[str, int], int]:
    """Free at least `excess` estimated bytes of a `budget` (held: more than it): kept
    errors past their share first, then the oldest lines (their errors kept), then kept
    errors past their share again. Returns the lines evicted from the buffers (views and
    merges drop them), how many per container, and the bytes freed."""
    kept_room = budget // KEPT_SHARE
    wanted = excess
    if index.kept_bytes > kept_room:
        excess -= index.shed_kept(index.kept_bytes - kept_room)
    lines: list[LogEntry] = []
    counts: dict[str, int] = {}
    if excess > 0:
        lines, counts, freed = _shed_lines(buffers, index, excess, kept_room)
        excess -= freed
    if index.kept_bytes > kept_room:  # this frees what the lines left of `excess`, or
        excess -= index.shed_kept(index.kept_bytes - kept_room)  # no line is left at all
    return lines, counts, wanted - excess
