"""One host's SSH connections, each with a channel budget inside the server's `MaxSessions`.

A stock OpenSSH server lets one connection hold 10 channels at once (`MaxSessions 10`) and
drops connections that are still authenticating once too many arrive together
(`MaxStartups 10:30:100`). A dashboard that opens one `docker logs --follow` channel per
container on one connection therefore fails on any server with more than nine containers.

The pool never asks a connection for more channels than it believes the server allows. Long
lived streams may fill a connection up to its limit less one, so a one-shot command (`ps`,
`stats`, `inspect`, a history read) always finds a channel. When the server refuses a
channel, the connection's limit is lowered to what it really holds, and the caller places
the channel elsewhere: a refusal is not a lost connection. More connections are opened one at
a time, never in parallel, up to `max_connections`; a connection that has carried nothing for
a while is closed again (the first one stays).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncssh
import structlog

IDLE_CLOSE_S = 60.0
"""A connection beyond the first that has carried no channel this long is closed."""

RETRY_MORE_CONNECTIONS_S = 60.0
"""After the server refused one more connection, how long the pool stays at the size it has."""

LINGER_S = 3.0
"""OpenSSH frees a session only once its command has exited, a moment after the channel
closed: a refusal this soon after a close says nothing about the server's limit."""

_log = structlog.get_logger("logtui.pool")


class ConnectionFailed(RuntimeError):
    """The server could not be reached, refused us, or the link dropped."""


class HostKeyNotTrusted(ConnectionFailed):
    """The server's host key is unknown, or differs from the one we trust."""


class PoolClosed(ConnectionFailed):
    """The pool was closed: nothing more will be sent to this host (not worth a retry)."""


class ChannelRefused(RuntimeError):
    """The server refused to open one more channel on a connection (its MaxSessions).

    The connection itself is fine: the channel is placed on another connection, or the
    stream is polled, without any backoff or reconnect.
    """


@dataclass(eq=False)
class PooledConnection:
    """One authenticated SSH connection and the channels it carries."""

    number: int
    """1, 2, ... in the order the pool opened them (the audit log names it)."""
    conn: asyncssh.SSHClientConnection
    limit: int
    """Channels the server is believed to allow on this connection at once."""
    in_use: int = 0
    """Channels placed here: open, or being opened."""
    open: int = 0
    """Of `in_use`, the channels the server has accepted."""
    live: int = 0
    """Of `in_use`, the long-lived streams (`docker logs --follow`)."""
    idle_since: float = field(default_factory=time.monotonic)
    last_closed: float = -1e9
    """When a channel here last closed: the server may hold its session a moment longer."""
    slots: set[Slot] = field(default_factory=set)
    """The places taken on this connection."""
    sent: int = 0
    """Channel opens sent on this connection so far (numbers them, for `refused`)."""

    @property
    def alive(self) -> bool:
        return not self.conn.is_closed()

    def room(self, *, live: bool) -> int:
        """Channels of this kind it can still take; a stream leaves one for one-shots."""
        return self.limit - (1 if live else 0) - self.in_use


class Slot:
    """The right to one channel on one connection, held until that channel has closed."""

    def __init__(self, pool: HostPool, connection: PooledConnection, *, live: bool) -> None:
        self.pool = pool
        self.connection = connection
        self.live = live
        self.opened = False
        self.released = False
        self.sequence: int | None = None
        """When its channel open was sent, among this connection's (None: not yet)."""
        connection.slots.add(self)

    def sending(self) -> None:
        """Its channel open goes to the server now."""
        self.connection.sent += 1
        self.sequence = self.connection.sent

    def accepted(self) -> None:
        """The server opened the channel: the connection holds at least this many."""
        self.opened = True
        pc = self.connection
        pc.open += 1
        pc.limit = max(pc.limit, pc.open)

    def release(self) -> None:
        """Give the place back (idempotent)."""
        if not self.released:
            self.released = True
            self.pool._release(self)


@dataclass(frozen=True)
class PoolState:
    """What the header, `status` and the tests show of a pool."""

    connections: int
    channels: int
    live: int
    limits: tuple[int, ...]


class HostPool:
    """The connections to one host, opened lazily and one at a time."""

    def __init__(
        self,
        open_connection: Callable[[], Awaitable[asyncssh.SSHClientConnection]],
        *,
        max_sessions: int,
        max_connections: int,
        label: str = "",
        idle_close_s: float = IDLE_CLOSE_S,
    ) -> None:
        self._open_connection = open_connection
        self.max_sessions = max_sessions
        self.max_connections = max_connections
        self.label = label
        self.idle_close_s = idle_close_s
        self.connections: list[PooledConnection] = []
        self.opened = 0
        """Connections opened so far (reconnects included)."""
        self._opening = False
        self._changed = asyncio.Event()
        self._cap_learned: int | None = None
        self._cap_until = 0.0
        self._idle_timer: asyncio.TimerHandle | None = None
        self._closed = False
        self.on_overfull: Callable[[PooledConnection], None] | None = None
        """Called when a connection's streams leave it no channel for one-shot commands."""

    # -- what callers ask -------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return any(pc.alive for pc in self.connections)

    def state(self) -> PoolState:
        self._prune()
        return PoolState(
            connections=len(self.connections),
            channels=sum(pc.in_use for pc in self.connections),
            live=sum(pc.live for pc in self.connections),
            limits=tuple(pc.limit for pc in self.connections),
        )

    @property
    def live_capacity(self) -> int:
        """Streams the pool could hold at once with every connection open."""
        per_connection = max(0, min((pc.limit for pc in self.connections), default=self.max_sessions) - 1)
        return per_connection * self._cap()

    async def ensure_connected(self) -> None:
        """Open the first connection if none is open (raises ConnectionFailed or ValueError)."""
        if not self.alive:
            slot = await self.reserve(live=False)
            slot.release()

    async def reserve(self, *, live: bool) -> Slot | None:
        """A place for one channel, opening a connection if that is allowed and needed.

        A one-shot command (`live=False`) waits for a place when every connection is full;
        a stream (`live=True`) gets None instead, and is read by polling.
        """
        while True:
            if self._closed:
                raise PoolClosed(f"the connections to {self.label} are closed")
            self._prune()
            slot = self._take(live=live)
            if slot is not None:
                return slot
            if self._opening or (len(self.connections) >= self._cap() and not live):
                await self._wait_for_change()
                continue
            if len(self.connections) >= self._cap():
                return None
            opened = await self._open_one()
            if opened is not None and opened.room(live=live) > 0:
                # Straight onto the new connection, even if the server has closed it again
                # meanwhile: the channel open then fails as a lost connection, which the
                # caller reports or backs off from (re-opening here would loop).
                return self._place(opened, live=live)
            if opened is None:
                if live:
                    return None
                await self._wait_for_change()

    def refused(self, slot: Slot) -> None:
        """The server refused the channel of `slot`: it holds no more than it has open now.

        Streams placed before the limit was known may leave no channel for one-shots on
        that connection: `on_overfull` is asked to move one of them.
        """
        pc = slot.connection
        # The server answers channel opens in order: every open sent before this one that
        # is still held was accepted (its exec request may still be on its way).
        before = sum(
            1
            for other in pc.slots
            if other is not slot and other.sequence is not None and other.sequence < (slot.sequence or 0)
        )
        lingering = time.monotonic() - pc.last_closed < LINGER_S
        if before < pc.limit and not lingering:
            pc.limit = max(1, before)
            _log.warning("channel_refused", host=self.label, connection=pc.number, channels_allowed=pc.limit)
        slot.release()
        if pc.live > pc.limit - 1 and self.on_overfull is not None:
            self.on_overfull(pc)

    def lost(self, connection: PooledConnection) -> None:
        """The connection failed: forget it, so the next channel goes to a fresh one."""
        if connection in self.connections:
            self.connections.remove(connection)
            self._wake()
        connection.conn.abort()

    async def close(self) -> None:
        self._closed = True
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        connections, self.connections = self.connections, []
        for pc in connections:
            pc.conn.close()
        for pc in connections:
            with contextlib.suppress(TimeoutError, asyncssh.Error, OSError):
                await asyncio.wait_for(pc.conn.wait_closed(), 5)
        self._wake()

    # -- inside -----------------------------------------------------------------------------

    def _cap(self) -> int:
        if self._cap_learned is not None and time.monotonic() < self._cap_until:
            return self._cap_learned
        return self.max_connections

    def _prune(self) -> None:
        """Drop connections that closed underneath us (the server or the network ended them)."""
        dead = [pc for pc in self.connections if not pc.alive]
        for pc in dead:
            self.connections.remove(pc)
        if dead:
            self._wake()

    def _take(self, *, live: bool) -> Slot | None:
        """Streams pack onto the first connection with room; one-shots take the emptiest."""
        fitting = [pc for pc in self.connections if pc.room(live=live) > 0]
        if not fitting:
            return None
        return self._place(fitting[0] if live else max(fitting, key=lambda c: c.room(live=False)), live=live)

    def _place(self, pc: PooledConnection, *, live: bool) -> Slot:
        pc.in_use += 1
        pc.live += live
        return Slot(self, pc, live=live)

    async def _open_one(self) -> PooledConnection | None:
        """Open one more connection (only one is ever being opened). None: the server said no."""
        self._opening = True
        try:
            conn = await self._open_connection()
        except HostKeyNotTrusted:
            raise
        except ConnectionFailed as exc:
            if not self.connections or self._closed:
                raise
            # The server (MaxStartups, a per-user limit, a firewall) will not take one more:
            # stay at the size we have for a while instead of hammering it.
            self._cap_learned = len(self.connections)
            self._cap_until = time.monotonic() + RETRY_MORE_CONNECTIONS_S
            _log.warning(
                "connection_refused", host=self.label, connections=len(self.connections), error=str(exc)
            )
            return None
        finally:
            self._opening = False
            self._wake()
        if self._closed:
            conn.abort()
            raise PoolClosed(f"the connections to {self.label} are closed")
        self.opened += 1
        number = max((pc.number for pc in self.connections), default=0) + 1
        limit = min((pc.limit for pc in self.connections), default=self.max_sessions)
        opened = PooledConnection(number, conn, limit)
        self.connections.append(opened)
        return opened

    def _release(self, slot: Slot) -> None:
        pc = slot.connection
        pc.slots.discard(slot)
        if slot.opened:
            pc.last_closed = time.monotonic()
        pc.in_use -= 1
        pc.open -= slot.opened
        pc.live -= slot.live
        if pc.in_use == 0:
            pc.idle_since = time.monotonic()
            self._schedule_idle_check()
        self._wake()

    def _schedule_idle_check(self) -> None:
        if self._closed or len(self.connections) < 2 or self._idle_timer is not None:
            return
        with contextlib.suppress(RuntimeError):  # no running loop: nothing to schedule
            loop = asyncio.get_running_loop()
            self._idle_timer = loop.call_later(self.idle_close_s + 0.05, self._close_idle)

    def _close_idle(self) -> None:
        """Close connections beyond the first that carried nothing for `idle_close_s`."""
        self._idle_timer = None
        now = time.monotonic()
        for pc in list(self.connections[1:]):
            if pc.in_use == 0 and now - pc.idle_since >= self.idle_close_s:
                self.connections.remove(pc)
                pc.conn.close()
        if any(pc.in_use == 0 for pc in self.connections[1:]):
            self._schedule_idle_check()  # one went idle later than the others: look again

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_for_change(self) -> None:
        await self._changed.wait()
