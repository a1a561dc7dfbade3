"""What the message column shows of a line: the message, not its echo; fields, not JSON.

Pure: no Textual. A line that opens with its own timestamp and level repeats what the
time and level columns already show, so the column starts after them (only when they do
repeat them: a stamp within seconds of Docker's, modulo a time zone, and the entry's own
level). A JSON or logfmt line shows its message field first and the other fields after
it. Everything returned is sanitised for the terminal; exports, `--json` and search keep
the original text, which `LogEntry.message` still holds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..textsafe import json_for_terminal, one_line, sanitize_for_terminal

MAX_PARSE_CHARS = 64 * 1024
"""Longest line parsed as JSON or logfmt (the parser's limit too); longer ones show as written."""
MAX_FIELDS = 64
MAX_VALUE_CHARS = 500
"""A field value shown in a row is cut here (the detail view shows it whole)."""

MESSAGE_KEYS = ("msg", "message", "@m", "@message", "event", "text", "log", "error", "err")
"""Fields that hold the message, most usual first (the first present one is used)."""
LEVEL_KEYS = frozenset({"level", "lvl", "severity", "@l", "loglevel", "log.level", "levelname", "s"})
TIME_KEYS = frozenset({"time", "ts", "timestamp", "@t", "@timestamp", "t", "datetime", "date"})
"""Fields the level and time columns already show: left out of a row, kept in the detail."""

LEVEL_WORDS: dict[str, str] = {
    "trace": "DEBUG",
    "debug": "DEBUG",
    "dbg": "DEBUG",
    "info": "INFO",
    "inf": "INFO",
    "notice": "INFO",
    "warn": "WARNING",
    "warning": "WARNING",
    "wrn": "WARNING",
    "error": "ERROR",
    "err": "ERROR",
    "eror": "ERROR",
    "crit": "CRITICAL",
    "critical": "CRITICAL",
    "fatal": "CRITICAL",
    "panic": "CRITICAL",
    "emerg": "CRITICAL",
    "alert": "CRITICAL",
}

_STAMP_RE = re.compile(
    r"""
    \[?
    (?: \d{4}[-/]\d\d[-/]\d\d [T\ ]            # 2025-08-16 or 2025/08/16, then T or space
      | [A-Z][a-z]{2}\ [\ \d]\d\ )?            # or syslog's "Aug 16 "
    \d\d:(\d\d):(\d\d) (?:[.,]\d{1,9})?         # 14:30:22.123 (minutes and seconds kept)
    (?: Z | [+-]\d\d:?\d\d | \ ?UTC )?
    \]? [\s|]+
    """,
    re.VERBOSE | re.ASCII,
)
_LEVEL_RE = re.compile(r"[\[<(]?([A-Za-z]{3,8})[\])>]?:?[\s|]+", re.ASCII)
_LOGFMT_RE = re.compile(r'([A-Za-z_@][\w.@/-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?=\s|$)', re.ASCII)


@dataclass(frozen=True, slots=True)
class Shown:
    """A row's message: `text` first, then `fields` as dim `key=value` pairs."""

    text: str
    fields: tuple[tuple[str, str], ...] = ()


def _close_in_time(minutes: str, seconds: str, timestamp: str) -> bool:
    """The line's own MM:SS within 2 s of the entry's stamp, modulo 15 minutes (any zone)."""
    if len(timestamp) < 19:
        return False
    try:
        own = int(minutes) * 60 + int(seconds)
        docker = int(timestamp[14:16]) * 60 + int(timestamp[17:19])
    except ValueError:
        return False
    return abs((own - docker + 450) % 900 - 450) <= 2


def strip_echo(line: str, level: str, timestamp: str) -> str:
    """`line` without a leading timestamp that repeats `timestamp` and a leading level word
    that repeats `level`; the line as it is when the rest would be empty."""
    rest = line
    stamp = _STAMP_RE.match(rest)
    if stamp is not None and _close_in_time(stamp.group(1), stamp.group(2), timestamp):
        rest = rest[stamp.end() :]
    word = _LEVEL_RE.match(rest)
    if word is not None and LEVEL_WORDS.get(word.group(1).lower()) == level:
        rest = rest[word.end() :]
    return rest if rest.strip() else line


def _value_text(value: object) -> str:
    """A field value as a row shows it: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def parse_json_object(line: str) -> dict[str, object] | None:
    """The line as a JSON object, or None (not one, too long, or nested too deep)."""
    text = line.strip()
    if not (text.startswith("{") and text.endswith("}")) or len(text) > MAX_PARSE_CHARS:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def parse_logfmt(line: str) -> dict[str, str] | None:
    """The line as logfmt (`key=value key="a b"`, nothing else on it, two pairs at least)."""
    text = line.strip()
    if len(text) > MAX_PARSE_CHARS or "=" not in text:
        return None
    pairs: dict[str, str] = {}
    at = 0
    for match in _LOGFMT_RE.finditer(text):
        if text[at : match.start()].strip():
            return None  # a bare word between pairs: prose with a key=value in it
        key, value = match.groups()
        if value.startswith('"'):
            try:
                value = json.loads(value)
            except ValueError:
                value = value[1:-1]
        pairs.setdefault(key, value)
        at = match.end()
    if text[at:].strip() or len(pairs) < 2:
        return None
    return pairs


def structured_fields(line: str) -> dict[str, object] | None:
    """A JSON or logfmt line's fields, or None for any other line."""
    return parse_json_object(line) or parse_logfmt(line)


def shown(line: str, level: str, timestamp: str, *, raw: bool = False) -> Shown:
    """What the message column shows of an entry's first line (sanitised, one line).

    `raw`: the line as written. Otherwise a structured line's message field with the other
    fields (those the columns show left out), or the line without its echoed stamp and level.
    """
    if raw:
        return Shown(sanitize_for_terminal(line))
    document = structured_fields(line) if line[:1] in "{" or "=" in line[:200] else None
    if document is None:
        clean = sanitize_for_terminal(line)  # colour codes first: a stamp may sit behind one
        return Shown(strip_echo(clean, level, timestamp))
    key = next((k for k in MESSAGE_KEYS if isinstance(document.get(k), str) and document[k]), None)
    text = one_line(str(document[key])) if key else ""
    rest = []
    for name, value in document.items():
        if name == key or (name in LEVEL_KEYS and key) or (name in TIME_KEYS and key):
            continue
        rest.append((one_line(name)[:100], json_for_terminal(one_line(_value_text(value))[:MAX_VALUE_CHARS])))
        if len(rest) >= MAX_FIELDS:
            break
    return Shown(text, tuple(rest))


def flat_fields(document: dict[str, object], prefix: str = "", depth: int = 0) -> list[tuple[str, str]]:
    """Every field of a JSON object as (dotted key, value text), nested objects flattened
    (three levels deep, then as JSON): the detail view's table. Not yet sanitised."""
    rows: list[tuple[str, str]] = []
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and depth < 3:
            rows.extend(flat_fields(value, f"{name}.", depth + 1))
        else:
            rows.append((name, _value_text(value)))
    return rows


def text_fields(text: str) -> list[tuple[str, str]]:
    """`key=value` pairs found in prose (`... request_id=1842 ...`), for the detail view."""
    found: list[tuple[str, str]] = []
    for match in _LOGFMT_RE.finditer(text[:MAX_PARSE_CHARS]):
        key, value = match.groups()
        if value.startswith('"') and len(value) >= 2:
            value = value[1:-1]
        if value:
            found.append((key, value))
        if len(found) >= MAX_FIELDS:
            break
    return found
