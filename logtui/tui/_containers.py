"""The container list: one row per container, updated in place by row key."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from .render import fit, safe_text

ALL = "\x00all"
"""Row key of the first row, "all containers" (not a valid container name)."""

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("mark", "", 3),
    ("name", "NAME", 15),
    ("status", "STATUS", 10),
    ("err", "ERR", 4),
    ("cpu", "   CPU", 7),
    ("mem", "     MEM", 9),
    ("rate", " RATE", 9),
)
"""(key, label, width) of each column."""


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

    def cells(self) -> dict[str, Text]:
        if self.name == ALL:
            return {
                "mark": Text("▸  " if self.selected else "   ", style="bold"),
                "name": Text(fit("all containers", 15), style="bold"),
                "status": Text(fit(self.status, 10), style="dim"),
                "err": _errors(self.errors),
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
        return {
            "mark": mark,
            "name": safe_text(fit(self.name, 14) + " ", "bold" if self.selected else ""),
            "status": status,
            "err": _errors(self.errors),
            "cpu": Text(self.cpu.rjust(7)),
            "mem": safe_text(self.mem.rjust(9)),
            "rate": Text(" " + self.spark, style="cyan"),
        }


def _errors(count: int) -> Text:
    return Text(str(count).rjust(4), style="bold red" if count else "dim")


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
        self._shown: dict[str, ContainerRow] = {}

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)
        self.update_rows([ContainerRow(ALL, selected=True)])

    def update_rows(self, rows: list[ContainerRow]) -> None:
        """Show exactly these rows: changed cells updated, new rows added, gone rows removed."""
        wanted = {row.name: row for row in rows}
        for name in list(self._shown):
            if name not in wanted:
                self.remove_row(name)
                del self._shown[name]
        for row in rows:
            old = self._shown.get(row.name)
            if old == row:
                continue
            cells = row.cells()
            if old is None:
                self.add_row(*(cells[key] for key, _, _ in COLUMNS), key=row.name)
            else:
                old_cells = old.cells()
                for key, value in cells.items():
                    if value != old_cells[key]:
                        self.update_cell(row.name, key, value)
            self._shown[row.name] = row

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
