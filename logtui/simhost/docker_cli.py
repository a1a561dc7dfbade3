"""The simulated `docker` command: the four read-only commands, printed as Docker CLI 28 does.

`SimDocker` holds the daemon's state (containers, daemon-down and permission-denied modes)
and turns a validated argv into a `DockerResult`: the output chunks for stdout and stderr,
the exit status and, for `docker logs --follow`, a `LogFollow` that yields new lines as the
clock moves. The SSH server (`server.py`) and this module's `main()` both drive it.

Run as a program, this module *is* the `docker` executable behind a real OpenSSH sshd in
end-to-end tests:

    python -m logtui.simhost.docker_cli logs --timestamps --since 10m web-app

It checks its argv with the same guard as the client (refused: `logtui-guard: <reason>` on
stderr, exit 126), serves the default demo workload seeded from LOGTUI_SIM_SEED (default 0),
so that separate invocations agree, and reads scripted content from the JSON file named by
LOGTUI_SIM_SCENARIO (format: see `logtui.simhost.scenario`). Follow mode ends cleanly when
its stdout is closed, on SIGPIPE, SIGHUP, SIGTERM or SIGINT.

`DockerResult`, `LogFollow` and the pieces every command shares live in `docker_result`, the
program's process handling (`main`) in `docker_program`; this module re-exports every name
imported from it and keeps the `__main__` entry.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from random import Random
from typing import Any

from ..guard import CommandRefused, validate_argv
from .docker_program import _raise_stop as _raise_stop
from .docker_program import _silence_stdout as _silence_stdout
from .docker_program import _stdout_closed as _stdout_closed
from .docker_program import _Stop as _Stop
from .docker_program import _write as _write
from .docker_program import main as main
from .docker_result import API_VERSION as API_VERSION
from .docker_result import DAEMON_DOWN as DAEMON_DOWN
from .docker_result import REFUSED_STATUS as REFUSED_STATUS
from .docker_result import Chunk as Chunk
from .docker_result import DockerResult as DockerResult
from .docker_result import LogFollow as LogFollow
from .docker_result import _no_such as _no_such
from .docker_result import _opts as _opts
from .docker_result import _permission_denied as _permission_denied
from .docker_result import _table as _table
from .docker_result import refused as refused
from .dockerfmt import (
    NS,
    TimeValueError,
    bytes_size,
    ellipsis,
    go_json,
    go_json_indent,
    go_quote,
    go_time_string,
    human_duration,
    human_size,
    parse_docker_time,
)
from .engine import container_sizes, display_ports, inspect_data
from .workload import Clock, Container


@dataclass(frozen=True)
class StatsNumbers:
    """One `docker stats` sample before formatting (all zero for a stopped container)."""

    cpu_percent: float = 0.0
    mem: int = 0
    mem_limit: int = 0
    net_rx: int = 0
    net_tx: int = 0
    block_read: int = 0
    block_write: int = 0
    pids: int = 0


@dataclass
class SimDocker:
    """The simulated daemon and CLI: state, plus one method per allowed command."""

    containers: dict[str, Container] = field(default_factory=dict)
    clock: Clock = time.time_ns
    daemon_down: bool = False
    permission_denied: bool = False

    @classmethod
    def with_containers(cls, containers: Iterable[Container], *, clock: Clock = time.time_ns) -> SimDocker:
        docker = cls(clock=clock)
        for container in containers:
            docker.add(container)
        return docker

    def add(self, container: Container) -> Container:
        """Add (or replace, by name) a container."""
        self.containers[container.name] = container
        return container

    def remove(self, name: str) -> None:
        """Forget a container, as `docker rm` would: its follow streams end."""
        container = self.containers.pop(name, None)
        if container is not None:
            container._notify()

    def find(self, ref: str) -> Container | None:
        """Look a container up as the daemon does: full ID, name, then unique ID prefix."""
        for container in self.containers.values():
            if container.id == ref:
                return container
        if ref in self.containers:
            return self.containers[ref]
        matches = [c for c in self.containers.values() if c.id.startswith(ref.lower())]
        return matches[0] if len(matches) == 1 else None

    # -- dispatch -------------------------------------------------------------------------

    def run(self, argv: Sequence[str]) -> DockerResult:
        """Run a docker argv. It is validated here too: nothing unguarded ever runs."""
        try:
            argv = validate_argv(argv)
        except CommandRefused as exc:
            return refused(exc)
        sub = argv[1]
        if self.daemon_down or self.permission_denied:
            return self._unreachable(sub, argv)
        if sub == "ps":
            return self.ps(argv)
        if sub == "logs":
            return self.logs(argv)
        if sub == "inspect":
            return self.inspect(argv)
        return self.stats(argv)

    def _unreachable(self, sub: str, argv: Sequence[str]) -> DockerResult:
        _, _, names = _opts(argv)
        if self.daemon_down:
            message = DAEMON_DOWN
        elif sub == "ps" or (sub == "stats" and not names):
            message = _permission_denied("/containers/json")
        else:
            message = _permission_denied(f"/containers/{names[0]}/json")
        chunks: list[Chunk] = [("stdout", b"[]\n")] if sub == "inspect" else []
        chunks.append(("stderr", message.encode()))
        return DockerResult(chunks, 1)

    # -- docker ps --------------------------------------------------------------------------

    def _listed(self, include_all: bool) -> list[Container]:
        found = sorted(self.containers.values(), key=lambda c: c.created_ns, reverse=True)
        return [c for c in found if include_all or c.running]

    def status(self, container: Container, now_ns: int) -> str:
        """Docker's Status column: "Up 3 hours (healthy)", "Exited (3) 2 hours ago"."""
        if container.running:
            health = f" ({container.health})" if container.health else ""
            return f"Up {human_duration((now_ns - (container.started_ns or 0)) / NS)}{health}"
        ago = human_duration((now_ns - (container.finished_ns or 0)) / NS)
        return f"Exited ({container.exit_code}) {ago} ago"

    def ps_row(self, c: Container, now_ns: int, *, trunc: bool) -> dict[str, Any]:
        """One `docker ps --format '{{json .}}'` object, keys in Docker's (sorted) order."""
        command = " ".join(c.command)
        mounts = [ellipsis(m.name, 15) if trunc else m.name for m in c.mounts]
        return {
            "Command": go_quote(ellipsis(command, 20) if trunc else command),
            "CreatedAt": go_time_string(c.created_ns),
            "ID": c.id[:12] if trunc else c.id,
            "Image": c.image,
            "Labels": ",".join(sorted(f"{k}={v}" for k, v in c.labels.items())),
            "LocalVolumes": str(sum(1 for m in c.mounts if m.kind == "volume")),
            "Mounts": ",".join(mounts),
            "Names": c.name,
            "Networks": c.network,
            "Platform": None,
            "Ports": display_ports(c) if c.running else "",
            "RunningFor": f"{human_duration((now_ns - c.created_ns // NS * NS) / NS)} ago",
            "Size": _size(c),
            "State": c.state,
            "Status": self.status(c, now_ns),
        }

    def ps(self, argv: Sequence[str]) -> DockerResult:
        flags, values, _ = _opts(argv)
        now = self.clock()
        trunc = "--no-trunc" not in flags
        rows = [self.ps_row(c, now, trunc=trunc) for c in self._listed("--all" in flags)]
        if "--format" in values:
            out = "".join(go_json(row) + "\n" for row in rows).encode()
        else:
            header = ("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES")
            keys = ("ID", "Image", "Command", "RunningFor", "Status", "Ports", "Names")
            out = _table(header, ([row[k] for k in keys] for row in rows))
        return DockerResult([("stdout", out)])

    # -- docker logs ------------------------------------------------------------------------

    def logs(self, argv: Sequence[str]) -> DockerResult:
        flags, values, names = _opts(argv)
        container = self.find(names[0])
        if container is None:
            return DockerResult([("stderr", _no_such(names[0]))], 1)
        now = self.clock()
        try:
            since = parse_docker_time(values["--since"], now) if "--since" in values else None
            until = parse_docker_time(values["--until"], now) if "--until" in values else None
        except TimeValueError as exc:
            return DockerResult([("stderr", f"{exc}\n".encode())], 1)
        tail_arg = values.get("--tail", "all")
        tail = None if tail_arg == "all" else int(tail_arg)
        timestamps = "--timestamps" in flags
        chunks = container.render(since, until, tail, now, timestamps=timestamps)
        follow = None
        if "--follow" in flags and container.running and (until is None or until > now):
            follow = LogFollow(self, container, container.follow_cursor(now), since, until, timestamps)
        return DockerResult(chunks, 0, follow)

    # -- docker inspect -------------------------------------------------------------------

    def inspect(self, argv: Sequence[str]) -> DockerResult:
        _, _, names = _opts(argv)
        now = self.clock()
        found, errors = [], []
        for name in names:
            container = self.find(name)
            if container is None:
                errors.append(_no_such(name))
            else:
                found.append(inspect_data(container, now))
        out = (go_json_indent(found) if found else "[]") + "\n"
        chunks: list[Chunk] = [("stdout", out.encode())]
        if errors:
            chunks.append(("stderr", b"".join(errors)))
        return DockerResult(chunks, 1 if errors else 0)

    # -- docker stats --no-stream -------------------------------------------------------

    def stats_numbers(self, c: Container, now_ns: int) -> StatsNumbers:
        """A stats sample: the numbers the CLI formats, varying a little from second to second."""
        r = c.resources
        if not c.running or not r.mem_limit:
            return StatsNumbers()
        rng = Random(int(c.id[:12], 16) ^ (now_ns // NS))
        up = max(1.0, (now_ns - (c.started_ns or 0)) / NS)
        return StatsNumbers(
            cpu_percent=r.cpu_percent * rng.uniform(0.6, 1.4),
            mem=int(r.mem_bytes * rng.uniform(0.97, 1.03)),
            mem_limit=r.mem_limit,
            net_rx=int(up * 2300 * r.cpu_percent),
            net_tx=int(up * 1700 * r.cpu_percent),
            block_read=int(r.mem_bytes * 0.4),
            block_write=int(up * 5200 * r.cpu_percent),
            pids=r.pids,
        )

    def stats_row(self, c: Container, ref: str | None, now_ns: int, *, trunc: bool) -> dict[str, str]:
        """One `docker stats --format '{{json .}}'` object (keys in Docker's order)."""
        n = self.stats_numbers(c, now_ns)
        mem_perc = n.mem / n.mem_limit * 100 if n.mem_limit else 0.0
        return {
            "BlockIO": f"{human_size(n.block_read)} / {human_size(n.block_write)}",
            "CPUPerc": f"{n.cpu_percent:.2f}%",
            "Container": ref if ref is not None else c.id[:12],
            "ID": c.id[:12] if trunc else c.id,
            "MemPerc": f"{mem_perc:.2f}%",
            "MemUsage": f"{bytes_size(n.mem)} / {bytes_size(n.mem_limit)}",
            "Name": c.name,
            "NetIO": f"{human_size(n.net_rx)} / {human_size(n.net_tx)}",
            "PIDs": str(n.pids),
        }

    def stats(self, argv: Sequence[str]) -> DockerResult:
        flags, values, names = _opts(argv)
        now = self.clock()
        trunc = "--no-trunc" not in flags
        rows, errors = [], []
        if names:
            for name in names:
                container = self.find(name)
                if container is None:
                    errors.append(_no_such(name))
                else:
                    rows.append(self.stats_row(container, name, now, trunc=trunc))
        else:
            for container in self._listed("--all" in flags):
                rows.append(self.stats_row(container, None, now, trunc=trunc))
        if errors:
            return DockerResult([("stderr", b"".join(errors))], 1)
        if "--format" in values:
            out = "".join(go_json(row) + "\n" for row in rows).encode()
        else:
            header = (
                "CONTAINER ID",
                "NAME",
                "CPU %",
                "MEM USAGE / LIMIT",
                "MEM %",
                "NET I/O",
                "BLOCK I/O",
                "PIDS",
            )
            keys = ("ID", "Name", "CPUPerc", "MemUsage", "MemPerc", "NetIO", "BlockIO", "PIDs")
            out = _table(header, ([row[k] for k in keys] for row in rows))
        return DockerResult([("stdout", out)])


def _size(c: Container) -> str:
    """`docker ps` Size: the CLI asks the daemon for sizes when the format is `{{json .}}`."""
    rw, virtual = container_sizes(c)
    return f"{human_size(rw)} (virtual {human_size(virtual)})"


if __name__ == "__main__":
    sys.exit(main())
