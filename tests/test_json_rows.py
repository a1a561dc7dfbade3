"""`--json` rows written from columns (`logtui.columnar.json_rows`) against `json_lines`.

Rows are what the CLI prints for `container --json` and `logs --json` when it parses in its
own process: the same bytes as `json_lines` over the entries, with runs of one-line
entries written by Polars. Hostile text is the point here: quotes, backslashes, control
characters, DEL, C1 controls, bidi and line separators, non-ASCII, level tags.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logtui import reader
from logtui.columnar import grouping, json_rows
from logtui.columnar.json_rows import parts_rows, write_text
from logtui.json_lines import json_lines
from logtui.reader import StreamReader, entries_of
from logtui.time_merge import _keys

PIECES = [
    "GET /api/orders 200",
    'said "hello" \\ back\\slash',
    "ERROR failed to connect",
    "[WARN] disk 91%",
    "WARNING: low memory",
    "warning lower case",
    "tab\there",
    "esc \x1b[31mred\x1b[0m",
    "del \x7f char",
    "c1 \x85 next line",
    "bidi \u202e evil \u2028 sep",
    "zero\u200bwidth",
    "naïve café 日本語 🙂",
    '{"level": "error", "msg": "x\\"y"}',
    "level=info msg=ok",
    "Traceback (most recent call last):",
    '  File "a.py", line 1, in <module>',
    "ValueError: bad",
    "    indented",
    "",
    "CRITICAL kernel panic",
    "debug: verbose",
    "password=hunter2 token",
    "\x00nul",
]


def _stamp(i: int) -> str:
    return f"2026-11-30T12:{i // 6000 % 60:02d}:{i // 100 % 60:02d}.{i % 100:02d}0000000Z "


def _history(texts: list[str], podman_every: int) -> bytes:
    lines = []
    for i, text in enumerate(texts):
        stamp = f"2026-11-30T12:00:{i % 60:02d}Z " if podman_every and i % podman_every == 0 else _stamp(i)
        lines.append(stamp + text)
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def columns_everywhere():
    """The columnar grouping on every chunk, and every run written from columns."""
    saved = (reader.COLUMNAR_CHARS, grouping.MIN_CHARS, json_rows.MIN_RUN)
    reader.COLUMNAR_CHARS = grouping.MIN_CHARS = json_rows.MIN_RUN = 0
    yield
    reader.COLUMNAR_CHARS, grouping.MIN_CHARS, json_rows.MIN_RUN = saved


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(st.sampled_from(PIECES) | st.text(max_size=40), min_size=1, max_size=120),
    cut=st.integers(1, 5000),
    podman_every=st.sampled_from([0, 0, 7]),
)
def test_rows_are_json_lines_byte_for_byte(texts, cut, podman_every, columns_everywhere) -> None:
    data = _history(texts, podman_every)
    stream = StreamReader("web-1", "stderr", True)
    got_text, got_keys, want_text, want_keys = [], [], [], []
    chunks = [data[i : i + cut] for i in range(0, len(data), cut)]
    for index, chunk in enumerate(chunks):
        parts = stream.feed_parts(chunk)
        if index == len(chunks) - 1:
            parts += stream.close_parts()
        rows = parts_rows(parts, "web-1", "stderr")
        entries = entries_of(parts)
        got_text.append(write_text(rows))
        got_keys += rows["key"].to_list()
        want_text.append(json_lines(entries))
        want_keys += _keys(entries)
    assert "".join(got_text) == "".join(want_text)
    assert got_keys == want_keys


def test_most_lines_of_a_plain_history_are_written_from_columns(columns_everywhere, monkeypatch) -> None:
    """Not a vacuous pass: a plain history's lines go through the columns, except the
    ones holding a character `json.dumps` escapes itself (written by `json_lines`)."""
    written: list[int] = []
    original = json_rows._run_lines

    def counted(runs, name, stream):  # type: ignore[no-untyped-def]
        rows = original(runs, name, stream)
        written.append(0 if rows is None else len(rows))
        return rows

    monkeypatch.setattr(json_rows, "_run_lines", counted)
    data = _history([f'GET /item/{i} "ok" \\ {i}' for i in range(500)], 0)
    stream = StreamReader("web-1", "stdout", True)
    parts = stream.feed_parts(data) + stream.close_parts()
    assert write_text(parts_rows(parts, "web-1", "stdout")) == json_lines(entries_of(parts))
    assert sum(written) >= 498  # the last line waits in the assembler for the next one


def test_a_hostile_container_name_is_escaped_as_json_lines_escapes_it(columns_everywhere) -> None:
    name = 'evil"\\\x1b[2J\u202e'
    data = _history([f"line {i}" for i in range(100)], 0)
    stream = StreamReader(name, "stdout", True)
    parts = stream.feed_parts(data) + stream.close_parts()
    text = write_text(parts_rows(parts, name, "stdout"))
    assert text == json_lines(entries_of(parts))
    assert "\x1b" not in text and "\u202e" not in text
