"""Pictures of the dashboard over three hosts (pytest-textual-snapshot), made deterministic.

The lines of `test_dashboard_snapshots` spread over three simulated hosts with one frozen
clock: `web-app` runs on all three (so its repeated error is "on 3 hosts"), the other
containers on one each. Update with `pytest --snapshot-update`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from dashboard_support import digest_caught_up
from test_dashboard_snapshots import FROZEN, FROZEN_NS, LINES, NARROW, SIZE
from textual.pilot import Pilot

from logtui.loop_thread import LoopThread
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.simhost.workload import Resources
from logtui.tui import create_app
from logtui.tui._fleet import FleetApp
from logtui.tui._fleet_rows import HOST_ROW

PLACES = {"database": ("prod-1",), "api-server": ("prod-2",), "nginx": ("prod-2",), "worker": ("prod-3",)}
HOSTS = ("prod-1", "prod-2", "prod-3")


def frozen_clock() -> int:
    return FROZEN_NS


def host_of(index: int, name: str) -> str:
    """Where line `index` of LINES was written: web-app's lines go round the hosts."""
    if name == "web-app":
        earlier = sum(1 for _, n, _, _ in LINES[:index] if n == "web-app")
        return HOSTS[earlier % 3]
    return PLACES[name][0]


@pytest.fixture
def hosts() -> Iterator[list[SimulatedHost]]:
    boxes: dict[str, dict[str, ScriptedContainer]] = {h: {} for h in HOSTS}
    for h, host in enumerate(HOSTS):
        names = ["web-app", *(n for n, where in PLACES.items() if host in where)]
        for i, name in enumerate(names):
            boxes[host][name] = ScriptedContainer(
                name=name,
                image=f"registry.example.com/shop/{name}:2.14.3",
                created_ns=FROZEN_NS - (3 * 3600 + h * 600 + i * 60) * 1_000_000_000,
                clock=frozen_clock,
                resources=Resources(1.5 + i + h, (40 + 30 * i + 7 * h) * 2**20, 8_192_000_000, 4 + i),
            )
    for index, (before, name, stream, text) in enumerate(LINES):
        boxes[host_of(index, name)][name].write(text, stream, ts_ns=FROZEN_NS - int(before * 1e9))
    loop = LoopThread("snapshot-fleet")
    sims: list[SimulatedHost] = []
    try:
        for host in HOSTS:
            key = sims[0].client_key_text if sims else None
            sim = SimulatedHost(
                list(boxes[host].values()), clock=frozen_clock, poll_interval=0.05, client_key_text=key
            )
            loop.run(sim.start())
            sims.append(sim)
        yield sims
    finally:
        for sim in sims:
            loop.run(sim.stop(), timeout=5)
        loop.stop()


@pytest.fixture
def app(hosts: list[SimulatedHost], tmp_path: Path) -> Iterator[FleetApp]:
    with structlog.testing.capture_logs():
        settings = [
            s.settings(audit_log=tmp_path / "audit.jsonl", name=n) for s, n in zip(hosts, HOSTS, strict=True)
        ]
        made = create_app(settings, export_dir=tmp_path, clock=lambda: FROZEN, poll_interval=60)
        assert isinstance(made, FleetApp)
        yield made


async def loaded(pilot: Pilot) -> None:
    """Every line, every host's stats and the error digest on screen."""
    app = pilot.app
    assert isinstance(app, FleetApp)
    deadline = time.monotonic() + 10
    while not (app.store.size == len(LINES) and len(app.stats) == 7 and digest_caught_up(app)):
        assert time.monotonic() < deadline, "the dashboard did not load"
        await pilot.pause(0.05)
    app._slow_tick()
    app._tick()
    await pilot.pause(0.1)


def test_three_hosts(snap_compare, app: FleetApp) -> None:
    """Grouped by host, a host column in the log rows, errors per host and container."""
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_three_hosts_at_80x24(snap_compare, app: FleetApp) -> None:
    """The host column stays, the container column gives way. `G` first: whether a pane
    that was following while the layout narrowed ends at its newest row depends on when
    the last lines arrived (the one-host picture at 80x24 shows the oldest)."""

    async def run(pilot: Pilot) -> None:
        await loaded(pilot)
        await pilot.press("G")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=NARROW, run_before=run)


def test_one_host_of_three_chosen(snap_compare, app: FleetApp) -> None:
    async def run(pilot: Pilot) -> None:
        await loaded(pilot)
        app.select_container(HOST_ROW + "prod-2")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZE, run_before=run)
