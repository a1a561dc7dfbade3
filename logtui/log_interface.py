"""LogInterface and the convenience functions: the spec's simple API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .collector import ProductionLogCollector
from .config import Settings
from .export import write_saved_file


class LogInterface:
    """The simple interface: names, recent logs, errors, summaries, files, health.

    It keeps one collector, and so one SSH connection, for its whole life;
    use it in a `with` block or call `close()` to release the connection early.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        collector: ProductionLogCollector | None = None,
        hosts: list[str] | None = None,
    ) -> None:
        """`hosts=["prod-1", "deploy@10.0.0.7:2222"]` reads several servers: containers are
        then keyed `host/container` and entries carry a `host` key (see the README)."""
        self.collector = collector if collector is not None else ProductionLogCollector(settings, hosts=hosts)

    def __enter__(self) -> LogInterface:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.collector.close()

    def get_containers(self) -> list[str]:
        """Names of the running containers."""
        return [c["name"] for c in self.collector.get_container_list()]

    def get_recent_logs(self, hours: float = 1) -> dict[str, list[dict]]:
        return self.collector.get_logs_from_all_containers(hours_back=hours)

    def get_recent_errors(self, hours: float = 1) -> dict[str, list[dict]]:
        return self.collector.get_error_logs_only(hours_back=hours)

    def get_logs(self, container_name: str, hours: float = 1) -> list[dict]:
        return self.collector.get_logs_from_container(container_name, hours_back=hours)

    def get_error_summary(self, hours: float = 1) -> dict[str, Any]:
        return self.collector.get_error_summary(hours=hours)

    def save_all_logs(self, hours: float = 1, filename: str | None = None) -> str:
        """Collect every container's logs and save them in the spec's format; returns the path."""
        logs = self.collector.get_logs_from_all_containers(hours_back=hours)
        return str(write_saved_file(logs, Path(filename) if filename else None))

    def check_health(self) -> bool:
        return self.collector.health_check()["status"] == "healthy"


def get_production_logs(hours: float = 1) -> dict[str, list[dict]]:
    """All containers' logs of the last `hours` hours (one connection, closed afterwards)."""
    with LogInterface() as interface:
        return interface.get_recent_logs(hours=hours)


def get_production_errors(hours: float = 1) -> dict[str, list[dict]]:
    """Error entries of the last `hours` hours, per container that has any."""
    with LogInterface() as interface:
        return interface.get_recent_errors(hours=hours)


def save_production_logs(hours: float = 1, filename: str | None = None) -> str:
    """Save the last `hours` hours of every container's logs; returns the file's path."""
    with LogInterface() as interface:
        return interface.save_all_logs(hours=hours, filename=filename)
