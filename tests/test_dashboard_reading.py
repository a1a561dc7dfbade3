"""Reading comfortably, driven by keys against the simulated host over real SSH: the layout
at 80×24, 120×40 and 200×60, structured lines, the detail view, copy (OSC 52), the pager,
wrap, time display, raw lines, zoom, highlights, jumping to a time and remembered settings."""

from __future__ import annotations

import base64
import contextlib
import re
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
from dashboard_support import app_factory, wait_for
from textual.pilot import Pilot
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from logtui.settings_file import ViewSettings, load
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.textsafe import sanitize_for_terminal
from logtui.tui.app import LogtuiApp
from logtui.tui.detail import DetailScreen

LONG = "payload " + " ".join(f"word{i:03d}" for i in range(20)) + " THE-END"
HOSTILE = "copy me \x1b]52;c;cm0gLXJmIH4=\x07 \x1b[2J\x1b]0;title\x07\x9b31m \u202eevil\u202c done"


def stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def write_lines(containers: dict[str, ScriptedContainer], start: float) -> None:
    web, api, worker = containers["web-app"], containers["api-server"], containers["worker"]
    web.write(
        f"{stamp(start)},123 ERROR app.views: Application error occurred request_id=1842", "stderr", ts=start
    )
    api.write(
        '{"level":"error","time":"x","msg":"upstream request failed","request_id":"abc-123","status":502}',
        ts=start + 1,
    )
    worker.write(
        'time=x level=info msg="job done" job_id=981 request_id=abc-123 queue="mail out"',
        ts=start + 2,
    )
    api.write(
        "ERROR Unhandled exception\nTraceback (most recent call last):\nKeyError: 'cart'",
        "stderr",
        ts=start + 3,
    )
    web.write(f"[INFO] {LONG}", ts=start + 4)
    web.write(f"[INFO] {HOSTILE}", ts=start + 5)


@pytest.fixture(autouse=True)
def quiet_logs() -> Any:
    with structlog.testing.capture_logs():
        yield


@pytest.fixture
async def host() -> AsyncIterator[SimulatedHost]:
    now = time.time()
    containers = {
        n: ScriptedContainer(name=n, image=f"example/{n}:1") for n in ("web-app", "api-server", "worker")
    }
    containers["worker"].write("[INFO] two hours ago, before the window", ts=now - 7200)
    write_lines(containers, now - 60)
    async with SimulatedHost(list(containers.values()), poll_interval=0.05) as sim:
        yield sim


@pytest.fixture
def make_app(host: SimulatedHost, tmp_path: Path) -> Callable[..., LogtuiApp]:
    return app_factory(host, tmp_path)


async def loaded(pilot: Pilot, app: LogtuiApp, entries: int = 6) -> None:
    await wait_for(pilot, lambda: app.store.size == entries and len(app.containers) == 3)
    await pilot.pause(0.2)


def screen_text(app: LogtuiApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def pane_lines(app: LogtuiApp) -> list[str]:
    pane = app.log_pane
    return [pane.render_line(y).text for y in range(pane.size.height)]


def row_of(app: LogtuiApp, needle: str) -> int:
    return next(i for i, e in enumerate(app.log_pane.view.rows) if needle in e.message)


# -- layout -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "least", "list_keys"),
    [
        ((80, 24), 45, ("mark", "name", "err")),
        ((120, 40), 55, ("mark", "name", "status", "err")),
        ((200, 60), 100, ("mark", "name", "status", "err", "cpu", "mem", "rate")),
    ],
)
async def test_layout_gives_the_message_room_and_the_footer_fits(
    make_app, size: tuple[int, int], least: int, list_keys: tuple[str, ...]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await loaded(pilot, app)
        pane = app.log_pane
        assert app.container_list.columns_shown.keys == list_keys
        assert app.container_list.columns_shown.name == len("api-server") + 1  # fits the longest
        assert pane.message_width >= least
        # measured on screen: the message of the first row starts where the prefix ends
        prefix = pane.look.columns.width
        first = pane.render_line(0).text
        assert first[prefix:].startswith("app.views: Application error")  # stamp and level left out
        assert pane.scrollable_content_region.width - prefix >= least
        # the footer fits the width, and says where the rest is
        keys = list(app.query_one(Footer).query(FooterKey))
        assert keys and max(k.region.right for k in keys) <= size[0]
        assert all(k.region.width > 0 for k in keys)
        footer_line = screen_text(app).splitlines()[-1]
        assert "? help" in footer_line and "q quit" in footer_line and "detail" in footer_line


async def test_a_terminal_resized_to_80_columns_gets_the_narrow_layout(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await loaded(pilot, app)
        assert "cpu" in app.container_list.columns_shown.keys
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        assert app.container_list.columns_shown.keys == ("mark", "name", "err")
        assert app.log_pane.message_width >= 45
        await pilot.resize_terminal(200, 60)
        await pilot.pause(0.3)
        assert "cpu" in app.container_list.columns_shown.keys and app.log_pane.message_width >= 100


async def test_zoom_and_the_containers_pane_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app)
        pane, left, errors = app.log_pane, app.query_one("#left"), app.query_one("#errors")
        narrow = pane.message_width
        assert pane.look.columns.tinted and pane.look.columns.name == 0  # names in the list only
        await pilot.press("f")
        assert not left.display and not errors.display and pane.outer_size.width == 80
        assert pane.message_width > narrow and pane.look.columns.name == len("api-server")
        await pilot.press("f")
        assert left.display and errors.display and pane.message_width == narrow
        await pilot.press("b")
        assert not left.display and errors.display and pane.look.columns.name == len("api-server")
        await pilot.press("b")
        assert left.display and pane.message_width == narrow


# -- what rows show ---------------------------------------------------------------------------


async def test_structured_lines_show_message_then_dim_fields(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await loaded(pilot, app)
        lines = pane_lines(app)
        json_row = next(ln for ln in lines if "upstream request failed" in ln)
        assert "ERROR upstream request failed request_id=abc-123 status=502" in json_row
        assert '{"level"' not in json_row and '"time"' not in json_row
        logfmt_row = next(ln for ln in lines if "job done" in ln)
        assert "INFO  job done job_id=981 request_id=abc-123 queue=mail out" in logfmt_row
        strip = app.log_pane.render_line(lines.index(json_row))
        dim = "".join(s.text for s in strip if s.style and s.style.dim)
        assert "request_id=abc-123" in dim and "upstream" not in dim
        # r shows the lines as written; r again, the messages
        await pilot.press("r")
        assert any(
            '{"level":"error","time":"x","msg":"upstream request failed"' in ln for ln in pane_lines(app)
        )
        assert any(",123 ERROR app.views" in ln for ln in pane_lines(app))
        await pilot.press("r")
        assert not any(",123 ERROR app.views" in ln for ln in pane_lines(app))
        # search and export keep the original text
        await pilot.press("slash", *'"status":502', "enter")
        assert [e.container_name for e in app.log_pane.view.unique_entries()] == ["api-server"]


async def test_wrap_key(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app)
        pane = app.log_pane
        assert pane.virtual_size.width > pane.size.width  # sideways scrolling
        assert "THE-END" not in screen_text(app)
        await pilot.press("W")
        await pilot.pause(0.1)
        assert pane.wrap and pane.virtual_size.width <= pane.size.width
        text = screen_text(app)
        assert "THE-END" in text and "copy me" in text  # the long row, whole, and the one after
        wrapped = [ln for ln in pane_lines(app) if "word0" in ln]
        assert len(wrapped) > 3
        indent = pane.look.columns.width
        assert all(ln[:indent].strip() == "" for ln in wrapped[1:])  # under the message
        await pilot.press("k", "k")  # the current row moves through wrapped rows
        assert pane.cursor_row == len(pane.view) - 3 and "THE-END" in screen_text(app)
        await pilot.press("W")
        assert not pane.wrap and "THE-END" not in screen_text(app)


async def test_time_display_key(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        first = lambda: app.log_pane.render_line(0).text  # noqa: E731
        assert re.match(r"\d\d:\d\d:\d\d\.\d{3} ", first())
        await pilot.press("T")
        assert re.match(r" *-(?:5\ds|6\ds|1m) ", first()), first()
        await pilot.press("T")
        assert first().startswith("web-app    ERROR app.views")
        await pilot.press("T")
        assert re.match(r"\d\d:\d\d:\d\d\.\d{3} ", first())


async def test_highlight_keys_mark_terms_and_keep_every_line(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot, app)
        rows = len(app.log_pane.view)
        await pilot.press("h", *"abc-123", "enter")
        await pilot.press("h", *"request_id", "enter")
        assert len(app.log_pane.view) == rows and app.view.highlight == ["abc-123", "request_id"]

        def marked(colour: str) -> set[str]:
            return {
                s.text
                for y in range(app.log_pane.size.height)
                for s in app.log_pane.render_line(y)
                if s.style and s.style.bgcolor and s.style.bgcolor.name == colour
            }

        assert marked("cyan") == {"abc-123"} and marked("magenta") == {"request_id"}
        await pilot.press("H")
        assert not marked("cyan") and not marked("magenta") and app.view.highlight == []


# -- one entry: detail, copy; the whole view: pager -------------------------------------------


async def test_copy_puts_only_sanitised_text_inside_osc52(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot, app)
        writes: list[str] = []
        assert app._driver is not None
        original = app._driver.write
        app._driver.write = lambda data: (writes.append(data), original(data))[1]  # type: ignore[method-assign]
        await pilot.press("c")  # following: the newest entry, the hostile one
        copies = [w for w in writes if "\x1b]52;" in w]
        assert len(copies) == 1
        match = re.fullmatch(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07", copies[0])
        assert match is not None, repr(copies[0])  # the wrapper and nothing around it
        copied = base64.b64decode(match.group(1)).decode("utf-8")
        assert copied == sanitize_for_terminal(HOSTILE)
        assert copied.startswith("copy me") and copied.endswith("evil done")
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", copied)
        await pilot.press("k", "k", "c")  # the current row's entry: the traceback, whole
        last = base64.b64decode(re.findall(r"52;c;([^\x07]*)", "".join(writes))[-1]).decode()
        assert last.startswith("ERROR Unhandled exception\nTraceback") and last.endswith("KeyError: 'cart'")


async def test_pager_gets_the_view_sanitised(make_app, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "paged.txt"
    script = tmp_path / "fake-pager"
    script.write_text('#!/bin/sh\ncat > "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PAGER", f"{script} {out}")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        suspended: list[bool] = []

        @contextlib.contextmanager
        def suspend() -> Any:  # the headless driver cannot hand over a terminal
            suspended.append(True)
            yield

        monkeypatch.setattr(app, "suspend", suspend)
        await pilot.press("e", "p")
        await wait_for(pilot, lambda: out.exists() and out.stat().st_size > 0)
        await pilot.pause(0.2)
        paged = out.read_text(encoding="utf-8").splitlines()
        assert suspended == [True]
        assert len(paged) == 5  # the errors: three entries, one of them three lines
        assert "api-server ERROR    upstream request failed request_id=abc-123 status=502" in paged[1]
        assert paged[3].endswith("Traceback (most recent call last):") and paged[3].startswith(" " * 20)
        await pilot.press("a", "p")
        await wait_for(pilot, lambda: len(out.read_text(encoding="utf-8").splitlines()) == 8)
        text = out.read_text(encoding="utf-8")
        assert sanitize_for_terminal(HOSTILE) in text and "\x1b" not in text and "\x9b" not in text
        assert "\u202e" not in text and text == sanitize_for_terminal(text)


async def test_enter_opens_the_whole_entry_and_escape_returns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        pane = app.log_pane
        target = row_of(app, "upstream request failed")
        await pilot.press("g", *["j"] * target)
        assert pane.cursor_row == target and not pane.following
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        text = screen_text(app)
        assert "api-server" in text and "stdout" in text and "docker 20" in text and "ERROR" in text
        assert '"request_id": "abc-123",' in text  # pretty-printed
        assert re.search(r"status\s+502", text)  # and in the fields table
        writes: list[str] = []
        original = app._driver.write
        app._driver.write = lambda data: (writes.append(data), original(data))[1]
        await pilot.press("c")
        copied = base64.b64decode(re.findall(r"52;c;([^\x07]*)", "".join(writes))[-1]).decode()
        assert copied.startswith('{"level":"error"') and copied.endswith("502}")
        await pilot.press("e")  # the dashboard's keys are off here
        assert app.filter.min_level == "DEBUG"
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)
        assert pane.cursor_row == target and not pane.following  # the same place


async def test_a_field_value_filters_across_containers(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        await pilot.press("slash", *"upstream", "enter", "n", "enter")
        assert isinstance(app.screen, DetailScreen)
        fields = [key for key, _ in app.screen.fields]
        await pilot.press(*["down"] * fields.index("request_id"), "enter")
        assert not isinstance(app.screen, DetailScreen)
        shown = [(e.container_name, e.level) for e in app.log_pane.view.unique_entries()]
        assert shown == [("api-server", "ERROR"), ("worker", "INFO")]  # every container, every level
        assert app.filter.container is None and "abc\\-123" in app.status_text().plain


# -- jump to a time ---------------------------------------------------------------------------


async def test_jump_to_a_time_fetches_that_range_until_G(make_app, host) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        assert not any("two hours ago" in e.message for e in app.log_pane.view.rows)
        await pilot.press("at", *"25:99", "enter")  # refused in the prompt, which stays open
        assert "not a time of day" in screen_text(app)
        await pilot.press(*["backspace"] * 5, *"-2h", "enter")
        await wait_for(pilot, lambda: app.range is not None)
        logs = [c for c in host.commands_received if "--until" in c]
        assert len(logs) == 3 and all(re.search(r"--since 20\S+Z --until 20\S+Z", c) for c in logs)
        pane = app.log_pane
        assert [e.message for e in pane.view.unique_entries()] == ["two hours ago, before the window"]
        assert pane.cursor_row == 0 and "AT 20" in app.status_text().plain
        assert "G: back to live" in str(pane.border_title)
        host.docker.containers["web-app"].write("[INFO] live while away")
        await pilot.pause(0.8)
        assert "live while away" not in screen_text(app)  # the view stays on the range
        await pilot.press("j", "k", "e", "a")  # keys work on the range
        assert app.range is not None
        await pilot.press("G")
        assert app.range is None and pane.following
        await wait_for(pilot, lambda: any("live while away" in e.message for e in pane.view.rows))
        assert not any("two hours ago" in e.message for e in pane.view.rows)


# -- remembered --------------------------------------------------------------------------------


async def test_settings_are_applied_and_remembered(make_app, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    view = ViewSettings(wrap=True, time="hidden", containers=False, highlight=["abc-123"], window=6.0)
    app = make_app(view=view, config_path=path, window_hours=view.window)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, entries=7)  # six hours: the line from two hours ago too
        pane = app.log_pane
        assert pane.wrap and pane.time_mode == "hidden" and not app.query_one("#left").display
        assert "window 6h" in app.status_text().plain and pane.look.highlights
        assert not path.exists()  # nothing changed yet
        await pilot.press("W", "T", "b", "t")
        saved = load(path)
        assert saved == ViewSettings(
            wrap=False, time="absolute", containers=True, highlight=["abc-123"], window=24.0
        )
