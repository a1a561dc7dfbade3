"""A scripted simulated host for API and CLI tests: exact lines, known levels and streams."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from logtui.loop_thread import LoopThread
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.simhost.client import LOOPBACK, USER

TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/app/views.py", line 42, in checkout',
    "    total = cart.total()",
    "ZeroDivisionError: division by zero",
]


def scripted_containers(now: float | None = None) -> list[ScriptedContainer]:
    """web-app, database and a crashed job, with lines from the last few minutes."""
    now = now or time.time()
    web = ScriptedContainer("web-app", image="shop/web:1.4")
    web.write("[INFO] Started server on :8000", "stdout", ts=now - 300)
    web.write("[WARNING] slow request GET /cart 2.1s", "stdout", ts=now - 200)
    web.write("[ERROR] Application error occurred", "stderr", ts=now - 120)
    web.write("\n".join(TRACEBACK), "stderr", ts=now - 60)
    web.write("2025-08-16 14:30:22,123 INFO cache parity error corrected", "stdout", ts=now - 30)
    db = ScriptedContainer("database", image="postgres:16")
    db.write(
        '2025-08-16 14:30:22.123 UTC [61] ERROR:  relation "users" does not exist', "stderr", ts=now - 90
    )
    db.write("2025-08-16 14:30:23.001 UTC [62] FATAL:  terminating connection", "stderr", ts=now - 80)
    db.write("2025-08-16 14:30:24.001 UTC [1] LOG:  checkpoint complete", "stderr", ts=now - 70)
    job = ScriptedContainer("exited-job", image="shop/job:1")
    job.write("job starting", "stdout", ts=now - 50)
    job.write("[CRITICAL] cannot open /data/input.csv", "stderr", ts=now - 40)
    job.stop(exit_code=3, ts=now - 39)
    old = ScriptedContainer("quiet", image="busybox")
    old.write("[ERROR] an error from long ago", "stderr", ts=now - 3 * 3600)
    return [web, db, job, old]


@contextmanager
def running_host(containers: list[ScriptedContainer] | None = None) -> Iterator[SimulatedHost]:
    """A SimulatedHost on its own loop thread, for synchronous code under test."""
    loop = LoopThread("test-sim-host")
    host = SimulatedHost(scripted_containers() if containers is None else containers)
    loop.run(host.start())
    try:
        yield host
    finally:
        loop.run(host.stop())
        loop.stop()


class ClientEndpoint(Protocol):
    """What a client needs of a test SSH server (`SimulatedHost`, `HostileServer`)."""

    @property
    def port(self) -> int: ...
    @property
    def client_key_text(self) -> str: ...
    @property
    def known_hosts_text(self) -> str: ...


def write_client_files(host: ClientEndpoint, directory: Path, *, prefix: str = "") -> dict[str, str]:
    """Key and known_hosts files for the host, and the LOGTUI_* variables that use them.

    `prefix` starts the two file names, so that two servers' files can share `directory`.
    """
    key = directory / f"{prefix}client_key"
    key.write_text(host.client_key_text)
    key.chmod(0o600)
    known = directory / f"{prefix}known_hosts"
    known.write_text(host.known_hosts_text)
    return {
        "LOGTUI_HOST": LOOPBACK,
        "LOGTUI_PORT": str(host.port),
        "LOGTUI_USER": USER,
        "LOGTUI_SSH_KEY_FILE": str(key),
        "LOGTUI_KNOWN_HOSTS": str(known),
        "LOGTUI_AUDIT_LOG": str(directory / "audit.jsonl"),
    }


CONFIG_PREFIXES = ("LOGTUI_", "HETZNER_")


def config_free_env() -> dict[str, str]:
    """This process's environment without any logtui configuration, for a subprocess."""
    return {k: v for k, v in os.environ.items() if not k.startswith(CONFIG_PREFIXES)}


def isolate_config(monkeypatch: object, directory: Path, variables: dict[str, str]) -> None:
    """Run in `directory` (no stray .env) with exactly `variables` as logtui configuration."""
    monkeypatch.chdir(directory)  # type: ignore[attr-defined]
    for name in list(os.environ):
        if name.startswith(CONFIG_PREFIXES):
            monkeypatch.delenv(name)  # type: ignore[attr-defined]
    for name, value in variables.items():
        monkeypatch.setenv(name, value)  # type: ignore[attr-defined]
