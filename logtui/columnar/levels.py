"""`level_of` for a whole batch of lines: Polars' Rust regex decides most lines at once.

`levels_of(texts)` equals `[level_of(t) for t in texts]`, line for line. In a large batch,
a line is decided by a vectorised test only when that test is proven to give `level_of`'s
answer for every line it accepts; any other line goes to `level_of` itself:

- a certain header shape: JSON opening with `{"level":"info"` or `{"level":30,`, logfmt
  opening with `level=info` or `time=... level=info`, or an upper-case level word as the
  first letters of the line (`2025-08-16 14:30:22,123 ERROR x`, `ESC[32mINFO ...`);
- no trigger: no cheap test of any rule can fire (no `{` first, no digit layout, no
  logfmt key, no level word anywhere in the header in any case, no exception or warning
  class name, ...): None, or an HTTP access line's status (5xx ERROR, 4xx WARNING).

Only ASCII lines take the vectorised path: Rust's regex, Polars' byte offsets and Python's
case rules agree on ASCII, and the proofs below assume it. The patterns use explicit ASCII
classes (`[0-9]`, `[Ee][Rr]...`), never `\\d`, `\\w`, `\\s` or `(?i)`.
"""

from __future__ import annotations

from typing import Any

from logtui.levels import _KEY_WORDS, HEADER_CHARS, LEVEL_WORDS, _numeric_level, level_of

__all__ = ["VECTOR_MIN", "levels_counted", "levels_of"]

VECTOR_MIN = 2000
"""Below this many lines, the per-line rules: each Polars call costs ~100 µs."""

_LEVELS: tuple[str | None, ...] = (None, "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_CODE = {level: code for code, level in enumerate(_LEVELS)}
_UNDECIDED = len(_LEVELS)
"""The code of a line left to `level_of`."""
_ACCESS_PENDING = _UNDECIDED + 1
"""The code of a line whose level is its HTTP status (if any): no other rule fires."""
_NUMERIC_CODES = tuple(_CODE[_numeric_level(n)] for n in range(1000))
"""`_numeric_level` of 0-999 (a JSON level of up to 3 digits)."""
_STATUS_CODES = {"5": _CODE["ERROR"], "4": _CODE["WARNING"]}


def _any_case(word: str) -> str:
    """`error` -> `[Ee][Rr][Rr][Oo][Rr]`: ASCII case-insensitive, never Unicode folding
    (Rust's `(?i)k` also matches the KELVIN SIGN)."""
    return "".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word)


def _codes(words: dict[str, str]) -> dict[str, int]:
    """Word -> level code, for the word in lower, upper and title case (a key's word in
    another case is not found: its line goes to `level_of`)."""
    return {
        spelling: _CODE[level]
        for word, level in words.items()
        for spelling in (word, word.upper(), word.title())
    }


_BY_LENGTH = sorted(LEVEL_WORDS, key=lambda w: (-len(w), w))
_WORDS_ANY_CASE = "|".join(_any_case(w) for w in _BY_LENGTH)
_WORDS_UPPER = "|".join(w.upper() for w in _BY_LENGTH)
_UPPER_CODES = {w.upper(): _CODE[level] for w, level in LEVEL_WORDS.items()}
_KEY_CODES = _codes(_KEY_WORDS)

# --- certain shapes, in the header (one regex, a group for each) ---------------------------

# JSON: `_JSON_LEVEL_RE.search` finds its leftmost match, which starts at the first `"`:
# here index 1, `"level"`, with this value (`[A-Za-z]+\d?` then `"`; `\d{1,3}` then `"`;
# `\d{1,3}\b`, a non-word character after). A number means `_numeric_level`.
_JSON = r'\{"level": ?(?:"(?P<word>[A-Za-z]+)"|"(?P<quoted>[0-9]{1,3})"|(?P<number>[0-9]{1,3})[,} ])'

# logfmt: the only field start before `level=` is the line's start, whose key (`time`,
# `ts`, `t`) is no level key, and `_logfmt_level` accepts the first field-start match
# whose word is a level word (no earlier match overlaps a field start: a match ends before
# the next space). The space after the word lies in the header, so the logfmt window
# holds the same word. Nothing fires before logfmt: the line opens with a lower-case
# letter, and the header holds an `=`.
_LOGFMT = r"(?:(?:time|ts|t)=[^ \t=]{0,60} )?(?:level|lvl)=(?P<logfmt>[A-Za-z]+) "

# An upper-case level word as the header's first letters, at a word start, after no
# letter but the `m` ending a colour escape (`ESC[32m`: after a digit, `;` or `[`).
# `level_of` returns LEVEL_WORDS[word.lower()]:
# - rule 1: `{` first and a logfmt key are excluded (_OPENING, _TEXT_TRIGGER); `at=`
#   cannot open the line (`at` is no level word).
# - rule 2: `<DIGIT` and `[DIGITS] ` openings are excluded (_OPENING). A line opening
#   with a letter opens with the word, whose second character is a letter: no `E/Tag`, no
#   `E0816`. The digit layouts need an upper-case letter followed by a space or `/`
#   (logcat's `D`, redis's `M`) or logcat's `T` right after a digit; the first upper-case
#   letter is the word's first, after no digit, followed by a letter (each level word
#   opens with three letters).
# - rule 3: no candidate before the word (no letter but `m`s; no level word starts with
#   `m`); the word is the first, in upper case: the character two before it is no
#   lower-case letter, or it is an `m` and `_PROSE_RE` cannot match before the word (it
#   needs a letter right after a space; the only letters there follow a digit, `;`, `[`).
_PREFIX = r"(?:[^A-Za-z]|[0-9;\[]m)*"
_UPPER = rf"{_PREFIX}(?:^|[^A-Za-z0-9_=/])(?P<upper>{_WORDS_UPPER})(?:[^A-Za-z0-9_]|$)"

_SHAPES = f"^(?:{_JSON}|{_LOGFMT}|{_UPPER})"
"""Tried in this order at the line's start (Rust's alternation is leftmost-first)."""

# --- triggers: a line with none states no level, or only its HTTP status -----------------

_OPENING = r"^(?:\{|<[0-9]|\[[0-9]+\] |[VDIWEFA][/0-9])"
"""Rule 1's JSON and rule 2's openings: `<PRI>`, old redis `[1] 16 Aug`, logcat `E/Tag`,
glog `E0816` (a superset of what `_layout_level` matches)."""

_HEAD_TRIGGER = "(?s)" + "|".join(
    (
        # `level_of`'s test for a digit layout, both branches (a superset): `head[4] == "-"`
        # and `head[23:25]` in `_AFTER_MS`; `":" in head[1:7]`, `head[2] == "-"`,
        # `head[10] == "."`.
        r"^[0-9](?:.{3}-.{18}(?:  | [0-9])|.{0,5}:|.-|.{9}\.)",
        # Rule 3's candidate (`_CANDIDATE_RE` on `" " + head.lower()`): a level word in any
        # case at a word start, not after `=` or `/`.
        rf"(?:^|[^A-Za-z0-9_=/])(?:{_WORDS_ANY_CASE})(?:[^A-Za-z0-9_]|$)",
        r"\[[TDIWEF]\] ",  # `_LETTER_FIELD_RE`
        r"^[^a-z]{80}",  # rule 4 (a superset): a header without a lower-case letter
        r"^[^0-9].*(?:Error|Exception|::)",  # rule 6's exception, unless a digit opens
    )
)
"""Any of these in the header: `level_of` may find a level (or an exception) there."""

_TEXT_TRIGGER = "|".join(
    (
        r"^at=",  # Heroku
        # `_LOGFMT_RE`'s key at a field start: `_logfmt_level` accepts only a match at a
        # field start, and no earlier match overlaps one (a match ends before the next
        # space); without one, logfmt states nothing.
        r"(?:^|[ \t])(?:level|levelname|lvl|loglevel|log_level|severity|PRIORITY)=",
        r"Warning: ",  # rule 6's warning class
    )
)
"""Any of these anywhere (a superset of `level_of`'s windows of 160 and 200)."""

_ACCESS_FLAG = r' HTTP/|"\\x'
"""A superset of `_unstated_level`'s test (`" HTTP/" in text or '"\\x' in head`)."""

_ACCESS = r'"(?:[A-Z]{3,10} [^"]* HTTP/[0-9](?:\.[0-9])?|(?:\\x[0-9A-Fa-f]{2})+)" [1-5][0-9][0-9] '
"""`_ACCESS_RE` with ASCII classes, without its group (see `_access_codes`)."""


def levels_of(texts: list[str]) -> list[str | None]:
    """The level each line states: identical to `[level_of(t) for t in texts]`.

    Large batches are decided mostly by Polars (Rust regex over the column), the rest by
    `level_of`; small ones (and a batch Polars cannot hold: lone surrogates) line by line."""
    return levels_counted(texts)[0]


def levels_counted(texts: list[str]) -> tuple[list[str | None], int]:
    """`levels_of`, and how many lines the per-line rules decided: a caller whose lines
    are mostly left to them (tracebacks, PostgreSQL) does better calling `level_of` itself."""
    if len(texts) < VECTOR_MIN:
        return [level_of(t) for t in texts], len(texts)
    import numpy as np

    try:
        codes = _codes_of(texts)
    except UnicodeEncodeError:  # lone surrogates are no UTF-8: Polars cannot hold them
        return [level_of(t) for t in texts], len(texts)
    table = np.array([*_LEVELS, None, None], dtype=object)
    levels: list[Any] = table[codes].tolist()
    undecided = np.flatnonzero(codes == _UNDECIDED).tolist()
    for i in undecided:
        levels[i] = level_of(texts[i])
    return levels, len(undecided)


def _codes_of(texts: list[str]) -> Any:
    """Each line's level code (an index into `_LEVELS`) or `_UNDECIDED`, as a numpy array."""
    import numpy as np
    import polars as pl

    series = pl.Series("t", texts, dtype=pl.String)
    t, head, shape = pl.col("t").str, pl.col("head").str, pl.col("shape").struct
    frame = series.to_frame().with_columns(head=t.slice(0, HEADER_CHARS))
    parts = frame.select(
        shape=head.extract_groups(_SHAPES),
        ascii=t.len_bytes() == t.len_chars(),
        head_trigger=head.contains(_HEAD_TRIGGER),
        text_trigger=t.contains(_TEXT_TRIGGER),
        opening=head.contains(_OPENING),
        access=t.contains(_ACCESS_FLAG),
    ).select(
        pl.col("ascii", "head_trigger", "text_trigger", "opening", "access"),
        key=pl.coalesce(shape.field("word"), shape.field("logfmt"))
        .replace_strict(_KEY_CODES, default=-1, return_dtype=pl.Int8)
        .fill_null(-1),
        number=pl.coalesce(shape.field("quoted"), shape.field("number")).cast(pl.Int16).fill_null(-1),
        upper=shape.field("upper")
        .replace_strict(_UPPER_CODES, default=-1, return_dtype=pl.Int8)
        .fill_null(-1),
    )
    c = {name: parts[name].to_numpy() for name in parts.columns}
    upper_ok = (c["upper"] >= 0) & ~c["opening"] & ~c["text_trigger"]
    codes = np.select(
        [
            ~c["ascii"],
            c["key"] >= 0,
            c["number"] >= 0,
            upper_ok,
            c["head_trigger"] | c["text_trigger"] | c["opening"],
            c["access"],
        ],
        [
            _UNDECIDED,
            c["key"],
            np.array(_NUMERIC_CODES, dtype=np.int8)[c["number"]],
            c["upper"],
            _UNDECIDED,
            _ACCESS_PENDING,
        ],
        default=_CODE[None],
    ).astype(np.int8)
    pending = np.flatnonzero(codes == _ACCESS_PENDING)
    if len(pending):
        codes[pending] = _access_codes(series.gather(pending))
    return codes


def _access_codes(series: Any) -> Any:
    """`_unstated_level`'s answer for ASCII lines that no other rule can decide: 5xx ERROR,
    4xx WARNING, else None (no exception or warning follows: no trigger fired).

    The status is found without capture groups (slow in Rust for `[^"]*`): `find` gives
    the start of `_ACCESS_RE`'s leftmost match, the same in both engines. A match holds no
    `"` between its quotes, so its closing quote is the first after its start, and the
    status digit is two characters further."""
    import polars as pl

    t = pl.col("t").str
    exact = t.contains(" HTTP/", literal=True) | t.slice(0, HEADER_CHARS).str.contains('"\\x', literal=True)
    start = pl.when(exact).then(t.find(_ACCESS)) + 1
    quote = t.slice(start).str.find('"', literal=True)
    status = t.slice(start + quote + 2, 1)
    code = status.replace_strict(_STATUS_CODES, default=_CODE[None], return_dtype=pl.Int8)
    return series.to_frame().select(code.fill_null(_CODE[None])).to_series().to_numpy()
