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
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..models import LogEntry
from ..textsafe import one_line
from ._prompt import PromptScreen
from .jump import FORMS, SPAN, fetch_range, narrower_span, parse_moment
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


RangeReads = Callable[[LogStore, str, str], list[tuple[str, Coroutine[Any, Any, None]]]]
"""A store and a range (`--since`, `--until`) -> each container's read into the store."""
RANGE_READS = 3
"""Reads of a jump at most: the span, then narrower ones while the budget drops the moment."""


def _narrower(store: LogStore, moment: datetime, span: timedelta) -> timedelta | None:
    """The span to read again when a container's line limit or the memory budget let the
    moment go from it (the oldest lines go first); the narrowest any such container needs."""
    spans = [
        narrower_span(buffer[0].timestamp, buffer[-1].timestamp, moment, span)
        for name, buffer in store.buffers.items()
        if buffer and store.dropped.get(name)
    ]
    return min((s for s in spans if s is not None), default=None)


@dataclass
class Range:
    """The logs of a time range, shown instead of the live ones."""

    moment: datetime
    since: str
    until: str
    store: LogStore
    span: timedelta = SPAN
    """Fetched either side of the moment (less than `SPAN` when the budget did not hold it)."""

    @property
    def label(self) -> str:
        return f"{self.moment:%Y-%m-%d %H:%M:%S} UTC"

    @property
    def span_label(self) -> str:
        start, end = self.moment - self.span, self.moment + self.span
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
        names = [n for n, info in self.containers.items() if info.state != "created"]

        def reads(store: LogStore, since: str, until: str) -> list[tuple[str, Coroutine[Any, Any, None]]]:
            return [(n, read_into(store, n, remote.log_batches(n, since=since, until=until))) for n in names]

        await self._read_range(moment, reads, [])

    async def _read_range(self, moment: datetime, reads: RangeReads, failed: list[str]) -> None:
        """Read the logs around `moment` into a store of their own (`reads`: a store and
        the range -> each container's read), then show them. When the memory budget let the
        moment itself go (a busy server: 20 minutes of it did not fit), or a container's line
        limit did, read a narrower span."""
        span = SPAN
        for attempt in range(RANGE_READS):
            since, until = fetch_range(moment, span)
            store = LogStore(self.store.max_lines, self.store.max_bytes)
            jobs = reads(store, since, until)
            results = await asyncio.gather(*(job for _, job in jobs), return_exceptions=True)
            problems = list(failed)
            for (key, _), result in zip(jobs, results, strict=True):
                if isinstance(result, asyncio.CancelledError):
                    raise result
                if isinstance(result, BaseException):
                    problems.append(f"{key}: {one_line(str(result))[:200]}")
            narrower = _narrower(store, moment, span)
            if narrower is None or attempt == RANGE_READS - 1:
                break
            span = narrower
        if problems:
            self.notify(
                "\n".join(problems[:5]), title="jump: some logs failed", severity="warning", markup=False
            )
        self._show_range(Range(moment, since, until, store, span))

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
