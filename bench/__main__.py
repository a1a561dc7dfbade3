"""Run logtui's benchmarks: `python -m bench [--quick] [--json] [--only NAME ...]`.

Each measurement runs against its baseline in the same run (OpenSSH's own client for the
SSH ingest, `python -c pass` for start-up) and prints a table of key, value, target and
whether the target is met; `--json` prints one JSON object with every key instead. A key
that could not be measured is null, with the reason under `errors`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

TARGETS: dict[str, tuple[str, float | None]] = {
    "ingest_lines_per_s": (">=", 600_000),
    "ingest_ratio_vs_ssh_cat": ("<=", 2.0),
    "cli_json_lines_per_s": (">=", 500_000),
    "cli_json_peak_rss_mb": ("<=", 150),
    "cli_json_workers_lines_per_s": ("min", None),
    "cli_json_workers_peak_rss_mb": ("min", None),
    "bytes_per_entry": ("<=", 223),  # #12: mean raw entry of the bench data (183 B) + 40
    "live_lines_per_s": (">=", 300_000),
    "key_to_frame_p50_ms": ("<=", 20),
    "key_to_frame_p99_ms": ("<=", 50),
    "filter_1m_ms": ("<=", 100),
    "search_1m_ms": ("<=", 300),
    "search_1m_cold_ms": ("<=", 100),
    "search_1m_typed_ms": ("<=", 100),  # the dashboard's way: blocks built while typing
    "search_1m_regex_ms": ("<=", 150),
    "summary_1m_ms": ("<=", 150),
    "startup_ms": ("<=", 150),
    "idle_server_commands_per_min": ("min", None),
    "fuzz_escaped": ("<=", 0),
    "stock_sshd_60_containers_first_line_s": ("<=", 15),
    "stock_sshd_60_containers_idle_commands_per_min": ("min", None),
    "stock_sshd_connections": ("<=", 4),
    "fleet_12_hosts_first_screen_s": ("<=", 5),
    "fleet_12_hosts_idle_commands_per_min": ("<=", 216),
    "fleet_12_hosts_rss_mb": ("min", None),
    "fleet_12_hosts_key_to_frame_p99_ms": ("<=", 50),
    "budget_error_flood_rss_ratio": ("<=", 1.0),  # RSS growth / LOGTUI_MEMORY_MB (bench/budget.py)
}


def _suites(quick: bool) -> dict[str, Callable[[], dict[str, Any]]]:
    from . import (
        budget,
        cli_json,
        fleet,
        fuzz_guard,
        idle,
        ingest,
        keys,
        live,
        startup,
        stock_sshd,
        store_ops,
    )

    return {
        "ingest": lambda: ingest.run(1_000_000, repeat=1 if quick else 3),
        "cli_json": lambda: cli_json.run(1_000_000, repeat=1 if quick else 2),
        "store": lambda: store_ops.run(1_000_000),
        "live": lambda: live.run(300_000 if quick else 1_000_000),
        "keys": lambda: keys.run(1_000_000, rounds=1 if quick else 3),
        "startup": lambda: startup.run(5 if quick else 11),
        "idle": lambda: idle.run(20 if quick else 60),
        "fuzz": lambda: fuzz_guard.run(100_000 if quick else 1_000_000, 1),
        "stock_sshd": lambda: stock_sshd.run(20 if quick else 60),
        "fleet": lambda: fleet.run_fresh(20 if quick else 60, rounds=1 if quick else 3),
        "budget": lambda: budget.run(200 if quick else 400),
    }


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((ln.split(":", 1)[1].strip() for ln in handle if ln.startswith("model name")), "")
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu_model": cpu or platform.processor(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def met(key: str, value: Any) -> str:
    op, target = TARGETS[key]
    if value is None:
        return "n/a"
    if op == "min":
        return "-"
    ok = value >= target if op == ">=" else value <= target
    return "yes" if ok else "NO"


def table(results: dict[str, Any]) -> str:
    rows = [("key", "value", "target", "met")]
    for key, (op, target) in TARGETS.items():
        value = results.get(key)
        shown = "null" if value is None else f"{value:,}" if isinstance(value, int | float) else str(value)
        goal = "as few as possible" if op == "min" else f"{op} {target:,g}"
        rows.append((key, shown, goal, met(key, value)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]

    def line(row: tuple[str, ...]) -> str:
        cells = [c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)]
        return "  ".join(cells)

    lines = [line(r) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="smaller runs: under two minutes")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--only", nargs="*", help="run only these suites")
    args = parser.parse_args(argv)
    suites = _suites(args.quick)
    chosen = args.only or list(suites)
    results: dict[str, Any] = {key: None for key in TARGETS}
    errors: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for name in chosen:
        started = time.perf_counter()
        if not args.json:
            print(f"running {name}…", file=sys.stderr, flush=True)
        try:
            results.update(suites[name]())
        except Exception as exc:  # one failed suite must not hide the others' figures
            errors[name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc(file=sys.stderr)
        seconds[name] = round(time.perf_counter() - started, 1)
    results["errors"] = errors
    results["suite_seconds"] = seconds
    results["machine"] = machine()
    results["quick"] = args.quick
    if args.json:
        print(json.dumps(results))
    else:
        print(table(results))
        extra = {k: v for k, v in results.items() if k not in TARGETS}
        print(json.dumps(extra, indent=1))
    return 1 if errors or results.get("fuzz_escaped") else 0


if __name__ == "__main__":
    raise SystemExit(main())
