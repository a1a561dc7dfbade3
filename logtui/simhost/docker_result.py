"""What a simulated docker command gives back, and the pieces every command is built from.

`DockerResult` (output chunks, exit status) and, for `docker logs --follow`, `LogFollow`,
its live part; the daemon's error texts; `refused`, the guard's answer; `_opts`, which splits
a validated argv; `_table`, Go's tabwriter as docker's tables use it. Apart from `SimDocker`
(docker_cli) so that module holds only the daemon's state and one method per command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..guard import CommandRefused
from .container import Container
from .loglines import render_lines

if TYPE_CHECKING:
    from .docker_cli import SimDocker

API_VERSION = "1.50"
"""The Engine API version Docker CLI 28.2 speaks; it shows in some error messages."""

DAEMON_DOWN = (
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"
)
REFUSED_STATUS = 126
"""Exit status of a command the guard refused (as a shell does for 'cannot execute')."""

Chunk = tuple[str, bytes]
"""Output for one stream: ("stdout" | "stderr", bytes)."""


def _permission_denied(endpoint: str) -> str:
    return (
        "permission denied while trying to connect to the Docker daemon socket at "
        'unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/'
        f'v{API_VERSION}{endpoint}": dial unix /var/run/docker.sock: connect: permission denied\n'
    )


def _no_such(ref: str) -> bytes:
    return f"Error response from daemon: No such container: {ref}\n".encode()


@dataclass
class LogFollow:
    """The live part of `docker logs --follow`: call `poll(now)` until `done`."""

    docker: SimDocker
    container: Container
    cursor: Any
    since_ns: int | None
    until_ns: int | None
    timestamps: bool
    done: bool = False

    def poll(self, now_ns: int) -> list[Chunk]:
        """New output since the last poll; sets `done` once the log can have no more lines."""
        if self.done:
            return []
        lines, self.cursor = self.container.poll(self.cursor, now_ns)
        lines = [
            line
            for line in lines
            if (self.since_ns is None or line.ts >= self.since_ns)
            and (self.until_ns is None or line.ts <= self.until_ns)
        ]
        finished = self.container.finished_ns
        if (
            self.docker.containers.get(self.container.name) is not self.container
            or (finished is not None and now_ns >= finished)
            or (self.until_ns is not None and now_ns > self.until_ns)
        ):
            self.done = True
        return list(render_lines(lines, timestamps=self.timestamps))

    def add_listener(self, callback: Callable[[], None]) -> None:
        """Have `callback` called (from any thread) when the container writes or stops."""
        self.container.add_listener(callback)

    def remove_listener(self, callback: Callable[[], None]) -> None:
        self.container.remove_listener(callback)


@dataclass
class DockerResult:
    """What one docker command prints and returns. `chunks` may be a lazy generator."""

    chunks: Iterable[Chunk] = ()
    exit_status: int = 0
    follow: LogFollow | None = None


def refused(exc: CommandRefused) -> DockerResult:
    """The guard's answer to a refused command line."""
    return DockerResult([("stderr", f"logtui-guard: {exc}\n".encode())], REFUSED_STATUS)


def _opts(argv: Sequence[str]) -> tuple[set[str], dict[str, str], list[str]]:
    """Split an already validated argv (after `docker SUB`) into flags, options, names."""
    flags: set[str] = set()
    values: dict[str, str] = {}
    names: list[str] = []
    args = list(argv[2:])
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("--since", "--until", "--tail", "--format", "--type"):
            values[arg] = args[i + 1]
            i += 2
            continue
        if arg.startswith("-"):
            flags.add(arg)
        else:
            names.append(arg)
        i += 1
    return flags, values, names


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """Go tabwriter(minwidth 10, padding 3) as docker's table formats use it."""
    all_rows = [list(header), *map(list, rows)]
    widths = [max(10, max(len(row[col]) for row in all_rows) + 3) for col in range(len(header) - 1)]
    lines = []
    for row in all_rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        lines.append("".join(cells) + row[-1] + "\n")
    return "".join(lines).encode()
