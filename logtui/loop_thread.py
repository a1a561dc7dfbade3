"""A private event loop on a daemon thread: lets the synchronous API reuse one SSH connection.

The synchronous facade must work from plain scripts and from code that already runs an
event loop (a notebook, a web handler), so it never calls `asyncio.run` in the caller's
thread: coroutines are handed to this loop and their results waited for.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """An asyncio loop running on its own daemon thread until `stop()`."""

    def __init__(self, name: str = "logtui-io") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on the loop thread and return its result (or raise its exception)."""
        if not self.running:
            coro.close()
            raise RuntimeError("the collector is closed")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self) -> None:
        if not self.running:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()
