"""A one-line prompt at the bottom of the screen (jump to a time, add a highlight term).

Enter answers with what was typed, Esc answers None. A `check` may refuse an answer: its
error is shown under the box and the prompt stays open, so a typo costs one key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..textsafe import one_line


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel")]

    def __init__(
        self, title: str, placeholder: str, check: Callable[[str], str | None] | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.check = check
        """Returns an error for an answer it refuses, None for a good one."""

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Static(Text(self.title_text, style="bold"), id="prompt-title")
            yield Input(placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        error = self.check(value) if self.check is not None and value else None
        if error:
            self.query_one("#prompt-error", Static).update(Text(one_line(error), style="bold red"))
            return
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
