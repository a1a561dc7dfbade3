"""Startup: `logtui --help` wall time minus `python -c pass`, medians of a few runs."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any

from ._data import repo_env


def _wall(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - started


def run(repeat: int = 7) -> dict[str, Any]:
    env = repo_env()
    script = shutil.which("logtui")
    command = [script, "--help"] if script else [sys.executable, "-m", "logtui", "--help"]
    _wall(command, env)  # warm the file cache and .pyc files
    python = statistics.median(_wall([sys.executable, "-c", "pass"], env) for _ in range(repeat))
    logtui = statistics.median(_wall(command, env) for _ in range(repeat))
    return {
        "startup_ms": round((logtui - python) * 1000, 1),
        "startup_python_ms": round(python * 1000, 1),
        "startup_command": " ".join(os.path.basename(a) for a in command),
    }


if __name__ == "__main__":
    print(run())
