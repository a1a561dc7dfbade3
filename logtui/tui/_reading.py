"""Reading comfortably: the detail view, copy, the pager, export, and the view toggles
(wrap, time display, raw lines, zoom, the containers pane, highlight terms), remembered
in the settings file when the dashboard was given one.

A mixin of `LogtuiApp`. Everything that leaves the app (the clipboard, the pager, the
screen) is sanitised text: the clipboard gets it inside Textual's OSC 52 sequence and
nothing else, the pager gets plain text in a private temporary file.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from textual import work
from textual.app import SuspendNotSupported

from ..models import LogEntry
from ..settings_file import MAX_HIGHLIGHTS, TIME_MODES, save
from ..textsafe import sanitize_for_terminal
from ._hosted import entry_host
from ._layout import list_columns
from ._logpane import LogPane
from ._prompt import PromptScreen
from .detail import DetailScreen, FilterOn, copy_text
from .message import shown
from .store import Filter, compile_search

DEFAULT_PAGER = "less -R"


def pager_command() -> list[str]:
    """`$PAGER` split as a shell would (never run by one), or `less -R`."""
    try:
        command = shlex.split(os.environ.get("PAGER", ""))
    except ValueError:
        command = []
    return command or shlex.split(DEFAULT_PAGER)


def pager_lines(entries: Iterable[LogEntry], raw: bool) -> Iterable[str]:
    """The entries as the pager shows them: stamp, host (among several), container, level,
    then the message as the log pane shows it (continuation lines indented); sanitised, one
    line per screen line."""
    for entry in entries:
        lines = entry.message.split("\n")
        first = shown(lines[0], entry.level, entry.timestamp, raw=raw)
        text = " ".join([first.text, *(f"{k}={v}" for k, v in first.fields)]) if first.fields else first.text
        host = entry_host(entry)
        where = f"{host} {entry.container_name}" if host is not None else entry.container_name
        head = f"{entry.timestamp[:23].replace('T', ' ')} {where} {entry.level:<8} "
        yield sanitize_for_terminal(head + text)
        indent = " " * len(head)
        for line in lines[1:]:
            yield indent + sanitize_for_terminal(line)


class ReadingMixin:
    """Detail, copy, pager, export and view toggles of `LogtuiApp`."""

    # -- layout ----------------------------------------------------------------------------

    def apply_layout(self, width: int | None = None) -> None:
        """Panes shown and the containers pane's columns, for this terminal width."""
        zoom = self.view.zoom
        left = self.query_one("#left")
        left.display = self.view.containers and not zoom
        self.query_one("#errors").display = not zoom
        longest = max(map(len, self.containers), default=14)
        columns = list_columns(width or self.size.width, longest)
        self.container_list.set_columns(columns)
        left.styles.width = columns.width

    def apply_view(self) -> None:
        """The settings to the log pane (after a toggle, or at start)."""
        pane = self.log_pane
        pane.time_mode = self.view.time
        pane.raw = self.view.raw
        pane.highlights = tuple(compile_search(t)[0] for t in self.view.highlight)
        pane.set_wrap(self.view.wrap)
        pane.relook()

    def _remember(self) -> None:
        """Write the settings file (if the dashboard has one); a failure is said, once."""
        if self.config_path is None:
            return
        try:
            save(self.view, self.config_path)
        except OSError as exc:
            if not self._save_failed:
                self._save_failed = True
                self.notify(
                    f"cannot write {self.config_path}: {exc.strerror or exc}",
                    title="settings",
                    severity="warning",
                    markup=False,
                )

    def _toggled(self, message: str) -> None:
        self.apply_view()
        self.apply_layout()
        self._remember()
        self._update_titles()
        self.notify(message, title="view", timeout=2)

    def action_wrap(self) -> None:
        self.view.wrap = not self.view.wrap
        self._toggled("long lines wrap" if self.view.wrap else "long lines scroll sideways")

    def action_time_mode(self) -> None:
        self.view.time = TIME_MODES[(TIME_MODES.index(self.view.time) + 1) % len(TIME_MODES)]
        self._toggled(f"times: {self.view.time}")

    def action_raw(self) -> None:
        self.view.raw = not self.view.raw
        self._toggled("lines as written" if self.view.raw else "messages (echoed stamps and levels left out)")

    def action_zoom(self) -> None:
        self.view.zoom = not self.view.zoom
        self._toggled("log pane full screen" if self.view.zoom else "all panes")
        self.log_pane.focus()

    def action_toggle_containers(self) -> None:
        if self.view.zoom:
            self.view.zoom = False
            self.view.containers = True
        else:
            self.view.containers = not self.view.containers
        self._toggled("containers shown" if self.view.containers else "containers hidden")
        if not self.view.containers and self.focused is self.container_list:
            self.log_pane.focus()

    def action_highlight(self) -> None:
        prompt = PromptScreen(
            f"Highlight (text or regex; up to {MAX_HIGHLIGHTS} terms, each its colour; H clears them)",
            "e.g. timeout|refused, or a request id",
        )
        self.push_screen(prompt, self._highlight_answered)

    def _highlight_answered(self, term: str | None) -> None:
        if not term:
            return
        terms = [t for t in self.view.highlight if t != term] + [term[:200]]
        self.view.highlight = terms[-MAX_HIGHLIGHTS:]
        self._toggled(f"highlighting {len(self.view.highlight)} term(s)")

    def action_clear_highlights(self) -> None:
        self.view.highlight = []
        self._toggled("no highlights")

    # -- one entry: detail, copy -----------------------------------------------------------

    def on_log_pane_opened(self, event: LogPane.Opened) -> None:
        self.push_screen(DetailScreen(event.entry), self._detail_closed)
        self._update_titles()
        self._update_status()

    def _detail_closed(self, result: FilterOn | None) -> None:
        if isinstance(result, FilterOn):
            self.filter_on_value(result.value)

    def filter_on_value(self, value: str) -> None:
        """Every line, in every container, at every level, that holds `value` literally."""
        self.filter = Filter(None, "DEBUG", None)
        self.search(re.escape(value))
        self.log_pane.focus()

    def action_copy(self) -> None:
        entry = self.log_pane.current_entry()
        if entry is None:
            self.notify("nothing to copy yet", title="copy")
            return
        text = copy_text(entry)
        self.copy_to_clipboard(text)
        lines = text.count("\n") + 1
        self.notify(f"copied {lines} line{'s' if lines != 1 else ''} (OSC 52)", title="copy", timeout=3)

    # -- the whole view: pager, export -----------------------------------------------------

    def action_pager(self) -> None:
        entries = list(self.log_pane.view.unique_entries())
        if not entries:
            self.notify("nothing to page yet", title="pager")
            return
        self._write_pager_file(entries, self.view.raw)

    @work(thread=True, group="pager", exclusive=True, exit_on_error=False, description="pager text")
    def _write_pager_file(self, entries: list[LogEntry], raw: bool) -> None:
        """The view's text into a private, already unlinked temporary file (off the UI thread)."""
        handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _run_pager, after the pager)
        try:
            for line in pager_lines(entries, raw):
                handle.write(line.encode("utf-8", "replace") + b"\n")
            handle.flush()
            handle.seek(0)
        except OSError as exc:
            handle.close()
            self.call_from_thread(self.notify, f"pager: {exc}", title="pager", severity="error", markup=False)
            return
        self.call_from_thread(self._run_pager, handle)

    def _run_pager(self, handle: IO[bytes]) -> None:
        """Hand the terminal to the pager until it exits, then take it back."""
        command = pager_command()
        try:
            with handle, self.suspend():
                subprocess.run(command, stdin=handle, check=False)
        except SuspendNotSupported:
            self.notify("the pager needs a terminal", title="pager", severity="warning")
        except OSError as exc:
            self.notify(f"cannot run {command[0]}: {exc.strerror or exc}", title="pager", markup=False)
        self.refresh()

    def action_export(self) -> None:
        entries = list(self.log_pane.view.unique_entries())
        self._export(entries)

    def export_document(self, entries: list[LogEntry]) -> dict[str, Any]:
        """The saved-file document of these entries, grouped by container."""
        from ..export import saved_file_document

        grouped: dict[str, list[dict[str, str]]] = {}
        for entry in entries:
            grouped.setdefault(entry.container_name, []).append(entry.to_dict())
        return saved_file_document(grouped)

    @work(thread=True, group="export", exit_on_error=False, description="export")
    def _export(self, entries: list[LogEntry]) -> None:
        from ..export import default_filename, write_json_atomically

        try:
            path = write_json_atomically(
                self.export_document(entries), Path(self.export_dir or Path.cwd()) / default_filename()
            )
        except OSError as exc:
            self.call_from_thread(
                self.notify,
                f"export failed: {exc}",
                title="export",
                severity="error",
                markup=False,
            )
            return
        self.last_export = path
        self.call_from_thread(
            self.notify,
            f"{len(entries)} entries written to {path}",
            title="export",
            timeout=10,
            markup=False,
        )
