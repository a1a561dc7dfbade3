"""Entries as JSON lines, byte for byte what `json.dumps(entry.to_dict(), ensure_ascii=False)`
writes, at a fraction of its cost.

`--json` output of a million entries spent most of its time building a dict per entry and
walking it in `json.dumps`. The record's shape is fixed, so each line is one format with the
fields encoded by the same C function `json.dumps` uses for strings; then the characters a
terminal acts on are escaped (`json_for_terminal`), as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from .models import LogEntry
from .textsafe import json_for_terminal

try:  # the C accelerator `json.dumps(..., ensure_ascii=False)` uses for every string
    from _json import encode_basestring as _encode  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - CPython always has it
    from json.encoder import py_encode_basestring as _encode

_LINE = '{"container_name": %s, "timestamp": %s, "level": %s, "message": %s, "raw_line": %s, "stream": %s}\n'
_HOSTED = (
    '{"container_name": %s, "timestamp": %s, "level": %s, "message": %s, "raw_line": %s, '
    '"stream": %s, "host": %s}\n'
)


def _plain(text: str) -> bool:
    """Whether JSON writes `text` as it is (printable ASCII, no quote, no backslash)."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def json_lines(entries: Iterable[LogEntry], host_of: Callable[[LogEntry], str | None] | None = None) -> str:
    """One JSON object per line per entry, as `Output` prints them: the spec's fields and
    `stream`, plus `host` when `host_of` is given; terminal-safe."""
    names: dict[str, str] = {}
    small: dict[str, str] = {}  # levels and stream names: a handful of values
    lines: list[str] = []
    emit = lines.append
    for e in entries:
        name = names.get(e.container_name)
        if name is None:
            name = names[e.container_name] = _encode(e.container_name)
        level = small.get(e.level) or small.setdefault(e.level, _encode(e.level))
        stream = small.get(e.stream) or small.setdefault(e.stream, _encode(e.stream))
        raw, at, ts = e._raw, e._msg, e._ts
        raw_json = _encode(raw)
        if isinstance(at, int) and _plain(raw[:at]):  # the message's escapes are the raw line's
            message_json = '"' + raw_json[at + 1 :]
        else:
            message_json = _encode(e.message)
        fields = (name, _encode(raw[:26] if ts is None else ts), level, message_json, raw_json, stream)
        if host_of is None:
            emit(_LINE % fields)
        else:
            emit(_HOSTED % (*fields, json.dumps(host_of(e), ensure_ascii=False)))
    return json_for_terminal("".join(lines))
