"""The dashboard's memory: bounded per-container buffers and filtered, time-ordered views.

Pure: no Textual, no SSH. Every buffer has a line limit; the oldest lines go first and are
counted, so the UI can say that lines were dropped. A `FilteredView` is a flat list of
display rows (an entry spanning k lines appears k times in a row), ordered by timestamp, so
a widget can render any visible row in O(1) and merge containers without copying text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from heapq import merge
from itertools import chain
from operator import attrgetter

from ..models import ERROR_LEVELS, LEVEL_RANK, LogEntry

_timestamp = attrgetter("timestamp")

DEFAULT_MAX_LINES = 50_000
"""Entries kept per container unless configured otherwise."""
MAX_WIDTH = 4060
"""Widest row, in characters, that horizontal scrolling reaches (see render.MAX_LINE_CHARS)."""
SETTLED = 64
"""Scanning back in arrival order, this many older entries in a row end the scan: stdout
and stderr interleave out of time order only by a little."""


def iso(moment: datetime) -> str:
    """A naive UTC moment in the spec's timestamp format, comparable as a string."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def line_count(entry: LogEntry) -> int:
    """Display rows of an entry: one per line of its message."""
    return entry.message.count("\n") + 1


class LogStore:
    """Bounded per-container buffers of entries, plus a bounded index of error entries.

    The error index outlives lines dropped from the main buffer, so the error summary still
    covers the whole window when a chatty container overflows its buffer.
    """

    def __init__(self, max_lines_per_container: int = DEFAULT_MAX_LINES) -> None:
        if max_lines_per_container < 1:
            raise ValueError("max_lines_per_container must be at least 1")
        self.max_lines = max_lines_per_container
        self.buffers: dict[str, deque[LogEntry]] = {}
        self.errors: dict[str, deque[LogEntry]] = {}
        self.dropped: dict[str, int] = {}
        self.received = 0
        """Entries received since the last `clear`."""

    def _buffer(self, name: str) -> deque[LogEntry]:
        buffer = self.buffers.get(name)
        if buffer is None:
            buffer = self.buffers[name] = deque(maxlen=self.max_lines)
            self.errors[name] = deque(maxlen=self.max_lines)
            self.dropped[name] = 0
        return buffer

    def add(self, name: str, entries: Iterable[LogEntry]) -> list[LogEntry]:
        """Append a container's new entries; return the entries evicted to make room."""
        buffer = self._buffer(name)
        errors = self.errors[name]
        evicted: list[LogEntry] = []
        for entry in entries:
            if len(buffer) == self.max_lines:
                evicted.append(buffer[0])
            buffer.append(entry)
            if entry.level in ERROR_LEVELS:
                errors.append(entry)
            self.received += 1
        self.dropped[name] += len(evicted)
        return evicted

    def clear(self) -> None:
        """Forget everything (a new time window reloads history)."""
        self.buffers.clear()
        self.errors.clear()
        self.dropped.clear()
        self.received = 0

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

    def entries(self, names: Iterable[str] | None = None) -> list[LogEntry]:
        """Entries of the given containers (all if None), merged in time order."""
        chosen = self.names if names is None else [n for n in names if n in self.buffers]
        # A buffer is in arrival order, which is time order per stream but not across
        # stdout and stderr; Timsort makes the nearly sorted case cheap.
        return sorted(chain.from_iterable(self.buffers[n] for n in chosen), key=_timestamp)

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


def compile_search(text: str) -> tuple[re.Pattern[str], str | None]:
    """A case-insensitive pattern for what the user typed, and an error if it was a bad regex.

    A string that is not a valid regular expression is searched for literally.
    """
    try:
        return re.compile(text, re.IGNORECASE), None
    except re.error as exc:
        return re.compile(re.escape(text), re.IGNORECASE), f"not a valid regex ({exc}); searching literally"


@dataclass(frozen=True)
class Filter:
    """What the log pane shows: one container or all, a minimum level, a text pattern."""

    container: str | None = None
    """Container shown, or None for all containers merged."""
    min_level: str = "DEBUG"
    pattern: re.Pattern[str] | None = None

    @property
    def passes_all(self) -> bool:
        """True when every entry matches (nothing to test per entry)."""
        return self.container is None and self.min_level == "DEBUG" and self.pattern is None

    def select(self, entries: Iterable[LogEntry]) -> list[LogEntry]:
        """The entries that match, in their order (`matches` over a batch, test by test)."""
        chosen = list(entries)
        if self.container is not None:
            chosen = [e for e in chosen if e.container_name == self.container]
        min_rank = LEVEL_RANK[self.min_level]
        if min_rank:
            rank = LEVEL_RANK.get
            chosen = [e for e in chosen if rank(e.level, 1) >= min_rank]
        if self.pattern is not None:
            search = self.pattern.search
            chosen = [e for e in chosen if search(e.message) is not None]
        return chosen

    def matches(self, entry: LogEntry) -> bool:
        if self.container is not None and entry.container_name != self.container:
            return False
        if LEVEL_RANK.get(entry.level, 1) < LEVEL_RANK[self.min_level]:
            return False
        return self.pattern is None or self.pattern.search(entry.message) is not None


def _expand(entries: Iterable[LogEntry]) -> tuple[list[LogEntry], int]:
    """Display rows of entries (an entry of k lines k times) and the longest line's length."""
    rows: list[LogEntry] = []
    append = rows.append
    longest = 0
    for entry in entries:
        message = entry.message
        if "\n" in message:
            lines = message.split("\n")
            rows.extend([entry] * len(lines))
            longest = max(longest, *map(len, lines))
        else:
            append(entry)
            if len(message) > longest:
                longest = len(message)
    return rows, longest


class FilteredView:
    """The rows a log pane shows, kept in timestamp order as entries arrive and leave."""

    def __init__(self, filter: Filter | None = None) -> None:
        self.filter = filter or Filter()
        self.rows: list[LogEntry] = []
        self.width = 0
        """Widest message line seen, in characters (for horizontal scrolling)."""

    def __len__(self) -> int:
        return len(self.rows)

    def rebuild(self, store: LogStore, filter: Filter | None = None) -> None:
        """Recompute the rows from the store, optionally with a new filter."""
        if filter is not None:
            self.filter = filter
        names = None if self.filter.container is None else [self.filter.container]
        entries = store.entries(names)
        if not self.filter.passes_all:
            entries = self.filter.select(entries)
        self.rows, longest = _expand(entries)
        self.width = min(longest, MAX_WIDTH)

    def add(self, entries: Iterable[LogEntry]) -> int:
        """Add new entries that pass the filter; return how many rows were added."""
        fresh = self.filter.select(entries)
        if not fresh:
            return 0
        fresh.sort(key=_timestamp)  # stable: a container's own order is kept
        new_rows, longest = _expand(fresh)
        self.width = max(self.width, min(longest, MAX_WIDTH))
        rows = self.rows
        if not rows or fresh[0].timestamp >= rows[-1].timestamp:
            rows.extend(new_rows)  # the usual case: everything new is newest
        elif len(fresh) <= 32:
            start = 0
            while start < len(new_rows):  # block by block, each after its equal stamps
                end = start + 1
                while end < len(new_rows) and new_rows[end] is new_rows[start]:
                    end += 1
                pos = bisect_right(rows, new_rows[start].timestamp, key=_timestamp)
                rows[pos:pos] = new_rows[start:end]
                start = end
        else:  # a burst of older lines: merge it with the rows it overlaps, O(overlap + m)
            at = bisect_right(rows, fresh[0].timestamp, key=_timestamp)
            rows[at:] = merge(rows[at:], new_rows, key=_timestamp)
        return len(new_rows)

    def remove(self, evicted: list[LogEntry]) -> int:
        """Drop rows of entries evicted from the store; return how many rows went.

        Evicted entries are each container's oldest, so they sit in a prefix of the rows
        that ends at the newest evicted timestamp: only that prefix is rebuilt.
        """
        if not evicted or not self.rows:
            return 0
        gone = {id(e) for e in evicted}
        newest = max(e.timestamp for e in evicted)
        end = bisect_right(self.rows, newest, key=_timestamp)
        kept = [r for r in self.rows[:end] if id(r) not in gone]
        removed = end - len(kept)
        if removed:
            self.rows[:end] = kept
        return removed

    def row(self, index: int) -> tuple[LogEntry, int]:
        """The entry shown on row `index` and which of its lines that row is."""
        rows = self.rows
        entry = rows[index]
        line = 0
        while index - line > 0 and rows[index - line - 1] is entry:
            line += 1
        return entry, line

    def find(self, entry: LogEntry) -> int | None:
        """The first row of `entry`, or None if it is not shown."""
        rows = self.rows
        at = bisect_left(rows, entry.timestamp, key=_timestamp)
        while at < len(rows) and rows[at].timestamp == entry.timestamp:
            if rows[at] is entry:
                return at
            at += 1
        return None

    def unique_entries(self) -> Iterator[LogEntry]:
        """Each shown entry once, in display order."""
        previous: LogEntry | None = None
        for entry in self.rows:
            if entry is not previous:
                yield entry
                previous = entry

    def next_match(self, start: int, forward: bool = True) -> int | None:
        """The next row after (or before) `start` whose text matches the filter's pattern.

        Wraps around; None when nothing matches or there is no pattern.
        """
        pattern = self.filter.pattern
        total = len(self.rows)
        if pattern is None or total == 0:
            return None
        step = 1 if forward else -1
        index = start
        for _ in range(total):
            index = (index + step) % total
            entry, line = self.row(index)
            text = entry.message.split("\n")[line] if "\n" in entry.message else entry.message
            if pattern.search(text):
                return index
        return None
