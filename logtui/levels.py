"""Which level a log line states: the level rules of the parser.

Pure functions, no I/O. `level_of` runs on the text of every line that opens an entry
(after Docker's stamp, with ANSI escape sequences already removed), hundreds of thousands
of times a second, so each rule sits behind a cheap test of the first characters or a
substring, and the level search looks only at a short header.

Where a line states its level, in the order tried:

1. a key: JSON (`"level":"error"`, `"level":50`, `"PRIORITY":"3"`, `"@l":"Warning"`,
   `"LogLevel":...`), a syslog `<PRI>` prefix, logfmt (`level=warn`, `lvl=eror`,
   `PRIORITY=3`, Heroku's `at=error`);
2. a fixed layout with a one-letter or one-symbol level: glog/klog (`E0816 ...`), Android
   logcat and other `PID TID L` layouts (`... 1702  2395 E Tag: msg`, `E/Tag( 12): msg`),
   redis (`1:M 16 Aug ... # msg`);
3. the first level word of the header written as a level (`[error]`, `ERROR`, `error:`,
   `\\terror\\t`, or the first word after the stamps: `2016-09-28 04:30:30, Info   CBS`),
   else a one-letter level in brackets (`[W]`);
4. a severity word standing as its own upper-case field after upper-case component
   fields, even past the header (`... R02-M1-N0 RAS KERNEL FATAL ...`);
5. an HTTP access line's status (5xx ERROR, 4xx WARNING);
6. a line that opens with an exception (`ValueError: x`, `java.lang.X: y`,
   `Foo::Bar (msg):`) is an error; a Python or Node warning (`DeprecationWarning: x`)
   is a warning.

A level in the header wins over words of the message: "INFO cache parity error corrected"
is INFO. Numeric levels: pino/bunyan (10 trace ... 60 fatal) and syslog severities (0-7:
`<PRI>` mod 8, journald's PRIORITY, GELF's level).
"""

from __future__ import annotations

import re

from .textsafe import strip_escapes

__all__ = ["HEADER_CHARS", "LEVEL_WORDS", "detect_level", "level_of", "level_of_coloured"]

LEVEL_WORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            *("trace", "trce", "trc", "trac", "debug", "debu", "dbug", "dbg"),
            *("verbose", "vrb", "fine", "finer", "finest"),
        ),
        "DEBUG",
    ),
    **{f"trace{i}": "DEBUG" for i in range(1, 9)},
    **{f"debug{i}": "DEBUG" for i in range(1, 6)},
    **dict.fromkeys(("info", "inf", "information", "notice", "log"), "INFO"),
    **dict.fromkeys(("warn", "warning", "wrn"), "WARNING"),
    **dict.fromkeys(("err", "erro", "eror", "error", "severe", "failure", "fail"), "ERROR"),
    **dict.fromkeys(
        (
            *("crit", "critical", "fatal", "fata", "ftl", "emerg", "emergency", "alert"),
            *("panic", "pani", "pnc", "dpanic"),
        ),
        "CRITICAL",
    ),
}
"""Level words, lower case, and the level each names: the vocabularies of log4j, syslog,
Python, .NET (`fail`, `crit`, `trce`), logrus (`ERRO`, `FATA`), zerolog (`WRN`, `FTL`),
Serilog (`VRB`), zap (`DPANIC`), java.util.logging (`SEVERE`, `FINE`), BGL (`FAILURE`)."""

_KEY_WORDS: dict[str, str] = {**LEVEL_WORDS, "silly": "DEBUG", "exception": "ERROR"}
"""What a level *key* may hold besides: winston's `silly`, structlog's `exception`."""

HEADER_CHARS = 80
"""How much of a line is searched for a level token: enough for a timestamp, a logger
name and a level (`2025-08-16 14:30:22,123 - django.request - ERROR - ...`), short
enough that words of the message rarely reach it."""

WIDE_HEADER_CHARS = 200
"""How far a severity field after upper-case component fields is looked for (rule 4):
BGL's header puts it about 100 characters in."""

_SYSLOG = ("CRITICAL", "CRITICAL", "CRITICAL", "ERROR", "WARNING", "INFO", "INFO", "DEBUG")
"""Syslog severities 0-7: emerg alert crit err warning notice info debug."""


def _numeric_level(value: int) -> str:
    """0-7: a syslog severity (journald's PRIORITY, GELF's level). From 10: pino/bunyan's
    10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal."""
    if value < 8:
        return _SYSLOG[value]
    if value >= 60:
        return "CRITICAL"
    if value >= 50:
        return "ERROR"
    if value >= 40:
        return "WARNING"
    if value >= 30:
        return "INFO"
    return "DEBUG"


def _trie(words: list[str]) -> str:
    """A regex alternation of `words` factored into a trie: Python's `re` does not factor
    alternations itself, and the level regex runs on almost every line."""
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for c in word:
            node = node.setdefault(c, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(c) + emit(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(tree)


# --- 1. keys ------------------------------------------------------------------------------

_JSON_LEVEL_RE = re.compile(
    r'"(?i:level|lvl|severity|loglevel|log_level|levelname|level_name|log\.level|@l|priority)"'
    r'\s*:\s*(?:"([A-Za-z]+\d?|\d{1,3})"|(\d{1,3})\b)',
    re.ASCII,
)
_MONGO_RE = re.compile(r'"s"\s*:\s*"([FEWID])\d?"', re.ASCII)
_MONGO = {"F": "CRITICAL", "E": "ERROR", "W": "WARNING", "I": "INFO", "D": "DEBUG"}
_PRI_RE = re.compile(r"<(\d{1,3})>", re.ASCII)
_LOGFMT_RE = re.compile(
    r"(?:l(?:evel(?:name)?|vl|og_?level)|severity|PRIORITY)=[\"']?([A-Za-z]+\d?|\d{1,3})\b", re.ASCII
)
_HEROKU_RE = re.compile(r"at=([a-z]+) ", re.ASCII)
"""Heroku's router and runtime lines open with their level: `at=error code=H12 ...`."""


def _word_or_number(word: str) -> str | None:
    return _numeric_level(int(word)) if word.isdigit() else _KEY_WORDS.get(word.lower())


def _json_level(text: str, head: str) -> str | None:
    """`"level":"error"`, `"severity":"ERROR"`, `"level":50`, `"PRIORITY":"3"`, MongoDB's `"s":"E"`."""
    m = _JSON_LEVEL_RE.search(text)
    if m is not None:
        word, number = m.groups()
        level = _numeric_level(int(number)) if number is not None else _word_or_number(word)
        if level is not None:
            return level
    m = _MONGO_RE.search(head)
    return None if m is None else _MONGO[m.group(1)]


def _logfmt_level(window: str) -> str | None:
    """`level=warn`, `lvl=eror`, `severity="ERROR"`, `level=50`, `PRIORITY=3`, `at=error`:
    a key that starts a field."""
    if window[:3] == "at=":
        m = _HEROKU_RE.match(window)
        return None if m is None else LEVEL_WORDS.get(m.group(1))
    if not ("l=" in window or "y=" in window or "Y=" in window):
        return None
    m = _LOGFMT_RE.search(window)
    while m is not None:
        start = m.start()
        if start == 0 or window[start - 1] in " \t":
            level = _word_or_number(m.group(1))
            if level is not None:
                return level
        m = _LOGFMT_RE.search(window, m.end())
    return None


# --- 2. fixed layouts ---------------------------------------------------------------------

_GLOG_RE = re.compile(r"([IWEF])\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ [^\]\s]+\] ", re.ASCII)
_GLOG = {"I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"}
_REDIS_RE = re.compile(r"\d+:[XCSM] \d\d? \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} ([.\-*#]) ", re.ASCII)
_REDIS_OLD_RE = re.compile(r"\[\d+\] \d\d? \w{3} \d\d:\d\d:\d\d\.\d{3} ([.\-*#]) ", re.ASCII)
_REDIS = {".": "DEBUG", "-": "DEBUG", "*": "INFO", "#": "WARNING"}
# Android logcat's threadtime (`03-17 16:13:38.811  1702  2395 D Tag: msg`, also with a
# year, epoch seconds or a uid column) and time (`03-17 16:13:38.811 D/Tag( 1702): msg`)
# formats: stamps, then `PID TID L ` or `L/`.
_LOGCAT_RE = re.compile(
    r"(?:(?:\d{4}-)?\d\d-\d\d[ T]\d\d:\d\d:\d\d\.\d{3}|\d{9,11}\.\d{3})"
    r" +(?:(?:\d+ +)?\d+ +\d+ +([VDIWEFA]) +\S|([VDIWEFA])/\S)",
    re.ASCII,
)
# logcat's brief and tag formats: `D/Tag( 1702): msg`, `E/AndroidRuntime: msg`.
_LOGCAT_TAG_RE = re.compile(r"([VDIWEFA])/[^\s:(][^:(]{0,80}(?:\( *\d+\))?: ", re.ASCII)
_AFTER_MS = frozenset({"  ", *(f" {d}" for d in "0123456789")})
"""What follows a `YYYY-MM-DD HH:MM:SS.mmm` stamp in logcat: a right-aligned pid."""
_LETTER = {"V": "DEBUG", "D": "DEBUG", "I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"}
_LETTER["A"] = "CRITICAL"  # assert


def _digit_layout(head: str) -> str | None:
    """redis (`1:M 16 Aug 2025 14:30:22.123 * msg`) or logcat, for a line opening with a digit."""
    m = _REDIS_RE.match(head)
    if m is not None:
        return _REDIS[m.group(1)]
    m = _LOGCAT_RE.match(head)
    return None if m is None else _LETTER[m.group(1) or m.group(2)]


# --- 3. the header's level word -----------------------------------------------------------

_CANDIDATE_RE = re.compile(rf"[^a-z0-9_=/]({_trie(sorted(LEVEL_WORDS))})(?![a-z0-9_])", re.ASCII)
"""A level word at a word start, in lower-cased text with a leading non-word character:
the leading class lets `re` skip letters with a fast character-set scan. A word after `=`
or `/` is a value or a path (`?level=ERROR`, `/api/error`), never a header's level."""

_HEADER_PREFIX_RE = re.compile(r"(?:\[[^\]]*\]|\([^)]*\)|[^\sa-z\[(]++|\s++)*+")
"""Text before a line's first field: stamps, numbers, upper-case names, bracketed fields;
no lower-case word outside brackets."""

_PROSE_RE = re.compile(r"[a-z]+ [a-z]+ ", re.ASCII)
"""Two lower-case words in a row: right before an upper-case level word, they make it a
word of a sentence ("Setting log level to DEBUG"), not a header field."""


def _header_level(head: str) -> str | None:
    """The first level word of the header that is written as a level, not as a word.

    Accepted forms: `[error]` `[core:error]` `[ WARN]` (brackets), `ERROR:` `error:` `LOG:`
    (colon), `ERROR` (bare upper case, unless it ends a sentence), `\\terror\\t` (zap's
    console), or the first word after the stamps. A lower-case "error" inside a sentence
    is not a level.
    """
    low = " " + head.lower()
    search = _CANDIDATE_RE.search
    m = search(low)
    while m is not None:
        s, e = m.span(1)
        if head[s - 1 : e - 1].isupper():
            if not "a" <= head[s - 3] <= "z" or _PROSE_RE.search(head, 0, s - 1) is None:
                return LEVEL_WORDS[low[s:e]]
        elif _written_as_level(head, low, s, e):
            return LEVEL_WORDS[low[s:e]]
        m = search(low, e)
    return None


_LETTER_FIELD_RE = re.compile(r"\[([TDIWEF])\] ", re.ASCII)
"""A one-letter level in brackets, as a field of its own: Gitea's and other Go loggers'
`... cmd/web.go:304:listen() [W] Unable to find PID file`."""
_BRACKET_LETTER = {"T": "DEBUG", "D": "DEBUG", "I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"}


def _written_as_level(head: str, low: str, s: int, e: int) -> bool:
    """Is the candidate word `low[s:e]` (`head[s-1:e-1]`, as `low` has a leading space),
    not in upper case, written as a level?"""
    before, after = low[s - 1], low[e : e + 1]
    if low[s:e] == "log":
        return False  # only PostgreSQL's `LOG:` is a level; "log" is a common word
    if after == ":":
        return True
    if before == "\t" and after == "\t":
        return True
    if after in ("", " ", "\t", "]", "|") and _HEADER_PREFIX_RE.fullmatch(head, 0, s - 1):
        return True  # the first field after the stamps
    if low[e:].lstrip()[:1] == "]":
        left = low[:s].rstrip()
        return left.endswith("[") or (before == ":" and left.rfind("[") > left.rfind(" "))
    return False


# --- 4. a severity field past the header --------------------------------------------------

_FIELD_LEVEL_RE = re.compile(
    r"(?:[^\sa-z]+ +){2,24}?"
    r"(FATAL|PANIC|EMERG|ALERT|CRITICAL|CRIT|SEVERE|FAILURE|ERROR|WARNING|WARN|NOTICE|INFO|DEBUG|TRACE)"
    r"(?: |$)",
    re.ASCII,
)


# --- 5, 6. what a line without a stated level says ----------------------------------------

# `"GET /x HTTP/1.1" 502 ` or a request line nginx wrote escaped (`"\x16\x03\x01" 400 `).
_ACCESS_RE = re.compile(
    r'"(?:[A-Z]{3,10} [^"]* HTTP/\d(?:\.\d)?|(?:\\x[0-9A-Fa-f]{2})+)" ([1-5])\d\d ', re.ASCII
)
# An exception opening the text: `ValueError: x`, `java.lang.OutOfMemoryError: x`,
# `Exception in thread "main" java.lang.X: y`, .NET's `Unhandled exception. System.X: y`,
# Rails' `ActionView::Template::Error (msg):` (after request-id tags).
_EXCEPTION_RE = re.compile(
    r"(?:\[[^\]]*\] )*"
    r"(?:Exception in thread \"[^\"]*\" |Unhandled exception\. )?"
    r"(?:(?:[A-Za-z_$][\w$]*\.)*[A-Z][\w$]*(?:Error|Exception)(?::|$)"
    r"|(?:[A-Z]\w*::)+[A-Z]\w* \(.*\):$)",
    re.ASCII,
)
# Python's warnings (`/app/x.py:12: DeprecationWarning: ...`), Node's
# (`(node:1) [DEP0040] DeprecationWarning: ...`).
_WARNING_CLASS_RE = re.compile(r"(?:^|[\s:\]])[A-Z]\w*Warning: ", re.ASCII)


def _unstated_level(text: str, head: str) -> str | None:
    """The level of a line that states none, when its text leaves no doubt."""
    if " HTTP/" in text or '"\\x' in head:
        m = _ACCESS_RE.search(text)
        if m is not None:
            status = m.group(1)
            return "ERROR" if status == "5" else "WARNING" if status == "4" else None
    if head[:1].isdigit():  # a stamp first: not a bare exception or warning
        return None
    if ("Error" in head or "Exception" in head or "::" in head) and _EXCEPTION_RE.match(text):
        return "ERROR"
    window = text[:WIDE_HEADER_CHARS]
    if "Warning: " in window and _WARNING_CLASS_RE.search(window) is not None:
        return "WARNING"
    return None


# --- the rules in order -------------------------------------------------------------------


def _layout_level(head: str) -> str | None:
    """Rules 1-2 for a line opening with `<`, `[` or a level letter (syslog's `<PRI>`,
    logcat's `E/Tag`, glog's `E0816`, old redis's `[1] 16 Aug`)."""
    first = head[0]
    if first == "<":
        m = _PRI_RE.match(head)
        return None if m is None or int(m.group(1)) > 191 else _SYSLOG[int(m.group(1)) % 8]
    if first == "[":
        m = _REDIS_OLD_RE.match(head) if head[1:2].isdigit() else None
        return None if m is None else _REDIS[m.group(1)]
    if head[1:2] == "/":
        m = _LOGCAT_TAG_RE.match(head)
        return None if m is None else _LETTER[m.group(1)]
    m = _GLOG_RE.match(head) if head[1:2].isdigit() else None
    return None if m is None else _GLOG[m.group(1)]


def level_of(text: str) -> str | None:
    """The level the line states, or None when it states none (see the module's doc)."""
    head = text[:HEADER_CHARS]
    first = head[:1]
    if first == "{":
        level = _json_level(text, head)
        if level is not None:
            return level
    elif first.isdigit():
        if (
            head[23:25] in _AFTER_MS  # `2025-03-17 16:13:38.811  1702  2395 D` (logcat -v year)
            if head[4:5] == "-"
            else ":" in head[1:7] or head[2:3] == "-" or head[10:11] == "."  # `1:M`, `03-17`, `1742.`
        ):
            level = _digit_layout(head)
            if level is not None:
                return level
    elif first and first in "<[VDIWEFA":
        level = _layout_level(head)
        if level is not None:
            return level
    if "=" in head:  # level= lvl= severity= PRIORITY= at=
        level = _logfmt_level(text[:160])
        if level is not None:
            return level
    level = _header_level(head)
    if level is not None:
        return level
    m = _LETTER_FIELD_RE.search(head)
    if m is not None and (m.start() == 0 or head[m.start() - 1] == " "):
        return _BRACKET_LETTER[m.group(1)]
    if len(text) > HEADER_CHARS and head.isupper():  # no lower-case word yet
        m = _FIELD_LEVEL_RE.match(text, 0, WIDE_HEADER_CHARS)
        if m is not None:
            return LEVEL_WORDS[m.group(1).lower()]
    return _unstated_level(text, head)


def level_of_coloured(text: str) -> str | None:
    """`level_of` for a line that may be coloured: `ESC[31m[ERROR]ESC[0m x` states ERROR."""
    return level_of(strip_escapes(text) if "\x1b" in text else text)


def detect_level(text: str) -> str:
    """One of DEBUG INFO WARNING ERROR CRITICAL; INFO when the line states no level.

    Escape sequences (colours) are looked past."""
    return level_of_coloured(text) or "INFO"
