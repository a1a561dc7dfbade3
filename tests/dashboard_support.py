"""What the dashboard tests share: waiting for the app under Pilot, and making the app for
a test's simulated host (its `host` fixture) with the test's own audit log and export dir."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui import create_app
from logtui.tui.app import LogtuiApp
from logtui.tui.store import iso


async def wait_for(pilot: Pilot, condition: Callable[[], Any], timeout: float = 8.0) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.05)


@contextlib.asynccontextmanager
async def scripted_host(
    names: Iterable[str], write_history: Callable[[ScriptedContainer, int], None]
) -> AsyncIterator[SimulatedHost]:
    """A simulated host (real SSH, in-process) of scripted containers `names`, the n-th
    given its history by `write_history(container, n)`; tests write more as they go."""
    containers = []
    for offset, name in enumerate(names):
        container = ScriptedContainer(name=name, image=f"example/{name}:1")
        write_history(container, offset)
        containers.append(container)
    async with SimulatedHost(containers, poll_interval=0.05) as sim:
        yield sim


def app_factory(host: SimulatedHost, tmp_path: Path) -> Callable[..., LogtuiApp]:
    """`make(**options)`: the dashboard on `host` (polling every 0.3 s unless told)."""

    def make(**options: Any) -> LogtuiApp:
        options.setdefault("poll_interval", 0.3)
        return create_app(host.settings(audit_log=tmp_path / "audit.jsonl"), export_dir=tmp_path, **options)

    return make


def digest_caught_up(app: LogtuiApp) -> bool:
    """Whether the error digest counts every error the store holds in the window. The digest
    is built on a worker thread, so one built while lines were still arriving can be on
    screen (non-empty, but short) until the next one lands."""
    cutoff = iso(app.clock() - timedelta(hours=app.window_hours))
    held = {name: sum(e.timestamp >= cutoff for e in entries) for name, entries in app.store.errors.items()}
    return app.digest.counts == {name: count for name, count in held.items() if count}
