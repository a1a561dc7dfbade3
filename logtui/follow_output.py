"""`logs -f` and `container -f`: history then live entries, in time order, on stdout.

First each container's history is read whole (`docker logs --since`, both streams) and
merged in time order, as `logs` without -f does. Then each container is followed from
where its history ends (the lines at that stamp already read are skipped); the history is
printed once every follower has brought the lines written while the histories were read
(`_Settling`), merged with them. Live entries go through `TimeOrder`: held HOLD_S, printed
in stamp order across streams and containers (see `logtui.ordering` for what that
guarantees).

Output goes through `PipeWriter`, so a stdout nobody reads (a full pipe) stalls the
followers, never the event loop: Ctrl-C still ends the command at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TextIO

from .follow import ResumePoint, StateCallback
from .models import LogEntry
from .ordering import PendingTracker, TimeOrder
from .parser import merge_by_time

if TYPE_CHECKING:
    from .remote import RemoteDocker

__all__ = ["PipeWriter", "follow_in_time_order"]

Write = Callable[[list[LogEntry]], Awaitable[None]]

BACKLOG_BATCHES = 64
"""Batches the followers may hand over before they wait for the printer."""


SETTLE_S = 0.5
"""After a follower's channel opens, how long its first lines (those written while the
history was read) may take to come: until then, or its first batch, nothing is printed."""

SETTLE_MAX_S = 5.0
"""The longest the first output waits for slow followers once the history is read."""


class _Settling:
    """Which followers may still bring lines older than what another one brought.

    The history reads end at different moments, so a container whose read ended early has
    lines (written meanwhile) older than the end of another's history: they come with its
    follower's first batch. So nothing is printed until each follower has brought its
    first batch, been open SETTLE_S, or ended, and at most SETTLE_MAX_S.
    """

    def __init__(self, names: list[str]) -> None:
        loop = asyncio.get_running_loop()
        self._time = loop.time
        self._until = self._time() + SETTLE_MAX_S
        self._ready_at: dict[str, float] = {name: self._until for name in names}

    def state(self, name: str, state: str) -> None:
        if state in ("connected", "polled"):
            self._ready_at[name] = min(self._ready_at.get(name, 0.0), self._time() + SETTLE_S)
        elif state in ("ended", "failed"):
            self.settled(name)

    def settled(self, name: str) -> None:
        self._ready_at[name] = 0.0

    def wait(self) -> float | None:
        """Seconds still to wait (None: settled, print away)."""
        if not self._ready_at:
            return None
        left = max(self._ready_at.values()) - self._time()
        if left <= 0:
            self._ready_at.clear()
            return None
        return left


async def follow_in_time_order(
    remote: RemoteDocker,
    names: list[str],
    since: str,
    write: Write,
    on_state: StateCallback | None = None,
) -> None:
    """Print the history of `names` since `since`, then follow them, in time order.

    Returns when every container's log has ended; a follower's error is raised (the
    others are cancelled).
    """
    tracker = PendingTracker()
    remote.reader_factory = tracker.reader
    histories = await asyncio.gather(*(remote.logs(name, since=since) for name in names))
    order = TimeOrder(held_back=tracker.oldest)
    order.add_run(merge_by_time(*histories))
    settling = _Settling(names)
    handed: asyncio.Queue[list[LogEntry] | BaseException | None] = asyncio.Queue(BACKLOG_BATCHES)

    async def one(name: str, history: list[LogEntry]) -> None:
        def state(what: str, detail: str) -> None:
            settling.state(name, what)
            if on_state is not None:
                on_state(what, detail)

        done = ResumePoint(history)
        fresh = done.make_filter()
        try:
            async for batch in remote.follow(name, since=done.timestamp or since, on_state=state):
                kept = [entry for entry in batch if fresh(entry)]
                if len(kept) < len(batch):  # printed with the history: on their way no more
                    tracker.arrived(batch)
                if kept:
                    await handed.put(kept)
                settling.settled(name)
        except Exception as exc:  # handed to the printer, raised there
            await handed.put(exc)
        else:
            await handed.put(None)

    followers = [asyncio.create_task(one(n, h)) for n, h in zip(names, histories, strict=True)]
    del histories
    running = len(followers)
    try:
        while running:
            wait = settling.wait()
            try:
                item = await asyncio.wait_for(handed.get(), wait if wait is not None else order.next_check())
            except TimeoutError:
                item = []
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                order.add(item)
                tracker.arrived(item)
            if settling.wait() is None:
                ready = order.ready()
                if ready:
                    await write(ready)
        await write(order.drain())
    finally:
        for task in followers:
            task.cancel()
        for task in followers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class PipeWriter:
    """A text stream on the process's stdout whose writes never block the event loop.

    A thread writes the bytes; `write` only queues them, and `drain` waits (asynchronously)
    while more than `limit` bytes are queued. When nobody reads the pipe, the thread blocks
    in `os.write`, the followers wait in `drain`, and Ctrl-C still cancels the command: the
    thread is a daemon and owns a duplicate of the descriptor, so leaving it blocked costs
    nothing at exit. A reader that went away is reported as BrokenPipeError by the next call.
    """

    HIGH_WATER = 1 << 20

    def __init__(self, stream: TextIO) -> None:
        stream.flush()
        self._fd = os.dup(stream.fileno())
        self.encoding = getattr(stream, "encoding", None) or "utf-8"
        self.errors = getattr(stream, "errors", None) or "strict"
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._queued = 0
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="logtui-stdout", daemon=True)
        self._thread.start()

    @classmethod
    def usable_for(cls, stream: TextIO) -> bool:
        """Has `stream` a descriptor of its own (not a test's capture or a StringIO)?"""
        try:
            return stream.fileno() >= 0
        except (AttributeError, OSError, ValueError):
            return False

    def write(self, text: str) -> int:
        self._raise()
        data = text.encode(self.encoding, self.errors)
        if data:
            with self._lock:
                self._queued += len(data)
            self._queue.put(data)
        return len(text)

    def flush(self) -> None:
        self._raise()

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def fileno(self) -> int:
        return self._fd

    @property
    def queued(self) -> int:
        return self._queued

    async def drain(self, limit: int = HIGH_WATER) -> None:
        """Wait until at most `limit` bytes are queued (every one written, for 0).

        Polled, from every millisecond up to every 20 ms: a fast reader (a file, a pipe to
        `wc`) is not kept waiting 20 ms a batch, a stalled one costs 50 wake-ups a second."""
        pause = 0.001
        while self._queued > limit and self._error is None:
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.02)
        self._raise()

    async def close(self) -> None:
        """Write everything queued, then stop the thread (awaitable, so Ctrl-C still works).

        A closed reader is raised as BrokenPipeError, once the thread is stopped."""
        try:
            await self.drain(0)
        finally:
            if self._queued == 0 or self._error is not None:  # else the thread may be in a write
                self._queue.put(None)
                while self._thread.is_alive():
                    await asyncio.sleep(0.01)
                os.close(self._fd)

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while True:
            data = self._queue.get()
            if data is None:
                return
            if self._error is None:
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(self._fd, view) :]
                except OSError as exc:
                    self._error = exc
            with self._lock:
                self._queued -= len(data)
