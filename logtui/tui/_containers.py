"""The container list: one row per container, updated in place by row key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from ._layout import LIST_WIDTHS, ListColumns, list_columns
from .render import container_colour, fit, safe_text

ALL = "\x00all"
"""Row key of the first row, "all containers" (not a valid container name)."""

LABELS: dict[str, str] = {
    "mark": "",
    "name": "NAME",
    "status": "STATUS",
    "err": " ERR",
    "cpu": "   CPU",
    "mem": "     MEM",
    "rate": " RATE",
}
"""Column headers; which columns show, and how wide the name is, depends on the width."""


class Row(Protocol):
    """A row of the list: its key, and its cells (equal rows are not redrawn)."""

    @property
    def name(self) -> str: ...

    def cells(self, name_width: int = 15, keys: Sequence[str] = ()) -> dict[str, Text]: ...


@dataclass(frozen=True)
class ContainerRow:
    """What one row shows; equal rows are not redrawn."""

    name: str
    state: str = ""
    status: str = ""
    errors: int = 0
    cpu: str = ""
    mem: str = ""
    spark: str = ""
    stream: str = ""
    """The log stream's state: '', 'connected', 'polled', 'reconnecting', 'ended' or 'failed'."""
    selected: bool = False
    label: str = ""
    """What the name column says, when not `name` (the row key): the plain container name
    of a `host/name` key, or "all hosts"."""

    def cells(self, name_width: int = 15, keys: Sequence[str] = ()) -> dict[str, Text]:
        """Every column's cell; the name cut to `name_width` (with the gap after it). `keys`:
        the columns shown (a row whose text flows across them needs to know)."""
        if self.name == ALL:
            label = self.label or "all containers"
            label = label if name_width > len(label) else "all"
            return {
                "mark": Text("▸  " if self.selected else "   ", style="bold"),
                "name": Text(fit(label, name_width), style="bold"),
                "status": Text(fit(self.status, 10), style="dim"),
                "err": error_cell(self.errors),
                "cpu": Text(""),
                "mem": Text(""),
                "rate": Text(" " + self.spark, style="cyan"),
            }
        dot, dot_style = _state_dot(self.state, self.stream)
        mark = Text("▸" if self.selected else " ", style="bold")
        mark.append(dot, dot_style)
        mark.append(" ")
        if self.stream in ("failed", "reconnecting"):
            status = Text(
                fit("⚠ " + self.stream, 9) + " ", style="bold red" if self.stream == "failed" else "yellow"
            )
        else:
            status = safe_text(fit(self.status, 9) + " ", "" if self.state == "running" else "dim")
        name = self.label or self.name
        return {
            "mark": mark,
            "name": safe_text(  # in the colour its log rows use, so the list is their legend
                fit(name, name_width - 1) + " ",
                f"bold {container_colour(name)}" if self.selected else container_colour(name),
            ),
            "status": status,
            "err": error_cell(self.errors),
            "cpu": Text(self.cpu.rjust(7)),
            "mem": safe_text(self.mem.rjust(9)),
            "rate": Text(" " + self.spark, style="cyan"),
        }


def error_cell(count: int) -> Text:
    """An error count in the 4-column ERR cell (`12k` from 10,000, `3M` from a million: a
    fleet's sums get there)."""
    if count >= 1_000_000:
        shown = f"{count // 1_000_000}M"
    elif count >= 10_000:
        shown = f"{count // 1000}k"
    else:
        shown = str(count)
    return Text(shown.rjust(4), style="bold red" if count else "dim")


def _state_dot(state: str, stream: str) -> tuple[str, str]:
    if stream == "failed":
        return "✖", "bold red"
    if stream == "reconnecting":
        return "◌", "yellow"
    if stream == "polled" and state == "running":
        return "◔", "cyan"  # no live channel free: read in rotation (`docker logs --since`)
    if state == "running":
        return "●", "green"
    if state in ("paused", "restarting"):
        return "◐", "yellow"
    if state == "dead":
        return "✖", "red"
    return "○", "dim"


class ContainerList(DataTable[Text]):
    """Containers with state, errors in the window, CPU, memory and log rate."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cell_padding=0)
        self._shown: dict[str, Row] = {}
        self.columns_shown = list_columns(200, 14)

    def on_mount(self) -> None:
        self._add_columns()
        self.update_rows([ContainerRow(ALL, selected=True)])

    def _add_columns(self) -> None:
        for key in self.columns_shown.keys:
            width = self.columns_shown.name if key == "name" else LIST_WIDTHS[key]
            self.add_column(LABELS[key], key=key, width=width)

    def set_columns(self, columns: ListColumns) -> None:
        """Show these columns (a narrower terminal shows fewer); the rows are made again."""
        if columns == self.columns_shown:
            return
        self.columns_shown = columns
        rows = list(self._shown.values())
        cursor = self.cursor_row
        self.clear(columns=True)
        self._shown = {}
        self._add_columns()
        self.update_rows(rows)
        if rows:
            self.move_cursor(row=min(cursor, len(rows) - 1), animate=False)

    def update_rows(self, rows: Sequence[Row], *, ordered: bool = False) -> None:
        """Show exactly these rows: changed cells updated, new rows added, gone rows removed.

        New rows go at the end; with `ordered`, the rows are shown in the given order (made
        again when a row must move, the cursor staying on its row): a host's containers
        belong under it.
        """
        wanted = {row.name: row for row in rows}
        if ordered:
            kept = [name for name in self._shown if name in wanted]
            if kept + [name for name in wanted if name not in self._shown] != list(wanted):
                self._rebuild(rows)
                return
        for name in list(self._shown):
            if name not in wanted:
                self.remove_row(name)
                del self._shown[name]
        for row in rows:
            old = self._shown.get(row.name)
            if old == row:
                continue
            name_width = self.columns_shown.name
            keys = self.columns_shown.keys
            cells = row.cells(name_width, keys)
            if old is None:
                self.add_row(*(cells[key] for key in keys), key=row.name)
            else:
                old_cells = old.cells(name_width, keys)
                for key in keys:
                    if cells[key] != old_cells[key]:
                        self.update_cell(row.name, key, cells[key])
            self._shown[row.name] = row

    def _rebuild(self, rows: Sequence[Row]) -> None:
        try:
            current = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # an empty table has no cursor row
            current = None
        self.clear()
        self._shown = {}
        self.update_rows(rows)
        keys = list(self._shown)
        if current in keys:
            self.move_cursor(row=keys.index(current), animate=False)

    @property
    def names(self) -> list[str]:
        """Container names in display order (without the "all containers" row)."""
        return [name for name in self._shown if name != ALL]

    async def _on_click(self, event: events.Click) -> None:
        """A single click selects, as people expect of a list (DataTable needs two)."""
        before = self.cursor_coordinate
        await super()._on_click(event)
        meta = event.style.meta
        if meta.get("row", -1) >= 0 and self.cursor_coordinate != before:
            self.action_select_cursor()
