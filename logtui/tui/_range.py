"""Looking at another time: `@` asks for a moment, the logs around it are fetched with
`docker logs --since/--until` (read-only, through the guard like every command) and the
log pane shows them, the cursor on the moment, until `G` goes back to live.

A mixin of `LogtuiApp`. The range has its own store: live lines keep arriving in the live
store (and the error pane and counts stay live), so going back to live loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from bisect import bisect_left
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from ..models import LogEntry
from ..textsafe import one_line
from ._prompt import PromptScreen
from .jump import FORMS, SPAN, fetch_range, parse_moment
from .store import LogStore, iso


async def read_into(
    store: LogStore, key: str, batches: AsyncIterator[list[LogEntry]], tag: str | None = None
) -> None:
    """A container's logs into `store` batch by batch, as they arrive (`tag`: the name its
    entries take there). The store's line limit and memory budget bind while they arrive:
    20 minutes of a busy server's containers, read whole first, held many times the budget
    before the store could shed any."""
    async with contextlib.aclosing(batches) as arriving:
        async for batch in arriving:
            if tag is not None:
                for entry in batch:
                    entry.container_name = tag
            store.add(key, batch)


@dataclass
class Range:
    """The logs of a time range, shown instead of the live ones."""

    moment: datetime
    since: str
    until: str
    store: LogStore

    @property
    def label(self) -> str:
        return f"{self.moment:%Y-%m-%d %H:%M:%S} UTC"

    @property
    def span_label(self) -> str:
        start, end = self.moment - SPAN, self.moment + SPAN
        return f"{start:%m-%d %H:%M:%S}–{end:%H:%M:%S} UTC around {self.moment:%H:%M:%S}"


class RangeMixin:
    """Jump to a time, and back to live, for `LogtuiApp`."""

    range: Range | None = None
    """The range shown instead of the live logs, or None."""

    @property
    def shown_store(self) -> LogStore:
        """The store the log pane shows: the range's, or the live one."""
        return self.range.store if self.range is not None else self.store

    def _check_moment(self, text: str) -> str | None:
        try:
            parse_moment(text, self.clock())
        except ValueError as exc:
            return str(exc)
        return None

    def action_jump(self) -> None:
        prompt = PromptScreen(
            "Jump to a time (UTC, as the log pane shows it); G comes back to live",
            FORMS,
            check=self._check_moment,
        )
        self.push_screen(prompt, self._jump_answered)

    def _jump_answered(self, text: str | None) -> None:
        if text:
            self.jump_to(parse_moment(text, self.clock()))

    def jump_to(self, moment: datetime) -> None:
        """Fetch the logs around `moment` and show them (replacing an earlier jump)."""
        self.notify(f"fetching the logs around {moment:%Y-%m-%d %H:%M:%S} UTC…", title="jump")
        self.run_worker(self._fetch_range(moment), group="jump", exclusive=True, exit_on_error=False)

    async def _fetch_range(self, moment: datetime) -> None:
        remote = self.remote
        if remote is None:
            return
        since, until = fetch_range(moment)
        names = [n for n, info in self.containers.items() if info.state != "created"]
        store = LogStore(self.store.max_lines, self.store.max_bytes)
        results = await asyncio.gather(
            *(read_into(store, n, remote.log_batches(n, since=since, until=until)) for n in names),
            return_exceptions=True,
        )
        failed = []
        for name, result in zip(names, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, BaseException):
                failed.append(f"{name}: {one_line(str(result))[:200]}")
        if failed:
            self.notify(
                "\n".join(failed[:5]), title="jump: some logs failed", severity="warning", markup=False
            )
        self._show_range(Range(moment, since, until, store))

    def _show_range(self, range_: Range) -> None:
        pane = self.log_pane
        pane.pause()
        self.range = range_
        pane.empty_message = f"no lines from {range_.span_label}"
        pane.rebuild(range_.store, self.filter)
        rows = pane.view.rows
        if rows:
            at = min(len(rows) - 1, bisect_left(rows, iso(range_.moment), key=lambda e: e.timestamp))
            pane.cursor = pane.view.row(at)
            pane.show_row(at, centre=True)
        self._update_titles()
        self._update_status()

    def leave_range(self) -> None:
        """Back to the live logs (G, End or space in the log pane)."""
        if self.range is None:
            return
        self.workers.cancel_group(self, "jump")
        self.range = None
        pane = self.log_pane
        pane.empty_message = "no lines match the filter" if self.filter_active else "waiting for log lines…"
        pane.rebuild(self.store, self.filter)
        pane.resume()
        self._update_titles()
        self._update_status()
