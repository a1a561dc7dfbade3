"""Twelve servers at once: twelve OpenSSH sshd on loopback addresses 127.0.0.2-13.

Each serves the simulated docker with its own containers writing a line a second. One host
is down from the start, one presents a host key known_hosts does not hold for it, one answers
every command four seconds late, and one dies in the middle of the streams and comes back.
`logtui logs -f --json` over all twelve must show every line of every reachable host exactly
once, name the two it cannot read, and not let the slow host delay the others.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from scripted import config_free_env
from test_reconnect import descendants

from logtui.simhost.openssh import Sshd, keygen, sim_docker_script

pytestmark = pytest.mark.e2e

HOSTS = 12
CONTAINERS = 10
PAST_S, FUTURE_S = 10, 14
DOWN, CHANGED, SLOW, DIES = 11, 10, 9, 8
"""Which host (by index) misbehaves, and how."""


def scenario(now: float, host: int) -> dict:
    boxes = []
    for n in range(CONTAINERS):
        lines = [
            {
                "ts": now + s + n / 100,
                "stream": "stderr" if s % 5 == 0 else "stdout",
                "text": f"h{host} c{n} s{s}",
            }
            for s in range(-PAST_S, FUTURE_S)
        ]
        boxes.append({"name": f"c{n}", "image": "busybox", "lines": lines})
    return {"default_containers": False, "containers": boxes}


def expected(host: int) -> Counter[str]:
    return Counter(f"h{host} c{n} s{s}" for n in range(CONTAINERS) for s in range(-PAST_S, FUTURE_S))


def start_hosts(root: Path, now: float) -> tuple[list[Sshd], Path, Path]:
    """Every host shares one client key (as a fleet does) and one known_hosts file."""
    keygen(root / "client_ed25519")
    servers = []
    for index in range(HOSTS):
        folder = root / f"host{index}"
        folder.mkdir()
        for name in ("client_ed25519", "client_ed25519.pub"):
            shutil.copy(root / name, folder / name)
        (folder / "scenario.json").write_text(json.dumps(scenario(now, index)))
        script = sim_docker_script()
        if index == SLOW:
            script = script.replace("exec ", "sleep 4; exec ", 1)
        server = Sshd(
            folder,
            script,
            env={"LOGTUI_SIM_SCENARIO": str(folder / "scenario.json")},
            address=f"127.0.0.{index + 2}",
        )
        servers.append(server)
        if index != DOWN:
            server.start()
    known = root / "known_hosts"
    lines = [s.known_hosts.read_text() for i, s in enumerate(servers) if i != CHANGED]
    other = root / "other_host_key"
    keygen(other)
    public = (root / "other_host_key.pub").read_text().split()
    lines.append(f"[{servers[CHANGED].address}]:{servers[CHANGED].port} {public[0]} {public[1]}\n")
    known.write_text("".join(lines))
    return servers, known, root / "client_ed25519"


def kill_sessions(server: Sshd) -> None:
    assert server.proc is not None
    for pid in descendants(server.proc.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.stop()


def test_logs_follow_over_twelve_hosts(tmp_path: Path, sshd_installed: None) -> None:
    now = time.time()
    servers, known, key = start_hosts(tmp_path, now)
    names = [f"{s.user}@{s.address}:{s.port}" for s in servers]
    env = {
        **config_free_env(),
        "LOGTUI_HOSTS": ",".join(names),
        "LOGTUI_SSH_KEY_FILE": str(key),
        "LOGTUI_KNOWN_HOSTS": str(known),
        "LOGTUI_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        "LOGTUI_CONNECT_TIMEOUT": "5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "logtui", "logs", "1", "-f", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    started = time.monotonic()
    got: dict[int, Counter[str]] = {i: Counter() for i in range(HOSTS)}
    first_seen: dict[int, float] = {}
    buffer = b""
    want = {i: expected(i) for i in range(HOSTS) if i not in (DOWN, CHANGED)}
    killed = restarted = False
    try:
        while time.monotonic() - started < FUTURE_S + 60:
            if not killed and time.monotonic() - started > 6:
                kill_sessions(servers[DIES])  # the host dies mid-stream ...
                killed, died_at = True, time.monotonic()
            if killed and not restarted and time.monotonic() - died_at > 3:
                servers[DIES].start()  # ... and comes back on the same address and port
                restarted = True
            if restarted and all(got[i] == want[i] for i in want) and time.time() > now + FUTURE_S + 2:
                break
            ready, _, _ = select.select([process.stdout], [], [], 0.5)
            if ready:
                buffer += process.stdout.read() or b""
                *complete, buffer = buffer.split(b"\n")
                for line in complete:
                    record = json.loads(line)
                    index = names.index(record["host"])
                    if record["message"].startswith("h"):  # not a login shell's chatter
                        got[index][record["message"]] += 1
                        first_seen.setdefault(index, time.monotonic() - started)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
        for server in servers:
            server.stop()
    stderr = err.decode()
    for index, lines in want.items():
        assert got[index] == lines, f"host {index}: {sum(got[index].values())} of {sum(lines.values())} lines"
    assert not got[DOWN] and not got[CHANGED]
    assert names[DOWN] in stderr and "HOST KEY CHANGED" in stderr, stderr
    fast = [first_seen[i] for i in want if i != SLOW]
    assert max(fast) < first_seen[SLOW], (fast, first_seen[SLOW])  # the slow host held nobody back


DASH_HOSTS, DASH_CONTAINERS, DASH_FUTURE_S = 5, 3, 6
DASH_DOWN, DASH_CHANGED = 3, 4


async def test_dashboard_over_sshd_hosts(tmp_path: Path, sshd_installed: None) -> None:
    """The dashboard (App.run_test) over five sshd hosts: one down, one with a changed key.

    The three others fill the screen, each line exactly once (history and live), grouped by
    host; the two it cannot read say why in their rows.
    """
    from textual.pilot import Pilot

    from logtui.hosts import load_hosts
    from logtui.tui import create_app
    from logtui.tui._fleet import FleetApp
    from logtui.tui._fleet_rows import HOST_ROW, WHY_ROW
    from logtui.tui._hosted import entry_host

    now = time.time()
    keygen(tmp_path / "client_ed25519")
    servers = []
    for index in range(DASH_HOSTS):
        folder = tmp_path / f"dash{index}"
        folder.mkdir()
        for name in ("client_ed25519", "client_ed25519.pub"):
            shutil.copy(tmp_path / name, folder / name)
        boxes = [
            {
                "name": f"c{n}",
                "lines": [
                    {
                        "ts": now + s + n / 100,
                        "stream": "stderr" if s % 4 == 0 else "stdout",
                        "text": f"d{index} c{n} s{s}",
                    }
                    for s in range(-PAST_S, DASH_FUTURE_S)
                ],
            }
            for n in range(DASH_CONTAINERS)
        ]
        (folder / "scenario.json").write_text(json.dumps({"default_containers": False, "containers": boxes}))
        server = Sshd(
            folder,
            env={"LOGTUI_SIM_SCENARIO": str(folder / "scenario.json")},
            address=f"127.0.0.{20 + index}",
        )
        servers.append(server)
        if index != DASH_DOWN:
            server.start()
    lines = [s.known_hosts.read_text() for i, s in enumerate(servers) if i != DASH_CHANGED]
    keygen(tmp_path / "other_host_key")
    public = (tmp_path / "other_host_key.pub").read_text().split()
    lines.append(f"[{servers[DASH_CHANGED].address}]:{servers[DASH_CHANGED].port} {public[0]} {public[1]}\n")
    (tmp_path / "known_hosts").write_text("".join(lines))
    names = [f"{s.user}@{s.address}:{s.port}" for s in servers]
    env = {
        "LOGTUI_SSH_KEY_FILE": str(tmp_path / "client_ed25519"),
        "LOGTUI_KNOWN_HOSTS": str(tmp_path / "known_hosts"),
        "LOGTUI_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        "LOGTUI_CONNECT_TIMEOUT": "5",
    }
    live = [i for i in range(DASH_HOSTS) if i not in (DASH_DOWN, DASH_CHANGED)]
    want = {
        names[i]: Counter(
            f"d{i} c{n} s{s}" for n in range(DASH_CONTAINERS) for s in range(-PAST_S, DASH_FUTURE_S)
        )
        for i in live
    }
    app = create_app(load_hosts(env, names), poll_interval=1.0, export_dir=tmp_path)
    assert isinstance(app, FleetApp)

    def got() -> dict[str | None, Counter[str]]:
        counts: dict[str | None, Counter[str]] = {}
        for buffer in app.store.buffers.values():
            for entry in buffer:
                counts.setdefault(entry_host(entry), Counter())[entry.message] += 1
        return counts

    async def wait_for(pilot: Pilot, condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out: {condition}"
            await pilot.pause(0.1)

    try:
        async with app.run_test(size=(160, 48)) as pilot:
            started = time.monotonic()
            history = lambda: all(  # noqa: E731
                sum(got().get(names[i], Counter()).values()) >= DASH_CONTAINERS * PAST_S for i in live
            )
            await wait_for(pilot, history, timeout=30)
            filled_s = time.monotonic() - started
            await wait_for(
                pilot,
                lambda: (
                    time.time() > now + DASH_FUTURE_S + 2 and all(got().get(h) == c for h, c in want.items())
                ),
                timeout=60,
            )
            await wait_for(
                pilot,
                lambda: {app.hosts[names[i]].connection for i in (DASH_DOWN, DASH_CHANGED)} == {"failed"},
                timeout=20,
            )
            await pilot.pause(0.5)
            assert set(got()) == set(want)  # nothing from the two it cannot read
            assert "3/5 hosts connected" in app.status_text().plain
            rows = list(app.container_list._shown)
            for i in (DASH_DOWN, DASH_CHANGED):
                assert rows.index(WHY_ROW + names[i]) == rows.index(HOST_ROW + names[i]) + 1
            text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
            assert "connection refused" in text and "HOST KEY CHANGED: refused" in text
            assert "HOST KEY CHANGED" in app.hosts[names[DASH_CHANGED]].detail
            # the grouped containers pane: each live host's row, then its containers
            for i in live:
                at = rows.index(HOST_ROW + names[i])
                assert rows[at + 1 : at + 1 + DASH_CONTAINERS] == [
                    f"{names[i]}/c{n}" for n in range(DASH_CONTAINERS)
                ]
    finally:
        for server in servers:
            server.stop()
    assert filled_s < 15, filled_s  # the down and refused hosts held nobody back
