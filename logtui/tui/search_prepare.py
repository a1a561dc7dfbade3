"""The Polars blocks of a big store built while the user types a search, on a worker thread.

A search over at least `search_job.RUST_LITERAL_MIN` entries scans `RegexBlocks` (literal
and regex alike); building them is most of a first search's time (~400 ms for 868k
entries, a warm one ~75 ms). While the search box is open the UI thread takes a `Snapshot`
(list copies) and `prepare_blocks` builds the blocks of it here, as `SearchJob._rust` does,
holding the caches' lock (one job at a time); each block's text is cut (and its case-fold
traps found) on `scan_pool` while the next is made. A search submitted meanwhile cancels
it (checked between blocks) and reuses the blocks already built: `RegexBlocks.starts`
fills in what is missing.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future

from . import search_job
from .search_job import SearchCaches, Snapshot
from .search_rust import Block, RegexBlocks, scan_pool
from .store import Filter, LogStore

LOCK_POLL_S = 0.05
"""How often a preparation waiting for a running search's lock checks that it is wanted."""


def big(store: LogStore, filter: Filter) -> bool:
    """True when a search of the filter's containers would scan Polars blocks (no per-entry
    work: the buffers' lengths)."""
    names = filter.names(store.names)
    chosen = store.names if names is None else [n for n in names if n in store.buffers]
    return sum(len(store.buffers[n]) for n in chosen) >= search_job.RUST_LITERAL_MIN


FOLD = frozenset({"fold"})
"""The trap set of most searches with a letter that case-folding can trap (i, k, s: literal
ones run as their Rust plan): its texts are found ahead too."""


def _cut(block: Block) -> None:
    """Cut the block's texts and find its fold traps (Polars' Rust, mostly off the GIL)."""
    block.traps(FOLD)


def prepare_blocks(snapshot: Snapshot, caches: SearchCaches, cancel: threading.Event) -> bool:
    """Build (and cut) the snapshot's blocks; True when all are built, False if cancelled."""
    while not caches.lock.acquire(timeout=LOCK_POLL_S):  # a search runs: it builds them too
        if cancel.is_set():
            return False
    cuts: deque[Future[None]] = deque()
    pool = scan_pool()
    try:
        for part in snapshot.parts:
            if cancel.is_set():
                return False
            blocks = caches.blocks.setdefault(part.name, RegexBlocks())
            for first in blocks.starts(part.entries, part.base):
                if cancel.is_set():
                    return False
                try:
                    cuts.append(pool.submit(_cut, blocks.block(first, part.entries, part.base)))
                except RuntimeError:  # the pool was shut down: the dashboard is closing
                    return False
                while len(cuts) > search_job.SCANS:
                    cuts.popleft().result()
        while cuts:
            if cancel.is_set():
                return False
            cuts.popleft().result()
        return True
    finally:
        for future in cuts:
            future.cancel()  # one already cutting finishes on its own (`Block.series` locks)
        caches.lock.release()
