"""The dashboard driven by keys and mouse, against the simulated host over real SSH."""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from itertools import chain
from pathlib import Path
from typing import Any

import dashboard_support as support
import pytest
import structlog

from logtui.simhost import BulkContainer, ScriptedContainer, SimulatedHost
from logtui.tui import create_app
from logtui.tui.app import LogtuiApp

NAMES = ("web-app", "api-server", "database")
HISTORY = {
    "web-app": [
        ("INFO", "GET /api/products 200 12ms"),
        ("ERROR", "Application error occurred request_id=1842"),
        ("INFO", "GET /health 200 1ms"),
        ("ERROR", "Application error occurred request_id=1907"),
    ],
    "api-server": [
        ("WARNING", "Slow request: GET /api/orders took 2.4s"),
        (
            "ERROR",
            "Unhandled exception in POST /api/checkout\nTraceback (most recent call last):\n"
            "  File \"app.py\", line 12, in checkout\nKeyError: 'cart'",
        ),
        ("DEBUG", "cache hit key=user:42"),
    ],
    "database": [
        ("INFO", "checkpoint starting: time"),
        ("CRITICAL", 'FATAL: password authentication failed for user "app"'),
        ("WARNING", "Timeout waiting for lock on relation orders"),
    ],
}


def _write_history(container: ScriptedContainer, start: float) -> None:
    for i, (level, message) in enumerate(HISTORY[container.name]):
        stream = "stderr" if level in ("ERROR", "CRITICAL") else "stdout"
        container.write(f"[{level}] {message}", stream, ts=round(start + i * 2.5, 3))


@pytest.fixture(autouse=True)
def quiet_logs() -> Any:
    """The audit trail's debug echo stays out of the test output."""
    with structlog.testing.capture_logs():
        yield


@pytest.fixture
async def host() -> AsyncIterator[SimulatedHost]:
    """Three scripted containers with a few lines of history each, then whatever tests write."""
    start = time.time() - 60
    async with support.scripted_host(NAMES, lambda c, n: _write_history(c, start + n * 0.7)) as sim:
        yield sim


@pytest.fixture
def make_app(host: SimulatedHost, tmp_path: Path) -> Callable[..., LogtuiApp]:
    return support.app_factory(host, tmp_path)


wait_for = functools.partial(support.wait_for, timeout=5.0)


def all_history_loaded(app: LogtuiApp) -> bool:
    return app.store.size == sum(len(v) for v in HISTORY.values())


def shown(app: LogtuiApp) -> list[str]:
    """First lines of the entries the log pane shows, without the "[LEVEL] " we wrote."""
    return [re.sub(r"^\[[A-Z]+\] ", "", e.message.split("\n")[0]) for e in app.log_pane.view.unique_entries()]


def screen_text(app: LogtuiApp) -> str:
    """What the terminal shows, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def script(host: SimulatedHost, name: str) -> ScriptedContainer:
    container = host.docker.containers[name]
    assert isinstance(container, ScriptedContainer)
    return container


# -- the three panes ---------------------------------------------------------------------


async def test_panes_fill_with_containers_logs_and_errors(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        started = time.monotonic()
        expected = {"web-app": 2, "api-server": 1, "database": 1}
        await wait_for(pilot, lambda: all_history_loaded(app) and app.digest.counts == expected)
        assert time.monotonic() - started < 2.0
        await pilot.pause(0.3)
        assert app.container_list.names == sorted(NAMES)
        assert app.connection == "connected"
        # merged in time order, multi-line entries whole (one row per line)
        stamps = [e.timestamp for e in app.log_pane.view.unique_entries()]
        assert stamps == sorted(stamps) and len(stamps) == 10
        assert len(app.log_pane.view) == 10 + 3
        assert app.digest.counts == {"web-app": 2, "api-server": 1, "database": 1}
        text = screen_text(app)
        assert "READ-ONLY" in text and "connected" in text
        assert "all containers" in text and "Traceback (most recent call last):" in text
        assert "×2" in text and "Application error occurred request_id=<" in text
        assert "CRIT" in text and "password authentication failed" in text
        assert "a all" in text.replace("  ", " ") or "all" in text.splitlines()[-1]


async def test_new_lines_follow_live(make_app, host) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        script(host, "web-app").write("[INFO] a brand new line")
        await wait_for(pilot, lambda: "a brand new line" in shown(app))
        await pilot.pause(0.1)
        pane = app.log_pane
        assert pane.following and pane.scroll_y == pane.max_scroll_y
        assert shown(app)[-1] == "a brand new line"
        # parsed on the other core, by the dashboard's worker process
        assert app._parse is not None and not app._parse.broken
        assert app.remote is not None and app.remote.reader_factory == app._parse.reader


# -- keys --------------------------------------------------------------------------------


async def test_level_keys_filter(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        levels = lambda: {e.level for e in app.log_pane.view.unique_entries()}  # noqa: E731
        await pilot.press("e")
        assert levels() == {"ERROR", "CRITICAL"} and len(shown(app)) == 4
        assert "filter: ≥ERROR" in app.status_text().plain
        await pilot.press("w")
        assert levels() == {"WARNING", "ERROR", "CRITICAL"}
        await pilot.press("i")
        assert levels() == {"INFO", "WARNING", "ERROR", "CRITICAL"}
        await pilot.press("a")
        assert "DEBUG" in levels() and len(shown(app)) == 10
        assert "filter: all" in app.status_text().plain


async def test_search_filters_highlights_and_jumps(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        await pilot.press("slash")
        assert app.focused is app.query_one("#search")
        await pilot.press(*"occurred|timeout", "enter")
        assert shown(app) == [
            "Application error occurred request_id=1842",
            "Timeout waiting for lock on relation orders",
            "Application error occurred request_id=1907",
        ]
        assert app.focused is app.log_pane
        assert "/occurred|timeout/" in app.status_text().plain
        row = app.log_pane.render_line(0)
        highlighted = [
            seg.text for seg in row if seg.style and seg.style.bgcolor and seg.style.bgcolor.name == "yellow"
        ]
        assert highlighted and all(t.lower() in ("occurred", "timeout") for t in highlighted)
        await pilot.press("n")
        assert app.log_pane.cursor_row == 0 and not app.log_pane.following
        await pilot.press("n")
        assert app.log_pane.cursor_row == 1
        await pilot.press("N")
        assert app.log_pane.cursor_row == 0
        await pilot.press("N")
        assert app.log_pane.cursor_row == 2  # wraps around
        await pilot.press("escape")
        assert app.search_text == "" and len(shown(app)) == 10


async def test_bad_regex_searches_literally_and_says_so(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        await pilot.press("slash", *"GET /api/orders took 2.4s (", "enter")
        assert shown(app) == ["Slow request: GET /api/orders took 2.4s"] or shown(app) == []
        assert any("not a valid regex" in str(n.message) for n in app._notifications)


async def test_pause_counts_new_lines_and_resume_catches_up(make_app, host) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        await pilot.press("space")
        pane = app.log_pane
        assert not pane.following
        assert "PAUSED · 0 new" in app.status_text().plain
        for i in range(3):
            script(host, "database").write(f"[INFO] while paused {i}")
        await wait_for(pilot, lambda: pane.new_while_paused == 3)
        assert "PAUSED · 3 new" in app.status_text().plain
        assert "PAUSED, 3 new" in str(pane.border_title)
        await pilot.press("space")
        assert pane.following and pane.new_while_paused == 0
        await pilot.pause(0.1)
        assert pane.scroll_y == pane.max_scroll_y and shown(app)[-1] == "while paused 2"


async def test_scroll_keys_and_g_G(make_app, host) -> None:
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        script(host, "web-app").write("\n".join(f"[INFO] line {i}" for i in range(80)))
        await wait_for(pilot, lambda: len(app.log_pane.view) == 93)
        await pilot.pause(0.1)
        pane = app.log_pane
        bottom = pane.max_scroll_y
        assert bottom > 0 and pane.scroll_y == bottom
        await pilot.press("g")
        assert pane.scroll_y == 0 and not pane.following
        await pilot.press("pagedown")
        await pilot.pause(0.05)
        assert pane.scroll_y > 0
        await pilot.press("G")
        assert pane.following and pane.scroll_y == bottom
        await pilot.press("up")
        await pilot.pause(0.05)
        # up moves the current line, as in lnav: it pauses, and the screen stays put
        rows = len(pane.view)
        assert not pane.following and pane.cursor_row == rows - 2 and pane.scroll_y == bottom
        await pilot.press(*["k"] * 30)  # k is up too; the screen follows the current line
        assert pane.cursor_row == rows - 32 and pane.scroll_y == rows - 32 < bottom


async def test_tab_moves_between_panes_and_enter_selects_a_container(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        assert app.focused is app.log_pane
        await pilot.press("tab")
        assert app.focused is app.error_pane
        await pilot.press("tab")
        assert app.focused is app.container_list
        await pilot.press("down", "down")  # rows: all, api-server, database, web-app
        details = str(app.query_one("#details").render())
        assert "database" in details and "example/database:1" in details and "Up " in details
        await pilot.press("enter")
        assert app.filter.container == "database"
        assert {e.container_name for e in app.log_pane.view.unique_entries()} == {"database"}
        assert "LOGS: database" in str(app.log_pane.border_title)
        await pilot.press("e")
        assert shown(app) == ['FATAL: password authentication failed for user "app"']
        await pilot.press("up", "up", "up", "enter")
        assert app.filter.container is None and len(shown(app)) == 4


async def test_clicking_a_container_selects_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app) and app.container_list.row_count == 4)
        await pilot.click("#containers", offset=(10, 3))  # header, all, api-server, database
        assert app.filter.container == "database"
        assert {e.container_name for e in app.log_pane.view.unique_entries()} == {app.filter.container}


async def test_time_window_key_reloads_history(make_app, host) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        await pilot.press("t")
        assert app.window_hours == 6.0 and "window 6h" in app.status_text().plain
        await wait_for(pilot, lambda: all_history_loaded(app))
        assert any("--since 21600s" in c for c in host.commands_received)
        await pilot.press("t", "t")
        assert app.window_hours == 0.25
        await wait_for(pilot, lambda: all_history_loaded(app))
        assert any("--since 900s" in c for c in host.commands_received)
        assert len(shown(app)) == 10  # reloaded, not doubled
        await wait_for(pilot, lambda: "ERRORS (last 15m)" in str(app.query_one("#errors").border_title))


async def test_export_writes_what_the_pane_shows(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        await pilot.press("w", "x")
        await wait_for(pilot, lambda: app.last_export is not None)
        path = app.last_export
        assert path is not None and path.parent == tmp_path.resolve()
        await wait_for(pilot, lambda: any(str(path) in str(n.message) for n in app._notifications))
        document = json.loads(path.read_text())
        assert set(document) == {"timestamp", "collection_source", "containers"}
        assert document["collection_source"] == "production_ssh"
        assert len(document["timestamp"]) == 26 and document["timestamp"][10] == "T"
        exported = document["containers"]
        assert set(exported) == set(NAMES)
        expected = [e.to_dict() for e in app.log_pane.view.unique_entries()]
        assert sorted(chain.from_iterable(exported.values()), key=lambda d: d["timestamp"]) == expected
        for name, entries in exported.items():
            for item in entries:
                assert item["container_name"] == name
                assert item["level"] in ("WARNING", "ERROR", "CRITICAL")
                assert {"container_name", "timestamp", "level", "message", "raw_line"} <= set(item)
        tb = next(i for i in exported["api-server"] if i["level"] == "ERROR")
        assert tb["message"].count("\n") == 3 and tb["raw_line"].count("\n") == 3


async def test_choosing_an_error_group_shows_its_lines(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        expected = {"web-app": 2, "api-server": 1, "database": 1}
        await wait_for(pilot, lambda: all_history_loaded(app) and app.digest.counts == expected)
        await pilot.pause(0.1)
        app.error_pane.focus()
        await pilot.press("w")  # a group's members are errors: the choice sets the level
        # rows: counts, the critical issue, then groups most frequent first (×2 request_id)
        await pilot.press("down", "down", "enter")
        assert shown(app) == [
            "Application error occurred request_id=1842",
            "Application error occurred request_id=1907",
        ]
        assert app.filter.min_level == "ERROR"
        assert "group Application error occurred request_id=<n>" in app.status_text().plain
        assert app.focused is app.log_pane
        app.error_pane.focus()
        await pilot.press("up", "enter")  # the critical issue, at all levels
        assert shown(app) == ['FATAL: password authentication failed for user "app"'] or shown(app) == [
            'password authentication failed for user "app"'
        ]


async def test_help_screen_and_quit(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        text = screen_text(app)
        assert "errors and criticals" in text and "export" in text
        await pilot.press("escape")
        assert type(app.screen).__name__ != "HelpScreen"
        await pilot.press("q")
    assert app.return_code == 0


# -- hostile input -----------------------------------------------------------------------


async def test_hostile_log_lines_are_shown_literally(make_app, host) -> None:
    app = make_app()
    hostile = [
        "[@click=app.quit]click me[/]",
        "[bold]not bold[/bold] [link=https://evil.example]x[/link]",
        "title \x1b]0;pwned\x07 set",
        "clear \x1b[2J\x1b[H screen",
    ]
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        for line in hostile:
            script(host, "web-app").write(f"[ERROR] {line}", "stderr")
        await wait_for(pilot, lambda: "clear \x1b[2J\x1b[H screen" in shown(app))
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "[@click=app.quit]click me[/]" in text
        assert "[bold]not bold[/bold] [link=https://evil.example]x[/link]" in text
        assert "title  set" in text and "clear  screen" in text
        for y in range(app.log_pane.size.height):
            for segment in app.log_pane.render_line(y):
                assert "\x1b" not in segment.text and "\x07" not in segment.text
                assert not (segment.style and segment.style.link)
                assert "@click" not in str(segment.style.meta if segment.style else "")
        # clicking the would-be link does nothing
        row = next(
            i for i in range(app.log_pane.size.height) if "click me" in app.log_pane.render_line(i).text
        )
        await pilot.click("#logs", offset=(40, row + 1))
        await pilot.pause(0.1)
        assert app.is_running
        # the error pane shows them literally too
        await wait_for(pilot, lambda: "click me" in screen_text(app).split("ERRORS")[-1])
        assert "[@click=app.quit]click me[/]" in screen_text(app).split("ERRORS")[-1]


# -- failures ----------------------------------------------------------------------------


async def test_dropped_connection_reconnects_without_gap_or_duplicate(make_app, host) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        connects = app.remote.transport.connect_count
        host.drop_connections()
        script(host, "web-app").write("[INFO] written during the outage")
        await wait_for(pilot, lambda: app.remote.transport.connect_count > connects)
        script(host, "web-app").write("[INFO] written after the outage")
        await wait_for(pilot, lambda: "written after the outage" in shown(app))
        await pilot.pause(0.3)
        messages = shown(app)
        assert messages.count("written during the outage") == 1
        assert messages.count("written after the outage") == 1
        assert len(messages) == 12
        await wait_for(pilot, lambda: "connected ─" in app.status_text().plain)


async def test_server_gone_shows_reconnecting_and_keeps_what_it_has(make_app, host) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        await host.stop()
        await wait_for(pilot, lambda: "reconnecting" in app.status_text().plain)
        # Each stream notices the lost connection on its own channel: wait for all three
        # (asserting at once raced with the last one, 1 run in 2 under load).
        await wait_for(pilot, lambda: all(s.state == "reconnecting" for s in app.streams.values()))
        await pilot.pause(1.1)
        text = screen_text(app)
        assert text.count("⚠ reconn") == 3  # every row says so
        assert "api-server: reconnecting: attempt" in text
        assert len(shown(app)) == 10  # what was received stays
        await pilot.press("e")  # and the UI still works
        assert len(shown(app)) == 4


async def test_streams_that_give_up_show_failed(make_app, host) -> None:
    app = make_app(follow_retries=0)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        await host.stop()
        await wait_for(pilot, lambda: all(s.state == "failed" for s in app.streams.values()))
        await wait_for(
            pilot, lambda: "failed" in app.status_text().plain or "reconnecting" in app.status_text().plain
        )
        await pilot.pause(1.1)
        assert "⚠ failed" in screen_text(app)


async def test_one_failing_stream_shows_in_its_row_and_others_go_on(make_app, host) -> None:
    app = make_app(poll_interval=60)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        host.docker.remove("api-server")  # its stream ends; the app still lists it
        await pilot.press("t")  # reload: `docker logs api-server` now fails
        await wait_for(pilot, lambda: app.streams["api-server"].state == "failed")
        assert (
            "no container" in app.streams["api-server"].detail.lower()
            or "no such" in app.streams["api-server"].detail.lower()
        )
        await pilot.pause(1.1)
        text = screen_text(app)
        assert "⚠ failed" in text and "api-server: failed" in text
        script(host, "web-app").write("[INFO] still flowing")
        await wait_for(pilot, lambda: "still flowing" in shown(app))
        assert app.streams["web-app"].state == "connected"


async def test_exited_container_is_read_once_and_a_restart_resumes(make_app, host) -> None:
    app = make_app(poll_interval=0.1)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        web = script(host, "web-app")
        web.stop(exit_code=1)
        await wait_for(pilot, lambda: app.streams["web-app"].state == "ended")
        await wait_for(pilot, lambda: app.containers["web-app"].state == "exited")
        await pilot.pause(0.5)  # several polls
        reads = [c for c in host.commands_received if c.startswith("docker logs") and "web-app" in c]
        assert len(reads) == 1
        web.finished_ns = None  # docker start web-app
        web.write("[INFO] back again")
        await wait_for(pilot, lambda: "back again" in shown(app))
        await pilot.pause(0.3)
        assert len(shown(app)) == 11 and len(set(shown(app))) == 11  # no line twice
        reads = [c for c in host.commands_received if c.startswith("docker logs") and "web-app" in c]
        assert len(reads) == 2 and "--since 20" in reads[1]  # resumed at the last stamp held


# -- volume ------------------------------------------------------------------------------


async def test_bounded_buffers_say_when_lines_were_dropped(tmp_path) -> None:
    bulk = BulkContainer(name="bulk", history_lines=60_000, period_s=1800, created_ns=time.time_ns())
    async with SimulatedHost([bulk]) as sim:
        app = create_app(sim.settings(audit_log=tmp_path / "audit.jsonl"), max_lines_per_container=20_000)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, lambda: app.store.total_dropped > 0, timeout=15)
            await wait_for(pilot, lambda: app.store.received >= 50_000, timeout=15)
            assert app.store.size == 20_000
            assert len(app.log_pane.view) >= 20_000
            await pilot.pause(0.3)
            dropped = app.store.total_dropped
            assert "older lines dropped (limit 20k per container)" in screen_text(app)
            assert "dropped)" in app.status_text().plain
            # every shown entry is still in the buffer: memory stays bounded
            held = {id(e) for e in app.store.buffers["bulk"]}
            assert all(id(e) in held for e in app.log_pane.view.unique_entries())
            # filters over the whole buffer stay quick
            started = time.monotonic()
            await pilot.press("e")
            assert time.monotonic() - started < 1.0
            assert {e.level for e in app.log_pane.view.unique_entries()} <= {"ERROR", "CRITICAL"}
            assert dropped > 0


async def test_a_paused_pane_keeps_its_top_line_while_a_flood_arrives_and_evicts(make_app, host) -> None:
    """The pane of every row shares the store's kept merge (`FilteredView.follow`): while
    paused, arrivals and evictions move the rows under the screen, and the top line must
    stay the same entry, as it did when the pane kept its own copy."""
    app = make_app(max_lines_per_container=60)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        pane = app.log_pane
        script(host, "web-app").write("\n".join(f"[INFO] first {i}" for i in range(50)))
        await wait_for(pilot, lambda: "first 49" in shown(app))
        await pilot.press("e", "a")  # a level switch builds the kept merge; the pane shares it
        await pilot.press("g", *["pagedown"] * 2)
        await pilot.pause(0.1)
        assert not pane.following
        assert pane.view._shared is not None  # the shared path is the one under test
        top = pane.view.row(int(pane.scroll_y))[0]
        assert top.message.startswith("first ") and int(top.message.split()[1]) >= 10  # not evicted below
        script(host, "web-app").write("\n".join(f"[INFO] later {i}" for i in range(20)))
        await wait_for(pilot, lambda: pane.new_while_paused >= 20)
        await pilot.pause(0.1)
        # the oldest went (web-app's history and "first 0".."first 9"): rows moved under the top line
        assert app.store.dropped["web-app"] >= 10 and "first 9" not in shown(app)
        assert pane.view.row(int(pane.scroll_y))[0] is top
        assert pane.view._shared is not None


async def test_full_collections_are_rarer_while_the_dashboard_runs(make_app) -> None:
    """A full pass of the collector walks every held entry (~170 ms over 870k entries): the
    dashboard makes them rarer while it runs, and puts the setting back when it stops."""
    import gc

    from logtui.tui._collector import FULL_PASS_EVERY

    before = gc.get_threshold()
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all_history_loaded(app))
        assert gc.get_threshold() == (*before[:2], max(before[2], FULL_PASS_EVERY))
    assert gc.get_threshold() == before
