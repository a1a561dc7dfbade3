"""The cyclic garbage collector paused while one pass builds many objects that stay.

An error summary over a million lines builds ~20k result dicts beside lists of 100k+
entries. Every 700 such allocations start a young collection, and each walks the big lists
again: measured, 28 young and 2 middle passes, 42 ms of a 188 ms summary. Nothing built in
such a pass forms a cycle (reference counting frees all of it), so the collector waits for
its end. The same holds for a chunk's entries, parsed (`StreamReader`) or built from a parse
worker's columns (`LogEntry.from_columns`, on the dashboard's UI thread).

`untrack` goes further for what the dashboard keeps: its million entries are the bulk of
the objects every full collection walks (measured: 201 ms over 1M entries in a list, 36 ms
with the entries untracked), and under a flood one lands every few seconds. An entry holds
only strings, ints and None, so it can never be part of a cycle, and reference counting
alone frees it: the collector has no business with it.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
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


def _untracker() -> Callable[[int], None] | None:
    """CPython's `PyObject_GC_UnTrack`, called with an object's address (None elsewhere,
    or without ctypes). An address (`id`) converts faster than a `py_object`: 116 against
    159 ns a call."""
    if sys.implementation.name != "cpython":
        return None
    try:
        import ctypes

        address = ctypes.cast(ctypes.pythonapi.PyObject_GC_UnTrack, ctypes.c_void_p).value
    except (ImportError, AttributeError):
        return None
    return ctypes.PYFUNCTYPE(None, ctypes.c_void_p)(address)  # type: ignore[no-any-return]


_UNTRACK = _untracker()


def untrack(objects: Iterable[object]) -> None:
    """Take objects that can never be part of a cycle out of the cyclic collector's sight.

    Only for objects that refer to atomic objects alone (str, int, None: a plain
    `LogEntry` as the parsers make it), or, for a list or deque, to such objects alone:
    one in a cycle would never be collected. ~0.12 µs an object (a ctypes call), paid once,
    against ~0.16 µs in each full collection that walks it and as much in each young one.
    A no-op where CPython's C API is not at hand. Objects the collector does not track
    (untracked already, or never: a str, an int) are skipped: the C call would write into
    the 16 bytes before them. `objects` is held in a list while the calls run, so that no
    object dies between its `id` and the call (an attack pass crashed a generator of
    temporaries that way).
    """
    if _UNTRACK is not None:
        held = objects if isinstance(objects, list | tuple) else list(objects)
        deque(map(_UNTRACK, map(id, filter(gc.is_tracked, held))), maxlen=0)  # consumed in C
