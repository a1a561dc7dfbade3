"""The dashboard, headless, against a real sshd: what live.py and keys.py measure.

`FrameClockApp` is the real `LogtuiApp` plus two clocks: when each frame was composed
(Textual composes frames in headless mode too; only the terminal write is skipped) and
when the last key binding's action finished.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from logtui.tui._deque import deque_slice
from logtui.tui.app import LogtuiApp

from ._data import NAME, BulkData


class FrameClockApp(LogtuiApp):
    """LogtuiApp that records frame times and action completion times."""

    CSS_PATH = str(Path(sys.modules[LogtuiApp.__module__].__file__ or "").with_name("dashboard.tcss"))

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


def scenario_file(folder: Path) -> Path:
    """The simulated docker's answer to `docker ps` / `stats`: one running container, `bulk`."""
    path = folder / "scenario.json"
    path.write_text(json.dumps({"default_containers": False, "bulk": [{"name": NAME, "history_lines": 10}]}))
    return path


def raw_lines_held(app: LogtuiApp) -> int:
    """Raw docker lines in the store (an entry of k lines counts k)."""
    return sum(e.raw_line.count("\n") + 1 for b in app.store.buffers.values() for e in b)


class LineCounter:
    """Counts raw lines stored so far, looking only at entries added since the last call
    (the benchmarks' buffers are big enough that nothing is evicted)."""

    def __init__(self, app: LogtuiApp) -> None:
        self.app = app
        self.entries = 0
        self.lines = 0

    def update(self) -> int:
        buffer = self.app.store.buffers.get(NAME)
        if buffer is not None and len(buffer) > self.entries:
            # from the near end: `islice` from the front walked every held entry, every 20
            # ms, on the app's own thread (up to a third of it at a million entries)
            fresh = deque_slice(buffer, self.entries)
            self.lines += sum(e.raw_line.count("\n") + 1 for e in fresh)
            self.entries = len(buffer)
        return self.lines


def make_app(settings: Any, data: BulkData) -> FrameClockApp:
    return FrameClockApp(settings, max_lines_per_container=data.lines + 10)
