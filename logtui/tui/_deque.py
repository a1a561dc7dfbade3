"""Reading a slice of a long deque (the store's per-container buffers) from the near end.

`itertools.islice(buffer, start, stop)` walks every entry before `start`, and a buffer holds
up to 50k-1M entries: taking each tick's few new entries that way cost a walk over every
held entry of every container, every tick (~12 ns an entry: 10 ms a tick for 30 containers
of 27k entries, or one of 870k).
"""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def deque_slice(buffer: deque[T], start: int, stop: int | None = None) -> list[T]:
    """`list(buffer)[start:stop]` for 0 <= start, walking from whichever end is nearer."""
    size = len(buffer)
    stop = size if stop is None else min(stop, size)
    if start >= stop:
        return []
    if start <= size - stop:  # nearer the front
        return list(islice(buffer, start, stop))
    part = list(islice(reversed(buffer), size - stop, size - start))
    part.reverse()
    return part
