"""Make the README's pictures with the app itself: `python -m logtui.tui.screenshots [DIR]`.

Runs the dashboard headless against the demo host and saves SVGs (Textual's own
screenshot) of the main view, errors only, a search, the detail view of a JSON line, the
main view at 80×24, and three demo hosts at once (`fleet`); with `rsvg-convert` on the
PATH, PNG copies too.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..config import Settings
from ..simhost.demo import demo_fleet, demo_host
from ._run import configure_file_logging

SIZE = (160, 44)
NARROW = (80, 24)


async def _shoot(settings: Settings, out: Path) -> list[Path]:
    from . import create_app

    app = create_app(settings, host_label="prod-1 (demo)", export_dir=Path(tempfile.gettempdir()))
    saved: list[Path] = []
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + 20
        while not (app.log_pane.view.rows and app.digest.counts and app.stats):
            if time.monotonic() > deadline:
                raise RuntimeError("the demo host did not fill the dashboard in 20 s")
            await pilot.pause(0.1)
        await pilot.pause(2.2)  # two slow ticks: sparklines and counts settle

        def shot(name: str) -> None:
            saved.append(Path(app.save_screenshot(filename=f"{name}.svg", path=str(out))))

        shot("main")
        await pilot.press("e")
        await pilot.pause(0.3)
        shot("errors")
        await pilot.press("a", "slash", *"timeout|refused", "enter")
        await pilot.pause(0.3)
        shot("search")
        await pilot.press("slash", *"upstream request failed", "enter", "n", "enter")
        await pilot.pause(0.3)
        app.clear_notifications()
        await pilot.pause(0.1)
        shot("detail")
        await pilot.press("escape", "escape", "G")  # back, the search cleared, following
        await pilot.resize_terminal(*NARROW)
        await pilot.pause(0.5)
        app.clear_notifications()
        await pilot.pause(0.1)
        shot("narrow")
    return saved


async def _shoot_fleet(hosts: list[Settings], out: Path) -> Path:
    """Three hosts: grouped containers, the host column, errors on several hosts."""
    from . import create_app

    app = create_app(hosts, export_dir=Path(tempfile.gettempdir()))
    async with app.run_test(size=SIZE) as pilot:
        names = {s.display for s in hosts}
        deadline = time.monotonic() + 30
        while not (
            {key.split("/")[0] for key, buffer in app.store.buffers.items() if buffer} == names
            and {key.split("/")[0] for key in app.stats} == names
            and app.digest.counts
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("the demo hosts did not fill the dashboard in 30 s")
            await pilot.pause(0.1)
        await pilot.pause(2.2)
        return Path(app.save_screenshot(filename="fleet.svg", path=str(out)))


def to_png(svg: Path) -> Path | None:
    """A PNG beside `svg` via rsvg-convert, if installed (spaces kept as the terminal shows)."""
    tool = shutil.which("rsvg-convert")
    if tool is None:
        return None
    png = svg.with_suffix(".png")
    text = svg.read_text(encoding="utf-8").replace("<svg ", '<svg xml:space="preserve" ', 1)
    with tempfile.NamedTemporaryFile("w", suffix=".svg", encoding="utf-8") as tmp:
        tmp.write(text)
        tmp.flush()
        subprocess.run([tool, tmp.name, "-o", str(png)], check=True)
    return png


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    handle = configure_file_logging()
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    with handle:
        with demo_host() as settings:
            saved = asyncio.run(_shoot(settings, out))
        with demo_fleet(3) as hosts:
            saved.append(asyncio.run(_shoot_fleet(hosts, out)))
    for svg in saved:
        png = to_png(svg)
        print(svg, png or "(no rsvg-convert: SVG only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
