"""The log pane's rows while a search runs on a worker, and regex work the UI thread may do.

The UI thread never runs a regex that can backtrack: a text search's history is searched
by a `SearchJob` on a worker, and what the UI thread still has to test itself (live lines,
the lines of one entry for `n`/`N`, the highlights of the rows on screen) is a small batch
that goes to the pattern's engine (`LiveMatcher`):

- literal alternatives: `re` itself (linear for them), except that a tick's live lines are
  tested in one pass (`LiveMatcher.literal_select`);
- Rust-translatable: Polars, linear; a text holding a trap character is asked of `re` in a
  child process (below);
- the rest: `re` in a child process of the UI's own (`RegexProcess`), with `LIVE_S` per
  batch. A batch that takes longer means the pattern backtracks on these lines: the child is
  killed and the matcher gives up for that pattern (live lines no longer shown, no
  highlights), and the user is told once; a new search starts afresh.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from operator import attrgetter
from typing import Any

from ..models import LogEntry
from ..regex_process import RegexProcess
from ..search_engine import Plan, plan_search
from .search_job import Outcome
from .search_rust import block_series, check, rust_find, searchable_texts, to_series, trap_regex
from .search_text import literal_select, search_needles, searchable
from .store import MAX_WIDTH, Filter, FilteredView, _expand

_timestamp = attrgetter("timestamp")

LIVE_S = 0.25
"""Longest the UI thread waits for `re` (in its child) on one small batch."""
LIVE_BATCH_MIN = 2_000
"""Live entries from which a literal search tests a tick's batch in one pass (Rust, or the
joined text); below, `re` per entry is as quick (Polars' fixed cost per call is ~0.1 ms)."""
LIVE_START_S = 1.0
"""Longest it waits for that child to start (it is started when such a search begins)."""
_OPEN, _CLOSE = "\ufdd0", "\ufdd1"
"""Noncharacters put around Rust's matches to read their spans back."""

interactive = RegexProcess("logtui-live")
"""The UI thread's `re` child (one per process; only for patterns Rust cannot run)."""


def polars_loaded() -> bool:
    """Whether Polars is imported already: the UI thread never pays its import (~0.2 s)."""
    return "polars" in sys.modules


def is_text_search(filter: Filter) -> bool:
    """True when the filter searches text with a user's pattern (not an error group's)."""
    return isinstance(filter.pattern, re.Pattern)


class LiveMatcher:
    """A pattern's engine for small batches on the UI thread (see the module doc)."""

    def __init__(self, pattern: re.Pattern[str], plan: Plan) -> None:
        self.pattern = pattern
        self.plan = plan
        self.gave_up = False
        """`re` took longer than `LIVE_S` on a batch: nothing more is tested."""

    @property
    def engine(self) -> str:
        """The plan's engine, or `python` when Polars refuses the translation."""
        if self.plan.engine == "rust" and not check(self.plan):
            return "python"
        return self.plan.engine

    def _remote(self, op: str, texts: list[str]) -> list[Any] | None:
        if self.gave_up:
            return None
        pattern = self.pattern
        deadline = time.monotonic() + LIVE_S
        result = interactive.run(op, pattern.pattern, pattern.flags, texts, deadline, start_s=LIVE_START_S)
        if result is None:
            self.gave_up = True
        return result

    def search(self, texts: list[str]) -> list[bool] | None:
        """Whether the pattern finds each (searchable) text; None when it gave up."""
        if not texts:
            return []
        engine = self.engine
        if engine == "literal":
            search = self.pattern.search
            return [search(t) is not None for t in texts]
        if engine == "rust":
            series, unfit = to_series(texts)
            hits, trapped = rust_find(series, self.plan, unfit)
            answer = [False] * len(texts)
            for i in hits:
                answer[i] = True
            if trapped:
                found = self._remote("search", [texts[i] for i in trapped])
                if found is None:
                    return None
                for i in found:
                    answer[trapped[i]] = True
            return answer
        found = self._remote("search", texts)
        if found is None:
            return None
        answer = [False] * len(texts)
        for i in found:
            answer[i] = True
        return answer

    @cached_property
    def literal_by_rust(self) -> Plan | None:
        """A literal pattern's Rust plan (as a big history search runs it), or None when
        Polars refuses it."""
        plan = plan_search(self.pattern)
        return plan if plan.engine == "rust" and check(plan) else None

    def literal_select(self, entries: list[LogEntry]) -> list[LogEntry]:
        """For a literal plan: the entries whose message (as a search sees it) holds a
        needle, in their order. A big batch is tested in one pass, not a regex call per
        entry (~2.6 us each: a flood's tick took 100 ms under a search): by Rust (one
        vectorised scan) once Polars is loaded (its import, ~0.2 s, is never paid on the
        UI thread), else by its joined lower-cased text; `re` decides what either cannot
        (fold traps; linear for literal alternatives). A small batch goes to `re`, which is
        quicker there when most entries match (each hit in the joined text is a step of a
        Python loop)."""
        if len(entries) >= LIVE_BATCH_MIN:
            plan = self.literal_by_rust if polars_loaded() else None
            if plan is not None:
                series, unfit = block_series(entries)
                hits, trapped = rust_find(series, plan, unfit)
                search = self.pattern.search
                hits += [i for i in trapped if search(searchable(entries[i].message)) is not None]
                return [entries[i] for i in sorted(hits)]
            found = literal_select(entries, self.plan.needles)
            if found is not None:
                return found
        return Filter(pattern=self.pattern).select(entries)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The non-empty matches in `text` (for highlighting); none when it gave up."""
        if not text:
            return []
        engine = self.engine
        if engine == "literal":
            return [m.span() for m in self.pattern.finditer(text) if m.end() > m.start()]
        if engine == "rust" and _OPEN not in text and _CLOSE not in text:
            series, unfit = to_series([text])
            traps = trap_regex(self.plan.traps)
            if not unfit and (traps is None or not series.str.contains(traps)[0]):
                marked = series.str.replace_all(self.plan.rust, f"{_OPEN}$0{_CLOSE}")[0]
                return _read_spans(marked)
        result = self._remote("spans", [text])
        return [tuple(span) for span in result[0]] if result else []


def _read_spans(marked: str) -> list[tuple[int, int]]:
    """Spans of the text between the markers `_OPEN` and `_CLOSE` (positions without them)."""
    spans: list[tuple[int, int]] = []
    removed = 0
    start = 0
    for at, char in enumerate(marked):
        if char == _OPEN:
            start = at - removed
            removed += 1
        elif char == _CLOSE:
            end = at - removed
            removed += 1
            if end > start:
                spans.append((start, end))
    return spans


@lru_cache(maxsize=16)
def live_matcher(pattern: re.Pattern[str]) -> LiveMatcher:
    """The matcher of a pattern (kept while it is in use: it remembers giving up)."""
    return LiveMatcher(pattern, plan_search(pattern, search_needles(pattern)))


@dataclass(frozen=True)
class _Span:
    begin: int
    finish: int

    def start(self) -> int:
        return self.begin

    def end(self) -> int:
        return self.finish


@dataclass(frozen=True)
class SafePattern:
    """A user's pattern as the row painter uses it (`finditer`), through `LiveMatcher`."""

    pattern: re.Pattern[str]

    def finditer(self, text: str) -> list[_Span]:
        return [_Span(s, e) for s, e in live_matcher(self.pattern).spans(text)]


def safe(pattern: Any) -> Any:
    """What the painter may run on the UI thread for a pattern: itself when it is literal
    alternatives or an error group's matcher, else a `SafePattern`."""
    if not isinstance(pattern, re.Pattern) or search_needles(pattern) is not None:
        return pattern
    return SafePattern(pattern)


class SearchView(FilteredView):
    """A `FilteredView` whose text searches arrive from a worker (`begin`, `show`), and
    whose live lines, matches and highlights go through `LiveMatcher`."""

    def __init__(self, filter: Filter | None = None) -> None:
        super().__init__(filter)
        self.searching = False
        self._early: list[LogEntry] = []
        """Live entries that matched while the search ran (newer than its snapshot)."""
        self._gone: dict[int, LogEntry] = {}
        """Entries evicted while the search ran, by id. Kept, not only their ids: a freed
        entry's id can be the next entry's, which `show` would then drop (found by an
        attack pass: a matching live line, made right after an eviction, went missing)."""
        self.on_gave_up: Callable[[], None] | None = None

    def begin(self, filter: Filter) -> None:
        """A search of `filter` starts: no rows until its first results."""
        self.filter = filter
        self.rows = []
        self.width = 0
        self.searching = True
        self._early = []
        self._gone = {}

    def end(self) -> None:
        self.searching = False
        self._early = []
        self._gone = {}

    def show(self, outcome: Outcome, final: bool) -> None:
        """The matches found so far (or all of them), with the live entries that matched
        meanwhile and without the entries evicted meanwhile."""
        if not self._early and not self._gone:
            self.rows, longest = (outcome.rows, outcome.width) if outcome.rows else _expand(outcome.entries)
        else:
            gone = self._gone
            entries = outcome.entries + self._early
            entries.sort(key=_timestamp)  # stable: the snapshot's before later arrivals
            self.rows, longest = _expand([e for e in entries if id(e) not in gone])
        self.width = min(longest, MAX_WIDTH)
        if final:
            self.end()

    def add(self, entries: Iterable[LogEntry]) -> int:
        if not is_text_search(self.filter):
            return super().add(entries)
        fresh = self.live_select(entries)
        if self.searching:
            self._early.extend(fresh)
        return self.insert(fresh)

    def remove(self, evicted: list[LogEntry]) -> int:
        if self.searching:
            self._gone.update(zip(map(id, evicted), evicted, strict=True))
        return super().remove(evicted)

    def live_select(self, entries: Iterable[LogEntry]) -> list[LogEntry]:
        """The entries that match the filter, tested by the pattern's engine."""
        current = self.filter
        assert isinstance(current.pattern, re.Pattern)
        matcher = live_matcher(current.pattern)
        chosen = Filter(current.container, current.min_level, None, current.host).select(entries)
        if matcher.plan.engine == "literal":
            return matcher.literal_select(chosen)
        was = matcher.gave_up
        answer = matcher.search(searchable_texts(chosen))
        if answer is None:
            if not was and self.on_gave_up is not None:
                self.on_gave_up()
            return []
        return [e for e, hit in zip(chosen, answer, strict=True) if hit]

    def next_match(self, start: int, forward: bool = True) -> int | None:
        """As `FilteredView.next_match`, without a backtracking regex: a row of a one-line
        entry matches (the entry is shown because its message matched); the lines of a
        multi-line entry are tested together by the pattern's engine."""
        pattern = self.filter.pattern
        if not isinstance(pattern, re.Pattern):
            return super().next_match(start, forward)
        total = len(self.rows)
        if total == 0:
            return None
        matcher = live_matcher(pattern)
        step = 1 if forward else -1
        index = start
        lines_of: dict[int, list[bool]] = {}
        for _ in range(total):
            index = (index + step) % total
            entry, line = self.row(index)
            if "\n" not in entry.message:
                return index
            hits = lines_of.get(id(entry))
            if hits is None:
                texts = [searchable(t) for t in entry.message.split("\n")]
                hits = lines_of[id(entry)] = matcher.search(texts) or [False] * len(texts)
            if hits[line]:
                return index
        return None
