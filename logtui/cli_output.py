"""How the CLI prints: entries and reports as JSON for scripts, rich text for people.

Everything printed came from a server, so it is sanitised and shown as `Text`, never as
Rich markup. Rich itself is imported only when something is printed (`--help` stays fast).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .models import LogEntry

LEVEL_STYLES = {
    "DEBUG": "dim",
    "INFO": "green",
    "WARNING": "yellow",
    "ERROR": "bold red",
    "CRITICAL": "bold white on red",
}


class Output:
    """Writes entries and reports: JSON for scripts, rich text for people, never markup."""

    def __init__(self, as_json: bool, stream: TextIO | None = None) -> None:
        from rich.console import Console

        self.as_json = as_json
        self.stream = stream or sys.stdout
        self.console = Console(file=self.stream, highlight=False, soft_wrap=True)

    def json(self, obj: Any) -> None:
        from .textsafe import json_for_terminal

        self.stream.write(json_for_terminal(json.dumps(obj, ensure_ascii=False)) + "\n")

    def entries(
        self,
        entries: list[LogEntry],
        show_container: bool = True,
        host_of: Callable[[LogEntry], str | None] | None = None,
    ) -> None:
        """`host_of`: among several hosts, each entry's host (a column; `host` in JSON)."""
        if self.as_json:
            from .json_lines import json_lines

            self.stream.write(json_lines(entries, host_of))  # C1 controls as \u escapes: same JSON
            self.stream.flush()
            return
        from rich.text import Text

        from .textsafe import sanitize_for_terminal

        def columns(e: LogEntry) -> tuple[str, str, str, str]:
            container = f" {e.container_name:<16}" if show_container else ""
            if host_of is not None:
                container = f" {sanitize_for_terminal(host_of(e) or ''):<14}{container}"
            when = e.timestamp.replace("T", " ")[:23]
            return when, container, f" {e.level:<8}", " " + sanitize_for_terminal(e.message)

        if not self.console.is_terminal:  # a pipe or a file: no colours, so no rich per line
            self.stream.write("".join("".join(columns(e)) + "\n" for e in entries))
            self.stream.flush()
            return
        for e in entries:
            when, container, level, message = columns(e)
            line = Text()
            line.append(when, style="dim")
            line.append(container, style="cyan")
            line.append(level, style=LEVEL_STYLES.get(e.level, ""))
            line.append(message)
            self.console.print(line)
        self.stream.flush()


def print_summary(out: Output, summary: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    from .textsafe import one_line, sanitize_for_terminal

    c = out.console
    c.print(
        Text(
            f"Errors in the last {summary['analysis_period_hours']:g} h: "
            f"{summary['total_error_entries']} in {summary['containers_with_errors']} of "
            f"{summary['total_containers']} containers, "
            f"{len(summary['critical_issues'])} critical",
            style="bold",
        )
    )
    if summary["error_breakdown"]:
        table = Table("CONTAINER", "ERRORS", "LATEST", box=None, pad_edge=False)
        for name, info in sorted(summary["error_breakdown"].items(), key=lambda kv: -kv[1]["error_count"]):
            latest = info["recent_errors"][-1]["message"].splitlines()[0] if info["recent_errors"] else ""
            table.add_row(Text(one_line(name)), str(info["error_count"]), Text(one_line(latest)[:100]))
        c.print(table)
    for issue in summary["critical_issues"][-10:]:
        first = sanitize_for_terminal(issue["message"]).splitlines()[0][:100] if issue["message"] else ""
        c.print(
            Text(
                f"CRITICAL {issue['timestamp'][:19]} {one_line(issue['container'])}: {one_line(first)}",
                style="bold red",
            )
        )
    groups = summary.get("error_groups", [])
    if groups:
        c.print(Text("Repeated errors:", style="bold"))
        for group in groups[:10]:
            c.print(
                Text(
                    f"  ×{group['count']:<5} {one_line(group['template'])[:90]}"
                    f"  (last {group['last_seen'][11:19]})"
                )
            )
    if not summary["total_error_entries"]:
        c.print(Text("No errors found.", style="green"))
