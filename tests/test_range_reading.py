"""A jumped-to range is read into its store batch by batch (`_range.read_into`): the store's
budget binds while the logs arrive, so 20 minutes of a busy server never sit whole in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from logtui.models import LogEntry
from logtui.tui._range import read_into
from logtui.tui.held import held_bytes
from logtui.tui.store import LogStore


def _batch(first: int, size: int) -> list[LogEntry]:
    out = []
    for i in range(first, first + size):
        stamp = f"2025-08-16T14:{i // 60 % 60:02d}:{i % 60:02d}.{i:09d}Z"
        text = f"request {i} served " + "x" * 100
        out.append(LogEntry("api", stamp[:26], "INFO", text, f"{stamp} {text}", "stdout", stamp))
    return out


async def test_the_store_takes_each_batch_as_it_arrives_within_its_budget() -> None:
    budget = held_bytes(_batch(0, 3000))
    store = LogStore(max_bytes=budget)
    held_before_each: list[int] = []

    async def arriving() -> AsyncIterator[list[LogEntry]]:
        for first in range(0, 20_000, 1000):
            held_before_each.append(store.size)
            yield _batch(first, 1000)

    await read_into(store, "api", arriving(), tag="web")
    assert held_before_each[:4] == [0, 1000, 2000, 3000]  # each batch stored before the next
    assert all(size <= 3000 for size in held_before_each) and store.bytes <= budget
    entries = list(store.buffers["api"])
    assert entries[-1].message.startswith("request 19999 ") and len(entries) < 3000
    assert {e.container_name for e in entries} == {"web"}
    assert store.total_dropped_by_budget == 20_000 - len(entries)


async def test_a_failed_read_closes_its_batches_and_keeps_what_came() -> None:
    store = LogStore()
    closed: list[bool] = []

    async def arriving() -> AsyncIterator[list[LogEntry]]:
        try:
            yield _batch(0, 10)
            raise RuntimeError("docker on host: exit status 1")
        finally:
            closed.append(True)

    with pytest.raises(RuntimeError, match="exit status 1"):
        await read_into(store, "api", arriving())
    assert closed == [True] and store.size == 10
