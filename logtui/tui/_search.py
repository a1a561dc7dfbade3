"""The dashboard's text search, run on a worker thread so that it can never freeze the UI.

`LogPane.rebuild` hands a text search to the `SearchRunner`: the UI thread only takes a
snapshot of the store (list copies) and starts a `SearchJob` on a thread worker (Polars'
Rust regex releases the GIL while it scans; `re` runs in a child process that is killed on
cancel or past `search_job.BUDGET_S`). Matches found so far are shown as they come, the
status says `searching… N found`; a new search, or Esc (which clears the search), cancels
the one running. Live lines go through `SearchView` meanwhile and are merged in at the end,
so the final rows are exactly what testing every entry gives. `SearchMixin` is the app's
side: the search box and its keys (`/`, Esc, `n`/`N`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.css.query import NoMatches
from textual.widgets import Input

from . import search_job, search_prepare
from .search_job import Outcome, SearchCaches, SearchJob, Snapshot
from .search_rust import RegexBlocks, close_scan_pool
from .search_text import compile_search
from .search_view import SearchView, interactive, is_text_search, live_matcher

if TYPE_CHECKING:
    from ..regex_process import RegexProcess
    from ._logpane import LogPane
    from .store import Filter, LogStore

log = logging.getLogger(__name__)

PREPARE_S = 0.02
PREPARE_BLOCKS = 2
"""While the search box is open, every PREPARE_S this many blocks of search text are built
(a few milliseconds each), so that Enter only scans. A big store's searches scan Polars
blocks instead: those are built at once on a worker (`SearchRunner.prepare`)."""
INLINE_MAX = 5_000
"""A literal search over at most this many entries runs at once on the UI thread (a few
milliseconds); anything else runs on a worker."""


def _count(number: int) -> str:
    return f"{number:,}"


class SearchRunner:
    """Runs the log pane's text searches for an app (one at a time; see the module doc)."""

    def __init__(self, app: Any, pane: LogPane) -> None:
        self.app = app
        self.pane = pane
        self.blocks: dict[str, RegexBlocks] = {}
        self.lock = threading.Lock()
        self.process: RegexProcess | None = None
        self._job_id = 0
        self._cancel: threading.Event | None = None
        self._preparing: threading.Event | None = None
        """Set to cancel the block preparation running (`prepare`)."""
        self._text = ""
        view = pane.view
        assert isinstance(view, SearchView)
        view.on_gave_up = self._gave_up

    @property
    def busy(self) -> bool:
        """A search worker holds the search caches (the UI must not build search text)."""
        return self.lock.locked()

    @property
    def running(self) -> bool:
        return self._cancel is not None

    def start(self, store: LogStore, filter: Filter) -> None:
        """Search the store for the filter's pattern on a worker (cancelling any search)."""
        from ..regex_process import RegexProcess

        self.cancel(tell=False)
        self.stop_preparing()  # its blocks so far are kept: the job builds only the rest
        assert is_text_search(filter) and filter.pattern is not None
        matcher = live_matcher(filter.pattern)
        matcher.gave_up = False  # searched again: give the live lines another chance
        if matcher.plan.engine == "python":
            interactive.start()  # ready by the time live lines or rows need it
        if self.process is None:
            self.process = RegexProcess("logtui-search")
        self._job_id += 1
        job_id = self._job_id
        cancel = self._cancel = threading.Event()
        self._text = self.app.search_text or filter.pattern.pattern
        caches = SearchCaches(store._texts, self.blocks, self.process, self.lock)
        job = SearchJob(
            matcher.plan,
            Snapshot.take(store, filter),
            caches,
            cancel=cancel,
            progress=lambda outcome: self._post(job_id, outcome),
        )
        if matcher.plan.engine == "literal" and job.snapshot.total <= INLINE_MAX and not self.busy:
            outcome = job.run()  # a few thousand entries at C speed: no flicker, no worker
            if outcome.done:
                self._finished(job_id, outcome, tell_empty=False)  # `app.search` tells
                return
        self.app.search_note = " searching…"
        self.app.run_worker(
            lambda: self._work(job, job_id),
            thread=True,
            exclusive=True,
            group="search",
            exit_on_error=False,
            description="search",
        )

    def cancel(self, tell: bool = True) -> None:
        """Stop the running search, if any (Esc, a new search, a filter without text)."""
        if self._cancel is None:
            return
        self._cancel.set()
        self._cancel = None
        self._job_id += 1  # whatever it still reports is stale
        self.app.search_note = ""
        view = self.pane.view
        if isinstance(view, SearchView):
            view.end()
        if tell:
            self.app.notify("search cancelled", title="search", markup=False)

    def prepare(self, store: LogStore, filter: Filter) -> bool:
        """While the search box is open: for a big store (whose searches scan the Polars
        blocks), build the blocks of the filter's containers on a worker; True then (started,
        or running already). False for a small one (its literal text is built instead)."""
        if not search_prepare.big(store, filter):
            return False
        if self._preparing is not None and not self._preparing.is_set():
            return True
        cancel = self._preparing = threading.Event()
        snapshot = Snapshot.take(store, filter)  # list copies: the UI thread's only part
        caches = SearchCaches(store._texts, self.blocks, lock=self.lock)  # its `re` child: never started
        self.app.run_worker(
            lambda: self._prepare(snapshot, caches, cancel),
            thread=True,
            group="search-prepare",
            exit_on_error=False,
            description="prepare search",
        )
        return True

    def stop_preparing(self) -> None:
        """Cancel the block preparation, if any (a search starts, or the blocks go)."""
        if self._preparing is not None:
            self._preparing.set()
            self._preparing = None

    def forget(self) -> None:
        """The search was cleared: drop the searchable copies of the messages."""
        self.stop_preparing()
        self.blocks = {}  # not cleared: a cancelled job or preparation may still add to the old

    def close(self) -> None:
        """The app is closing: stop the search, the `re` children and the scan threads."""
        self.stop_preparing()
        self.cancel(tell=False)
        if self.process is not None:
            self.process.close()
        interactive.close()
        close_scan_pool()

    # -- on the worker ---------------------------------------------------------------------

    def _work(self, job: SearchJob, job_id: int) -> None:
        try:
            outcome: Outcome | None = job.run()
        except Exception:
            log.exception("search failed")
            outcome = None
        with contextlib.suppress(RuntimeError):  # the app may have exited meanwhile
            self.app.call_from_thread(self._finished, job_id, outcome)

    def _prepare(self, snapshot: Snapshot, caches: SearchCaches, cancel: threading.Event) -> None:
        try:
            search_prepare.prepare_blocks(snapshot, caches, cancel)
        except Exception:
            log.exception("preparing the search failed")  # the search builds them itself
        finally:
            cancel.set()  # done: a later `prepare` may start another (entries arrived)

    def _post(self, job_id: int, outcome: Outcome) -> None:
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(self._progress, job_id, outcome)

    # -- back on the UI thread -------------------------------------------------------------

    def _progress(self, job_id: int, outcome: Outcome) -> None:
        if job_id != self._job_id:
            return
        self.pane.show_search(outcome, final=False)
        self.app.search_note = f" searching… {_count(len(outcome.entries))} found"
        self._refresh()

    def _finished(self, job_id: int, outcome: Outcome | None, tell_empty: bool = True) -> None:
        if job_id != self._job_id:
            return
        self._cancel = None
        text = self._text
        if outcome is None:
            self.app.search_note = " failed"
            self.pane.view.end()  # type: ignore[attr-defined]
            self.app.notify(
                f"the search for {text!r} failed (see the dashboard log)",
                title="search",
                severity="error",
                markup=False,
            )
            self._refresh()
            return
        self.pane.show_search(outcome, final=True)
        if outcome.stopped:
            searched = f"{_count(outcome.searched)} of {_count(outcome.total)} entries"
            self.app.search_note = f" stopped: {searched} searched"
            why = [f"{_count(outcome.skipped)} skipped (over {search_job.SLICE_S:g} s a slice)"]
            why = why if outcome.skipped else []
            if outcome.out_of_time:
                why.append(f"stopped after {search_job.BUDGET_S:g} s")
            self.app.notify(
                f"the search for {text!r} did not finish: Python's regex engine backtracks on "
                f"some lines. {searched} searched, {_count(len(outcome.entries))} found, "
                f"{', '.join(why)}. Simplify the pattern, or avoid look-around and "
                "back-references so that the linear engine runs it.",
                title="search stopped",
                severity="warning",
                markup=False,
                timeout=12,
            )
        else:
            self.app.search_note = ""
            if not outcome.entries and tell_empty:
                self.app.notify(f"no lines match {text!r}", title="search", markup=False)
        self._refresh()

    def _gave_up(self) -> None:
        self.app.notify(
            f"new lines are no longer searched for {self._text!r}: Python's regex engine took "
            "too long on them (search again to retry)",
            title="search",
            severity="warning",
            markup=False,
        )

    def _refresh(self) -> None:
        with contextlib.suppress(Exception):  # the panes may be gone (closing)
            self.app._update_titles()
            self.app._update_status()


class SearchMixin:
    """The app's side: the runner, made when the log pane exists, the status's note, and
    the search keys (`/`, Esc, `n`/`N`)."""

    search_note = ""
    """What the status says of the running search (` searching… 12 found`), or nothing."""
    search_runner: SearchRunner | None = None

    def _start_search_runner(self) -> None:
        pane = self.log_pane  # type: ignore[attr-defined]
        self.search_runner = pane.search_runner = SearchRunner(self, pane)

    def _stop_search_runner(self) -> None:
        if self.search_runner is not None:
            self.search_runner.close()

    @property
    def search_busy(self) -> bool:
        """A search worker is using the search text: the UI must not build it now."""
        return self.search_runner is not None and self.search_runner.busy

    # -- the keys ----------------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.value = self.search_text
        search.focus()
        if self._preparing is None:  # build the search text while the user types
            self._preparing = self.set_interval(PREPARE_S, self._prepare_search)

    def _prepare_search(self) -> None:
        if self._preparing is None:
            return  # a tick that was already queued when the timer was stopped
        names = self.filter.names(self.shown_store.names)
        try:
            open_ = self.query_one("#search", Input).display
        except NoMatches:  # the app is closing
            open_ = False
        runner = self.search_runner
        if (
            not open_
            or (runner is not None and runner.prepare(self.shown_store, self.filter))  # big: blocks, aside
            or (not self.search_busy and self.shown_store.prepare_text(names, PREPARE_BLOCKS))
        ):
            self._preparing.stop()
            self._preparing = None

    def search(self, text: str) -> None:
        """Show only entries matching `text` (a regex, or literal if it is not one)."""
        self.search_text = text
        if not text:
            self._apply_filter(replace(self.filter, pattern=None))
            return
        pattern, error = compile_search(text)
        if error:
            self.notify(error, title="search", severity="warning", markup=False)
        self._apply_filter(replace(self.filter, pattern=pattern))
        if not self.log_pane.view.rows and not self.log_pane.view.searching:  # else when it ends
            self.notify(f"no lines match {text!r}", title="search", markup=False)

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        if search.display:
            search.display = False
            self.log_pane.focus()
            if self.filter.pattern is None and self.search_runner is not None:
                self.search_runner.forget()  # no search after all: drop what was prepared
            return
        if self.search_text:
            self.search("")

    def action_next_match(self) -> None:
        self._jump(True)

    def action_previous_match(self) -> None:
        self._jump(False)

    def _jump(self, forward: bool) -> None:
        if self.filter.pattern is None:
            self.notify("press / to search first", title="search")
            return
        if not self.log_pane.jump_to_match(forward):
            self.notify("no match", title="search")
        self._update_titles()
        self._update_status()
