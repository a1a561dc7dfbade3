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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from heapq import heapify, heappop, heapreplace
from itertools import chain, compress, islice
from operator import attrgetter

from ..models import ERROR_LEVELS, LEVEL_RANK, LogEntry
from ..textsafe import strip_escapes
from ._hosted import entry_host, entry_key, key_host
from .search_text import SearchText, search_needles, searchable
from .search_text import compile_search as compile_search

_timestamp = attrgetter("timestamp")
_AT_LEAST = {rank: bytes(int(r >= rank) for r in range(256)) for rank in LEVEL_RANK.values()}
"""Per minimum rank, a `bytes.translate` table turning level ranks into keep (1) / drop (0)."""


DEFAULT_MAX_LINES = 50_000
"""Entries kept per container unless configured otherwise."""
MB = 1 << 20
"""Bytes in a MB, as LOGTUI_MEMORY_MB counts them."""
ENTRY_BYTES = 200
"""What an entry held by the dashboard costs beyond the characters of its raw line.

Measured on the bench data (`bench/_data.py` `bulk_data(100_000)` and `(300_000)`, parsed by
`StreamReader`: 87k and 261k entries, 200 characters each on average): the process's RSS
grew by 398-403 bytes per entry once the entries were in a `LogStore`, its kept merge with
display rows and a `FilteredView`, which is 198-203 bytes beyond the characters
(tracemalloc: 179, without the allocator's rounding). That is the `LogEntry` object, its
string header, the deque, merge, row and view references and the level ranks.
"""
STRING_BYTES = 56
"""A string of its own beyond its characters: 49 bytes of header (CPython 3.11, ASCII) and
the allocator's rounding to 16 bytes. Most entries have none: their message and stamps
are slices of the raw line made when read (`LogEntry`)."""


def _own_strings(entry: LogEntry) -> int:
    """The bytes of the strings an entry holds besides its raw line: a joined multi-line
    message, and the stamps of a line whose stamp is not Docker's fixed form (podman's)."""
    size = 0
    for text in (entry._msg, entry._ts, entry._dts):
        if isinstance(text, str):
            size += STRING_BYTES + len(text)
    return size


def held_bytes(entries: Sequence[LogEntry]) -> int:
    """The estimated memory of entries in the dashboard: the characters of their raw line,
    those of any other string they hold, plus `ENTRY_BYTES` each.

    On the hot path, so only lengths of the compact slots: 60-80 ns an entry (most hold
    only their raw line), where `sys.getsizeof` of the entry and its line costs about 250.
    """
    total = ENTRY_BYTES * len(entries) + sum([len(e._raw) for e in entries])
    for entry in [e for e in entries if e._msg.__class__ is str or e._dts is not None]:
        total += _own_strings(entry)
    return total


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


def _ranked_rows(entries: Iterable[LogEntry]) -> tuple[list[LogEntry], bytearray, list[int]]:
    """Display rows of entries (as `_expand`), each row's level rank (unknown levels rank
    as INFO, as `Filter` does), and the longest line per rank."""
    rows: list[LogEntry] = []
    ranks = bytearray()
    longest = [0] * (max(LEVEL_RANK.values()) + 1)
    append, mark, rank_of = rows.append, ranks.append, LEVEL_RANK.get
    for entry in entries:
        rank = rank_of(entry.level, 1)
        message = entry.message
        if "\n" in message:
            lines = message.split("\n")
            rows.extend([entry] * len(lines))
            ranks.extend(bytes((rank,)) * len(lines))
            width = max(map(len, lines))
        else:
            append(entry)
            mark(rank)
            width = len(message)
        if width > longest[rank]:
            longest[rank] = width
    return rows, ranks, longest


StoreState = tuple[tuple[int, int], ...]
"""Per chosen container, the entries ever added to and evicted from its buffer: what it holds."""


class Merged:
    """A time-ordered merge of some containers' entries, kept between filter switches.

    Read-only for callers. Its display rows, with a level rank per row, are built on first
    use, so a level switch is a mask over the ranks rather than a test of every entry. All
    grow in place while entries only arrive after the newest (the usual case); the store
    rebuilds the merge otherwise.
    """

    __slots__ = ("entries", "key", "longest", "names", "ranks", "rows")

    def __init__(self, names: tuple[str, ...], key: StoreState, entries: list[LogEntry]) -> None:
        self.names = names
        self.key = key
        self.entries = entries
        self.rows: list[LogEntry] | None = None
        self.ranks = bytearray()
        self.longest: list[int] = []

    def ranked_rows(self) -> tuple[list[LogEntry], bytearray, list[int]]:
        """Rows of every entry, their level ranks, the longest line per rank (shared:
        copy before changing)."""
        if self.rows is None:
            self.rows, self.ranks, self.longest = _ranked_rows(self.entries)
        return self.rows, self.ranks, self.longest

    def extend(self, key: StoreState, fresh: list[LogEntry], max_overlap: int | None = None) -> bool:
        """Add entries that arrived (sorted by time, ties in container order); False, and
        nothing done, when they reach back over more than `max_overlap` kept entries.

        Only the tail they overlap is merged and re-expanded (stdout, stderr and containers
        arrive a little out of order; re-sorting a million entries for that would stall the
        UI). Equal stamps end up in container order, then arrival order: what a fresh sort
        of the buffers gives.
        """
        entries = self.entries
        if not fresh:
            self.key = key
            return True
        first = fresh[0].timestamp
        if not entries or entries[-1].timestamp < first:  # the usual case: all newer
            at, tail = len(entries), fresh
        else:
            at = bisect_left(entries, first, key=_timestamp)
            if max_overlap is not None and len(entries) - at > max_overlap:
                return False
            order = {name: i for i, name in enumerate(self.names)}

            def by_time(entry: LogEntry) -> tuple[str, int]:
                return entry.timestamp, order[entry_key(entry)]

            # A stable sort of the two sorted runs is their merge, done in C (Timsort finds
            # the runs): ties keep the kept ones first, as a merge would.
            tail = entries[at:] + fresh
            tail.sort(key=by_time)
        self.key = key
        appended = at == len(entries)
        entries[at:] = tail
        if self.rows is not None:
            row_at = len(self.rows) if appended else bisect_left(self.rows, first, key=_timestamp)
            rows, ranks, longest = _ranked_rows(tail)
            self.rows[row_at:] = rows
            self.ranks[row_at:] = ranks
            self.longest = list(map(max, self.longest, longest))
        return True


class LogStore:
    """Bounded per-container buffers of entries, plus a bounded index of error entries.

    Two bounds: a line limit per container, and optionally one memory budget for all of
    them (`max_bytes`, by the `held_bytes` estimate), past which the oldest entries of any
    container go first, so a chatty container can push out a quiet one's older lines.
    The error index outlives lines dropped from the main buffer, so the error summary still
    covers the whole window when a chatty container overflows its buffer.
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
        """The estimated memory of the entries in the buffers (`held_bytes`)."""
        self.buffers: dict[str, deque[LogEntry]] = {}
        self.errors: dict[str, deque[LogEntry]] = {}
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

    def _buffer(self, name: str) -> deque[LogEntry]:
        buffer = self.buffers.get(name)
        if buffer is None:
            buffer = self.buffers[name] = deque(maxlen=self.max_lines)
            self.errors[name] = deque(maxlen=self.max_lines)
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
        buffer = self._buffer(name)
        over = len(buffer) + len(batch) - self.max_lines
        evicted: list[LogEntry] = []
        if over > 0:  # the deque drops these (its oldest, then the batch's) as the batch goes in
            evicted = list(islice(buffer, min(over, len(buffer))))
            if over > len(buffer):
                evicted += batch[: over - len(buffer)]
        buffer.extend(batch)
        self.errors[name].extend([e for e in batch if e.level in ERROR_LEVELS])
        self.received += len(batch)
        self._added[name] += len(batch)
        self.bytes += held_bytes(batch)
        if evicted:
            self.bytes -= held_bytes(evicted)
            self.dropped[name] += len(evicted)
            self._evicted[name] += len(evicted)
        if self.max_bytes is not None and self.bytes > self.max_bytes:
            evicted += self._shed(self.bytes - self.max_bytes)
        if evicted:
            self._merged.clear()  # a kept merge must not hold evicted entries alive
        return evicted

    def _shed(self, excess: int) -> list[LogEntry]:
        """Evict at least `excess` estimated bytes, oldest first across containers (the
        buffer whose head has the oldest stamp; container order breaks ties)."""
        buffers, wanted = self.buffers, excess
        heads = [(b[0].timestamp, i, n) for i, (n, b) in enumerate(buffers.items()) if b]
        heapify(heads)
        shed: list[LogEntry] = []
        append = shed.append
        while excess > 0 and heads:
            _, index, name = heads[0]
            buffer = buffers[name]
            popleft = buffer.popleft
            # This buffer goes first until its head is newer than the next oldest head
            # among the others (the smaller of the root's two children in the heap).
            bound = min(heads[1:3], default=None)
            bound_ts, bound_index = (bound[0], bound[1]) if bound is not None else (None, 0)
            taken = len(shed)
            while excess > 0 and buffer:
                if bound_ts is not None:
                    ts = buffer[0].timestamp
                    if ts > bound_ts or (ts == bound_ts and index > bound_index):
                        break
                entry = popleft()
                excess -= ENTRY_BYTES + len(entry._raw)
                if entry._msg.__class__ is str or entry._dts is not None:
                    excess -= _own_strings(entry)
                append(entry)
            taken = len(shed) - taken
            self.dropped[name] += taken
            self.dropped_by_budget[name] += taken
            self._evicted[name] += taken
            if buffer:
                heapreplace(heads, (buffer[0].timestamp, index, name))
            else:
                heappop(heads)
        self.bytes -= wanted - excess
        return shed

    def clear(self) -> None:
        """Forget everything (a new time window reloads history)."""
        self.buffers.clear()
        self.errors.clear()
        self.dropped.clear()
        self.dropped_by_budget.clear()
        self.received = 0
        self.bytes = 0
        self._added.clear()
        self._evicted.clear()
        self._merged.clear()
        self._texts.clear()

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

    def keep_merged(self, names: Iterable[str] | None, max_overlap: int) -> None:
        """Bring the kept merge of these containers up to date now, if it exists and the new
        entries reach back over at most `max_overlap` kept ones (the cheap case: a tick's
        worth of entries, a little out of order). Otherwise `merged` catches up when asked."""
        self._caught_up(self._chosen(names), max_overlap)

    def _caught_up(self, chosen: tuple[str, ...], max_overlap: int | None = None) -> Merged | None:
        """The kept merge of `chosen` brought up to date, or None if there is none or it
        cannot be extended (evictions, or more overlap than `max_overlap`)."""
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
            fresh.extend(islice(buffer, len(buffer) - (after - before), None))
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


@dataclass(frozen=True)
class Filter:
    """What the log pane shows: one container or all, a minimum level, a text pattern."""

    container: str | None = None
    """Container shown (its store key: `host/name` among several hosts), or None for all
    containers merged."""
    min_level: str = "DEBUG"
    pattern: re.Pattern[str] | None = None
    host: str | None = None
    """Among several hosts, the one host shown (all of its containers), or None."""

    @property
    def passes_all(self) -> bool:
        """True when every entry matches (nothing to test per entry)."""
        everywhere = self.container is None and self.host is None
        return everywhere and self.min_level == "DEBUG" and self.pattern is None

    def names(self, keys: Iterable[str]) -> list[str] | None:
        """Which of the store's `keys` this filter shows (None: all of them)."""
        if self.container is not None:
            return [self.container]
        if self.host is not None:
            return [k for k in keys if key_host(k) == self.host]
        return None

    def select(self, entries: Iterable[LogEntry]) -> list[LogEntry]:
        """The entries that match, in their order (`matches` over a batch, test by test)."""
        chosen = list(entries)
        if self.container is not None:
            chosen = [e for e in chosen if entry_key(e) == self.container]
        if self.host is not None:
            chosen = [e for e in chosen if entry_host(e) == self.host]
        min_rank = LEVEL_RANK[self.min_level]
        if min_rank:
            rank = LEVEL_RANK.get
            chosen = [e for e in chosen if rank(e.level, 1) >= min_rank]
        if self.pattern is not None:
            search = self.pattern.search
            if isinstance(self.pattern, re.Pattern):  # a text search: colours are not text
                chosen = [
                    e
                    for e in chosen
                    if search(m if "\x1b" not in (m := e.message) else strip_escapes(m)) is not None
                ]
            else:  # an error group's matcher: it templates the message as the summary did
                chosen = [e for e in chosen if search(e.message) is not None]
        return chosen

    def matches(self, entry: LogEntry) -> bool:
        if self.container is not None and entry_key(entry) != self.container:
            return False
        if self.host is not None and entry_host(entry) != self.host:
            return False
        if LEVEL_RANK.get(entry.level, 1) < LEVEL_RANK[self.min_level]:
            return False
        if self.pattern is None:
            return True
        message = entry.message
        if isinstance(self.pattern, re.Pattern):
            message = searchable(message)
        return self.pattern.search(message) is not None


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
        """Recompute the rows from the store, optionally with a new filter.

        Without a pattern, the rows come from the store's kept merge (a level is a mask over
        its level ranks); a literal pattern is found in the store's search text; any other
        regex is tried on each entry.
        """
        if filter is not None:
            self.filter = filter
        current = self.filter
        names = current.names(store.names)
        min_rank = LEVEL_RANK[current.min_level]
        if current.pattern is None:
            store.forget_text()
            rows, ranks, longest = store.merged(names).ranked_rows()
            if min_rank:
                self.rows = list(compress(rows, ranks.translate(_AT_LEAST[min_rank])))
            else:
                self.rows = list(rows)
            self.width = min(max(longest[min_rank:], default=0), MAX_WIDTH)
            return
        else:
            needles = search_needles(current.pattern)
            found = None if needles is None else store.find_text(names, needles)
            if found is None:
                entries = current.select(store.merged(names).entries)
            elif min_rank:
                entries = Filter(min_level=current.min_level).select(found)
            else:
                entries = found
        self.rows, longest = _expand(entries)
        self.width = min(longest, MAX_WIDTH)

    def add(self, entries: Iterable[LogEntry]) -> int:
        """Add new entries that pass the filter; return how many rows were added."""
        return self.insert(self.filter.select(entries))

    def insert(self, fresh: list[LogEntry]) -> int:
        """Add entries known to pass the filter (sorted here); return the rows added."""
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
            tail = rows[at:] + new_rows
            tail.sort(key=_timestamp)  # stable: the merge of the two sorted runs, in C
            rows[at:] = tail
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
            if pattern.search(searchable(text) if isinstance(pattern, re.Pattern) else text):
                return index
        return None
