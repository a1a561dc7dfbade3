"""The full-screen dashboard. Textual is imported on first use, so `logtui --help` stays quick.

`create_app` is the one factory used by the CLI and the tests; `run_dashboard` runs it in
the terminal, optionally against the built-in simulated host.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings

if TYPE_CHECKING:
    from .app import LogtuiApp

__all__ = ["create_app", "run_dashboard"]


def create_app(
    settings: Settings | Sequence[Settings],
    *,
    window_hours: float = 1.0,
    max_lines_per_container: int = 50_000,
    export_dir: Path | None = None,
    **options: Any,
) -> LogtuiApp:
    """The dashboard app for one host, or for several (a list of settings; not yet running).

    Other options (`host_label`, `clock`, `poll_interval`, `follow_retries`, `memory_mb`)
    are passed to `LogtuiApp` (`FleetApp` for several hosts). One host in a list is the
    one-host dashboard, under the name it was given.
    """
    from .app import LogtuiApp

    if not isinstance(settings, Settings):
        hosts = list(settings)
        if len(hosts) > 1:
            from ._fleet import FleetApp

            return FleetApp(
                hosts,
                window_hours=window_hours,
                max_lines_per_container=max_lines_per_container,
                export_dir=export_dir,
                **options,
            )
        (settings,) = hosts
        options.setdefault("host_label", settings.display)
    return LogtuiApp(
        settings,
        window_hours=window_hours,
        max_lines_per_container=max_lines_per_container,
        export_dir=export_dir,
        **options,
    )


def run_dashboard(
    settings: Settings | Sequence[Settings] | None = None, *, demo: bool = False, **options: Any
) -> int:
    """Run the dashboard in this terminal until the user quits; returns the exit code.

    With `demo=True` a simulated host (`demo_hosts=N`: N of them) runs on its own
    event-loop thread (so it never competes with the UI loop) and is stopped on exit.
    """
    from ._run import run

    return run(settings, demo=demo, **options)
