"""Dozens of containers behind OpenSSH's sshd with its stock session limits.

`MaxSessions 10` and `MaxStartups 10:30:100` are OpenSSH's defaults, and the test server
keeps them (logtui.simhost.openssh sets neither). 44 containers write a line a second, every
fourth an error on stderr; `logtui logs -f` and the dashboard must show every line of every
container exactly once, within seconds, and never go into "reconnecting".
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted import config_free_env
from textual.pilot import Pilot

from logtui.config import load_settings
from logtui.simhost.openssh import Sshd
from logtui.tui import create_app

pytestmark = pytest.mark.e2e

CONTAINERS = 44
PAST_S = 20
FUTURE_S = 12


def scenario(now: float, containers: int) -> dict:
    boxes = []
    for n in range(containers):
        lines = []
        for i, second in enumerate(range(-PAST_S, FUTURE_S)):
            error = i % 4 == 0
            lines.append(
                {
                    "ts": now + second + n / 1000,
                    "stream": "stderr" if error else "stdout",
                    "text": f"{'[ERROR]' if error else '[INFO]'} svc{n:02d} request {i}",
                }
            )
        boxes.append({"name": f"svc{n:02d}", "image": "busybox", "lines": lines})
    return {"default_containers": False, "containers": boxes}


def expected_lines(containers: int) -> Counter[str]:
    """The messages (logtui drops the `[LEVEL] ` it reads the level from)."""
    return Counter(f"svc{n:02d} request {i}" for n in range(containers) for i in range(PAST_S + FUTURE_S))


def ours(messages: Counter[str]) -> Counter[str]:
    """Our containers' lines: a login shell's own chatter on stderr (this machine's pyenv
    rehash, under many concurrent sessions) reaches `docker logs`' stderr too."""
    return Counter({m: c for m, c in messages.items() if m.startswith("svc")})


def serve(root: Path, containers: int, extra_config: tuple[str, ...] = ()) -> tuple[Sshd, float]:
    now = time.time()
    root.mkdir(parents=True, exist_ok=True)
    (root / "scenario.json").write_text(json.dumps(scenario(now, containers)))
    server = Sshd(root, env={"LOGTUI_SIM_SCENARIO": str(root / "scenario.json")}, extra_config=extra_config)
    server.start()
    return server, now


@pytest.fixture
def stock_server(tmp_path: Path, sshd_installed: None) -> Iterator[tuple[Sshd, float]]:
    server, now = serve(tmp_path / "sshd", CONTAINERS)
    yield server, now
    server.stop()


def follow_cli(
    server: Sshd, now: float, containers: int, extra_env: dict[str, str]
) -> tuple[Counter[str], str]:
    """`logtui logs 1 -f --json` until every line is out (or a deadline), then Ctrl-C."""
    env = {**config_free_env(), **server.settings_env(), **extra_env}
    process = subprocess.Popen(
        [sys.executable, "-m", "logtui", "logs", "1", "-f", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=server.root,
    )
    assert process.stdout is not None and process.stderr is not None
    want = expected_lines(containers)
    got: Counter[str] = Counter()
    buffer = b""
    deadline = now + FUTURE_S + 45
    os.set_blocking(process.stdout.fileno(), False)
    try:
        while time.time() < deadline and not (got >= want and time.time() > now + FUTURE_S + 3):
            ready, _, _ = select.select([process.stdout], [], [], 0.5)
            if ready:
                buffer += process.stdout.read() or b""
                *complete, buffer = buffer.split(b"\n")
                got.update(ours(Counter(json.loads(line)["message"] for line in complete if line)))
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    return got, err.decode()


def test_logs_follow_shows_every_container_on_a_stock_sshd(stock_server: tuple[Sshd, float]) -> None:
    server, now = stock_server
    got, err = follow_cli(server, now, CONTAINERS, {})
    assert got == expected_lines(CONTAINERS)  # every line of every container, exactly once
    assert "reconnecting" not in err and "failed" not in err, err
    assert "polled in rotation" in err  # 44 > 4 connections × 9 streams: it says which
    audit = [json.loads(x) for x in Path(server.settings_env()["LOGTUI_AUDIT_LOG"]).read_text().splitlines()]
    connections = {r["connection"] for r in audit if r["event"] == "remote_command"}
    assert connections == {1, 2, 3, 4}


def test_two_sessions_two_connections_rotate_without_losing_a_line(
    tmp_path: Path, sshd_installed: None
) -> None:
    # MaxSessions 2 is stricter than any default: it forces most containers into rotation.
    server, now = serve(tmp_path / "sshd", 6, extra_config=("MaxSessions 2",))
    try:
        got, err = follow_cli(server, now, 6, {"LOGTUI_MAX_CONNECTIONS": "2"})
    finally:
        server.stop()
    assert got == expected_lines(6)
    assert "reconnecting" not in err and "failed" not in err, err
    assert "2 containers live, 4 polled in rotation" in err, err


async def wait_for(pilot: Pilot, condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.2)


async def test_dashboard_follows_every_container_on_a_stock_sshd(
    stock_server: tuple[Sshd, float], tmp_path: Path
) -> None:
    server, _ = stock_server
    app = create_app(load_settings(server.settings_env()), export_dir=tmp_path, poll_interval=1.0)
    states: set[str] = set()
    want = expected_lines(CONTAINERS)

    def complete() -> bool:
        states.update(s.state for s in app.streams.values())
        held = ours(Counter(e.message for name in app.store.names for e in app.store.buffers[name]))
        return held == want

    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for(pilot, lambda: len(app.containers) == CONTAINERS, 30)
        await wait_for(pilot, complete, FUTURE_S + 45)
        header = app.status_text().plain
        await pilot.press("q")
    assert "reconnecting" not in states and "failed" not in states
    assert "4 conns · 44 streams (8 polled" in header
    assert app.digest.counts == {f"svc{n:02d}": 8 for n in range(CONTAINERS)}
