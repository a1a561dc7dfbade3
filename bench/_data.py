"""The benchmarks' log data: one bulk container's `docker logs --timestamps` output.

Generated once by the simulated docker host (`BulkContainer`: a pool of realistic mixed
lines, with levels, tracebacks, JSON, logfmt, access logs and long lines) and written to
files, so the `docker` behind sshd can simply `cat` them: byte-for-byte docker output, and
the baseline measures SSH rather than the simulator.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def repo_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """`base` (the environment by default) with this checkout first on PYTHONPATH: for the
    processes a bench starts."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = f"{REPO}{os.pathsep}{env.get('PYTHONPATH', '')}"
    return env


def fresh_json(module: str, *args: str) -> Any:
    """`python -m module args` in a fresh interpreter, its standard output read as JSON:
    for suites whose memory figures must be their own, not the leftovers of the suites run
    before them in this process."""
    command = [sys.executable, "-m", module, *args]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO, env=repo_env())
    return json.loads(out.stdout)


ANCHOR_NS = 1_755_352_800 * 1_000_000_000
"""2025-08-16T14:00:00Z: fixed, so every run sees the same bytes."""
NAME = "bulk"


@dataclass(frozen=True)
class BulkData:
    """The files of one generated history."""

    lines: int
    stdout: Path
    stderr: Path

    @property
    def stdout_lines(self) -> int:
        return _count_lines(self.stdout)

    @property
    def size(self) -> int:
        return self.stdout.stat().st_size + self.stderr.stat().st_size


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def cache_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "logtui-bench"
    path.mkdir(exist_ok=True)
    return path


def bulk_data(lines: int, seed: int = 0) -> BulkData:
    """The history of `lines` lines (generated on first use, then reused)."""
    from logtui.simhost.workload import BulkContainer

    folder = cache_dir() / f"bulk-{lines}-{seed}"
    data = BulkData(lines, folder / "stdout.bin", folder / "stderr.bin")
    if data.stdout.exists() and data.stderr.exists():
        return data
    folder.mkdir(exist_ok=True)
    container = BulkContainer(
        name=NAME, history_lines=lines, period_s=3600.0, created_ns=ANCHOR_NS, seed=seed
    )
    with data.stdout.open("wb") as out, data.stderr.open("wb") as err:
        for stream, chunk in container.render(None, None, None, ANCHOR_NS):
            (out if stream == "stdout" else err).write(chunk)
    return data


def docker_script(
    data: BulkData, *, emit_rate: int = 0, scenario: Path | None = None, follow_open: bool = False
) -> str:
    """A `docker` for sshd: `docker logs ... bulk` replays the files (both streams at once,
    as docker writes them), at `emit_rate` lines/s if given; other commands go to the
    simulated docker CLI (so `docker ps` and `docker stats` answer). With `follow_open`, a
    `--follow` stays open after the replay, as it does for a running container."""
    py = shlex.quote(sys.executable)
    out, err = shlex.quote(str(data.stdout)), shlex.quote(str(data.stderr))
    if emit_rate:  # one writer per stream, the rate split by each stream's share of lines
        emit = f"{py} {shlex.quote(str(REPO / 'bench' / '_emit.py'))}"
        out_rate = round(emit_rate * data.stdout_lines / data.lines)
        replay = f"{emit} {out_rate} {out} & {emit} {emit_rate - out_rate} {err} >&2; wait"
    else:
        replay = f"cat {out} & cat {err} >&2; wait"
    if follow_open:  # a running container's `--follow` stays open (until the channel closes)
        replay = f'{replay}; case " $* " in *" --follow "*) exec cat >/dev/null;; esac'
    sim_env = f"LOGTUI_SIM_SCENARIO={shlex.quote(str(scenario))} " if scenario else ""
    return (
        "#!/bin/sh\n"
        "for last; do :; done\n"
        f'if [ "$1" = logs ] && [ "$last" = {NAME} ]; then {replay}; exit 0; fi\n'
        f'{sim_env}PYTHONPATH={shlex.quote(str(REPO))} exec {py} -m logtui.simhost.docker_cli "$@"\n'
    )
