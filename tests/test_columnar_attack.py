"""Adversarial inputs for the columnar grouping (`logtui.columnar.grouping.ChunkGrouper`).

A hostile server sends any bytes; the columnar path must still give exactly what
`EntryAssembler.feed_text` gives (every field, `compact()`, the assembler's state after each
chunk), also across `flush()` between chunks. Lines here are built from the edges of the
assembler's rules: Unicode and ASCII white space at either end, stamps in every form the
regex accepts or nearly accepts (lower-case `t`/`z`, offsets, short fractions, non-ASCII
digits), level tags, Java exception lines (also opening with `_` or `$`), tracebacks,
goroutine dumps, PostgreSQL fields near and past their window, escape sequences, CR.
"""

from __future__ import annotations

import tracemalloc

import pytest
from columnar_support import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logtui.columnar import grouping, levels
from logtui.columnar.lines import line_facts

STAMP = "2025-08-16T14:30:22.{:09d}Z "


@pytest.fixture
def columnar_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chunk, however small, takes the columnar path (batch levels too)."""
    monkeypatch.setattr(grouping, "MIN_CHARS", 0)
    monkeypatch.setattr(levels, "VECTOR_MIN", 0)


@pytest.mark.parametrize("exception", ["_app.BadThingError:  boom", "$Proxy1.ProxyException:  x"])
def test_java_exception_line_opening_with_underscore_or_dollar_joins_its_warning(
    exception: str, columnar_always: None
) -> None:
    """`_JAVA_EXC_RE` lets a package name open with `_` or `$`. The assembler's hot loop
    reaches `_joins` for such a line through `":  "` in its window, and the line joins the
    warning before it; it starts with no lower-case letter, so the columnar facts took it
    for a line that surely opens an entry."""
    lines = ["[WARNING] slow", exception, "[INFO] after"]
    text = "\n".join(STAMP.format(i) + line for i, line in enumerate(lines))
    assert run([text], [False], columnar=True) == run([text], [False], columnar=False)


def test_a_line_packed_with_field_separators_costs_little_memory() -> None:
    """Only the `:  ` within PostgreSQL's window count, so only those are looked at: a
    hostile 1 MiB line of them took ~53 MB of index arrays (an 8 MiB line, the longest
    a reader passes on, ~440 MB and 3 s) where the assembler reads 100 characters."""
    data = (STAMP.format(0) + "DETAIL" + ":  " * ((1 << 20) // 3) + "x").encode()
    tracemalloc.start()
    try:
        facts = line_facts(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert facts.plain.tolist() == [False]
    assert peak < 24 * len(data)


SPACES = ["", " ", "\t", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u2028", "\u3000", "\r", "\x1b[0m"]
HEADS = [
    *("", "", "[WARNING] ", "ERROR ", "[ERROR] ", "WARNING ", "ERROR: ", "[warn]: ", "CRITICAL "),
    *("[INFO] ", "INFO ", "error: ", "Error: ", "\x1b[31mERROR\x1b[0m ", "level=warn "),
    '{"level":"error","msg":"',
    *("E0816 14:30:22.123 1 x.go:1] ", "2025-08-16 13:00:00 UTC [1] ", "LOG:  ", "WARNING:  ", "ERROR:  "),
]
BODIES = [
    *("", "x", "slow", "retrying", "ok", "T", "Dx", "Ende", "Cx", "gx", "_", "$", ":  ", "foo:  bar"),
    "panic: oops",
    *("_foo.BarError:  boom", "$x.YException:  z", "_a.BError: c", "java.lang.IllegalStateException: boom"),
    *("Traceback (most recent call last):", '  File "x.py", line 1', "ValueError: x", "KeyboardInterrupt"),
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
    *("Caused by: x", "goroutine 1 [running]:", "main.main()", "created by main.main in goroutine 1"),
    *("\t/app/x.go:1 +0x1", "at x", "... 3 more", "Exception in thread Thread-1:"),
    "Exception Group Traceback (most recent call last):",
    *("DETAIL:  x", "xDETAIL:  y", "HINT:  h", "a STATEMENT:  s"),
    *("x" * 95 + "QUERY:  q", "é" * 40 + "CONTEXT:  c"),
    *("émigré", "Ärger", "١٢٣", "\\xff\\xfe", "\ud800"),
]
NANOS = [1, 2, 3, 40_000_000, 60_000_000, 999_999_999]


@st.composite
def stamps(draw: st.DrawFn) -> str:
    """Docker's fixed stamp mostly; else every other form the regex accepts, or nearly."""
    n = draw(st.sampled_from(NANOS))
    form = draw(st.sampled_from([0] * 24 + list(range(1, 10))))
    return [
        f"2025-08-16T14:30:22.{n:09d}Z ",
        f"2025-08-16T14:30:{n % 60:02d}Z ",  # podman
        "",  # no stamp
        "2025-08-16T14:30:22.1234Z ",
        f"2025-08-16t14:30:22.{n:09d}z ",
        f"2025-08-16T14:30:22.{n:09d}+00:00 ",
        "2025-08-16T14:30:22.\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669Z ",  # Arabic-Indic
        f"2025-08-16T14:30:2\u0663.{n:09d}Z ",
        f"2025-08-16T14:30:22.{n:09d}Z",  # no space: the whole line is the stamp
        f"2025-08-16T14:30:22.{n:09d}Z  ",  # two spaces: indented text
    ][form]


@st.composite
def hostile_lines(draw: st.DrawFn) -> str:
    stamp = draw(stamps())
    before = draw(st.sampled_from(SPACES)) if draw(st.integers(0, 9)) == 0 else ""
    after = draw(st.sampled_from(SPACES)) if draw(st.integers(0, 9)) == 0 else ""
    head = draw(st.sampled_from(HEADS))
    body = draw(st.sampled_from(BODIES))
    if draw(st.integers(0, 9)) == 0:
        body = draw(st.text(st.sampled_from("aA_$.:  \t\r\x1b[]Eé\x85\u2028DETAIL"), max_size=12)) + body
    return stamp + before + head + body + after


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(hostile_lines(), min_size=1, max_size=60),
    cuts=st.lists(st.integers(1, 30), min_size=1, max_size=5),
    flush_at=st.lists(st.booleans(), min_size=1, max_size=5),
    crlf=st.booleans(),
)
def test_hostile_chunks_group_as_the_assembler_does(
    rows: list[str], cuts: list[int], flush_at: list[bool], crlf: bool, columnar_always: None
) -> None:
    chunks, at, turn = [], 0, 0
    while at < len(rows):
        size = cuts[turn % len(cuts)]
        chunks.append(("\r\n" if crlf else "\n").join(rows[at : at + size]))
        at += size
        turn += 1
    flushes = [flush_at[i % len(flush_at)] for i in range(len(chunks))]
    assert run(chunks, flushes, columnar=True) == run(chunks, flushes, columnar=False)
