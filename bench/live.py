"""Live: the lines per second the dashboard keeps up with, streamed over real SSH.

The container writes its whole history as fast as sshd carries it (`docker logs --follow`
replaying the generated lines, then staying open as for a running container); the
dashboard (headless, the real app) follows it. The figure is the lines stored per second
from the first to the last, with a check that every line arrived exactly once: what the
UI sustains when the server outruns it.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from logtui.simhost.openssh import Sshd

from ._app import LineCounter, make_app, raw_lines_held, scenario_file
from ._data import NAME, bulk_data, docker_script


async def _follow(settings: Any, data: Any, timeout: float) -> dict[str, Any]:
    app = make_app(settings, data)
    async with app.run_test(size=(160, 48)) as pilot:
        counter = LineCounter(app)
        first = last = 0.0
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline and counter.lines < data.lines:
            await asyncio.sleep(0.02)
            before = counter.lines
            if counter.update() > before:
                last = time.perf_counter()
                first = first or last
        await asyncio.sleep(1.0)  # anything more (a duplicate) would show up now
        await pilot.pause()
        held = raw_lines_held(app)
        state = app.streams[NAME].state if NAME in app.streams else "none"
        frames = len(app.frames)
    seconds = max(last - first, 1e-9)
    return {
        "live_lines_per_s": round(held / seconds) if held == data.lines else None,
        "live_seconds": round(seconds, 2),
        "live_lines_held": held,
        "live_lines_sent": data.lines,
        "live_stream_state": state,
        "live_frames": frames,
    }


def run(lines: int = 1_000_000, timeout: float = 120.0) -> dict[str, Any]:
    data = bulk_data(lines)
    with tempfile.TemporaryDirectory(prefix="logtui-bench-") as tmp:
        folder = Path(tmp)
        with Sshd(folder, docker_script(data, scenario=scenario_file(folder), follow_open=True)) as sshd:
            return asyncio.run(_follow(sshd.settings(), data, timeout))


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 300_000)))
