"""Ingest: one container's 1M-line history over real SSH, parsed, levelled and stored.

Baseline, same run, same server, same bytes: OpenSSH's own client running the same
`docker logs` command into /dev/null. Correctness: the entries are compared one by one
(raw text, level, order) with the reference parser run on the generated files, and the
raw lines are counted against the generator.
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from logtui.simhost.openssh import Sshd

from ._data import NAME, BulkData, bulk_data, docker_script


async def _logtui_ingest(settings: Any, lines: int, in_process: bool = False) -> tuple[float, Any]:
    """Fetch, parse, store and index for display, as the dashboard does (parsing in its
    worker process, started within the timing); returns (seconds, (store, view, entries)).
    `in_process`: parse in this process, as the CLI and the Python API do."""
    from logtui.parse_process import ParseProcess
    from logtui.remote import RemoteDocker
    from logtui.tui.store import FilteredView, LogStore

    started = time.perf_counter()
    parse = None if in_process else ParseProcess.start()
    assert in_process or parse is not None, "the parse process did not start"
    try:
        async with RemoteDocker(settings, reader_factory=parse.reader if parse else None) as remote:
            entries = await remote.logs(NAME)
        store = LogStore(max_lines_per_container=lines)
        store.add(NAME, entries)
        view = FilteredView()
        view.add(entries)
        seconds = time.perf_counter() - started
    finally:
        if parse is not None:
            parse.shutdown()
    return seconds, (store, view, entries)


def _ssh_cat(sshd: Sshd, command: str) -> float:
    started = time.perf_counter()
    subprocess.run(sshd.ssh_argv(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def check(data: BulkData, entries: list[Any], mask: bool = True) -> str | None:
    """None if every line arrived once, in order, with the reference parser's level."""
    from logtui.masking import mask_text
    from logtui.parser import parse_docker_output

    def text(path: Path) -> str:
        raw = path.read_bytes().decode("utf-8", errors="backslashreplace")
        return mask_text(raw) if mask else raw

    expected = parse_docker_output(NAME, text(data.stdout), text(data.stderr))
    raw_lines = sum(e.raw_line.count("\n") + 1 for e in entries)
    if raw_lines != data.lines:
        return f"{raw_lines} raw lines arrived, the generator wrote {data.lines}"
    if len(entries) != len(expected):
        return f"{len(entries)} entries, the reference parser makes {len(expected)}"
    for i, (got, want) in enumerate(zip(entries, expected, strict=True)):
        if (got.raw_line, got.level, got.stream, got.timestamp) != (
            want.raw_line, want.level, want.stream, want.timestamp
        ):  # fmt: skip
            return f"entry {i} differs: got {got!r}, want {want!r}"
    return None


def run(lines: int = 1_000_000, repeat: int = 2, verify: bool = True) -> dict[str, Any]:
    data = bulk_data(lines)
    with (
        tempfile.TemporaryDirectory(prefix="logtui-bench-") as tmp,
        Sshd(Path(tmp), docker_script(data)) as sshd,
    ):
        from logtui import guard

        command = guard.docker_logs(NAME).line
        ssh_times, ours, here = [], [], []
        result: Any = None
        for _ in range(repeat):
            ssh_times.append(_ssh_cat(sshd, command))
            result = None
            seconds, result = asyncio.run(_logtui_ingest(sshd.settings(), lines))
            ours.append(seconds)
        _store, view, entries = result
        problem = check(data, entries) if verify else "not checked"
        counts = len(entries), len(view)
        result = _store = view = entries = None  # freed before the in-process run
        here.append(asyncio.run(_logtui_ingest(sshd.settings(), lines, in_process=True))[0])
    best, base = min(ours), min(ssh_times)
    return {
        "ingest_lines_per_s": round(lines / best),
        "ingest_seconds": round(best, 3),
        "ingest_ssh_cat_seconds": round(base, 3),
        "ingest_ratio_vs_ssh_cat": round(best / base, 2),
        "ingest_in_process_lines_per_s": round(lines / min(here)),
        "ingest_bytes": data.size,
        "ingest_entries": counts[0],
        "ingest_view_rows": counts[1],
        "ingest_correct": problem is None,
        "ingest_problem": problem,
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, repeat=1)))
