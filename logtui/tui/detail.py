"""The detail view: one entry whole (Enter on a log row), and what can be done with it.

Every line of the entry, wrapped; a JSON line pretty-printed, with its fields in a table;
where it came from (container, stream, Docker's own stamp, level). `c` copies the entry,
`y` the chosen field's value; Enter on a field shows every line holding that value, in
every container (the same `request_id` across services). Esc returns to the same row.
Everything is the server's text: sanitised, never markup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ..models import LogEntry
from ..textsafe import json_for_terminal, one_line, sanitize_for_terminal
from ._hosted import entry_host, host_colour
from .message import flat_fields, parse_json_object, parse_logfmt, text_fields
from .render import LEVEL_STYLES, container_colour, safe_text

MAX_SHOWN_VALUE = 500
"""A value in the fields table is cut here; `y` copies it whole."""


@dataclass(frozen=True)
class FilterOn:
    """What the detail view asks the dashboard for: every line holding `value`."""

    key: str
    value: str


def entry_fields(entry: LogEntry) -> tuple[dict[str, object] | None, list[tuple[str, str]]]:
    """A one-line entry's JSON object (or None) and its fields: the JSON's (flattened), a
    logfmt line's, or the `key=value` pairs found in its text."""
    message = entry.message
    if "\n" not in message:
        document = parse_json_object(message)
        if document is not None:
            return document, flat_fields(document)
        pairs = parse_logfmt(message)
        if pairs is not None:
            return None, list(pairs.items())
    return None, text_fields(message)


def copy_text(entry: LogEntry) -> str:
    """An entry as the clipboard gets it: every line, sanitised (tabs and newlines kept)."""
    return sanitize_for_terminal(entry.message)


class DetailScreen(Screen[FilterOn | None]):
    """One log entry, whole."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "back"),
        Binding("q", "close", "back", show=False),
        Binding("c", "copy", "copy entry"),
        Binding("y", "copy_field", "copy value"),
        Binding("f", "filter_field", "filter on value"),
    ]

    def __init__(self, entry: LogEntry) -> None:
        super().__init__()
        self.entry = entry
        self.document, self.fields = entry_fields(entry)

    def compose(self) -> ComposeResult:
        entry = self.entry
        head = Text(end="", no_wrap=True, overflow="ellipsis")
        host = entry_host(entry)
        if host is not None:  # among several hosts: which one (the name the user gave it)
            head.append_text(safe_text(one_line(host), f"bold {host_colour(host)}"))
            head.append(" ")
        head.append_text(
            safe_text(one_line(entry.container_name), f"bold {container_colour(entry.container_name)}")
        )
        head.append(f"  {entry.stream}  ", "dim")
        head.append(entry.level, LEVEL_STYLES.get(entry.level, ""))
        head.append("  docker ", "dim")
        head.append_text(safe_text(one_line(entry.docker_timestamp) or "-"))
        lines = entry.message.count("\n") + 1
        head.append(f"  {lines} line{'s' if lines != 1 else ''}, {len(entry.message):,} characters", "dim")
        yield Static(head, id="detail-head")
        with VerticalScroll(id="detail-body"):
            yield Static(Text(sanitize_for_terminal(entry.message)), id="detail-message")
            if self.document is not None:
                pretty = json.dumps(self.document, indent=2, ensure_ascii=False)
                pretty = sanitize_for_terminal(json_for_terminal(pretty))
                yield Static(JSONHighlighter()(Text(pretty)), id="detail-json")
        if self.fields:
            yield DataTable(id="detail-fields", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail-body").border_title = "ENTRY"
        if not self.fields:
            self.query_one("#detail-body").focus()
            return
        table = self.query_one("#detail-fields", DataTable)
        table.border_title = "FIELDS · enter: every line with this value"
        table.add_column("field", key="field")
        table.add_column("value", key="value")
        for index, (key, value) in enumerate(self.fields):
            shown = one_line(value)
            if len(shown) > MAX_SHOWN_VALUE:
                shown = shown[:MAX_SHOWN_VALUE] + "…"
            table.add_row(
                safe_text(one_line(key)[:80], "bold"),
                Text(json_for_terminal(shown)),
                key=str(index),
            )
        table.focus()

    def _chosen(self) -> tuple[str, str] | None:
        if not self.fields:
            return None
        table = self.query_one("#detail-fields", DataTable)
        return self.fields[min(table.cursor_row, len(self.fields) - 1)]

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy(self) -> None:
        text = copy_text(self.entry)
        self.app.copy_to_clipboard(text)
        self.notify(f"copied the entry ({text.count(chr(10)) + 1} lines)", title="copy", markup=False)

    def action_copy_field(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            self.notify("this entry has no fields", title="copy")
            return
        self.app.copy_to_clipboard(sanitize_for_terminal(chosen[1]))
        self.notify(f"copied the value of {one_line(chosen[0])[:60]}", title="copy", markup=False)

    def action_filter_field(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            self.notify("this entry has no fields", title="filter")
            return
        if not chosen[1].strip():
            self.notify("that value is empty", title="filter")
            return
        self.dismiss(FilterOn(*chosen))

    @on(DataTable.RowSelected, "#detail-fields")
    def _field_selected(self) -> None:
        self.action_filter_field()
