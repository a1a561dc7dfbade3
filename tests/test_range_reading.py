"""A jumped-to range is read into its store batch by batch (`_range.read_into`): the store's
budget binds while the logs arrive, so 20 minutes of a busy server never sit whole in memory."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dashboard_support as support
import pytest

from logtui.models import LogEntry
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui import create_app
from logtui.tui._range import read_into
from logtui.tui.held import held_bytes
from logtui.tui.jump import NARROWEST, SPAN, narrower_span
from logtui.tui.store import LogStore


def _batch(first: int, size: int) -> list[LogEntry]:
    out = []
    for i in range(first, first + size):
        stamp = f"2025-08-16T14:{i // 60 % 60:02d}:{i % 60:02d}.{i:09d}Z"
        text = f"request {i} served " + "x" * 100
        out.append(LogEntry("api", stamp[:26], "INFO", text, f"{stamp} {text}", "stdout", stamp))
    return out


async def test_the_store_takes_each_batch_as_it_arrives_within_its_budget() -> None:
    budget = held_bytes(_batch(0, 3000))
    store = LogStore(max_bytes=budget)
    held_before_each: list[int] = []

    async def arriving() -> AsyncIterator[list[LogEntry]]:
        for first in range(0, 20_000, 1000):
            held_before_each.append(store.size)
            yield _batch(first, 1000)

    await read_into(store, "api", arriving(), tag="web")
    assert held_before_each[:4] == [0, 1000, 2000, 3000]  # each batch stored before the next
    assert all(size <= 3000 for size in held_before_each) and store.bytes <= budget
    entries = list(store.buffers["api"])
    assert entries[-1].message.startswith("request 19999 ") and len(entries) < 3000
    assert {e.container_name for e in entries} == {"web"}
    assert store.total_dropped_by_budget == 20_000 - len(entries)


async def test_a_failed_read_closes_its_batches_and_keeps_what_came() -> None:
    store = LogStore()
    closed: list[bool] = []

    async def arriving() -> AsyncIterator[list[LogEntry]]:
        try:
            yield _batch(0, 10)
            raise RuntimeError("docker on host: exit status 1")
        finally:
            closed.append(True)

    with pytest.raises(RuntimeError, match="exit status 1"):
        await read_into(store, "api", arriving())
    assert closed == [True] and store.size == 10


wait_for = support.wait_for
MOMENT = datetime(2025, 8, 16, 14, 10)


def test_a_range_that_lost_its_moment_is_read_again_narrower() -> None:
    # held 14:12:00-14:20:00 of 14:00-14:20: 8 minutes fit, so 3m12s either side of 14:10
    assert narrower_span("2025-08-16T14:12:00.000000", "2025-08-16T14:20:00.000000", MOMENT, SPAN) == (
        timedelta(minutes=3, seconds=12)
    )
    # the moment held: nothing to do (a quieter container's lines are all there)
    assert narrower_span("2025-08-16T14:09:59.000000", "2025-08-16T14:20:00.000000", MOMENT, SPAN) is None
    assert narrower_span("", "", MOMENT, SPAN) is None
    # a burst: at least NARROWEST either side; never wider than what was read
    burst = "2025-08-16T14:19:59.999999", "2025-08-16T14:20:00.000000"
    assert narrower_span(*burst, MOMENT, SPAN) == NARROWEST
    seconds = "2025-08-16T14:10:01.000000", "2025-08-16T14:10:04.000000"
    assert narrower_span(*seconds, MOMENT, NARROWEST) is None


async def test_a_jump_on_a_busy_container_shows_the_moment(tmp_path: Path) -> None:
    """A container writing 5 lines a second, a line limit of 2,000: 20 minutes of it do not
    fit, and the oldest lines (the moment's) went. The jump reads a narrower span again
    and shows the moment, with lines either side."""
    now = time.time()
    busy = ScriptedContainer(name="busy", image="example/busy:1")
    for i in range(20 * 60 * 5):
        busy.write(f"[INFO] tick {i}", ts=now - 1800 + i / 5)  # 14:00 is `now - 1800`
    moment = datetime.fromtimestamp(now - 1200, UTC).replace(tzinfo=None)  # tick 3000
    async with SimulatedHost([busy], poll_interval=0.05) as sim:
        app = create_app(sim.settings(audit_log=tmp_path / "audit.jsonl"), max_lines_per_container=2000)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.store.size > 0, timeout=20)
            app.jump_to(moment)
            await wait_for(pilot, lambda: app.range is not None, timeout=30)
            rows = app.log_pane.view.rows
            stamps = [e.timestamp for e in rows]
            at = moment.isoformat(timespec="microseconds")
            assert stamps[0] < at < stamps[-1]  # the moment, with lines before and after it
            assert app.range.span < SPAN
            assert str(app.range.span_label).startswith(f"{moment - app.range.span:%m-%d %H:%M:%S}")
