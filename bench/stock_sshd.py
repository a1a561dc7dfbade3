"""Stock sshd: the dashboard on 60 containers behind OpenSSH with its default session limits.

A real OpenSSH sshd on loopback keeps `MaxSessions 10` and `MaxStartups 10:30:100`; its
`docker` is the simulated Docker CLI, with 60 containers that each write a line a second
(every fourth an error on stderr). The real app (headless) follows them all. Measured:

- `stock_sshd_60_containers_first_line_s`: from the app's start until every container has
  shown a line written after that start (live or polled);
- `stock_sshd_60_containers_idle_commands_per_min`: commands sent per minute after that,
  from the audit log (every command is recorded there, with the connection that ran it);
- `stock_sshd_connections`: SSH connections the pool holds.

The baseline in the same run is what the figures would be with every container live:
`stock_sshd_baseline_commands_per_min` counts `ps` and `stats` alone (the polls are the rest).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

CONTAINERS = 60


def _scenario(start: float, seconds: int) -> dict[str, Any]:
    boxes = []
    for n in range(CONTAINERS):
        lines = [
            {
                "ts": start + s + n / 100,
                "stream": "stderr" if s % 4 == 0 else "stdout",
                "text": f"{'[ERROR] failed' if s % 4 == 0 else '[INFO] ok'} svc{n:02d} request {s}",
            }
            for s in range(-30, seconds)
        ]
        boxes.append({"name": f"svc{n:02d}", "image": "busybox", "lines": lines})
    return {"default_containers": False, "containers": boxes}


async def _measure(folder: Path, window_s: float) -> dict[str, Any]:
    from logtui.config import load_settings
    from logtui.simhost.openssh import Sshd
    from logtui.tui.app import LogtuiApp

    start = time.time()
    scenario = folder / "scenario.json"
    scenario.write_text(json.dumps(_scenario(start, int(window_s) + 120)))
    with Sshd(folder, env={"LOGTUI_SIM_SCENARIO": str(scenario)}) as sshd:
        audit = Path(sshd.settings_env()["LOGTUI_AUDIT_LOG"])
        app = LogtuiApp(load_settings(sshd.settings_env()))
        async with app.run_test(size=(200, 60)):
            started = time.monotonic()
            first_line_s = None
            while time.monotonic() - started < 120:
                fresh = {
                    name
                    for name, buffer in app.store.buffers.items()
                    if buffer and buffer[-1].timestamp >= _iso(start)
                }
                if len(fresh) == CONTAINERS:
                    first_line_s = time.monotonic() - started
                    break
                await asyncio.sleep(0.1)
            connections = app.remote.transport.pool.state().connections if app.remote else 0
            rotation = app.remote.rotation.state() if app.remote else None
            before = len(audit.read_text().splitlines())
            window_started = time.monotonic()
            await asyncio.sleep(window_s)
            elapsed = time.monotonic() - window_started
            records = [json.loads(x) for x in audit.read_text().splitlines()[before:]]
            states = Counter(s.state for s in app.streams.values())
    sent = [r for r in records if r.get("event") == "remote_command"]
    kinds = Counter(
        " ".join(r["command"].split()[:2]) + (" -f" if "--follow" in r["command"] else "") for r in sent
    )
    per_min = 60 / elapsed
    return {
        "stock_sshd_60_containers_first_line_s": None if first_line_s is None else round(first_line_s, 1),
        "stock_sshd_60_containers_idle_commands_per_min": round(len(sent) * per_min, 1),
        "stock_sshd_baseline_commands_per_min": round(
            (kinds.get("docker ps", 0) + kinds.get("docker stats", 0)) * per_min, 1
        ),
        "stock_sshd_connections": connections,
        "stock_sshd_live_streams": len(rotation.live) if rotation else None,
        "stock_sshd_polled_streams": len(rotation.polled) if rotation else None,
        "stock_sshd_poll_cycle_s": round(rotation.cycle_s, 1) if rotation else None,
        "stock_sshd_stream_states": dict(states),
        "stock_sshd_commands_by_kind": dict(kinds),
    }


def _iso(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def run(window_s: float = 60.0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="logtui-bench-stock-") as tmp:
        return asyncio.run(_measure(Path(tmp), window_s))


if __name__ == "__main__":
    print(json.dumps(run(20), indent=1))
