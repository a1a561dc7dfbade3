"""Fleet: the dashboard (headless, the real `FleetApp`) over 12 hosts at once.

The 12 hosts are in-process asyncssh `SimulatedHost`s (real SSH, one client key, 10
generated containers each), all in ONE separate process (`python -m bench.fleet --serve`),
so that the dashboard's figures are its own: 12 OpenSSH sshd would run one Python
`docker` program per command and per followed container (120 follows), too heavy for the
2-core machine these figures come from (the e2e test `tests/e2e/test_fleet_sshd.py` runs
12 sshd for correctness, not for figures). Measured:

- `fleet_12_hosts_first_screen_s`: from the app's start until every host shows lines;
- `fleet_12_hosts_idle_commands_per_min`: commands sent to all hosts per minute after
  that (the audit log), over a steady window, containers writing ~1 line/s (each host alone: the same
  `docker ps` every 5 s and `docker stats` every 10 s as the one-host dashboard);
- `fleet_12_hosts_rss_mb`: the dashboard process's resident memory after that window
  (its parse worker processes apart, in `fleet_rss_workers_mb`);
- `fleet_12_hosts_key_to_frame_p99_ms`: key press to frame (as `bench.keys`: level keys,
  page up, G, a typed search, Esc) while every container writes 10 events a second
  (~1,200 entries/s across the fleet, 120 live streams; the rate reached is
  `fleet_keys_entries_per_s_during`). That is what this 2-core machine sustains with the
  hosts' own process on it: at 50 events a second per container (~6,000/s) the hosts, the
  parse workers and the dashboard together want more than two cores, every host falls
  seconds behind, and key presses wait seconds (`python -m bench.fleet --rate 50` shows
  it). Each live stream is its own SSH channel delivering small packets, and asyncssh's
  per-packet cost (chacha20-poly1305: a cipher context per packet, in Python) is then the
  largest single item in the dashboard's profile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HOSTS = 12
CONTAINERS = 10
IDLE_RATE = 1.0
LOAD_RATE = 10.0
"""Events per second per container (an event is a line or a multi-line group)."""


# -- the hosts' process ----------------------------------------------------------------------


async def _serve(count: int, rate: float) -> None:
    """Start `count` hosts, print how to reach them (one JSON line), run until stdin closes."""
    import structlog

    from logtui.simhost.profiles import PROFILES
    from logtui.simhost.server import SimulatedHost
    from logtui.simhost.workload import GeneratedContainer

    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # stdout: replies only
    now = time.time_ns()
    profiles = list(PROFILES)
    hosts: list[SimulatedHost] = []
    key = None
    for h in range(count):
        boxes = [
            GeneratedContainer(
                name=f"svc-{c:02d}",
                created_ns=now - 3600 * 10**9,
                started_ns=now - 30 * 10**9,  # 30 s of history: the start is not a 1 h read
                seed=h,
                profile=PROFILES[profiles[c % len(profiles)]],
                rate=rate,
            )
            for c in range(CONTAINERS)
        ]
        host = SimulatedHost(boxes, seed=h, client_key_text=key)
        await host.start()
        key = host.client_key_text
        hosts.append(host)
    print(json.dumps({"key": key, "hosts": [{"port": h.port, "known": h.known_hosts_text} for h in hosts]}))
    sys.stdout.flush()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the bench closes our stdin
    for host in hosts:
        await host.stop()
    print(json.dumps({"commands": sum(len(h.commands_received) for h in hosts)}), flush=True)


class Hosts:
    """The hosts' process: started, reached, stopped."""

    def __init__(self, rate: float, folder: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.fleet", "--serve", str(HOSTS), "--rate", str(rate)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert self.process.stdout is not None
        reply = json.loads(self.process.stdout.readline())
        self.folder = folder
        self.key: str = reply["key"]
        self.ports = [h["port"] for h in reply["hosts"]]
        self.known = [h["known"] for h in reply["hosts"]]

    def settings(self) -> list[Any]:
        from logtui.config import Settings

        return [
            Settings(
                host="127.0.0.1",
                port=port,
                user="logtui",
                key_text=self.key,
                known_hosts_text=known,
                use_ssh_config=False,
                audit_log=self.folder / "audit.jsonl",
                name=f"host-{i:02d}",
            )
            for i, (port, known) in enumerate(zip(self.ports, self.known, strict=True))
        ]

    def stop(self) -> int:
        """Stop the hosts; the commands they received in all."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        last = self.process.stdout.read().strip().splitlines()
        self.process.wait(timeout=30)
        return int(json.loads(last[-1])["commands"]) if last else -1


# -- measuring -----------------------------------------------------------------------------------


def _rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _children_rss_mb() -> float:
    total = 0.0
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if handle.read().rsplit(")", 1)[1].split()[1] == me:
                        total += _rss_mb(entry)
            except (OSError, IndexError):
                continue
    return total


def _make_app(settings: list[Any]) -> Any:
    from logtui.tui._fleet import FleetApp

    from ._app import FrameClockApp

    class FleetFrameClockApp(FleetApp):
        """FleetApp with `FrameClockApp`'s two clocks: frames composed, actions done."""

        CSS_PATH = FrameClockApp.CSS_PATH

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.frames: list[float] = []
            self.action_done = 0.0

        def _display(self, screen: Any, renderable: Any) -> None:
            super()._display(screen, renderable)
            if renderable is not None:
                self.frames.append(time.perf_counter())

        async def run_action(self, *args: Any, **kwargs: Any) -> bool:
            handled = await super().run_action(*args, **kwargs)
            self.action_done = time.perf_counter()
            return handled

        def search(self, text: str) -> None:
            super().search(text)
            self.action_done = time.perf_counter()

    return FleetFrameClockApp(settings)


def _hosts_with_lines(app: Any) -> set[str]:
    return {key.split("/")[0] for key, buffer in app.store.buffers.items() if buffer}


async def _idle(settings: list[Any], audit: Path, window_s: float) -> dict[str, Any]:
    app = _make_app(settings)
    names = {s.display for s in settings}
    async with app.run_test(size=(160, 48)):
        started = time.monotonic()
        first_screen = None
        while time.monotonic() - started < 120:
            if _hosts_with_lines(app) == names:
                first_screen = time.monotonic() - started
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(6)  # every host's second poll (the stagger) has started
        before = len(audit.read_text().splitlines())
        window_started = time.monotonic()
        await asyncio.sleep(window_s)
        elapsed = time.monotonic() - window_started
        records = [json.loads(x) for x in audit.read_text().splitlines()[before:]]
        rss, workers = _rss_mb(), _children_rss_mb()
        connected = sum(h.connection == "connected" for h in app.hosts.values())
        held = app.store.size
    sent = [r for r in records if r.get("event") == "remote_command"]
    kinds = Counter(" ".join(r["command"].split()[:2]) for r in sent)
    per_host = Counter(r["host"] for r in sent)
    return {
        "fleet_12_hosts_first_screen_s": round(first_screen, 2) if first_screen is not None else None,
        "fleet_12_hosts_idle_commands_per_min": round(len(sent) * 60 / elapsed, 1),
        "fleet_idle_commands_per_min_per_host": round(statistics.mean(per_host.values()) * 60 / elapsed, 1)
        if per_host
        else None,
        "fleet_idle_commands_by_kind": dict(kinds),
        "fleet_idle_window_s": round(elapsed, 1),
        "fleet_12_hosts_rss_mb": round(rss, 1),
        "fleet_rss_workers_mb": round(workers, 1),
        "fleet_hosts_connected": connected,
        "fleet_entries_held": held,
    }


async def _keys(settings: list[Any], rounds: int) -> dict[str, Any]:
    from .keys import TIMED, TYPING_S, _press, _timed

    app = _make_app(settings)
    names = {s.display for s in settings}
    times: list[float] = []
    missed = 0
    async with app.run_test(size=(160, 48)) as pilot:
        deadline = time.monotonic() + 120
        while _hosts_with_lines(app) != names and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(3)
        started_lines, started = app.store.received, time.perf_counter()
        for _ in range(rounds):
            for key in TIMED:
                await asyncio.sleep(0.15)
                if key == "search":
                    await _press(app, "slash", "/")
                    await asyncio.sleep(0.1)
                    for ch in "timeout|refused":
                        await _press(app, "vertical_line" if ch == "|" else ch, ch)
                        await asyncio.sleep(TYPING_S)
                    await asyncio.sleep(0.1)
                    ms = await _timed(app, "enter", "\r")
                else:
                    ms = await _timed(app, key, key if len(key) == 1 else None)
                if ms is None:
                    missed += 1
                else:
                    times.append(ms)
        elapsed = time.perf_counter() - started
        arrived = app.store.received - started_lines
        rss = _rss_mb()
        await pilot.pause()
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))] if times else None
    return {
        "fleet_12_hosts_key_to_frame_p99_ms": round(p99, 1) if p99 is not None else None,
        "fleet_key_to_frame_p50_ms": round(statistics.median(times), 1) if times else None,
        "fleet_keys_timed": len(times),
        "fleet_keys_without_frame": missed,
        "fleet_keys_entries_per_s_during": round(arrived / elapsed),
        "fleet_rss_under_load_mb": round(rss, 1),
    }


def run(window_s: float = 30.0, rounds: int = 1, load_rate: float = LOAD_RATE) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="logtui-bench-fleet-") as tmp:
        quiet = Path(tmp) / "idle"
        quiet.mkdir()
        hosts = Hosts(IDLE_RATE, quiet)
        try:
            results.update(asyncio.run(_idle(hosts.settings(), quiet / "audit.jsonl", window_s)))
        finally:
            hosts.stop()
        busy = Path(tmp) / "load"
        busy.mkdir()
        hosts = Hosts(load_rate, busy)
        try:
            results.update(asyncio.run(_keys(hosts.settings(), rounds)))
        finally:
            hosts.stop()
    return results


def run_fresh(window_s: float = 30.0, rounds: int = 1) -> dict[str, Any]:
    """`run` in a fresh interpreter: `python -m bench` runs its suites one after another in
    one process, and the memory earlier suites leave to the allocator counted as the
    fleet's (a full run measured 699 MB against 103 run alone)."""
    from ._data import fresh_json

    return fresh_json("bench.fleet", "--window", str(window_s), "--rounds", str(rounds))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet")
    parser.add_argument("--serve", type=int, help="run this many simulated hosts (the bench's helper)")
    parser.add_argument("--rate", type=float, help="events per second per container under load")
    parser.add_argument("--window", type=float, default=20.0, help="seconds of the idle window")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of keys under load")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve, IDLE_RATE if args.rate is None else args.rate))
    else:
        print(json.dumps(run(args.window, args.rounds, load_rate=args.rate or LOAD_RATE)))


if __name__ == "__main__":
    main()
