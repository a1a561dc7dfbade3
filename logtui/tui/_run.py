"""Running the dashboard in a terminal: logging to a file, the demo host on its own thread."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import structlog

from ..config import DEFAULT_AUDIT_LOG, Settings, memory_budget_mb
from ..private_files import open_private_append

DASHBOARD_LOG = DEFAULT_AUDIT_LOG.parent / "dashboard.log"
"""Where the dashboard's own log goes: a full-screen app may not write to the terminal."""


def configure_file_logging(path: Path = DASHBOARD_LOG) -> IO[str]:
    """Send structlog output (warnings and worse) to `path` instead of the terminal.

    Created 0600; a symlink or anything but a regular file there is refused (OSError).
    """
    handle = open_private_append(path)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.WriteLoggerFactory(file=handle),
        cache_logger_on_first_use=False,
    )
    return handle


def run(
    settings: Settings | Sequence[Settings] | None,
    *,
    demo: bool = False,
    demo_hosts: int = 1,
    demo_overrides: dict[str, Any] | None = None,
    **options: Any,
) -> int:
    """Run the app until the user quits; the demo hosts, if any, are stopped afterwards.

    `demo_overrides` are Settings fields for the demo host's settings (e.g. mask_secrets);
    `demo_hosts` > 1 simulates that many servers at once.
    """
    from ..simhost.demo import demo_fleet, demo_host
    from . import create_app

    if settings is None and not demo:
        raise ValueError("no server configured: pass settings, or demo=True")
    if demo:  # the simulated hosts' settings are made here: the budget comes from the environment
        options.setdefault("memory_mb", memory_budget_mb(os.environ))
    handle = configure_file_logging()
    try:
        with contextlib.ExitStack() as stack:
            if demo:
                # the demo server writes to sockets the app has just closed; say nothing
                logging.getLogger("asyncio").setLevel(logging.CRITICAL)
                if demo_hosts > 1:
                    settings = stack.enter_context(demo_fleet(demo_hosts, **(demo_overrides or {})))
                else:
                    settings = stack.enter_context(demo_host(**(demo_overrides or {})))
                    options.setdefault("host_label", f"demo ({settings.label})")
            assert settings is not None
            app = create_app(settings, **options)
            result = app.run()
            return int(result or 0) if app.return_code in (None, 0) else int(app.return_code)
    finally:
        handle.close()
