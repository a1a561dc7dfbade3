"""Moving through the log pane: following and pausing, the current row, page and match
jumps, clicks. A mixin of `LogPane` (which holds the view, the painter and the messages).

Following shows the newest rows; anything that moves the current row or scrolls up
pauses, and `G`/End resume. While paused a cursor marks the current row, which Enter
opens and `c` copies; while following, the current row is the newest.
"""

from __future__ import annotations

from textual import events

from ..models import LogEntry


class NavigationMixin:
    """Following, the cursor and the keys that move them, for `LogPane`."""

    def pause(self) -> None:
        if self.following:
            if self.wrap and self._frame:  # keep the screen where it is
                self.scroll_to(y=self._frame[0][0], animate=False, immediate=True)
            self.following = False
            self.new_while_paused = 0
            if self.cursor is None and self.view.rows:
                self.cursor = self.view.row(self._last_visible())
            self.refresh()
            self.post_message(self.FollowChanged(self, False))

    def resume(self) -> None:
        self.new_while_paused = 0
        self.cursor = None
        if not self.following:
            self.following = True
            self.post_message(self.FollowChanged(self, True))
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        self._frame_key = None
        self.refresh()

    def toggle_pause(self) -> None:
        if self.following:
            self.pause()
        else:
            self.resume()

    def action_top(self) -> None:
        self.pause()
        self.scroll_home(animate=False, immediate=True, x_axis=False)
        if self.view.rows:
            self.cursor = self.view.row(0)
        self.refresh()

    def action_bottom(self) -> None:
        """G, End: back to live. Said to the app even when the pane follows already: a jump
        may still be reading, and these keys give it up."""
        if self.following:
            self.post_message(self.FollowChanged(self, True))
        self.resume()

    def action_scroll_home(self) -> None:
        self.action_top()

    def action_scroll_end(self) -> None:
        self.action_bottom()

    def action_scroll_up(self) -> None:
        self.action_cursor_up()

    def action_scroll_down(self) -> None:
        self.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.move_cursor(-1)

    def action_cursor_down(self) -> None:
        self.move_cursor(1)

    def action_page_up(self) -> None:
        self.pause()
        page = max(1, self._visible - 1)
        self.scroll_to(y=max(0, self.scroll_y - page), animate=False, immediate=True)
        self.move_cursor(-page)

    def action_page_down(self) -> None:
        if self.following:
            return  # already at the newest rows
        page = max(1, self._visible - 1)
        self.scroll_to(y=self.scroll_y + page, animate=False, immediate=True)
        self.move_cursor(page)

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.pause()
        super()._on_mouse_scroll_up(event)

    async def _on_click(self, event: events.Click) -> None:
        """A click makes that row current (pausing); a double click opens it."""
        offset = event.get_content_offset(self)
        row = None if offset is None else self._row_at(offset.y)
        if row is None:
            return
        self.pause()
        self.cursor = self.view.row(row)
        self.refresh()
        if event.chain >= 2:
            self.post_message(self.Opened(self, self.cursor[0]))

    # -- the cursor ------------------------------------------------------------------------

    @property
    def cursor_row(self) -> int | None:
        if self.cursor is None:
            return None
        row = self.view.find(self.cursor[0])
        return None if row is None else row + self.cursor[1]

    def current_entry(self) -> LogEntry | None:
        """The entry the cursor is on, or the newest while following."""
        if self.cursor is not None:
            return self.cursor[0]
        return self.view.rows[-1] if self.view.rows else None

    def move_cursor(self, delta: int) -> None:
        """Move the current row by `delta` rows (pausing) and keep it on screen."""
        total = len(self.view.rows)
        if not total:
            return
        start = self.cursor_row
        if start is None:
            start = total - 1 if self.following else self._last_visible()
            if self.following and delta > 0:
                return  # already at the newest row
        self.pause()
        target = min(total - 1, max(0, start + delta))
        self.cursor = self.view.row(target)
        self.show_row(target)

    def show_row(self, row: int, *, centre: bool = False) -> None:
        """Scroll so that `row` is on screen (`centre`: in the middle)."""
        height = max(1, self._visible)
        if centre:
            self.scroll_to(y=max(0, row - height // 2), animate=False, immediate=True)
        elif row < self.scroll_y:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif not self.wrap and row >= self.scroll_y + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)
        elif self.wrap:
            top = int(self.scroll_y)
            while top < row and row > self._last_full(top):
                top += 1
            self.scroll_to(y=top, animate=False, immediate=True)
        self._frame_key = None
        self.refresh()

    def _last_visible(self) -> int:
        """The last view row (partly) on screen."""
        if self.wrap and self._frame:
            return self._frame[-1][0]
        total = len(self.view.rows)
        return max(0, min(total - 1, int(self.scroll_y) + max(1, self._visible) - 1))

    def _last_full(self, top: int) -> int:
        """The last row wholly on screen when `top` is the top row (wrapped)."""
        frame = self._build_frame(top, False)
        if not frame:
            return top
        last, line = frame[-1]
        count = len(self.painter.strips(self.view, last, False, self.app.console, self._wrap_width))
        return last if line == count - 1 else max(top, last - 1)

    def _row_at(self, y: int) -> int | None:
        if self.wrap:
            frame = self._current_frame()
            return frame[y][0] if 0 <= y < len(frame) else None
        row = int(self.scroll_y) + y
        return row if 0 <= row < len(self.view.rows) else None

    def jump_to_match(self, forward: bool = True) -> bool:
        """Move the cursor to the next (or previous) match and show it; False if none."""
        start: int
        if (row := self.cursor_row) is not None:
            start = row
        else:
            start = int(self.scroll_y) - 1 if forward else int(self.scroll_y) + self._visible
        found = self.view.next_match(start, forward)
        if found is None:
            return False
        self.pause()
        self.cursor = self.view.row(found)
        if not (self.scroll_y <= found < self.scroll_y + self._visible) or self.wrap:
            self.show_row(found, centre=not self.wrap)
        self.refresh()
        return True

    def action_open(self) -> None:
        entry = self.current_entry()
        if entry is not None:
            if self.cursor is None and self.view.rows:  # come back to the same row
                self.pause()
                self.cursor = (entry, 0)
            self.post_message(self.Opened(self, entry))
