"""Batches of entries from the followers to the UI: bounded, taken a budget at a time.

The followers append what they read; the UI takes at most one budget of entries per tick,
so a flood is drawn in slices and key presses get their turn. When the UI falls behind,
the inbox fills, the followers stop reading, SSH flow control stops the server, and
nothing is dropped while memory stays bounded.
"""

from __future__ import annotations

from collections import deque

from ..models import LogEntry

Batch = tuple[int, str, list[LogEntry]]
"""(window generation, container, entries) as one follower read them."""


class Inbox:
    """Batches waiting for the UI, oldest first."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        """Entries waiting at which followers pause."""
        self._batches: deque[Batch] = deque()
        self.backlog = 0
        """Entries waiting for the UI."""

    @property
    def full(self) -> bool:
        return self.backlog >= self.limit

    def put(self, generation: int, name: str, batch: list[LogEntry]) -> None:
        self._batches.append((generation, name, batch))
        self.backlog += len(batch)

    def take(self, budget: int) -> list[Batch]:
        """Whole batches, oldest first, until `budget` entries are reached (at least one batch)."""
        taken: list[Batch] = []
        count = 0
        batches = self._batches
        while batches and count < budget:
            batch = batches.popleft()
            taken.append(batch)
            count += len(batch[2])
        self.backlog -= count
        return taken

    def clear(self) -> None:
        self._batches.clear()
        self.backlog = 0
