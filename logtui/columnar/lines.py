"""What can be told about every line of a chunk at once, from its bytes (numpy).

The grouping rules (`logtui.assembler`) need a line's own text only when it might continue
the entry before it. Most lines cannot: they open with Docker's fixed stamp, their text
starts with none of the characters a continuation starts with, and so on. `line_facts`
finds those lines for a whole chunk in a few array operations, so the exact per-line code
runs only on the rest. Every test here errs on the safe side: a line it is unsure of is
simply not `plain`, and the exact code decides it. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..continuation import (
    _CHAIN_PREFIXES,
    _CONT_FIRST,
    _JAVA_EXC_RE,
    _PG_FIELD_WORDS,
    _PG_WINDOW,
    _TB_PREFIXES,
)

STAMP_BYTES = 31
"""`2025-08-16T14:30:22.123456789Z ` : Docker's fixed stamp and the space after it."""
WHOLE_BYTES = 21
"""`2025-08-16T14:30:22Z ` : podman's whole-second stamp and the space after it."""

_TEMPLATE = b"0000-00-00T00:00:00.000000000Z "
_LOW = np.frombuffer(_TEMPLATE, np.uint8)
_HIGH = np.frombuffer(_TEMPLATE.replace(b"0", b"9"), np.uint8)
"""A fixed stamp's bytes lie between these, position by position: a digit or the separator."""
_WHOLE = b"0000-00-00T00:00:00Z "
_WHOLE_LOW = np.frombuffer(_WHOLE, np.uint8)
_WHOLE_HIGH = np.frombuffer(_WHOLE.replace(b"0", b"9"), np.uint8)
_OPENINGS = (*_TB_PREFIXES, *_CHAIN_PREFIXES, "Caused by: ", "goroutine ")
"""How the lines open whose first character may make them continue an entry (or open a
traceback) besides white space: the assembler's rules for them (`_joins`, and its opening
of a traceback) look at nothing else."""
_OPENING_BYTES = 6
"""The first bytes of those openings compared: a line opening like one of them is not
plain (a few more lines than needed, "During startup", go to the assembler)."""
_OPENING_HEADS = np.array([list(o[:_OPENING_BYTES].encode("ascii")) for o in _OPENINGS], np.uint8)
_BLANK_FIRST = np.zeros(256, bool)
_BLANK_FIRST[list(" \t".encode("ascii"))] = True
_OPENING_FIRST = np.zeros(256, bool)
_OPENING_FIRST[list(_OPENING_HEADS[:, 0])] = True
assert set(_CONT_FIRST) == {" ", "\t"} | {o[0] for o in _OPENINGS}, "the assembler's first characters changed"
assert _JAVA_EXC_RE.pattern.startswith("(?:[a-z_$]"), "the Java exception line's first characters changed"
_PG_BYTES = 4 * _PG_WINDOW
"""Bytes that can hold the PostgreSQL window's characters (4 bytes at most each)."""
_PG_FIELDS = [np.frombuffer(word.encode("ascii"), np.uint8) for word in _PG_FIELD_WORDS]
"""The fields that continue a PostgreSQL entry (`DETAIL:  ...`); `LOG:  ` and `ERROR:  `
open one."""
_PG_LONGEST = max(len(word) for word in _PG_FIELDS)


@dataclass(frozen=True)
class LineFacts:
    """Per line of the chunk (arrays of its line count)."""

    stamp: np.ndarray
    """Bytes of the stamp and its space a plain line opens with: `STAMP_BYTES` (Docker's
    nanoseconds) or `WHOLE_BYTES` (podman's whole seconds); 0 for other lines."""
    plain: np.ndarray
    """Opens with Docker's fixed stamp or podman's whole-second one; its text is not empty,
    does not end in white space, opens neither with white space nor like a traceback's or a
    stack dump's lines, and holds no PostgreSQL continuation field (`DETAIL:  `) near its
    start. Such a line continues an entry only through traceback state or as a lower-case
    line after a one-line warning (`logtui.assembler`)."""
    lowerish: np.ndarray
    """Its text may start with a lower-case letter (a-z, or any non-ASCII character), or
    like a Java exception line (`_JAVA_EXC_RE`: also `_` or `$`), which the assembler
    reaches through `":  "` in its window: either may join a one-line warning."""
    tagged: np.ndarray
    """Its text may start with a level tag (`[`, A-Z, or any non-ASCII character)."""


def line_facts(data: bytes) -> LineFacts:
    """The facts of each "\\n"-separated line of `data` (UTF-8; no trailing "\\n")."""
    buf = np.frombuffer(data, np.uint8)
    newlines = np.flatnonzero(buf == 10)
    count = len(newlines) + 1
    starts = np.empty(count, np.int64)
    starts[0] = 0
    starts[1:] = newlines + 1
    ends = np.empty(count, np.int64)
    ends[:-1] = newlines
    ends[-1] = len(buf)
    long = np.flatnonzero(ends - starts > WHOLE_BYTES)
    # The stamp and the text's first byte of each line long enough to hold them (a shorter
    # line's bytes past its end are read, never used: the length is checked).
    head = buf[np.minimum(starts[long, None] + np.arange(STAMP_BYTES + 1), len(buf) - 1)]
    fixed = ((head[:, :STAMP_BYTES] >= _LOW) & (head[:, :STAMP_BYTES] <= _HIGH)).all(axis=1)
    fixed &= (ends - starts)[long] > STAMP_BYTES
    whole = ((head[:, :WHOLE_BYTES] >= _WHOLE_LOW) & (head[:, :WHOLE_BYTES] <= _WHOLE_HIGH)).all(axis=1)
    whole &= ~fixed
    stamp_of_long = np.where(fixed, STAMP_BYTES, WHOLE_BYTES)
    first = np.where(fixed, head[:, STAMP_BYTES], head[:, WHOLE_BYTES])
    last = buf[ends[long] - 1]
    # `str.rstrip` strips \t..\r, \x1c..\x1f, space and some non-ASCII characters.
    trailing_space = ((last >= 9) & (last <= 13)) | ((last >= 28) & (last <= 32)) | (last >= 128)
    stamped = (fixed | whole) & ~trailing_space & ~_BLANK_FIRST[first]
    plain = np.zeros(count, bool)
    plain[long] = stamped
    stamp = np.zeros(count, np.int64)
    stamp[long] = np.where(stamped, stamp_of_long, 0)
    lettered = _OPENING_FIRST[first]  # `Traceback`, `Caused by: `, `goroutine ` ...
    letters = long[lettered]
    if letters.size:
        text_at = starts[letters] + stamp_of_long[lettered]
        at = np.minimum(text_at[:, None] + np.arange(_OPENING_BYTES), len(buf) - 1)
        opening = (buf[at][:, None, :] == _OPENING_HEADS[None, :, :]).all(axis=2).any(axis=1)
        plain[letters[opening]] = False
    # A PostgreSQL continuation field (`DETAIL:  ...`) within the window the grouping
    # searches; its `\\b` is not checked (a word run into others counts too: safe side).
    # Only the `:  ` within the window are looked at: a hostile line of them would
    # otherwise cost ~80 bytes of index arrays each.
    fields = np.flatnonzero((buf[:-2] == 58) & (buf[1:-1] == 32) & (buf[2:] == 32))
    if fields.size:
        line = np.searchsorted(starts, fields, "right") - 1
        near = fields - starts[line] < STAMP_BYTES + _PG_BYTES
        fields, line = fields[near], line[near]
        plain[line[_after_field_word(buf, fields)]] = False
    lowerish = np.zeros(count, bool)
    # `_JAVA_EXC_RE`'s first character: a-z, `_` or `$`.
    lowerish[long] = ((first >= 97) & (first <= 122)) | (first >= 128) | (first == 95) | (first == 36)
    tagged = np.zeros(count, bool)
    tagged[long] = (first == 91) | ((first >= 65) & (first <= 90)) | (first >= 128)
    stamp[~plain] = 0
    return LineFacts(stamp, plain, lowerish, tagged)


def _after_field_word(buf: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Which positions `at` come right after one of PostgreSQL's continuation fields."""
    before = buf[np.maximum(at[:, None] - np.arange(_PG_LONGEST, 0, -1), 0)]
    found = np.zeros(len(at), bool)
    for word in _PG_FIELDS:
        found |= (before[:, _PG_LONGEST - len(word) :] == word).all(axis=1) & (at >= len(word))
    return found
