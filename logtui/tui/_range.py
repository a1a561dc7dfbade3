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
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..models import LogEntry, timestamps_of
from ..textsafe import one_line
from ._hosted import entry_key
from ._prompt import PromptScreen
from .held import entry_bytes
from .jump import FORMS, SPAN, fetch_range, fitting_span, lost_near, parse_moment
from .store import LogStore, iso


class RangeTally:
    """What a range read brought, per second (stamps cut to the second): each container's
    lines and the lines the store let go, and the bytes the store counts for them all.
    Small: a key a second."""

    def __init__(self) -> None:
        self.lines: dict[str, dict[str, int]] = {}
        self.lost: dict[str, dict[str, int]] = {}
        self.size: dict[str, int] = {}

    def count(self, key: str, batch: list[LogEntry], evicted: list[LogEntry]) -> None:
        seconds = [stamp[:19] for stamp in timestamps_of(batch)]
        lines = self.lines.setdefault(key, {})
        for second, count in Counter(seconds).items():
            lines[second] = lines.get(second, 0) + count
        size = self.size
        for second, entry in zip(seconds, batch, strict=True):
            size[second] = size.get(second, 0) + entry_bytes(entry)
        for stamp, entry in zip(timestamps_of(evicted), evicted, strict=True):  # of any container
            lost = self.lost.setdefault(entry_key(entry), {})
            lost[stamp[:19]] = lost.get(stamp[:19], 0) + 1


async def read_into(
    store: LogStore,
    key: str,
    batches: AsyncIterator[list[LogEntry]],
    tag: str | None = None,
    tally: RangeTally | None = None,
) -> None:
    """A container's logs into `store` batch by batch, as they arrive (`tag`: the name its
    entries take there; `tally`: counts what came and what the store let go). The store's
    line limit and memory budget bind while they arrive: 20 minutes of a busy server's
    containers, read whole first, held many times the budget before the store shed any."""
    async with contextlib.aclosing(batches) as arriving:
        async for batch in arriving:
            if tag is not None:
                for entry in batch:
                    entry.container_name = tag
            evicted = store.add(key, batch)
            if tally is not None:
                tally.count(key, batch, evicted)


RangeReads = Callable[[LogStore, RangeTally, str, str], list[tuple[str, Coroutine[Any, Any, None]]]]
"""A store, a tally and a range (`--since`, `--until`) -> each container's read into them."""
RANGE_READS = 3
"""Reads of a jump at most: the span, then one that fits (and one more, should the server
have written more meanwhile)."""


@dataclass
class Range:
    """The logs of a time range, shown instead of the live ones."""

    moment: datetime
    since: str
    until: str
    store: LogStore
    span: timedelta = SPAN
    """Read either side of the moment: less than `SPAN` when that did not fit (`_read_range`)."""

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

        def reads(
            store: LogStore, tally: RangeTally, since: str, until: str
        ) -> list[tuple[str, Coroutine[Any, Any, None]]]:
            batches = remote.log_batches
            return [
                (n, read_into(store, n, batches(n, since=since, until=until), None, tally)) for n in names
            ]

        await self._read_range(moment, reads, [])

    async def _read_range(self, moment: datetime, reads: RangeReads, failed: list[str]) -> None:
        """Read the logs around `moment` into a store of their own, then show them. When the
        line limit or the memory budget let lines near the moment go (oldest go first, and
        20 minutes of a busy server may not fit), read again the widest span that fits, by
        the lines per second the read counted."""
        span = SPAN
        for attempt in range(RANGE_READS):
            since, until = fetch_range(moment, span)
            store = LogStore(self.store.max_lines, self.store.max_bytes)
            tally = RangeTally()
            jobs = reads(store, tally, since, until)
            results = await asyncio.gather(*(job for _, job in jobs), return_exceptions=True)
            problems = list(failed)
            for (key, _), result in zip(jobs, results, strict=True):
                if isinstance(result, asyncio.CancelledError):
                    raise result
                if isinstance(result, BaseException):
                    problems.append(f"{key}: {one_line(str(result))[:200]}")
            lost = lost_near(moment, tally.lines, tally.lost)
            if attempt == RANGE_READS - 1 or not lost:
                break
            lines = tally.lines.values()
            fits = fitting_span(moment, span, lines, tally.size, store.max_lines, store.max_bytes)
            if fits >= span:
                break
            span = fits
        if lost:  # even the narrowest read did not hold it: say so, not just show less
            self.notify(
                f"lines near the moment did not fit the line limit or the memory budget; showing "
                f"what did (±{span.total_seconds():g} s)",
                title="jump",
                severity="warning",
            )
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
        self.workers.cancel_group(self, "jump")  # also a first jump still reading
        if self.range is None:
            return
        self.range = None
        pane = self.log_pane
        pane.empty_message = "no lines match the filter" if self.filter_active else "waiting for log lines…"
        pane.rebuild(self.store, self.filter)
        pane.resume()
        self._update_titles()
        self._update_status()
