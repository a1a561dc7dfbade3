"""The UI's timers: arrived lines into the store and panes, rates, the error digest.

A mixin of `LogtuiApp`. The followers only fill the bounded inbox; every TICK_S `_tick`
takes at most TICK_BUDGET entries from it (a flood is drawn in slices, keys stay
responsive), and every SLOW_TICK_S `_slow_tick` recounts rates. The error digest is built
on a worker thread, at most once every DIGEST_EVERY_S (longer after a long one:
DIGEST_PACE), so templating many errors never stalls the UI. Kept apart from the app's
layout and keys: this is the one place the UI takes in data.
"""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta

from rich.text import Text
from textual import work
from textual.css.query import NoMatches

from ..models import LogEntry
from ._status import window_label
from .digest import ErrorDigest
from .render import sparkline
from .store import iso

TICK_S = 0.25
"""How often arrived lines are handed to the UI."""
TICK_BUDGET = 50_000
"""Most entries one tick takes: a flood is drawn in slices that keep keys responsive."""
SLOW_TICK_S = 1.0
"""How often rates, error counts and the error pane are recomputed."""
DIGEST_EVERY_S = 1.0
"""Least time between two error digests (templating tens of thousands of errors costs)."""
DIGEST_PACE = 10
"""A digest starts at least this many times its last build's time after that one started:
over 30 containers' 125k errors a build takes ~190 ms of Python (mostly holding the GIL the
UI thread needs), and errors arrive every second on a busy server."""
PREWARM_MIN = 50_000
"""Entries held from which the kept merge is built ahead of the first level or filter key."""
QUIET = 1_000
"""Entries a tick takes at most for the history to count as loaded (a trickle, not a load)."""


class IngestMixin:
    """The ticks of `LogtuiApp`: arrived lines, rates and the error digest."""

    _taken_last = 0
    """Entries the last tick took in."""
    _prewarmed = -1
    """The window (`_generation`) whose kept merge was built ahead (`_prewarm`)."""
    _digest_took = 0.0
    """Seconds the last digest took, from its start to its arrival on the UI thread."""

    def _tick(self) -> None:
        with contextlib.suppress(NoMatches):  # the panes are gone: the app is closing
            self._take_arrived()

    def _take_arrived(self) -> None:
        """Hand what the followers received to the store and the log pane, in one go."""
        batches = self._inbox.take(TICK_BUDGET)
        self._taken_last = sum(len(batch) for _, _, batch in batches)
        # the top row while paused, before the store (and a view sharing its merge) changes
        anchor = self.log_pane.top_anchor() if batches and self.range is None else None
        added: list[LogEntry] = []
        evicted: list[LogEntry] = []
        errors_let_go = self.store.errors_let_go
        for generation, name, batch in batches:
            if generation != self._generation:
                continue
            evicted.extend(self.store.add(name, batch))
            added.extend(batch)
            if any(e.is_error for e in batch):
                self._errors_dirty = True
        if self.store.errors_let_go != errors_let_go:  # the budget may shed errors in any tick
            self._errors_dirty = True
        if (added or evicted) and self.range is None:  # a jumped-to range stays as fetched
            # Keep the shown containers' time-ordered merge current, a tick's worth at a
            # time, so that a level switch or clearing a search is a mask, not a catch-up;
            # a pane showing every row of it follows it instead of merging the tick again.
            names = self.filter.names(self.store.names)
            merged = self.store.keep_merged(names, max_overlap=max(4 * len(added), self.MERGE_OVERLAP))
            self.log_pane.add(added, evicted, merged, anchor)
        if self._errors_dirty and self._digest_due():
            self._refresh_digest()  # soon after errors arrive, at most once a second
        self._update_titles()
        self._update_status()

    def _slow_tick(self) -> None:
        with contextlib.suppress(NoMatches):
            self._recount()
            self.log_pane.tick_clock()
            self._prewarm()

    def _prewarm(self) -> None:
        """Once per window, when the history is in: the pane rebuilt from the store's kept
        merge, so that the first level or filter key is a mask over it, as later ones are.

        Otherwise that key sorted and expanded everything held: 0.3-0.5 s over the 400-800k
        entries of 30 containers. Built here it costs the same once, while nobody waits on
        a key, and the pane then follows the merge each tick instead of merging the tick
        into its own rows as well. Not while a search, a time range or the search box is
        shown (their rows are not the merge's), nor under a flood (the ticks keep the
        merge current once a key has built it)."""
        if self._prewarmed == self._generation or self.range is not None or self.filter.pattern is not None:
            return
        if self.store.size < PREWARM_MIN or self._taken_last > QUIET:
            return
        if self.query_one("#search").display:
            return
        self._prewarmed = self._generation  # once: a merge a key already built counts
        if not self.store.keeps(self.filter.names(self.store.names)):
            self.log_pane.rebuild(self.store)

    def _recount(self) -> None:
        now = self.clock()
        total_recent = 0
        for name in self.store.names:
            counts = self.store.rate(name, now)
            self._spark[name] = sparkline(counts)
            total_recent += sum(counts[-5:])
        self.lines_per_second = total_recent / 10.0
        self._refresh_digest()
        self._refresh_containers()

    def _refresh_digest(self, force: bool = False) -> None:
        """Rebuild the error digest on a worker thread when errors or stream states changed."""
        problems = self._problems()
        changed = problems != self.digest.problems  # a stream failed or recovered: shown now
        if not (self._errors_dirty or force or changed):
            return
        if (self._digest_running or not (changed or self._digest_due())) and not force:
            return  # the next slow tick tries again
        self._errors_dirty = False
        cutoff = iso(self.clock() - timedelta(hours=self.window_hours))
        errors = {name: list(entries) for name, entries in self.store.errors.items()}
        self._digest_running = True
        self._digest_started = time.monotonic()
        lost = self.store.errors_lost(cutoff)
        self._build_digest(errors, cutoff, self.window_hours, problems, lost, self._generation)

    def _digest_due(self) -> bool:
        """Whether a new digest may start: a second after the last one started, or
        `DIGEST_PACE` times as long as it took, so that it never takes more than a tenth of
        the time."""
        wait = max(DIGEST_EVERY_S, DIGEST_PACE * self._digest_took)
        return time.monotonic() - self._digest_started >= wait

    @work(thread=True, group="digest", exit_on_error=False, description="error digest")
    def _build_digest(
        self,
        errors: dict[str, list[LogEntry]],
        cutoff: str,
        hours: float,
        problems: dict[str, str],
        lost: str,
        generation: int,
    ) -> None:
        """Template and count errors off the UI thread (tens of ms for tens of thousands)."""
        digest: ErrorDigest | None = None
        try:
            digest = self._digests.build(errors, cutoff, hours)
            digest.problems, digest.lost = problems, lost
        finally:
            with contextlib.suppress(RuntimeError):  # the app may have exited meanwhile
                self.call_from_thread(self._digest_done, digest, generation)

    def _digest_done(self, digest: ErrorDigest | None, generation: int) -> None:
        self._digest_running = False
        self._digest_took = time.monotonic() - self._digest_started
        if digest is None or generation != self._generation:
            return
        self.digest = digest
        self._digests_built += 1
        self.error_pane.show(digest)
        title = Text(f"ERRORS (last {window_label(digest.hours)}) · {sum(digest.counts.values())}")
        if digest.lost:  # the counts miss errors of the window
            title.append(f" · older dropped ({digest.lost})", "yellow")
        if digest.failure:
            title.append(" · summary failed", "bold red")
        self.query_one("#errors").border_title = title
        self._refresh_containers()
