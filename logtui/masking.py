"""Secret masking: what logtui shows and exports never carries a credential by default.

Logs leak secrets: connection strings, bearer tokens, cloud keys. Masking replaces the
secret part with `***` and keeps the rest (the key name, the user, the scheme), so the line
still explains itself. It is on by default (LOGTUI_MASK_SECRETS=0 or `--no-mask` turn it
off). The shapes are an allowlist (`logtui/masking_rules.py`).

Lines: every pattern matches within one line, so a rule never touches a docker stamp or
another line's text. Two kinds of secret span lines, and a `StreamMasker` carries them from
line to line (and from one chunk of a stream to the next, so the result never depends on
where the stream was cut): a key whose value is on a later line (`"password":` ⏎
`"Hunter2xyz"`, masked after that line's own stamp), and a private-key block.

Speed: `mask_text` runs on whole chunks of `docker logs` output. Every pattern starts with
a literal (look-behinds come after it), so `re` skips to candidates at memchr-like speed:
one scan of the chunk per pattern and nothing per line. Case-insensitive rules run on a
lower-cased copy of the same length (IGNORECASE is ~15x slower). Big chunks run the rules
over only the lines holding one of their literals (`masking_gate`: same result, ~4x faster).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .masking_gate import gated_scan
from .masking_rules import (
    BEGIN_KEY,
    BLOCK_BODY,
    BLOCK_HEADER,
    CONTINUATIONS,
    END_KEY,
    MASK,
    RULES,
    STAMP,
    Shape,
    Span,
    quoted_span,
)
from .models import LogEntry

__all__ = [
    "MASK",
    "StreamMasker",
    "mask_args",
    "mask_entries",
    "mask_entry",
    "mask_env",
    "mask_inspect",
    "mask_labels",
    "mask_text",
    "secret_name",
]

MAX_BLANK_LINES = 3
"""Blank lines a value may wait behind its key (`token` ⏎ ⏎ `:` ⏎ value)."""

_NO_BLOCK, _HEADERS, _BODY = 0, 1, 2
"""Private-key block state: none open; open, before its body (headers may come); in its body."""

_BLANK = re.compile(r"[ \t\r]*$")
_INDENT = re.compile(r"[ \t]*")
_SEPARATORS = re.compile(r"(?:\\+[rn]|\s)*")
"""Around a key's body on one line: spaces, line breaks written as `\\n` (JSON)."""


def _lower(text: str) -> str:
    """`text` lower-cased, character for character (same length, same offsets).

    A character whose lower case is longer (`İ`) stays as it is, and only its own line is
    lower-cased character by character: a rare character never changes how the rest of
    the chunk is masked, nor how fast.
    """
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    lines = text.split("\n")
    for i, line in enumerate(lines):
        low = line.lower()
        lines[i] = low if len(low) == len(line) else "".join(_lower_char(c) for c in line)
    return "\n".join(lines)


def _lower_char(char: str) -> str:
    low = char.lower()
    return low if len(low) == 1 else char


def _take(shape: Shape, match: re.Match[str], text: str, spans: list[Span]) -> str | None:
    """Spans of a match's secret groups; the state it leaves open for the next line."""
    for group in shape.secrets:
        start = match.start(group)
        if start != -1:
            quoted_span(spans, text, start, match.end(group))
    for group, state in shape.opens:
        if match.start(group) != -1:
            return state
    return None


def _content(text: str, pos: int, eol: int) -> int:
    """Where a line's text starts: after its docker stamp and its indentation."""
    stamp = STAMP.match(text, pos, eol)
    if stamp is not None:
        pos = stamp.end()
    return _INDENT.match(text, pos, eol).end()  # type: ignore[union-attr]


def _continue(text: str, lower: str, pos: int, eol: int, state: str, spans: list[Span]) -> str | None:
    """Mask the value that `state` waits for at text[pos:eol]; the state after this line."""
    shape, then = CONTINUATIONS[state]
    match = shape.pattern.match(lower if shape.lower else text, pos, eol)
    if match is None:
        return None
    opened = _take(shape, match, text, spans)
    if then is not None:  # a separator: the value follows on this line or waits for the next
        rest = match.end()
        if _BLANK.match(text, rest, eol):
            return then
        return _continue(text, lower, rest, eol, then, spans)
    return opened


def _follow(
    text: str, lower: str, pos: int, state: str, blanks: int, spans: list[Span]
) -> tuple[str, int] | None:
    """Follow a key waiting for its value from the line at `pos` on; the state at the end
    of the text if it still waits (None: the value was found, or will not come)."""
    size = len(text)
    while pos <= size:
        eol = text.find("\n", pos)
        if eol == -1:
            eol = size
        start = _content(text, pos, eol)
        if _BLANK.match(text, start, eol):
            blanks -= 1
            if blanks < 0:
                return None
        else:
            next_state = _continue(text, lower, start, eol, state, spans)
            if next_state is None:
                return None
            state, blanks = next_state, MAX_BLANK_LINES
        pos = eol + 1
    return state, blanks


def _body(text: str, start: int, end: int, spans: list[Span]) -> None:
    """Mask a key's body written on one line, keeping the separators around it."""
    start = _SEPARATORS.match(text, start, end).end()  # type: ignore[union-attr]
    while end > start and (text[end - 1].isspace() or text.endswith(("\\n", "\\r"), start, end)):
        end -= 2 if text[end - 1] in "nr" else 1
    if end > start:
        spans.append((start, end))


def _open_block(text: str, begin: re.Match[str], spans: list[Span]) -> tuple[int, int]:
    """A BEGIN line: its body on the same line masked. Returns where to search on, and the
    block state (open unless its END is on the same line)."""
    eol = text.find("\n", begin.end())
    if eol == -1:
        eol = len(text)
    end = END_KEY.search(text, begin.end(), eol)
    if end is not None:  # one line: `-----BEGIN ...-----\nMIIE...\n-----END ...-----` (JSON)
        _body(text, begin.end(), end.start(), spans)
        return end.end(), _NO_BLOCK
    before = len(spans)
    _body(text, begin.end(), eol, spans)
    return eol + 1, _BODY if len(spans) > before else _HEADERS


def _walk_block(text: str, pos: int, state: int, spans: list[Span]) -> tuple[int, int]:
    """Mask the lines of an open key block from `pos` on: base64 lines, and the END line's
    base64 part. Returns where the block ended (or len+1 if still open) and the state."""
    size = len(text)
    while pos <= size:
        eol = text.find("\n", pos)
        if eol == -1:
            eol = size
        start = _content(text, pos, eol)
        end = eol
        while end > start and text[end - 1] in " \t\r":
            end -= 1
        if start < end:
            closing = END_KEY.search(text, start, end)
            if closing is not None:
                if BLOCK_BODY.fullmatch(text, start, closing.start()):
                    _body(text, start, closing.start(), spans)
                return closing.end(), _NO_BLOCK
            if BLOCK_BODY.fullmatch(text, start, end):
                spans.append((start, end))
                state = _BODY
            elif not (state == _HEADERS and BLOCK_HEADER.fullmatch(text, start, end)):
                return pos, _NO_BLOCK  # not part of the block: an ordinary line
        pos = eol + 1
    return pos, state


def _blocks(text: str, state: int, spans: list[Span]) -> int:
    """Mask the private-key blocks of `text`, the first one perhaps open since an earlier
    chunk; returns the block state at the end of `text`."""
    pos = 0
    while True:
        if state != _NO_BLOCK:
            pos, state = _walk_block(text, pos, state, spans)
            if state != _NO_BLOCK:
                return state
        begin = BEGIN_KEY.search(text, pos)
        if begin is None:
            return _NO_BLOCK
        pos, state = _open_block(text, begin, spans)


def _splice(text: str, spans: list[Span]) -> str:
    """`text` with each span (overlapping ones merged) replaced by ***."""
    spans.sort()
    pieces: list[str] = []
    last = 0
    start, end = spans[0]
    for s, e in spans[1:]:
        if s <= end:
            end = max(end, e)
            continue
        pieces += (text[last:start], MASK)
        last, start, end = end, s, e
    pieces += (text[last:start], MASK, text[end:])
    return "".join(pieces)


def _scan(text: str, lower: str, spans: list[Span]) -> list[tuple[int, str]]:
    """Every rule over `text`: their spans, and (match end, state) of each key whose value
    comes on a later line."""
    opened: list[tuple[int, str]] = []
    for rule in RULES:
        if rule.gate and rule.gate not in text:
            continue
        if rule.custom is not None:
            rule.custom(text, lower, spans)
            continue
        for match in rule.pattern.finditer(lower if rule.lower else text):
            state = _take(rule, match, text, spans)
            if state is not None:
                opened.append((match.end(), state))
    return opened


class StreamMasker:
    """Masks the lines of one stream as they arrive, chunk by chunk.

    A key waiting for its value and an open private-key block carry over from one chunk
    to the next, so masking a stream in pieces gives what masking it whole gives. Big
    chunks run the rules over only the lines that may hold a match (`masking_gate`, the
    same result); `gate=False` always runs them over the whole chunk.
    """

    __slots__ = ("_block", "_gate", "_waiting")

    def __init__(self, *, gate: bool = True) -> None:
        self._waiting: dict[str, int] = {}
        """Keys whose value is still to come: what each waits for -> blank lines it may skip."""
        self._block = _NO_BLOCK
        self._gate = gate

    def mask(self, text: str) -> str:
        """`text`, the next complete lines of the stream joined by "\\n", masked."""
        spans: list[Span] = []
        gated = gated_scan(text, spans, _scan, _lower) if self._gate else None
        if gated is None:
            lower = _lower(text)
            opened = _scan(text, lower, spans)
        else:
            opened, lower = gated
        follow: list[tuple[int, str, int]] = [(0, s, b) for s, b in self._waiting.items()]
        for end, state in opened:
            eol = text.find("\n", end)
            follow.append((len(text) + 1 if eol == -1 else eol + 1, state, MAX_BLANK_LINES))
        waiting: dict[str, int] = {}
        for pos, state, blanks in follow:
            left = _follow(text, lower, pos, state, blanks, spans)
            if left is not None:
                waiting[left[0]] = max(left[1], waiting.get(left[0], -1))
        self._waiting = waiting
        if self._block != _NO_BLOCK or "-----BEGIN " in text:
            self._block = _blocks(text, self._block, spans)
        return _splice(text, spans) if spans else text


def mask_text(text: str) -> str:
    """`text` (a line, an entry or a chunk of many lines) with recognised secrets as ***."""
    return StreamMasker().mask(text)


def mask_entry(entry: LogEntry) -> LogEntry:
    """Mask an entry's message and raw line, in place; returns it."""
    message = mask_text(entry.message)
    if message != entry.message:
        entry.message = message
        entry.raw_line = mask_text(entry.raw_line)
    return entry


def mask_entries(entries: Iterable[LogEntry]) -> list[LogEntry]:
    return [mask_entry(e) for e in entries]


# --- docker inspect ------------------------------------------------------------------------

_SECRET_NAME = re.compile(
    r"(?i)password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|credential|session[_-]?id|auth[_-]?key|account[_-]?key|conn(?:ection)?[_-]?str"
)
_NAME_PARTS = re.compile(r"[^a-z0-9]+")
_SECRET_PARTS = frozenset({"pass", "basicauth", "digestauth"})
"""Secret wherever they stand in a name: DB_PASS, traefik.(...).basicauth.users."""
_SECRET_LAST_PARTS = frozenset({"key", "auth", "salt", "dsn"})
"""Secret as a name's last part: APP_KEY, JWT_SIGNING_KEY, REDIS_AUTH, SENTRY_DSN."""
_SECRET_FLAG = re.compile(
    r"(?i)--?[a-z0-9-]*(?:pass|password|passwd|pwd|secret|token|api-?key|auth|credentials?)"
)
"""A command-line flag whose next argument is a secret: --password x, --requirepass x."""


def secret_name(name: str) -> bool:
    """Does a variable's (or label's) name say its value is a secret?"""
    if _SECRET_NAME.search(name):
        return True
    parts = [p for p in _NAME_PARTS.split(name.lower()) if p]
    return bool(parts) and (parts[-1] in _SECRET_LAST_PARTS or not _SECRET_PARTS.isdisjoint(parts))


def mask_env(variables: Iterable[str]) -> list[str]:
    """`docker inspect` Config.Env: values of secret names whole, other values' secrets."""
    masked = []
    for item in variables:
        name, sep, value = item.partition("=")
        if sep and value and secret_name(name):
            masked.append(f"{name}={MASK}")
        else:
            masked.append(f"{name}{sep}{mask_text(value)}" if sep else item)
    return masked


def mask_args(arguments: Iterable[str]) -> list[str]:
    """A command's arguments (Cmd, Entrypoint, Args): each one's secrets, and the argument
    after a secret flag (`redis-server --requirepass hunter2`)."""
    masked: list[str] = []
    hide = False
    for argument in arguments:
        masked.append(MASK if hide and argument and not argument.startswith("-") else mask_text(argument))
        hide = _SECRET_FLAG.fullmatch(argument) is not None
    return masked


def mask_labels(labels: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (MASK if value and secret_name(str(key)) else mask_text(value))
        if isinstance(value, str)
        else value
        for key, value in labels.items()
    }


def _strings(value: Any) -> list[str] | None:
    return [str(v) for v in value] if isinstance(value, list) else None


def mask_inspect(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mask `docker inspect` output in place (returns it): Config.Env, the command
    (Path, Args, Config.Cmd, Config.Entrypoint, the health check) and Config.Labels."""
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        if isinstance(doc.get("Path"), str):
            doc["Path"] = mask_text(doc["Path"])
        if (args := _strings(doc.get("Args"))) is not None:
            doc["Args"] = mask_args(args)
        config = doc.get("Config")
        if not isinstance(config, dict):
            continue
        if (env := _strings(config.get("Env"))) is not None:
            config["Env"] = mask_env(env)
        for field in ("Cmd", "Entrypoint"):
            if (args := _strings(config.get(field))) is not None:
                config[field] = mask_args(args)
        health = config.get("Healthcheck")
        if isinstance(health, dict) and (test := _strings(health.get("Test"))) is not None:
            health["Test"] = mask_args(test)
        if isinstance(config.get("Labels"), dict):
            config["Labels"] = mask_labels(config["Labels"])
    return documents
