"""Searching with Rust's regex engine through Polars: linear time, and off the GIL.

Polars is imported on first use only (`logtui --help` and the dashboard's start stay light).
A container's searchable messages (`searchable`: escapes stripped, as `Filter.select` sees
them) are kept as Polars string Series in blocks of `BLOCK` entries numbered from the
container's first entry ever, like `SearchText`: new entries only add blocks, evicted ones
only drop them, so a search over a million entries converts only what arrived since the
last one. The blocks are a copy of the messages: they are dropped when the search is cleared.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from ..models import LogEntry, message_sources
from ..search_engine import FOLD_TRAPS, Plan
from ..textsafe import strip_escapes

if TYPE_CHECKING:
    import polars as pl

BLOCK = 8192
"""Entries per block of searchable text."""
SCAN_THREADS = 2
"""Threads searching blocks at once (`scan_pool`): the dashboard's machines have a few cores."""


def _polars() -> Any:
    import polars

    return polars


def searchable_texts(entries: Sequence[LogEntry]) -> list[str]:
    """Each entry's message as a search sees it (`searchable`), built from the raw lines
    without a per-entry property call."""
    texts, skips = message_sources(entries)
    out = [text[skip:] if skip else text for text, skip in zip(texts, skips, strict=True)]
    for i, text in enumerate(out):
        if "\x1b" in text:
            out[i] = strip_escapes(text)
    return out


def to_series(texts: list[str]) -> tuple[pl.Series, list[int]]:
    """The texts as a Polars Series, and the indices of texts it cannot hold (lone
    surrogates have no UTF-8 form): those are put in as empty strings and left to `re`."""
    pl = _polars()
    try:
        return pl.Series(texts, dtype=pl.String), []
    except UnicodeEncodeError:
        bad = []
        for i, text in enumerate(texts):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                bad.append(i)
        clean = list(texts)
        for i in bad:
            clean[i] = ""
        return pl.Series(clean, dtype=pl.String), bad


def _ranges(codes: Sequence[int]) -> str:
    """Code points (sorted) as the ranges of a Rust class."""
    spans: list[list[int]] = []
    for code in codes:
        if spans and code == spans[-1][1] + 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return "".join(f"\\x{{{lo:X}}}" + (f"-\\x{{{hi:X}}}" if hi != lo else "") for lo, hi in spans)


_PYTHON_CLASSES = {
    "digit": ("\\d", str.isdecimal),
    "space": ("\\s", str.isspace),
    "word": ("\\w", lambda c: c.isalnum() or c == "_"),
}
"""Rust's class and `re`'s meaning of it for str patterns (sre's Unicode categories)."""


@cache
def class_difference(kind: str) -> tuple[int, ...]:
    """Code points that `re`'s `\\d`/`\\s`/`\\w` and Rust's classify differently.

    Computed once per process against the Polars that is installed (about 0.3 s, in the
    search worker), so a newer Unicode on either side cannot make the engines disagree.
    """
    pl = _polars()
    syntax, python = _PYTHON_CLASSES[kind]
    codes = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    chars = [chr(c) for c in codes]
    rust = pl.Series(chars, dtype=pl.String).str.contains(f"^{syntax}$").to_list()
    return tuple(code for code, char, r in zip(codes, chars, rust, strict=True) if python(char) != r)


@lru_cache(maxsize=32)
def trap_regex(traps: frozenset[str]) -> str | None:
    """A Rust class of the characters whose presence makes a text go to `re` (None: none)."""
    codes: set[int] = set()
    if "fold" in traps:
        codes.update(map(ord, FOLD_TRAPS))
    for kind in ("digit", "space", "word"):
        if kind in traps:
            codes.update(class_difference(kind))
    return f"[{_ranges(sorted(codes))}]" if codes else None


@lru_cache(maxsize=64)
def check(plan: Plan) -> bool:
    """True when Polars compiles the plan's Rust pattern (and its trap class). The search
    worker asks first, so the UI thread finds the answer (and Polars) ready."""
    pl = _polars()
    try:
        probe = pl.Series([""], dtype=pl.String)
        probe.str.contains(plan.rust)
        traps = trap_regex(plan.traps)
        if traps is not None:
            probe.str.contains(traps)
    except Exception:  # a Polars compute error: too big, or a syntax Rust refuses
        return False
    return True


def rust_find(series: pl.Series, plan: Plan, unfit: Sequence[int] = ()) -> tuple[list[int], list[int]]:
    """(indices Rust's answer holds for, indices that `re` must decide: trap characters or
    texts Polars cannot hold)."""
    matched = series.str.contains(plan.rust)
    traps = trap_regex(plan.traps)
    empty = "empty" in plan.traps
    if traps is None and not unfit and not empty:
        return matched.arg_true().to_list(), []
    trapped = series.str.contains(traps) if traps is not None else matched & False
    if empty:
        trapped = trapped | (series.str.len_bytes() == 0)
    if unfit:
        pl = _polars()
        trapped = trapped.scatter(list(unfit), pl.Series([True] * len(unfit)))
    return (matched & ~trapped).arg_true().to_list(), trapped.arg_true().to_list()


def block_series(entries: Sequence[LogEntry]) -> tuple[pl.Series, list[int]]:
    """`to_series(searchable_texts(entries))` for a block, with less Python per entry: the
    raw texts go to Polars whole and are cut at their messages' starts there (`_cut`)."""
    texts, skips = message_sources(entries)
    raw, unfit = to_series(texts)  # an unfit text is "" there, and stays "" when cut
    return _cut(raw, texts, skips), unfit


def _cut(raw: pl.Series, texts: list[str], skips: list[int]) -> pl.Series:
    """The raw texts cut at their messages' starts (by characters, as Python slices), the
    few coloured messages (found by Rust) without their escapes (`searchable`)."""
    pl = _polars()
    series = raw.str.slice(pl.Series(skips, dtype=pl.Int64))
    coloured = series.str.contains("\x1b", literal=True)
    if coloured.any():
        at = coloured.arg_true().to_list()
        stripped = [strip_escapes(texts[i][skips[i] :]) for i in at]
        series = series.scatter(at, pl.Series(stripped, dtype=pl.String))
    return series


def _trap_mask(text: pl.Expr, traps: frozenset[str]) -> pl.Expr | None:
    """True for the texts holding a trap character of these sets (or empty, for "empty")."""
    regex = trap_regex(traps)
    mask = text.str.contains(regex) if regex is not None else None
    if "empty" in traps:
        empty = text.str.len_bytes() == 0
        mask = empty if mask is None else mask | empty
    return mask


class Block:
    """A block of searchable text: its first entry's number, its last entry (to tell that
    the store was cleared or replaced), the Series, the texts Polars could not hold, and
    the texts `re` must decide per trap set (found once: searches rarely change them).

    Made in two steps: the texts go to Polars here (Python objects: the GIL), and are cut
    at their messages on first use (`series`: Rust, mostly off the GIL), which a search
    job leaves to the `scan_pool` thread that searches the block while it makes the next.
    """

    __slots__ = ("_lock", "_made", "_uncut", "first", "size", "tail", "trapped", "unfit")

    def __init__(self, first: int, entries: Sequence[LogEntry]) -> None:
        self.first = first
        self.tail = entries[-1]
        self.size = len(entries)
        texts, skips = message_sources(entries)
        raw, self.unfit = to_series(texts)  # an unfit text is "" there, and stays "" when cut
        self._uncut: tuple[pl.Series, list[str], list[int]] | None = (raw, texts, skips)
        self._made: pl.Series | None = None
        self._lock = threading.Lock()
        self.trapped: dict[frozenset[str], list[int]] = {}

    @property
    def series(self) -> pl.Series:
        """The searchable texts (`searchable`), cut on first use."""
        with self._lock:
            if self._made is None:
                assert self._uncut is not None
                self._made = _cut(*self._uncut)
                self._uncut = None
            return self._made

    def find(self, plan: Plan) -> tuple[list[int], list[int]]:
        """`rust_find` over the block: one pass over its text once its trapped texts for
        the plan's trap sets are known. Polars releases the GIL while it searches, so the
        job runs this on `scan_pool` threads and builds the next block meanwhile."""
        pl = _polars()
        frame = self.series.to_frame("s")
        trapped = self.traps(plan.traps, frame)
        found = frame.select(pl.arg_where(pl.col("s").str.contains(plan.rust)))
        matched: list[int] = found.to_series().to_list()
        if trapped:
            skip = set(trapped)
            matched = [i for i in matched if i not in skip]
        return matched, trapped

    def traps(self, traps: frozenset[str], frame: pl.DataFrame | None = None) -> list[int]:
        """The texts `re` must decide for this trap set (found once, then kept)."""
        trapped = self.trapped.get(traps)
        if trapped is None:
            pl = _polars()
            frame = self.series.to_frame("s") if frame is None else frame
            mask = _trap_mask(pl.col("s"), traps)
            found = set(self.unfit)
            if mask is not None:
                found.update(frame.select(pl.arg_where(mask)).to_series().to_list())
            trapped = self.trapped[traps] = sorted(found)
        return trapped


@cache
def scan_pool() -> ThreadPoolExecutor:
    """The threads that run `Block.find` (Polars' Rust, off the GIL) while a search job
    builds the next block: made on the first search, until the dashboard closes."""
    return ThreadPoolExecutor(max_workers=SCAN_THREADS, thread_name_prefix="logtui-scan")


def close_scan_pool() -> None:
    """Let the scan threads end (the dashboard is closing); a later search makes new ones.

    A thread keeps the `sys.stderr` of its start, which Textual points at the running app:
    threads kept after the app kept the app alive, and every entry it held (found with the
    bench: 440k entries still referenced once the keys suite's app had exited, which made
    the suites after it in the same process slower and bigger)."""
    if scan_pool.cache_info().currsize:
        scan_pool().shutdown(wait=False)
        scan_pool.cache_clear()


def _holds(block: Block, entries: Sequence[LogEntry], base: int) -> bool:
    """True when `entries` (numbered from `base`) still hold the block's last entry there."""
    at = block.first + block.size - 1 - base
    return 0 <= at < len(entries) and entries[at] is block.tail


class RegexBlocks:
    """One container's searchable text as blocks of Polars Series (see the module doc).

    Used by one search worker at a time (the search runner's lock)."""

    def __init__(self) -> None:
        self.blocks: dict[int, Block] = {}
        """By the number of their first entry."""

    def starts(self, entries: Sequence[LogEntry], base: int) -> list[int]:
        """The first entry numbers of the blocks covering `entries` (numbered from `base`:
        the first is entry `base` of the container), newest first; blocks that no longer
        apply (evicted, or of another store) are dropped."""
        blocks = self.blocks
        for first, block in list(blocks.items()):
            if block.first + block.size <= base:
                del blocks[first]  # wholly evicted
            elif not _holds(block, entries, base):
                blocks.clear()  # another store, or this one was cleared and filled again
                break
        first = min(blocks) if blocks else base
        if first > base:  # older entries not made yet (a search cancelled): on the same grid
            first += (base - first) // BLOCK * BLOCK  # the grid's last start at or before base
        return list(range(first, base + len(entries), BLOCK))[::-1]

    def block(self, first: int, entries: Sequence[LogEntry], base: int) -> Block:
        """The block starting at entry `first`, made (or made again, if it was not full and
        more entries arrived) from `entries` when needed."""
        block = self.blocks.get(first)
        stop = min(first + BLOCK, base + len(entries))
        if block is None or block.first + block.size < stop:
            start = max(first, base)  # a block partly evicted holds only what is left
            block = self.blocks[first] = Block(start, entries[start - base : stop - base])
        return block
