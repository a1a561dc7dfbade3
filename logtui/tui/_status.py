"""What the dashboard says about its state: the status line, pane titles, container facts.

A mixin of `LogtuiApp`, apart from the app's event plumbing: pure formatting of the app's
state into `rich.text.Text`, with the server's words always sanitised and never markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..textsafe import one_line
from .digest import GroupMatcher
from .held import MB
from .render import compact_count, safe_text
from .store import LogStore

LEVEL_NAMES = {"DEBUG": "all", "INFO": "≥INFO", "WARNING": "≥WARNING", "ERROR": "≥ERROR"}


def budget_label(store: LogStore) -> str:
    """The store's memory budget as LOGTUI_MEMORY_MB says it: `512 MB` (`0.05 MB` in tests)."""
    mb = (store.max_bytes or 0) / MB
    return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.2g} MB"


def window_label(hours: float) -> str:
    return f"{round(hours * 60)}m" if hours < 1 else f"{hours:g}h"


class StatusMixin:
    """Status line, titles and the container facts of `LogtuiApp`."""

    ALL_LABEL = "all containers"
    """What the log pane's title calls everything (`all hosts` over several)."""

    def _connection_summary(self) -> tuple[str, str]:
        """The header's connection state: the poller's, unless a stream is worse off."""
        state, detail = self.connection, self.connection_detail
        if state == "connected":
            for name, stream in self.streams.items():
                if stream.state == "reconnecting":
                    return "reconnecting", f"{name}: {stream.detail}"
        return state, detail

    def status_text(self) -> Text:
        """The status line: host, READ-ONLY, connection, rate, window, filter, buffer, pause.

        Under 110 columns what changes what you see (the window, the filter, paused or
        following, why the connection is down) comes before the counters, which are cut.
        """
        state, detail = self._connection_summary()
        colour = self._state_style(state)
        pane = self.log_pane
        if self.range is not None:
            mode = Text(f"AT {self.range.label} · G: live", "bold magenta")
        elif pane.following:
            mode = Text("following", "green")
        else:
            mode = Text(f"PAUSED · {compact_count(pane.new_while_paused)} new", "bold yellow")
        buffer = Text(f"buffer {compact_count(self.store.size)}/{compact_count(self.store.capacity)}")
        if self.store.total_dropped:
            budget = f": {budget_label(self.store)} budget" if self.store.total_dropped_by_budget else ""
            buffer.append(f" ({compact_count(self.store.total_dropped)} dropped{budget})", "yellow")
        why = safe_text(one_line(detail), colour) if detail and state != "connected" else None
        parts = {
            "host": Text(self.host_label, "bold cyan"),
            "ro": Text("READ-ONLY", "bold black on green"),
            "state": Text(state, colour),
            "channels": self.channels_text(),
            "rate": Text(f"{self.lines_per_second:.1f} lines/s"),
            "window": Text(f"window {window_label(self.window_hours)}"),
            "filter": Text(f"filter: {self.filter_label()}", "bold" if self.filter_active else ""),
            "buffer": buffer,
            "mode": mode,
        }
        if self.size.width >= 110:
            order = ["host", "ro", "state", "channels", "rate", "window", "filter", "buffer", "mode"]
        else:
            order = ["host", "ro", "state", "why", "window", "filter", "mode", "channels", "rate", "buffer"]
        text = Text(end="", no_wrap=True, overflow="ellipsis")
        if self.size.width >= 110:
            text.append("logtui", "bold")
            text.append(" ─ ", "dim")
        if why is not None:
            if "why" not in order:
                order.append("why")
            parts["why"] = why
        for index, key in enumerate(k for k in order if k in parts):
            if index:
                text.append(" ─ ", "dim")
            text.append_text(parts[key])
        skipped = self._skipped()
        if skipped:
            text.append(" ─ ", "dim")
            text.append(f"⚠ {len(skipped)} skipped (invalid name): ", "yellow")
            text.append_text(safe_text(", ".join(skipped), "yellow"))
        return text

    def _state_style(self, state: str) -> str:
        return {"connected": "green", "reconnecting": "yellow", "failed": "bold red"}.get(state, "yellow")

    def _skipped(self) -> tuple[str, ...]:
        """Container names `docker ps` listed that docker does not allow (left out)."""
        return self.remote.skipped if self.remote is not None else ()

    def channels_text(self) -> Text:
        """`2 conns · 27 streams (3 polled)`: the pool's connections and the followed logs."""
        if self.remote is None:
            return Text("")
        conns = self.remote.transport.pool.state().connections
        rotation = self.remote.rotation.state()
        streams = len(rotation.live) + len(rotation.polled)
        text = Text(f"{conns} conn{'s' if conns != 1 else ''} · {streams} streams")
        if rotation.polled:
            text.append(f" ({len(rotation.polled)} polled, ~{rotation.cycle_s:.0f}s)", "cyan")
        return text

    @property
    def filter_active(self) -> bool:
        return self.filter.min_level != "DEBUG" or self.filter.pattern is not None

    def filter_label(self) -> str:
        parts = [LEVEL_NAMES[self.filter.min_level]] if self.filter.min_level != "DEBUG" else []
        if isinstance(self.filter.pattern, GroupMatcher):  # a template from the logs
            parts.append(f"group {one_line(self.filter.pattern.template)[:200]}")
        elif self.search_text:
            parts.append(f"/{one_line(self.search_text)}/{self.search_note}")
        return " ".join(parts) or "all"

    def _update_status(self) -> None:
        self.query_one("#status", Static).update(self.status_text())

    def _update_titles(self) -> None:
        pane = self.log_pane
        what = self.filter.container or self.filter.host or self.ALL_LABEL
        if self.filter.host and not self.filter.container:
            what += ": all containers"
        title = Text(f"LOGS: {what}")
        if self.filter_active:
            title.append(f" · {self.filter_label()}", "bold")
        title.append(f" · {compact_count(len(pane.view))} rows")
        if self.range is not None:
            title.append(f" · {self.range.span_label} · G: back to live", "bold magenta")
        elif pane.following:
            title.append(" · following ▼", "green")
        else:
            title.append(f" · PAUSED, {compact_count(pane.new_while_paused)} new", "bold yellow")
        pane.border_title = title
        store = self.shown_store
        names = self.filter.names(store.names) or store.names
        dropped = sum(store.dropped.get(n, 0) for n in names)
        if dropped:
            if any(store.dropped_by_budget.get(n, 0) for n in names):  # the budget binds
                why = f"memory budget {budget_label(store)}"
            else:
                why = f"limit {compact_count(store.max_lines)} per container"
            said = f"{compact_count(dropped)} older lines dropped ({why})"
            pane.border_subtitle = Text(said, style="yellow")
        else:
            pane.border_subtitle = None

    def _update_details(self) -> None:
        """Facts about the container under the cursor, below the list."""
        table = self.container_list
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # an empty table has no cursor row
            key = None
        self.query_one("#details", Static).update(self.details_text(key))

    def details_text(self, name: str | None) -> Text:
        info = self.containers.get(name or "")
        text = Text(end="", no_wrap=True, overflow="ellipsis")
        if info is None:
            running = sum(1 for c in self.containers.values() if c.running)
            text.append(f"{len(self.containers)} containers, {running} running\n", "bold")
            text.append("enter: show one container's logs · tab: next pane", "dim")
            return text
        key = name or ""  # the store's key: `host/container` among several hosts
        stream = self.streams.get(key)
        stats = self.stats.get(key)
        facts = [
            ("image", info.image),
            ("id", info.id[:12]),
            ("status", info.status),
            ("ports", info.ports or "-"),
            ("created", info.created),
        ]
        if stats is not None and info.running:
            facts.append(("memory", f"{stats.mem_usage} ({stats.mem_percent:.1f}%)"))
            facts.append(("pids", stats.pids))
        if stream is not None:
            facts.append(("logs", f"{stream.state}: {stream.detail}" if stream.detail else stream.state))
        dropped = self.store.dropped.get(key, 0)
        if dropped:
            by_budget = self.store.dropped_by_budget.get(key, 0)
            why = "buffer limit" if not by_budget else f"{by_budget} by the memory budget"
            facts.append(("dropped", f"{dropped} oldest lines ({why})"))
        text.append_text(safe_text(one_line(key), "bold"))
        for label, value in facts:  # the server's words: sanitized, one line, never markup
            text.append(f"\n{label:>8} ", "dim")
            text.append_text(safe_text(one_line(str(value))))
        return text
