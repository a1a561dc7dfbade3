"""How entries, statuses and rates look: pure functions from data to `rich.text.Text`.

Untrusted text only ever enters a `Text` through `Text.append` after
`sanitize_for_terminal`, so it is never parsed as markup and carries no escape sequence.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rich.style import Style
from rich.text import Text

from ..models import LogEntry
from ..textsafe import sanitize_for_terminal
from ._hosted import entry_host, host_colour
from ._layout import RowColumns
from .message import Shown
from .message import shown as message_shown

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


HIGHLIGHT_STYLES: tuple[Style, ...] = (
    Style(color="black", bgcolor="cyan"),
    Style(color="black", bgcolor="magenta"),
    Style(color="black", bgcolor="green"),
    Style(color="white", bgcolor="blue"),
    Style(color="black", bgcolor="bright_red"),
    Style(color="black", bgcolor="orange1"),
    Style(color="black", bgcolor="bright_cyan"),
    Style(color="black", bgcolor="bright_magenta"),
)
"""One colour per highlight term, in the order they were added (the search's is yellow)."""
FIELD_STYLE = "dim"


@dataclass(frozen=True)
class RowLook:
    """How log rows look: the prefix's columns and what the message column shows."""

    columns: RowColumns = field(default_factory=RowColumns)
    time_mode: str = "absolute"
    raw: bool = False
    """The line as written (False: without its echoed stamp and level; fields for JSON)."""
    pattern: re.Pattern[str] | None = None
    """The search: its matches in yellow."""
    highlights: tuple[re.Pattern[str], ...] = ()
    """Highlight terms, each in its HIGHLIGHT_STYLES colour."""


def prefix_width(show_container: bool, name_width: int) -> int:
    """Columns before the message with every column at full width."""
    return RowColumns(TIME_WIDTH, name_width if show_container else 0, LEVEL_WIDTH).width


def relative_time(timestamp: str, now: datetime) -> str:
    """`-3s`, `-12m`, `-5h`, `-3d` (or `+2s` for a stamp ahead of `now`)."""
    try:
        seconds = (now - datetime.fromisoformat(timestamp)).total_seconds()
    except ValueError:
        return "?"
    sign = "-" if seconds >= 0 else "+"
    seconds = abs(seconds)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{sign}{int(seconds // size)}{unit}"
    return f"{sign}{int(seconds)}s"


def _time_text(entry: LogEntry, look: RowLook, now: datetime | None) -> str:
    width = look.columns.time
    if width == 1:
        return "▌"  # no time shown, no container column: the container's colour alone
    if look.time_mode == "relative":
        return relative_time(entry.timestamp, now or datetime.now(UTC).replace(tzinfo=None)).rjust(width)
    return entry.timestamp[11 : 11 + width].ljust(width)


def message_text(entry: LogEntry, line: int, look: RowLook) -> Text:
    """The message column of one row: sanitised, never markup, cut to MAX_LINE_CHARS."""
    lines = entry.message.split("\n") if "\n" in entry.message else [entry.message]
    raw = lines[line] if line < len(lines) else ""
    if line == 0:
        shown = message_shown(raw, entry.level, entry.timestamp, raw=look.raw)
    else:
        shown = Shown(sanitize_for_terminal(raw))
    message = shown.text
    if len(message) > MAX_LINE_CHARS:  # a multi-megabyte line would stall every redraw
        message = f"{message[:MAX_LINE_CHARS]}… (+{len(message) - MAX_LINE_CHARS} characters; x exports all)"
    text = Text(message, style="bold" if entry.level == "CRITICAL" else "", end="", no_wrap=True)
    budget = MAX_LINE_CHARS - len(message)
    for key, value in shown.fields:
        if budget <= 0:
            text.append(" …", FIELD_STYLE)
            break
        pair = f"{key}={value}"[:budget]
        budget -= len(pair) + 1
        text.append(" " if text else "", FIELD_STYLE)
        text.append(pair, FIELD_STYLE)
    plain = text.plain
    for term, style in zip(look.highlights, HIGHLIGHT_STYLES, strict=False):
        for match in term.finditer(plain):
            if match.end() > match.start():
                text.stylize(style, match.start(), match.end())
    if look.pattern is not None and plain:
        for match in look.pattern.finditer(plain):
            if match.end() > match.start():
                text.stylize(MATCH_STYLE, match.start(), match.end())
    return text


def entry_row(
    entry: LogEntry,
    line: int,
    look: RowLook,
    *,
    current: bool = False,
    now: datetime | None = None,
) -> Text:
    """One display row of an entry: its first line with time/container/level, or a continuation.

    `now` (naive UTC) is what relative times count back from.
    """
    columns = look.columns
    text = Text(end="", no_wrap=True)
    if line == 0:
        name = entry.container_name
        if columns.time:
            tint = container_colour(name) if columns.tinted else "dim"
            text.append(_time_text(entry, look, now), tint)
            text.append(" ")
        if columns.host:
            host = entry_host(entry) or ""
            text.append(fit(host, columns.host), host_colour(host))
            text.append(" ")
        if columns.name:
            text.append(fit(name, columns.name), container_colour(name))
            text.append(" ")
        label = LEVEL_LABELS.get(entry.level, entry.level)
        text.append(
            fit(label, columns.level) if columns.level > 1 else label[:1], LEVEL_STYLES.get(entry.level, "")
        )
        text.append(" ")
    else:
        text.append(" " * columns.width)
    text.append_text(message_text(entry, line, look))
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
