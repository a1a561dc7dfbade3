"""What the dashboard over several hosts shows: the header's hosts, the grouped containers
pane, the facts of a host, the connections of all hosts or of the one looked at.

A mixin of `_fleet.FleetApp` (which holds `hosts`, one `HostState` each): pure formatting
of its state, with the servers' words sanitised and never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text

from ..textsafe import one_line
from ._containers import ALL, ContainerRow, Row
from ._fleet_rows import HostRow, ReasonRow, row_host, short_reason
from ._hosted import key_host, key_name
from ._layout import MEDIUM, list_columns
from .render import safe_text, short_memory, short_status, sparkline
from .store import Filter

if TYPE_CHECKING:
    from ._fleet import HostState


class FleetViewMixin:
    """The status, containers pane and details of `FleetApp`."""

    _drawn_shape: tuple[object, ...] = ()

    @staticmethod
    def _host_keys(mapping: dict[str, Any], host: str) -> list[str]:
        """The keys (`host/container`) of one host in `mapping`."""
        return [k for k in mapping if key_host(k) == host]

    def _selected_host(self) -> str | None:
        return self.filter.host or key_host(self.filter.container or "")

    def _connection_summary(self) -> tuple[str, str]:
        """`5/6 hosts connected`, and why the first host that is not, is not."""
        up = sum(h.connection == "connected" for h in self.hosts.values())
        down = [h for h in self.hosts.values() if h.connection in ("reconnecting", "failed")]
        detail = f"{down[0].name}: {short_reason(down[0].detail)}" if down else ""
        if len(down) > 1:
            detail += f" (+{len(down) - 1} more)"
        return f"{up}/{len(self.hosts)} hosts connected", detail

    def _state_style(self, state: str) -> str:
        states = [h.connection for h in self.hosts.values()]
        if states and all(s == "connected" for s in states):
            return "green"
        if states and all(s == "failed" for s in states):
            return "bold red"
        return "yellow"

    def _skipped(self) -> tuple[str, ...]:
        return tuple(f"{h.name}: {name}" for h in self.hosts.values() for name in h.remote.skipped)

    def channels_text(self) -> Text:
        """Connections and streams of every host, or of the one looked at."""
        selected = self._selected_host()
        hosts = [self.hosts[selected]] if selected in self.hosts else list(self.hosts.values())
        conns = live = polled = 0
        cycle = 0.0
        for host in hosts:
            conns += host.remote.transport.pool.state().connections
            rotation = host.remote.rotation.state()
            live, polled = live + len(rotation.live), polled + len(rotation.polled)
            if rotation.polled:
                cycle = max(cycle, rotation.cycle_s)
        text = Text(f"{selected}: " if selected in self.hosts else "", "bold")
        text.append(f"{conns} conn{'s' if conns != 1 else ''} · {live + polled} streams")
        if polled:
            text.append(f" ({polled} polled, ~{cycle:.0f}s)", "cyan")
        return text

    def apply_layout(self, width: int | None = None) -> None:
        """As one host's, with plain container names, and room for the host column."""
        zoom = self.view.zoom
        left = self.query_one("#left")
        left.display = self.view.containers and not zoom
        self.query_one("#errors").display = not zoom
        longest = max((len(key_name(k)) for k in self.containers), default=14)
        longest = max(longest, *(len(h) for h in self.hosts)) if self.hosts else longest
        total = width or self.size.width
        if total < MEDIUM:  # the log rows' host column takes its columns from the list
            total -= self.log_pane.longest_host + 1
        columns = list_columns(total, longest)
        self.container_list.set_columns(columns)
        left.styles.width = columns.width

    def _recount(self) -> None:
        now = self.clock()
        total = 0
        self._rates = {}
        for key in self.store.names:
            counts = self._rates[key] = self.store.rate(key, now)
            self._spark[key] = sparkline(counts)
            total += sum(counts[-5:])
        self.lines_per_second = total / 10.0
        self._refresh_digest()
        self._draw_containers()

    def _spark_of(self, keys: Sequence[str]) -> str:
        rates = [self._rates[k] for k in keys if k in self._rates]
        return sparkline([sum(column) for column in zip(*rates, strict=True)]) if rates else ""

    def _refresh_containers(self) -> None:
        """Redraw the pane now if a host's state or the containers changed (the screen fills
        host by host), else at the next second's recount: every change of a cell redraws
        the whole table, and a dozen hosts' polls, stats and counts would do that many
        times a second."""
        shape = self._shape()
        if shape != self._drawn_shape:
            self._draw_containers()

    def _shape(self) -> tuple[object, ...]:
        return (tuple(h.connection for h in self.hosts.values()), tuple(self.containers), self.filter)

    def _draw_containers(self) -> None:
        """All hosts, then each host's row (and why it is down), then its containers."""
        self._drawn_shape = self._shape()
        chosen = self.filter
        counts = self.digest.counts
        rows: list[Row] = [
            ContainerRow(
                ALL,
                status=f"{sum(1 for c in self.containers.values() if c.running)}/{len(self.containers)} up",
                errors=sum(counts.values()),
                spark=self._spark_of(list(self._rates)),
                selected=chosen.container is None and chosen.host is None,
                label=self.ALL_LABEL,
            )
        ]
        for host in self.hosts.values():
            keys = sorted(
                self._host_keys(self.containers, host.name), key=lambda k: (not self.containers[k].running, k)
            )
            keys += [k for k in self._host_keys(self.store.buffers, host.name) if k not in self.containers]
            running = sum(1 for k in keys if (info := self.containers.get(k)) is not None and info.running)
            status = f"{running}/{len(keys)} up" if host.connection == "connected" else host.connection
            rows.append(
                HostRow(
                    host.name,
                    host.connection,
                    status,
                    errors=sum(n for k, n in counts.items() if key_host(k) == host.name),
                    spark=self._spark_of(keys),
                    selected=chosen.host == host.name and chosen.container is None,
                )
            )
            if host.connection != "connected" and host.detail:
                rows.append(ReasonRow(host.name, short_reason(host.detail), host.connection))
            rows.extend(self._container_row(key, chosen) for key in keys)
        self.container_list.update_rows(rows, ordered=True)
        self._update_details()

    def _container_row(self, key: str, chosen: Filter) -> ContainerRow:
        info = self.containers.get(key)
        stats = self.stats.get(key)
        stream = self.streams.get(key)
        running = info is not None and info.running
        return ContainerRow(
            key,
            state=info.state if info else "removed",
            status=short_status(info.state, info.status) if info else "removed",
            errors=self.digest.counts.get(key, 0),
            cpu=f"{stats.cpu_percent:.1f}%" if stats and running else "",
            mem=short_memory(stats.mem_usage) if stats and running else "",
            spark=self._spark.get(key, ""),
            stream=stream.state if stream else "",
            selected=chosen.container == key,
            label=key_name(key),
        )

    def details_text(self, name: str | None) -> Text:
        """Facts about the row under the cursor: a host's, a container's, or all hosts'."""
        host = self.hosts.get(row_host(name) or "")
        if host is not None:
            return self._host_details(host)
        if name in self.containers:
            return super().details_text(name)
        text = Text(end="", no_wrap=True, overflow="ellipsis")
        up = sum(h.connection == "connected" for h in self.hosts.values())
        running = sum(1 for c in self.containers.values() if c.running)
        text.append(f"{len(self.hosts)} hosts ({up} connected), ", "bold")
        text.append(f"{len(self.containers)} containers, {running} running\n", "bold")
        text.append("enter: show a host's or a container's logs · tab: next pane", "dim")
        return text

    def _host_details(self, host: HostState) -> Text:
        keys = self._host_keys(self.containers, host.name)
        running = sum(1 for k in keys if self.containers[k].running)
        rotation = host.remote.rotation.state()
        facts = [
            ("address", host.remote.settings.label),
            ("state", host.connection),
            ("why", host.detail or "-"),
            ("running", f"{running} of {len(keys)} containers"),
            ("conns", str(host.remote.transport.pool.state().connections)),
            ("streams", f"{len(rotation.live)} live, {len(rotation.polled)} polled"),
        ]
        text = Text(end="", no_wrap=True, overflow="ellipsis")
        text.append_text(safe_text(one_line(host.name), "bold"))
        for label, value in facts:  # the server's words (a disconnect reason): sanitised text
            text.append(f"\n{label:>8} ", "dim")
            text.append_text(safe_text(one_line(value)))
        return text
