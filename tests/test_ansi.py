"""ANSI-coloured log lines: levels, templates and search see the text, not the colours;
`raw_line`, `--json` and exports keep the bytes as written.

Seen: `ESC[31m[ERROR] ansi colored error lineESC[0m` was summarised as
`ur>[ERROR] ansi colored error lineur>` (`31m` templated as a duration, then half of the
escape sequence cut by the terminal sanitiser).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted import isolate_config, running_host, write_client_files

from logtui import LogInterface
from logtui.analysis import headline_template
from logtui.cli import main
from logtui.levels import detect_level
from logtui.parser import parse_stream
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.textsafe import strip_escapes
from logtui.tui.digest import GroupMatcher, build_digest, render_digest
from logtui.tui.render import safe_text
from logtui.tui.store import Filter, FilteredView, LogStore, compile_search

RED_ERROR = "\x1b[31m[ERROR] ansi colored error line\x1b[0m"
STRUCTLOG = (
    "\x1b[2m2025-08-16 14:30:22\x1b[0m [\x1b[31m\x1b[1merror    \x1b[0m] "
    "\x1b[1mjob failed                    \x1b[0m \x1b[36merror\x1b[0m=\x1b[35mTimeoutError\x1b[0m"
)
LINES = [  # (stream, text, level)
    ("stdout", "\x1b[32m[INFO] server started on :8080\x1b[0m", "INFO"),
    ("stderr", RED_ERROR, "ERROR"),
    ("stdout", "\x1b[33mWARN\x1b[0m[0003] Deprecated flag --insecure used", "WARNING"),
    ("stderr", RED_ERROR, "ERROR"),
    ("stderr", STRUCTLOG, "ERROR"),
    (
        "stdout",
        "\x1b[2m2025-08-16T14:30:22Z\x1b[0;39m \x1b[32m INFO\x1b[0;39m 1 --- [main] App : started",
        "INFO",
    ),
    ("stderr", "[14:30:22.811] \x1b[41mFATAL\x1b[49m (1): uncaught exception, shutting down", "CRITICAL"),
    ("stderr", RED_ERROR, "ERROR"),
    ("stdout", "\x1b[35mDEBUG\x1b[0m cache warm", "DEBUG"),
]


@pytest.fixture
def painted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedHost]:
    """A host whose container `paint` writes coloured lines to both streams."""
    box = ScriptedContainer("paint")
    now = time.time()
    for i, (stream, text, _) in enumerate(LINES):
        box.write(text.encode(), stream, ts=now - 300 + 10 * i)
    with running_host([box]) as sim:
        isolate_config(monkeypatch, tmp_path, write_client_files(sim, tmp_path))
        yield sim


@pytest.mark.parametrize(("stream", "text", "level"), LINES)
def test_a_coloured_level_is_a_level(stream: str, text: str, level: str) -> None:
    assert detect_level(text) == level
    (entry,) = parse_stream("paint", stream, f"2025-08-16T14:30:22.000000000Z {text}\n")
    assert (entry.level, entry.raw_line) == (level, f"2025-08-16T14:30:22.000000000Z {text}")


def test_error_summary_templates_are_the_text(
    painted: SimulatedHost, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["errors", "1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    groups = {g["template"]: g["count"] for g in summary["error_groups"]}
    assert groups == {
        "ansi colored error line": 3,
        "<ts> [error    ] job failed" + " " * 21 + "error=TimeoutError": 1,
        "[<ts>] FATAL (<n>): uncaught exception, shutting down": 1,
    }
    (critical,) = summary["critical_issues"]
    assert critical["message"].startswith("[14:30:22.811] \x1b[41mFATAL")  # the original text
    recent = summary["error_breakdown"]["paint"]["recent_errors"]
    assert sum(RED_ERROR in e["raw_line"] for e in recent) == 3

    assert main(["errors", "1"]) == 0
    out = capsys.readouterr().out
    assert "ansi colored error line" in out
    assert "\x1b" not in out and "[31m" not in out and "ur>" not in out


def test_json_and_exports_keep_the_escape_bytes(
    painted: SimulatedHost, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["container", "paint", "1", "--json"]) == 0
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["stream"], e["raw_line"].split(" ", 1)[1], e["level"]) for e in entries] == LINES
    assert all(e["raw_line"].endswith(e["message"]) for e in entries)  # the message as written

    with LogInterface() as interface:
        saved = json.loads(
            Path(interface.save_all_logs(hours=1, filename=str(tmp_path / "x.json"))).read_text()
        )
    text = json.dumps(saved)
    assert text.count("\\u001b[31m[ERROR] ansi colored error line\\u001b[0m") >= 3


def test_the_terminal_shows_the_text_without_debris(
    painted: SimulatedHost, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["container", "paint", "1"]) == 0
    out = capsys.readouterr().out
    assert "ansi colored error line" in out and "job failed" in out
    assert "\x1b" not in out and "[31m" not in out and "[0m" not in out


def _store() -> tuple[LogStore, list]:
    entries = [
        entry
        for i, (stream, text, _) in enumerate(LINES)
        for entry in parse_stream("paint", stream, f"2025-08-16T14:30:{10 + i:02d}.000000000Z {text}\n")
    ]
    store = LogStore()
    store.add("paint", entries)
    return store, entries


@pytest.mark.parametrize("needle", ["error=TimeoutError", "ansi colored error line", "ERROR] ansi"])
def test_search_sees_the_text_across_colours(needle: str) -> None:
    store, entries = _store()
    expected = [e for e in entries if needle in strip_escapes(e.message)]
    assert expected
    pattern, _ = compile_search(needle)
    view = FilteredView()
    view.rebuild(store, Filter(pattern=pattern))  # a literal: the store's search text
    assert list(view.unique_entries()) == expected
    regex = re.compile(re.escape(needle).replace("ansi", "an[s]i").replace("Timeout", r"Timeout\w*"))
    assert Filter(pattern=regex).select(entries) == expected  # any other regex, entry by entry
    assert [e for e in entries if Filter(pattern=regex).matches(e)] == expected


def test_search_does_not_find_the_escape_sequences() -> None:
    store, entries = _store()
    for needle in ("[31m", "31m", "[0m"):
        pattern, _ = compile_search(needle)
        view = FilteredView()
        view.rebuild(store, Filter(pattern=pattern))
        assert len(view) == 0, needle
        assert Filter(pattern=pattern).select(entries) == []


def test_an_error_group_finds_its_coloured_members() -> None:
    _, entries = _store()
    for message in (RED_ERROR, STRUCTLOG):
        matcher = GroupMatcher(headline_template(message))
        members = [e for e in entries if matcher.search(e.message)]
        assert members and all(e.message == message for e in members)


def test_the_dashboard_shows_the_text() -> None:
    """The log pane's message column (sanitised as `safe_text` does) and the error pane's
    repeated errors show the words without the `[31m` debris."""
    store, entries = _store()
    for entry in entries:
        shown = safe_text(entry.message).plain
        assert "\x1b" not in shown and "[31m" not in shown and "[0m" not in shown, shown
    assert safe_text(entries[1].message).plain == "[ERROR] ansi colored error line"
    pane = render_digest(build_digest(store, "", 1.0)).plain
    assert "×3" in pane and "ansi colored error line" in pane
    assert "\x1b" not in pane and "[31m" not in pane and "ur>" not in pane
