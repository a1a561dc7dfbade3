"""The dashboard's pure parts: store, filtered views, rendering helpers, sanitizing."""

from __future__ import annotations

import random
import re
from datetime import datetime
from itertools import chain

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from logtui.models import LogEntry
from logtui.textsafe import sanitize_for_terminal
from logtui.tui._layout import RowColumns
from logtui.tui.digest import (
    GroupMatcher,
    build_digest,
    digest_lines,
    literal_pattern,
    render_digest,
)
from logtui.tui.render import RowLook, entry_row, short_memory, short_status, sparkline
from logtui.tui.store import Filter, FilteredView, LogStore, SearchText, compile_search, search_needles


def entry(name: str, second: float, level: str = "INFO", message: str = "hello") -> LogEntry:
    ts = f"2025-08-16T14:{int(second) // 60:02d}:{int(second) % 60:02d}.{int(second * 1e6) % 1_000_000:06d}"
    return LogEntry(name, ts, level, message, f"{ts}Z [{level}] {message}", "stdout", ts + "000Z")


# -- store -------------------------------------------------------------------------------


def test_store_bounds_each_container_and_counts_dropped() -> None:
    store = LogStore(max_lines_per_container=3)
    evicted = store.add("web", [entry("web", i) for i in range(5)])
    assert [e.timestamp[-9:] for e in store.buffers["web"]] == ["02.000000", "03.000000", "04.000000"]
    assert len(evicted) == 2 and evicted[0].timestamp.endswith("00.000000")
    assert store.dropped == {"web": 2}
    store.add("db", [entry("db", 1)])
    assert store.size == 4 and store.capacity == 6 and store.total_dropped == 2


def test_store_merges_containers_in_time_order() -> None:
    store = LogStore()
    store.add("a", [entry("a", s) for s in (1, 4, 6)])
    store.add("b", [entry("b", s) for s in (2, 3, 5)])
    merged = store.entries()
    assert [(e.container_name, e.timestamp[-9:-7]) for e in merged] == [
        ("a", "01"),
        ("b", "02"),
        ("b", "03"),
        ("a", "04"),
        ("b", "05"),
        ("a", "06"),
    ]
    assert [e.container_name for e in store.entries(["b"])] == ["b", "b", "b"]


def test_error_index_outlives_the_main_buffer() -> None:
    store = LogStore(max_lines_per_container=2)
    store.add("web", [entry("web", 1, "ERROR", "boom")] + [entry("web", s) for s in (2, 3, 4)])
    assert all(e.level == "INFO" for e in store.buffers["web"])
    errors = store.errors_since("web", "2025-08-16T14:00:00.000000")
    assert [e.message for e in errors] == ["boom"]
    assert store.errors_since("web", "2025-08-16T14:00:02.000000") == []


def test_rate_buckets_by_entry_timestamps() -> None:
    store = LogStore()
    store.add("web", [entry("web", s) for s in (10, 10.5, 13, 15.9, 16)])
    now = datetime.fromisoformat("2025-08-16T14:00:16.500000")
    # buckets of 2 s ending at now: [.., 10.5-12.5, 12.5-14.5, 14.5-16.5]
    assert store.rate("web", now, buckets=4, bucket_s=2.0) == [1, 1, 1, 2]


# -- views -------------------------------------------------------------------------------


def test_view_filters_by_container_level_and_pattern() -> None:
    store = LogStore()
    store.add("web", [entry("web", 1, "INFO", "started"), entry("web", 2, "ERROR", "Timeout x")])
    store.add("db", [entry("db", 3, "WARNING", "slow query"), entry("db", 4, "DEBUG", "tick")])
    view = FilteredView()
    view.rebuild(store)
    assert [e.message for e in view.rows] == ["started", "Timeout x", "slow query", "tick"]
    view.rebuild(store, Filter(min_level="WARNING"))
    assert [e.message for e in view.rows] == ["Timeout x", "slow query"]
    view.rebuild(store, Filter(min_level="ERROR"))
    assert [e.message for e in view.rows] == ["Timeout x"]
    view.rebuild(store, Filter(container="db"))
    assert [e.message for e in view.rows] == ["slow query", "tick"]
    pattern, error = compile_search("timeout|SLOW")
    assert error is None
    view.rebuild(store, Filter(pattern=pattern))
    assert [e.message for e in view.rows] == ["Timeout x", "slow query"]


def test_bad_regex_is_searched_literally() -> None:
    pattern, error = compile_search("a[b")
    assert error is not None and "literally" in error
    assert pattern.search("xxA[Bxx") and not pattern.search("ab")


def test_multiline_entries_take_one_row_per_line() -> None:
    store = LogStore()
    tb = entry("api", 2, "ERROR", "Unhandled\nTraceback (most recent call last):\n  File x")
    store.add("api", [entry("api", 1), tb, entry("api", 3)])
    view = FilteredView()
    view.rebuild(store)
    assert len(view) == 5
    assert view.row(1) == (tb, 0) and view.row(3) == (tb, 2)
    assert view.find(tb) == 1
    assert list(view.unique_entries()) == list(store.buffers["api"])


@pytest.mark.parametrize("seed", range(5))
def test_incremental_add_matches_a_rebuild(seed: int) -> None:
    """Out-of-order arrivals (another container's older batch) land in time order."""
    rng = random.Random(seed)
    store = LogStore(max_lines_per_container=40)
    view = FilteredView(Filter(min_level="INFO"))
    clocks = {"a": 0.0, "b": 0.0, "c": 0.0}
    for _ in range(60):
        name = rng.choice("abc")
        batch = []
        for _ in range(rng.randint(1, 80 if rng.random() < 0.1 else 4)):
            clocks[name] += rng.random()
            lines = "\n".join(["m"] * rng.randint(1, 3))
            batch.append(entry(name, clocks[name], rng.choice(["DEBUG", "INFO", "ERROR"]), lines))
        evicted = store.add(name, batch)
        view.add(batch)
        view.remove(evicted)
    fresh = FilteredView(Filter(min_level="INFO"))
    fresh.rebuild(store)
    assert [e.timestamp for e in view.rows] == [e.timestamp for e in fresh.rows]
    assert [id(e) for e in view.rows] == [id(e) for e in fresh.rows]


def reference_rows(store: LogStore, filter: Filter) -> tuple[list[int], int]:
    """The view's rows computed the plain way: merge every buffer, test every entry."""
    chosen = [n for n in store.buffers if filter.container in (None, n)]
    merged = sorted((e for n in chosen for e in store.buffers[n]), key=lambda e: e.timestamp)
    kept = [e for e in merged if filter.matches(e)]
    rows = [id(e) for e in kept for _ in e.message.split("\n")]
    width = max((len(line) for e in kept for line in e.message.split("\n")), default=0)
    return rows, width


_WORDS = ["timeout", "Timeout", "REFUSED", "refused", "ok", "a|b", "x.y", "stop", "id", "ünï", "\u212a9", "k"]
_TRAPS = ["ſtop", "İd", "ıd"]  # match "stop" / "id" case-insensitively, unlike their lower case


@pytest.mark.parametrize("seed", range(8))
def test_rebuild_matches_testing_every_entry(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept merges, level masks and the search text give exactly the rows (and width) of
    testing every entry, as entries arrive (in and out of order, with equal stamps) and
    leave, for levels, containers, literal searches (case, Unicode case traps) and regexes."""
    rng = random.Random(seed)
    monkeypatch.setattr(SearchText, "BLOCK", [3, 7, 8192][seed % 3])  # text blocks come and go
    words = _WORDS + _TRAPS if seed >= 6 else _WORDS
    store = LogStore(max_lines_per_container=rng.choice([30, 200]))
    searched_fast = 0
    view = FilteredView()
    clocks = {"a": 0.0, "b": 0.0, "c": 0.0}
    patterns = ["timeout", "TIMEOUT|refused", "stop", "ID", "a\\|b", "x.y", "ok$", "^ok", "ünï", "k9"]
    patterns += ["[tT]ime", "\nti", "\nOK", "okstop", "idtime"]
    levels = ["DEBUG", "INFO", "ERROR", "ODD"]
    for _ in range(60):
        name = rng.choice("abc")
        batch = []
        for _ in range(rng.randint(1, 12)):
            clocks[name] += rng.choice([0.0, 0.5, 1.0]) if rng.random() < 0.9 else -3.0
            w = rng.choices(words, k=rng.randint(1, 4))
            text = "\n".join(" ".join(w[i : i + 2]) for i in range(0, len(w), 2))
            batch.append(entry(name, max(clocks[name], 0.0), rng.choice(levels), text))
        store.add(name, batch)
        for _ in range(2):
            pattern = compile_search(rng.choice(patterns))[0] if rng.random() < 0.6 else None
            chosen = Filter(rng.choice([None, None, "a", "b"]), rng.choice(levels[:3]), pattern)
            view.rebuild(store, chosen)
            rows, width = reference_rows(store, chosen)
            assert [id(e) for e in view.rows] == rows
            assert view.width == width
            assert store.entries() == sorted(store.entries(), key=lambda e: e.timestamp)
            searched_fast += pattern is not None and search_needles(pattern) is not None
    assert searched_fast > 5


def test_kept_merge_orders_equal_stamps_as_a_fresh_merge() -> None:
    """Equal timestamps keep container order (a before b), also when a's entry arrives later."""
    store = LogStore()
    view = FilteredView()
    store.add("a", [entry("a", 1.0)])
    store.add("b", [entry("b", 2.0), entry("b", 3.0)])
    view.rebuild(store)
    store.add("a", [entry("a", 3.0), entry("a", 4.0)])
    view.rebuild(store)
    assert [id(e) for e in view.rows] == reference_rows(store, Filter())[0]
    assert [e.container_name for e in view.rows] == ["a", "b", "a", "b", "a"]


def test_search_needles_are_only_literal_alternatives() -> None:
    def needles(text: str) -> tuple[str, ...] | None:
        return search_needles(compile_search(text)[0])

    assert needles("Timeout|refused") == ("timeout", "refused")
    assert needles("a\\.b") == ("a.b",)
    assert needles("(unclosed") == ("(unclosed",)  # searched literally, escaped by compile_search
    for regex in ("time.ut", "^ok", "a|", "\\d+", "[ab]", "x{2}", "ſ", "(?i)a"):
        assert needles(regex) is None
    assert search_needles(re.compile("ok")) is None  # case-sensitive: not this path


def test_next_match_wraps_both_ways() -> None:
    store = LogStore()
    store.add("a", [entry("a", s, message=m) for s, m in enumerate(["x", "needle", "y", "needle"])])
    view = FilteredView()
    view.rebuild(store, Filter(pattern=re.compile("needle")))
    view.filter = Filter(pattern=re.compile("needle"))
    assert view.next_match(-1) == 0
    assert view.next_match(0) == 1
    assert view.next_match(1) == 0
    assert view.next_match(0, forward=False) == 1


# -- rendering ---------------------------------------------------------------------------


def test_entry_row_is_literal_and_highlights_matches() -> None:
    hostile = LogEntry(
        "web",
        "2025-08-16T14:03:27.104000",
        "ERROR",
        "[@click=app.quit]x[/] [bold]boom\x1b]0;pwned\x07\x1b[2J",
        "raw",
    )
    text = entry_row(hostile, 0, RowLook(RowColumns(12, 8, 5), pattern=re.compile("boom")))
    assert "[@click=app.quit]x[/] [bold]boom" in text.plain
    assert "\x1b" not in text.plain and "\x07" not in text.plain
    assert text.plain.startswith("14:03:27.104 web      ERROR ")
    spans = [text.plain[s.start : s.end] for s in text.spans if "yellow" in str(s.style)]
    assert spans == ["boom"]
    console = Console(force_terminal=True, width=200, color_system="truecolor")
    with console.capture() as capture:
        console.print(text)
    rendered = capture.get()
    assert "]0;pwned" not in rendered and "\x1b[2J" not in rendered


def test_continuation_rows_are_indented_under_the_message() -> None:
    tb = LogEntry("api", "2025-08-16T14:03:28.002000", "ERROR", "Unhandled\n  File x", "raw")
    first = entry_row(tb, 0, RowLook())
    second = entry_row(tb, 1, RowLook())
    assert first.plain.index("Unhandled") == second.plain.index("  File x")


def test_sparkline_and_status_helpers() -> None:
    assert sparkline([0, 1, 2, 4]) == " ▃▅█"
    assert sparkline([0, 0]) == "  "
    assert short_status("running", "Up 3 hours (healthy)") == "up 3h ✓"
    assert short_status("running", "Up About a minute") == "up 1m"
    assert short_status("running", "Up 5 seconds (unhealthy)") == "up 5s ✗"
    assert short_status("exited", "Exited (3) 2 hours ago") == "exit 3"
    assert short_status("paused", "Up 2 days (Paused)") == "up 2d"
    assert short_memory("41.2MiB / 1.944GiB") == "41.2MiB"


# -- sanitizing --------------------------------------------------------------------------


def test_sanitize_removes_escapes_and_controls() -> None:
    assert sanitize_for_terminal("\x1b]0;pwned\x07ok") == "ok"
    assert sanitize_for_terminal("\x1b[2J\x1b[Hok") == "ok"
    assert sanitize_for_terminal("a\x1b[31mred\x1b[0m") == "ared"
    assert sanitize_for_terminal("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\") == "link"
    assert sanitize_for_terminal("keep\ttab\nand newline\r") == "keep\ttab\nand newline"
    assert sanitize_for_terminal("\x9b2Jx\x07\x00\u202e") == "x"
    assert sanitize_for_terminal("[bold]not markup[/]") == "[bold]not markup[/]"
    assert sanitize_for_terminal("café ✓ 日本") == "café ✓ 日本"


@given(st.text())
def test_sanitized_text_has_no_controls(text: str) -> None:
    clean = sanitize_for_terminal(text)
    assert all(c in "\t\n" or (ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F) for c in clean)
    assert Text(clean).plain == clean


# -- error digest ------------------------------------------------------------------------


def test_digest_groups_errors_and_patterns_find_them() -> None:
    store = LogStore()
    store.add(
        "web",
        [
            entry("web", 1, "ERROR", "Application error occurred request_id=1842"),
            entry("web", 2, "ERROR", "Application error occurred request_id=1907"),
            entry("web", 3, "INFO", "fine"),
        ],
    )
    store.add("db", [entry("db", 4, "CRITICAL", 'FATAL: auth failed for user "app" (x)')])
    digest = build_digest(store, "2025-08-16T14:00:00.000000", 1)
    assert digest.counts == {"web": 2, "db": 1}
    assert [(g.count, g.containers) for g in digest.groups] == [(2, ("web",)), (1, ("db",))]
    assert [c["container"] for c in digest.critical] == ["db"]
    rows = digest_lines(digest)
    patterns = [p for _, p in rows if p]
    assert len(patterns) == 3  # the critical issue and the two groups
    for pattern in patterns:
        search = pattern.search if isinstance(pattern, GroupMatcher) else re.compile(pattern).search
        assert any(search(e.message) for e in store.entries())
    assert GroupMatcher("id=<n> at <ip> (x)").search("id=42 at 10.0.0.1 (x)")
    assert not GroupMatcher("id=<n> at <ip> (x)").search("id=42 at 10.0.0.1 (y)")
    assert literal_pattern("a.b (c)") == r"a\.b \(c\)"
    later = build_digest(store, "2025-08-16T14:00:02.000000", 1)
    assert later.counts == {"web": 1, "db": 1}


def test_digest_lines_are_literal_text() -> None:
    store = LogStore()
    store.add("web", [entry("web", 1, "ERROR", "[@click=app.quit]x[/] \x1b[2J")])
    text = render_digest(build_digest(store, "2025-08-16T14:00:00.000000", 1))
    assert "[@click=app.quit]x[/]" in text.plain and "\x1b" not in text.plain


def test_huge_lines_are_cut_for_display_only() -> None:
    big = LogEntry("web", "2025-08-16T14:03:27.104000", "INFO", "x" * 3_000_000, "raw")
    text = entry_row(big, 0, RowLook())
    assert len(text.plain) < 4_200 and "(+2996000 characters; x exports all)" in text.plain
    store = LogStore()
    store.add("web", [big])
    view = FilteredView()
    view.rebuild(store)
    assert view.width <= 4_100 and view.rows[0].message == big.message


def test_search_text_built_bit_by_bit_finds_what_a_cold_search_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard builds the search text a few blocks at a time while the user types;
    the result is the same as building it at once, and words of the stamp or the level tag
    (not part of the message) are never found."""
    monkeypatch.setattr(SearchText, "BLOCK", 3)
    words = ["timeout", "refused", "ok"]
    prepared, cold = LogStore(max_lines_per_container=50), LogStore(max_lines_per_container=50)
    for i in range(80):
        for store in (prepared, cold):
            store.add("ab"[i % 2], [entry("ab"[i % 2], i, "INFO", f"{words[i % 3]} {i}")])
    steps = 1
    while not prepared.prepare_text(None, max_blocks=1):
        steps += 1
    assert steps > 5  # it really went bit by bit
    for needles in [("timeout",), ("refused", "ok")]:
        found, want = prepared.find_text(None, needles), cold.find_text(None, needles)
        assert found is not None and want is not None
        assert [(e.container_name, e.message) for e in found] == [(e.container_name, e.message) for e in want]
    assert len(prepared.find_text(None, ("timeout",)) or []) == len(range(0, 80, 3))
    assert prepared.find_text(None, ("info",)) == [] and prepared.find_text(None, ("2025",)) == []


def test_keep_merged_catches_up_only_when_cheap_and_merged_stays_exact() -> None:
    store = LogStore()
    store.add("a", [entry("a", float(i)) for i in range(0, 100, 2)])
    store.add("b", [entry("b", float(i)) for i in range(1, 100, 2)])
    kept = store.merged(None)
    store.add("a", [entry("a", 99.5), entry("a", 100.0)])  # reaches back over one kept entry
    store.keep_merged(None, max_overlap=4)
    assert kept.key == ((52, 0), (50, 0)) and kept.entries[-3:] == store.entries()[-3:]
    store.add("b", [entry("b", 1.5)])  # far back: left for `merged` to do when asked
    store.keep_merged(None, max_overlap=4)
    assert kept.key == ((52, 0), (50, 0))
    assert [id(e) for e in store.merged(None).entries] == [
        id(e) for e in sorted(chain(store.buffers["a"], store.buffers["b"]), key=lambda e: e.timestamp)
    ]
