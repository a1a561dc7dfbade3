"""`Container`, what every simulated container shares: metadata, state, change listeners,
and the `docker logs` selection (--tail, then --since/--until) over the log a kind provides.

Apart from the kinds of log (`workload`, `bulk`) so that each module does one job; `engine`
and `docker_cli` need only this base.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..guard import validate_container_name
from .dockerfmt import NS
from .loglines import LogLine, render_lines

Clock = Callable[[], int]
"""Returns the current time in ns since the epoch (time.time_ns, or a test's fake)."""


@dataclass(frozen=True)
class Port:
    """A container port, published on the host when `host_port` is set."""

    container_port: int
    proto: str = "tcp"
    host_ip: str = ""
    host_port: int | None = None


@dataclass(frozen=True)
class Mount:
    """A named volume (or a bind mount when `kind` is "bind")."""

    name: str
    destination: str
    kind: str = "volume"


@dataclass
class Resources:
    """What `docker stats` reports around: typical CPU %, memory and process count."""

    cpu_percent: float = 1.0
    mem_bytes: int = 64 * 1024 * 1024
    mem_limit: int = 8_192_606_208
    pids: int = 4


def _ns_from(ts: float | str | None, clock: Clock) -> int:
    """A time given as float seconds (exact to its decimal digits), RFC 3339, or now."""
    if ts is None:
        return clock()
    if isinstance(ts, str):
        from .dockerfmt import parse_docker_time

        return parse_docker_time(ts, clock())
    return int(Decimal(repr(ts)) * NS)


def container_id(seed: int, name: str) -> str:
    """A stable 64-hex container ID, so that separate runs agree."""
    return hashlib.sha256(f"logtui-sim:{seed}:{name}".encode()).hexdigest()


@dataclass(eq=False)
class Container:
    """A container the simulated daemon knows: metadata, state, and (in subclasses) its log."""

    name: str
    image: str = "busybox:latest"
    command: Sequence[str] = ("sh",)
    created_ns: int = 0
    started_ns: int | None = None
    finished_ns: int | None = None
    exit_code: int = 0
    seed: int = 0
    env: Sequence[str] = ()
    labels: dict[str, str] = field(default_factory=dict)
    ports: Sequence[Port] = ()
    mounts: Sequence[Mount] = ()
    health: str | None = None
    resources: Resources = field(default_factory=Resources)
    network: str = "bridge"
    ip_address: str = "172.17.0.2"
    restart_count: int = 0

    def __post_init__(self) -> None:
        validate_container_name(self.name)
        self.id = container_id(self.seed, self.name)
        if self.started_ns is None:
            self.started_ns = self.created_ns
        self._listeners: set[Callable[[], None]] = set()

    # -- state --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.finished_ns is None

    @property
    def state(self) -> str:
        return "running" if self.running else "exited"

    def now_ns(self) -> int:
        """This container's idea of now (ScriptedContainer takes a clock)."""
        return time.time_ns()

    def stop(self, exit_code: int = 0, ts: float | str | None = None) -> None:
        """The container's process ended: logs stay readable, follow streams end."""
        self.finished_ns = _ns_from(ts, self.now_ns)
        self.exit_code = exit_code
        self._notify()

    # -- change notification (follow streams wake at once instead of at the next poll) ----

    def add_listener(self, callback: Callable[[], None]) -> None:
        """Call `callback` (from any thread) whenever lines are written or the state changes."""
        self._listeners.add(callback)

    def remove_listener(self, callback: Callable[[], None]) -> None:
        self._listeners.discard(callback)

    def _notify(self) -> None:
        for callback in list(self._listeners):
            callback()

    # -- the log ------------------------------------------------------------------------

    def lines(self, start_ns: int, end_ns: int) -> Iterator[LogLine]:
        """Lines with start_ns <= ts < end_ns, in order. Subclasses provide the log."""
        return iter(())

    def lines_between(self, t0: float, t1: float) -> list[LogLine]:
        """Lines with t0 <= ts < t1, in Unix seconds: the same lines every time."""
        return list(self.lines(_ns_from(t0, self.now_ns), _ns_from(t1, self.now_ns)))

    def last_lines(self, n: int, end_ns: int) -> list[LogLine]:
        """The last `n` lines with ts < end_ns, in order."""
        if n <= 0:
            return []
        return list(self.lines(0, end_ns))[-n:]

    def follow_cursor(self, now_ns: int) -> Any:
        """A position just after every line visible at `now_ns`."""
        return now_ns

    def poll(self, cursor: Any, now_ns: int) -> tuple[list[LogLine], Any]:
        """Lines that became visible since `cursor`, and the new cursor."""
        if now_ns <= cursor:
            return [], cursor
        return list(self.lines(cursor + 1, now_ns + 1)), now_ns

    def query(
        self, since_ns: int | None, until_ns: int | None, tail: int | None, now_ns: int
    ) -> Iterator[LogLine]:
        """`docker logs` selection: the last `tail` lines of the whole log, then since/until.

        As in Docker's log drivers, --tail counts back from the end of the log and --since
        (inclusive) and --until (inclusive) then filter that tail.
        """
        start = since_ns or 0
        end = now_ns + 1 if until_ns is None else min(until_ns, now_ns) + 1
        if start >= end:
            return iter(())
        if tail is None:
            return self.lines(start, end)
        return (line for line in self.last_lines(tail, now_ns + 1) if start <= line.ts < end)

    def render(
        self,
        since_ns: int | None,
        until_ns: int | None,
        tail: int | None,
        now_ns: int,
        *,
        timestamps: bool = True,
    ) -> Iterator[tuple[str, bytes]]:
        """The selected lines as `docker logs` prints them, in (stream, bytes) chunks."""
        return render_lines(self.query(since_ns, until_ns, tail, now_ns), timestamps=timestamps)
