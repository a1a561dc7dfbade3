"""The dashboard over several hosts: one pool, poll loop, set of followers and state per host.

`FleetApp` is `LogtuiApp` with its data source (`_onehost`) replaced. Every host has its
own `RemoteDocker` (its own connection pool) from one `Fleet`, which bounds SSH logins
fleet-wide; each host is polled by a loop of its own, so an unreachable, slow or
key-refused host only ever holds up itself: the others fill the screen as they answer.
Polls are spread over the poll interval (host i's second poll waits i/n of it more), not
in lock-step, and each host sends what one host does while idle.

The store keys containers `host/container`; entries keep their plain container name, as
a `HostedName` that knows its host (`_hosted`). Everything else (filters, search, the
detail view, jumps, copy, the pager, export) works on those keys and names unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..config import Settings
from ..export import saved_file_document
from ..fleet import Fleet, entry_dict, host_key
from ..models import ContainerInfo, ContainerStats, LogEntry
from ..reader import ReaderFactory
from ..remote import RemoteDocker
from ..transport import HostKeyNotTrusted
from ._fleet_rows import row_host
from ._fleet_view import FleetViewMixin
from ._help import FLEET_KEYS, HelpScreen
from ._hosted import HostedName, entry_host, entry_key, key_host, key_name
from ._layout import HOST_CAP
from ._onehost import STATS_EVERY, StreamState
from ._range import RangeTally, read_into
from .app import LogtuiApp
from .store import Filter, LogStore


@dataclass
class HostState:
    """One host as the dashboard knows it."""

    name: str
    remote: RemoteDocker
    index: int
    connection: str = "connecting"
    """connecting, connected, reconnecting or failed."""
    detail: str = ""
    """Why it is not connected."""
    polls: int = 0
    answered: bool = False
    """It has answered a poll once (a later failure is 'reconnecting')."""


def fleet_label(names: Sequence[str]) -> str:
    """The header's name for the hosts: their names when short, else how many."""
    joined = ", ".join(names)
    return joined if len(joined) <= 20 else f"{len(names)} hosts"


class FleetApp(FleetViewMixin, LogtuiApp):
    """logtui's dashboard over several hosts."""

    ALL_LABEL = "all hosts"
    MERGE_OVERLAP = 20_000
    """Hosts deliver a second or more apart: their lines are merged in rather than the kept
    merge being dropped (and rebuilt whole at the next key press)."""

    def __init__(self, hosts: Sequence[Settings], **options: Any) -> None:
        if len(hosts) < 2:
            raise ValueError("FleetApp needs at least two hosts (one host: LogtuiApp)")
        names = [s.display for s in hosts]
        options.setdefault("host_label", fleet_label(names))
        super().__init__(hosts[0], **options)
        self.host_settings = list(hosts)
        self.fleet: Fleet | None = None
        self.hosts: dict[str, HostState] = {}
        self._rates: dict[str, list[int]] = {}

    # -- the data source: one loop per host ----------------------------------------------------

    def _open_remotes(self, readers: ReaderFactory | None) -> None:
        self.fleet = Fleet(self.host_settings, reader_factory=readers)
        self.hosts = {
            name: HostState(name, remote, index)
            for index, (name, remote) in enumerate(self.fleet.remotes.items())
        }
        self.log_pane.longest_host = min(HOST_CAP, max(map(len, self.hosts)))
        self.log_pane.relook()
        self.apply_layout()

    def _start_polling(self) -> None:
        for host in self.hosts.values():
            self.run_worker(
                self._host_loop(host), name=f"poll:{host.name}", group="poll", exit_on_error=False
            )

    async def _close_remotes(self) -> None:
        if self.fleet is not None:
            await self.fleet.close()

    async def _host_loop(self, host: HostState) -> None:
        """Poll one host until the app closes (or its settings cannot work)."""
        while await self._poll_host(host):
            delay = self.poll_interval
            if host.polls == 1:  # spread the hosts over one interval: not all at once
                delay += self.poll_interval * host.index / len(self.hosts)
            await asyncio.sleep(delay)

    async def _poll_host(self, host: HostState) -> bool:
        """One host's `docker ps` (and stats every STATS_EVERY-th time); False: stop polling."""
        remote = host.remote
        try:
            containers = await remote.list_containers()
            host.connection, host.detail, host.answered = "connected", "", True
            self._set_host_containers(host, containers)
            running = [c.name for c in containers if c.running]
            if running and (host.polls % STATS_EVERY == 0 or not self._host_keys(self.stats, host.name)):
                with contextlib.suppress(RuntimeError):  # a nicety; the next poll tries again
                    self._set_host_stats(host.name, await remote.stats(running))
        except HostKeyNotTrusted as exc:
            host.connection, host.detail = "failed", str(exc)
        except ValueError as exc:  # unusable key or settings: retrying will not help
            host.connection, host.detail = "failed", str(exc)
            return False
        except RuntimeError as exc:
            host.connection = "reconnecting" if host.answered else "failed"
            host.detail = str(exc)
            self._set_host_stats(host.name, [])  # stale numbers would mislead
        finally:
            host.polls += 1
            self._refresh_containers()
            self._update_status()
        return True

    def _set_host_containers(self, host: HostState, containers: list[ContainerInfo]) -> None:
        old = set(self._host_keys(self.containers, host.name))
        listed = {host_key(host.name, c.name): c for c in containers}
        for key in old - set(listed):
            del self.containers[key]
        self.containers.update(listed)
        if old != set(listed):
            self.apply_layout()  # the name column fits the longest name
        for key, info in listed.items():
            if info.state == "created" or key in self._following:
                continue
            if key in self._followed and not info.running:
                continue  # an exited container's log is complete: read once per window
            self._start_follower(key)
        self.log_pane.set_names(list(self.containers))

    def _set_host_stats(self, host: str, stats: list[ContainerStats]) -> None:
        for key in self._host_keys(self.stats, host):
            del self.stats[key]
        self.stats.update({host_key(host, s.name): s for s in stats})

    def _start_follower(self, name: str) -> None:
        """`name`: the container's key, `host/container`."""
        host = self.hosts[key_host(name) or ""]
        self._following.add(name)
        self._followed.add(name)
        self.streams[name] = StreamState()
        self.run_worker(
            self._follow_on(host, name, self._generation),
            name=f"follow:{name}",
            group="follow",
            exit_on_error=False,
        )

    async def _follow_on(self, host: HostState, key: str, generation: int) -> None:
        """One container's stream on one host; its entries tagged with the host."""
        name = key_name(key)
        await self._follow_into_inbox(host.remote, name, key, generation, HostedName(name, host.name))

    def _pin(self, filter: Filter) -> None:
        """The container looked at gets a live channel first, on its host."""
        for host in self.hosts.values():
            chosen = filter.container if key_host(filter.container or "") == host.name else None
            host.remote.pin([key_name(chosen)] if chosen else [])

    def _problems(self) -> dict[str, str]:
        """Hosts that are not connected (their streams say nothing more), failing streams."""
        problems = {
            key: f"{s.state}: {s.detail}" if s.detail else s.state
            for key, s in self.streams.items()
            if s.state in ("reconnecting", "failed")
            and self.hosts[key_host(key) or ""].connection == "connected"
        }
        for host in self.hosts.values():
            if host.connection in ("reconnecting", "failed") and host.detail:
                problems[host.name] = f"{host.connection}: {host.detail}"
        return problems

    def select_container(self, name: str | None) -> None:
        """A host row shows that host's containers merged; a container row, that container."""
        host = row_host(name)
        if host is not None:
            self._apply_filter(replace(self.filter, container=None, host=host))
        else:
            super().select_container(name)

    # -- jump, export -------------------------------------------------------------------------

    async def _fetch_range(self, moment: datetime) -> None:
        """The logs around `moment` of every container of every connected host."""
        jobs = [
            (key, self.hosts[key_host(key) or ""])
            for key, info in self.containers.items()
            if info.state != "created" and self.hosts[key_host(key) or ""].connection == "connected"
        ]

        def reads(
            store: LogStore, tally: RangeTally, since: str, until: str
        ) -> list[tuple[str, Coroutine[Any, Any, None]]]:
            return [
                (
                    key,
                    read_into(
                        store,
                        key,
                        host.remote.log_batches(key_name(key), since=since, until=until),
                        HostedName(key_name(key), host.name),
                        tally,
                    ),
                )
                for key, host in jobs
            ]

        failed = [f"{h.name}: not connected" for h in self.hosts.values() if h.connection != "connected"]
        await self._read_range(moment, reads, failed)

    def export_document(self, entries: list[LogEntry]) -> dict[str, Any]:
        """The saved-file form of `logtui save` over several hosts: containers keyed
        `host/container`, each entry with its `host`; the hosts and their failures."""
        grouped: dict[str, list[dict[str, Any]]] = {}
        for entry in entries:
            data = entry_dict(entry, entry_host(entry))
            data["container_name"] = str(entry.container_name)  # the plain name, a plain str
            grouped.setdefault(entry_key(entry), []).append(data)
        document = saved_file_document(grouped)
        hosts = list(self.hosts.values())
        document["hosts"] = [h.name for h in hosts]
        document["host_errors"] = {
            h.name: h.detail for h in hosts if h.connection != "connected" and h.detail
        }
        return document

    def action_help(self) -> None:
        self.push_screen(HelpScreen(FLEET_KEYS))

    def set_window(self, hours: float) -> None:
        self._rates.clear()
        super().set_window(hours)
