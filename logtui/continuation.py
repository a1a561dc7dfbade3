"""Which line continues the log entry before it: the line rules of the grouping.

Indented lines, Python tracebacks and their chains, Java's `Caused by:` and exception lines,
Go's goroutine dumps, PostgreSQL's DETAIL/HINT lines, and how close in time two stamps must
be for a trace to join the record written with it. Kept apart from the state machine that
applies them (`logtui.assembler`, whose hot loop reads these names as its own globals), so
each rule can be read, and tuned, in one place. Pure.
"""

from __future__ import annotations

import re
from datetime import datetime

from .levels import HEADER_CHARS
from .stamps import to_iso

_PG_FIELD_WORDS = ("DETAIL", "HINT", "STATEMENT", "CONTEXT", "QUERY", "LOCATION")
_PG_CONT_RE = re.compile(r"\b(?:" + "|".join(_PG_FIELD_WORDS) + r"):  ", re.ASCII)
_CHAIN_PREFIXES = (
    "During handling of the above exception",
    "The above exception was the direct cause",
)
_TB_PREFIXES = ("Traceback (most recent call last):", "Exception Group Traceback (most recent")
# The last line of a Python traceback: `ValueError: boom`, `pkg.mod.Error: x`, `KeyboardInterrupt`.
_EXC_LINE_RE = re.compile(r"([A-Za-z_][\w.]*)(?::|$)")
# A Java exception printed after its log line: `java.lang.IllegalStateException: ...`.
_JAVA_EXC_RE = re.compile(r"(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)\b")

_WARNING_UP = frozenset(("WARNING", "ERROR", "CRITICAL"))
_PG_WINDOW = HEADER_CHARS + 20
# First characters of lines that may continue an entry whatever the state: indentation,
# `Traceback`, `The above exception`, `During handling`, `Caused by:`, `Exception Group`,
# `goroutine N [...]:`.
_CONT_FIRST = frozenset(" \tTDCEg")

# A Go stack dump after a panic or a glog/klog fatal line: `goroutine 1 [running]:`, then
# unindented calls (`main.main()`) each followed by an indented file line.
_GO_HEADER_RE = re.compile(r"goroutine \d+ \[[^\]]*\]:$")
_GO_FRAME_RE = re.compile(r"[\w.$/*()\[\]{}-]+\(.*\)$|created by [\w.$/*()\[\]{}-]+(?: in goroutine \d+)?$")

# Traceback states of the pending entry.
_NO_TB, _IN_TB, _TB_DONE, _TB_CHAIN, _GO_STACK = 0, 1, 2, 3, 4


def is_continuation(text: str) -> bool:
    """Whether a line (text after the stamp) always continues the entry before it.

    True for blank lines, indented lines (stack frames), `Caused by:`, Python's chained
    traceback separators and PostgreSQL's DETAIL/HINT/STATEMENT/CONTEXT lines. Lines whose
    role depends on context (`Traceback (...)`, an exception's last line) are decided by
    `EntryAssembler`, which tracks that context.
    """
    if not text or text[0] in " \t" or text.isspace():
        return True
    if text.startswith(_CHAIN_PREFIXES) or text.startswith("Caused by: "):
        return True
    head = text[:_PG_WINDOW]
    return ":  " in head and _PG_CONT_RE.search(head) is not None


ANNOUNCE_WINDOW_S = 1.0
"""An interpreter's heading (`Exception in thread ...:`) and its traceback are written
within this time."""

WRITTEN_TOGETHER_S = 0.05
"""A stack trace joins the log line before it (`logger.exception`, `log.error(msg, ex)`, a
panic and its goroutine dump) only if the two were stamped within this time. A logger
writes the record and its trace in one go, so Docker stamps the lines microseconds apart;
an unrelated traceback (an uncaught exception, another thread's) a moment later opens its
own entry. Whole-second stamps (podman) cannot tell that apart: there, the same or the
next second joins."""


def _written_within(opened: str, ts: str, window: float) -> bool:
    """Were two docker stamps written within `window` seconds? (Unknown stamps: yes.)

    Stamps without a fraction compare by whole seconds (same or next second). Only reached
    for stack-trace openers, so parsing the stamps here costs nothing overall.
    """
    if not opened or not ts:
        return True
    if opened[19:20] != "." or ts[19:20] != ".":
        window = max(window, 1.0)
    try:
        first = datetime.fromisoformat(to_iso(opened))
        second = datetime.fromisoformat(to_iso(ts))
    except ValueError:
        return True
    return abs((second - first).total_seconds()) <= window


def _indented_below(texts: list[str] | None) -> bool:
    """Are the lines after an entry's first all indented or blank (a record's own lines)?"""
    return texts is not None and all(not t or t[0] in " \t" for t in texts[1:])


# What Python prints above a traceback it reports by itself: a thread that died, an
# exception in __del__ or at exit.
_PY_HEADING_RE = re.compile(
    r"(?:Exception in thread |Exception ignored in|Error in atexit\.|Error in sys\.excepthook).*:$"
)
