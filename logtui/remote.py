"""The docker reader: typed, read-only access to one docker host over its SSH connection pool.

This is the async core that the Python API, the CLI and the dashboard all use. Every
method builds its command with `logtui.guard` and sends it with `SSHTransport`; docker's
own errors become `RuntimeError` carrying docker's message.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

import structlog

from . import guard, history
from .audit import AuditLog
from .config import Settings
from .follow import STATE_MAX_AGE_S, ResumePoint, StateCallback, follow_container
from .masking import mask_inspect
from .models import CommandResult, ContainerInfo, ContainerStats, LogEntry
from .parser import split_docker_line
from .reader import LocalReader, ReaderFactory
from .rotation import FollowRotation
from .textsafe import one_line, server_message
from .transport import SSHTransport

_log = structlog.get_logger("logtui")

__all__ = ["RemoteDocker", "ResumePoint", "since_for_hours", "validate_hours"]

MAX_HOURS = 24 * 366
"""Longest look-back window accepted, in hours."""

MAX_OUTPUT_BYTES = 8 << 20
"""Most output `docker ps`, `inspect` and `stats` may send (both streams): these answers are
read whole and parsed into objects about ten times their size, so a hostile or broken server
must not choose how much memory that takes. `ps` of 1,000 containers is about 0.5 MiB, and
`inspect` about 20 KiB per container."""

MAX_ERROR_BYTES = 4096
"""How much of a failed command's stderr is read for its message (`server_message` keeps
at most `MAX_MESSAGE_CHARS` of it)."""


def validate_hours(hours: float) -> float:
    """A look-back window in hours: a positive number, at most a year."""
    if isinstance(hours, bool) or not isinstance(hours, int | float) or math.isnan(hours):
        raise ValueError(f"hours must be a number, got {hours!r}")
    if not 0 < hours <= MAX_HOURS:
        raise ValueError(f"hours must be greater than 0 and at most {MAX_HOURS}, got {hours!r}")
    return float(hours)


def since_for_hours(hours: float) -> str:
    """`--since` as a duration relative to the server's clock, so client clock skew is harmless."""
    return f"{max(1, round(validate_hours(hours) * 3600))}s"


def docker_error(result: CommandResult) -> str:
    """Docker's own message from a failed command's stderr (log lines left out).

    Sanitized and on one line: it is the server's text, and it ends up in exceptions that
    people print.
    """
    text = result.stderr[-MAX_ERROR_BYTES:].decode("utf-8", errors="replace")
    lines = [ln for ln in text.splitlines() if not split_docker_line(ln)[0]]
    return server_message(lines, f"exit status {result.exit_status}")


def _percent(value: str) -> float:
    try:
        return float(value.strip().rstrip("%"))
    except (ValueError, AttributeError):
        return 0.0


def parse_ps(stdout: bytes) -> list[ContainerInfo]:
    """Rows of `docker ps --format '{{json .}}'`."""
    containers = []
    for line in stdout.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        containers.append(
            ContainerInfo(
                name=str(row.get("Names", "")).split(",")[0],
                id=str(row.get("ID", "")),
                image=str(row.get("Image", "")),
                state=str(row.get("State", "")).lower(),
                status=str(row.get("Status", "")),
                created=str(row.get("CreatedAt", "")),
                ports=str(row.get("Ports", "")),
            )
        )
    return containers


def parse_stats(stdout: bytes) -> list[ContainerStats]:
    """Rows of `docker stats --no-stream --format '{{json .}}'`."""
    rows = []
    for line in stdout.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        rows.append(
            ContainerStats(
                name=str(row.get("Name", "")),
                id=str(row.get("ID", row.get("Container", ""))),
                cpu_percent=_percent(row.get("CPUPerc", "")),
                mem_usage=str(row.get("MemUsage", "")),
                mem_percent=_percent(row.get("MemPerc", "")),
                pids=str(row.get("PIDs", "")),
                raw=row,
            )
        )
    return rows


def _parse_inspect(stdout: bytes) -> list[dict[str, Any]]:
    """`docker inspect`'s answer: a JSON array of objects (anything else is refused)."""
    documents = json.loads(stdout.decode("utf-8", errors="replace") or "[]")
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        raise ValueError("not a JSON array of objects")
    return documents


class RemoteDocker:
    """Read-only docker on one host, over one reused SSH connection."""

    def __init__(
        self,
        settings: Settings,
        *,
        audit: AuditLog | None = None,
        max_parallel: int = 8,
        reader_factory: ReaderFactory | None = None,
        handshakes: asyncio.Semaphore | None = None,
    ) -> None:
        """`reader_factory` makes the parsers of `follow`'s streams (default: in this thread)."""
        self.settings = settings
        self.reader_factory: ReaderFactory = reader_factory or LocalReader
        self.transport = SSHTransport(settings, audit, handshakes)
        self.rotation = FollowRotation()
        self.transport.pool.on_overfull = self.rotation.evict_from
        self.max_parallel = max_parallel
        self._parallel = asyncio.Semaphore(max_parallel)
        self._states: dict[str, str] = {}
        self._states_at = -math.inf
        self._state_lock = asyncio.Lock()

    async def __aenter__(self) -> RemoteDocker:
        """Connects lazily: a command refused by the guard never opens a connection."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def connect(self) -> None:
        await self.transport.connect()

    async def close(self) -> None:
        await self.transport.close()

    async def _run(self, command: guard.GuardedCommand) -> CommandResult:
        async with self._parallel:
            result = await self.transport.run(command, max_bytes=MAX_OUTPUT_BYTES)
        if not result.ok:
            raise RuntimeError(f"docker on {self.settings.label}: {docker_error(result)}")
        return result

    @property
    def parallel(self) -> asyncio.Semaphore:
        """Commands of this host running at once, at most (history reads hold a place)."""
        return self._parallel

    def build_command(self, build: Callable[..., guard.GuardedCommand], *args: Any, **kwargs: Any):
        """Build a command; a refusal is audit-logged before it is raised."""
        try:
            return build(*args, **kwargs)
        except guard.CommandRefused as exc:
            described = " ".join(str(a) for a in args)
            self.transport.audit.refused(
                host=self.settings.label, command=f"{build.__name__} {described}", reason=str(exc)
            )
            raise

    skipped: tuple[str, ...] = ()
    """Names the last `list_containers` left out (as terminal-safe `repr`s, cut to 100
    characters): docker's grammar does not allow them, so no command could name them."""

    async def list_containers(self, *, all_containers: bool = True) -> list[ContainerInfo]:
        """The containers of `docker ps`; one whose name is not a valid docker name (only a
        broken or hostile server sends one) is left out with a warning, never fatal."""
        result = await self._run(self.build_command(guard.docker_ps, all_containers=all_containers))
        containers, skipped, seen = [], [], set()
        for info in self._parsed(parse_ps, result):
            try:
                guard.validate_container_name(info.name)
            except guard.CommandRefused:
                skipped.append(info.name[:100])
            else:
                if info.name not in seen:  # a broken or hostile `ps` may list a name twice
                    seen.add(info.name)
                    containers.append(info)
        self.skipped = tuple(map(repr, skipped))
        if skipped and structlog.is_configured():  # unconfigured, structlog writes to stdout
            _log.warning(
                "containers skipped: docker ps listed names docker does not allow",
                host=self.settings.label,
                names=skipped,  # a list: rendered with repr, which escapes control characters
            )
        if all_containers:  # what polled followers need to know: has a container stopped?
            self._states = {c.name: c.state for c in containers}
            self._states_at = time.monotonic()
        return containers

    async def logs(
        self,
        name: str,
        *,
        since: str | None = None,
        until: str | None = None,
        tail: int | str | None = None,
    ) -> list[LogEntry]:
        """A container's logs, both streams, multi-line entries grouped, in time order.

        Output is parsed chunk by chunk as it arrives (`logtui.history`), which overlaps
        parsing with the server's sending; `log_batches` hands it on batch by batch.
        """
        return await history.logs_list(self, name, since=since, until=until, tail=tail)

    def log_batches(
        self,
        name: str,
        *,
        since: str | None = None,
        until: str | None = None,
        tail: int | str | None = None,
    ) -> AsyncIterator[list[LogEntry]]:
        """`logs` as batches in time order, each handed on once its place is decided:
        memory does not grow with the history's length."""
        return history.log_batches(self, name, since=since, until=until, tail=tail)

    async def logs_for_hours(self, name: str, hours: float) -> list[LogEntry]:
        return await self.logs(name, since=since_for_hours(hours))

    async def logs_of_all(
        self, hours: float, containers: Sequence[ContainerInfo] | None = None
    ) -> dict[str, list[LogEntry]]:
        """Logs of every container that has run (all but never-started ones), in parallel."""
        since = since_for_hours(hours)
        if containers is None:
            containers = await self.list_containers()
        names = [c.name for c in containers if c.state != "created"]
        results = await asyncio.gather(*(self.logs(n, since=since) for n in names))
        return dict(zip(names, results, strict=True))

    async def inspect(self, names: Sequence[str]) -> list[dict[str, Any]]:
        result = await self._run(self.build_command(guard.docker_inspect, list(names)))
        documents = self._parsed(_parse_inspect, result)
        return mask_inspect(documents) if self.settings.mask_secrets else documents

    async def health(self) -> dict[str, Any]:
        """Can we reach the server and docker? A report; a failure is in it, never raised."""
        from .export import now_iso

        report: dict[str, Any] = {
            "timestamp": now_iso(),
            "host": self.settings.label,
            "ssh_connection": False,
            "docker_available": False,
            "container_count": 0,
            "running_containers": 0,
            "status": "unhealthy",
            "error": None,
        }
        try:
            await self.connect()
            report["ssh_connection"] = True
            containers = await self.list_containers()
            report.update(
                docker_available=True,
                container_count=len(containers),
                running_containers=sum(c.running for c in containers),
                status="healthy",
            )
        except (RuntimeError, ValueError) as exc:
            report["error"] = str(exc)
        return report

    async def stats(self, names: Sequence[str] = ()) -> list[ContainerStats]:
        result = await self._run(self.build_command(guard.docker_stats, list(names)))
        return self._parsed(parse_stats, result)

    def _parsed(self, parse: Callable[[bytes], Any], result: CommandResult) -> Any:
        """Parse docker's JSON output; output we cannot read is a server-side failure.

        RecursionError: JSON nested thousands deep, which only a hostile server sends.
        """
        try:
            return parse(result.stdout)
        except (ValueError, AttributeError, TypeError, RecursionError) as exc:
            raise RuntimeError(
                f"unexpected output from `{result.command}` on {self.settings.label}: "
                f"{one_line(str(exc))[:200]}"
            ) from None

    async def follow(
        self,
        name: str,
        *,
        since: str | None = None,
        tail: int | str | None = None,
        on_state: StateCallback | None = None,
        max_retries: int | None = None,
        backoff: Iterable[float] = (0.5, 1, 2, 4, 8, 15),
    ) -> AsyncIterator[list[LogEntry]]:
        """Yield batches of new entries of one container, as `docker logs --follow` does.

        The container gets a live channel when the pool has room, and is polled in rotation
        when it has not (`logtui.follow`); both deliver every line once, in order per stream.
        When the connection drops, it reconnects with backoff and resumes from the last
        timestamp seen, skipping what was already delivered. It ends when the container's
        log stream ends; a docker error raises RuntimeError.
        """
        async for batch in follow_container(
            self, name, since=since, tail=tail, on_state=on_state, max_retries=max_retries, backoff=backoff
        ):
            yield batch

    async def is_running(self, name: str) -> bool:
        """Whether `name` may still write (running, paused or restarting), from a `docker ps`
        at most a few seconds old."""
        async with self._state_lock:
            if time.monotonic() - self._states_at > STATE_MAX_AGE_S:
                await self.list_containers()
        return self._states.get(name, "") in ("running", "paused", "restarting")

    def pin(self, names: Iterable[str]) -> None:
        """The containers the user is looking at: they get live channels before the others."""
        self.rotation.pin(set(names))
