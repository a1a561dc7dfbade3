"""The help screen: every key, in one place, closed by any of escape, q or ?."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str], ...] = (
    ("a", "show all levels"),
    ("i", "info and above"),
    ("w", "warnings and above"),
    ("e", "errors and criticals only"),
    ("/", "filter by text or regex (Enter applies, Esc clears)"),
    ("n / N", "next / previous match"),
    ("space", "pause / resume following (new lines are counted)"),
    ("↑ ↓ PgUp PgDn", "scroll (scrolling up pauses)"),
    ("g / G", "top / bottom (G resumes following)"),
    ("tab / shift+tab", "next / previous pane"),
    ("enter", "containers: show that container (first row: all)"),
    ("", "errors: show the lines of that error"),
    ("t", "time window: 15 min → 1 h → 6 h → 24 h"),
    ("x", "export what the log pane shows to a JSON file"),
    ("?", "this help"),
    ("q", "quit"),
)


def help_table() -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, what in KEYS:
        table.add_row(key, what)
    return table


class HelpScreen(ModalScreen[None]):
    """A modal listing the keys; logtui is strictly read-only, so no key changes the server."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "close"),
        Binding("q", "dismiss", "close", show=False),
        Binding("question_mark", "dismiss", "close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(Text("logtui keys", style="bold"), id="help-title")
            yield Static(help_table(), id="help-keys")
            yield Static(
                Text(
                    "READ-ONLY: logtui only runs docker ps, logs, inspect and stats on the "
                    "server. The mouse works too: click a container, scroll the panes.",
                    style="dim",
                ),
                id="help-note",
            )
