"""The search engines give `re`'s answer: Rust's regex where it means the same, `re` in a
killable process otherwise; and a search over the store equals `Filter.select` over it."""

from __future__ import annotations

import random
import re
import signal
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from logtui.models import LogEntry
from logtui.regex_process import RegexProcess
from logtui.search_engine import FOLD_TRAPS, plan_search, translate
from logtui.tui import search_job, search_rust
from logtui.tui.search_job import SearchCaches, SearchJob, Snapshot
from logtui.tui.search_rust import _PYTHON_CLASSES, class_difference, rust_find, to_series
from logtui.tui.search_text import compile_search, search_needles, searchable
from logtui.tui.search_view import LiveMatcher
from logtui.tui.store import Filter, FilteredView, LogStore

pl = pytest.importorskip("polars")


def plan_of(text: str):
    pattern, _ = compile_search(text)
    return pattern, plan_search(pattern, search_needles(pattern))


def rust_answer(pattern: re.Pattern[str], texts: list[str]) -> list[bool]:
    """What the Rust plan says of each text, trapped texts asked of `re` (as the job does)."""
    plan = plan_search(pattern)
    assert plan.engine == "rust", plan
    series, unfit = to_series(texts)
    hits, trapped = rust_find(series, plan, unfit)
    answer = [False] * len(texts)
    for i in hits:
        answer[i] = True
    for i in trapped:
        answer[i] = pattern.search(texts[i]) is not None
    return answer


# -- which engine ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "engine"),
    [
        ("timeout|refused", "literal"),
        ("a[b", "literal"),  # not a regex: searched literally
        (r"time(out|d out)", "rust"),
        (r"\bERROR\b.*\d{3}", "rust"),
        (r"(a+)+$", "rust"),  # catastrophic for `re`, linear for Rust
        (r"(?m)^ok$", "rust"),
        (r"(?s)a.b", "rust"),
        ("café", "rust"),
        (r"[a-f0-9]{8}", "rust"),
        (r"(?-i:Error)", "rust"),
        (r"(?<=x)y", "python"),
        (r"x(?!y)", "python"),
        (r"(a)\1", "python"),
        (r"(?>a+)b", "python"),
        (r"a++b", "python"),
        (r"(a)?(?(1)b|c)", "python"),
        (r"(?a)\w", "python"),
        ("ı", "python"),  # folds to i in `re`, to itself in Rust
        (r"[à-ÿ]", "python"),  # a case-insensitive range beyond ASCII
        (r"a$b", "python"),  # `$` with pattern after it
    ],
)
def test_each_pattern_gets_the_engine_that_means_the_same(text: str, engine: str) -> None:
    _, plan = plan_of(text)
    assert plan.engine == engine, plan
    assert (plan.reason != "") == (engine == "python")


def test_dollar_matches_before_a_final_newline_as_in_python() -> None:
    pattern, _ = compile_search("ok$")
    texts = ["ok", "ok\n", "ok\n\n", "ok x", "OK"]
    expected = [True, True, False, False, True]
    assert rust_answer(pattern, texts) == [pattern.search(t) is not None for t in texts] == expected


def test_fold_traps_are_the_only_case_differences_between_the_engines() -> None:
    """Every character with a case: `re`'s IGNORECASE equivalents equal Rust's (?i) fold
    orbit except for the traps (and i/I, which they fold with)."""
    import _sre

    cased = set()
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if char.lower() != char or char.upper() != char or _sre.unicode_tolower(code) != code:
            cased.update((char, chr(_sre.unicode_tolower(code))))
    chars = sorted(cased)
    series = pl.Series(chars)
    differ = set()
    for char in chars:
        python = re.compile(re.escape(char), re.IGNORECASE)
        ours = {c for c in chars if python.fullmatch(c)}
        theirs = set(series.filter(series.str.contains(f"(?i)^\\x{{{ord(char):X}}}$")).to_list())
        if ours != theirs:
            differ |= {char} | (ours ^ theirs)
    assert differ == set(FOLD_TRAPS) | {"i", "I"}


@pytest.mark.parametrize("kind", ["digit", "space", "word"])
def test_class_differences_are_computed_from_what_re_really_does(kind: str) -> None:
    syntax, python = _PYTHON_CLASSES[kind]
    matcher = re.compile(syntax)
    for code in range(0x110000):
        char = chr(code)
        assert python(char) == (matcher.fullmatch(char) is not None), hex(code)
    differ = class_difference(kind)
    assert differ  # Rust's Unicode and `re`'s disagree somewhere, and those texts are trapped
    pattern, _ = compile_search(f"x{syntax}y")
    texts = [f"x{chr(code)}y" for code in differ[:200]] + ["x1y", "x y", "x_y", "x-y"]
    assert rust_answer(pattern, texts) == [pattern.search(t) is not None for t in texts]


# -- generated patterns ------------------------------------------------------------------

TEXTS = [
    "",
    "a",
    "ab\n",
    "Ab b",
    "b\na",
    "aa\nbb\n",
    "İi ıI",
    "ſ K k",
    "é É e\u0301",
    "x\x1cy 1٣",
    "a_b-c.d",
    "\x1b[31mred a\x1b[0m",
    "tab\there",
    "\udcff lone surrogate a",
    "a" * 40,
]

_CLASSES = ["\\d", "\\w", "\\s", "\\W", "\\D", "\\b", "\\B", "\\A", "\\Z"]
_atoms = st.sampled_from([*"abAié1_ -İſ.^$", "\\n", "\\.", "[a-c]", "[^a]", "[^\\s]", "[ab_]", *_CLASSES])


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    quantifier = st.sampled_from(["*", "+", "?", "{1,2}", "*?", "+?", "{2}", ""])
    return st.one_of(
        st.tuples(children, children).map("".join),
        st.tuples(children, children).map("|".join),
        st.tuples(children, quantifier).map(lambda p: f"(?:{p[0]}){p[1]}"),
        st.tuples(children, quantifier).map(lambda p: f"({p[0]}){p[1]}"),
        children.map(lambda p: f"(?-i:{p})"),
    )


T = TypeVar("T")


class _Backtracking(Exception):
    pass


def _oracle(work: Callable[[], T], seconds: float = 2.0) -> T:
    """`re`'s answer, the oracle, or the example rejected when `re` cannot give it in time:
    a generated nested quantifier (`(?:(?:a|a){1,2})*1`) takes `re` ~3^n steps on a run of
    n letters, and one such example hung the suite. `re` checks for signals as it goes."""

    def expire(*_: object) -> None:
        raise _Backtracking

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return work()
    except _Backtracking:
        reject()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


patterns = st.tuples(st.sampled_from(["", "(?m)", "(?s)"]), st.recursive(_atoms, _combine, max_leaves=6))


@settings(max_examples=300, deadline=None)
@given(patterns)
def test_generated_patterns_find_what_re_finds(parts: tuple[str, str]) -> None:
    text = "".join(parts)
    pattern, plan = plan_of(text)
    searched = [searchable(t) for t in TEXTS]
    want = _oracle(lambda: [pattern.search(t) is not None for t in searched])
    if plan.engine == "literal":
        return  # the literal path: tests/test_dashboard_store.py
    if plan.engine == "python":
        assert plan.reason
        return
    assert rust_answer(pattern, searched) == want, plan.rust


@settings(max_examples=150, deadline=None)
@given(patterns)
def test_generated_patterns_highlight_what_re_highlights(parts: tuple[str, str]) -> None:
    """Non-empty match spans (the highlights) agree too, on texts without trap characters."""
    pattern, plan = plan_of("".join(parts))
    if plan.engine != "rust":
        return
    matcher = LiveMatcher(pattern, plan)
    for text in ["ab Ab b", "aa bb a_b", "x y 1 2", "a" * 12, "é É ab"]:
        found = _oracle(lambda text=text: list(pattern.finditer(text)))
        expected = [m.span() for m in found if m.end() > m.start()]
        if any(m.end() == m.start() for m in found):
            continue  # after an empty match the engines may resume a character apart
        assert matcher.spans(text) == expected, (plan.rust, text)


# -- the job over a store ----------------------------------------------------------------


def entry(name: str, second: float, level: str, message: str) -> LogEntry:
    ts = f"2025-08-16T14:{int(second) // 60:02d}:{int(second) % 60:02d}.{int(second * 1e6) % 1_000_000:06d}"
    return LogEntry(name, ts, level, message, f"{ts}Z [{level}] {message}", "stdout", ts + "000Z")


WORDS = ["timeout", "Refused", "ok", "stop", "ünï", "ÜNÏ", "k9", "x.y", "\x1b[31merror\x1b[0m", "id"]
WORDS += ["İd", "a\u0301b", "٣", "\x1c", "café", "CAFÉ", "time d out", "aaaa"]
SEARCHES = ["timeout", "TIMEOUT|refused", r"time(out|d out)", r"\bok\b", r"ok$", r"^ok", r"k\d"]
SEARCHES += [r"\w+\s\w+", "ünï", "café", r"[a-f]+", r"(?m)^ok$", r"(?s)ok.stop", r"(?<=x)\.y", "a[b"]
SEARCHES += [r"(ok|stop) \1", r"\d", r"\s", r"\W", r"\Bk", "ok\n", "(a+)+$", r"[^a-z ]", "id", r"ID\b"]
SEARCHES += [r"error", r"\[31m", r"b$"]


@pytest.mark.parametrize("seed", range(4))
def test_a_search_job_equals_filter_select_as_entries_come_and_go(seed: int, monkeypatch) -> None:
    """Same rows, same order, as testing every entry of the merge: literal, Rust and `re`
    engines; multi-line, coloured and non-ASCII messages; blocks kept across searches
    while entries arrive (out of order, equal stamps) and are evicted."""
    monkeypatch.setattr(search_rust, "BLOCK", [3, 7, 64, 8192][seed])
    rng = random.Random(seed)
    store = LogStore(max_lines_per_container=rng.choice([30, 200]))
    caches = SearchCaches(texts=store._texts)
    clocks = {"a": 0.0, "b": 0.0, "c": 0.0}
    engines = set()
    try:
        for _ in range(12):
            name = rng.choice("abc")
            batch = []
            for _ in range(rng.randint(1, 25)):
                clocks[name] += rng.choice([0.0, 0.5, 1.0]) if rng.random() < 0.9 else -3.0
                w = rng.choices(WORDS, k=rng.randint(1, 4))
                text = "\n".join(" ".join(w[i : i + 2]) for i in range(0, len(w), 2))
                level = rng.choice(["INFO", "ERROR", "DEBUG"])
                batch.append(entry(name, max(clocks[name], 0.0), level, text))
            store.add(name, batch)
            for text in rng.sample(SEARCHES, 10):
                pattern, plan = plan_of(text)
                engines.add(plan.engine)
                chosen = Filter(rng.choice([None, "a", "b"]), rng.choice(["DEBUG", "ERROR"]), pattern)
                expected = FilteredView()
                expected.rebuild(store, chosen)  # tests every entry
                outcome = SearchJob(plan, Snapshot.take(store, chosen), caches).run()
                assert outcome.done and outcome.searched == outcome.total
                assert [id(e) for e in outcome.rows] == [id(e) for e in expected.rows], text
                assert outcome.width == min(expected.width, outcome.width)
    finally:
        caches.process.close()
    assert engines == {"literal", "rust", "python"}


def test_a_python_search_reports_progress_and_stops_when_cancelled(monkeypatch) -> None:
    monkeypatch.setattr(search_job, "PROGRESS_S", 0.0)  # a report after every slice
    store = LogStore(max_lines_per_container=50_000)
    store.add("web", [entry("web", i / 100, "INFO", f"line {i} {'a' * 28}b") for i in range(20_000)])
    _, plan = plan_of(r"line \d*0 (?!x)")
    caches = SearchCaches(texts=store._texts)
    reports = []
    try:
        outcome = SearchJob(plan, Snapshot.take(store, Filter()), caches, progress=reports.append).run()
        assert outcome.done and len(outcome.entries) == 2000
        assert reports and all(0 < r.searched < 20_000 and not r.done for r in reports)
        assert [len(r.entries) for r in reports] == sorted(len(r.entries) for r in reports)
        # The same lines again with a pattern that backtracks on each: cancel within moments.
        _, slow = plan_of(r"(a+)+(?!x)$")
        cancel = threading.Event()
        job = SearchJob(slow, Snapshot.take(store, Filter()), caches, cancel=cancel)
        threading.Timer(0.3, cancel.set).start()
        started = time.monotonic()
        outcome = job.run()
        assert outcome.cancelled and not outcome.done and time.monotonic() - started < 2
        assert caches.process.kills >= 1
    finally:
        caches.process.close()


def test_the_regex_process_is_killed_at_its_deadline_and_comes_back() -> None:
    process = RegexProcess()
    try:
        assert process.run("search", "b", re.IGNORECASE, ["abc", "x", "B"], time.monotonic() + 5) == [0, 2]
        started = time.monotonic()
        stuck = process.run("search", r"(a+)+$", re.IGNORECASE, ["a" * 40 + "b"], time.monotonic() + 0.3)
        assert stuck is None and time.monotonic() - started < 1.5 and process.kills == 1
        spans = process.run("spans", "a+", re.IGNORECASE, ["xaaybA"], time.monotonic() + 5)
        assert spans == [[(1, 3), (5, 6)]]
    finally:
        process.close()


def test_translation_reads_pythons_syntax_not_rusts() -> None:
    """`{` alone, `\\Z`, `(?x)` and escapes are read by `re`'s parser, then written for Rust."""
    for text, rust in [
        ("a{", "(?i)a\\x{7B}"),
        (r"a\Z", "(?i)a\\z"),
        ("(?x) a b # comment", "(?i)ab"),
        (r"\u00e9\N{BULLET}", "(?i)\\x{E9}\\x{2022}"),
    ]:
        assert translate(text, re.IGNORECASE | re.UNICODE)[0] == rust
