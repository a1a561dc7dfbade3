"""The help screen: every key, in one place, closed by any of escape, q or ?."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str], ...] = (
    ("a  i  w  e", "all levels · info+ · warnings+ · errors and criticals"),
    ("/", "filter by text or regex (Enter applies, Esc clears)"),
    ("n / N", "next / previous match"),
    ("h / H", "highlight a term, lines stay (several, each its colour) / clear"),
    ("space", "pause / resume following (new lines are counted)"),
    ("↑ ↓ j k PgUp PgDn", "move the current line (moving pauses)"),
    ("g / G", "top / bottom (G follows again, and leaves a jumped-to time)"),
    ("enter", "logs: the whole entry (fields, JSON; copy, filter on a value)"),
    ("", "containers: show that container (first row: all)"),
    ("", "errors: show the lines of that error"),
    ("c", "copy the current entry to the clipboard (OSC 52, works over ssh)"),
    ("p", "open the view in $PAGER (default less -R)"),
    ("@", "jump to a time: 14:03, yesterday 14:03, -2h, RFC 3339 (UTC)"),
    ("t", "time window: 15 min → 1 h → 6 h → 24 h"),
    ("W", "wrap long lines on / off"),
    ("T", "times: absolute → relative (-3m) → hidden"),
    ("r", "lines as written / messages (echoed stamp and level left out, fields)"),
    ("f / b", "log pane full screen / hide or show the containers"),
    ("tab / shift+tab", "next / previous pane"),
    ("x", "export what the log pane shows to a JSON file"),
    ("?  q", "this help · quit"),
)


FLEET_KEYS = tuple(
    ("", "containers: a host's row shows that host, a container that one (first row: all)")
    if what.startswith("containers:")
    else (key, what)
    for key, what in KEYS
)
"""The keys over several hosts: Enter on the containers pane also takes a host."""


def help_table(keys: tuple[tuple[str, str], ...] = KEYS) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, what in keys:
        table.add_row(key, what)
    return table


class HelpScreen(ModalScreen[None]):
    """A modal listing the keys; logtui is strictly read-only, so no key changes the server."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "close"),
        Binding("q", "dismiss", "close", show=False),
        Binding("question_mark", "dismiss", "close", show=False),
    ]

    def __init__(self, keys: tuple[tuple[str, str], ...] = KEYS) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):  # 80×24 shows part; the arrows scroll
            yield Static(Text("logtui keys", style="bold"), id="help-title")
            yield Static(help_table(self.keys), id="help-keys")
            yield Static(
                Text(
                    "READ-ONLY: logtui only runs docker ps, logs, inspect and stats on the "
                    "server. The mouse works too: click a container or a line (twice: open it). "
                    "Settings are remembered in ~/.config/logtui/config.toml.",
                    style="dim",
                ),
                id="help-note",
            )
