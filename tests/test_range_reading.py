"""A jumped-to range is read into its store batch by batch (`_range.read_into`): the store's
budget binds while the logs arrive, so 20 minutes of a busy server never sit whole in memory."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dashboard_support as support
import pytest
import structlog
from hostile_server import HostileServer, Reply, ps_row

from logtui.models import LogEntry
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui import create_app
from logtui.tui._range import RangeTally, read_into
from logtui.tui.held import held_bytes
from logtui.tui.jump import EARLIEST, NARROWEST, SPAN, Counts, fitting_span, lost_near, parse_moment
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


def per_second(first: int, count: int, every: float, at: datetime = MOMENT) -> dict[str, int]:
    """Lines counted per second as a read counts them: `count` lines `every` seconds apart
    from `first` seconds after `at`."""
    out: dict[str, int] = {}
    for i in range(count):
        second = (at + timedelta(seconds=first + i * every)).isoformat(timespec="seconds")
        out[second] = out.get(second, 0) + 1
    return out


def test_counts_sum_any_window_of_seconds_and_never_parse_a_stamp() -> None:
    counts = Counts({"2025-08-16T14:00:01": 2, "2025-08-16T14:00:03": 5, "2025-13-45T25:61:61": 7})
    assert counts.within("2025-08-16T14:00:01", "2025-08-16T14:00:03") == 7
    assert counts.within("2025-08-16T14:00:02", "2025-08-16T14:00:02") == 0
    assert counts.within("2025-08-16T14:00:00", "2025-12-31T00:00:00") == 7  # month 13 sorts after
    assert counts.within("2025-13-00", "2025-13-99") == 7


def test_lines_let_go_near_the_moment_call_for_another_read() -> None:
    steady = {"api": per_second(-600, 1200, 1)}
    assert lost_near(MOMENT, steady, {"api": per_second(-5, 1, 1)})
    assert lost_near(MOMENT, steady, {"api": per_second(4, 1, 1)})
    assert not lost_near(MOMENT, steady, {"api": per_second(-600, 100, 1)})  # the moment is whole
    assert not lost_near(MOMENT, steady, {})
    # a container that started after the moment lost only lines after it
    late = {"late": per_second(60, 5400, 0.1)}
    assert not lost_near(MOMENT, steady | late, {"late": per_second(60, 100, 0.1)})
    # a quiet moment before a burst: the last line before it went, though none within 5 s
    gap = {"api": per_second(-620, 10, 60) | per_second(10, 3000, 0.01)}
    assert lost_near(MOMENT, gap, {"api": per_second(-620, 10, 60) | per_second(10, 1000, 0.01)})
    assert not lost_near(MOMENT, gap, {"api": per_second(-620, 9, 60)})  # the one at -20 s kept
    # silence, then a burst from 6 s after the moment whose start went: the nearest lines
    burst = {"api": per_second(6, 3000, 0.01)}
    assert lost_near(MOMENT, burst, {"api": per_second(6, 1000, 0.01)})
    # the same across containers: one kept its line at -20 s, the other lost the burst's start
    quiet = {"quiet": per_second(-20, 1, 1)}
    assert lost_near(MOMENT, quiet | {"api": per_second(10, 3000, 0.01)}, {"api": per_second(10, 1000, 0.01)})


def test_the_tally_counts_the_bytes_the_store_counts() -> None:
    """Multi-line messages and podman's stamps hold strings of their own: the span that
    fits must count them as the budget does."""
    one = _batch(0, 1)[0]
    stamp = one.docker_timestamp
    lines = f"{stamp} boom\n{stamp}   at x"
    traceback = LogEntry("api", one.timestamp, "ERROR", "boom\n  at x", lines, "stderr", stamp)
    whole = "2025-08-16T14:00:01Z"
    podman = LogEntry("api", "2025-08-16T14:00:01.000000", "INFO", "hi", f"{whole} hi", "stdout", whole)
    entries = [one, traceback, podman, *_batch(1, 50)]
    tally = RangeTally()
    tally.count("api", entries, [podman])
    assert sum(tally.size.values()) == held_bytes(entries)
    assert sum(tally.lines["api"].values()) == len(entries)
    assert tally.lost == {"api": {"2025-08-16T14:00:01": 1}}


def test_a_moment_before_any_log_is_refused_in_the_prompt() -> None:
    now = datetime(2026, 12, 1, 12, 0)
    with pytest.raises(ValueError, match="0001-01-01 is before any container's logs"):
        parse_moment("0001-01-01", now)
    for typed in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):  # overflow in UTC
        with pytest.raises(ValueError):
            parse_moment(typed, now)
    assert parse_moment("1970-01-02T00:00:00Z", now) == EARLIEST


def test_the_span_read_again_is_the_widest_that_fits() -> None:
    steady = per_second(-600, 1200, 1)  # a line a second for 20 minutes
    assert fitting_span(MOMENT, SPAN, [steady], {}, 2000, None) == timedelta(seconds=599)
    assert fitting_span(MOMENT, SPAN, [steady], {}, 301, None) == timedelta(seconds=150)
    # a burst at the moment (100 a second for 30 s), sparse lines after: what fits near it
    burst = per_second(-600, 600, 1) | per_second(0, 3000, 0.01) | per_second(30, 57, 10)
    assert fitting_span(MOMENT, SPAN, [burst], {}, 2000, None) == timedelta(seconds=18)  # 18 + 1,900
    # several containers: each within the line limit; all together within the budget
    busy, quiet = per_second(-600, 24000, 0.05), per_second(-480, 5, 240)
    size = {k: 300 * n for k, n in (busy | quiet).items()}
    assert fitting_span(MOMENT, SPAN, [busy, quiet], size, 50_000, 1_000_000) == timedelta(seconds=74)
    # nothing fits: the narrowest, for the moment itself
    assert fitting_span(MOMENT, SPAN, [per_second(-10, 20000, 0.001)], {}, 100, None) == NARROWEST


@contextlib.asynccontextmanager
async def jumped(
    tmp_path: Path, containers: list[ScriptedContainer], moment: datetime, **options: Any
) -> AsyncIterator[tuple[Any, list[str]]]:
    """A dashboard over these containers, once it jumped to `moment`: the app and the
    range reads the server received."""
    async with SimulatedHost(containers, poll_interval=0.05) as sim:
        app = create_app(sim.settings(audit_log=tmp_path / "audit.jsonl"), **options)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.store.size > 0, timeout=20)
            app.jump_to(moment)
            await wait_for(pilot, lambda: app.range is not None, timeout=30)
            yield app, [c for c in sim.commands_received if "--until" in c]


async def test_a_jump_on_a_busy_container_shows_the_moment(tmp_path: Path) -> None:
    """A container writing 5 lines a second, a line limit of 2,000: 20 minutes of it do not
    fit, and the oldest lines (the moment's) went. The jump reads a narrower span again
    and shows the moment, with lines either side."""
    now = time.time()
    busy = ScriptedContainer(name="busy", image="example/busy:1")
    for i in range(20 * 60 * 5):
        busy.write(f"[INFO] tick {i}", ts=now - 1800 + i / 5)  # 14:00 is `now - 1800`
    moment = datetime.fromtimestamp(now - 1200, UTC).replace(tzinfo=None)  # tick 3000
    async with jumped(tmp_path, [busy], moment, max_lines_per_container=2000) as (app, _):
        stamps = [e.timestamp for e in app.log_pane.view.rows]
        assert stamps[0] < moment.isoformat(timespec="microseconds") < stamps[-1]  # lines either side
        assert app.range.span < SPAN
        assert str(app.range.span_label).startswith(f"{moment - app.range.span:%m-%d %H:%M:%S}")


async def test_a_jump_into_a_burst_shows_the_moment(tmp_path: Path) -> None:
    """The incident a jump is for: 100 lines a second for 30 s from the moment, sparse lines
    after it. The second read is the widest span that fits, and shows the moment."""
    now = time.time()
    at = now - 1200
    api = ScriptedContainer(name="api", image="example/api:1")
    for i in range(600):
        api.write(f"[INFO] before {i}", ts=at - 600 + i)
    for i in range(3000):
        api.write(f"[ERROR] storm {i}", ts=at + i / 100)
    for i in range(57):
        api.write(f"[INFO] after {i}", ts=at + 30 + i * 10)
    moment = datetime.fromtimestamp(at, UTC).replace(tzinfo=None)
    async with jumped(tmp_path, [api], moment, max_lines_per_container=2000) as (app, reads):
        stamps = [e.timestamp for e in app.log_pane.view.rows]
        assert stamps[0] < moment.isoformat(timespec="microseconds") < stamps[-1]
        assert len(reads) == 2
        assert timedelta(seconds=5) <= app.range.span < timedelta(seconds=20)


async def test_a_container_that_started_after_the_moment_does_not_narrow_the_jump(tmp_path: Path) -> None:
    now = time.time()
    at = now - 1200
    steady = ScriptedContainer(name="steady", image="example/steady:1")
    late = ScriptedContainer(name="late", image="example/late:1")
    for i in range(1200):
        steady.write(f"[INFO] steady {i}", ts=now - 1799.5 + i)
    for i in range(5400):  # from 60 s after the moment, 10 a second: over its line limit
        late.write(f"[INFO] late {i}", ts=at + 60 + i / 10)
    moment = datetime.fromtimestamp(at, UTC).replace(tzinfo=None)
    async with jumped(tmp_path, [steady, late], moment, max_lines_per_container=2000) as (app, reads):
        assert app.range.span == SPAN and len(app.range.store.buffers["steady"]) == 1200
        assert len(reads) == 2  # one read each


async def test_a_hostile_stamp_in_a_range_that_overflowed_does_not_lose_the_jump(tmp_path: Path) -> None:
    lines = [f"2025-08-16T14:{m:02d}:00Z line {m}" for m in range(20)] + ["2025-13-45T25:61:61Z hostile"]
    script = {
        "docker ps": Reply(ps_row("web")),
        "docker logs --timestamps --follow": Reply(b""),
        "docker logs --timestamps --since 2025-08-16T1": Reply(("\n".join(lines) + "\n").encode()),
    }
    with structlog.testing.capture_logs():
        async with HostileServer(script) as server:
            settings = server.settings(audit_log=tmp_path / "audit.jsonl")
            app = create_app(settings, poll_interval=0.2, max_lines_per_container=5)
            async with app.run_test(size=(120, 30)) as pilot:
                await wait_for(pilot, lambda: "web" in app.containers, timeout=10)
                app.jump_to(datetime(2025, 8, 16, 14, 5))
                await wait_for(pilot, lambda: app.range is not None, timeout=10)
                assert app.log_pane.view.rows


async def test_g_while_a_first_jump_reads_stays_live(tmp_path: Path) -> None:
    now = time.time()
    busy = ScriptedContainer(name="busy", image="example/busy:1")
    for i in range(60_000):
        busy.write(f"[INFO] tick {i}", ts=now - 1800 + i / 50)
    async with SimulatedHost([busy], poll_interval=0.05) as sim:
        app = create_app(sim.settings(audit_log=tmp_path / "audit.jsonl"))
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.store.size > 0, timeout=20)
            app.jump_to(datetime.fromtimestamp(now - 1200, UTC).replace(tzinfo=None))
            await pilot.pause(0.05)
            await pilot.press("G")
            jumps = lambda: [w for w in app.workers if w.group == "jump" and not w.is_finished]  # noqa: E731
            await wait_for(pilot, lambda: not jumps(), timeout=30)
            await pilot.pause(0.2)
            assert app.range is None  # the jump was given up, not shown when its read ended


async def test_a_quiet_moment_just_before_a_burst_is_read_again(tmp_path: Path) -> None:
    """A line a minute until 20 s before the moment, then a burst from 10 s after it: the
    first read lost the moment's whole neighbourhood, though no line within 5 s of it."""
    now = time.time()
    at = now - 1200
    api = ScriptedContainer(name="api", image="example/api:1")
    for i in range(10):
        api.write(f"[INFO] quiet {i}", ts=at - 560 + i * 60)  # the last at -20 s
    for i in range(3000):
        api.write(f"[ERROR] storm {i}", ts=at + 10 + i / 100)
    moment = datetime.fromtimestamp(at, UTC).replace(tzinfo=None)
    async with jumped(tmp_path, [api], moment, max_lines_per_container=2000) as (app, reads):
        messages = [e.message for e in app.log_pane.view.rows]
        assert "quiet 9" in messages and "storm 0" in messages
        assert len(reads) == 2


async def test_a_moment_that_never_fits_is_said(tmp_path: Path) -> None:
    """A thousand lines a second at the moment and a line limit of 100: not even 5 s either
    side fit. The jump shows what fit and says that lines near the moment did not."""
    now = time.time()
    at = now - 1200
    api = ScriptedContainer(name="api", image="example/api:1")
    for i in range(20_000):
        api.write(f"[INFO] flood {i}", ts=at - 10 + i / 1000)
    moment = datetime.fromtimestamp(at, UTC).replace(tzinfo=None)
    async with jumped(tmp_path, [api], moment, max_lines_per_container=100) as (app, reads):
        assert len(reads) == 2 and app.range.span == NARROWEST  # no third read of the same span
        deadline = time.monotonic() + 5  # a note is a message: it lands after the range shows
        while not any("near the moment did not fit" in n.message for n in app._notifications):
            assert time.monotonic() < deadline, [n.message for n in app._notifications]
            await asyncio.sleep(0.05)
