"""The dashboard app: containers, live logs and errors of one docker host, read-only.

All SSH work runs in async workers; the bytes they read are parsed in worker processes
(`ParseProcess`, on the other cores) and the entries appended to a bounded inbox. The UI
takes at most one budget of entries from it per tick (`_ingest`) and redraws only what
changed. The container list and stats are polled by one worker that schedules the next
poll when it finishes, so polls never overlap (`_onehost`; over several hosts, `_fleet`).
The app knows `RemoteDocker`, never asyncssh.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from ..config import Settings
from ..models import ContainerInfo, ContainerStats
from ..parse_process import ParseProcess
from ..remote import RemoteDocker
from ..settings_file import ViewSettings
from ._collector import CollectorTuning
from ._containers import ALL, ContainerList
from ._errors import ErrorPane
from ._help import HelpScreen
from ._inbox import Inbox
from ._ingest import DIGEST_EVERY_S, SLOW_TICK_S, TICK_S, IngestMixin
from ._logpane import LogPane
from ._onehost import STATS_EVERY, OneHostMixin, StreamState
from ._range import RangeMixin
from ._reading import ReadingMixin
from ._search import SearchMixin
from ._status import LEVEL_NAMES, StatusMixin, window_label
from .digest import DigestBuilder, ErrorDigest, GroupMatcher
from .held import MB
from .store import Filter, LogStore

__all__ = ["LEVEL_NAMES", "STATS_EVERY", "WINDOWS", "LogtuiApp", "StreamState", "window_label"]

WINDOWS: tuple[float, ...] = (0.25, 1.0, 6.0, 24.0)
"""Time windows `t` cycles through, in hours."""
INBOX_LIMIT = 200_000
"""Entries waiting for the UI at which the followers stop reading (SSH pushes back)."""
POLL_S = 5.0
"""Pause between the end of one container poll and the start of the next: how soon a new
container shows (an exited one shows at once: its log stream ends)."""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class LogtuiApp(OneHostMixin, IngestMixin, StatusMixin, ReadingMixin, RangeMixin, SearchMixin, App[int]):
    """logtui's dashboard (where the data comes from, the ticks that take it in, status
    texts, reading aids and time jumps live in the mixins)."""

    CSS_PATH = "dashboard.tcss"
    TITLE = "logtui"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        # The footer shows only what fits 80 columns (with the log pane's Enter); `?` has all.
        Binding("slash", "search", "search"),
        Binding("e", "level('ERROR')", "errors"),
        Binding("a", "level('DEBUG')", "all"),
        Binding("f", "zoom", "zoom"),
        Binding("at", "jump", "time"),
        Binding("question_mark", "help", "help"),
        Binding("q", "quit", "quit"),
        Binding("i", "level('INFO')", "info+", show=False),
        Binding("w", "level('WARNING')", "warn+", show=False),
        Binding("n", "next_match", "next", show=False),
        Binding("N", "previous_match", "prev", show=False),
        Binding("space", "pause", "pause", show=False),
        Binding("t", "window", "window", show=False),
        Binding("x", "export", "export", show=False),
        Binding("c", "copy", "copy", show=False),
        Binding("p", "pager", "pager", show=False),
        Binding("W", "wrap", "wrap", show=False),
        Binding("T", "time_mode", "time display", show=False),
        Binding("r", "raw", "raw lines", show=False),
        Binding("b", "toggle_containers", "containers", show=False),
        Binding("h", "highlight", "highlight", show=False),
        Binding("H", "clear_highlights", "clear highlights", show=False),
        Binding("g", "top", "top", show=False),
        Binding("G", "bottom", "bottom", show=False),
        Binding("escape", "clear_search", "clear search", show=False),
    ]

    MERGE_OVERLAP = 0
    """Kept entries a tick's new ones may reach back over and still be merged in (beyond
    four times their number); several hosts' lines arrive further out of order."""

    connection: var[str] = var("connecting")
    """connecting, connected, reconnecting or failed."""
    connection_detail: var[str] = var("")
    """Why the connection is not 'connected'."""

    def __init__(
        self,
        settings: Settings,
        *,
        window_hours: float = 1.0,
        max_lines_per_container: int = 50_000,
        export_dir: Path | None = None,
        host_label: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        poll_interval: float = POLL_S,
        follow_retries: int | None = None,
        view: ViewSettings | None = None,
        config_path: Path | None = None,
        memory_mb: float | None = None,
    ) -> None:
        """`view`: how the logs are shown (from the settings file); changes made with keys
        are written to `config_path` when given (tests and pictures give none).
        `memory_mb`: the memory budget of the log lines held (default: the settings')."""
        super().__init__()
        self.settings = settings
        self.view = view if view is not None else ViewSettings(window=window_hours)
        self.config_path = config_path
        self._save_failed = False
        self.host_label = host_label or settings.label
        self.window_hours = window_hours
        self.export_dir = export_dir
        self.clock = clock
        """Current UTC time (naive); tests freeze it for deterministic pictures."""
        self.poll_interval = poll_interval
        self.follow_retries = follow_retries
        budget = settings.memory_mb if memory_mb is None else memory_mb
        self.store = LogStore(max_lines_per_container, max_bytes=max(1, round(budget * MB)))
        self.filter = Filter()
        self.search_text = ""
        self.remote: RemoteDocker | None = None
        self._parse: ParseProcess | None = None
        self._collector = CollectorTuning()
        self.containers: dict[str, ContainerInfo] = {}
        self.stats: dict[str, ContainerStats] = {}
        self.streams: dict[str, StreamState] = {}
        self.digest = ErrorDigest(window_hours)
        self._digests = DigestBuilder()
        self._digest_running = False
        self._digests_built = 0
        self._digest_started = -DIGEST_EVERY_S
        self.last_export: Path | None = None
        self.lines_per_second = 0.0
        self._inbox = Inbox(INBOX_LIMIT)
        self._generation = 0
        self._following: set[str] = set()
        """Containers whose log stream is open."""
        self._followed: set[str] = set()
        """Containers whose log was read in this window (exited ones are read once)."""
        self._errors_dirty = True
        self._spark: dict[str, str] = {}
        self._polls = 0
        self._ticks: list[Timer] = []
        self._preparing: Timer | None = None

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield ContainerList(id="containers")
                yield Static(id="details")
            with Vertical(id="right"):
                yield LogPane(id="logs")
                yield Input(placeholder="filter: text or regex, Enter applies, Esc clears", id="search")
                yield ErrorPane(id="errors")
        yield Footer()

    @property
    def log_pane(self) -> LogPane:
        return self.query_one(LogPane)

    @property
    def error_pane(self) -> ErrorPane:
        return self.query_one(ErrorPane)

    @property
    def container_list(self) -> ContainerList:
        return self.query_one(ContainerList)

    def on_mount(self) -> None:
        self.query_one("#left").border_title = "CONTAINERS"
        self.query_one("#errors").border_title = f"ERRORS (last {window_label(self.window_hours)})"
        self.error_pane.show_text(Text("loading…", style="dim italic"))
        self.query_one("#search").display = False
        self.log_pane.set_clock(self.clock)
        self._start_search_runner()
        self.apply_view()
        self.apply_layout()
        self._parse = ParseProcess.start()
        self._open_remotes(self._parse.reader if self._parse is not None else None)
        self._update_titles()
        self._update_status()
        self._ticks = [self.set_interval(TICK_S, self._tick), self.set_interval(SLOW_TICK_S, self._slow_tick)]
        self._collector.apply()
        self.log_pane.focus()
        self._start_polling()

    def on_resize(self, event: events.Resize) -> None:
        """The containers pane yields columns to the logs on narrow terminals (`_layout`).

        The event's size: this runs before Textual's own handler updates `self.size`."""
        with contextlib.suppress(NoMatches):
            self.apply_layout(event.size.width)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Over the detail view or a prompt, the dashboard's keys are off (only theirs work)."""
        return len(self.screen_stack) == 1 or action in ("quit", "help")

    async def on_unmount(self) -> None:
        for timer in [*self._ticks, self._preparing]:
            if timer is not None:
                timer.stop()  # the panes are going: nothing may draw into them now
        self.workers.cancel_all()
        self._stop_search_runner()
        await self._close_remotes()
        if self._parse is not None:
            self._parse.shutdown()
        self._collector.restore()

    # -- filters ---------------------------------------------------------------------------

    def _apply_filter(self, filter: Filter) -> None:
        self.filter = filter
        self._pin(filter)
        pane = self.log_pane
        pane.empty_message = "no lines match the filter" if self.filter_active else "waiting for log lines…"
        pane.rebuild(self.shown_store, filter)
        self._update_titles()
        self._update_status()
        self._refresh_containers()

    def action_level(self, level: str) -> None:
        self._apply_filter(replace(self.filter, min_level=level))

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.search(event.value)
        event.input.display = False
        self.log_pane.focus()

    @on(ErrorPane.Chosen)
    def _error_chosen(self, event: ErrorPane.Chosen) -> None:
        """Show the log lines of the chosen error: a critical issue's text at all levels, or
        an error group's members (template equality; they are errors)."""
        if isinstance(event.pattern, GroupMatcher):
            self.search_text = event.pattern.template  # Esc clears it, as any search
            self._apply_filter(replace(self.filter, min_level="ERROR", pattern=event.pattern))
        else:
            self.filter = replace(self.filter, min_level="DEBUG")
            self.search(event.pattern)
        if self.log_pane.view.rows:
            self.log_pane.focus()

    @on(DataTable.RowHighlighted, "#containers")
    def _container_highlighted(self) -> None:
        self._update_details()

    @on(DataTable.RowSelected, "#containers")
    def _container_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        self.select_container(None if key in (None, ALL) else key)

    def select_container(self, name: str | None) -> None:
        """Show one container (None: all of them merged)."""
        self._apply_filter(replace(self.filter, container=name, host=None))

    # -- following, scrolling --------------------------------------------------------------

    def action_pause(self) -> None:
        self.log_pane.toggle_pause()
        self._update_titles()
        self._update_status()

    def action_top(self) -> None:
        self.log_pane.action_top()

    def action_bottom(self) -> None:
        self.log_pane.action_bottom()

    @on(LogPane.FollowChanged)
    def _follow_changed(self, event: LogPane.FollowChanged) -> None:
        if event.following:  # G, End or space: back to live, whatever was being fetched
            self.workers.cancel_group(self, "jump")
            self.leave_range()
        self._update_titles()
        self._update_status()

    # -- window, export, help --------------------------------------------------------------

    def action_window(self) -> None:
        """Next time window; history is reloaded for it."""
        index = WINDOWS.index(self.window_hours) if self.window_hours in WINDOWS else 0
        self.set_window(WINDOWS[(index + 1) % len(WINDOWS)])

    def set_window(self, hours: float) -> None:
        self.leave_range()
        self.window_hours = hours
        self.view.window = hours
        self._remember()
        self._generation += 1
        self.workers.cancel_group(self, "follow")
        self._inbox.clear()
        self._following.clear()
        self._followed.clear()
        self.store.clear()
        self.log_pane.clear()
        self._spark.clear()
        self._errors_dirty = True
        for name, info in self.containers.items():
            if info.state != "created":
                self._start_follower(name)
        self._refresh_digest(force=True)
        self._update_titles()
        self._update_status()
        self.notify(f"time window: last {window_label(hours)}", title="window")

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self.exit(0)
