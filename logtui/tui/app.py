"""The dashboard app: containers, live logs and errors of one docker host, read-only.

All SSH work runs in async workers; the bytes they read are parsed in worker processes
(`ParseProcess`, on the other cores) and the entries appended to a bounded inbox. The UI
takes at most one budget of entries from it per tick (`_tick`) and redraws only what
changed. The container list and stats are polled by one worker that schedules the next
poll when it finishes, so polls never overlap. The app knows `RemoteDocker`, never asyncssh.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from ..config import Settings
from ..models import ContainerInfo, ContainerStats, LogEntry
from ..parse_process import ParseProcess
from ..remote import RemoteDocker, ResumePoint, since_for_hours
from ..textsafe import one_line
from ..transport import HostKeyNotTrusted
from ._containers import ALL, ContainerList, ContainerRow
from ._errors import ErrorPane
from ._help import HelpScreen
from ._inbox import Inbox
from ._logpane import LogPane
from .digest import DigestBuilder, ErrorDigest, GroupMatcher
from .render import compact_count, safe_text, short_memory, short_status, sparkline
from .store import Filter, LogStore, compile_search, iso

WINDOWS: tuple[float, ...] = (0.25, 1.0, 6.0, 24.0)
"""Time windows `t` cycles through, in hours."""
LEVEL_NAMES = {"DEBUG": "all", "INFO": "≥INFO", "WARNING": "≥WARNING", "ERROR": "≥ERROR"}
TICK_S = 0.25
"""How often arrived lines are handed to the UI."""
TICK_BUDGET = 50_000
"""Most entries one tick takes: a flood is drawn in slices that keep keys responsive."""
INBOX_LIMIT = 200_000
"""Entries waiting for the UI at which the followers stop reading (SSH pushes back)."""
SLOW_TICK_S = 1.0
"""How often rates, error counts and the error pane are recomputed."""
DIGEST_EVERY_S = 1.0
"""Least time between two error digests (templating tens of thousands of errors costs)."""
PREPARE_S = 0.02
PREPARE_BLOCKS = 2
"""While the search box is open, every PREPARE_S this many blocks of search text are built
(a few milliseconds each), so that Enter only scans."""
POLL_S = 5.0
"""Pause between the end of one container poll and the start of the next: how soon a new
container shows (an exited one shows at once: its log stream ends)."""
STATS_EVERY = 2
"""`docker stats` runs on every STATS_EVERY-th poll (and the first): CPU and memory move
slowly, and each `docker stats --no-stream` costs the server a sampling pass."""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def window_label(hours: float) -> str:
    return f"{round(hours * 60)}m" if hours < 1 else f"{hours:g}h"


@dataclass
class StreamState:
    """The log stream of one container, as its follower last reported it."""

    state: str = "connecting"
    detail: str = ""


class LogtuiApp(App[int]):
    """logtui's dashboard."""

    CSS_PATH = "dashboard.tcss"
    TITLE = "logtui"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "level('DEBUG')", "all"),
        Binding("i", "level('INFO')", "info+"),
        Binding("w", "level('WARNING')", "warn+"),
        Binding("e", "level('ERROR')", "errors"),
        Binding("slash", "search", "search"),
        Binding("n", "next_match", "next"),
        Binding("N", "previous_match", "prev"),
        Binding("space", "pause", "pause"),
        Binding("t", "window", "window"),
        Binding("x", "export", "export"),
        Binding("question_mark", "help", "help"),
        Binding("q", "quit", "quit"),
        Binding("g", "top", "top", show=False),
        Binding("G", "bottom", "bottom", show=False),
        Binding("escape", "clear_search", "clear search", show=False),
    ]

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
    ) -> None:
        super().__init__()
        self.settings = settings
        self.host_label = host_label or settings.label
        self.window_hours = window_hours
        self.export_dir = export_dir
        self.clock = clock
        """Current UTC time (naive); tests freeze it for deterministic pictures."""
        self.poll_interval = poll_interval
        self.follow_retries = follow_retries
        self.store = LogStore(max_lines_per_container)
        self.filter = Filter()
        self.search_text = ""
        self.remote: RemoteDocker | None = None
        self._parse: ParseProcess | None = None
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
        self._parse = ParseProcess.start()
        readers = self._parse.reader if self._parse is not None else None
        self.remote = RemoteDocker(self.settings, reader_factory=readers)
        self._update_titles()
        self._update_status()
        self._ticks = [self.set_interval(TICK_S, self._tick), self.set_interval(SLOW_TICK_S, self._slow_tick)]
        self.log_pane.focus()
        self._poll()

    def on_resize(self, event: events.Resize) -> None:
        """The list keeps its full width on wide terminals and yields to the logs on narrow ones."""
        left = self.query_one("#left")
        left.styles.width = 60 if event.size.width >= 140 else max(28, event.size.width * 3 // 10)

    async def on_unmount(self) -> None:
        for timer in [*self._ticks, self._preparing]:
            if timer is not None:
                timer.stop()  # the panes are going: nothing may draw into them now
        self.workers.cancel_all()
        if self.remote is not None:
            await self.remote.close()
        if self._parse is not None:
            self._parse.shutdown()

    # -- background work -------------------------------------------------------------------

    @work(group="poll", exclusive=True, exit_on_error=False)
    async def _poll(self) -> None:
        """List containers and their stats, then schedule the next poll (never overlapping)."""
        assert self.remote is not None
        try:
            containers = await self.remote.list_containers()
            self._set_containers(containers)
            self.connection, self.connection_detail = "connected", ""
            running = [c.name for c in containers if c.running]
            if running and (self._polls % STATS_EVERY == 0 or not self.stats):
                try:
                    stats = await self.remote.stats(running)
                    self.stats = {s.name: s for s in stats}
                except RuntimeError:
                    pass  # stats are a nicety; the next poll tries again
        except HostKeyNotTrusted as exc:
            self.connection, self.connection_detail = "failed", str(exc)
        except ValueError as exc:  # unusable key or settings: retrying will not help
            self.connection, self.connection_detail = "failed", str(exc)
            return
        except RuntimeError as exc:
            self.connection = "reconnecting" if self._polls else "failed"
            self.connection_detail = str(exc)
            self.stats = {}  # stale numbers would mislead
        finally:
            self._polls += 1
            self._refresh_containers()
            self._update_status()
        self.set_timer(self.poll_interval, self._poll)

    def _set_containers(self, containers: list[ContainerInfo]) -> None:
        self.containers = {c.name: c for c in containers}
        for info in containers:
            if info.state == "created" or info.name in self._following:
                continue  # never started (no logs yet), or already followed
            if info.name in self._followed and not info.running:
                continue  # an exited container's log is complete: read once per window
            self._start_follower(info.name)
        self.log_pane.set_names(list(self.containers))

    def _start_follower(self, name: str) -> None:
        self._following.add(name)
        self._followed.add(name)
        self.streams[name] = StreamState()
        self.run_worker(
            self._follow(name, self._generation),
            name=f"follow:{name}",
            group="follow",
            exit_on_error=False,
        )

    async def _follow(self, name: str, generation: int) -> None:
        """One container's stream: the window's history, then new lines as they come."""
        assert self.remote is not None
        since, skip = self._resume_point(name)
        inbox = self._inbox

        def on_state(state: str, detail: str) -> None:
            if generation == self._generation:
                self.streams[name] = StreamState(state, detail)

        try:
            async for batch in self.remote.follow(
                name, since=since, on_state=on_state, max_retries=self.follow_retries
            ):
                if skip is not None:
                    batch = [e for e in batch if skip(e)]
                if batch:
                    inbox.put(generation, name, batch)
                while inbox.full and generation == self._generation:
                    await asyncio.sleep(0.01)  # the UI is behind: stop reading, SSH pushes back
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one container's failure must not stop the others
            on_state("failed", str(exc))
        finally:
            if generation == self._generation:
                self._following.discard(name)

    def _resume_point(self, name: str) -> tuple[str, Callable[[LogEntry], bool] | None]:
        """Where a container's (re)started stream begins, and a filter against repeats.

        A container that stopped and started again keeps its lines: the new stream starts at
        each stream's newest Docker stamp already held (the older of stdout's and stderr's),
        skipping what is held, exactly as a reconnect does (`ResumePoint`).
        """
        buffer = self.store.buffers.get(name)
        resume = ResumePoint(buffer or ())
        if not resume.timestamp:
            return since_for_hours(self.window_hours), None
        return resume.timestamp, resume.make_filter()

    def _tick(self) -> None:
        with contextlib.suppress(NoMatches):  # the panes are gone: the app is closing
            self._take_arrived()

    def _take_arrived(self) -> None:
        """Hand what the followers received to the store and the log pane, in one go."""
        batches = self._inbox.take(TICK_BUDGET)
        added: list[LogEntry] = []
        evicted: list[LogEntry] = []
        for generation, name, batch in batches:
            if generation != self._generation:
                continue
            evicted.extend(self.store.add(name, batch))
            added.extend(batch)
            if any(e.is_error for e in batch):
                self._errors_dirty = True
        if added or evicted:
            self.log_pane.add(added, evicted)
            # Keep the shown containers' time-ordered merge current, a tick's worth at a
            # time, so that a level switch or clearing a search is a mask, not a catch-up.
            names = None if self.filter.container is None else [self.filter.container]
            self.store.keep_merged(names, max_overlap=4 * len(added))
        if self._errors_dirty and time.monotonic() - self._digest_started >= DIGEST_EVERY_S:
            self._refresh_digest()  # soon after errors arrive, at most once a second
        self._update_titles()
        self._update_status()

    def _slow_tick(self) -> None:
        with contextlib.suppress(NoMatches):
            self._recount()

    def _recount(self) -> None:
        now = self.clock()
        total_recent = 0
        for name in self.store.names:
            counts = self.store.rate(name, now)
            self._spark[name] = sparkline(counts)
            total_recent += sum(counts[-5:])
        self.lines_per_second = total_recent / 10.0
        self._refresh_digest()
        self._refresh_containers()

    def _refresh_digest(self, force: bool = False) -> None:
        """Rebuild the error digest on a worker thread when errors or stream states changed."""
        problems = {
            name: f"{s.state}: {s.detail}" if s.detail else s.state
            for name, s in self.streams.items()
            if s.state in ("reconnecting", "failed")
        }
        if self.connection in ("reconnecting", "failed") and self.connection_detail:
            problems["server"] = f"{self.connection}: {self.connection_detail}"
        if not (self._errors_dirty or force or problems != self.digest.problems):
            return
        if self._digest_running and not force:
            return  # the next slow tick tries again
        self._errors_dirty = False
        cutoff = iso(self.clock() - timedelta(hours=self.window_hours))
        errors = {name: list(entries) for name, entries in self.store.errors.items()}
        self._digest_running = True
        self._digest_started = time.monotonic()
        self._build_digest(errors, cutoff, self.window_hours, problems, self._generation)

    @work(thread=True, group="digest", exit_on_error=False, description="error digest")
    def _build_digest(
        self,
        errors: dict[str, list[LogEntry]],
        cutoff: str,
        hours: float,
        problems: dict[str, str],
        generation: int,
    ) -> None:
        """Template and count errors off the UI thread (tens of ms for tens of thousands)."""
        digest: ErrorDigest | None = None
        try:
            digest = self._digests.build(errors, cutoff, hours)
            digest.problems = problems
        finally:
            with contextlib.suppress(RuntimeError):  # the app may have exited meanwhile
                self.call_from_thread(self._digest_done, digest, generation)

    def _digest_done(self, digest: ErrorDigest | None, generation: int) -> None:
        self._digest_running = False
        if digest is None or generation != self._generation:
            return
        self.digest = digest
        self._digests_built += 1
        self.error_pane.show(digest)
        title = Text(f"ERRORS (last {window_label(digest.hours)}) · {sum(digest.counts.values())}")
        if digest.failure:
            title.append(" · summary failed", "bold red")
        self.query_one("#errors").border_title = title
        self._refresh_containers()

    def _refresh_containers(self) -> None:
        selected = self.filter.container
        running = sum(1 for c in self.containers.values() if c.running)
        rows = [
            ContainerRow(
                ALL,
                status=f"{running}/{len(self.containers)} up",
                errors=sum(self.digest.counts.values()),
                spark=sparkline(
                    [
                        sum(x)
                        for x in zip(
                            *(self.store.rate(n, self.clock()) for n in self.store.names),
                            strict=True,
                        )
                    ]
                )
                if self.store.names
                else "",
                selected=selected is None,
            )
        ]
        listed = sorted(self.containers.values(), key=lambda c: (not c.running, c.name))
        names = [c.name for c in listed]
        names += [n for n in self.store.names if n not in self.containers]
        for name in names:
            info = self.containers.get(name)
            stats = self.stats.get(name)
            stream = self.streams.get(name)
            rows.append(
                ContainerRow(
                    name,
                    state=info.state if info else "removed",
                    status=short_status(info.state, info.status) if info else "removed",
                    errors=self.digest.counts.get(name, 0),
                    cpu=f"{stats.cpu_percent:.1f}%" if stats and info and info.running else "",
                    mem=short_memory(stats.mem_usage) if stats and info and info.running else "",
                    spark=self._spark.get(name, ""),
                    stream=stream.state if stream else "",
                    selected=selected == name,
                )
            )
        self.container_list.update_rows(rows)
        self._update_details()

    # -- status and titles -----------------------------------------------------------------

    def _connection_summary(self) -> tuple[str, str]:
        """The header's connection state: the poller's, unless a stream is worse off."""
        state, detail = self.connection, self.connection_detail
        if state == "connected":
            for name, stream in self.streams.items():
                if stream.state == "reconnecting":
                    return "reconnecting", f"{name}: {stream.detail}"
        return state, detail

    def status_text(self) -> Text:
        """The status line: host, READ-ONLY, connection, rate, window, filter, buffer, pause."""
        sep = (" ─ ", "dim")
        state, detail = self._connection_summary()
        colour = {"connected": "green", "reconnecting": "yellow", "failed": "bold red"}.get(state, "yellow")
        text = Text(end="", no_wrap=True, overflow="ellipsis")
        text.append("logtui", "bold")
        text.append(*sep)
        text.append(self.host_label, "bold cyan")
        text.append(*sep)
        text.append("READ-ONLY", "bold black on green")
        text.append(*sep)
        text.append(state, colour)
        text.append(*sep)
        text.append(self.channels_text())
        text.append(*sep)
        text.append(f"{self.lines_per_second:.1f} lines/s")
        text.append(*sep)
        text.append(f"window {window_label(self.window_hours)}")
        text.append(*sep)
        text.append(f"filter: {self.filter_label()}", "bold" if self.filter_active else "")
        text.append(*sep)
        buffer = f"buffer {compact_count(self.store.size)}/{compact_count(self.store.capacity)}"
        text.append(buffer)
        if self.store.total_dropped:
            text.append(f" ({compact_count(self.store.total_dropped)} dropped)", "yellow")
        pane = self.log_pane
        text.append(*sep)
        if pane.following:
            text.append("following", "green")
        else:
            text.append(f"PAUSED · {compact_count(pane.new_while_paused)} new", "bold yellow")
        if detail and state != "connected":
            text.append(*sep)
            text.append_text(safe_text(one_line(detail), colour))
        skipped = self.remote.skipped if self.remote is not None else ()
        if skipped:
            text.append(*sep)
            text.append(f"⚠ {len(skipped)} skipped (invalid name): ", "yellow")
            text.append_text(safe_text(", ".join(skipped), "yellow"))
        return text

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
            parts.append(f"/{one_line(self.search_text)}/")
        return " ".join(parts) or "all"

    def _update_status(self) -> None:
        self.query_one("#status", Static).update(self.status_text())

    def _update_titles(self) -> None:
        pane = self.log_pane
        what = self.filter.container or "all containers"
        title = Text(f"LOGS: {what}")
        if self.filter_active:
            title.append(f" · {self.filter_label()}", "bold")
        title.append(f" · {compact_count(len(pane.view))} rows")
        if pane.following:
            title.append(" · following ▼", "green")
        else:
            title.append(f" · PAUSED, {compact_count(pane.new_while_paused)} new", "bold yellow")
        pane.border_title = title
        names = [self.filter.container] if self.filter.container else self.store.names
        dropped = sum(self.store.dropped.get(n, 0) for n in names)
        if dropped:
            pane.border_subtitle = Text(
                f"{compact_count(dropped)} older lines dropped "
                f"(limit {compact_count(self.store.max_lines)} per container)",
                style="yellow",
            )
        else:
            pane.border_subtitle = None

    # -- filters ---------------------------------------------------------------------------

    def _apply_filter(self, filter: Filter) -> None:
        self.filter = filter
        if self.remote is not None:  # the container looked at gets a live channel first
            self.remote.pin([filter.container] if filter.container else [])
        pane = self.log_pane
        pane.empty_message = "no lines match the filter" if self.filter_active else "waiting for log lines…"
        pane.rebuild(self.store, filter)
        self._update_titles()
        self._update_status()
        self._refresh_containers()

    def action_level(self, level: str) -> None:
        self._apply_filter(Filter(self.filter.container, level, self.filter.pattern))

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.value = self.search_text
        search.focus()
        if self._preparing is None:  # build the search text while the user types
            self._preparing = self.set_interval(PREPARE_S, self._prepare_search)

    def _prepare_search(self) -> None:
        if self._preparing is None:
            return  # a tick that was already queued when the timer was stopped
        names = None if self.filter.container is None else [self.filter.container]
        try:
            open_ = self.query_one("#search", Input).display
        except NoMatches:  # the app is closing
            open_ = False
        if not open_ or self.store.prepare_text(names, PREPARE_BLOCKS):
            self._preparing.stop()
            self._preparing = None

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.search(event.value)
        event.input.display = False
        self.log_pane.focus()

    def search(self, text: str) -> None:
        """Show only entries matching `text` (a regex, or literal if it is not one)."""
        self.search_text = text
        if not text:
            self._apply_filter(Filter(self.filter.container, self.filter.min_level, None))
            return
        pattern, error = compile_search(text)
        if error:
            self.notify(error, title="search", severity="warning", markup=False)
        self._apply_filter(Filter(self.filter.container, self.filter.min_level, pattern))
        if not self.log_pane.view.rows:
            self.notify(f"no lines match {text!r}", title="search", markup=False)

    @on(ErrorPane.Chosen)
    def _error_chosen(self, event: ErrorPane.Chosen) -> None:
        """Show the log lines of the chosen error: a critical issue's text at all levels, or
        an error group's members (template equality; they are errors)."""
        if isinstance(event.pattern, GroupMatcher):
            self.search_text = event.pattern.template  # Esc clears it, as any search
            self._apply_filter(Filter(self.filter.container, "ERROR", event.pattern))
        else:
            self.filter = Filter(self.filter.container, "DEBUG", self.filter.pattern)
            self.search(event.pattern)
        if self.log_pane.view.rows:
            self.log_pane.focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        if search.display:
            search.display = False
            self.log_pane.focus()
            return
        if self.search_text:
            self.search("")

    def action_next_match(self) -> None:
        self._jump(True)

    def action_previous_match(self) -> None:
        self._jump(False)

    def _jump(self, forward: bool) -> None:
        if self.filter.pattern is None:
            self.notify("press / to search first", title="search")
            return
        if not self.log_pane.jump_to_match(forward):
            self.notify("no match", title="search")
        self._update_titles()
        self._update_status()

    @on(DataTable.RowHighlighted, "#containers")
    def _container_highlighted(self) -> None:
        self._update_details()

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
        stream = self.streams.get(info.name)
        stats = self.stats.get(info.name)
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
        dropped = self.store.dropped.get(info.name, 0)
        if dropped:
            facts.append(("dropped", f"{dropped} oldest lines (buffer limit)"))
        text.append_text(safe_text(one_line(info.name), "bold"))
        for label, value in facts:  # the server's words: sanitized, one line, never markup
            text.append(f"\n{label:>8} ", "dim")
            text.append_text(safe_text(one_line(str(value))))
        return text

    @on(DataTable.RowSelected, "#containers")
    def _container_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        self.select_container(None if key in (None, ALL) else key)

    def select_container(self, name: str | None) -> None:
        """Show one container (None: all of them merged)."""
        self._apply_filter(Filter(name, self.filter.min_level, self.filter.pattern))

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
    def _follow_changed(self) -> None:
        self._update_titles()
        self._update_status()

    # -- window, export, help --------------------------------------------------------------

    def action_window(self) -> None:
        """Next time window; history is reloaded for it."""
        index = WINDOWS.index(self.window_hours) if self.window_hours in WINDOWS else 0
        self.set_window(WINDOWS[(index + 1) % len(WINDOWS)])

    def set_window(self, hours: float) -> None:
        self.window_hours = hours
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

    def action_export(self) -> None:
        entries = list(self.log_pane.view.unique_entries())
        self._export(entries)

    @work(thread=True, group="export", exit_on_error=False, description="export")
    def _export(self, entries: list[LogEntry]) -> None:
        from ..export import write_saved_file

        grouped: dict[str, list[dict[str, str]]] = {}
        for entry in entries:
            grouped.setdefault(entry.container_name, []).append(entry.to_dict())
        try:
            path = write_saved_file(grouped, directory=self.export_dir)
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

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self.exit(0)
