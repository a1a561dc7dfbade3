"""Live log entries of many streams printed in time order, each held only a moment.

`logs -f` and `container -f` read every container's stdout and stderr separately, and the
entries of one stream reach logtui later than those of another: SSH carries the streams
apart, and a parser holds an entry back until the line after it shows the entry is
complete. Printing batches as they come put a container's stderr before its stdout.

`TimeOrder` holds each live entry for HOLD_S after it arrives, then prints it in stamp
order; an entry is never printed while a stream parser still holds back an older one
(`PendingTracker` knows those), for at most MAX_WAIT_S. So an entry is printed in its place,
whichever stream or container wrote it, unless a newer one reached logtui more than HOLD_S
before it. Such a late entry (a container polled in rotation delivers its lines about a
second late) is printed as soon as it arrives, after newer ones: nothing waits longer, and
nothing is dropped.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable

from .models import LogEntry
from .parser import stamp_time_key, time_key
from .reader import AsyncReader, StreamReader

__all__ = ["HOLD_S", "MAX_WAIT_S", "PendingTracker", "TimeOrder"]

HOLD_S = 0.2
"""How long a live entry waits for older ones of other streams and containers."""

MAX_WAIT_S = 0.5
"""The longest an entry waits behind an older one a stream parser holds back (that one is
released when its stream has been quiet for `logtui.follow.FLUSH_AFTER_S`)."""

Clock = Callable[[], float]


class PendingTracker:
    """The entries of a follow not in `TimeOrder` yet: held back by a stream parser, or
    parsed and on their way. Their stamps, and since when.

    `reader` is a `ReaderFactory` (`RemoteDocker.reader_factory`): its readers parse here,
    as `LocalReader` does, and report what they hold and what they hand on; `arrived` is
    told what reached the printer.
    """

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._held: dict[int, tuple[str, float]] = {}
        """id(reader) -> (time key of its held-back entry, when it was first seen held)."""
        self._moving: dict[int, tuple[str, float]] = {}
        """id(entry) -> (its time key, when parsed) for entries handed on, not arrived."""

    def reader(self, container: str, stream: str, mask: bool) -> AsyncReader:
        return _TrackedReader(self, container, stream, mask)

    def note(self, reader: StreamReader, entries: list[LogEntry]) -> None:
        """After a call on `reader` that gave `entries`: what it holds back now."""
        now = self._clock()
        for entry in entries:
            self._moving[id(entry)] = (time_key(entry), now)
        stamp = reader.assembler.pending_stamp
        key = id(reader)
        if not stamp:
            self._held.pop(key, None)
            return
        sort_key = stamp_time_key(stamp)
        known = self._held.get(key)
        if known is None or entries or known[0] != sort_key:
            self._held[key] = (sort_key, now)

    def forget(self, reader: StreamReader) -> None:
        self._held.pop(id(reader), None)

    def arrived(self, entries: list[LogEntry]) -> None:
        """These reached the printer (or were dropped as already printed)."""
        moving = self._moving
        for entry in entries:
            moving.pop(id(entry), None)

    def oldest(self, newer_than: str) -> str | None:
        """The oldest key, newer than `newer_than`, of an entry not in the printer yet and
        not older than MAX_WAIT_S (waiting longer for it would hold everything up)."""
        limit = self._clock() - MAX_WAIT_S
        moving = self._moving
        stale = [ident for ident, (_, since) in moving.items() if since <= limit]
        for ident in stale:  # handed on but never arrived: filtered out on the way
            del moving[ident]
        keys = [
            k for k, since in (*self._held.values(), *moving.values()) if k > newer_than and since > limit
        ]
        return min(keys, default=None)


def _done(entries: list[LogEntry]) -> asyncio.Future[list[LogEntry]]:
    future: asyncio.Future[list[LogEntry]] = asyncio.get_running_loop().create_future()
    future.set_result(entries)
    return future


class _TrackedReader:
    """`LocalReader` that tells its tracker what it holds back."""

    def __init__(self, tracker: PendingTracker, container: str, stream: str, mask: bool) -> None:
        self._tracker = tracker
        self._reader = StreamReader(container, stream, mask)

    @property
    def errors(self) -> list[str]:
        return self._reader.errors

    def _after(self, entries: list[LogEntry]) -> asyncio.Future[list[LogEntry]]:
        self._tracker.note(self._reader, entries)
        return _done(entries)

    def feed(self, chunk: bytes) -> asyncio.Future[list[LogEntry]]:
        return self._after(self._reader.feed(chunk))

    def quiet(self) -> asyncio.Future[list[LogEntry]]:
        return self._after(self._reader.quiet())

    def close(self) -> asyncio.Future[list[LogEntry]]:
        return self._after(self._reader.close())

    def drop(self) -> None:
        self._tracker.forget(self._reader)


class TimeOrder:
    """Entries in, the same entries out in time order, each held at most a bounded time.

    `add` what arrives (`add_run` for a long run already in order, such as the merged
    history); `ready` returns what may be printed now; `drain` the rest at the end. An
    entry is ready once some entry at least as new has been held HOLD_S (so it has waited
    as long as it usefully can) and no stream parser holds back an older one.
    """

    def __init__(
        self,
        hold_s: float = HOLD_S,
        clock: Clock = time.monotonic,
        held_back: Callable[[str], str | None] | None = None,
    ) -> None:
        self._hold = hold_s
        self._clock = clock
        self._held_back = held_back or (lambda newer_than: None)
        self._heap: list[tuple[str, int, LogEntry]] = []
        self._run: list[LogEntry] = []
        self._run_keys: list[str] = []
        self._run_at = 0
        self._arrivals: deque[tuple[float, str]] = deque()
        self._seq = itertools.count()
        self._due = ""
        """The newest key among entries held long enough."""
        self.printed = ""
        """The newest key printed so far."""

    def __len__(self) -> int:
        return len(self._heap) + len(self._run) - self._run_at

    def add(self, entries: list[LogEntry]) -> None:
        now = self._clock()
        heap, seq, arrivals = self._heap, self._seq, self._arrivals
        for entry in entries:
            key = time_key(entry)
            heapq.heappush(heap, (key, next(seq), entry))
            arrivals.append((now, key))

    def add_run(self, entries: list[LogEntry]) -> None:
        """Entries already in time order, kept as they are (a heap of a million costs seconds)."""
        if self._run_at < len(self._run):
            self.add(self._run[self._run_at :])  # one run at a time: the rest joins the heap
        self._run, self._run_keys, self._run_at = entries, [time_key(e) for e in entries], 0
        if entries:
            self._arrivals.append((self._clock(), self._run_keys[-1]))

    def ready(self) -> list[LogEntry]:
        """The entries that may be printed now, in time order."""
        expired = self._clock() - self._hold
        arrivals = self._arrivals
        due = self._due
        while arrivals and arrivals[0][0] <= expired:
            key = arrivals.popleft()[1]
            if key > due:
                due = key
        self._due = due
        limit = due
        blocker = self._held_back(self.printed)
        if blocker is not None and blocker < limit:
            limit = blocker
        if limit < self.printed:
            limit = self.printed  # late entries go out at once: waiting cannot place them
        return self._pop_until(limit)

    def drain(self) -> list[LogEntry]:
        """Everything still held, in time order (the streams ended)."""
        self._arrivals.clear()
        return self._pop_until(None)

    def next_check(self) -> float | None:
        """Seconds until `ready` may return more (None: nothing is held)."""
        if not len(self):
            return None
        if not self._arrivals:
            return self._hold / 4  # held behind a parser's entry: look again soon
        return max(0.0, min(self._arrivals[0][0] + self._hold - self._clock(), self._hold / 4))

    def _pop_until(self, limit: str | None) -> list[LogEntry]:
        """Entries up to `limit` (None: all) from the heap and the run, merged, in order."""
        heap, run, keys = self._heap, self._run, self._run_keys
        at, end = self._run_at, len(self._run)
        out: list[LogEntry] = []
        while True:
            if at < end and (not heap or keys[at] <= heap[0][0]):
                bound = heap[0][0] if heap else None
                if limit is not None and (bound is None or limit < bound):
                    bound = limit
                stop = end if bound is None else bisect.bisect_right(keys, bound, at, end)
                if stop == at:
                    break
                out += run[at:stop]
                key, at = keys[stop - 1], stop
            elif heap and (limit is None or heap[0][0] <= limit):
                key, _, entry = heapq.heappop(heap)
                out.append(entry)
            else:
                break
            if key > self.printed:
                self.printed = key
        self._run_at = at
        if at == end and end:
            self._run, self._run_keys, self._run_at = [], [], 0
        return out
