"""The error summary pane: a list whose rows can be chosen to find those errors in the logs."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from .digest import ErrorDigest, Target, digest_lines


class ErrorPane(OptionList):
    """Errors of the window; Enter (or a click) on a row filters the log pane to it."""

    @dataclass
    class Chosen(Message):
        """The user chose a row: show the log lines `pattern` finds (a regex, or a
        `GroupMatcher` for the members of an error group)."""

        pane: ErrorPane
        pattern: Target

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._patterns: dict[str, Target] = {}
        self._shown: list[Text] = []
        self._digest_rows: list[tuple[Text, Target | None]] = []

    def show(self, digest: ErrorDigest) -> None:
        """Replace the rows, keeping the highlighted row where it was."""
        self._digest_rows = digest_lines(digest)
        self._render_rows()

    def on_resize(self) -> None:
        self._render_rows()

    def _render_rows(self) -> None:
        """One screen row per line: cut to the pane's width (OptionList would wrap)."""
        width = max(10, self.scrollable_content_region.width - 1)
        lines = []
        for text, target in self._digest_rows:
            cut = text.copy()
            cut.truncate(width, overflow="ellipsis")
            lines.append((cut, target))
        texts = [text for text, _ in lines]
        if texts == self._shown:
            return
        self._shown = texts
        highlighted = self.highlighted
        self._patterns = {}
        options = []
        for index, (text, target) in enumerate(lines):
            if target is None:
                options.append(Option(text, disabled=True))
            else:
                key = f"row{index}"
                self._patterns[key] = target
                options.append(Option(text, id=key))
        self.clear_options()
        self.add_options(options)
        if highlighted is not None and options:
            self.highlighted = min(highlighted, len(options) - 1)

    def show_text(self, text: Text) -> None:
        """A single line that cannot be chosen (loading, nothing yet)."""
        self._shown = [text]
        self._patterns = {}
        self.clear_options()
        self.add_option(Option(text, disabled=True))

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        pattern = self._patterns.get(event.option.id or "")
        if pattern:
            self.post_message(self.Chosen(self, pattern))
