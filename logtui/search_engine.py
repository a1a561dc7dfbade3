"""Which engine runs a search, and the pattern in Rust's regex syntax when that is the engine.

Pure and light: `re` only (Polars is imported by the modules that run a plan). A search is
what the user typed compiled by Python's `re` with IGNORECASE (`tui.search_text.compile_search`),
and its meaning is `re`'s. Three engines give exactly that meaning:

- `literal`: only literal alternatives (`timeout|refused`): the lower-cased text found at C
  speed (`SearchText`), linear, safe anywhere.
- `rust`: the pattern translated to Rust's `regex` (Polars' `str.contains`), which runs in
  time linear in the text whatever the pattern, so `(a+)+$` cannot hang it. The translation
  is made from `re`'s own parse tree, so Python's syntax (escapes, `{` as a literal, inline
  flags, verbose mode) is read by Python; it is given only for constructs whose meaning is
  the same in both engines, checked against both across every code point
  (tests/test_search_engine.py):
  * case folding: the same, except for `İ` and `ı` (U+0130, U+0131), which `re` folds to
    `i`/`I` and Rust does not; a pattern holding them, or a case-insensitive class range
    beyond ASCII (where `re` compares lower and upper case and Rust the whole fold orbit),
    goes to `python`; a text holding them is a *trap* (below);
  * `\\d`, `\\s`, `\\w` (so `\\b`, `\\B`): Unicode in both, but the sets differ (Rust's newer
    Unicode digits; `re` counts U+001C-U+001F as space; combining marks are word characters
    to Rust only): texts holding a character of the difference are traps;
  * `\\B` matches an empty text in Rust only: empty texts are traps for it;
  * `.` (not "\\n"), `^`/`\\A` (start), `\\Z`/`\\z` (end), `(?m)` `^`/`$`, `(?s)`: the same;
    `re`'s `$` also matches before a final "\\n": translated as `\\n?\\z` where nothing
    follows it in the pattern (`timeout$`, `(a|b)$`), else `python`;
  * look-around, back-references, conditionals, possessive and atomic groups, `(?a)`:
    Rust has none: `python`.
  A text holding a trap character is searched by `re` instead (in the fallback process):
  the few such entries get Python's answer, the rest Rust's.
- `python`: everything else: `re` itself, in a separate process that is killed when the
  search is cancelled or runs past its time budget (`regex_process`): `re` holds the GIL
  while it backtracks, so a thread could not keep the UI alive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

try:  # the parser of `re` itself (private, stable since 3.11; `sre_parse` before)
    import re._constants as _sre_c
    import re._parser as _sre_p
except ImportError:  # pragma: no cover - older or other Pythons: no translation
    _sre_c = _sre_p = None  # type: ignore[assignment]

Engine = Literal["literal", "rust", "python"]

FOLD_TRAPS = "\u0130\u0131"
"""Characters `re` and Rust fold differently under IGNORECASE (İ and ı against i and I)."""
_FOLDS_WITH_TRAPS = (ord("I"), ord("i"))
"""The only other characters the fold traps concern: a pattern matching neither cannot
match a trap character differently."""


@dataclass(frozen=True)
class Plan:
    """How a search pattern is run."""

    engine: Engine
    pattern: str
    """The pattern as the user's `re` pattern holds it."""
    flags: int
    needles: tuple[str, ...] = ()
    """`literal`: the lower-case ASCII needles."""
    rust: str = ""
    """`rust`: the same pattern in Rust's syntax."""
    traps: frozenset[str] = field(default_factory=frozenset)
    """`rust`: which trap sets apply ("fold", "digit", "space", "word"): a text holding one of
    their characters is searched by `re`; "empty": so is an empty text."""
    reason: str = ""
    """`python`: what Rust lacks or reads differently."""


class _Untranslatable(Exception):
    """The pattern holds a construct Rust lacks or reads differently (the message says which)."""


def plan_search(pattern: re.Pattern[str], needles: tuple[str, ...] | None = None) -> Plan:
    """The engine for a search pattern (`needles`: `search_needles(pattern)` when known).

    Cached by pattern text and flags: the UI asks again for every painted row.
    """
    return _plan(pattern.pattern, pattern.flags, needles)


@lru_cache(maxsize=64)
def _plan(text: str, flags: int, needles: tuple[str, ...] | None) -> Plan:
    if needles:
        return Plan("literal", text, flags, needles=needles)
    try:
        rust, traps = translate(text, flags)
    except _Untranslatable as exc:
        return Plan("python", text, flags, reason=str(exc))
    return Plan("rust", text, flags, rust=rust, traps=traps)


_KNOWN_FLAGS = re.IGNORECASE | re.UNICODE | re.MULTILINE | re.DOTALL | re.VERBOSE


def translate(text: str, flags: int) -> tuple[str, frozenset[str]]:
    """`text` (an `re` pattern compiled with `flags`) in Rust's syntax, with its trap sets;
    raises `_Untranslatable` when the meaning would differ."""
    if _sre_p is None:
        raise _Untranslatable("this Python's regex parser is unknown")
    try:
        parsed = _sre_p.parse(text, flags)
    except re.error as exc:
        raise _Untranslatable(f"not a valid regex: {exc}") from None
    global_flags = parsed.state.flags
    if global_flags & ~_KNOWN_FLAGS:
        raise _Untranslatable("flags Rust lacks (ASCII or LOCALE)")
    writer = _Writer()
    body = writer.sequence(list(parsed), global_flags, tail=True)
    prefix = "(?i)" if global_flags & re.IGNORECASE else ""
    return prefix + body, frozenset(writer.traps)


def _char(code: int) -> str:
    char = chr(code)
    if char.isascii() and (char.isalnum() or char == "_"):
        return char
    return f"\\x{{{code:X}}}"


_CATEGORIES = {
    "CATEGORY_DIGIT": ("\\d", "digit"),
    "CATEGORY_NOT_DIGIT": ("\\D", "digit"),
    "CATEGORY_SPACE": ("\\s", "space"),
    "CATEGORY_NOT_SPACE": ("\\S", "space"),
    "CATEGORY_WORD": ("\\w", "word"),
    "CATEGORY_NOT_WORD": ("\\W", "word"),
}


class _Writer:
    """Emits Rust syntax for `re`'s parse tree, collecting the trap sets it needs."""

    def __init__(self) -> None:
        self.traps: set[str] = set()

    def sequence(self, items: list[tuple[Any, Any]], flags: int, tail: bool) -> str:
        """A sequence of nodes; `tail`: nothing can follow it in a match."""
        out = [self.node(op, av, flags, tail and i == len(items) - 1) for i, (op, av) in enumerate(items)]
        return "".join(out)

    def _literal(self, code: int, flags: int) -> str:
        if flags & re.IGNORECASE:
            if chr(code) in FOLD_TRAPS:
                raise _Untranslatable("İ or ı, which Python and Rust fold differently")
            if code in _FOLDS_WITH_TRAPS:
                self.traps.add("fold")
        return _char(code)

    def node(self, op: Any, av: Any, flags: int, tail: bool) -> str:
        name = str(op)
        if name == "LITERAL":
            return self._literal(av, flags)
        if name == "NOT_LITERAL":
            return f"[^{self._literal(av, flags)}]"
        if name == "ANY":
            return "(?s:.)" if flags & re.DOTALL else "."
        if name == "IN":
            return self._set(av, flags)
        if name == "BRANCH":
            return "(?:" + "|".join(self.sequence(list(b), flags, tail) or "(?:)" for b in av[1]) + ")"
        if name == "SUBPATTERN":
            _group, add, remove, sub = av
            inner = flags
            for flag_set, on in ((add, True), (remove, False)):
                if flag_set & ~(re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE | re.UNICODE):
                    raise _Untranslatable("flags Rust lacks (ASCII or LOCALE)")
                inner = inner | flag_set if on else inner & ~flag_set
            body = self.sequence(list(sub), inner, tail) or "(?:)"
            if (inner ^ flags) & re.IGNORECASE:
                return f"(?{'' if inner & re.IGNORECASE else '-'}i:{body})"
            return f"(?:{body})"
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, sub = av
            body = self.sequence(list(sub), flags, tail=False) or "(?:)"
            upper = "" if high == _sre_c.MAXREPEAT else str(high)
            count = f"{{{low}}}" if upper == str(low) else f"{{{low},{upper}}}"
            return f"(?:{body}){count}{'?' if name == 'MIN_REPEAT' else ''}"
        if name == "AT":
            return self._at(str(av), flags, tail)
        if name in _UNSUPPORTED:
            raise _Untranslatable(_UNSUPPORTED[name])
        raise _Untranslatable(f"{name.lower()} is not translated")

    def _at(self, where: str, flags: int, tail: bool) -> str:
        multiline = bool(flags & re.MULTILINE)
        if where == "AT_BEGINNING":
            return "(?m:^)" if multiline else "\\A"
        if where == "AT_BEGINNING_STRING":
            return "\\A"
        if where == "AT_END_STRING":
            return "\\z"
        if where == "AT_END":
            if multiline:
                return "(?m:$)"
            if not tail:
                raise _Untranslatable("$ before more pattern ($ also matches before a final newline)")
            return "(?:\\n?\\z)"
        if where in ("AT_BOUNDARY", "AT_NON_BOUNDARY"):
            self.traps.add("word")
            if where == "AT_NON_BOUNDARY":
                self.traps.add("empty")  # `re`'s \B never matches an empty text; Rust's does
            return "\\b" if where == "AT_BOUNDARY" else "\\B"
        raise _Untranslatable(f"{where.lower()} is not translated")

    def _set(self, items: list[tuple[Any, Any]], flags: int) -> str:
        parts: list[str] = []
        negate = False
        for op, av in items:
            name = str(op)
            if name == "NEGATE":
                negate = True
            elif name == "LITERAL":
                parts.append(self._literal(av, flags))
            elif name == "RANGE":
                low, high = av
                if flags & re.IGNORECASE:
                    if high > 0x7F:
                        raise _Untranslatable("a case-insensitive range beyond ASCII")
                    if any(low <= code <= high for code in _FOLDS_WITH_TRAPS):
                        self.traps.add("fold")
                parts.append(f"{_char(low)}-{_char(high)}")
            elif name == "CATEGORY":
                syntax, trap = _CATEGORIES[str(av)]
                self.traps.add(trap)
                parts.append(syntax)
            else:
                raise _Untranslatable(f"{name.lower()} in a class is not translated")
        if not parts:
            raise _Untranslatable("an empty class")
        return f"[{'^' if negate else ''}{''.join(parts)}]"


_UNSUPPORTED = {
    "ASSERT": "look-around",
    "ASSERT_NOT": "look-around",
    "GROUPREF": "a back-reference",
    "GROUPREF_EXISTS": "a conditional group",
    "POSSESSIVE_REPEAT": "a possessive quantifier",
    "ATOMIC_GROUP": "an atomic group",
}
