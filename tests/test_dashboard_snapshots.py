"""Pictures of the dashboard (pytest-textual-snapshot), made deterministic.

The simulated host and the app share one frozen clock, the containers are scripted with
fixed timestamps and the host label is fixed, so nothing on screen depends on when or
where the test runs. `snap_compare` runs the app with its own event loop, so the host
runs on a loop thread of its own. Update with `pytest --snapshot-update`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import structlog
from dashboard_support import digest_caught_up
from textual.pilot import Pilot

from logtui.loop_thread import LoopThread
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.simhost.workload import Resources
from logtui.tui import create_app
from logtui.tui.app import LogtuiApp

FROZEN = datetime(2025, 8, 16, 14, 35, 0)
FROZEN_NS = int((FROZEN - datetime(1970, 1, 1)).total_seconds()) * 1_000_000_000
SIZE = (160, 48)
NARROW = (80, 24)

LINES: list[tuple[float, str, str, str]] = [
    # (seconds before FROZEN, container, stream, text)
    (900.0, "database", "stdout", "LOG:  checkpoint starting: time"),
    (610.2, "web-app", "stdout", "INFO app.access: GET /api/products?page=3 200 12ms"),
    (540.7, "api-server", "stdout", '{"level":"info","msg":"listening on :8080"}'),
    (400.1, "web-app", "stderr", "ERROR app.views: Application error occurred request_id=1842"),
    (300.5, "nginx", "stdout", '203.0.113.7 - - "GET /static/app.css HTTP/1.1" 200 5120'),
    (250.0, "database", "stderr", 'ERROR:  relation "users" does not exist at character 15'),
    (
        200.3,
        "api-server",
        "stderr",
        "ERROR Unhandled exception in POST /api/checkout\n"
        "Traceback (most recent call last):\n"
        '  File "/app/checkout.py", line 88, in submit\n'
        "    total = cart['total']\n"
        "KeyError: 'total'",
    ),
    (120.0, "web-app", "stderr", "WARNING app.middleware: Slow request: GET /api/orders 2.4s"),
    (
        100.0,
        "api-server",
        "stdout",
        '{"level":"error","time":"2025-08-16T14:33:20.000Z","msg":"payment declined",'
        '"request_id":"req-7f3a","order":{"id":981,"total":42.5},"retry":false}',
    ),
    (95.4, "database", "stderr", 'FATAL:  password authentication failed for user "app"'),
    (60.0, "web-app", "stderr", "ERROR app.views: Application error occurred request_id=1907"),
    (40.0, "nginx", "stderr", "2025/08/16 14:34:20 [warn] 29#29: upstream response is buffered"),
    (30.0, "worker", "stdout", "DEBUG cache hit key=user:42"),
    (12.5, "worker", "stderr", "ERROR job failed: timeout after 30s (job=send-mail id=981)"),
    (8.0, "web-app", "stdout", "INFO app.access: POST /api/cart 201 31ms"),
    (4.0, "api-server", "stderr", "ERROR upstream request failed: connect ECONNREFUSED 10.0.0.5"),
    (1.5, "web-app", "stderr", "ERROR app.views: Application error occurred request_id=2210"),
]


def frozen_clock() -> int:
    return FROZEN_NS


@pytest.fixture
def host() -> Iterator[SimulatedHost]:
    containers = {}
    for i, name in enumerate(("web-app", "api-server", "database", "nginx", "worker")):
        containers[name] = ScriptedContainer(
            name=name,
            image=f"registry.example.com/shop/{name}:2.14.3",
            created_ns=FROZEN_NS - (3 * 3600 + i * 60) * 1_000_000_000,
            clock=frozen_clock,
            resources=Resources(1.5 + i, (40 + 30 * i) * 2**20, 8_192_000_000, 4 + i),
        )
    for before, name, stream, text in LINES:
        containers[name].write(text, stream, ts_ns=FROZEN_NS - int(before * 1e9))
    loop = LoopThread("snapshot-host")
    sim = SimulatedHost(list(containers.values()), clock=frozen_clock, poll_interval=0.05)
    loop.run(sim.start())
    try:
        yield sim
    finally:
        loop.run(sim.stop(), timeout=5)
        loop.stop()


@pytest.fixture
def app(host: SimulatedHost, tmp_path: Path) -> Iterator[LogtuiApp]:
    with structlog.testing.capture_logs():
        yield create_app(
            host.settings(audit_log=tmp_path / "audit.jsonl"),
            export_dir=tmp_path,
            host_label="prod-1 (root@203.0.113.7)",
            clock=lambda: FROZEN,
            poll_interval=60,
        )


def after(*keys: str):
    """Load, press `keys`, and clear the notifications they raised (they time out)."""

    async def run(pilot: Pilot) -> None:
        await loaded(pilot)
        await pilot.press(*keys)
        await pilot.pause(0.2)
        pilot.app.clear_notifications()
        await pilot.pause(0.1)

    return run


async def loaded(pilot: Pilot) -> None:
    """Wait until every line, the stats and the error digest are on screen."""
    app = pilot.app
    assert isinstance(app, LogtuiApp)
    deadline = time.monotonic() + 10
    while not (app.store.size == len(LINES) and len(app.stats) == 5 and digest_caught_up(app)):
        assert time.monotonic() < deadline, "the dashboard did not load"
        await pilot.pause(0.05)
    app._slow_tick()  # rates and counts now, not at the next second
    app._tick()
    await pilot.pause(0.1)


def test_main_screen(snap_compare, app: LogtuiApp) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_errors_only(snap_compare, app: LogtuiApp) -> None:
    assert snap_compare(app, press=["e"], terminal_size=SIZE, run_before=loaded)


def test_search(snap_compare, app: LogtuiApp) -> None:
    press = ["slash", *"occurred", "enter", "n"]
    assert snap_compare(app, press=press, terminal_size=SIZE, run_before=loaded)


def test_help_screen(snap_compare, app: LogtuiApp) -> None:
    assert snap_compare(app, press=["question_mark"], terminal_size=SIZE, run_before=loaded)


def test_main_screen_at_80x24(snap_compare, app: LogtuiApp) -> None:
    """Names and error counts on the left; the time tinted in the container's colour."""
    assert snap_compare(app, terminal_size=NARROW, run_before=loaded)


def test_detail_view(snap_compare, app: LogtuiApp) -> None:
    keys = ["slash", *"payment", "enter", "n", "enter"]
    assert snap_compare(app, terminal_size=SIZE, run_before=after(*keys))


def test_detail_view_at_80x24(snap_compare, app: LogtuiApp) -> None:
    keys = ["slash", *"payment", "enter", "n", "enter"]
    assert snap_compare(app, terminal_size=NARROW, run_before=after(*keys))


def test_wrapped_and_highlighted_at_80x24(snap_compare, app: LogtuiApp) -> None:
    keys = ["W", "h", *"request_id", "enter", "h", *"timeout", "enter", "k", "k"]
    assert snap_compare(app, terminal_size=NARROW, run_before=after(*keys))
