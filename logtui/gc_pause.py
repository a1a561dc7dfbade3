"""The cyclic garbage collector paused while one pass builds many objects that stay.

An error summary over a million lines builds ~20k result dicts beside lists of 100k+
entries. Every 700 such allocations start a young collection, and each walks the big lists
again: measured, 28 young and 2 middle passes, 42 ms of a 188 ms summary. Nothing built in
such a pass forms a cycle (reference counting frees all of it), so the collector waits for
its end. The same holds for a chunk's entries, parsed (`StreamReader`) or built from a parse
worker's columns (`LogEntry.from_columns`, on the dashboard's UI thread).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
"""Pauses under way, in any thread."""
_resume = False
"""Whether the collector was on when the first of them began (then the last turns it on)."""


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection in the block. Pauses may overlap across threads (the API may
    be called from several): the collector stays off until the last one ends, and is then
    as it was before the first began."""
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
