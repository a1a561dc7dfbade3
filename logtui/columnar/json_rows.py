"""`--json` lines made from columns: a chunk's runs of one-line entries written by Polars.

`json_lines` writes an entry's line at about 2 µs of CPython work; over a million lines of
history that is most of the CLI's time. A `PlainRun`'s lines are one-line entries whose
every field is a slice of the raw line (Docker's fixed stamp) or a known constant, so their
JSON is a concatenation of slices, in Rust, with JSON's two escapes for printable text
(`\\` and `"`); a line holding a control character (JSON escapes those as `\\n`, `\\u001b`
...) is written by `json.dumps`' own encoder instead. The result is a frame of rows
(`key`: `time_key` of the entry, `line`: its JSON line without "\\n"), in the stream's
order, ready for `FrameMerge`; the bytes equal `json_lines` over the same entries once
`json_for_terminal` has run over the text written (`write_text`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from ..json_lines import _encode, json_lines
from ..models import LEVELS, LogEntry
from ..textsafe import json_for_terminal
from ..time_merge import _keys
from .grouping import PlainRun
from .lines import STAMP_BYTES

SCHEMA = {"key": pl.String, "line": pl.String}
"""A frame of rows: the sort key and the JSON line (no "\\n") of each entry."""
MIN_RUN = 64
"""Lines in a run below which Polars' fixed cost per call (~0.1 ms) would not pay."""
_LEVELS = frozenset(LEVELS)


_EMPTY = pl.DataFrame(schema=SCHEMA)


def empty() -> pl.DataFrame:
    """No rows (one frame shared: frames are never changed in place)."""
    return _EMPTY


def _escaped(column: pl.Expr) -> pl.Expr:
    """JSON's escapes of printable ASCII text (without the quotes around it)."""
    return column.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)


def entry_rows(entries: Sequence[LogEntry]) -> pl.DataFrame:
    """Rows of entries the assembler made (multi-line groups, podman stamps, small chunks)."""
    if not entries:
        return empty()
    lines = json_lines(entries).split("\n")
    lines.pop()  # after the last "\n"
    return pl.DataFrame({"key": _keys(list(entries)), "line": lines}, schema=SCHEMA)


def _run_lines(runs: list[PlainRun], name: str, stream: str) -> pl.DataFrame | None:
    """Rows of runs of one-line entries with Docker's fixed stamp, one after the other:
    `json_lines` of their entries, from columns (None: too few lines to pay, or a level
    `json_lines` would escape)."""
    lines: list[str] = []
    levels: list[str | None] = []
    for run in runs:
        lines += run.lines[run.first : run.stop]
        levels += run.levels[run.first : run.stop]
    if len(lines) < MIN_RUN:
        return None
    level_names = [level or "INFO" for level in levels]
    if not _LEVELS.issuperset(level_names):
        return None
    columns: dict[str, object] = {"raw": lines, "level": level_names}
    raw = pl.col("raw")
    escaped = _escaped(raw)
    # The message is the raw line from `at` on; after Docker's stamp (no character JSON
    # escapes) it is the same slice of the escaped line. A level tag may hold one: its
    # lines' messages are escaped on their own.
    message = pl.concat_str([pl.lit('"'), escaped.str.slice(STAMP_BYTES), pl.lit('"')])
    if any(run.offsets for run in runs):
        at: list[int] = []
        for run in runs:
            get = run.offsets.get
            at += [get(i, STAMP_BYTES) for i in range(run.first, run.stop)]
        columns["at"] = at
        message = pl.concat_str([pl.lit('"'), _escaped(raw.str.slice(pl.col("at"))), pl.lit('"')])
    line = pl.concat_str(
        [
            pl.lit('{"container_name": ' + _encode(name) + ', "timestamp": "'),
            raw.str.slice(0, 26),
            pl.lit('", "level": "'),
            pl.col("level"),
            pl.lit('", "message": '),
            message,
            pl.lit(', "raw_line": "'),
            escaped,
            pl.lit('", "stream": ' + _encode(stream) + "}"),
        ]
    )
    rows = pl.DataFrame(columns).select(key=raw.str.slice(0, 29), line=line)
    special = np.concatenate([run.special[run.first : run.stop] for run in runs])
    where = np.flatnonzero(special)
    if where.size:  # control characters, DEL, non-ASCII: `json_lines` writes these lines
        at_of = columns.get("at")
        fixed = [
            json_lines(
                [LogEntry.of_line(name, level_names[i], lines[i], stream, at_of[i] if at_of else STAMP_BYTES)]  # type: ignore[index]
            )[:-1]
            for i in where.tolist()
        ]
        rows = rows.with_columns(rows["line"].scatter(where, fixed))
    return rows


def parts_rows(parts: Sequence[list[LogEntry] | PlainRun], name: str, stream: str) -> pl.DataFrame:
    """Rows of `ChunkGrouper.feed_parts`' output (one chunk's parts), in order."""
    runs = [p for p in parts if isinstance(p, PlainRun) and not p.whole_seconds]
    columns = _run_lines(runs, name, stream) if runs else None
    if columns is None:  # every entry made, as `json_lines` writes them
        made: list[LogEntry] = []
        for part in parts:
            made += part.entries() if isinstance(part, PlainRun) else part
        return entry_rows(made)
    made, order, at_run = [], [], 0
    for part in parts:  # rows of the runs' frame are 0.., the made entries' follow them
        if isinstance(part, PlainRun) and not part.whole_seconds:
            size = part.stop - part.first
            order.append((at_run, size))
            at_run += size
        else:
            entries = part.entries() if isinstance(part, PlainRun) else part
            order.append((-1 - len(made), len(entries)))
            made += entries
    if not made:
        return columns
    base = len(columns)
    index = np.concatenate(
        [np.arange(s, s + n) if s >= 0 else np.arange(base - 1 - s, base - 1 - s + n) for s, n in order if n]
    )
    return pl.concat([columns, entry_rows(made)]).select(pl.all().gather(index))


def write_text(rows: pl.DataFrame) -> str:
    """The rows' JSON lines as `json_lines` writes them: one per line, terminal-safe."""
    if rows.is_empty():
        return ""
    return json_for_terminal(rows["line"].str.join("\n").item() + "\n")
