"""Painting log rows into strips for the log pane: one row, or one row wrapped into several.

Kept apart from the pane's scrolling and cursor logic. Only rows on screen are ever
painted; a small cache keyed by the entry's identity keeps a redraw of unchanged rows
cheap, and is cleared whenever what a row looks like changes (columns, toggles, terms).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.console import Console
from rich.segment import Segment
from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip

from ..models import LogEntry
from .render import RowLook, entry_row
from .store import FilteredView

Frame = list[tuple[int, int]]
"""Screen lines of a wrapped pane: (view row, which of its wrapped lines)."""


class RowPainter:
    """Strips of view rows as `look` says, cached; wrapped to a width when asked."""

    def __init__(self) -> None:
        self.look = RowLook()
        self.now: Callable[[], datetime] | None = None
        """The clock relative times count back from (set by the pane from the app)."""
        self._cache: LRUCache[tuple[int, int, bool, int], tuple[LogEntry, list[Strip]]] = LRUCache(2048)

    version = 0
    """Counts changes of how rows look (a frame built before one is stale)."""

    def clear(self) -> None:
        self._cache.clear()
        self.version += 1

    def set_look(self, look: RowLook) -> bool:
        """Use `look` from now on; True if it changed (everything is painted again)."""
        if look == self.look:
            return False
        self.look = look
        self.clear()
        return True

    def _text(self, entry: LogEntry, line: int, current: bool) -> Text:
        now = self.now() if self.now is not None and self.look.time_mode == "relative" else None
        return entry_row(entry, line, self.look, current=current, now=now)

    def strips(
        self, view: FilteredView, index: int, current: bool, console: Console, wrap: int
    ) -> list[Strip]:
        """Row `index` of `view` as one strip (`wrap` 0), or wrapped to `wrap` columns with
        its continuation lines indented under the message."""
        entry, line = view.row(index)
        key = (id(entry), line, current, wrap)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is entry:
            return cached[1]
        text = self._text(entry, line, current)
        if not wrap:
            segments = list(text.render(console))
            painted = [Strip(segments, Segment.get_line_length(segments))]
        else:
            painted = self._wrapped(text, console, wrap, current)
        self._cache[key] = (entry, painted)
        return painted

    def _wrapped(self, text: Text, console: Console, width: int, current: bool) -> list[Strip]:
        indent = min(self.look.columns.width, max(0, width - 10))
        head, body = text[:indent], text[indent:]
        body.no_wrap = False
        lines = body.wrap(console, max(1, width - indent), overflow="fold") or [Text("")]
        painted = []
        pad = Text(" " * indent, style="on grey27" if current else "")
        for number, part in enumerate(lines):
            row = (head if number == 0 else pad).copy()
            row.append_text(part)
            if current:
                row.stylize_before("on grey27")
            segments = list(row.render(console))
            painted.append(Strip(segments, Segment.get_line_length(segments)))
        return painted

    def frame(
        self,
        view: FilteredView,
        *,
        top: int,
        from_bottom: bool,
        height: int,
        width: int,
        console: Console,
        current: int | None,
    ) -> Frame:
        """The screen lines of a wrapped pane: rows from `top` down, or (`from_bottom`) the
        last rows, bottom-aligned, as following shows them."""
        lines: Frame = []
        total = len(view.rows)
        if from_bottom:
            index = total - 1
            while index >= 0 and len(lines) < height:
                count = len(self.strips(view, index, index == current, console, width))
                lines[:0] = [(index, k) for k in range(count)]
                index -= 1
            return lines[-height:] if height else []
        index = max(0, top)
        while index < total and len(lines) < height:
            count = len(self.strips(view, index, index == current, console, width))
            lines.extend((index, k) for k in range(count))
            index += 1
        return lines[:height]
