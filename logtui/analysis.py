"""Error analysis: error filtering, grouping of repeated errors, and the spec's error summary.

Pure functions over `LogEntry` objects, no I/O. The summary's keys are exactly the spec's
(`error_groups` is the one extra key, which the spec allows).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain, compress
from operator import attrgetter
from typing import Any

from .error_columns import ErrorGroup, ErrorTable, flagged, stamps_and_templates, time_order
from .gc_pause import collector_paused
from .models import ERROR_LEVELS, LogEntry, timestamps_of
from .parser import strip_level_tag
from .textsafe import strip_escapes

__all__ = [
    "ErrorGroup",
    "TemplateCache",
    "error_summary",
    "errors_only",
    "group_errors",
    "headline",
    "headline_template",
    "message_template",
]


_level = attrgetter("level")


def errors_only(entries: Iterable[LogEntry]) -> list[LogEntry]:
    """The ERROR and CRITICAL entries, in their given order."""
    return [e for e in entries if e.level in ERROR_LEVELS]


# --- templates ----------------------------------------------------------------------------

# Applied in order: quoted text first (numbers inside it must not become <n>), then the
# shapes that contain digits (timestamps, UUIDs, IPs, hex ids, durations), numbers last.
# Each rule has a gate: characters one of which every match contains ("": none besides the
# digit that every rule after the quoted-text ones needs). A rule whose gate is absent from
# the line as it is at that step cannot match, so it is skipped (output is unchanged).
_TEMPLATE_RULES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r'"(?:[^"\\]|\\.)*"'), '"<s>"', '"'),
    (re.compile(r"(?<![\w'])'[^'\n]*'(?![\w'])"), "'<s>'", "'"),
    (
        re.compile(
            r"\b\d{4}[-/]\d\d[-/]\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?"
            r"(?:\s?(?:Z|UTC|[+-]\d\d:?\d\d))?)?\b",
            re.ASCII,
        ),
        "<ts>",
        "-/",
    ),
    (
        re.compile(r"\b[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)? \d{4}\b", re.ASCII),
        "<ts>",
        ":",
    ),
    (re.compile(r"\b\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d(?: [+-]\d{4})?", re.ASCII), "<ts>", "/"),
    (re.compile(r"\b([IWEF])\d{4}(?= \d\d:\d\d:\d\d)", re.ASCII), r"\1<ts>", ":"),  # glog's date
    (re.compile(r"\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b", re.ASCII), "<ts>", ":"),
    (
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I | re.ASCII),
        "<id>",
        "-",
    ),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b", re.ASCII), "<ip>", "."),
    (re.compile(r"\b0x[0-9a-f]+\b", re.I | re.ASCII), "<id>", "xX"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", re.I | re.ASCII), "<id>", ""),
    (re.compile(r"(?<![\w.])(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|h|m|s))+\b"), "<dur>", ""),
    (re.compile(r"(?<![A-Za-z0-9])\d+(?:[.,]\d+)*", re.ASCII), "<n>", ""),
)
_QUOTE_RULES = _TEMPLATE_RULES[:2]
_DIGIT_RULES = _TEMPLATE_RULES[2:]
_DIGIT_RE = re.compile(r"\d")
"""Every rule after the quoted-text ones matches a digit (Unicode \\d covers the ASCII ones)."""


def message_template(message: str) -> str:
    """The first line of a message with its variable parts replaced, to group repeats.

    Numbers become <n>, UUIDs and hex ids <id>, quoted strings <s>, IPv4 addresses <ip>,
    timestamps <ts>, durations (`150ms`, `1.5s`, `2m30s`) <dur>.
    """
    line = message.split("\n", 1)[0].strip()
    for pattern, replacement, gate in _QUOTE_RULES:
        if gate in line:
            line = pattern.sub(replacement, line)
    if _DIGIT_RE.search(line) is None:
        return line
    for pattern, replacement, gate in _DIGIT_RULES:
        if not gate or any(c in line for c in gate):
            line = pattern.sub(replacement, line)
    return line


@lru_cache(maxsize=8192)
def headline_template(message: str) -> str:
    """`message_template(headline(message))`, memoised: a summary counts repeats by it, and
    repeated errors repeat their messages, so most calls are one dictionary look-up.

    Never raises: should templating ever fail on some message, its first line (cut to
    FALLBACK_CHARS) is its template, so one line cannot break a whole summary.
    """
    try:
        return message_template(headline(message))
    except Exception:
        return message.split("\n", 1)[0].strip()[:FALLBACK_CHARS]


class TemplateCache(dict[str, str]):
    """Message -> `headline_template(message)`, filled on first look-up: one summary's
    cache (its messages repeat), without `lru_cache`'s Python call per look-up."""

    def __missing__(self, message: str) -> str:
        template = self[message] = headline_template(message)
        return template


FALLBACK_CHARS = 200
"""Length of the template of a message that could not be templated."""

MAX_JSON_CHARS = 64 * 1024
"""Longest line parsed as JSON to find its message field. Parsing costs time and stack in
proportion to the line; a structured log line is far shorter, and a longer one (or one
nested too deep to parse) is grouped by its own text instead."""

_MSG_KEYS = ("msg", "message", "event", "Message", "MESSAGE")
"""Fields holding what happened (JSON: structlog's `event`, .NET's `Message`, journald's
`MESSAGE`; logfmt: `msg`, `message`, `event`)."""
_ERR_KEYS = ("error", "err")
"""Fields holding the error it met, joined to the message: "job failed: TimeoutError"."""
_LOGFMT_FIELD_RE = re.compile(r'(?:^|\s)(msg|message|event|error|err)=(?:"((?:[^"\\]|\\.)*)"|(\S+))')


def _first_line(value: object) -> str:
    """A field's text: a string's first line; for an error object (pino's `err`), its
    `message` (or `type`); "" for anything else."""
    if isinstance(value, dict):
        value = value.get("message") or value.get("msg") or value.get("type")
    return value.split("\n", 1)[0].strip() if isinstance(value, str) else ""


def _what_happened(message: str, error: str) -> str:
    """A message field and an error field as one headline, the error only once."""
    if not error or error in message:
        return message
    return f"{message}: {error}" if message else error


def _json_headline(first: str) -> str | None:
    try:
        obj = json.loads(first)
    except (ValueError, RecursionError):  # RecursionError: `{"a":[[[[...` a few KB deep
        return None
    if not isinstance(obj, dict):
        return None
    text = next((t for t in map(_first_line, map(obj.get, _MSG_KEYS)) if t), "")
    error = next((t for t in map(_first_line, map(obj.get, _ERR_KEYS)) if t), "")
    return _what_happened(text, error) or None


def _logfmt_headline(first: str) -> str | None:
    fields: dict[str, str] = {}
    for m in _LOGFMT_FIELD_RE.finditer(first):
        quoted, bare = m.group(2), m.group(3)
        fields.setdefault(m.group(1), quoted.replace('\\"', '"') if quoted is not None else bare)
    text = fields.get("msg") or fields.get("message") or fields.get("event")
    if not text:
        return None  # an error field alone is no message (`[error] x  error=Timeout`)
    return _what_happened(text, fields.get("error") or fields.get("err") or "")


def headline(message: str) -> str:
    """The line of a message that says what happened, for grouping and one-line displays.

    The first line, except: for a bare Python traceback, its last line (the exception); for a
    JSON or logfmt line, its message field (`msg`, `message`, `event`) with its error field
    (`error`, `err`) joined: "job failed: TimeoutError". Colours (escape sequences) and a
    level tag they hid (`ESC[31m[ERROR] x`) are left out.
    """
    if "\x1b" in message:  # the parser could not see the level tag for the colours
        message = strip_level_tag(strip_escapes(message))
    lines = message.split("\n")
    first = lines[0].strip()
    if first.startswith("Traceback (most recent call last):") and len(lines) > 1:
        for line in reversed(lines):
            if line and not line[0].isspace():
                return line.strip()
    if first.startswith("{") and len(first) <= MAX_JSON_CHARS:
        return _json_headline(first) or first
    if "=" in first and ("msg=" in first or "message=" in first or "event=" in first):
        return _logfmt_headline(first) or first
    return first


# --- grouping -----------------------------------------------------------------------------


def group_errors(entries: Iterable[LogEntry]) -> list[ErrorGroup]:
    """Group the error entries (ERROR, CRITICAL) by template; others are ignored.

    Sorted by count, most first, then by last_seen, most recent first.
    """
    errors = errors_only(entries)
    table = ErrorTable()
    stamps, templates = stamps_and_templates(errors, TemplateCache())
    table.add(errors, stamps, templates, range(len(errors)), flagged(map(_level, errors), "CRITICAL"))
    return _ranked(table.groups())


def _ranked(groups: list[ErrorGroup]) -> list[ErrorGroup]:
    """Most frequent first; of equal counts, the most recently seen first."""
    groups.sort(key=lambda g: g.last_seen, reverse=True)
    groups.sort(key=lambda g: g.count, reverse=True)  # stable: ties stay most recent first
    return groups


# --- the spec's error summary -------------------------------------------------------------


def _naive_utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC).replace(tzinfo=None)
    if now.tzinfo is not None:
        return now.astimezone(UTC).replace(tzinfo=None)
    return now


def error_summary(
    logs: Mapping[str, Sequence[LogEntry]],
    hours: float,
    *,
    now: datetime | None = None,
    recent: int = 5,
) -> dict[str, Any]:
    """The spec's error summary of already-collected logs (one list per container).

    `hours` is reported as the analysis period; choosing the entries of that period is the
    collector's job. `recent_errors` holds the last `recent` errors, oldest first.
    `critical_issues` lists every CRITICAL entry of every container in time order.
    `error_groups` (an extra key) lists repeated errors, most frequent first.
    """
    with collector_paused():  # its dicts would start young collections that walk the columns
        return _summary(logs, hours, now, recent)


def _summary(
    logs: Mapping[str, Sequence[LogEntry]], hours: float, now: datetime | None, recent: int
) -> dict[str, Any]:
    blocks = []
    for name, entries in logs.items():
        errors = errors_only(entries)
        if errors:
            blocks.append((name, errors, list(flagged(map(_level, errors), "CRITICAL"))))
    critical = list(chain.from_iterable(compress(errors, flags) for _, errors, flags in blocks))
    critical_stamps = timestamps_of(critical)
    issues = [
        {
            "container": critical[i].container_name,
            "timestamp": critical_stamps[i],
            "message": critical[i].message,
            "severity": "critical",
        }
        for i in time_order(critical_stamps)  # as sorting each container's, then all of them
    ]
    breakdown: dict[str, dict[str, Any]] = {}
    table, cache = ErrorTable(), TemplateCache()
    for name, errors, flags in blocks:
        stamps, templates = stamps_and_templates(errors, cache)
        order = time_order(stamps)  # a stable sort by timestamp
        tail = [errors[i] for i in order[-recent:]] if recent > 0 else []
        breakdown[name] = {"error_count": len(errors), "recent_errors": [e.to_dict() for e in tail]}
        table.add(errors, stamps, templates, order, flags)
    groups = table.groups(table.seq if table.blocks == 1 else None)
    return {
        "timestamp": _naive_utc(now).isoformat(timespec="microseconds"),
        "analysis_period_hours": hours,
        "total_containers": len(logs),
        "containers_with_errors": len(breakdown),
        "total_error_entries": len(table.errors),
        "error_breakdown": breakdown,
        "critical_issues": issues,
        "error_groups": [g.to_dict() for g in _ranked(groups)],
    }
