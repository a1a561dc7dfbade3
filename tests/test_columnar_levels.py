"""`logtui.columnar.levels.levels_of` against `logtui.levels.level_of`, line for line.

The batch function decides most lines with Polars' regex (certain header shapes, lines
with no trigger of any rule) and sends the rest to `level_of`: its answers must be
`level_of`'s for every text. Checked on the hand-labelled corpus (and case and length
variants of it), on the benchmarks' bulk data, and on texts built from every rule's
triggers and from random and non-ASCII text, with the vectorised path forced.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_levels_corpus import load

from bench._data import bulk_data
from logtui.columnar import levels as columnar
from logtui.columnar.levels import levels_of
from logtui.levels import LEVEL_WORDS, level_of


def assert_same(texts: list[str]) -> None:
    """`levels_of` equals the per-line answers; the first difference is shown."""
    got, expected = levels_of(texts), [level_of(t) for t in texts]
    differences = [(t, g, e) for t, g, e in zip(texts, got, expected, strict=True) if g != e]
    assert not differences, differences[:5]


def decided_share(texts: list[str]) -> float:
    """The share of lines the vectorised path decides without `level_of`."""
    codes = columnar._codes_of(texts)
    return float(np.mean(codes != columnar._UNDECIDED))


def corpus_lines() -> list[str]:
    return [line for rows in load().values() for _, line in rows]


def test_the_corpus_lines_and_their_variants_get_level_ofs_answers() -> None:
    lines = corpus_lines()
    variants = [
        variant
        for line in lines
        for variant in (line, line.upper(), line.lower(), line.title(), line[:79], line[:80], line[:81])
    ]
    assert len(variants) >= columnar.VECTOR_MIN  # the vectorised path
    assert_same(variants)
    assert decided_share(variants) > 0.3


def test_the_bench_data_gets_level_ofs_answers() -> None:
    data = bulk_data(20_000).stdout.read_bytes()
    texts = [line[31:].decode("utf-8", "backslashreplace").rstrip() for line in data.split(b"\n")]
    assert len(texts) >= columnar.VECTOR_MIN
    assert_same(texts)
    assert decided_share(texts) > 0.95  # almost no line needs `level_of`


def test_a_small_batch_and_lone_surrogates_take_the_per_line_rules() -> None:
    texts = ["ERROR x", "\udce9 ERROR", '{"level":"info"}']
    assert levels_of(texts) == ["ERROR", "ERROR", "INFO"]
    with mock.patch.object(columnar, "VECTOR_MIN", 0):
        assert levels_of(texts * 1000) == ["ERROR", "ERROR", "INFO"] * 1000


EDGES = [
    *('{ "ERROR"', '{"level":"info"', '{"level":30a', '{"level":"30a"', '{"level":7,', '{"level":1000,'),
    *(
        '{"level":"EXCEPTION"',
        '{"level":"Silly"',
        '{"level":"nope","severity":"ERROR"}',
        '{"level" : "info"}',
    ),
    *("time=" + "x" * 60 + " level=criticalx", "time=" + "x" * 57 + " level=informationx y", "level=info"),
    *(
        "level=infox msg=1",
        "time=1 level=nope severity=ERROR x",
        "time=level=error x",
        "xlevel=error",
        "t=1 lvl=WARN",
    ),
    *(
        "mm mm ERROR x",
        "3m ERROR",
        "\x1b[31mERROR\x1b[0m x",
        "\x1b[0m ERROR",
        "[ERROR] x",
        "[1] ERROR",
        "<ERROR>",
    ),
    *(
        "\x1b[32m2025-08-16 13:00:00,003 INFO\x1b[0m app",
        "[1] 16 Aug 14:30:22.123 # x",
        "<13>ERROR",
        "=ERROR",
    ),
    *(
        "/ERROR",
        "_ERROR",
        "ERRORS x",
        "ERROR_x",
        "ERROR1 x",
        "TRACE1 x",
        "2025-08-16 13:00:00,003 Info x",
        "ERROR",
    ),
    *(
        "E0816 14:30:22.123456 1 x.go:1] m",
        "E/Tag( 12): m",
        "E",
        "FAILURE x",
        "1:C 16 Aug 2025 14:30:22.123 # x",
    ),
    *("03-17 16:13:38.811  1702  2395 D Tag: x", "2025-03-17 16:13:38.811  1702  2395 E Tag: x"),
    *(
        "1:M 16 Aug 2025 14:30:22.123 * x",
        "1755352800.123  1000  1702  2395 W t: x",
        "at=error code=H12",
        "at=info x",
    ),
    "R02-M1-N0 RAS KERNEL " + "AB " * 20 + "FATAL x",
    '203.0.113.5 - - [16/Aug/2025:13:00:00 +0000] "\\x16\\x03" 400 0',
    *(
        '1.2.3.4 - "GET / HTTP/1.1" 500 1 "GET / HTTP/1.1" 200 1 ',
        'x "GET / HTTP/1.1" 200 1 "GET / HTTP/1.1" 500 1 ',
    ),
    *(
        '"GET / HTTP/1.1" 404 ',
        '"\\x16" 500 ' + "x" * 90,
        "y" * 78 + '"\\x16" 500 ',
        "y" * 76 + '"\\x16" 500 ',
    ),
    *("Foo::Bar (msg):", "[a] Foo::Bar (msg):", "ValueError: x", "1 ValueError: x", "DeprecationWarning: x"),
    *("x" * 150 + " DeprecationWarning: x", "x" * 210 + " DeprecationWarning: x", "x [W] y", "a[E] b"),
    *("\u212aERROR", "ERROR \u0130", "\u017f ERROR", "\u0130ERROR", "\uff25\uff32\uff32\uff2f\uff32 x", ""),
]
"""Lines at the edge of each proof of the fast path (`logtui/columnar/levels.py`)."""


def test_lines_at_the_edges_of_the_fast_paths_proofs_get_level_ofs_answers() -> None:
    with mock.patch.object(columnar, "VECTOR_MIN", 0):
        assert_same(EDGES)


def any_case(word: str) -> st.SearchStrategy[str]:
    """The word in lower, upper or title case, or in a random mix."""
    mixed = st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(word, upper, strict=True))
    )
    return st.one_of(st.sampled_from([word, word.upper(), word.title()]), mixed)


WORDS = sorted({*LEVEL_WORDS, "silly", "exception", "levels", "errors", "Info2", "log", "at"})
FRAGMENTS = [
    *(
        " ",
        "  ",
        "\t",
        ":",
        ": ",
        "[",
        "]",
        "] ",
        "(",
        ")",
        "|",
        "=",
        "/",
        "_",
        "-",
        ".",
        ",",
        '"',
        "'",
        "\n",
    ),
    *("level=", "lvl=", "severity=", "PRIORITY=", "levelname=", "log_level=", "at=", "time=", "ts="),
    *('{"level":', '{"level": ', '{"level":"', '"level":', '{"s":"E"', '{"@l":', '"', "}", "30", "3", "1000"),
    *("2025-08-16 13:00:00,003 ", "2025-08-16T13:00:00.003Z ", "03-17 16:13:38.811  1702  2395 ", "D ", "E "),
    *("1:M 16 Aug 2025 14:30:22.123 ", "# ", "* ", "[1] 16 Aug 14:30:22.123 ", "<13>", "<191>", "<999>"),
    *("E0816 14:30:22.123456 1 x.go:1] ", "E/Tag( 12): ", "W/", "I0", "1742.123 ", "12:", "12-"),
    *('"GET / HTTP/1.1" 500 ', '" 404 ', '"POST /x?a=b HTTP/2" 200 ', '"\\x16\\x03" 400 ', " HTTP/"),
    *("ValueError: ", "java.lang.X: ", 'Exception in thread "main" ', "Foo::Bar (msg):", "Exception"),
    *("DeprecationWarning: ", "Warning: ", "Error", "::", "[W] ", "[E] ", "[T]", "[I] "),
    *("\x1b[31m", "\x1b[0m", "\x1b[1;32m", "m", "mERROR", "set to ", "a b ", "the log ", "msg="),
    *("\u212a", "\u017f", "\u0130", "\uff25\uff32\uff32\uff2f\uff32", "\u00e9", "\u00b2", "\u00a0", "\u2028"),
]
PADDING = st.builds(
    lambda c, n: c * n, st.sampled_from(["x", " ", "A", "-", "1", "a b "]), st.integers(0, 90)
)
OPENINGS = [
    *("", "2025-08-16 13:00:00,003 ", "2025-08-16T13:00:00.003Z ", "2025-03-17 16:13:38.811  1702  2395 "),
    *("03-17 16:13:38.811  1702  2395 ", "03-17 16:13:38.811 ", "1755352800.123  1000  1702  2395 "),
    *("1:M 16 Aug 2025 14:30:22.123 ", "[1] 16 Aug 14:30:22.123 ", "<13>", "<191>1 ", "<9999>", "<"),
    *("E0816 14:30:22.123456 1 x.go:1] ", "I0816 ", "E/Tag( 12): ", "W/x: ", "V/", "A"),
    *('{"level":', '{"level": ', '{"level":"', "{", "{ ", '{"lvl":"', '{"s":"E","x":1} ', '{"level":3'),
    *('{"level":7,', '{"level":"7"', '{"level":30a', '{"level":"info"', '{"level": "WARN" ', '{"level":61}'),
    *("time=2025-08-16T13:00:00.003Z ", "ts=1 ", "t=x ", "at=", "level=", "lvl=", "time=x level="),
    *("\x1b[32m", "\x1b[1;31m", "\x1b[0m 2025 ", "\x1b[m", "3m ", "[m", "mm mm ", "a b "),
    *("[", "[ ", "(", "[2025-08-16 13:00:00] ", "203.0.113.5 - - [16/Aug/2025:13:00:00 +0000] "),
    *("ValueError: ", "java.lang.IllegalStateException: x", 'Exception in thread "main" ', "x "),
    *("Unhandled exception. System.X: y", "Foo::Bar (msg):", "[req-1] ActionView::Template::Error (x):"),
    *("/app/x.py:12: DeprecationWarning: ", "(node:1) [DEP0040] DeprecationWarning: "),
    *("R02-M1-N0 RAS KERNEL ", "A B C D ", "AB " * 30),
]
"""What lines open with: every rule's layouts and the fast path's certain shapes."""
WORD = st.sampled_from(WORDS).flatmap(any_case)
PIECE = st.one_of(
    st.sampled_from(FRAGMENTS),
    WORD,
    st.sampled_from(["D ", "E ", "I ", "W ", "F ", "A ", "T ", "M ", "# ", "* ", "] ", ": ", "1", "7", ","]),
    PADDING,
    st.text(max_size=6),
    st.text(alphabet="aeErRIiNnFfOoWw0123456789 =:[]m", max_size=8),
)
OPENING = st.one_of(
    st.sampled_from(OPENINGS),
    st.sampled_from(OPENINGS).map(str.upper),
    st.lists(st.sampled_from(OPENINGS), min_size=2, max_size=3).map("".join),
)
TEXT = st.builds(lambda opening, pieces: opening + "".join(pieces), OPENING, st.lists(PIECE, max_size=10))
"""A line: an opening, then pieces."""
NEAR_THE_EDGE = st.builds(
    lambda opening, filler, word, tail: opening + filler + word + tail,
    st.sampled_from(["", "time=", '{"level":"', "2025-08-16 13:00:00,003 ", "\x1b[32m", "[", "x ", "1 "]),
    st.text(alphabet=" x-:=;m0", max_size=84),
    st.one_of(WORD, st.sampled_from(["level=info", " lvl=WARN", " level=error", "Warning: ", " HTTP/"])),
    st.sampled_from(["", " ", "x", "2", "] x", ": x", "_", "= x", "s", "ing"]),
)
"""A level word, key or trigger placed anywhere, also across the 80th character."""


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(TEXT, NEAR_THE_EDGE), min_size=1, max_size=60))
def test_texts_from_every_rules_triggers_get_level_ofs_answers(texts: list[str]) -> None:
    with mock.patch.object(columnar, "VECTOR_MIN", 0):
        assert_same(texts)
