"""Keys: time from a key press to the updated frame, while ~100,000 lines/s arrive.

The real dashboard (headless) follows a container that writes 100k lines a second over
real SSH. Keys are sent as the terminal driver sends them: level filters (e a w i), a
page up and G (scroll, resume), and a regex search typed into the search box (timed from
Enter) then cleared (Esc). The time runs from sending the key to the first frame composed
after the key's action finished.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from textual import events

from logtui.simhost.openssh import Sshd

from ._app import FrameClockApp, make_app, scenario_file
from ._data import bulk_data, docker_script

RATE = 100_000
TYPING_S = 0.08
"""Between two typed characters of the search (what the search text is built during)."""
TIMED = ["e", "a", "w", "i", "a", "pageup", "G", "e", "a", "search", "escape"]


async def _press(app: FrameClockApp, key: str, char: str | None) -> None:
    event = events.Key(key, char)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)


async def _timed(app: FrameClockApp, key: str, char: str | None, timeout: float = 5.0) -> float | None:
    """Milliseconds from sending `key` to the first frame after its action; None on timeout."""
    sent = time.perf_counter()
    await _press(app, key, char)
    deadline = sent + timeout
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.0005)
        done = app.action_done
        if done > sent and app.frames and app.frames[-1] > done:
            first = next(f for f in app.frames if f > done)
            return (first - sent) * 1000
    return None


async def _session(settings: Any, data: Any, rounds: int) -> dict[str, Any]:
    app = make_app(settings, data)
    times: list[float] = []
    by_key: dict[str, list[float]] = {}
    missed = 0
    async with app.run_test(size=(160, 48)) as pilot:
        while app.store.received < 20_000:  # the flood has started
            await asyncio.sleep(0.02)
        started_lines, started = app.store.received, time.perf_counter()
        for _ in range(rounds):
            for key in TIMED:
                await asyncio.sleep(0.15)
                if key == "search":
                    await _press(app, "slash", "/")
                    await asyncio.sleep(0.1)
                    for ch in "timeout|refused":  # typed at a brisk human pace
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
                    by_key.setdefault(key, []).append(round(ms, 1))
        elapsed = time.perf_counter() - started
        arrived = app.store.received - started_lines
        await pilot.pause()
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))] if times else None
    return {
        "key_to_frame_p50_ms": round(statistics.median(times), 1) if times else None,
        "key_to_frame_p99_ms": round(p99, 1) if p99 is not None else None,
        "key_to_frame_max_ms": round(times[-1], 1) if times else None,
        "key_to_frame_by_key_ms": by_key,
        "keys_timed": len(times),
        "keys_without_frame": missed,
        "keys_entries_per_s_during": round(arrived / elapsed),
    }


def run(lines: int = 1_000_000, rounds: int = 3) -> dict[str, Any]:
    data = bulk_data(lines)
    with tempfile.TemporaryDirectory(prefix="logtui-bench-") as tmp:
        folder = Path(tmp)
        script = docker_script(data, scenario=scenario_file(folder), emit_rate=RATE, follow_open=True)
        with Sshd(folder, script) as sshd:
            return asyncio.run(_session(sshd.settings(), data, rounds))


if __name__ == "__main__":
    import json

    print(json.dumps(run(rounds=2)))
