"""One search over a snapshot of the store, run on a worker thread: progressive, cancellable.

The UI thread takes a `Snapshot` (the chosen containers' entries as lists: the store's
deques change under a thread) and hands it to a `SearchJob`, whose `run` finds the matching
entries with the pattern's engine (`search_engine.plan_search`):

- literal: over a big store, the Rust plan of the same pattern on the Polars blocks that
  regex searches use too (unless the search box prepared the lower-cased text and the
  blocks are not there: `_literal_by_rust`); entries holding a fold trap go to `re` here
  (linear for literal alternatives). Else `SearchText` (lower-cased text, `bytes.find`),
  built here if the search box did not prepare it;
- rust: Polars over `RegexBlocks`, each block's scan on `scan_pool` while the next block
  is built; entries holding a trap character go to `re` (below);
- python: `re` in a `RegexProcess`, slice by slice, each within `SLICE_S` (a slice that
  takes longer is skipped: the child is killed and started again) and all within
  `budget_s`; then the outcome says `stopped` with how much was searched and skipped.

Cancelling (a new search, Esc) sets the job's event: it is checked between blocks and
slices, and a waiting `re` child is killed at once. The outcome's entries are the same, in
the same order, as `Filter.select` over the store's time-ordered merge: per container the
matches in arrival order, containers in the filter's order, then a stable sort by time.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from operator import attrgetter

from ..gc_pause import untrack
from ..models import LEVEL_RANK, LogEntry
from ..regex_process import RegexProcess
from ..search_engine import Plan, plan_search
from .search_rust import Block, RegexBlocks, check, scan_pool, searchable_texts
from .search_text import SearchText
from .store import Filter, LogStore, _expand

_timestamp = attrgetter("timestamp")

BUDGET_S = 5.0
"""Longest time `re` may search in all before the search is stopped."""
SLICE = 512
"""Entries per request to the `re` process."""
SLICE_S = 1.0
"""Longest `re` may take over one slice: past it the slice is skipped (reported)."""
PROGRESS_S = 0.15
"""Least time between two progress reports (each sorts the matches found so far)."""
PREPARE_BLOCKS = 4
"""Literal search text built between two cancel checks."""
SCANS = 4
"""Blocks handed to `scan_pool` ahead of the one whose answer is taken next."""
Found = tuple[list[int], list[int]]
"""A block's answer: (indices matched, indices `re` must decide)."""
RUST_LITERAL_MIN = 50_000
"""Entries from which a literal search may run on the Polars blocks (`_literal_by_rust`)."""


@dataclass
class Part:
    """One container's entries at the snapshot: `entries[0]` is its entry number `base`."""

    name: str
    entries: list[LogEntry]
    base: int

    @property
    def added(self) -> int:
        return self.base + len(self.entries)


@dataclass
class Snapshot:
    """What a search looks at: the filter's containers, their entries, the minimum level."""

    parts: list[Part]
    min_level: str = "DEBUG"

    @classmethod
    def take(cls, store: LogStore, filter: Filter) -> Snapshot:
        """On the UI thread: copy the chosen buffers (a list copy of references, ~5 ms for
        a million entries), in the order the store's merge uses."""
        names = filter.names(store.names)
        chosen = store.names if names is None else [n for n in names if n in store.buffers]
        parts = []
        for name in chosen:
            buffer = store.buffers[name]
            # `_added`: entries ever added, which numbers the buffer as the search text does.
            copy = list(buffer)
            untrack((copy,))  # only entries: not walked by collections while the search runs
            parts.append(Part(name, copy, store._added[name] - len(buffer)))
        return cls(parts, filter.min_level)

    @property
    def total(self) -> int:
        return sum(len(p.entries) for p in self.parts)


@dataclass
class Outcome:
    """Matches found (time order, level applied) and how far the search got."""

    entries: list[LogEntry]
    searched: int
    total: int
    engine: str
    done: bool = False
    stopped: bool = False
    """`re` took too long: `entries` are what was found in `searched` entries (`skipped`
    were in slices it took too long on; `out_of_time`: the budget ran out)."""
    skipped: int = 0
    out_of_time: bool = False
    cancelled: bool = False
    rows: list[LogEntry] = field(default_factory=list)
    """When done: the display rows of `entries` (as `FilteredView` keeps them)."""
    width: int = 0


@dataclass
class SearchCaches:
    """What searches keep between runs (guarded by `lock`: one job uses them at a time)."""

    texts: dict[str, SearchText]
    """The store's literal search text (`LogStore._texts`, shared with `prepare_text`)."""
    blocks: dict[str, RegexBlocks] = field(default_factory=dict)
    process: RegexProcess = field(default_factory=lambda: RegexProcess("logtui-search"))
    lock: threading.Lock = field(default_factory=threading.Lock)


class SearchJob:
    """Finds a pattern's matches in a snapshot (see the module doc). `run` once."""

    def __init__(
        self,
        plan: Plan,
        snapshot: Snapshot,
        caches: SearchCaches,
        *,
        cancel: threading.Event | None = None,
        progress: Callable[[Outcome], None] | None = None,
        budget_s: float | None = None,
    ) -> None:
        self.plan = plan
        self.snapshot = snapshot
        self.caches = caches
        self.cancel = cancel or threading.Event()
        self.progress = progress
        self.budget_s = BUDGET_S if budget_s is None else budget_s
        self.found: dict[int, set[int]] = {i: set() for i in range(len(snapshot.parts))}
        """Per part, indices into its entries that match."""
        self.searched = 0
        self.skipped = 0
        """Entries in slices `re` took too long on (not searched)."""
        self.out_of_time = False
        """The budget ran out before every slice was searched."""
        self._linear = False
        """The pattern is literal alternatives: `re` decides trapped texts in this thread."""
        self._deadline = 0.0
        self._next_report = 0.0
        self._report_cost = 0.0

    def run(self) -> Outcome:
        """Search (holding the caches' lock), reporting progress; the final outcome."""
        with self.caches.lock:
            self._deadline = time.monotonic() + self.budget_s
            self._next_report = time.monotonic() + PROGRESS_S
            finished = self._search()
        outcome = self.outcome(done=finished)
        if finished:
            outcome.rows, outcome.width = _expand(outcome.entries)
        return outcome

    def _search(self) -> bool:
        plan = self.plan
        if plan.engine == "literal":
            self._linear = True  # `re` runs a literal pattern in linear time: here, not aside
            by_rust = plan_search(_pattern(plan))
            if not (by_rust.engine == "rust" and self._literal_by_rust() and check(by_rust)):
                if self._literal():
                    return True
                if self.cancel.is_set():
                    return False
            plan = self.plan = by_rust  # or a fold trap in the text: by regex
        if plan.engine == "rust" and not check(plan):
            plan = self.plan = replace(plan, engine="python", reason="Rust's engine refused it")
        if plan.engine == "rust":
            return self._rust()
        return self._python()

    # -- engines ---------------------------------------------------------------------------

    def _literal_by_rust(self) -> bool:
        """True when a literal search should run on the Polars blocks (shared with regex
        searches: one Rust scan, no lower-cased copy to build) rather than `SearchText`:
        when it is big, and its lower-cased text was not prepared while the user typed
        (or the blocks are there too). Small ones stay on `SearchText`, which needs no
        Polars (a search of a few thousand entries runs on the UI thread)."""
        parts = self.snapshot.parts
        if self.snapshot.total < RUST_LITERAL_MIN:
            return False
        texts, blocks = self.caches.texts, self.caches.blocks
        for part in parts:
            text = texts.get(part.name)
            if text is None or text.added != part.added:
                return True
        return all(part.name in blocks and blocks[part.name].blocks for part in parts)

    def _literal(self) -> bool:
        """True when done; False when a container's text needs the regex (or cancelled)."""
        found: list[tuple[int, list[int]]] = []
        for index, part in enumerate(self.snapshot.parts):
            text = self.caches.texts.get(part.name)
            if text is None:
                text = self.caches.texts[part.name] = SearchText()
            while not text.update(part.entries, part.added, PREPARE_BLOCKS):  # type: ignore[arg-type]
                if self.cancel.is_set() or not text.exact:
                    return False
            if not text.exact:
                return False
            found.append((index, text.find(self.plan.needles, part.base)))
        for index, hits in found:
            self.found[index].update(hits)
        self.searched = self.snapshot.total
        return True

    def _rust(self) -> bool:
        plan = self.plan
        trapped: list[tuple[int, int]] = []
        # the blocks being searched on `scan_pool`: (part, where the block starts in it, ...)
        pending: deque[tuple[int, int, Block, Future[Found]]] = deque()
        pool = scan_pool()
        try:
            for index, part in enumerate(self.snapshot.parts):
                blocks = self.caches.blocks.setdefault(part.name, RegexBlocks())
                for first in blocks.starts(part.entries, part.base):
                    if self.cancel.is_set():
                        return False
                    block = blocks.block(first, part.entries, part.base)
                    try:
                        future = pool.submit(block.find, plan)
                    except RuntimeError:  # the pool was shut down: the dashboard is closing
                        return False
                    pending.append((index, block.first - part.base, block, future))
                    while len(pending) > SCANS:
                        self._scanned(*pending.popleft(), trapped)
            while pending:
                if self.cancel.is_set():
                    return False
                self._scanned(*pending.popleft(), trapped)
        finally:
            for *_, future in pending:
                future.cancel()  # one already running finishes on its own
        if trapped:  # the few texts whose answer only `re` gives
            entries = [self.snapshot.parts[i].entries[at] for i, at in trapped]
            if self._linear:
                search = _pattern(plan).search
                for (index, at), text in zip(trapped, searchable_texts(entries), strict=True):
                    if search(text) is not None:
                        self.found[index].add(at)
                return True
            self.searched -= len(entries)
            return self._python_over([(trapped, entries)])
        return True

    def _scanned(
        self, index: int, offset: int, block: Block, future: Future[Found], trapped: list[tuple[int, int]]
    ) -> None:
        """Take a block's answer (`offset`: where the block starts in its part)."""
        matched, traps = future.result()
        self.found[index].update(offset + i for i in matched if offset + i >= 0)
        trapped.extend((index, offset + i) for i in traps if offset + i >= 0)
        self.searched += block.size + min(0, offset)
        self._maybe_report()

    def _python(self) -> bool:
        slices = []
        for index, part in enumerate(self.snapshot.parts):
            for stop in range(len(part.entries), 0, -SLICE):  # newest first
                start = max(0, stop - SLICE)
                slices.append(([(index, at) for at in range(start, stop)], part.entries[start:stop]))
        return self._python_over(slices)

    def _python_over(self, slices: list[tuple[list[tuple[int, int]], list[LogEntry]]]) -> bool:
        """`re` (in its process) over slices of (where, entries), each within `SLICE_S`
        (a slice that takes longer is skipped: its child is killed) and all within the
        budget; False if any was skipped, the budget ran out or the search was cancelled."""
        process = self.caches.process
        for where, entries in slices:
            for at in range(0, len(entries), SLICE):
                if self.cancel.is_set() or time.monotonic() >= self._deadline:
                    self.out_of_time = not self.cancel.is_set()
                    return False
                chunk = entries[at : at + SLICE]
                hits = process.run(
                    "search",
                    self.plan.pattern,
                    self.plan.flags,
                    searchable_texts(chunk),
                    min(self._deadline, time.monotonic() + SLICE_S),
                    self.cancel.is_set,
                )
                if hits is None:
                    self.skipped += len(chunk)
                    continue
                for i in hits:
                    part, index = where[at + i]
                    self.found[part].add(index)
                self.searched += len(chunk)
                self._maybe_report()
        return not self.skipped

    # -- results ---------------------------------------------------------------------------

    def outcome(self, done: bool = False) -> Outcome:
        """The matches so far, in the order `Filter.select` over the merge gives them."""
        chosen: list[LogEntry] = []
        for index, part in enumerate(self.snapshot.parts):
            entries = part.entries
            chosen.extend([entries[i] for i in sorted(self.found[index])])
        chosen.sort(key=_timestamp)  # stable: ties stay in container order, then arrival
        min_rank = LEVEL_RANK[self.snapshot.min_level]
        if min_rank:
            rank = LEVEL_RANK.get
            chosen = [e for e in chosen if rank(e.level, 1) >= min_rank]
        cancelled = self.cancel.is_set()
        return Outcome(
            chosen,
            self.searched,
            self.snapshot.total,
            self.plan.engine,
            done=done,
            stopped=not done and not cancelled,
            cancelled=not done and cancelled,
            skipped=self.skipped,
            out_of_time=self.out_of_time,
        )

    def _maybe_report(self) -> None:
        """Report the matches so far, no more often than their sorting can afford; not once
        everything is searched (the final outcome follows at once: a report then would be
        the same sort twice, and whether it came would depend on timing)."""
        now = time.monotonic()
        if self.progress is None or now < self._next_report:
            return
        if self.searched + self.skipped >= self.snapshot.total:
            return
        outcome = self.outcome()
        outcome.stopped = False
        outcome.rows, outcome.width = _expand(outcome.entries)  # not on the UI thread
        cost = time.monotonic() - now
        self.progress(outcome)
        self._next_report = time.monotonic() + max(PROGRESS_S, 4 * cost)


def _pattern(plan: Plan) -> re.Pattern[str]:
    """The plan's pattern compiled again (the literal plan's, for the regex path)."""
    return re.compile(plan.pattern, plan.flags)
