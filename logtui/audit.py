"""Audit trail: one JSON line per remote command, in a file the user can find.

The audit logger is a structlog logger of its own, wrapped around a file, so it works
whatever the application did with `structlog.configure` and never writes to the terminal
(a full-screen dashboard owns the terminal). Each command is also sent, at debug level, to
the application's ordinary structlog logger, so the spec's debug mode shows it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import IO, Any

import structlog

from .private_files import open_private_append

log = structlog.get_logger("logtui")

_open_files: dict[Path, IO[str]] = {}
_lock = threading.Lock()


def _audit_file(path: Path) -> IO[str]:
    """The one open handle per audit path: mode 0600, a regular file, never through a symlink."""
    with _lock:
        handle = _open_files.get(path)
        if handle is None or handle.closed:
            handle = open_private_append(path)
            _open_files[path] = handle
        return handle


def _mirror(level: str, event: str, fields: dict[str, Any]) -> None:
    """Repeat an audit record on the application's structlog logger.

    Only once the application configured structlog (the spec's debug mode does): an
    unconfigured structlog prints every level to stdout, which would corrupt a script's
    JSON output.
    """
    if structlog.is_configured():
        getattr(log, level)(event, **fields)


class AuditLog:
    """Writes audit records as JSON lines to `path` (`LOGTUI_AUDIT_LOG`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()
        self._logger = structlog.wrap_logger(
            structlog.WriteLogger(_audit_file(self.path)),
            # its own filter: the application's level must never silence the audit trail
            wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
            processors=[
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.JSONRenderer(sort_keys=False),
            ],
        )

    def command(
        self,
        *,
        host: str,
        command: str,
        exit_status: int | None,
        bytes_out: int,
        bytes_err: int,
        duration_s: float,
        outcome: str,
        **extra: Any,
    ) -> None:
        """Record one remote command: sent, finished, timed out, failed or refused."""
        fields = dict(
            host=host,
            command=command,
            exit_status=exit_status,
            bytes=bytes_out + bytes_err,
            stdout_bytes=bytes_out,
            stderr_bytes=bytes_err,
            duration_ms=round(duration_s * 1000, 1),
            outcome=outcome,
            **extra,
        )
        self._logger.info("remote_command", **fields)
        _mirror("debug", "remote_command", fields)

    def host_key_learned(self, *, host: str, fingerprint: str, known_hosts: str) -> None:
        """Record a host key trusted on first use, at the user's explicit request."""
        self._logger.warning(
            "host_key_trusted_on_first_use", host=host, fingerprint=fingerprint, known_hosts=known_hosts
        )
        _mirror("warning", "host_key_trusted_on_first_use", {"host": host, "fingerprint": fingerprint})

    def refused(self, *, host: str, command: str, reason: str) -> None:
        """Record a command the guard refused before anything was sent."""
        self._logger.warning("command_refused", host=host, command=command, reason=reason)
        _mirror("info", "command_refused", {"host": host, "command": command, "reason": reason})
