"""The dashboard's memory: bounded per-container buffers, a memory budget, an error index.

Pure: no Textual, no SSH. Every buffer has a line limit, and all of them together an
optional memory budget; the oldest lines go first and are counted, so the UI can say that
lines were dropped and why. What a pane shows of them lives in `views` (`Filter`,
`FilteredView`), the kept time-ordered merge in `merged` and the search text in
`search_text`; this module re-exports the names other code imports from it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import chain, islice
from operator import attrgetter

from ..gc_pause import untrack
from ..models import LogEntry, all_plain
from ._deque import deque_slice
from .budget import ErrorIndex, shed
from .held import held_bytes
from .merged import Merged, StoreState
from .search_text import SearchText as SearchText
from .search_text import compile_search as compile_search
from .search_text import search_needles as search_needles
from .views import MAX_WIDTH as MAX_WIDTH
from .views import Filter as Filter
from .views import FilteredView as FilteredView
from .views import _expand as _expand

_timestamp = attrgetter("timestamp")


DEFAULT_MAX_LINES = 50_000
"""Entries kept per container unless configured otherwise."""
MAX_UNSETTLED = 1 << 16
"""Evicted entries held for the kept merges at most (`LogStore._settle`): a jumped-to time
range stops the ticks' reads of the merges, not the flood."""

SETTLED = 64
"""Scanning back in arrival order, this many older entries in a row end the scan: stdout
and stderr interleave out of time order only by a little."""


def iso(moment: datetime) -> str:
    """A naive UTC moment in the spec's timestamp format, comparable as a string."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


class LogStore:
    """Bounded per-container buffers of entries, plus a bounded index of error entries.

    Two bounds: a line limit per container, and optionally one memory budget for all of
    them (`max_bytes`, by the `held_bytes` estimate), past which the oldest entries of any
    container go first, so a chatty container can push out a quiet one's older lines.
    The error index outlives lines its container's line limit dropped, so the error summary
    still covers the whole window when a chatty container overflows its buffer; those
    errors count in the memory budget too, up to a share of it (`budget`).
    """

    def __init__(
        self, max_lines_per_container: int = DEFAULT_MAX_LINES, max_bytes: int | None = None
    ) -> None:
        if max_lines_per_container < 1:
            raise ValueError("max_lines_per_container must be at least 1")
        if max_bytes is not None and max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        self.max_lines = max_lines_per_container
        self.max_bytes = max_bytes
        """The memory budget of all buffers together, in bytes (None: only the line limit)."""
        self.bytes = 0
        """The estimated memory of the entries held (`held_bytes`): the buffers', and the
        errors only the error index still holds."""
        self.buffers: dict[str, deque[LogEntry]] = {}
        self._index = ErrorIndex(max_lines_per_container)
        self.errors: dict[str, deque[LogEntry]] = self._index.entries
        """Each container's error entries, oldest first (the error index)."""
        self.dropped: dict[str, int] = {}
        """Entries dropped per container, by its line limit or by the memory budget."""
        self.dropped_by_budget: dict[str, int] = {}
        """Of those, the entries dropped because the memory budget was reached."""
        self.received = 0
        """Entries received since the last `clear`."""
        self._added: dict[str, int] = {}
        """Entries ever added per container."""
        self._evicted: dict[str, int] = {}
        """Entries ever evicted per container: with `_added`, it fixes a buffer's content."""
        self._merged: dict[tuple[str, ...], Merged] = {}
        self._texts: dict[str, SearchText] = {}
        self._unsettled: list[LogEntry] = []
        """Entries evicted since the kept merges were last read, not yet taken out of them
        (`_settle`): a tick adds each container's batch in turn, and under a memory budget
        each add evicts a little; taking each little out of a merge of a million rows
        moved the whole of it (four lists) each time, 30 times a tick."""
        self._evicted_then: dict[str, int] = {}
        """`_evicted` when the first of those was evicted."""

    def _buffer(self, name: str) -> deque[LogEntry]:
        buffer = self.buffers.get(name)
        if buffer is None:
            buffer = self.buffers[name] = deque(maxlen=self.max_lines)
            untrack((buffer,))  # holds only entries (see `untrack`)
            self._index.open(name)
            self.dropped[name] = 0
            self.dropped_by_budget[name] = 0
            self._added[name] = 0
            self._evicted[name] = 0
        return buffer

    def add(self, name: str, entries: Iterable[LogEntry]) -> list[LogEntry]:
        """Append a container's new entries; return the entries evicted to make room: its
        oldest past its line limit and, past the memory budget, the oldest of any container
        (views must drop them all)."""
        batch = entries if isinstance(entries, list) else list(entries)
        # Kept for long and never in a cycle: untracked, so that no collection walks them. A
        # subclass could refer back to what holds it (a cycle no collection would then see).
        if not all_plain(batch):
            raise TypeError("the store keeps plain LogEntry objects only (it untracks them)")
        untrack(batch)
        buffer = self._buffer(name)
        evicted_before = dict(self._evicted)
        over = len(buffer) + len(batch) - self.max_lines
        evicted: list[LogEntry] = []
        if over > 0:  # the deque drops these (its oldest, then the batch's) as the batch goes in
            evicted = list(islice(buffer, min(over, len(buffer))))
            if over > len(buffer):
                evicted += batch[: over - len(buffer)]
        buffer.extend(batch)
        self.received += len(batch)
        self._added[name] += len(batch)
        self.bytes += held_bytes(batch) - self._index.add(name, batch, evicted)
        if evicted:
            self.dropped[name] += len(evicted)
            self._evicted[name] += len(evicted)
        if self.max_bytes is not None and self.bytes > self.max_bytes:
            evicted += self._shed(self.bytes - self.max_bytes)
        if evicted and self._merged:
            if not self._unsettled:
                self._evicted_then = evicted_before
            self._unsettled += evicted
            if len(self._unsettled) >= MAX_UNSETTLED:  # nothing read the merges for long
                self._settle()
        return evicted

    def _settle(self) -> None:
        """Take the entries evicted since the merges were last read out of them."""
        if self._unsettled:
            evicted, self._unsettled = self._unsettled, []
            self._drop_from_merges(evicted, self._evicted_then)

    def _drop_from_merges(self, evicted: list[LogEntry], evicted_before: dict[str, int]) -> None:
        """Take evicted entries out of the kept merges (they must not hold them alive). A
        merge that did not hold them all (some arrived and left since it was brought up to
        date) is forgotten: the next `merged` rebuilds it."""
        for chosen, merged in list(self._merged.items()):
            expected = sum(self._evicted[n] - evicted_before.get(n, 0) for n in chosen)
            if not expected:
                continue
            key = tuple((added, self._evicted[n]) for n, (added, _) in zip(chosen, merged.key, strict=True))
            if merged.drop(key, evicted) != expected:
                del self._merged[chosen]

    def _shed(self, excess: int) -> list[LogEntry]:
        """Evict at least `excess` estimated bytes, oldest first across containers."""
        assert self.max_bytes is not None
        evicted, counts, freed = shed(self.buffers, self._index, excess, self.max_bytes)
        for name, taken in counts.items():
            self.dropped[name] += taken
            self.dropped_by_budget[name] += taken
            self._evicted[name] += taken
        self.bytes -= freed
        return evicted

    def clear(self) -> None:
        """Forget everything (a new time window reloads history)."""
        self.buffers.clear()
        self._index.clear()
        self.dropped.clear()
        self.dropped_by_budget.clear()
        self.received = 0
        self.bytes = 0
        self._added.clear()
        self._evicted.clear()
        self._merged.clear()
        self._texts.clear()
        self._unsettled = []

    @property
    def names(self) -> list[str]:
        return list(self.buffers)

    @property
    def size(self) -> int:
        """Entries held in all buffers."""
        return sum(len(b) for b in self.buffers.values())

    @property
    def capacity(self) -> int:
        """Entries the buffers can hold in all."""
        return self.max_lines * max(1, len(self.buffers))

    @property
    def total_dropped(self) -> int:
        return sum(self.dropped.values())

    @property
    def total_dropped_by_budget(self) -> int:
        """Entries dropped because the memory budget was reached (all containers)."""
        return sum(self.dropped_by_budget.values())

    def _state(self, chosen: tuple[str, ...]) -> StoreState:
        return tuple((self._added[n], self._evicted[n]) for n in chosen)

    def _chosen(self, names: Iterable[str] | None) -> tuple[str, ...]:
        return tuple(self.names if names is None else [n for n in names if n in self.buffers])

    def entries(self, names: Iterable[str] | None = None) -> list[LogEntry]:
        """Entries of the given containers (all if None), merged in time order."""
        return list(self.merged(names).entries)

    def merged(self, names: Iterable[str] | None = None) -> Merged:
        """The time-ordered merge of the given containers (all if None), kept between calls.

        Reused while nothing arrived, extended with what arrived while nothing was evicted,
        rebuilt otherwise.
        """
        chosen = self._chosen(names)
        cached = self._caught_up(chosen)
        if cached is not None:
            return cached
        # A buffer is in arrival order, which is time order per stream but not across
        # stdout and stderr; Timsort makes the nearly sorted case cheap.
        key = self._state(chosen)
        entries = sorted(chain.from_iterable(self.buffers[n] for n in chosen), key=_timestamp)
        self._merged.pop(chosen, None)
        while len(self._merged) >= 4:  # a few container choices at most
            del self._merged[next(iter(self._merged))]
        merged = self._merged[chosen] = Merged(chosen, key, entries)
        return merged

    def keeps(self, names: Iterable[str] | None) -> bool:
        """True when a merge of these containers (all if None) is kept."""
        return self._chosen(names) in self._merged

    def keep_merged(self, names: Iterable[str] | None, max_overlap: int) -> Merged | None:
        """Bring the kept merge of these containers up to date now, if it exists and the new
        entries reach back over at most `max_overlap` kept ones (the cheap case: a tick's
        worth of entries, a little out of order); return it then (a view showing its rows
        follows it: `FilteredView.follow`). Otherwise `merged` catches up when asked."""
        return self._caught_up(self._chosen(names), max_overlap)

    def _caught_up(self, chosen: tuple[str, ...], max_overlap: int | None = None) -> Merged | None:
        """The kept merge of `chosen` brought up to date, or None if there is none or it
        cannot be extended (evictions, or more overlap than `max_overlap`)."""
        self._settle()
        cached = self._merged.get(chosen)
        if cached is None:
            return None
        key = self._state(chosen)
        if cached.key == key:
            return cached
        fresh = self._appended(chosen, cached.key, key)
        if fresh is None or not cached.extend(key, fresh, max_overlap):
            return None
        return cached

    def _appended(self, chosen: tuple[str, ...], old: StoreState, new: StoreState) -> list[LogEntry] | None:
        """The entries that arrived between two states, in time order; None if any left
        (by the line limit or the memory budget: the merge's head changed)."""
        fresh: list[LogEntry] = []
        for name, (before, gone_before), (after, gone_after) in zip(chosen, old, new, strict=True):
            if gone_after != gone_before:
                return None
            buffer = self.buffers[name]
            fresh.extend(deque_slice(buffer, len(buffer) - (after - before)))
        fresh.sort(key=_timestamp)
        return fresh

    def find_text(self, names: Iterable[str] | None, needles: Sequence[str]) -> list[LogEntry] | None:
        """Entries whose message contains one of the needles case-insensitively, in time order.

        `needles` are lower-case ASCII. The same entries, in the same order, as filtering
        `entries(names)` with the needles as an IGNORECASE regex; None when some container's
        text holds a character for which lower-casing and IGNORECASE disagree.
        """
        found: list[LogEntry] = []
        for name in self._chosen(names):
            text = self._texts.get(name)
            if text is None:
                text = self._texts[name] = SearchText()
            buffer, added = self.buffers[name], self._added[name]
            text.update(buffer, added)
            if not text.exact:
                return None
            entries = list(buffer)
            found.extend([entries[i] for i in text.find(needles, added - len(buffer))])
        found.sort(key=_timestamp)  # stable: the same order as filtering the merge
        return found

    def prepare_text(self, names: Iterable[str] | None, max_blocks: int = 4) -> bool:
        """Build a little of the search text of these containers; True when all is built.

        Called while the user types a search, so that the search itself only scans.
        """
        for name in self._chosen(names):
            text = self._texts.get(name)
            if text is None:
                text = self._texts[name] = SearchText()
            if not text.update(self.buffers[name], self._added[name], max_blocks):
                return False
        return True

    def forget_text(self) -> None:
        """Drop the search texts (they hold a lower-cased copy of every message)."""
        self._texts.clear()

    @property
    def errors_let_go(self) -> int:
        """Errors the error index let go so far (by the line limit or the memory budget)."""
        return self._index.lost

    def errors_lost(self, cutoff: str) -> str:
        """Which bound let errors stamped at or after `cutoff` go from the error index ("line
        limit" or "memory budget"; the later one's if both), or "" if none went."""
        index = self._index
        return index.lost_by if index.lost_until >= cutoff and index.lost_until else ""

    def errors_since(self, name: str, cutoff: str) -> list[LogEntry]:
        """A container's error entries with a timestamp at or after `cutoff`, oldest first."""
        recent: list[LogEntry] = []
        older = 0
        for entry in reversed(self.errors.get(name, ())):
            if entry.timestamp < cutoff:
                older += 1
                if older > SETTLED:
                    break
                continue
            older = 0
            recent.append(entry)
        recent.sort(key=_timestamp)
        return recent

    def rate(self, name: str, now: datetime, buckets: int = 8, bucket_s: float = 2.0) -> list[int]:
        """Entries per time bucket by their own timestamps, oldest bucket first.

        Timestamps, not arrival times: loading an hour of history is not a burst.
        """
        edges = [iso(now - timedelta(seconds=bucket_s * k)) for k in range(1, buckets + 1)]
        counts = [0] * buckets
        older = 0
        for entry in reversed(self.buffers.get(name, ())):
            ts = entry.timestamp
            if ts < edges[-1]:
                older += 1
                if older > SETTLED:
                    break
                continue
            older = 0
            # the first edge that ts reaches is its bucket (newest bucket is index 0)
            for k, edge in enumerate(edges):
                if ts >= edge:
                    counts[k] += 1
                    break
        counts.reverse()
        return counts
