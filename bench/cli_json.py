"""CLI: `logtui container bulk 24 --json > file` on a 1M-line history over real SSH.

Run as it is by default (parsing in the CLI's process) and with `LOGTUI_PARSE_WORKERS=2`
(`cli_json_workers_*`: parsing in two other processes; their memory is counted too).

The command runs as a user runs it: a child process, against OpenSSH's sshd, stdout to a
file. Measured: wall time and peak RSS (`VmHWM`, see `_run_cli`; the glibc allocator with
default settings: no `MALLOC_ARENA_MAX`, no `PYTHONMALLOC`). Baseline, same
run: OpenSSH's own client fetching the same `docker logs` output into /dev/null.
Correctness: the output's bytes are compared with the reference parser's entries written
by `json.dumps(entry.to_dict())`, line for line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from logtui.simhost.openssh import Sshd

from ._data import NAME, BulkData, bulk_data, docker_script, repo_env


def _peak_kib(pid: int) -> int | None:
    """The process's peak resident memory so far (`VmHWM`, KiB), None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next(int(ln.split()[1]) for ln in handle if ln.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return None


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(c) for c in handle.read().split()]
    except OSError:
        return []


def _run_cli(sshd: Sshd, out: Path, parse_workers: str | None) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one `container --json` run into `out`.

    The peak is `VmHWM` of the command's process plus that of each process it starts
    (parse workers), read every 20 ms while it runs: a high-water mark, so sampling misses
    nothing but the last moments. (`ru_maxrss` from `wait4` is not used: it counts the
    pages a forked child shares with this process before it execs, i.e. this process's
    own size after the ingest suite.)"""
    env = repo_env({**os.environ, **sshd.settings_env(), "LOGTUI_COMMAND_TIMEOUT": "600"})
    if parse_workers is not None:
        env["LOGTUI_PARSE_WORKERS"] = parse_workers
    script = shutil.which("logtui")
    argv = [script] if script else [sys.executable, "-m", "logtui"]
    argv += ["container", NAME, "24", "--json"]
    peaks: dict[int, int] = {}
    started = time.perf_counter()
    with out.open("wb") as handle:
        child = subprocess.Popen(argv, stdout=handle, stderr=subprocess.PIPE, env=env)
        while child.poll() is None:
            for pid in (child.pid, *_children(child.pid)):
                peak = _peak_kib(pid)
                if peak is not None:
                    peaks[pid] = max(peak, peaks.get(pid, 0))
            time.sleep(0.02)
    seconds = time.perf_counter() - started
    assert child.stderr is not None
    said = child.stderr.read().decode(errors="replace")
    if child.returncode != 0:
        raise RuntimeError(f"logtui exited with {child.returncode}: {said[-500:]}")
    return seconds, sum(peaks.values()) / 1024


def _reference_digest(data: BulkData) -> tuple[str, int]:
    """sha256 and line count of what the output must be, from the reference parser."""
    from logtui.masking import mask_text
    from logtui.parser import parse_docker_output

    def text(path: Path) -> str:
        return mask_text(path.read_bytes().decode("utf-8", errors="backslashreplace"))

    digest = hashlib.sha256()
    entries = parse_docker_output(NAME, text(data.stdout), text(data.stderr))
    for entry in entries:
        digest.update((json.dumps(entry.to_dict(), ensure_ascii=False) + "\n").encode())
    return digest.hexdigest(), len(entries)


def _digest(path: Path) -> tuple[str, int]:
    digest, lines = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    return digest.hexdigest(), lines


def _ssh_cat(sshd: Sshd, command: str) -> float:
    started = time.perf_counter()
    subprocess.run(sshd.ssh_argv(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def run(lines: int = 1_000_000, repeat: int = 2, verify: bool = True) -> dict[str, Any]:
    from logtui import guard

    data = bulk_data(lines)
    with (
        tempfile.TemporaryDirectory(prefix="logtui-bench-") as tmp,
        Sshd(Path(tmp), docker_script(data)) as sshd,
    ):
        out = Path(tmp) / "out.jsonl"
        base = min(_ssh_cat(sshd, guard.docker_logs(NAME).line) for _ in range(repeat))
        runs = [_run_cli(sshd, out, "0") for _ in range(repeat)]
        got = _digest(out) if verify else None
        workers = [_run_cli(sshd, out, "2") for _ in range(repeat)]
        if verify and _digest(out) != got:
            raise RuntimeError("parse processes wrote other bytes than parsing in-process")
    seconds = min(s for s, _ in runs)
    rss = max(r for _, r in runs)
    problem = None
    if got is not None:
        want = _reference_digest(data)
        if got != want:
            problem = f"output differs from the reference: {got[1]} lines, want {want[1]}"
    return {
        "cli_json_lines_per_s": round(lines / seconds),
        "cli_json_seconds": round(seconds, 3),
        "cli_json_ssh_cat_seconds": round(base, 3),
        "cli_json_ratio_vs_ssh_cat": round(seconds / base, 2),
        "cli_json_peak_rss_mb": round(rss, 1),
        "cli_json_workers_lines_per_s": round(lines / min(s for s, _ in workers)),
        "cli_json_workers_peak_rss_mb": round(max(r for _, r in workers), 1),
        "cli_json_correct": problem is None if verify else None,
        "cli_json_problem": problem,
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, repeat=1)))
