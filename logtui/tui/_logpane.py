"""The log pane: renders only the visible rows of a `FilteredView` (Textual's Line API).

It never holds rendered text for more than the rows on screen (plus a small cache), so a
view of hundreds of thousands of rows scrolls as smoothly as one of ten. Following means
"stay at the bottom"; scrolling up pauses, `G`/End resume.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..models import LogEntry
from .render import entry_row, prefix_width
from .store import Filter, FilteredView, LogStore


class LogPane(ScrollView, can_focus=True):
    """Time-ordered log rows of one container or all of them, with search highlights."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "top", "Top", show=False),
        Binding("G", "bottom", "Bottom", show=False),
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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = FilteredView()
        self.name_width = 12
        self.cursor: tuple[LogEntry, int] | None = None
        """The current search match: (entry, line of entry), or None."""
        self._cache: LRUCache[tuple[int, int, bool], tuple[LogEntry, Strip]] = LRUCache(1024)

    # -- data ------------------------------------------------------------------------------

    @property
    def show_container(self) -> bool:
        return self.view.filter.container is None

    def rebuild(self, store: LogStore, filter: Filter | None = None) -> None:
        """Recompute all rows (filter or container changed); keeps the top row if paused."""
        anchor = self._top_anchor()
        self.view.rebuild(store, filter)
        self.set_names(store.names)
        self.cursor = None
        self._cache.clear()
        self._sync(anchor)

    def set_names(self, names: list[str]) -> None:
        """Size the container column for these names (8 to 20 characters)."""
        width = min(20, max(8, *(len(n) for n in names))) if names else 8
        if width != self.name_width:
            self.name_width = width
            self._cache.clear()
            self.refresh()

    def add(self, entries: list[LogEntry], evicted: list[LogEntry]) -> int:
        """New entries in, evicted entries out; returns rows added."""
        anchor = self._top_anchor()
        added = self.view.add(entries)
        removed = self.view.remove(evicted)
        if not self.following:
            self.new_while_paused += added
        if added or removed:
            self._sync(anchor)
        return added

    def clear(self) -> None:
        self.view.rows.clear()
        self.view.width = 0
        self.cursor = None
        self.new_while_paused = 0
        self._cache.clear()
        self._sync(None)

    def _top_anchor(self) -> tuple[LogEntry, int, int] | None:
        """The entry on the top visible row, its line and the row offset (when paused)."""
        if self.following or not self.view.rows:
            return None
        top = min(int(self.scroll_y), len(self.view.rows) - 1)
        entry, line = self.view.row(top)
        return entry, line, top

    def _sync(self, anchor: tuple[LogEntry, int, int] | None) -> None:
        width = prefix_width(self.show_container, self.name_width) + self.view.width
        self.virtual_size = Size(width, len(self.view.rows))
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        elif anchor is not None:
            entry, line, old = anchor
            row = self.view.find(entry)
            if row is not None and row + line != old:
                self.scroll_to(y=row + line, animate=False, immediate=True)
        self.refresh()

    # -- following -------------------------------------------------------------------------

    def pause(self) -> None:
        if self.following:
            self.following = False
            self.new_while_paused = 0
            self.post_message(self.FollowChanged(self, False))

    def resume(self) -> None:
        self.new_while_paused = 0
        if not self.following:
            self.following = True
            self.post_message(self.FollowChanged(self, True))
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    def toggle_pause(self) -> None:
        if self.following:
            self.pause()
        else:
            self.resume()

    def action_top(self) -> None:
        self.pause()
        self.scroll_home(animate=False, immediate=True, x_axis=False)

    def action_bottom(self) -> None:
        self.resume()

    def action_scroll_home(self) -> None:
        self.action_top()

    def action_scroll_end(self) -> None:
        self.resume()

    def action_scroll_up(self) -> None:
        self.pause()
        super().action_scroll_up()

    def action_page_up(self) -> None:
        self.pause()
        super().action_page_up()

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.pause()
        super()._on_mouse_scroll_up(event)

    # -- search ----------------------------------------------------------------------------

    def jump_to_match(self, forward: bool = True) -> bool:
        """Move the cursor to the next (or previous) match and show it; False if none."""
        start: int
        if self.cursor is not None and (row := self.view.find(self.cursor[0])) is not None:
            start = row + self.cursor[1]
        else:
            start = int(self.scroll_y) - 1 if forward else int(self.scroll_y) + self.size.height
        found = self.view.next_match(start, forward)
        if found is None:
            return False
        self.pause()
        self.cursor = self.view.row(found)
        self._cache.clear()
        if not (self.scroll_y <= found < self.scroll_y + self.size.height):
            target = max(0, found - self.size.height // 2)
            self.scroll_to(y=target, animate=False, immediate=True)
        self.refresh()
        return True

    @property
    def cursor_row(self) -> int | None:
        if self.cursor is None:
            return None
        row = self.view.find(self.cursor[0])
        return None if row is None else row + self.cursor[1]

    # -- rendering -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        style = self.rich_style
        rows = self.view.rows
        if index >= len(rows):
            if index == 0 and not rows:
                notice = Text(self.empty_message, style="dim italic", end="")
                return Strip(notice.render(self.app.console)).crop_extend(0, width, style).apply_style(style)
            return Strip.blank(width, style)
        entry, line = self.view.row(index)
        current = self.cursor is not None and self.cursor[0] is entry and self.cursor[1] == line
        key = (id(entry), line, current)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is entry:
            strip = cached[1]
        else:
            text = entry_row(
                entry,
                line,
                show_container=self.show_container,
                name_width=self.name_width,
                pattern=self.view.filter.pattern,
                current=current,
            )
            segments = list(text.render(self.app.console))
            strip = Strip(segments, Segment.get_line_length(segments))
            self._cache[key] = (entry, strip)
        return strip.crop_extend(scroll_x, scroll_x + width, style).apply_style(style)

    def notify_style_update(self) -> None:
        self._cache.clear()
        super().notify_style_update()
