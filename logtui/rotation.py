"""Which followed containers hold a live channel, and the turns of those that are polled.

A host's pool holds `connections × (MaxSessions − 1)` live streams at most. Beyond that, a
container is read in rotation with `docker logs --since <last stamp>` (exact, through the same
`ResumePoint` as a reconnect). The rotation bounds the commands it sends: at most
`polls_per_minute` polls on the host, and each polled container is read about every
`cycle_s` seconds. Containers that matter get the live channels: the selected ones (pinned)
first, then those with recent output; a live container that has been quiet for `quiet_s`
gives its channel to a polled one that is writing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

POLLS_PER_MINUTE = 120
"""Poll commands one host is sent per minute at most, whatever the number of containers."""

MIN_CYCLE_S = 2.0
"""A polled container is read at most this often."""

QUIET_S = 30.0
"""A live container without output this long may give its channel to a busier one."""

RECENT_S = 30.0
"""A polled container that had output this recently wants a live channel."""


class Demoted(Exception):
    """A live stream gave its channel to a container that needs it more (internal)."""


@dataclass(eq=False)
class Lease:
    """A live stream's hold on its channel; `revoked` asks it to close and poll instead."""

    name: str
    connection: object = None
    """The pooled connection carrying the stream (`logtui.pool.PooledConnection`)."""
    since: float = field(default_factory=time.monotonic)
    revoked: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class RotationState:
    live: tuple[str, ...]
    polled: tuple[str, ...]
    cycle_s: float


class FollowRotation:
    """Shared by every follower of one host; all of it runs on one event loop."""

    def __init__(
        self,
        *,
        polls_per_minute: int = POLLS_PER_MINUTE,
        min_cycle_s: float = MIN_CYCLE_S,
        quiet_s: float = QUIET_S,
    ) -> None:
        self.gap_s = 60.0 / polls_per_minute
        self.min_cycle_s = min_cycle_s
        self.quiet_s = quiet_s
        self.live: dict[str, Lease] = {}
        self.polled: dict[str, asyncio.Event] = {}
        """Polled containers and the event that wakes one before its turn."""
        self.pinned: set[str] = set()
        self.last_output: dict[str, float] = {}
        self._next_poll_at = 0.0
        self._rate = asyncio.Lock()
        self._revoking: Lease | None = None

    # -- what followers tell ----------------------------------------------------------------

    def went_live(self, name: str, connection: object = None) -> Lease:
        self.polled.pop(name, None)
        lease = Lease(name, connection)
        self.live[name] = lease
        if self._revoking is not None and self._revoking.name == name:
            self._revoking = None
        return lease

    def left_live(self, name: str, lease: Lease) -> None:
        """A live stream closed: the most wanted polled container may take its place now."""
        if self.live.get(name) is lease:
            del self.live[name]
        if self._revoking is lease:
            self._revoking = None
        wanted = self._most_wanted_polled()
        if wanted is not None:
            self.polled[wanted].set()

    def output(self, name: str) -> None:
        self.last_output[name] = time.monotonic()

    def forget(self, name: str) -> None:
        self.polled.pop(name, None)
        self.last_output.pop(name, None)

    def pin(self, names: set[str]) -> None:
        """The containers the user is looking at: they get live channels first."""
        self.pinned = set(names)
        for name in names & set(self.polled):
            self.polled[name].set()

    # -- the rotation -----------------------------------------------------------------------

    @property
    def cycle_s(self) -> float:
        """About how often each polled container is read."""
        return max(self.min_cycle_s, len(self.polled) * self.gap_s)

    def state(self) -> RotationState:
        return RotationState(tuple(sorted(self.live)), tuple(sorted(self.polled)), self.cycle_s)

    async def turn(self, name: str, *, first: bool) -> None:
        """Wait for `name`'s next poll: a cycle after its last one, within the host's rate.

        Returns early when the container is pinned or a live channel may have come free.
        """
        wake = self.polled.setdefault(name, asyncio.Event())
        if not first:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.cycle_s):  # not wait_for: it can drop a cancel
                    await wake.wait()
        wake.clear()
        async with self._rate:  # FIFO: the containers take their turns in order
            delay = self._next_poll_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._next_poll_at = time.monotonic() + self.gap_s

    def make_room(self, name: str) -> bool:
        """Ask the quietest live stream to give its channel to `name`, if `name` deserves it.

        One hand-over at a time. A pinned container may take any unpinned stream's channel;
        a container with recent output only one that has been quiet for `quiet_s`.
        """
        if self._revoking is not None:
            return False
        now = time.monotonic()
        pinned = name in self.pinned
        if not pinned and now - self.last_output.get(name, -1e9) > RECENT_S:
            return False
        candidates = [
            lease
            for lease in self.live.values()
            if lease.name not in self.pinned
            and not lease.revoked.is_set()
            and now - lease.since >= self.min_cycle_s
            and (pinned or now - self.last_output.get(lease.name, lease.since) >= self.quiet_s)
        ]
        if not candidates:
            return False
        victim = min(candidates, key=lambda lease: self.last_output.get(lease.name, lease.since))
        victim.revoked.set()
        self._revoking = victim
        return True

    def evict_from(self, connection: object) -> None:
        """Move the quietest unpinned stream off `connection`, to free a channel for one-shots."""
        leases = [
            lease
            for lease in self.live.values()
            if lease.connection is connection and not lease.revoked.is_set() and lease.name not in self.pinned
        ]
        if leases:
            min(leases, key=lambda lease: self.last_output.get(lease.name, lease.since)).revoked.set()

    def _most_wanted_polled(self) -> str | None:
        if not self.polled:
            return None
        return max(
            self.polled,
            key=lambda n: (n in self.pinned, self.last_output.get(n, -1e9)),
        )
