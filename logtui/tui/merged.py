"""The time-ordered merge of some containers' entries that the store keeps between calls.

Pure: no Textual. Split from `store` because it is a structure of its own: a `Merged` holds
the merge and, built on first use, its display rows with a level rank per row, and grows in
place as entries arrive, so switching filters or levels never re-sorts or re-expands a
million entries. `LogStore.merged` decides when one is reused, extended or rebuilt.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import compress, repeat
from operator import attrgetter, lshift, not_, or_
from typing import Any

from ..gc_pause import untrack
from ..models import LEVEL_RANK, LogEntry, timestamps_of
from ._hosted import entry_key

_timestamp = attrgetter("timestamp")


def _ranked_rows(
    entries: Iterable[LogEntry], widths: list[int] | None = None
) -> tuple[list[LogEntry], bytearray, list[int]]:
    """Display rows of entries (as `_expand`), each row's level rank (unknown levels rank
    as INFO, as `Filter` does), and the longest line per rank; with `widths`, each row's
    entry's longest line appended to it.

    Runs on every tick of a flood: an entry whose message is the end of its raw line (an
    offset, `LogEntry`'s usual form) is measured on the raw line, without making the
    message (a slice, a copy of the text) as `entry.message` would."""
    rows: list[LogEntry] = []
    ranks = bytearray()
    longest = [0] * (max(LEVEL_RANK.values()) + 1)
    append, mark, rank_of = rows.append, ranks.append, LEVEL_RANK.get
    wide = widths.append if widths is not None else None
    for entry in entries:
        rank = rank_of(entry.level, 1)
        at = entry._msg
        if at.__class__ is int and "\n" not in (raw := entry._raw):
            append(entry)
            mark(rank)
            width = len(raw) - at
        else:
            message = entry.message
            if "\n" in message:
                lines = message.split("\n")
                rows.extend([entry] * len(lines))
                ranks.extend(bytes((rank,)) * len(lines))
                width = max(map(len, lines))
                if widths is not None:
                    widths.extend([width] * (len(lines) - 1))
            else:
                append(entry)
                mark(rank)
                width = len(message)
        if width > longest[rank]:
            longest[rank] = width
        if wide is not None:
            wide(width)
    return rows, ranks, longest


def _sizes(widths: Iterable[int], ranks: Iterable[int]) -> Counter[int]:
    """Rows per (longest line of their entry, level rank), as `width << 3 | rank`."""
    return Counter(map(or_, map(lshift, widths, repeat(3)), ranks))


def _take(sizes: Counter[int], gone: Counter[int]) -> None:
    """Count out rows that left (keeping no size without rows)."""
    sizes.subtract(gone)
    for key in gone:
        if sizes[key] <= 0:
            del sizes[key]


def _longest_of(sizes: Counter[int], ranks: int) -> list[int]:
    """The longest line per rank among the rows `sizes` counts (0 for a rank without)."""
    longest = [0] * ranks
    for key, count in sizes.items():
        if count > 0 and (key >> 3) > longest[key & 7]:
            longest[key & 7] = key >> 3
    return longest


def evicted_marks(evicted: list[LogEntry]) -> tuple[Callable[[int], bool], str]:
    """What `gone_marks` needs of evicted entries: a test of an entry's id, and the newest
    evicted stamp (the entries, long unread and cold in memory, are read for it only)."""
    return set(map(id, evicted)).__contains__, max(timestamps_of(evicted))


def gone_marks(rows: list[LogEntry], is_gone: Callable[[int], bool], newest: str) -> list[bool]:
    """For each of the time-ordered `rows` up to the newest evicted stamp, whether it is an
    evicted entry's: evicted entries are their containers' oldest, so they lie in that
    prefix. By id, in C (a tick at the line limit evicts 25k)."""
    end = bisect_right(rows, newest, key=_timestamp)
    return list(map(is_gone, map(id, rows[:end])))


StoreState = tuple[tuple[int, int], ...]
"""Per chosen container, the entries ever added to and evicted from its buffer: what it holds."""


class Merged:
    """A time-ordered merge of some containers' entries, kept between filter switches.

    Read-only for callers. Its display rows, with a level rank per row, are built on first
    use, so a level switch is a mask over the ranks rather than a test of every entry. All
    grow in place while entries only arrive after the newest (the usual case), and shrink in
    place when the store evicts its oldest; the store rebuilds the merge otherwise.
    """

    __slots__ = (
        "_sizes",
        "entries",
        "key",
        "longest",
        "names",
        "ranks",
        "rows",
        "rows_added",
        "rows_dropped",
        "widths",
    )

    def __init__(self, names: tuple[str, ...], key: StoreState, entries: list[LogEntry]) -> None:
        self.names = names
        self.key = key
        self.entries = entries
        untrack((entries,))  # only entries, for long: no collection need walk it
        self.rows: list[LogEntry] | None = None
        self.ranks = bytearray()
        self.longest: list[int] = []
        self.rows_added = 0
        """Rows added in all since the rows were built (a view sharing them counts by it)."""
        self.rows_dropped = 0
        """Rows of evicted entries removed in all since the rows were built."""
        self.widths = array("I")
        """Per row, the longest line of its entry: what an eviction needs to know whether
        it took a longest line, without reading the evicted entries (cold in memory)."""
        self._sizes: Counter[int] | None = None
        """Once an eviction took a longest line: the rows per (width, rank) (`_sizes`),
        kept from then on, so that the next longest is found among a few hundred sizes.
        Recounting every entry instead cost a flood at the line limit a pass over the
        whole merge on most ticks."""

    def ranked_rows(self) -> tuple[list[LogEntry], bytearray, list[int]]:
        """Rows of every entry, their level ranks, the longest line per rank (shared:
        copy before changing)."""
        if self.rows is None:
            widths: list[int] = []
            self.rows, self.ranks, self.longest = _ranked_rows(self.entries, widths)
            untrack((self.rows,))
            self.widths = array("I", widths)
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
        at = len(entries)
        if entries and entries[-1].timestamp >= first:
            at = self._first_after(first, fresh[0])
        if at == len(entries):  # the usual case: all newer (or equal, and after on ties)
            tail, old_rows = fresh, 0
        else:
            if max_overlap is not None and len(entries) - at > max_overlap:
                return False
            # A stable sort of the two sorted runs is their merge, done in C (Timsort finds
            # the runs): ties keep the kept ones first, as a merge would. Equal stamps of
            # different containers go in container order; with one container the stamp is
            # the whole key (a third of the cost: this runs every tick of a flood).
            old_rows = len(self.rows) - self._row_of(at) if self.rows is not None else 0
            tail = entries[at:] + fresh
            tail.sort(key=self._sort_key())
        self.key = key
        entries[at:] = tail
        if self.rows is not None:
            row_at = len(self.rows) - old_rows
            widths: list[int] = []
            rows, ranks, longest = _ranked_rows(tail, widths)
            self.rows_added += len(rows) - (len(self.rows) - row_at)
            if self._sizes is not None:  # the tail's rows replace the overlapped ones
                _take(self._sizes, _sizes(self.widths[row_at:], self.ranks[row_at:]))
                self._sizes.update(_sizes(widths, ranks))
            self.rows[row_at:] = rows
            self.ranks[row_at:] = ranks
            self.widths[row_at:] = array("I", widths)
            self.longest = list(map(max, self.longest, longest))
        return True

    def _first_after(self, stamp: str, newcomer: LogEntry) -> int:
        """Where `newcomer` (the earliest new entry, stamped `stamp`) goes: after every kept
        entry stamped earlier and after those stamped the same that a fresh merge puts
        first (with one container all of them, being older arrivals; with several, those
        of a container listed no later). Equal stamps are common (podman's whole seconds,
        a burst in one microsecond); counting them as overlap failed cheap catch-ups."""
        entries = self.entries
        at = bisect_right(entries, stamp, key=_timestamp)
        if len(self.names) == 1:
            return at
        order = {name: i for i, name in enumerate(self.names)}
        rank = order[entry_key(newcomer)]
        while at and entries[at - 1].timestamp == stamp and order[entry_key(entries[at - 1])] > rank:
            at -= 1
        return at

    def _row_of(self, at: int) -> int:
        """The first row of `entries[at]`: past the rows stamped earlier, then past the
        rows of the kept entries stamped the same that come before it."""
        assert self.rows is not None
        entries, rows = self.entries, self.rows
        stamp = entries[at].timestamp
        row = bisect_left(rows, stamp, key=_timestamp)
        for _ in range(at - bisect_left(entries, stamp, key=_timestamp)):
            entry = rows[row]
            while row < len(rows) and rows[row] is entry:
                row += 1
        return row

    def _sort_key(self) -> Callable[[LogEntry], Any]:
        """The merge's order: the stamp, and with several containers their order on ties."""
        if len(self.names) == 1:
            return _timestamp
        order = {name: i for i, name in enumerate(self.names)}

        def by_time(entry: LogEntry) -> tuple[str, int]:
            return entry.timestamp, order[entry_key(entry)]

        return by_time

    def drop(self, key: StoreState, evicted: list[LogEntry]) -> int:
        """Remove evicted entries (and their rows); returns how many were held here.

        At the line limit a flood evicts every tick; rebuilding the merge each time (a sort
        and an expansion of every entry) made key presses wait. Evicted entries all lie in
        the prefix up to the newest evicted stamp, so only that prefix is filtered
        (`gone_marks`); if an evicted line may have been a rank's longest, the next longest
        is found in `_sizes`.
        """
        is_gone, newest = evicted_marks(evicted)
        entries = self.entries
        marks = gone_marks(entries, is_gone, newest)
        head = entries[: len(marks)]
        dropped = list(compress(head, marks))
        self.key = key
        if not dropped:
            return 0
        entries[: len(marks)] = compress(head, map(not_, marks))
        if self.rows is not None:
            rows = self.rows
            gone_rows = gone_marks(rows, is_gone, newest)
            row_end = len(gone_rows)
            keep = list(map(not_, gone_rows))
            kept_rows = list(compress(rows[:row_end], keep))
            self.rows_dropped += row_end - len(kept_rows)
            rows[:row_end] = kept_rows
            ranks, widths = self.ranks[:row_end], self.widths[:row_end]
            self.ranks[:row_end] = bytes(compress(ranks, keep))
            self.widths[:row_end] = array("I", compress(widths, keep))
            self._forget_sizes(_sizes(compress(widths, gone_rows), compress(ranks, gone_rows)))
        return len(dropped)

    def _forget_sizes(self, gone: Counter[int]) -> None:
        """Bring the longest line per rank up to date after rows of these sizes left."""
        ranks = len(self.longest)
        sizes = self._sizes
        if sizes is not None:
            _take(sizes, gone)
        widths = _longest_of(gone, ranks)
        if any(0 < width >= most for width, most in zip(widths, self.longest, strict=True)):
            if sizes is None:
                sizes = self._sizes = _sizes(self.widths, self.ranks)
            self.longest = _longest_of(sizes, ranks)
