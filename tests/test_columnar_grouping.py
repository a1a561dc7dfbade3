"""The columnar grouping (`logtui.columnar.grouping.ChunkGrouper`) against the assembler.

`ChunkGrouper.feed_text` must give exactly what `EntryAssembler.feed_text` gives, chunk after
chunk, and leave the assembler in the same state (the next chunk, a quiet-stream flush or a
small live chunk go to the assembler itself). Lines are drawn from every grouping rule's
triggers: plain one-line entries at every level, lower-case lines after warnings,
tracebacks, Go and Java stacks, PostgreSQL fields, unstamped and podman-stamped lines,
CRLF, colours, trailing and leading white space, non-ASCII.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from columnar_support import entry_key, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logtui.assembler import EntryAssembler
from logtui.columnar import grouping, levels
from logtui.columnar.grouping import ChunkGrouper
from logtui.columnar.lines import line_facts
from logtui.reader import StreamReader

STAMP = "2025-08-16T14:30:22.{:09d}Z "
TEXTS = [
    "[INFO] plain line",
    "ERROR something failed",
    "WARNING disk almost full",
    "[WARN] slow",
    "level=info msg=ok",
    "time=2025 level=error msg=bad",
    '{"level":"warn","msg":"x"}',
    "GET /x 200",
    "lower case after a warning",
    "lowercase",
    "Traceback (most recent call last):",
    '  File "/app/x.py", line 1, in f',
    "ValueError: boom",
    "KeyboardInterrupt",
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
    "Exception in thread Thread-1:",
    "Exception Group Traceback (most recent call last):",
    "goroutine 1 [running]:",
    "main.main()",
    "main.handler(0xc000010000)",
    "\t/app/main.go:42 +0x1d",
    "created by main.main in goroutine 1",
    "panic: oops",
    "java.lang.IllegalStateException: boom",
    "\tat com.example.Main.main(Main.java:7)",
    "Caused by: java.io.IOException: disk full",
    "ERROR:  relation does not exist",
    "DETAIL:  Key (id)=(1) already exists.",
    "LOG:  checkpoint starting: time",
    "2025-08-16 13:00:00.003 UTC [8278] LOCATION:  exec_simple_query, postgres.c:1234",
    "xQUERY:  run into a word",
    "STATEMENT:  SELECT 1",
    "x" * 90 + " HINT:  far away",
    "trailing space ",
    "trailing tab\t",
    "ends in nbsp\xa0",
    "ends in é",
    "émigré starts non-ASCII",
    "Ärger upper non-ASCII",
    "\x1b[31m[ERROR]\x1b[0m coloured",
    "[ERROR]\x1b[0m half coloured",
    "carriage\r",
    "",
    " ",
    "Ende",
    "Disk ok",
    "DEBUG cache warm",
    "Casual line",
    "Durable write",
    "The end",
    "Traceless",
    "Exceptional day",
    "goroutines are fine",
    "go away",
    "T",
    "CRITICAL: down",
    "[error] lower bracket",
    "Error: node style",
]


def stamped(index: int, text: str, form: int) -> str:
    if form == 0:
        return STAMP.format(index) + text
    if form == 1:
        return f"2025-08-16T14:30:{index % 60:02d}Z " + text  # podman: whole seconds
    if form == 2:
        return text  # no stamp: docker's own message, or a broken line
    return "2025-08-16T14:30:22.1234Z " + text  # short fraction


lines_strategy = st.lists(
    st.tuples(st.sampled_from(TEXTS), st.sampled_from([0, 0, 0, 0, 0, 1, 2, 3])), min_size=1, max_size=120
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=lines_strategy,
    cuts=st.lists(st.integers(1, 40), min_size=1, max_size=6),
    flush_at=st.lists(st.booleans(), min_size=1, max_size=6),
)
def test_chunks_group_as_the_assembler_does(rows, cuts, flush_at, monkeypatch_min_chars) -> None:
    lines = [stamped(i, text, form) for i, (text, form) in enumerate(rows)]
    chunks, at, turn = [], 0, 0
    while at < len(lines):
        size = cuts[turn % len(cuts)]
        chunks.append("\n".join(lines[at : at + size]))
        at += size
        turn += 1
    flushes = [flush_at[i % len(flush_at)] for i in range(len(chunks))]
    assert run(chunks, flushes, columnar=True) == run(chunks, flushes, columnar=False)


@pytest.fixture
def monkeypatch_min_chars():
    """Every chunk, however small, takes the columnar path (levels too)."""
    saved = grouping.MIN_CHARS, levels.VECTOR_MIN
    grouping.MIN_CHARS = levels.VECTOR_MIN = 0
    yield
    grouping.MIN_CHARS, levels.VECTOR_MIN = saved


def test_plain_runs_skip_the_assembler(monkeypatch, monkeypatch_min_chars) -> None:
    """The point of it: a chunk of one-line entries reaches the assembler's loop only at
    the few lines where a run starts or may not go on."""
    seen: list[int] = []
    original = EntryAssembler._feed

    def counting(self, lines, escapes=False):
        seen.append(len(lines))
        return original(self, lines, escapes)

    monkeypatch.setattr(EntryAssembler, "_feed", counting)
    text = "\n".join(stamped(i, f"[INFO] request {i} done", 0) for i in range(1000))
    text += "\n" + stamped(1000, "[WARNING] slow", 0) + "\n" + stamped(1001, "retrying", 0)
    entries = ChunkGrouper(EntryAssembler("c", "stdout")).feed_text(text)
    assert len(entries) == 1001  # the last, a warning and its lower-case line, is held
    assert sum(seen) <= 3


def test_line_facts_err_on_the_safe_side() -> None:
    """Each reason a line may continue an entry makes it not plain."""
    texts = [
        "[INFO] ok",
        " indented",
        "Traceback (x)",
        "",
        "trailing ",
        "a DETAIL:  b",
        "x" * 500 + "HINT:  far",
    ]
    data = "\n".join(STAMP.format(1) + t for t in texts) + "\nno stamp at all here, long enough"
    facts = line_facts(data.encode())
    assert facts.plain.tolist() == [True, False, False, False, False, False, True, False]
    podman = line_facts(b"2025-08-16T14:30:22Z [INFO] whole seconds\n2025-08-16T14:30:22X [INFO] no")
    assert podman.plain.tolist() == [True, False] and podman.stamp.tolist() == [21, 0]
    assert facts.stamp.tolist()[:2] == [31, 0]
    # `LOG:  ` and `WARNING:  ` open PostgreSQL entries: only its continuation fields count.
    pg = line_facts("\n".join(STAMP.format(1) + t for t in ["LOG:  x", "WARNING:  y", "QUERY:  z"]).encode())
    assert pg.plain.tolist() == [True, True, False]
    assert facts.lowerish.tolist()[4:7] == [True, True, True]
    assert facts.tagged.tolist()[0] and not facts.tagged.tolist()[1]


def test_big_chunks_of_the_level_corpus_group_as_before() -> None:
    """Every hand-labelled line of the level corpus, through `StreamReader` in 64 KiB chunks
    (the columnar path) and through the assembler whole."""
    rows = []
    for path in sorted((Path(__file__).parent / "data" / "levels").glob("*.tsv")):
        rows += [r.split("\t", 1)[1] for r in path.read_text("utf-8").split("\n") if r and r[0] != "#"]
    data = "\n".join(STAMP.format(i) + text for i, text in enumerate(rows * 20)) + "\n"
    raw = data.encode()
    reader = StreamReader("c", "stdout", mask=False)
    got = [e for at in range(0, len(raw), 1 << 16) for e in reader.feed(raw[at : at + (1 << 16)])]
    got += reader.close()
    assembler = EntryAssembler("c", "stdout")
    want = assembler.feed_text(data.removesuffix("\n")) + assembler.flush()
    assert [entry_key(e) for e in got] == [entry_key(e) for e in want]
    assert len(want) > 10_000


@pytest.mark.parametrize(
    "lines",
    [
        # A Go dump past MAX_ENTRY_LINES: the frame that opens the rest keeps the stack's state,
        # so the next (upper-case, plain-looking) frame still joins it.
        ["panic: boom", "goroutine 1 [running]:"]
        + ["main.f()"] * 1200
        + ["Foo.bar()", "Baz.qux()", "[INFO] after"],
        # A lower-case line after a warning near MAX_ENTRY_CHARS opens the rest of it, which
        # keeps the warning's level although it states none.
        [
            "[WARNING] " + "w" * (256 * 1024 - 200),
            "retrying later " + "r" * 300,
            "[INFO] after",
            "[INFO] more",
        ],
    ],
)
def test_entries_cut_at_their_bounds_keep_their_state(lines: list[str], monkeypatch_min_chars) -> None:
    text = "\n".join(stamped(i, line, 0) for i, line in enumerate(lines))
    assert run([text], [False], columnar=True) == run([text], [False], columnar=False)
