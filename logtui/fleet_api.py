"""The spec's synchronous API over several hosts: `ProductionLogCollector(hosts=[...])`.

The methods and return types are the single-host ones, with two differences that keep hosts
apart: containers are keyed `host/container`, and every entry and container dict gains a
`host` key (the name the user gave). A host that cannot be reached is left out of the
answer and named in `host_errors` (and logged); only when no host answers is that a
collection failure (RuntimeError).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog

from .analysis import error_summary, errors_only
from .collector import ProductionLogCollector
from .export import now_iso
from .fleet import Fleet, HostOutcome, entry_dict, failures, host_key, raise_if_all_failed, split_host_key
from .hosts import load_hosts
from .models import LogEntry
from .parser import merge_by_time
from .remote import RemoteDocker, validate_hours

log = structlog.get_logger("logtui")


class FleetCollector(ProductionLogCollector):
    """Read-only log collection from the containers of several servers."""

    def __init__(self, settings: Any = None, hosts: Sequence[str] | None = None) -> None:
        if settings is not None:
            raise ValueError("give either settings (one host) or hosts, not both")
        if not hosts:
            raise ValueError("hosts must name at least one host")
        self.hosts = load_hosts(hosts=list(hosts))
        self.settings = self.hosts[0]
        self.host_errors: dict[str, str] = {}
        """Hosts that did not answer the last call, and why."""
        self._loop = None
        self._remote = None
        self._fleet: Fleet | None = None

    def close(self) -> None:
        loop, fleet = self._loop, self._fleet
        self._loop, self._fleet = None, None
        if loop is not None:
            if fleet is not None:
                try:
                    loop.run(fleet.close(), timeout=10)
                except Exception as exc:  # closing must not raise; say what happened
                    log.warning("fleet_close_failed", error=str(exc))
            loop.stop()

    def _each(self, operation: Any) -> list[HostOutcome[Any]]:
        from .loop_thread import LoopThread

        if self._loop is None:
            self._loop = LoopThread()
            self._fleet = Fleet(self.hosts)
        assert self._fleet is not None
        outcomes: list[HostOutcome[Any]] = self._loop.run(self._fleet.each(operation))
        self.host_errors = failures(outcomes)
        for host, error in self.host_errors.items():
            log.warning("host_failed", host=host, error=error)
        return outcomes

    def _collected(self, operation: Any) -> list[HostOutcome[Any]]:
        outcomes = self._each(operation)
        raise_if_all_failed(outcomes)
        return [o for o in outcomes if o.ok]

    @property
    def fleet(self) -> Fleet | None:
        return self._fleet

    # -- the spec's methods, across hosts ------------------------------------------------------

    def get_container_list(self) -> list[dict[str, str]]:
        answered = self._collected(lambda r: r.list_containers(all_containers=False))
        return [{**c.to_dict(), "host": o.host} for o in answered for c in o.value]

    def get_logs_from_container(self, container_name: str, hours_back: float = 1) -> list[dict]:
        """`host/name` reads one host; a bare name reads it on every host that has it."""
        validate_hours(hours_back)
        host, name = split_host_key(container_name, [s.display for s in self.hosts])

        async def read(remote: RemoteDocker) -> list[LogEntry]:
            if host is not None and remote.settings.display != host:
                return []
            if host is None and name not in {c.name for c in await remote.list_containers()}:
                return []
            return await remote.logs_for_hours(name, hours_back)

        answered = self._collected(read)
        if host is None and not any(o.value for o in answered):
            raise RuntimeError(f"no host has a container named {name!r}")
        tagged = [(e, o.host) for o in answered for e in o.value]
        order = {id(e): h for e, h in tagged}
        merged = merge_by_time(*[o.value for o in answered])
        return [entry_dict(e, order[id(e)]) for e in merged]

    def _logs_of_all(self, hours: float) -> dict[str, list[LogEntry]]:
        answered = self._collected(lambda r: r.logs_of_all(hours))
        return {host_key(o.host, name): entries for o in answered for name, entries in o.value.items()}

    def _hosts_of(self, keys: Sequence[str]) -> dict[str, str | None]:
        names = [s.display for s in self.hosts]
        return {k: split_host_key(k, names)[0] for k in keys}

    def get_logs_from_all_containers(self, hours_back: float = 1) -> dict[str, list[dict]]:
        validate_hours(hours_back)
        logs = self._logs_of_all(hours_back)
        hosts = self._hosts_of(list(logs))
        return {k: [entry_dict(e, hosts[k]) for e in entries] for k, entries in logs.items()}

    def get_error_logs_only(self, hours_back: float = 1) -> dict[str, list[dict]]:
        validate_hours(hours_back)
        logs = self._logs_of_all(hours_back)
        hosts = self._hosts_of(list(logs))
        errors = {k: errors_only(entries) for k, entries in logs.items()}
        return {k: [entry_dict(e, hosts[k]) for e in es] for k, es in errors.items() if es}

    def get_error_summary(self, hours: float = 1) -> dict[str, Any]:
        """The spec's summary, containers keyed `host/container`, plus `hosts` and `host_errors`."""
        validate_hours(hours)
        summary = error_summary(self._logs_of_all(hours), hours)
        summary["hosts"] = [s.display for s in self.hosts]
        summary["host_errors"] = dict(self.host_errors)
        return summary

    def health_check(self) -> dict[str, Any]:
        """Healthy only if every host is; `hosts` holds each host's own report."""
        outcomes = self._each(lambda r: r.health())
        reports = {o.host: o.value if o.ok else {"status": "unhealthy", "error": o.error} for o in outcomes}
        healthy = all(r["status"] == "healthy" for r in reports.values())
        problems = [f"{h}: {r['error']}" for h, r in reports.items() if r.get("error")]
        return {
            "timestamp": now_iso(),
            "status": "healthy" if healthy else "unhealthy",
            "hosts": reports,
            "healthy_hosts": sum(r["status"] == "healthy" for r in reports.values()),
            "error": None if healthy else "; ".join(problems),
        }
