"""Plain data types shared by every layer: no I/O, no SSH, no Textual."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter, getitem
from typing import Any

from .gc_pause import collector_paused, untrack

LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
"""Levels in increasing severity; index in this tuple is the severity rank."""

LEVEL_RANK: dict[str, int] = {name: rank for rank, name in enumerate(LEVELS)}

ERROR_LEVELS: frozenset[str] = frozenset({"ERROR", "CRITICAL"})
"""Levels that count as errors in summaries and in `get_error_logs_only`."""


Columns = tuple[list[str], list[str], list[int | str], list[str | None], list[str | None]]
"""Levels, raw lines, messages (offsets or text), timestamps, docker stamps (`LogEntry.columns`)."""

_FIELDS = ("container_name", "timestamp", "level", "message", "raw_line", "stream", "docker_timestamp")


class LogEntry:
    """One log entry of one container: a line, or a multi-line group such as a traceback.

    `timestamp` is naive UTC ISO 8601 with microseconds (the spec's format);
    `docker_timestamp` keeps Docker's own RFC 3339 nanosecond stamp, which is what
    `--since` resumes from and what orders entries exactly.

    Compact, because the dashboard holds a million of these: when the message is the end
    of the raw line and the stamps are its start (Docker's usual line), only the raw line
    and an offset are kept, and the other fields are slices made when read.
    """

    __slots__ = ("_dts", "_msg", "_raw", "_ts", "container_name", "level", "stream")

    def __init__(
        self,
        container_name: str,
        timestamp: str,
        level: str,
        message: str,
        raw_line: str,
        stream: str = "stdout",
        docker_timestamp: str = "",
    ) -> None:
        self.container_name = container_name
        self.level = level
        self.stream = stream
        self._raw = raw_line
        at = len(raw_line) - len(message)
        self._msg: int | str = at if at >= 0 and raw_line.endswith(message) else message
        fixed = len(docker_timestamp) == 30 and raw_line.startswith(docker_timestamp)
        self._dts: str | None = None if fixed else docker_timestamp
        self._ts: str | None = None if fixed and timestamp == docker_timestamp[:26] else timestamp

    @classmethod
    def of_line(
        cls, container_name: str, level: str, raw_line: str, stream: str, message_at: int
    ) -> LogEntry:
        """A one-line entry whose raw line opens with Docker's fixed 30-character stamp and
        whose message is `raw_line[message_at:]`: the parser's fast path."""
        entry = cls.__new__(cls)
        entry.container_name, entry.level, entry.stream = container_name, level, stream
        entry._raw, entry._msg, entry._dts, entry._ts = raw_line, message_at, None, None
        return entry

    def compact(self) -> tuple[str, str, int | str, str | None, str | None]:
        """What `from_compact` needs besides container and stream: cheap to pickle."""
        return (self.level, self._raw, self._msg, self._ts, self._dts)

    @classmethod
    def from_compact(
        cls, container_name: str, stream: str, state: tuple[str, str, int | str, str | None, str | None]
    ) -> LogEntry:
        entry = cls.__new__(cls)
        entry.container_name, entry.stream = container_name, stream
        entry.level, entry._raw, entry._msg, entry._ts, entry._dts = state
        return entry

    @staticmethod
    def columns(entries: Sequence[LogEntry]) -> Columns:
        """`compact` of many entries, field by field: a parse worker's answer. Five lists
        pickle and load at about half the cost of one tuple per entry, and `from_columns`
        builds the entries without a call per entry (measured: 1,013 -> 427 ns an entry on
        the dashboard's side)."""
        return (
            [e.level for e in entries],
            [e._raw for e in entries],
            [e._msg for e in entries],
            [e._ts for e in entries],
            [e._dts for e in entries],
        )

    @classmethod
    def from_columns(cls, container_name: str, stream: str, columns: Columns) -> list[LogEntry]:
        """The entries `columns` describes, all of one container and stream.

        With the cyclic collector paused: the new entries stay, form no cycle, and every
        700 of them would start a young collection that walks them again (measured on the
        bench's stdout in 256 KiB pieces: 775 -> 520 ns an entry). Untracked (`untrack`):
        what parse workers answer is what the dashboard keeps (the CLI with workers uses
        them briefly: harmless)."""
        new = cls.__new__
        out: list[LogEntry] = []
        append = out.append
        with collector_paused():
            for level, raw, msg, ts, dts in zip(*columns, strict=True):
                entry = new(cls)
                entry.container_name, entry.stream, entry.level = container_name, stream, level
                entry._raw, entry._msg, entry._ts, entry._dts = raw, msg, ts, dts
                append(entry)
            if cls is LogEntry:  # a subclass may hold more than strings: left to the collector
                untrack(out)  # kept for long: untracked before any young collection walks them
        return out

    @property
    def raw_line(self) -> str:
        return self._raw

    @raw_line.setter
    def raw_line(self, value: str) -> None:
        # The derived fields are slices of the old raw line: keep them as they were.
        self._msg, self._ts, self._dts = self.message, self.timestamp, self.docker_timestamp
        self._raw = value

    @property
    def message(self) -> str:
        msg = self._msg
        return self._raw[msg:] if isinstance(msg, int) else msg

    @message.setter
    def message(self, value: str) -> None:
        self._msg = value

    @property
    def timestamp(self) -> str:
        ts = self._ts
        return self._raw[:26] if ts is None else ts

    @timestamp.setter
    def timestamp(self, value: str) -> None:
        self._ts = value

    @property
    def docker_timestamp(self) -> str:
        dts = self._dts
        return self._raw[:30] if dts is None else dts

    @docker_timestamp.setter
    def docker_timestamp(self, value: str) -> None:
        self._ts, self._dts = self.timestamp, value

    def _fields(self) -> tuple[str, ...]:
        return tuple(getattr(self, name) for name in _FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaced

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={value!r}" for name, value in zip(_FIELDS, self._fields(), strict=True))
        return f"LogEntry({inner})"

    def __getstate__(self) -> tuple[str, ...]:
        return self._fields()

    def __setstate__(self, state: tuple[str, ...]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    def to_dict(self) -> dict[str, str]:
        """The spec's log entry format, plus the stream the entry came from."""
        return {
            "container_name": self.container_name,
            "timestamp": self.timestamp,
            "level": self.level,
            "message": self.message,
            "raw_line": self._raw,
            "stream": self.stream,
        }

    @property
    def is_error(self) -> bool:
        return self.level in ERROR_LEVELS


_RAW = attrgetter("_raw")
_MSG = attrgetter("_msg")


def message_sources(entries: Sequence[LogEntry]) -> tuple[list[str], list[int]]:
    """Each entry's message as a string it ends and the offset where it starts there.

    Lets a search lay a million messages end to end without copying each one first: most
    messages are the end of their raw line.
    """
    texts = list(map(_RAW, entries))
    starts = list(map(_MSG, entries))
    if str in set(map(type, starts)):
        for i, start in enumerate(starts):
            if start.__class__ is str:
                texts[i], starts[i] = start, 0
    return texts, starts


_TS = attrgetter("_ts")
_STAMP = slice(0, 26)


def all_plain(entries: Sequence[LogEntry]) -> bool:
    """True if every entry is a LogEntry itself, whose fields the column readers know (and
    which refers to strings, ints and None only: what the dashboard's store takes)."""
    return not set(map(type, entries)) - {LogEntry}


def timestamps_of(entries: Sequence[LogEntry]) -> list[str]:
    """`[e.timestamp for e in entries]` without a Python call per entry (when every stamp
    is the raw line's start): summaries read the stamps of every error of a million lines."""
    if not all_plain(entries):
        return [e.timestamp for e in entries]
    raws, own = map(_RAW, entries), list(map(_TS, entries))
    if own.count(None) == len(own):
        return list(map(getitem, raws, repeat(_STAMP)))
    return [raw[:26] if ts is None else ts for raw, ts in zip(raws, own, strict=True)]


@dataclass(slots=True)
class ContainerInfo:
    """One row of `docker ps`."""

    name: str
    id: str
    image: str
    state: str
    status: str
    created: str = ""
    ports: str = ""

    @property
    def running(self) -> bool:
        return self.state == "running"

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "id": self.id,
            "image": self.image,
            "state": self.state,
            "status": self.status,
            "created": self.created,
            "ports": self.ports,
        }


@dataclass(slots=True)
class ContainerStats:
    """One row of `docker stats --no-stream`."""

    name: str
    id: str
    cpu_percent: float
    mem_usage: str
    mem_percent: float
    pids: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class CommandResult:
    """What a remote command returned: raw bytes of both streams and the exit status."""

    command: str
    exit_status: int
    stdout: bytes
    stderr: bytes
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.exit_status == 0
