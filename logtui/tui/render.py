"""How entries, statuses and rates look: pure functions from data to `rich.text.Text`.

Untrusted text only ever enters a `Text` through `Text.append` after
`sanitize_for_terminal`, so it is never parsed as markup and carries no escape sequence.
"""

from __future__ import annotations

import re
import zlib

from rich.style import Style
from rich.text import Text

from ..models import LogEntry
from ..textsafe import sanitize_for_terminal

LEVEL_STYLES: dict[str, str] = {
    "DEBUG": "dim",
    "INFO": "green",
    "WARNING": "yellow",
    "ERROR": "bold red",
    "CRITICAL": "bold white on red",
}
LEVEL_LABELS: dict[str, str] = {
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "WARNING": "WARN",
    "ERROR": "ERROR",
    "CRITICAL": "CRIT",
}
CONTAINER_COLOURS = (
    "cyan",
    "magenta",
    "bright_blue",
    "yellow",
    "bright_green",
    "bright_magenta",
    "bright_cyan",
    "orange1",
)
MATCH_STYLE = Style(color="black", bgcolor="yellow", bold=True)
CURRENT_ROW_STYLE = Style(bgcolor="grey27")
TIME_WIDTH = 12
"""HH:MM:SS.mmm"""
LEVEL_WIDTH = 5
SPARK = "▁▂▃▄▅▆▇█"
MAX_LINE_CHARS = 4000
"""Longest part of one line the log pane shows; the rest is summarised, and exported whole."""


def container_colour(name: str) -> str:
    """A stable colour per container name, the same in every run."""
    return CONTAINER_COLOURS[zlib.crc32(name.encode()) % len(CONTAINER_COLOURS)]


def safe_text(text: str, style: str | Style = "") -> Text:
    """Untrusted text as a `Text`: sanitized, never markup."""
    return Text(sanitize_for_terminal(text), style=style, end="")


def fit(text: str, width: int) -> str:
    """`text` cut to `width` characters with an ellipsis, or padded to it."""
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.ljust(width)


def prefix_width(show_container: bool, name_width: int) -> int:
    """Columns before the message: time, [container,] level, with single spaces."""
    width = TIME_WIDTH + 1 + LEVEL_WIDTH + 1
    return width + (name_width + 1 if show_container else 0)


def entry_row(
    entry: LogEntry,
    line: int,
    *,
    show_container: bool,
    name_width: int,
    pattern: re.Pattern[str] | None = None,
    current: bool = False,
) -> Text:
    """One display row of an entry: its first line with time/container/level, or a continuation."""
    lines = entry.message.split("\n") if "\n" in entry.message else [entry.message]
    raw = lines[line] if line < len(lines) else ""
    if len(raw) > MAX_LINE_CHARS:  # a multi-megabyte line would stall every redraw
        raw = f"{raw[:MAX_LINE_CHARS]}… (+{len(raw) - MAX_LINE_CHARS} characters; x exports all)"
    message = sanitize_for_terminal(raw)
    text = Text(end="", no_wrap=True)
    if line == 0:
        text.append(entry.timestamp[11:23].ljust(TIME_WIDTH), "dim")
        text.append(" ")
        if show_container:
            name = entry.container_name
            text.append(fit(name, name_width), container_colour(name))
            text.append(" ")
        text.append(
            fit(LEVEL_LABELS.get(entry.level, entry.level), LEVEL_WIDTH), LEVEL_STYLES.get(entry.level, "")
        )
        text.append(" ")
    else:
        text.append(" " * prefix_width(show_container, name_width))
    start = len(text)
    text.append(message, "bold" if entry.level == "CRITICAL" else "")
    if pattern is not None and message:
        for match in pattern.finditer(message):
            if match.end() > match.start():
                text.stylize(MATCH_STYLE, start + match.start(), start + match.end())
    if current:
        text.stylize_before(CURRENT_ROW_STYLE)  # under the match highlight, not over it
    return text


def sparkline(counts: list[int]) -> str:
    """Counts as block characters scaled to their maximum; a zero is a blank."""
    top = max(counts, default=0)
    if top <= 0:
        return " " * len(counts)
    steps = len(SPARK) - 1
    return "".join(" " if c <= 0 else SPARK[min(steps, round(c / top * steps))] for c in counts)


_UP_RE = re.compile(
    r"^Up\s+(?:About\s+)?(an?|\d+)\s+(second|minute|hour|day|week|month|year)s?", re.IGNORECASE
)
_EXIT_RE = re.compile(r"^Exited\s+\((-?\d+)\)", re.IGNORECASE)
_UNITS = {"second": "s", "minute": "m", "hour": "h", "day": "d", "week": "w", "month": "mo", "year": "y"}


def short_status(state: str, status: str) -> str:
    """Docker's status in a few characters: `up 3h`, `up 3h ✓`, `exit 3`, `paused`.

    `(healthy)` becomes ✓, `(unhealthy)` becomes ✗ and `(health: starting)` becomes …
    """
    health = ""
    lowered = status.lower()
    if "(unhealthy)" in lowered:
        health = " ✗"
    elif "(healthy)" in lowered:
        health = " ✓"
    elif "health: starting" in lowered:
        health = " …"
    up = _UP_RE.match(status.strip())
    if up:
        amount = "1" if up.group(1).lower() in ("a", "an") else up.group(1)
        if "less than a second" in lowered:
            amount = "0"
        return f"up {amount}{_UNITS[up.group(2).lower()]}{health}"
    if status.lower().startswith("up less than"):
        return f"up 0s{health}"
    exited = _EXIT_RE.match(status.strip())
    if exited:
        return f"exit {exited.group(1)}"
    return (state or status or "?").lower()[:12]


def short_memory(mem_usage: str) -> str:
    """`41.2MiB / 1.944GiB` -> `41.2MiB`."""
    return mem_usage.split("/")[0].strip().replace(" ", "")


def compact_count(value: float) -> str:
    """12 -> 12, 12345 -> 12.3k, 2_500_000 -> 2.5M."""
    if value < 1000:
        return f"{value:g}" if isinstance(value, float) else str(value)
    if value < 1_000_000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
