"""The dashboard against hostile input: server text, bad names, a nested JSON error line,
and an error group whose pattern would backtrack."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from dashboard_support import wait_for
from hostile_server import HOSTILE, Disconnect, HostileServer, Reply, ps_row

from logtui.models import LogEntry
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui import create_app
from logtui.tui import digest as digest_module
from logtui.tui.app import LogtuiApp
from logtui.tui.digest import DigestBuilder, GroupMatcher, digest_lines
from logtui.tui.store import Filter, LogStore

MARKUP = "[link=https://markup.example/]markup link[/link] [bold red]markup[/]"


@pytest.fixture(autouse=True)
def quiet_logs() -> Iterator[None]:
    with structlog.testing.capture_logs():
        yield


def screen_segments(app: LogtuiApp) -> list[Any]:
    return [segment for strip in app.screen._compositor.render_strips() for segment in strip]


def pane_text(app: LogtuiApp) -> str:
    """The error pane's rows, before they are cut to its width."""
    return "\n".join(text.plain for text, _ in app.error_pane._digest_rows)


# -- findings 6 and 10 ------------------------------------------------------------------------


async def test_server_text_and_a_bad_name_on_the_dashboard(tmp_path: Path) -> None:
    """Hostile `docker ps` fields, docker stderr and an invalid name: shown as plain text,
    the bad container skipped with a warning, and polling (with stats) goes on."""
    stats = {"Name": "web", "ID": "0123456789ab", "CPUPerc": "1.5%", "MemUsage": "10MiB / 1GiB"}
    script = {
        "docker ps": Reply(ps_row("web", Image=HOSTILE, Status=HOSTILE) + ps_row("evil\x1b]0;x\x07name")),
        "docker stats": Reply(json.dumps(stats).encode() + b"\n"),
        "docker logs": Reply(stderr=HOSTILE.encode() + b"\n", exit_status=1),
    }
    async with HostileServer(script) as server:
        app = create_app(
            server.settings(audit_log=tmp_path / "audit.jsonl"), export_dir=tmp_path, poll_interval=0.1
        )
        async with app.run_test(size=(160, 48)) as pilot:

            def polls() -> int:
                return sum(c.startswith("docker ps") for c in server.commands_received)

            await wait_for(pilot, lambda: polls() >= 3 and "web" in app.stats)
            await wait_for(pilot, lambda: app.streams.get("web") and app.streams["web"].state == "failed")
            await wait_for(pilot, lambda: MARKUP in pane_text(app))
            assert app.connection == "connected"
            assert list(app.containers) == ["web"]
            assert "1 skipped (invalid name): 'evil\\x1b]0;x\\x07name'" in app.status_text().plain
            app.container_list.move_cursor(row=1)
            await pilot.pause(0.2)
            details = app.details_text("web").plain
            assert f"image {HOSTILE}" not in details and MARKUP in details
            shown = "".join(segment.text for segment in screen_segments(app))
            assert "\x1b" not in shown and not [c for c in shown if "\x80" <= c <= "\x9f"]
            assert not [c for c in shown if c in "\x07\u202e\u200b\ufeff"]
            assert "[link=" in shown  # the markup is on screen, as text
            assert not [s for s in screen_segments(app) if s.style is not None and s.style.link]
            logs_sent = [c for c in server.commands_received if c.startswith("docker logs")]
            assert logs_sent and all(c.endswith(" web") for c in logs_sent)


async def test_a_disconnect_reason_on_the_status_line_and_error_pane(tmp_path: Path) -> None:
    async with HostileServer(disconnect=Disconnect(11, HOSTILE, "connect")) as server:
        app = create_app(
            server.settings(audit_log=tmp_path / "audit.jsonl"), export_dir=tmp_path, poll_interval=0.1
        )
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, lambda: MARKUP in app.status_text().plain and MARKUP in pane_text(app))
            assert "\n" not in app.status_text().plain  # the reason cannot add lines of its own
            await pilot.pause(0.2)
            for text in (app.status_text().plain, pane_text(app)):
                assert "\x1b" not in text
                assert not [c for c in text if "\x80" <= c <= "\x9f" or c in "\x07\u202e\u200b\ufeff"]
            shown = "".join(segment.text for segment in screen_segments(app))
            assert "\x1b" not in shown and "[link=" in shown
            assert not [s for s in screen_segments(app) if s.style is not None and s.style.link]


# -- finding 3 ------------------------------------------------------------------------------


async def test_a_nested_json_error_line_is_counted_not_fatal(tmp_path: Path) -> None:
    now = time.time()
    web = ScriptedContainer("web", image="shop/web:1")
    web.write("[ERROR] disk full", "stderr", ts=now - 30)
    web.write('ERROR {"msg": ' + "[" * 6000 + "]" * 6000 + "}", "stderr", ts=now - 20)
    async with SimulatedHost([web], poll_interval=0.05) as host:
        app = create_app(host.settings(audit_log=tmp_path / "audit.jsonl"), export_dir=tmp_path)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, lambda: app.digest.counts == {"web": 2} and app.digest.groups)
            assert not app.digest.failure
            await wait_for(pilot, lambda: "disk full" in pane_text(app))
            assert "no errors" not in pane_text(app)


def entry(second: int, message: str, level: str = "ERROR") -> LogEntry:
    ts = f"2025-08-16T14:00:{second:02d}.000000"
    return LogEntry("web", ts, level, message, f"{ts}000Z {message}", "stderr", f"{ts}000Z")


def test_a_digest_that_fails_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever breaks a digest, the pane says it could not be built, never "no errors"."""

    def broken(message: str) -> str:
        raise RuntimeError("templating broke")

    monkeypatch.setattr(digest_module, "headline_template", broken)
    digest = DigestBuilder().build({"web": [entry(1, "disk full"), entry(2, "disk full")]}, "", 1.0)
    assert digest.failure == "RuntimeError: templating broke" and digest.counts == {"web": 2}
    rows = [text.plain for text, _ in digest_lines(digest)]
    assert rows[0] == "⚠ the error summary could not be built: RuntimeError: templating broke"
    assert not [row for row in rows if "no errors" in row]
    assert "web 2" in rows[1]


# -- finding 7 ------------------------------------------------------------------------------


def test_choosing_a_group_selects_its_members_by_template_without_backtracking() -> None:
    """An error with 40 numbers against lines of 26 words froze the UI for 45 s with the
    `.+?` regex built from its template; template equality takes milliseconds."""
    numbers = " ".join(str(i) for i in range(40))
    members = [entry(i, f"batch {numbers} {i} failed") for i in range(3)]
    words = " ".join(f"w{i}" for i in range(25))
    others = [entry(10 + i % 40, f"batch {words}", "ERROR" if i % 2 else "INFO") for i in range(400)]
    store = LogStore()
    store.add("web", [*members, *others])
    digest = DigestBuilder().build(store.errors, "", 1.0)
    (target,) = [t for text, t in digest_lines(digest) if "batch <n> <n>" in text.plain]
    assert isinstance(target, GroupMatcher)
    started = time.monotonic()
    chosen = Filter(min_level="ERROR", pattern=target).select(store.merged(None).entries)  # type: ignore[arg-type]
    assert time.monotonic() - started < 1.0
    assert chosen == members


def test_group_members_are_found_whatever_the_headline_is() -> None:
    """JSON (Go escapes `<`), logfmt and traceback messages: the member test is exact."""
    cases = [
        ('{"level":"error","msg":"a \\u003c b: timeout after 30s","id":7}', "a < b: timeout after 45s"),
        ('level=error msg="connect to \\"db\\" failed: 5 tries"', 'connect to "db" failed: 9 tries'),
        ("Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'cart'", "KeyError: 'id'"),
    ]
    for message, sibling in cases:
        matcher = GroupMatcher(digest_module.headline_template(message))
        assert matcher.search(message) and matcher.search(sibling), message
        assert not matcher.search(sibling + " later"), message
        assert list(matcher.finditer(message)) == []
    assert re.compile("x").flags != GroupMatcher("x").flags  # never taken for a text search
