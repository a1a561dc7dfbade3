"""Literal and regex searches share one set of Polars blocks (`search_rust.Block`), scanned on
Polars' threads (`Scan`): the rows are still exactly what testing every entry with `re`
gives, across case-folding traps, coloured, multi-line and unencodable messages, evictions
between searches, entries arriving during a search, and cancellation."""

from __future__ import annotations

import random
import re

import pytest

from logtui.models import LogEntry
from logtui.search_engine import plan_search
from logtui.tui import search_job, search_rust
from logtui.tui.search_job import SearchCaches, SearchJob, Snapshot
from logtui.tui.search_rust import Block, block_series, searchable_texts, to_series
from logtui.tui.search_text import compile_search, search_needles
from logtui.tui.store import Filter, LogStore, _expand

pytest.importorskip("polars")


def entry(name: str, second: float, level: str, message: str, prefix: str = "") -> LogEntry:
    ts = f"2025-08-16T14:{int(second) // 60:02d}:{int(second) % 60:02d}.{int(second * 1e6) % 1_000_000:06d}"
    return LogEntry(name, ts, level, message, f"{ts}Z {prefix}[{level}] {message}", "stdout", ts + "000Z")


TRAPS = ["\u212a9", "stra\u00dfe", "STRASSE", "\u0130d", "\u0131d", "\u017ftop", "ID", "id", "K9"]
"""KELVIN SIGN (folds to k in both engines), sharp s (no fold to ss in either), dotted and
dotless i (folded to i by `re` only: trap characters), long s (folds to s)."""
WORDS = [*TRAPS, "timeout", "Refused", "ok", "TIME OUT", "\x1b[31mtimeout\x1b[0m", "café", "ünï", ""]
LITERALS = ["timeout", "TIMEOUT|refused", "id", "k9", "strasse", "stop", "straße", "ok\n", "a[b", "i", "31m"]
REGEXES = [r"time(out|d out)", r"\bid\b", r"k\d", r"st.p", r"^ok"]


def message(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(1, 4))
    return "\n".join(" ".join(words[i : i + 2]) for i in range(0, len(words), 2))


def expected_rows(store: LogStore, chosen: Filter) -> list[int]:
    """The rows of testing every entry of the merge with `re` (`Filter.select`)."""
    rows, _ = _expand(chosen.select(store.entries(chosen.names(store.names))))
    return [id(e) for e in rows]


def run(store: LogStore, chosen: Filter, caches: SearchCaches) -> search_job.Outcome:
    assert isinstance(chosen.pattern, re.Pattern)
    plan = plan_search(chosen.pattern, search_needles(chosen.pattern))
    outcome = SearchJob(plan, Snapshot.take(store, chosen), caches).run()
    assert outcome.done and outcome.searched == outcome.total
    return outcome


@pytest.mark.parametrize("seed", range(4))
def test_literal_searches_on_the_polars_blocks_equal_testing_each_entry(seed: int, monkeypatch) -> None:
    """Literal searches forced onto the blocks (shared with regex searches, kept across
    searches while entries arrive and are evicted) give `re`'s rows, in order."""
    monkeypatch.setattr(search_job, "RUST_LITERAL_MIN", 0)
    monkeypatch.setattr(search_rust, "BLOCK", [3, 7, 64, 8192][seed])
    rng = random.Random(seed)
    store = LogStore(max_lines_per_container=rng.choice([30, 200]))
    caches = SearchCaches(texts=store._texts)
    clocks = {"a": 0.0, "b": 0.0}
    engines = set()
    try:
        for _ in range(12):
            name = rng.choice("ab")
            batch = []
            for _ in range(rng.randint(1, 40)):
                clocks[name] += rng.choice([0.0, 0.5, 1.0]) if rng.random() < 0.9 else -3.0
                level = rng.choice(["INFO", "ERROR"])
                batch.append(entry(name, max(clocks[name], 0.0), level, message(rng)))
            store.add(name, batch)
            for text in rng.sample(LITERALS, 5) + rng.sample(REGEXES, 2):
                pattern, _ = compile_search(text)
                chosen = Filter(rng.choice([None, "a"]), rng.choice(["DEBUG", "ERROR"]), pattern)
                outcome = run(store, chosen, caches)
                engines.add(outcome.engine)
                assert [id(e) for e in outcome.rows] == expected_rows(store, chosen), text
    finally:
        caches.process.close()
    assert engines == {"rust"}  # the literal ones too: the path under test was taken


def test_fold_traps_in_a_literal_search_get_res_answer(monkeypatch) -> None:
    """`re` folds İ and ı to i, Rust does not: those texts are decided by `re` (here, in the
    job's thread), so `id` finds `İd` and `ıd`; KELVIN SIGN and long s fold alike in both."""
    monkeypatch.setattr(search_job, "RUST_LITERAL_MIN", 0)
    store = LogStore()
    store.add("a", [entry("a", i, "INFO", text) for i, text in enumerate(TRAPS)])
    caches = SearchCaches(texts=store._texts)
    for text, want in [("id", ["\u0130d", "\u0131d", "ID", "id"]), ("k9", ["\u212a9", "K9"])]:
        pattern, _ = compile_search(text)
        outcome = run(store, Filter(pattern=pattern), caches)
        assert outcome.engine == "rust"
        assert [e.message for e in outcome.entries] == want
    pattern, _ = compile_search("stop")
    assert [e.message for e in run(store, Filter(pattern=pattern), caches).entries] == ["\u017ftop"]


def test_a_search_sees_its_snapshot_while_entries_arrive_and_go(monkeypatch) -> None:
    """Entries added (evicting old ones) between the snapshot and the search do not change
    its rows; the blocks it built then serve the next search of the grown store."""
    monkeypatch.setattr(search_job, "RUST_LITERAL_MIN", 0)
    monkeypatch.setattr(search_rust, "BLOCK", 5)
    rng = random.Random(7)
    store = LogStore(max_lines_per_container=40)
    store.add("a", [entry("a", i, "INFO", message(rng)) for i in range(33)])
    caches = SearchCaches(texts=store._texts)
    pattern, _ = compile_search("timeout|id")
    chosen = Filter(pattern=pattern)
    plan = plan_search(pattern, search_needles(pattern))
    want = expected_rows(store, chosen)
    snapshot = Snapshot.take(store, chosen)
    store.add("a", [entry("a", 40 + i, "INFO", message(rng)) for i in range(21)])  # 14 evicted
    outcome = SearchJob(plan, snapshot, caches).run()
    assert outcome.done and [id(e) for e in outcome.rows] == want
    for text in ["timeout|id", r"time(out|d out)", "k9"]:
        pattern, _ = compile_search(text)
        chosen = Filter(pattern=pattern)
        assert [id(e) for e in run(store, chosen, caches).rows] == expected_rows(store, chosen)


def test_a_cancelled_block_search_leaves_the_blocks_right(monkeypatch) -> None:
    """Cancelled while Polars scans blocks: the outcome says so, the pending scans are
    dropped, and the next search over the same blocks is exact."""
    monkeypatch.setattr(search_job, "PROGRESS_S", 0.0)
    monkeypatch.setattr(search_job, "RUST_LITERAL_MIN", 0)
    monkeypatch.setattr(search_rust, "BLOCK", 4)
    rng = random.Random(3)
    store = LogStore()
    store.add("a", [entry("a", i / 10, "INFO", message(rng)) for i in range(400)])
    caches = SearchCaches(texts=store._texts)
    pattern, _ = compile_search("id|timeout")
    chosen = Filter(pattern=pattern)
    plan = plan_search(pattern, search_needles(pattern))
    job = SearchJob(plan, Snapshot.take(store, chosen), caches)
    job.progress = lambda _outcome: job.cancel.set()
    outcome = job.run()
    assert outcome.cancelled and not outcome.done and 0 < outcome.searched < 400
    assert [id(e) for e in run(store, chosen, caches).rows] == expected_rows(store, chosen)


def test_a_prepared_literal_text_is_used_unless_the_blocks_exist(monkeypatch) -> None:
    """The lower-cased text built while the user typed is not wasted; once the blocks are
    built (by a regex search), literal searches use them."""
    monkeypatch.setattr(search_job, "RUST_LITERAL_MIN", 10)
    store = LogStore()
    store.add("a", [entry("a", i, "INFO", f"timeout {i}") for i in range(20)])
    caches = SearchCaches(texts=store._texts)
    literal, _ = compile_search("timeout")
    assert run(store, Filter(pattern=literal), caches).engine == "rust"  # nothing prepared
    caches.blocks.clear()
    assert store.prepare_text(None, max_blocks=100)
    assert run(store, Filter(pattern=literal), caches).engine == "literal"
    regex, _ = compile_search(r"time(out|d)")
    assert run(store, Filter(pattern=regex), caches).engine == "rust"
    assert run(store, Filter(pattern=literal), caches).engine == "rust"
    monkeypatch.setattr(search_job, "RUST_LITERAL_MIN", 21)  # small: no Polars needed
    caches.blocks.clear()
    store.forget_text()
    assert run(store, Filter(pattern=literal), caches).engine == "literal"


def test_block_text_is_what_a_search_sees() -> None:
    """A block's Series holds each message as `searchable` gives it: cut at the message's
    start by characters (non-ASCII stamps and tags), escapes stripped, multi-line messages
    whole; a text Polars cannot hold (a lone surrogate) is empty there and listed."""
    entries = [
        entry("a", 1, "INFO", "plain"),
        entry("a", 2, "INFO", "\x1b[31mred\x1b[0m text", prefix="é\u212a "),
        entry("a", 3, "INFO", "ünï \u0130d", prefix="日本 "),
        LogEntry("a", "2025-08-16T14:00:04.000000", "INFO", "two\nlines", "raw\nother", "stdout"),
        entry("a", 5, "INFO", "bad \ud800 here"),
        entry("a", 6, "INFO", ""),
    ]
    series, unfit = block_series(entries)
    want, want_unfit = to_series(searchable_texts(entries))
    assert series.to_list() == want.to_list() and unfit == want_unfit == [4]
    assert series.to_list()[:4] == ["plain", "red text", "ünï \u0130d", "two\nlines"]
    block = Block(0, entries)  # cut when first used: the same texts
    assert block.size == 6 and block.tail is entries[-1] and block.unfit == [4]
    assert block.series.to_list() == want.to_list() and block.series is block.series
