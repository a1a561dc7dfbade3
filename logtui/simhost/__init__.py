"""A simulated production host: an in-process SSH server whose `docker` prints what Docker does.

Used by the tests (no mocks of the SSH layer: the client talks real SSH to this host) and by
the dashboard's demo mode. `SimulatedHost` is the server; `SimDocker` the daemon state behind
it; the containers live in `workload`. The server (and asyncssh) load on first use, so that
the `docker` program (`python -m logtui.simhost.docker_cli`) starts quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "BulkContainer",
    "Container",
    "GeneratedContainer",
    "LogLine",
    "ScriptedContainer",
    "SimDocker",
    "SimulatedHost",
    "default_containers",
]

if TYPE_CHECKING:
    from .docker_cli import SimDocker
    from .server import SimulatedHost
    from .workload import (
        BulkContainer,
        Container,
        GeneratedContainer,
        LogLine,
        ScriptedContainer,
        default_containers,
    )


def __getattr__(name: str) -> Any:
    if name == "SimulatedHost":
        from .server import SimulatedHost

        return SimulatedHost
    if name == "SimDocker":
        from .docker_cli import SimDocker

        return SimDocker
    if name in __all__:
        from . import workload

        return getattr(workload, name)
    raise AttributeError(f"module 'logtui.simhost' has no attribute {name!r}")
