"""ProductionLogCollector: the spec's synchronous collector over the async core.

One SSH connection is opened on first use and reused by every call until `close()`
(or the end of a `with` block).
"""

from __future__ import annotations

import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

import structlog

from .analysis import error_summary, errors_only
from .config import Settings, load_settings
from .loop_thread import LoopThread
from .models import LogEntry
from .remote import RemoteDocker, validate_hours

log = structlog.get_logger("logtui")
T = TypeVar("T")


def entries_to_dicts(entries: list[LogEntry]) -> list[dict[str, str]]:
    return [e.to_dict() for e in entries]


class ProductionLogCollector:
    """Read-only log collection from the Docker containers of one server (or several: `hosts`).

    Configuration comes from the environment / `.env` unless `settings` is given;
    a configuration problem raises ValueError here, before any connection is made.
    Collection failures raise RuntimeError.
    """

    def __new__(
        cls, settings: Settings | None = None, hosts: list[str] | None = None
    ) -> ProductionLogCollector:
        """`hosts=[...]` gives a collector over several servers (`logtui.fleet_api`)."""
        if hosts is not None and cls is ProductionLogCollector:
            from .fleet_api import FleetCollector

            return super().__new__(FleetCollector)
        return super().__new__(cls)

    def __init__(self, settings: Settings | None = None, hosts: list[str] | None = None) -> None:
        self.settings = settings if settings is not None else load_settings()
        self._loop: LoopThread | None = None
        self._remote: RemoteDocker | None = None

    # -- lifecycle ---------------------------------------------------------------
    def __enter__(self) -> ProductionLogCollector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the SSH connection and stop the background loop. Safe to call twice."""
        loop, remote = self._loop, self._remote
        self._loop = self._remote = None
        if loop is not None:
            if remote is not None:
                with contextlib.suppress(Exception):
                    loop.run(remote.close(), timeout=10)
            loop.stop()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def _call(self, make: Any) -> Any:
        """Run `make(remote)` (a coroutine factory) on the collector's loop."""
        if self._loop is None:
            self._loop = LoopThread()
            self._remote = RemoteDocker(self.settings)
        coro: Coroutine[Any, Any, T] = make(self._remote)
        return self._loop.run(coro)

    @property
    def remote(self) -> RemoteDocker | None:
        """The async core in use, once a call was made (for tests and diagnostics)."""
        return self._remote

    # -- the spec's methods --------------------------------------------------------
    def get_container_list(self) -> list[dict[str, str]]:
        """Running containers: name, id, image, state, status (and created, ports)."""
        containers = self._call(lambda r: r.list_containers(all_containers=False))
        return [c.to_dict() for c in containers]

    def get_logs_from_container(self, container_name: str, hours_back: float = 1) -> list[dict]:
        """One container's entries in the last `hours_back` hours, oldest first."""
        validate_hours(hours_back)
        entries = self._call(lambda r: r.logs_for_hours(container_name, hours_back))
        return entries_to_dicts(entries)

    def get_logs_from_all_containers(self, hours_back: float = 1) -> dict[str, list[dict]]:
        """Entries of every container that has run, keyed by container name."""
        validate_hours(hours_back)
        logs = self._call(lambda r: r.logs_of_all(hours_back))
        return {name: entries_to_dicts(entries) for name, entries in logs.items()}

    def get_error_logs_only(self, hours_back: float = 1) -> dict[str, list[dict]]:
        """ERROR and CRITICAL entries, only for containers that have any."""
        validate_hours(hours_back)
        logs = self._call(lambda r: r.logs_of_all(hours_back))
        errors = {name: errors_only(entries) for name, entries in logs.items()}
        return {name: entries_to_dicts(e) for name, e in errors.items() if e}

    def get_error_summary(self, hours: float = 1) -> dict[str, Any]:
        """The spec's error summary over the last `hours` hours."""
        validate_hours(hours)
        logs = self._call(lambda r: r.logs_of_all(hours))
        return error_summary(logs, hours)

    def health_check(self) -> dict[str, Any]:
        """Can we reach the server and docker? Never raises for a server-side failure."""
        report = self._call(lambda r: r.health())
        if report["error"]:
            log.warning("health_check_failed", host=self.settings.label, error=report["error"])
        return report
