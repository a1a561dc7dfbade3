"""The simulated `docker` run as a program: `python -m logtui.simhost.docker_cli ARGS...`.

Prints a command's output, follows `logs --follow` until its reader goes or a signal comes,
and exits with docker's status. Apart from `SimDocker` (docker_cli), which the in-process SSH
server drives without any of this process handling; docker_cli re-exports `main` and keeps
the `__main__` entry, so the command line the e2e tests and benchmarks use is unchanged.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterable, Sequence

from .docker_result import Chunk


class _Stop(Exception):
    """A signal asked the follow loop to end."""


def _stdout_closed() -> bool:
    """True once the reader of our stdout is gone (checked while following, between writes)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(ev & (select.POLLERR | select.POLLHUP) for _, ev in poller.poll(0))
    except (OSError, ValueError):
        return False


def _write(chunks: Iterable[Chunk]) -> None:
    for stream, data in chunks:
        target = sys.stdout.buffer if stream == "stdout" else sys.stderr.buffer
        target.write(data)
        target.flush()


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop


def main(argv: Sequence[str] | None = None) -> int:
    """Act as `docker ARGS...`; return the exit status."""
    from .scenario import docker_from_environment

    args = list(sys.argv[1:] if argv is None else argv)
    for name in ("SIGHUP", "SIGTERM", "SIGINT", "SIGPIPE"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _raise_stop)
    try:
        try:
            docker = docker_from_environment(os.environ)
        except ValueError as exc:
            sys.stderr.write(f"logtui-sim: {exc}\n")
            return 1
        result = docker.run(["docker", *args])
        _write(result.chunks)
        follow = result.follow
        while follow is not None and not follow.done:
            time.sleep(0.1)
            if _stdout_closed():
                break
            _write(follow.poll(docker.clock()))
        return result.exit_status
    except (_Stop, BrokenPipeError, ConnectionResetError):
        _silence_stdout()
        return 0


def _silence_stdout() -> None:
    # Python would complain when flushing a closed stdout at exit; point it at /dev/null.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
