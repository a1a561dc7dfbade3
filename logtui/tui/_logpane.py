"""The log pane: renders only the visible rows of a `FilteredView` (Textual's Line API).

It never holds rendered text for more than the rows on screen (plus a small cache), so a
view of hundreds of thousands of rows scrolls as smoothly as one of ten. Following means
"stay at the bottom"; moving the cursor or scrolling up pauses, `G`/End resume. While
paused, a cursor marks the current row (what Enter opens and `c` copies); while following,
the current row is the newest. Wrapped, a row takes as many screen lines as it needs and
scrolling goes row by row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..models import LogEntry
from ._layout import LOG_CHROME, row_columns
from ._navigate import NavigationMixin
from ._paint import Frame, RowPainter
from .render import RowLook
from .search_view import SearchView, is_text_search, safe
from .store import Filter, LogStore

if TYPE_CHECKING:
    from ._search import SearchRunner
    from .merged import Merged
    from .search_job import Outcome


class LogPane(NavigationMixin, ScrollView, can_focus=True):
    """Time-ordered log rows of one container or all of them, with search highlights."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "top", "Top", show=False),
        Binding("G", "bottom", "Bottom", show=False),
        Binding("enter", "open", "detail"),
        Binding("j", "cursor_down", "down", show=False),
        Binding("k", "cursor_up", "up", show=False),
    ]

    following: var[bool] = var(True)
    """Stay at the newest row as rows arrive (False: paused)."""
    new_while_paused: var[int] = var(0)
    """Rows that arrived since following was paused."""
    empty_message: var[str] = var("waiting for log lines…")
    """What an empty pane says."""

    @dataclass
    class FollowChanged(Message):
        """Following was paused or resumed (by a key, a scroll or a search jump)."""

        pane: LogPane
        following: bool

    @dataclass
    class Opened(Message):
        """Enter (or a double click) on a row: show this entry whole."""

        pane: LogPane
        entry: LogEntry

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = SearchView()
        self.search_runner: SearchRunner | None = None
        """Runs text searches on a worker (set by the app; without it they run here)."""
        self.longest_name = 8
        self.longest_host = 0
        """The longest host name when several hosts are watched (0: one host, no host column)."""
        self.cursor: tuple[LogEntry, int] | None = None
        """The current row while paused: (entry, line of entry), or None (the newest)."""
        self.wrap = False
        self.time_mode = "absolute"
        self.raw = False
        self.highlights: tuple[re.Pattern[str], ...] = ()
        self.painter = RowPainter()
        self._frame_key: tuple | None = None
        self._frame: Frame = []

    # -- how rows look ---------------------------------------------------------------------

    @property
    def show_container(self) -> bool:
        return self.view.filter.container is None

    @property
    def show_host(self) -> bool:
        """Several hosts watched and more than one of them shown."""
        return self.longest_host > 0 and self.view.filter.host is None and self.view.filter.container is None

    @property
    def look(self) -> RowLook:
        return self.painter.look

    @property
    def message_width(self) -> int:
        """Columns the message gets on a row (inside the borders and the scrollbar)."""
        return self.outer_size.width - LOG_CHROME - self.look.columns.width

    def set_clock(self, clock: Callable[[], datetime]) -> None:
        self.painter.now = clock

    def relook(self) -> None:
        """Recompute the row columns and the look from the pane's width and settings."""
        inner = max(1, self.outer_size.width - LOG_CHROME)
        host = self.longest_host if self.show_host else 0
        columns = row_columns(inner, self.longest_name, self.show_container, self.time_mode, host)
        # A pattern that may backtrack is never run here by `re` (`search_view.safe`).
        highlights = tuple(map(safe, self.highlights))
        look = RowLook(columns, self.time_mode, self.raw, safe(self.view.filter.pattern), highlights)
        if self.painter.set_look(look):
            self._sync(self._top_anchor())

    def on_resize(self) -> None:
        self.relook()

    def tick_clock(self) -> None:
        """Relative times moved on: paint again (called once a second while they show)."""
        if self.time_mode == "relative":
            self.painter.clear()
            self._frame_key = None
            self.refresh()

    # -- data ------------------------------------------------------------------------------

    def rebuild(self, store: LogStore, filter: Filter | None = None) -> None:
        """Recompute all rows (filter or container changed); keeps the top row if paused.

        A text search is handed to the search runner: the rows come as it finds them."""
        anchor = self._top_anchor()
        runner = self.search_runner
        target = filter if filter is not None else self.view.filter
        if runner is not None and is_text_search(target):
            self.view.begin(target)
            runner.start(store, target)
        else:
            if runner is not None:
                runner.cancel()
                if target.pattern is None:
                    runner.forget()
            self.view.rebuild(store, filter)
        self.set_names(store.names)
        self.cursor = None if self.following else self.cursor
        if self.cursor is not None and self.view.find(self.cursor[0]) is None:
            self.cursor = None
        self.painter.clear()
        self.relook()
        self._sync(anchor)

    def show_search(self, outcome: Outcome, final: bool) -> None:
        """Rows a running search found so far (or in all, when `final`)."""
        anchor = self._top_anchor()
        self.view.show(outcome, final)
        if self.cursor is not None and self.view.find(self.cursor[0]) is None:
            self.cursor = None
        self.painter.clear()
        self._sync(anchor)

    def set_names(self, names: list[str]) -> None:
        """Size the container column for these names (store keys: `host/name` counts as `name`)."""
        longest = max((len(n.rpartition("/")[2]) for n in names), default=8)
        if longest != self.longest_name:
            self.longest_name = longest
            self.relook()

    def top_anchor(self) -> tuple[LogEntry, int, int] | None:
        """What `add` keeps on the top row while paused: taken before the store changes,
        since a view may share the store's kept merge (`FilteredView.follow`)."""
        return self._top_anchor()

    def add(
        self,
        entries: list[LogEntry],
        evicted: list[LogEntry],
        merged: Merged | None,
        anchor: tuple[LogEntry, int, int] | None,
    ) -> int:
        """New entries in, evicted entries out; returns rows added. `merged`: the store's
        kept merge of the shown containers, up to date (a view showing its rows follows
        it); `anchor`: `top_anchor()` taken before the store changed."""
        followed = self.view.follow(merged) if merged is not None else None
        if followed is None:
            added, removed = self.view.settle()
            added += self.view.add(entries)
            removed += self.view.remove(evicted)
        else:
            added, removed = followed
        if not self.following:
            self.new_while_paused += added
        if self.cursor is not None and removed and self.view.find(self.cursor[0]) is None:
            self.cursor = None
        if added or removed:
            self._sync(anchor)
        return added

    def clear(self) -> None:
        if self.search_runner is not None:  # the store was cleared: what it searched is gone
            self.search_runner.cancel(tell=False)
            self.search_runner.forget()
        self.view.rows = []  # not cleared in place: they may be the store's kept merge's
        self.view.width = 0
        self.cursor = None
        self.new_while_paused = 0
        self.painter.clear()
        self._sync(None)

    def _top_anchor(self) -> tuple[LogEntry, int, int] | None:
        """The entry on the top visible row, its line and the row offset (when paused)."""
        if self.following or not self.view.rows:
            return None
        top = min(int(self.scroll_y), len(self.view.rows) - 1)
        entry, line = self.view.row(top)
        return entry, line, top

    def _sync(self, anchor: tuple[LogEntry, int, int] | None) -> None:
        rows = len(self.view.rows)
        if self.wrap:  # row by row, and the last row may be the top one
            self.virtual_size = Size(self._wrap_width, rows + max(0, self._visible - 1))
        else:
            self.virtual_size = Size(self.look.columns.width + self.view.width, rows)
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        elif anchor is not None:
            entry, line, old = anchor
            row = self.view.find(entry)
            if row is not None and row + line != old:
                self.scroll_to(y=row + line, animate=False, immediate=True)
        self._frame_key = None
        self.refresh()

    def set_wrap(self, wrap: bool) -> None:
        if wrap != self.wrap:
            self.wrap = wrap
            self.styles.overflow_x = "hidden" if wrap else "auto"  # no sideways scrollbar row
            self.painter.clear()
            self.scroll_to(x=0, animate=False, immediate=True)
            self._sync(self._top_anchor())

    # -- rendering -------------------------------------------------------------------------

    @property
    def _visible(self) -> int:
        """Screen lines rows are shown on (a sideways scrollbar takes one)."""
        return self.scrollable_content_region.height

    @property
    def _wrap_width(self) -> int:
        return max(10, self.scrollable_content_region.width)

    def _build_frame(self, top: int, from_bottom: bool) -> Frame:
        return self.painter.frame(
            self.view,
            top=top,
            from_bottom=from_bottom,
            height=self._visible,
            width=self._wrap_width,
            console=self.app.console,
            current=self.cursor_row,
        )

    def _current_frame(self) -> Frame:
        key = (
            self.following,
            int(self.scroll_y),
            len(self.view.rows),
            self._wrap_width,
            self._visible,
            self.cursor_row,
            self.painter.version,
        )
        if key != self._frame_key:
            self._frame = self._build_frame(int(self.scroll_y), self.following)
            self._frame_key = key
        return self._frame

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        style = self.rich_style
        rows = self.view.rows
        if not rows:
            if y == 0:
                notice = Text(self.empty_message, style="dim italic", end="")
                return Strip(notice.render(self.app.console)).crop_extend(0, width, style).apply_style(style)
            return Strip.blank(width, style)
        current = self.cursor_row
        if self.wrap:
            frame = self._current_frame()
            if y >= len(frame):
                return Strip.blank(width, style)
            index, part = frame[y]
            strips = self.painter.strips(
                self.view, index, index == current, self.app.console, self._wrap_width
            )
            strip = strips[part] if part < len(strips) else Strip.blank(width, style)
            return strip.crop_extend(0, width, style).apply_style(style)
        index = scroll_y + y
        if index >= len(rows):
            return Strip.blank(width, style)
        (strip,) = self.painter.strips(self.view, index, index == current, self.app.console, 0)
        return strip.crop_extend(scroll_x, scroll_x + width, style).apply_style(style)

    def notify_style_update(self) -> None:
        self.painter.clear()
        super().notify_style_update()
