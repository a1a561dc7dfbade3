"""The built-in demo host: a simulated production server on a private event-loop thread.

Used by `logtui demo`, `logtui --demo COMMAND` and the dashboard when no server is
configured. Its own thread keeps it from competing with the caller's event loop.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from ..config import Settings


@contextlib.contextmanager
def demo_host(**overrides: Any) -> Iterator[Settings]:
    """Start the demo host; yield settings that reach it (with `overrides` applied)."""
    from ..loop_thread import LoopThread
    from .server import SimulatedHost

    loop = LoopThread("logtui-demo-host")
    host = SimulatedHost()
    try:
        loop.run(host.start(), timeout=30)
        yield host.settings(**overrides)
    finally:
        with contextlib.suppress(Exception):
            loop.run(host.stop(), timeout=5)
        loop.stop()
