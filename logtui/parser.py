"""Turn raw `docker logs --timestamps` output into `LogEntry` objects: the public face.

Each output line of Docker looks like `2025-08-16T14:30:22.123456789Z <text>`; podman gives
whole seconds. The work is split by job, and this module re-exports what the rest of logtui
imports from it, so callers need not know where each piece lives:

- `logtui.stamps`: the stamp split off a line, as ISO, and in time order (`merge_by_time`);
- `logtui.continuation`: which lines continue the entry before them (tracebacks, stack
  dumps, PostgreSQL DETAIL lines, indented lines);
- `logtui.assembler`: `EntryAssembler`, the state machine grouping one stream's lines;
- here: whole outputs (`parse_stream`, `parse_docker_output`).

Pure functions, no I/O.
"""

from __future__ import annotations

from .assembler import MAX_ENTRY_CHARS as MAX_ENTRY_CHARS
from .assembler import MAX_ENTRY_LINES as MAX_ENTRY_LINES
from .assembler import EntryAssembler
from .assembler import strip_level_tag as strip_level_tag
from .continuation import ANNOUNCE_WINDOW_S as ANNOUNCE_WINDOW_S
from .continuation import WRITTEN_TOGETHER_S as WRITTEN_TOGETHER_S
from .continuation import is_continuation
from .levels import detect_level
from .models import LogEntry
from .split_lines import rejoin_split_text
from .stamps import merge_by_time, split_docker_line, to_iso
from .stamps import stamp_time_key as stamp_time_key
from .stamps import time_key as time_key

__all__ = [
    "EntryAssembler",
    "detect_level",
    "is_continuation",
    "merge_by_time",
    "parse_docker_output",
    "parse_stream",
    "split_docker_line",
    "to_iso",
]


def parse_stream(container: str, stream: str, text: str) -> list[LogEntry]:
    """The whole output of one stream (stdout or stderr) as entries, in arrival order.

    A line the log driver split into parts is one entry (`logtui.split_lines`).
    """
    if not text:
        return []
    assembler = EntryAssembler(container, stream)
    entries = assembler.feed_text(rejoin_split_text(text).removesuffix("\n"))
    entries.extend(assembler.flush())
    return entries


def parse_docker_output(container: str, stdout: str, stderr: str) -> list[LogEntry]:
    """Both streams of one `docker logs` run, each grouped on its own, merged in time order.

    For equal stamps (common with podman's whole seconds) stdout's entries come first.
    """
    return merge_by_time(parse_stream(container, "stdout", stdout), parse_stream(container, "stderr", stderr))
