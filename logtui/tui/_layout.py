"""How wide each column is, for a terminal of a given width: pure, so it is tested alone.

The message is what people read, so it gets the room: at 80 columns the containers pane
keeps only names and error counts (CPU, MEM and RATE come back from 140 columns, STATUS
from 110), and the log rows' prefix gives up, in turn, the milliseconds, the level word
(a coloured letter stays), then the container column (the time is then tinted in the
container's colour, which the containers pane uses for its name), until the message has
at least MIN_MESSAGE columns.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_MESSAGE = 45
"""Columns the message keeps before the prefix gives anything up."""
LOG_CHROME = 3
"""The log pane's left and right borders and its vertical scrollbar."""
LIST_CHROME = 3
"""The containers pane's borders and its table's vertical scrollbar."""
WIDE = 140
"""From this terminal width the containers pane shows CPU, MEM and RATE."""
MEDIUM = 110
"""From this width it shows STATUS."""
NAME_CAP = 20
"""Widest container name column, in the list and in the log rows."""
HOST_CAP = 16
"""Widest host column in the log rows (several hosts)."""

LIST_WIDTHS: dict[str, int] = {"mark": 3, "status": 10, "err": 4, "cpu": 7, "mem": 9, "rate": 9}
"""Fixed widths of the containers pane's columns (the name column fits the names)."""
ALL_COLUMNS: tuple[str, ...] = ("mark", "name", "status", "err", "cpu", "mem", "rate")


@dataclass(frozen=True, slots=True)
class ListColumns:
    """The containers pane: which columns, and how wide the name column is (with its gap)."""

    keys: tuple[str, ...]
    name: int

    @property
    def width(self) -> int:
        """The pane's width, borders and scrollbar included."""
        return LIST_CHROME + self.name + sum(LIST_WIDTHS[k] for k in self.keys if k != "name")


@dataclass(frozen=True, slots=True)
class RowColumns:
    """The log rows' prefix: time, host, container and level widths (0: not shown)."""

    time: int = 12
    name: int = 0
    level: int = 5
    tinted: bool = False
    """No container column, but the time in the container's colour (several containers)."""
    host: int = 0
    """The host column, shown when several hosts are (before the container)."""

    @property
    def width(self) -> int:
        """Columns before the message, with the single spaces between them."""
        return (
            (self.time + 1 if self.time else 0)
            + (self.host + 1 if self.host else 0)
            + (self.name + 1 if self.name else 0)
            + self.level
            + 1
        )


def list_columns(total: int, longest_name: int) -> ListColumns:
    """The containers pane for a terminal `total` columns wide and names up to `longest_name`."""
    name = max(8, min(NAME_CAP, longest_name))
    if total >= WIDE:
        return ListColumns(ALL_COLUMNS, name + 1)
    if total >= MEDIUM:
        return ListColumns(("mark", "name", "status", "err"), name + 1)
    # narrow: names cut so that, with the shortest prefix, the message keeps its columns
    room = total - LOG_CHROME - MIN_MESSAGE - RowColumns(8, 0, 1).width
    room -= LIST_CHROME + LIST_WIDTHS["mark"] + LIST_WIDTHS["err"]
    return ListColumns(("mark", "name", "err"), max(7, min(name, room - 1)) + 1)


def time_width(mode: str, short: bool = False) -> int:
    """Width of the time column: `14:03:07.123` (or `14:03:07`), `-12m`, or nothing."""
    if mode == "hidden":
        return 0
    if mode == "relative":
        return 5
    return 8 if short else 12


def row_columns(
    inner: int, longest_name: int, show_container: bool, time_mode: str, longest_host: int = 0
) -> RowColumns:
    """The prefix of log rows in a pane `inner` columns wide (inside borders and scrollbar).

    The first of these that leaves the message MIN_MESSAGE columns, else the last: everything;
    short time; a one-letter level; a container column of at most 10; the tinted time. A
    host column (`longest_host` > 0: several hosts shown) stays in each: which server a
    line came from is not something to guess from a colour.
    """
    name = max(3, min(NAME_CAP, longest_name)) if show_container else 0
    host = min(HOST_CAP, longest_host)
    full, short = time_width(time_mode), time_width(time_mode, short=True)
    candidates = [
        RowColumns(full, name, 5, host=host),
        RowColumns(short, name, 5, host=host),
        RowColumns(short, name, 1, host=host),
    ]
    if show_container:
        candidates += [
            RowColumns(short, min(name, 10), 1, host=host),
            RowColumns(short, 0, 1, tinted=True, host=host),
        ]
    for columns in candidates:
        if inner - columns.width >= MIN_MESSAGE:
            return columns
    return candidates[-1]
