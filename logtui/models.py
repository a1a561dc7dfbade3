"""Plain data types shared by every layer: no I/O, no SSH, no Textual."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
"""Levels in increasing severity; index in this tuple is the severity rank."""

LEVEL_RANK: dict[str, int] = {name: rank for rank, name in enumerate(LEVELS)}

ERROR_LEVELS: frozenset[str] = frozenset({"ERROR", "CRITICAL"})
"""Levels that count as errors in summaries and in `get_error_logs_only`."""


@dataclass(slots=True)
class LogEntry:
    """One log entry of one container: a line, or a multi-line group such as a traceback.

    `timestamp` is naive UTC ISO 8601 with microseconds (the spec's format);
    `docker_timestamp` keeps Docker's own RFC 3339 nanosecond stamp, which is what
    `--since` resumes from and what orders entries exactly.
    """

    container_name: str
    timestamp: str
    level: str
    message: str
    raw_line: str
    stream: str = "stdout"
    docker_timestamp: str = ""

    def to_dict(self) -> dict[str, str]:
        """The spec's log entry format, plus the stream the entry came from."""
        return {
            "container_name": self.container_name,
            "timestamp": self.timestamp,
            "level": self.level,
            "message": self.message,
            "raw_line": self.raw_line,
            "stream": self.stream,
        }

    @property
    def is_error(self) -> bool:
        return self.level in ERROR_LEVELS


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
