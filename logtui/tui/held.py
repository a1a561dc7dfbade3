"""What entries held by the dashboard cost in memory: the estimate the memory budget
(`LOGTUI_MEMORY_MB`) counts, from string lengths only, on the hot path of every tick."""

from __future__ import annotations

from collections.abc import Sequence

from ..models import LogEntry

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


def own_strings(entry: LogEntry) -> int:
    """The bytes of the strings an entry holds besides its raw line: a joined multi-line
    message, and the stamps of a line whose stamp is not Docker's fixed form (podman's)."""
    size = 0
    for text in (entry._msg, entry._ts, entry._dts):
        if isinstance(text, str):
            size += STRING_BYTES + len(text)
    return size


def entry_bytes(entry: LogEntry) -> int:
    """`held_bytes([entry])`, without the lists: for passes that go entry by entry."""
    if entry._msg.__class__ is str or entry._dts is not None:
        return ENTRY_BYTES + len(entry._raw) + own_strings(entry)
    return ENTRY_BYTES + len(entry._raw)


def held_bytes(entries: Sequence[LogEntry]) -> int:
    """The estimated memory of entries in the dashboard: the characters of their raw line,
    those of any other string they hold, plus `ENTRY_BYTES` each.

    On the hot path, so only lengths of the compact slots: 60-80 ns an entry (most hold
    only their raw line), where `sys.getsizeof` of the entry and its line costs about 250.
    """
    total = ENTRY_BYTES * len(entries) + sum([len(e._raw) for e in entries])
    for entry in [e for e in entries if e._msg.__class__ is str or e._dts is not None]:
        total += own_strings(entry)
    return total
