"""Time order in `-f` and whole long lines, against real software: OpenSSH's sshd, the real
Docker CLI and podman's engine (see tests/e2e/podman.py and the real-host recipe).

podman (k8s-file behind the Docker CLI) splits a line longer than 8 KiB into 8,192-byte
parts, each printed after its own whole-second stamp, only the last with a newline; the
parts are rejoined whatever character they cut. Its stamps have whole seconds, so time
order is checked at that precision: a stream printed before the other, as before, put
seconds-later lines first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from podman import PodmanEngine

from logtui.remote import RemoteDocker
from logtui.simhost.openssh import Sshd

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def cli_env(sshd: Sshd) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGTUI_", "HETZNER_"))}
    env.update(sshd.settings_env())
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def run_cli(sshd: Sshd, cwd: Path, *args: str, timeout: float = 90) -> list[dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "logtui", *args, "--json"],
        env=cli_env(sshd),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def alternating(prefix: str, count: int) -> str:
    """busybox sh: `count` requests, INFO on stdout, every other one's ERROR on stderr,
    one write per line 0.3 ms apart (as the recipe advises, so podman keeps lines whole)."""
    return (
        f"i=0; while [ $i -lt {count} ]; do i=$((i+1)); "
        f"printf '%s\\n' \"[INFO] {prefix} $i\"; usleep 300; "
        f"if [ $((i % 2)) -eq 0 ]; then printf '%s\\n' \"[ERROR] {prefix} $i failed\" >&2; usleep 300; fi; "
        "usleep 2000; done\n"
    )


LONG_OUT = 'awk \'BEGIN{s="start"; for(i=0;i<40000;i++) s=s "a"; print s "end"}\'\n'
"""A 40,008-byte line on stdout: five 8 KiB parts."""
LONG_ERR = 'awk \'BEGIN{s="x"; for(i=0;i<10000;i++) s=s "é"; print s}\' >&2\n'
"""`x` and 10,000 `é` on stderr: 20,001 bytes, whose 8 KiB boundaries cut an `é` in two."""


def test_follow_prints_both_streams_in_time_order_and_long_lines_whole(
    podman_engine: PodmanEngine, real_sshd: Sshd, tmp_path: Path
) -> None:
    """History written before the follow and lines written during it, both streams at
    speed, and a long line on each: timestamps never go backwards, every line once."""
    name = "two-streams"
    trigger = tmp_path / "trigger"
    trigger.mkdir()
    script = (
        alternating("past", 300)
        + LONG_OUT
        + "while [ ! -e /trigger/go ]; do usleep 20000; done\n"
        + alternating("live", 300)
        + LONG_ERR
        + "usleep 500000; exit 0\n"
    )
    podman_engine.run(name, script, mounts={trigger: "/trigger"})
    try:
        podman_engine.wait_for_lines(name, 451, timeout=60)
        proc = subprocess.Popen(
            [sys.executable, "-m", "logtui", "container", name, "1", "-f", "--json"],
            env=cli_env(real_sshd),
            cwd=tmp_path,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(2)  # the history is printed, the follow is live
        (trigger / "go").touch()
        out, err = proc.communicate(timeout=120)  # ends when the container's log ends
        assert proc.returncode == 0, err
    finally:
        podman_engine.remove(name)
    entries = [json.loads(line) for line in out.splitlines()]
    stamps = [e["timestamp"] for e in entries]
    assert stamps == sorted(stamps), "timestamps never go backwards"
    messages = Counter(e["message"] for e in entries)
    for phase in ("past", "live"):
        for i in range(1, 301):
            assert messages[f"{phase} {i}"] == 1, (phase, i)
            assert messages[f"{phase} {i} failed"] == (1 if i % 2 == 0 else 0)
    long_out = [e for e in entries if e["message"].startswith("start")]
    assert [e["message"] for e in long_out] == ["start" + "a" * 40000 + "end"]
    assert long_out[0]["raw_line"].partition(" ")[2] == "start" + "a" * 40000 + "end"
    long_err = [e for e in entries if e["message"].startswith("xé")]
    assert [(e["message"], e["stream"]) for e in long_err] == [("x" + "é" * 10000, "stderr")]
    assert len(entries) == 2 * (300 + 150) + 2


async def test_the_api_reads_long_lines_whole(podman_engine: PodmanEngine, real_sshd: Sshd) -> None:
    name = "long-lines"
    podman_engine.run(
        name, "printf '%s\\n' '[INFO] before'; usleep 300\n" + LONG_OUT + LONG_ERR + "exec sleep 3600"
    )
    try:
        podman_engine.wait_for_lines(name, 3)
        async with RemoteDocker(real_sshd.settings()) as remote:
            entries = await remote.logs(name)
    finally:
        podman_engine.remove(name)
    assert sorted((e.stream, len(e.message)) for e in entries) == [
        ("stderr", 10001),
        ("stdout", 6),  # `[INFO] before`: the level tag stays in raw_line only
        ("stdout", 40008),
    ]
    texts = sorted(entry.raw_line.partition(" ")[2] for entry in entries)
    assert texts == ["[INFO] before", "start" + "a" * 40000 + "end", "x" + "é" * 10000]
    assert all(e.raw_line.startswith(e.docker_timestamp + " ") for e in entries)
