"""A tick's live lines under a literal search are chosen at C speed over their joined text
(`search_text.literal_select`, what `SearchView.live_select` runs): the same entries as
testing each one with `re` (`Filter.select`), across case-folding traps, coloured,
multi-line and prefixed messages and needles that would straddle two messages."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import deque

import pytest
from test_search_blocks import LITERALS, entry, message

from logtui.models import LogEntry
from logtui.tui import search_view
from logtui.tui.search_rust import rust_find
from logtui.tui.search_text import _FOLD_TRAPS, SearchText, compile_search, literal_select, search_needles
from logtui.tui.search_view import SearchView
from logtui.tui.store import Filter

pytest.importorskip("polars")  # big live batches use it once it is loaded: loaded here

NEEDLE_EDGES = ["out", "timeout ref", "out2025", "ok2025", "k92025", "d\nk", "]", "[info"]
"""Needles that a joined text holds across two messages, or in a stamp or level tag only."""


def _entry(rng: random.Random, i: int) -> LogEntry:
    """A multi-line entry with its own message, or a one-line one as the parser's fast path
    makes it: its message the end of its raw line, after the stamp and level tag that a
    joined text also holds."""
    level, text, prefix = rng.choice(["INFO", "ERROR"]), message(rng), rng.choice(["", "app: "])
    if "\n" in text:
        return entry("a", i, level, text, prefix)
    raw = f"2025-08-16T14:00:{i % 60:02d}.{i:09d}Z {prefix}[{level}] {text}"
    return LogEntry.of_line("a", level, raw, "stdout", len(raw) - len(text))


def _batch(rng: random.Random) -> list[LogEntry]:
    """Entries of `message`'s words; in most batches none holds a fold trap (any one sends
    the whole batch back to `re`, so the joined path would go untested)."""
    batch = [_entry(rng, i) for i in range(rng.randint(0, 60))]
    if rng.random() < 0.8:
        batch = [e for e in batch if not any(c in e.message for c in _FOLD_TRAPS)]
    return batch


@pytest.mark.parametrize("seed", range(40))
def test_literal_select_equals_testing_each_entry(seed: int) -> None:
    rng = random.Random(seed)
    batch = _batch(rng)
    trapped = any(c in e.message for e in batch for c in _FOLD_TRAPS)
    for text in LITERALS + NEEDLE_EDGES:
        pattern, _ = compile_search(text)
        needles = search_needles(pattern)
        if needles is None:  # a real regex ("a[b" is escaped: literal)
            continue
        found = literal_select(batch, needles)
        want = Filter(pattern=pattern).select(batch)
        if found is None:
            assert trapped, text  # only a trap character sends it back to `re`
        else:
            assert [id(e) for e in found] == [id(e) for e in want], text


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("path", ["rust", "joined", "re"])
def test_live_lines_under_a_literal_search_are_re_s_choice(seed: int, path: str, monkeypatch) -> None:
    """Through the view, each batch by Rust, by its joined text or by `re` per entry (a
    small batch): level filter, traps and all, the rows added are `re`'s."""
    monkeypatch.setattr(search_view, "LIVE_BATCH_MIN", 10**9 if path == "re" else 0)
    monkeypatch.setattr(search_view, "polars_loaded", lambda: path == "rust")
    scans: list[int] = []
    joins: list[int] = []

    def counted(series, plan, unfit=()):  # type: ignore[no-untyped-def]
        scans.append(len(series))
        return rust_find(series, plan, unfit)

    def joined(entries, needles):  # type: ignore[no-untyped-def]
        joins.append(len(entries))
        return literal_select(entries, needles)

    monkeypatch.setattr(search_view, "rust_find", counted)
    monkeypatch.setattr(search_view, "literal_select", joined)
    rng = random.Random(seed)
    for text in ["timeout|refused", "id", "k9", "stop", "31m", "ok\n", "out2025", "[info"]:
        pattern, _ = compile_search(text)
        chosen = Filter(None, rng.choice(["DEBUG", "ERROR"]), pattern)
        view = SearchView(chosen)
        batch = _batch(rng)
        assert [id(e) for e in view.live_select(batch)] == [id(e) for e in chosen.select(batch)], text
    assert (bool(scans), bool(joins)) == (path == "rust", path == "joined")  # the path under test ran


def test_an_escape_before_the_message_neither_moves_nor_swallows_it() -> None:
    """Raw lines not made by the parser may hold escape sequences before the message (the
    parser's stamp and level tag never do): the message is what is searched, and a
    neighbour's match is not lost (found by the attack pass on the joined text)."""
    batch = [
        LogEntry("a", "t", "INFO", "timeout", "\x1b[1mtimeout"),
        LogEntry.of_line("a", "INFO", "x\x1b[31mtimeout", "stdout", 3),
        LogEntry.of_line("a", "INFO", "\x1b]x timeout", "stdout", 3),
        LogEntry.of_line("a", "INFO", "\x9d timeout \x1b[0m", "stdout", 1),
        LogEntry("a", "t", "INFO", "b", "\x1b[31mab"),
        LogEntry("a", "t", "INFO", "a", "a"),
    ]
    for text in ["timeout", "31m", "a"]:
        pattern, _ = compile_search(text)
        needles = search_needles(pattern)
        assert needles is not None
        found = literal_select(batch, needles)
        assert found is not None
        assert [id(e) for e in found] == [id(e) for e in Filter(pattern=pattern).select(batch)], text
        search_text = SearchText()
        search_text.update(deque(batch), len(batch))
        assert search_text.find(needles, 0) == [
            i for i, e in enumerate(batch) if any(e is f for f in found)
        ], text


def test_the_joined_path_is_taken_for_plain_text() -> None:
    """ASCII text (the usual case) is never handed back to `re`; a dotted capital I is."""
    batch = [entry("a", i, "INFO", f"connection Refused {i}") for i in range(5)]
    pattern, _ = compile_search("refused")
    needles = search_needles(pattern)
    assert needles is not None
    assert literal_select(batch, needles) == batch
    assert literal_select([*batch, entry("a", 9, "INFO", "\u0130d refused")], needles) is None


def test_a_big_live_batch_does_not_import_polars_on_the_ui_thread() -> None:
    """Until something else has loaded Polars (~0.2 s to import), big batches take the joined
    text: a fresh interpreter's search view leaves it unloaded."""
    script = """
import sys
from logtui.models import LogEntry
from logtui.tui.search_text import compile_search
from logtui.tui.search_view import LIVE_BATCH_MIN, SearchView
from logtui.tui.store import Filter
raw = [f"2025-01-01T00:00:00.{i:09d}Z [INFO] request {i} timeout" for i in range(LIVE_BATCH_MIN + 1)]
batch = [LogEntry.of_line("a", "INFO", r, "stdout", 37) for r in raw]
found = SearchView(Filter(pattern=compile_search("timeout")[0])).live_select(batch)
assert len(found) == len(batch), len(found)
print("polars" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
