"""Shared fixtures: a running simulated production host, and an audit log path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from logtui.simhost import SimulatedHost


@pytest.fixture
async def sim_host() -> AsyncIterator[SimulatedHost]:
    """The default demo host (web-app, api-server, database, nginx, worker, exited-job)."""
    host = SimulatedHost()
    await host.start()
    try:
        yield host
    finally:
        await host.stop()


@pytest.fixture
def audit_log(tmp_path: Path) -> Path:
    """Where a test's audit log goes (never the user's real one)."""
    return tmp_path / "audit.jsonl"
