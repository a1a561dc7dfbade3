"""The dashboard against a real OpenSSH sshd: the same keys work as on the in-process host."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from logtui.config import load_settings
from logtui.simhost.openssh import Sshd
from logtui.tui import create_app

pytestmark = pytest.mark.e2e

NOW = time.time()
LINES = [
    ("web-app", "stdout", "[INFO] listening on :8000"),
    ("web-app", "stderr", "[ERROR] Application error occurred request_id=17"),
    ("api-server", "stdout", "[WARNING] slow request GET /cart 2.4s"),
    ("api-server", "stderr", "[ERROR] Application error occurred request_id=18"),
    ("database", "stderr", "2025-08-16 14:30:23.001 UTC [62] FATAL:  out of memory"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sshd_installed: None) -> Iterator[Sshd]:
    root = tmp_path_factory.mktemp("dash-sshd")
    containers: dict[str, list[dict]] = {}
    for i, (name, stream, text) in enumerate(LINES):
        containers.setdefault(name, []).append({"ts": NOW - 300 + i * 10, "stream": stream, "text": text})
    scenario = {
        "default_containers": False,
        "containers": [{"name": n, "lines": v} for n, v in containers.items()],
    }
    (root / "scenario.json").write_text(json.dumps(scenario))
    server = Sshd(root, env={"LOGTUI_SIM_SCENARIO": str(root / "scenario.json")})
    server.start()
    yield server
    server.stop()


async def wait_for(pilot: Pilot, condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.1)


async def test_dashboard_over_real_sshd(server: Sshd, tmp_path: Path) -> None:
    app = create_app(load_settings(server.settings_env()), export_dir=tmp_path, poll_interval=1.0)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.store.size == len(LINES))
        assert app.connection == "connected"
        assert app.container_list.names == ["api-server", "database", "web-app"]
        await wait_for(pilot, lambda: app.digest.counts == {"web-app": 1, "api-server": 1, "database": 1})
        await pilot.press("e")
        await pilot.pause(0.3)
        shown = [e.message for e in app.log_pane.view.unique_entries()]
        assert shown == [
            "Application error occurred request_id=17",
            "Application error occurred request_id=18",
            "2025-08-16 14:30:23.001 UTC [62] FATAL:  out of memory",
        ]
        await pilot.press("x")
        await wait_for(pilot, lambda: app.last_export is not None)
        document = json.loads(app.last_export.read_text())  # type: ignore[union-attr]
        assert document["collection_source"] == "production_ssh"
        assert {n: len(v) for n, v in document["containers"].items()} == {
            "web-app": 1,
            "api-server": 1,
            "database": 1,
        }
        await pilot.press("q")
    audit = [json.loads(x) for x in Path(server.settings_env()["LOGTUI_AUDIT_LOG"]).read_text().splitlines()]
    sent = {r["command"].split()[1] for r in audit if r["event"] == "remote_command"}
    assert sent <= {"ps", "logs", "stats", "inspect"} and {"ps", "logs", "stats"} <= sent
