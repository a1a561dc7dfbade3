"""Python's `re` in a process of its own, so that a pattern that backtracks forever can be stopped.

`re` holds the GIL for as long as one `search` runs and cannot be interrupted from another
thread: `(a+)+$` over forty `a`s and a `b` would freeze every thread of the dashboard,
whatever thread called it. In a child process it only occupies that process, which is
killed when the caller's deadline passes or it cancels (and started again on next use).
Used only for patterns Rust's engine cannot run with the same meaning (`search_engine`).

The child imports nothing but `re` and `multiprocessing` (this module is light on purpose:
spawn imports it in the child).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import re
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

POLL_S = 0.02
"""How often a waiting caller checks its deadline and its cancel flag."""
START_S = 5.0
"""Longest wait for a fresh child to be ready (a cold interpreter start on a busy machine)."""


def _serve(conn: Connection) -> None:  # pragma: no cover - runs in the child process
    """The child: answer requests until the pipe closes."""
    compiled: dict[tuple[str, int], re.Pattern[str]] = {}
    conn.send("ready")
    while True:
        try:
            op, text, flags, items = conn.recv()
        except (EOFError, OSError):
            return
        pattern = compiled.get((text, flags))
        if pattern is None:
            if len(compiled) > 16:
                compiled.clear()
            pattern = compiled[(text, flags)] = re.compile(text, flags)
        result: Any
        if op == "search":
            search = pattern.search
            result = [i for i, item in enumerate(items) if search(item) is not None]
        else:  # "spans": the non-empty matches of each item, as finditer finds them
            result = [[m.span() for m in pattern.finditer(item) if m.end() > m.start()] for item in items]
        conn.send(result)


class RegexProcess:
    """One child process running `re`; requests one at a time, each with a deadline.

    Not thread-safe: each user (the search worker, the UI thread) has its own.
    """

    def __init__(self, name: str = "logtui-regex") -> None:
        self.name = name
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._ready = False
        self.kills = 0
        """Children killed for running past a deadline or being cancelled (for tests)."""

    def start(self) -> None:
        """Start the child now (it takes a moment to be ready), if it is not running."""
        if self._process is not None and self._process.is_alive():
            return
        self.close()
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs,), name=self.name, daemon=True)
        process.start()
        theirs.close()
        self._process, self._conn, self._ready = process, ours, False

    def _wait(self, deadline: float, cancelled: Callable[[], bool]) -> Any:
        """The child's next message, or raise TimeoutError (deadline or cancel; child killed)."""
        conn = self._conn
        assert conn is not None
        while True:
            if cancelled() or time.monotonic() >= deadline:
                self.kill()
                raise TimeoutError
            try:
                if conn.poll(min(POLL_S, max(0.0, deadline - time.monotonic()))):
                    return conn.recv()
            except (EOFError, OSError):  # the child died
                self.close()
                raise TimeoutError from None

    def run(
        self,
        op: str,
        pattern: str,
        flags: int,
        items: Sequence[str],
        deadline: float,
        cancelled: Callable[[], bool] = lambda: False,
        start_s: float = START_S,
    ) -> list[Any] | None:
        """`op` ("search": indices of the items `pattern` finds; "spans": each item's
        match spans) over `items`, or None if it did not finish by `deadline` (monotonic)
        or `cancelled()` turned true: the child is then killed. A child not ready yet gets
        up to `start_s` to start, before the deadline counts."""
        self.start()
        started = time.monotonic()
        try:
            if not self._ready:
                self._wait(time.monotonic() + start_s, cancelled)
                self._ready = True
                deadline = max(deadline, time.monotonic() + (deadline - started))
            assert self._conn is not None
            self._conn.send((op, pattern, flags, list(items)))
            return self._wait(deadline, cancelled)  # type: ignore[no-any-return]
        except (TimeoutError, OSError, ValueError):
            self.kill()
            return None

    def kill(self) -> None:
        """Stop the child whatever it is doing."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self.kills += 1
        self.close()

    def close(self) -> None:
        process, conn = self._process, self._conn
        self._process, self._conn, self._ready = None, None, False
        if conn is not None:
            conn.close()
        if process is not None:
            with contextlib.suppress(Exception):
                process.join(timeout=1.0)
                if process.is_alive():
                    process.kill()
                    process.join(timeout=1.0)
