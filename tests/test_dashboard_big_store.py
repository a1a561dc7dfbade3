"""The dashboard holding much: the kept merge built ahead of the first level key once the
history is in (`_prewarm`), and error digests paced by how long the last one took.

Without the first, the first level or filter key sorted and expanded everything held
(0.3-0.5 s over the 400-800k entries of 30 containers' history); later keys are a mask over
the kept merge. The threshold (50k entries) is lowered here so that a few lines of history
over real SSH are enough. Without the second, a digest of 125k errors (~190 ms of Python)
ran every second while errors arrived.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from itertools import chain
from pathlib import Path

import dashboard_support as support
import pytest

from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui import _ingest
from logtui.tui.app import LogtuiApp
from logtui.tui.views import _expand

NAMES = ("web-app", "api-server", "database")
LINES = 40


@pytest.fixture
async def host() -> AsyncIterator[SimulatedHost]:
    """Three containers with interleaved history, one of its entries two lines long."""
    start = time.time() - 120

    def history(container: ScriptedContainer, offset: int) -> None:
        for i in range(LINES):
            text = f"[INFO] {container.name} {i}" + ("\n  continued" if i == 7 else "")
            container.write(text, "stdout", ts=round(start + i + offset / 3, 3))

    async with support.scripted_host(NAMES, history) as sim:
        yield sim


@pytest.fixture
def make_app(host: SimulatedHost, tmp_path: Path) -> Callable[..., LogtuiApp]:
    return support.app_factory(host, tmp_path)


def loaded(app: LogtuiApp) -> bool:
    return app.store.size == len(NAMES) * LINES


def every_row(app: LogtuiApp) -> list[int]:
    """The display rows of everything the store holds, as entry ids, in any order."""
    return sorted(map(id, _expand(chain.from_iterable(app.store.buffers.values()))[0]))


async def test_the_pane_shares_a_merge_built_once_the_history_is_in(host, make_app, monkeypatch) -> None:
    monkeypatch.setattr(_ingest, "PREWARM_MIN", 10)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await support.wait_for(pilot, lambda: loaded(app) and app.store.keeps(None))
        view = app.log_pane.view
        assert view._shared is not None and view.rows is view._shared.rows
        assert sorted(map(id, view.rows)) == every_row(app)
        assert app._prewarmed == app._generation
        # followed from then on: new lines come in through the kept merge the pane shares
        container = host.docker.containers["api-server"]
        assert isinstance(container, ScriptedContainer)
        container.write("[INFO] after the history")
        await support.wait_for(pilot, lambda: app.store.size == len(NAMES) * LINES + 1)
        await pilot.pause(0.3)
        assert app.log_pane.view._shared is not None
        assert sorted(map(id, app.log_pane.view.rows)) == every_row(app)
        assert "after the history" in app.log_pane.view.rows[-1].message


async def test_not_while_the_search_box_is_open_nor_below_the_threshold(make_app, monkeypatch) -> None:
    monkeypatch.setattr(_ingest, "PREWARM_MIN", 10**9)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await support.wait_for(pilot, lambda: loaded(app))
        await pilot.pause(_ingest.SLOW_TICK_S * 1.5)
        assert not app.store.keeps(None)  # below the threshold: left to the first key
        monkeypatch.setattr(_ingest, "PREWARM_MIN", 10)
        app.query_one("#search").display = True  # (no await between: no tick in between)
        await pilot.pause(_ingest.SLOW_TICK_S * 1.5)
        assert not app.store.keeps(None)  # the user is typing a search: its rows are not the merge's
        app.query_one("#search").display = False
        await support.wait_for(pilot, lambda: app.store.keeps(None))
        assert app.log_pane.view._shared is not None


async def test_a_long_digest_spaces_the_next_ones(host, make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await support.wait_for(pilot, lambda: loaded(app) and app._digests_built > 0)
        await support.wait_for(pilot, lambda: not app._digest_running)
        assert app._digest_took < 1  # a few errors: the usual pace, once a second at most
        built = app._digests_built
        # as if the last digest had taken 2 s: the next waits 20 s, then goes
        app._digest_took, app._digest_started = 2.0, time.monotonic() - 10.0
        app._errors_dirty = True
        await pilot.pause(_ingest.SLOW_TICK_S * 1.5)
        assert app._digests_built == built and app._errors_dirty
        app._digest_started -= 10.0
        await support.wait_for(pilot, lambda: app._digests_built > built)
        assert not app._errors_dirty
