"""Parsing on the other core: the dashboard's log bytes grouped into entries in a process.

Parsing costs several microseconds a line in Python; under a flood of 100,000 lines a
second that is most of a core, and on the UI's event loop it would hold key presses back.
So the dashboard sends what SSH delivers (bytes, cheap to pass) to worker processes that
run the same `StreamReader` code, and gets entries back field by field (`LogEntry.columns`).
Each stream is tied to one worker, which runs requests in the order sent, so its chunks are
parsed in order; streams are spread over the workers (as many as cores, at most WORKERS).

If the process cannot start, the dashboard parses in-process; if it dies, the streams
reconnect (as after a dropped connection, from their resume points) and parse in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .models import Columns, LogEntry
from .reader import AsyncReader, LocalReader, StreamReader

# -- in the worker process -------------------------------------------------------------------

_READERS: dict[int, StreamReader] = {}


_NONE: Columns = ([], [], [], [], [])


def _work(key: int, op: str, arg: Any) -> tuple[Columns, list[str]]:
    """One request for the reader `key`: (its finished entries, docker's error lines on close)."""
    if op == "open":
        _READERS[key] = StreamReader(*arg)
        return _NONE, []
    if op == "drop":
        _READERS.pop(key, None)
        return _NONE, []
    reader = _READERS[key]
    if op == "feed":
        entries = reader.feed(arg)
    elif op == "quiet":
        entries = reader.quiet()
    else:  # close
        entries = reader.close()
        del _READERS[key]
        return LogEntry.columns(entries), reader.errors
    return LogEntry.columns(entries), []


def _ready() -> bool:
    return True


def _quiet_worker() -> None:
    """The worker shares the dashboard's terminal: it must never write to it or take Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


# -- in the dashboard ------------------------------------------------------------------------


@contextlib.contextmanager
def _stderr_with_a_descriptor() -> Iterator[None]:
    """multiprocessing hands `sys.stderr`'s descriptor to its helper process, and a running
    Textual app replaces `sys.stderr` with an object that has none: lend it /dev/null."""
    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if usable:
        yield
        return
    saved = sys.stderr
    with open(os.devnull, "w") as devnull:
        sys.stderr = devnull
        try:
            yield
        finally:
            sys.stderr = saved


WORKERS = 2
"""Parse processes at most (fewer on a machine with fewer cores)."""


def workers_from_env(env: Mapping[str, str], default: int = 0) -> int:
    """`LOGTUI_PARSE_WORKERS` (0: parse in this process; at most one per core is useful),
    else `default`."""
    text = env.get("LOGTUI_PARSE_WORKERS", "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) > 64:
        raise ValueError(f"LOGTUI_PARSE_WORKERS must be a whole number from 0 to 64, not {text!r}")
    return int(text)


class ParseProcess:
    """The worker processes, and a factory of readers whose work they do."""

    def __init__(self, pools: list[ProcessPoolExecutor]) -> None:
        self._pools = pools
        self._keys = itertools.count()
        self.broken = False

    @classmethod
    def start(cls, workers: int | None = None) -> ParseProcess | None:
        """Running workers, or None when this system cannot start one."""
        count = workers or max(1, min(WORKERS, os.cpu_count() or 1))
        pools: list[ProcessPoolExecutor] = []
        try:
            with _stderr_with_a_descriptor():
                context = multiprocessing.get_context("spawn")
                for _ in range(count):
                    pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_quiet_worker)
                    pools.append(pool)
                    pool.submit(_ready)  # starts the process now, not at the first chunk
        except (OSError, ValueError, RuntimeError, NotImplementedError):
            for pool in pools:
                pool.shutdown(wait=False, cancel_futures=True)
            return None
        return cls(pools)

    @property
    def pids(self) -> list[int]:
        return [pid for pool in self._pools for pid in pool._processes or ()]

    def reader(self, container: str, stream: str, mask: bool) -> AsyncReader:
        if self.broken:
            return LocalReader(container, stream, mask)
        return ProcessReader(self, container, stream, mask)

    def submit(self, key: int, op: str, arg: Any) -> Future[tuple[Columns, list[str]]]:
        try:
            return self._pools[key % len(self._pools)].submit(_work, key, op, arg)
        except (BrokenProcessPool, RuntimeError) as exc:
            self.broken = True
            failed: Future[tuple[Columns, list[str]]] = Future()
            failed.set_exception(exc)
            return failed

    def shutdown(self) -> None:
        for pool in self._pools:
            pool.shutdown(wait=False, cancel_futures=True)


class ProcessReader:
    """`AsyncReader` whose work the parse process does; results come back in call order."""

    def __init__(self, owner: ParseProcess, container: str, stream: str, mask: bool) -> None:
        self._owner = owner
        self._key = next(owner._keys)
        self._container, self._stream = container, stream
        self._closed = False
        self.errors: list[str] = []
        owner.submit(self._key, "open", (container, stream, mask))

    def _call(self, op: str, arg: Any = None) -> asyncio.Future[list[LogEntry]]:
        loop = asyncio.get_running_loop()
        result: asyncio.Future[list[LogEntry]] = loop.create_future()
        done = self._owner.submit(self._key, op, arg)

        def finish(future: Future[tuple[Columns, list[str]]]) -> None:  # on the loop
            if result.cancelled():
                return
            if future.cancelled():  # the dashboard is closing
                result.cancel()
                return
            exc = future.exception()
            if exc is not None:
                if isinstance(exc, BrokenProcessPool | RuntimeError):
                    from .transport import ConnectionFailed  # not at import: the worker needs no SSH

                    self._owner.broken = True
                    exc = ConnectionFailed(f"the parse process stopped ({exc}); parsing here from now on")
                result.set_exception(exc)
                return
            states, errors = future.result()
            if errors:
                self.errors = errors
            result.set_result(LogEntry.from_columns(self._container, self._stream, states))

        def hand_over(future: Future[tuple[Columns, list[str]]]) -> None:  # any thread
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                loop.call_soon_threadsafe(finish, future)

        done.add_done_callback(hand_over)
        return result

    def feed(self, chunk: bytes) -> asyncio.Future[list[LogEntry]]:
        return self._call("feed", chunk)

    def quiet(self) -> asyncio.Future[list[LogEntry]]:
        return self._call("quiet")

    def close(self) -> asyncio.Future[list[LogEntry]]:
        self._closed = True
        return self._call("close")

    def drop(self) -> None:
        """Forget the reader's state in the worker (a stream abandoned before its end)."""
        if not self._closed:
            self._closed = True
            self._owner.submit(self._key, "drop", None)
