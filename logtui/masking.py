"""Secret masking: what logtui shows and exports never carries a credential by default.

Logs leak secrets: connection strings, bearer tokens, cloud keys. Masking replaces the
secret part with `***` and keeps the rest (the key name, the user, the scheme), so the line
still explains itself. It is on by default (LOGTUI_MASK_SECRETS=0 or `--no-mask` turn it
off). The patterns are an allowlist of known secret shapes.

Speed: `mask_text` runs on whole chunks of `docker logs` output, not line by line. A rule
that starts with a literal runs on the whole chunk (`re` skips to the literal fast); the
others have literal gates, found with `str.find` on the lower-cased chunk, and their regex
runs only on the lines where a gate occurs. Case-insensitive rules run case-sensitively on
the lower-cased text and are spliced back into the original (IGNORECASE is ~15x slower).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .models import LogEntry

MASK = "***"

_SECRET_WORDS = (
    r"(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key"
    r"|private[_-]?key|client[_-]?secret|credentials?|session[_-]?id|auth[_-]?key)"
)
_KV_GATES = ("pass", "pwd", "secret", "token", "key", "credential", "session")


def _quoted_mask(value: str) -> str:
    """*** in the value's own quotes, so masked JSON stays JSON."""
    return f"{value[0]}{MASK}{value[0]}" if value[:1] in {'"', "'"} else MASK


Group = Callable[[int], str]
"""group(i) of a match, taken from the original text (not its lower-cased copy)."""


def _keep_group_1(group: Group) -> str:
    return group(1) + MASK


def _keep_key(group: Group) -> str:
    return group(1) + _quoted_mask(group(2))


def _mask_all(group: Group) -> str:
    return MASK


_KEY_BODY = re.compile(r"^((?:\S+Z )?)(?!-----END)[A-Za-z0-9+/=]+$", re.MULTILINE)


def _mask_key_block(group: Group) -> str:
    """Each base64 line of a private key becomes ***; docker stamps and line breaks stay."""
    head, _, body = group(0).partition("\n")
    return head + "\n" + _KEY_BODY.sub(lambda m: m.group(1) + MASK, body) if body else head


@dataclass(frozen=True)
class _Rule:
    gates: tuple[str, ...]
    """Lower-case literals; the rule runs only on lines where one occurs. Empty: the
    pattern starts with a literal, which `re` finds as fast as a gate, so it runs on the
    whole text."""
    pattern: re.Pattern[str]
    replace: Callable[[Group], str]
    on_lower: bool = False
    """Match on the lower-cased text (a case-insensitive rule), splice into the original."""
    multiline: bool = False
    """Matches span lines: run on the whole text once a gate occurs."""


_RULES: tuple[_Rule, ...] = (
    _Rule(
        ("private key",),
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:\n(?:\S+Z )?[A-Za-z0-9+/=]+(?![^\n]))*"
            r"(?:\n(?:\S+Z )?-----END [A-Z0-9 ]*PRIVATE KEY-----)?"
        ),
        _mask_key_block,
        multiline=True,
    ),
    _Rule(
        ("authorization",),
        re.compile(r"(authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|basic|token|digest)\s+)[^\s\"',;]+"),
        _keep_group_1,
        on_lower=True,
    ),
    _Rule(("bearer",), re.compile(r"(bearer\s+)[a-z0-9._~+/=-]{8,}"), _keep_group_1, on_lower=True),
    _Rule((), re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"), _mask_all),
    _Rule(
        (),
        re.compile(r"((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{4})[0-9A-Z]{12}(?![0-9A-Z])"),
        _keep_group_1,
    ),
    _Rule((), re.compile(r"(gh[pousr]_)[A-Za-z0-9]{30,255}"), _keep_group_1),
    _Rule((), re.compile(r"(github_pat_)[A-Za-z0-9_]{22,255}"), _keep_group_1),
    _Rule((), re.compile(r"(xox[abposre]-)[A-Za-z0-9-]{10,}"), _keep_group_1),
    _Rule((), re.compile(r"(hooks\.slack\.com/services/)[A-Za-z0-9/_-]+"), _keep_group_1),
    _Rule(("_live_", "_test_"), re.compile(r"((?:sk|rk)_(?:live|test)_)[A-Za-z0-9]{10,}"), _keep_group_1),
    _Rule(
        ("@",),
        re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]{0,31}://[^/\s:@]{1,256}:)[^/\s@]{1,256}(?=@)"),
        _keep_group_1,
    ),
    _Rule(
        _KV_GATES,
        re.compile(
            r"(" + _SECRET_WORDS + r"[a-z0-9_]*[\"']?\s*[:=]\s*)"
            r"(\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s,;&\"'}]+)"
        ),
        _keep_key,
        on_lower=True,
    ),
)


_MAX_HOPS = 3
"""Lines a match may continue on: `authorization` / `:` / `bearer` / token, at most."""


def _regions(lower: str, gates: tuple[str, ...]) -> list[tuple[int, int]]:
    """Spans to search: each line where a gate occurs, and the next _MAX_HOPS lines with
    text (a match starts on a gate's line; its `\\s*` and `\\s+` may cross lines).

    Every match of a rule contains one of its gates on its first line, so searching these
    spans finds exactly what searching the whole text finds, at a fraction of the cost.
    """
    spans: list[tuple[int, int]] = []
    find, rfind, size = lower.find, lower.rfind, len(lower)
    for gate in gates:
        at = find(gate)
        while at != -1:
            eol = find("\n", at)
            if eol == -1:
                spans.append((rfind("\n", 0, at) + 1, size))
                break
            end = eol
            for _ in range(_MAX_HOPS):  # the next lines with text
                end += 1
                while end < size and lower[end].isspace():
                    end += 1
                end = find("\n", end)
                if end == -1:
                    end = size
                    break
            spans.append((rfind("\n", 0, at) + 1, end))
            at = find(gate, eol + 1)
    if len(spans) > 1:
        spans.sort()
        merged = [spans[0]]
        for start, end in spans[1:]:
            last_start, last_end = merged[-1]
            if start <= last_end:
                merged[-1] = (last_start, max(last_end, end))
            else:
                merged.append((start, end))
        spans = merged
    return spans


def _apply(rule: _Rule, text: str, lower: str) -> str:
    """Replace every match of `rule`; a case-insensitive rule matches on `lower`, whose
    spans are the same as the original's, and takes its groups from the original."""
    subject = lower if rule.on_lower else text
    whole = not rule.gates or rule.multiline
    spans = [(0, len(text))] if whole else _regions(lower, rule.gates)
    pieces: list[str] = []
    last = 0
    finditer = rule.pattern.finditer
    for span_start, span_end in spans:
        for match in finditer(subject, max(span_start, last), span_end):
            start, end = match.span()
            pieces.append(text[last:start])
            if rule.on_lower:
                pieces.append(rule.replace(lambda i, m=match: text[m.start(i) : m.end(i)]))
            else:
                pieces.append(rule.replace(match.group))
            last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def mask_text(text: str) -> str:
    """`text` (a line, an entry or a chunk of many lines) with recognised secrets as ***."""
    lower = text.lower()
    if len(lower) != len(text):  # rare: a character whose lower case is longer
        return "".join(mask_text(ch) if len(ch.lower()) == len(ch) else ch for ch in _words(text))
    for rule in _RULES:
        if rule.gates and rule.multiline:
            for gate in rule.gates:
                if gate in lower:
                    break
            else:
                continue
        masked = _apply(rule, text, lower)
        if masked is not text:
            text = masked
            lower = text.lower()
    return text


def _words(text: str) -> list[str]:
    """Split keeping separators, so characters with longer lower cases are isolated."""
    return re.split(r"(\s+)", text)


def mask_entry(entry: LogEntry) -> LogEntry:
    """Mask an entry's message and raw line, in place; returns it."""
    message = mask_text(entry.message)
    if message != entry.message:
        entry.message = message
        entry.raw_line = mask_text(entry.raw_line)
    return entry


def mask_entries(entries: Iterable[LogEntry]) -> list[LogEntry]:
    return [mask_entry(e) for e in entries]


_SECRET_ENV_NAME = re.compile(r"(?i)" + _SECRET_WORDS + r"|dsn$")


def mask_env(variables: Iterable[str]) -> list[str]:
    """`docker inspect` Config.Env: values of secret-looking names, and embedded secrets, masked."""
    masked = []
    for item in variables:
        name, sep, value = item.partition("=")
        if sep and value and _SECRET_ENV_NAME.search(name) and "://" not in value:
            masked.append(f"{name}={MASK}")
        else:
            masked.append(f"{name}{sep}{mask_text(value)}" if sep else item)
    return masked


def mask_inspect(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mask environment values in `docker inspect` output (in place; returns it)."""
    for doc in documents:
        config = doc.get("Config")
        if isinstance(config, dict) and isinstance(config.get("Env"), list):
            config["Env"] = mask_env(str(v) for v in config["Env"])
    return documents
