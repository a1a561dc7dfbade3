"""What a log pane shows: the `Filter` it applies and its `FilteredView` of display rows.

Pure: no Textual, no SSH. Split from `store`, which holds the entries, because a view only
reads them: a `FilteredView` is a flat list of display rows (an entry spanning k lines
appears k times in a row), ordered by timestamp, so a widget can render any visible row in
O(1) and merge containers without copying text; it is rebuilt from the store's kept merge
or search text and then follows arrivals and evictions.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import compress
from operator import attrgetter, not_
from typing import TYPE_CHECKING

from ..gc_pause import untrack
from ..models import LEVEL_RANK, LogEntry
from ..textsafe import strip_escapes
from ._hosted import entry_host, entry_key, key_host
from .merged import evicted_marks, gone_marks
from .search_text import search_needles, searchable

if TYPE_CHECKING:
    from .merged import Merged
    from .store import LogStore

_timestamp = attrgetter("timestamp")
_AT_LEAST = {rank: bytes(int(r >= rank) for r in range(256)) for rank in LEVEL_RANK.values()}
"""Per minimum rank, a `bytes.translate` table turning level ranks into keep (1) / drop (0)."""

MAX_WIDTH = 4060
"""Widest row, in characters, that horizontal scrolling reaches (see render.MAX_LINE_CHARS)."""


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
    """Display rows of entries (an entry of k lines k times) and the longest line's length
    (an entry whose message is the end of its raw line is measured on the raw line, without
    making the message: this runs on every tick of a flood)."""
    rows: list[LogEntry] = []
    append = rows.append
    longest = 0
    for entry in entries:
        at = entry._msg
        if at.__class__ is int and "\n" not in (raw := entry._raw):
            append(entry)
            if len(raw) - at > longest:
                longest = len(raw) - at
            continue
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
        self._rows: list[LogEntry] = []
        self._spare: list[LogEntry] = []
        """The list the view fills in place with rows of its own (`_fill`): a level's mask
        over the kept merge, or its copy of the merge's rows. A new list of up to a million
        rows is walked by the next young garbage collection and again by a middle one
        (5-20 ms each; every level key made one); this one is old, so neither walks it.
        Emptied whenever the rows are another list, so that it keeps no entry alive."""
        untrack((self._rows, self._spare))  # only entries, up to a million: not walked
        self.width = 0
        """Widest message line seen, in characters (for horizontal scrolling)."""
        self._shared: Merged | None = None
        """The kept merge whose rows list `rows` is (no pattern, every level), else None.
        Under a flood, merging a tick's entries into a copy of those rows cost the UI
        thread as much again as merging them into the kept merge: the view follows it."""
        self._counted = (0, 0)
        """The shared merge's (rows_added, rows_dropped) when last followed."""

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def rows(self) -> list[LogEntry]:
        """The rows in order: an entry once per line it shows."""
        return self._rows

    @rows.setter
    def rows(self, rows: list[LogEntry]) -> None:
        if rows is not self._spare and self._spare:
            self._spare.clear()
        self._rows = rows
        untrack((rows,))  # see `__init__`

    def _fill(self, rows: Iterable[LogEntry]) -> None:
        """Make `rows` the view's rows, in its own old list (`_spare`). `rows` must not read
        that list: it is emptied first."""
        spare = self._spare
        if rows is not spare:
            spare.clear()
            spare.extend(rows)  # from an iterator: no list in between
        self._rows = spare

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
        self._shared = None
        if current.pattern is None:
            store.forget_text()
            merged = store.merged(names)
            rows, ranks, longest = merged.ranked_rows()
            if min_rank:
                self._fill(compress(rows, ranks.translate(_AT_LEAST[min_rank])))
            else:  # the merge's own rows, read only here (`_unshare` before any change)
                self.rows, self._shared = rows, merged
                self._counted = (merged.rows_added, merged.rows_dropped)
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

    def follow(self, merged: Merged) -> tuple[int, int] | None:
        """(rows added, rows removed) since the last call, when this view's rows are the
        rows of `merged` (brought up to date by the store: arrivals and evictions are
        already in them); None when they are not (then `add` and `remove` apply them)."""
        if self._shared is not merged or merged.rows is not self.rows:
            return None
        self.width = min(max(merged.longest, default=0), MAX_WIDTH)
        return self._changes(merged)

    def _changes(self, merged: Merged) -> tuple[int, int]:
        """(rows added, rows removed) the shared merge made since last counted."""
        added, dropped = self._counted
        self._counted = (merged.rows_added, merged.rows_dropped)
        return merged.rows_added - added, merged.rows_dropped - dropped

    def settle(self) -> tuple[int, int]:
        """Stop sharing the kept merge's rows (it could not be followed this time: it was
        forgotten, or it did not take the new entries); (rows added, rows removed) it made
        to them since last counted: evictions it applied before it was given up."""
        shared = self._shared
        changes = (0, 0) if shared is None or shared.rows is not self.rows else self._changes(shared)
        self._unshare()
        return changes

    def _unshare(self) -> None:
        """Own the rows before changing them (they may be the kept merge's)."""
        if self._shared is not None:
            if self.rows is self._shared.rows:
                self._fill(self.rows)
            self._shared = None

    def add(self, entries: Iterable[LogEntry]) -> int:
        """Add new entries that pass the filter; return how many rows were added."""
        return self.insert(self.filter.select(entries))

    def insert(self, fresh: list[LogEntry]) -> int:
        """Add entries known to pass the filter (sorted here); return the rows added."""
        if not fresh:
            return 0
        self._unshare()
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
        self._unshare()
        marks = gone_marks(self.rows, *evicted_marks(evicted))
        removed = sum(marks)
        if removed:
            self.rows[: len(marks)] = compress(self.rows[: len(marks)], map(not_, marks))
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
