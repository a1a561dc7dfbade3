"""Masking big chunks fast: the secret rules run only over the lines that may hold a match.

Every rule's match contains one of a few literals (`triggers` derives them from the
compiled patterns themselves, so a new rule needs no list kept by hand). A line without
any of them holds no match of any rule; and every rule matches within one line and sees
nothing but that line (a look-behind at a line's start sees "\\n", which none accepts). So
the rules run over the candidate lines joined by "\\n" give the very spans they give over
the whole chunk, once mapped back. One Aho-Corasick pass (Polars, in Rust) finds the
candidates instead of a scan per rule stopping at every `p`, `s` or `a`. What spans lines
(a key whose value comes later, private-key blocks) `masking` still walks over the whole
chunk.

Whatever the gate cannot prove exact takes the full path (`gated_scan` returns None): a
small chunk (Polars costs ~100 µs a call, 200 ms to import), a rule whose literals cannot
be derived, a character whose lower case is ASCII though it is not (KELVIN SIGN: the
case-insensitive rules see `k`, an ASCII-case-insensitive search would not), text Polars
cannot hold (lone surrogates), or candidates making up most of the chunk.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from functools import cache
from itertools import accumulate, pairwise
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from .masking_rules import RULES, Span, _cookies, _url_passwords

MIN_CHARS = 1 << 16
"""Smaller chunks take the full path: below this the fixed cost of Polars does not pay."""

MAX_SHARE = 0.5
"""Candidate lines making up more of the chunk than this: the rules run over all of it."""

BLOCK = 1 << 13
"""Characters per block of the first pass (cut at line ends): only blocks with a literal
are cut into lines, so most lines never become Python strings."""

_CUSTOM: dict[Any, str | None] = {_cookies: None, _url_passwords: r"\x3A\x2F\x2F[^\n]*\x40"}
"""Rules that find their matches themselves: None, the literals of their own pattern; else
a regex every line they mask matches (`_url_passwords`: `://`, later the `@` a password
ends at)."""

_MAX_LITERALS = 64
_MAX_LENGTH = 16

Scan = Callable[[str, str, list[Span]], list[tuple[int, str]]]
"""scan(text, lower, spans): every rule over `text`; (match end, state) of keys left open."""


def gated_scan(
    text: str, spans: list[Span], scan: Scan, lower: Callable[[str], str]
) -> tuple[list[tuple[int, str]], str] | None:
    """`scan` over the lines of `text` that may hold a match, its spans and match ends
    mapped back to `text`, and `lower(text)`; None (`spans` untouched): run the full scan."""
    if len(text) < MIN_CHARS or (regex := trigger_regex()) is None:
        return None
    low = lower(text)
    lines = candidate_lines(low, regex)
    if lines is None or sum(e - s + 1 for s, e in lines) > len(text) * MAX_SHARE:
        return scan(text, low, spans), low
    if not lines:
        return [], low
    starts = list(accumulate((e - s + 1 for s, e in lines[:-1]), initial=0))
    shifts = [s - start for (s, _), start in zip(lines, starts, strict=True)]
    found: list[Span] = []
    opened = scan("\n".join(text[s:e] for s, e in lines), "\n".join(low[s:e] for s, e in lines), found)
    for s, e in found:
        shift = shifts[bisect_right(starts, s) - 1]
        spans.append((s + shift, e + shift))
    return [(end + shifts[bisect_right(starts, end) - 1], state) for end, state in opened], low


def candidate_lines(low: str, regex: str) -> list[Span] | None:
    """(start, end) of each line of `low` (a lower-cased text) where `regex` (an
    alternation of literals) matches; None if Polars cannot tell."""
    pl = _polars()
    if pl is None:
        return None
    cuts = [0]
    while (cut := low.find("\n", cuts[-1] + BLOCK)) != -1:
        cuts.append(cut + 1)
    cuts.append(len(low))
    blocks = [low[a:b] for a, b in pairwise(cuts)]
    try:
        hit = pl.Series(blocks, dtype=pl.String).str.contains(regex).arg_true().to_list()
        if not hit:
            return []
        lines: list[Span] = []
        parts: list[str] = []
        for i in hit:
            start = cuts[i]
            for part in blocks[i].removesuffix("\n").split("\n"):
                lines.append((start, start + len(part)))
                parts.append(part)
                start += len(part) + 1
        found = pl.Series(parts, dtype=pl.String).str.contains(regex).arg_true().to_list()
    except Exception:  # text Polars cannot hold (a lone surrogate): the full path
        return None
    return [lines[i] for i in found]


@cache
def _polars() -> Any:
    try:
        import polars
    except ImportError:
        return None
    return polars


@cache
def trigger_regex() -> str | None:
    """A Rust regex matching (in the lower-cased text) every line where a rule may match:
    the rules' literals, hex-escaped, one alternative each; None if some rule's cannot be
    derived."""
    literals: set[str] = set()
    fragments: list[str] = []
    for rule in RULES:
        if rule.custom is not None and rule.custom not in _CUSTOM:
            return None
        fragment = _CUSTOM[rule.custom] if rule.custom is not None else None
        if fragment is not None:
            fragments.append(fragment)
            continue
        found = pattern_literals(rule.pattern)
        if found is None or not all(lit.isascii() for lit in found):
            return None
        literals |= {lit.lower() for lit in found}
    # a literal holding another is implied by it: fewer alternatives
    kept = sorted(a for a in literals if not any(b != a and b in a for b in literals))
    return "|".join([_escape(lit) for lit in kept] + fragments)


def _escape(literal: str) -> str:
    """`literal` as a regex: hex escapes mean the same in Rust's syntax and Python's."""
    return "".join(c if c.isascii() and c.isalnum() else f"\\x{ord(c):02X}" for c in literal)


def pattern_literals(pattern: re.Pattern[str]) -> set[str] | None:
    """Strings one of which every match of `pattern` contains (its possible starts, or
    longer where a look-behind names the text before); None if there are none."""
    if pattern.flags & (re.IGNORECASE | re.LOCALE):
        return None
    try:
        starts = _starts(list(sre_parse.parse(pattern.pattern, pattern.flags)))
    except _Unknown:
        return None
    if not starts or any(not s for s, _ in starts):
        return None
    return {s for s, _ in starts}


class _Unknown(Exception):
    """A construct whose strings are not derived."""


Starts = set[tuple[str, bool]]
"""(string, open): what the text holds ending where a match has got to; open: it does end
exactly there (what follows extends it), else it is somewhere before."""


def _close(acc: Starts) -> Starts:
    return {(s, False) for s, _ in acc}


def _starts(items: list[tuple[Any, Any]]) -> Starts:
    return _extend({("", True)}, items)


def _extend(acc: Starts, items: list[tuple[Any, Any]]) -> Starts:
    """`acc` after the items of a sequence."""
    for op, av in items:
        if not any(is_open for _, is_open in acc):
            break
        acc = _step(acc, op, av)
        if len(acc) > _MAX_LITERALS or any(len(s) > _MAX_LENGTH for s, _ in acc):
            return _close(acc)
    return acc


def _step(acc: Starts, op: Any, av: Any) -> Starts:
    """`acc` after one item; what it cannot follow closes it."""
    closed = {(s, False) for s, is_open in acc if not is_open}
    opened = {(s, True) for s, is_open in acc if is_open}
    if op is sre.LITERAL:
        return closed | {(s + chr(av), True) for s, _ in opened}
    if op is sre.IN:
        chars = _chars(av)
        return _close(acc) if chars is None else closed | {(s + c, True) for s, _ in opened for c in chars}
    if op is sre.ASSERT and av[0] == -1:  # a look-behind: the text before, if it is known
        return closed | _behind(opened, av[1])
    if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):  # zero-width: nothing consumed
        return acc
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, body = av
        if add_flags & (re.IGNORECASE | re.LOCALE):
            raise _Unknown
        return closed | _extend(opened, list(body))
    if op is sre.ATOMIC_GROUP:
        return closed | _extend(opened, list(av))
    if op is sre.BRANCH:
        return closed | set().union(*(_extend(opened, list(alt)) for alt in av[1]))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, body = av
        if low == 0 and high == 1:
            return acc | _extend(opened, list(body))
        if low >= 1:  # once, then unknown
            return closed | _close(_extend(opened, list(body)))
    return _close(acc)


def _chars(av: list[tuple[Any, Any]]) -> list[str] | None:
    """The characters of a small positive class."""
    chars: list[str] = []
    for op, value in av:
        if op is sre.LITERAL:
            chars.append(chr(value))
        elif op is sre.RANGE and value[1] - value[0] < 8:
            chars.extend(map(chr, range(value[0], value[1] + 1)))
        else:
            return None
    return chars if len(chars) <= 8 else None


def _behind(opened: Starts, body: Any) -> Starts:
    """After a look-behind naming the text that ends here: the longer of the two."""
    behind = _starts(list(body))
    if any(not is_open for _, is_open in behind):
        return opened
    out: Starts = set()
    for s, _ in opened:
        for b, _ in behind:
            out.add((b, True) if len(b) > len(s) and b.endswith(s) else (s, True))
    return out
