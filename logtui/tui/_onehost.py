"""Where one host's data comes from: the container poll, the followers and their states.

A mixin of `LogtuiApp`: `docker ps` every poll (and `docker stats` every STATS_EVERY-th)
on one `RemoteDocker`, one follower per container that has run, and the containers pane's
rows. The dashboard over several hosts (`_fleet.FleetApp`) replaces exactly these methods.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from textual import work

from ..models import ContainerInfo, LogEntry
from ..reader import ReaderFactory
from ..remote import RemoteDocker, ResumePoint, since_for_hours
from ..transport import HostKeyNotTrusted
from ._containers import ALL, ContainerRow
from .render import short_memory, short_status, sparkline
from .store import Filter

STATS_EVERY = 2
"""`docker stats` runs on every STATS_EVERY-th poll (and the first): CPU and memory move
slowly, and each `docker stats --no-stream` costs the server a sampling pass."""


@dataclass
class StreamState:
    """The log stream of one container, as its follower last reported it."""

    state: str = "connecting"
    detail: str = ""


class OneHostMixin:
    """The data source of `LogtuiApp` with one host."""

    def _open_remotes(self, readers: ReaderFactory | None) -> None:
        self.remote = RemoteDocker(self.settings, reader_factory=readers)

    def _start_polling(self) -> None:
        self._poll()

    async def _close_remotes(self) -> None:
        if self.remote is not None:
            await self.remote.close()

    def _pin(self, filter: Filter) -> None:
        """The container looked at gets a live channel first."""
        if self.remote is not None:
            self.remote.pin([filter.container] if filter.container else [])

    def _problems(self) -> dict[str, str]:
        """What the error pane lists above the errors: failing streams, a failing server."""
        problems = {
            name: f"{s.state}: {s.detail}" if s.detail else s.state
            for name, s in self.streams.items()
            if s.state in ("reconnecting", "failed")
        }
        if self.connection in ("reconnecting", "failed") and self.connection_detail:
            problems["server"] = f"{self.connection}: {self.connection_detail}"
        return problems

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
        known = set(self.containers)
        self.containers = {c.name: c for c in containers}
        if known != set(self.containers):
            self.apply_layout()  # the name column fits the longest name
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
        await self._follow_into_inbox(self.remote, name, name, generation)

    async def _follow_into_inbox(
        self, remote: RemoteDocker, name: str, key: str, generation: int, tag: str | None = None
    ) -> None:
        """Follow container `name` of `remote` into the inbox under the store key `key`
        (`tag`: the container name its entries carry, among several hosts)."""
        since, skip = self._resume_point(key)
        inbox = self._inbox

        def on_state(state: str, detail: str) -> None:
            if generation == self._generation:
                self.streams[key] = StreamState(state, detail)

        try:
            async for batch in remote.follow(
                name, since=since, on_state=on_state, max_retries=self.follow_retries
            ):
                if skip is not None:
                    batch = [e for e in batch if skip(e)]
                if tag is not None:
                    for entry in batch:
                        entry.container_name = tag
                if batch:
                    inbox.put(generation, key, batch)
                while inbox.full and generation == self._generation:
                    await asyncio.sleep(0.01)  # the UI is behind: stop reading, SSH pushes back
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one container's failure must not stop the others
            on_state("failed", str(exc))
        finally:
            if generation == self._generation:
                self._following.discard(key)

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
