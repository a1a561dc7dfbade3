"""The containers pane over several hosts: a row per host, and why a host is not connected.

Pure (Rich text only). A host row shows the host's state, how many of its containers run,
its errors in the window and its log rate; a host that is not connected gets a second row
with the reason, its text flowing across the columns shown, so that it reads whole at any
terminal width (the details below the list and the error pane give the full message).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text

from ..textsafe import one_line
from ._containers import LABELS, error_cell
from ._hosted import host_colour
from ._layout import LIST_WIDTHS
from .render import fit, safe_text

HOST_ROW = "\x00host:"
"""Row key prefix of a host's row (not a valid container name, as ALL is not)."""
WHY_ROW = "\x00why:"
"""Row key prefix of the row under a host that says why it is not connected."""

STATES: dict[str, tuple[str, str]] = {
    "connecting": ("◌", "yellow"),
    "connected": ("●", "green"),
    "reconnecting": ("◌", "yellow"),
    "failed": ("✖", "bold red"),
}


def row_host(key: str | None) -> str | None:
    """The host a host row or reason row stands for, or None for any other row."""
    for prefix in (HOST_ROW, WHY_ROW):
        if key is not None and key.startswith(prefix):
            return key[len(prefix) :]
    return None


_PREFIX_RE = re.compile(r"^(?:cannot connect to|SSH connection to|lost the connection to) \S+?(?: failed)?: ")


def short_reason(detail: str) -> str:
    """A failure in a few words, for the host's row: the details and the error pane keep it whole.

    The server's words (a disconnect reason) stay data: one line, sanitised by `safe_text`.
    """
    text = one_line(detail)
    lowered = text.lower()
    if "host key changed" in lowered:
        return "HOST KEY CHANGED: refused"
    if "revoked" in lowered and "host key" in lowered:
        return "host key revoked: refused"
    if "is not trusted" in lowered and "host key" in lowered:
        return "unknown host key: refused"
    if "authentication failed" in lowered:
        return "login refused (key or user)"
    if "timed out" in lowered:
        return "timed out"
    if "connection refused" in lowered or "connect call failed" in lowered:
        return "connection refused"
    return _PREFIX_RE.sub("", text)


@dataclass(frozen=True)
class HostRow:
    """One host: state, containers running, errors in the window, log rate."""

    host: str
    state: str = "connecting"
    status: str = ""
    errors: int = 0
    spark: str = ""
    selected: bool = False

    @property
    def name(self) -> str:
        return HOST_ROW + self.host

    def cells(self, name_width: int = 15, keys: Sequence[str] = ()) -> dict[str, Text]:
        glyph, style = STATES.get(self.state, STATES["connecting"])
        mark = Text("▸" if self.selected else " ", style="bold")
        mark.append(glyph, style)
        mark.append(" ")
        return {
            "mark": mark,
            "name": safe_text(fit(self.host, name_width - 1) + " ", f"bold {host_colour(self.host)}"),
            "status": Text(fit(self.status, 9) + " ", style="" if self.state == "connected" else style),
            "err": error_cell(self.errors),
            "cpu": Text(""),
            "mem": Text(""),
            "rate": Text(" " + self.spark, style="cyan"),
        }


@dataclass(frozen=True)
class ReasonRow:
    """Why a host is not connected, flowing across the columns shown (they have no padding)."""

    host: str
    reason: str
    state: str = "failed"

    @property
    def name(self) -> str:
        return WHY_ROW + self.host

    def cells(self, name_width: int = 15, keys: Sequence[str] = tuple(LABELS)) -> dict[str, Text]:
        style = "red" if self.state == "failed" else "yellow"
        flowing = safe_text("  " + self.reason, style)
        cells = {key: Text("") for key in LABELS}
        at = 0
        shown = list(keys)
        for index, key in enumerate(shown):
            width = name_width if key == "name" else LIST_WIDTHS[key]
            part = flowing[at : at + width]
            at += width
            if index == len(shown) - 1 and at < len(flowing):  # the last column: say it goes on
                part = flowing[at - width : at - 1]
                part.append("…", style)
            cells[key] = part
        return cells
