"""The built-in demo host: a simulated production server on a private event-loop thread.

Used by `logtui demo`, `logtui --demo COMMAND` and the dashboard when no server is
configured; `logtui demo --hosts N` runs N of them (`demo_fleet`). Their own thread keeps
them from competing with the caller's event loop.
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


@contextlib.contextmanager
def demo_fleet(count: int, **overrides: Any) -> Iterator[list[Settings]]:
    """Start `count` demo hosts (`demo-1` ...), each with its own workload (seed) and all
    accepting one client key, as a fleet does; yield their settings, named."""
    from ..loop_thread import LoopThread
    from .server import SimulatedHost

    loop = LoopThread("logtui-demo-fleet")
    hosts: list[SimulatedHost] = []
    try:
        first = SimulatedHost(seed=1)
        hosts.append(first)
        loop.run(first.start(), timeout=30)
        for index in range(2, count + 1):
            host = SimulatedHost(seed=index, client_key_text=first.client_key_text)
            hosts.append(host)
            loop.run(host.start(), timeout=30)
        yield [h.settings(name=f"demo-{i}", **overrides) for i, h in enumerate(hosts, start=1)]
    finally:
        for host in hosts:
            with contextlib.suppress(Exception):
                loop.run(host.stop(), timeout=5)
        loop.stop()
