"""The inbox between followers and the UI: budgets per tick, a backlog that pushes back."""

from __future__ import annotations

from logtui.models import LogEntry
from logtui.tui._inbox import Inbox


def batch(size: int) -> list[LogEntry]:
    return [LogEntry("c", "t", "INFO", str(i), str(i)) for i in range(size)]


def test_take_hands_over_whole_batches_up_to_the_budget_in_order() -> None:
    inbox = Inbox(limit=100)
    for size, name in [(30, "a"), (30, "b"), (30, "c"), (5, "d")]:
        inbox.put(0, name, batch(size))
    assert inbox.backlog == 95 and not inbox.full
    first = inbox.take(50)
    assert [name for _, name, _ in first] == ["a", "b"]  # 60: the batch that crosses the budget goes too
    assert inbox.backlog == 35
    assert [name for _, name, _ in inbox.take(1)] == ["c"]
    assert [name for _, name, _ in inbox.take(1000)] == ["d"]
    assert inbox.take(10) == [] and inbox.backlog == 0


def test_a_full_inbox_says_so_until_the_ui_catches_up() -> None:
    inbox = Inbox(limit=40)
    inbox.put(1, "a", batch(25))
    inbox.put(1, "a", batch(25))
    assert inbox.full
    inbox.take(1)
    assert not inbox.full and inbox.backlog == 25
    inbox.clear()
    assert inbox.backlog == 0 and inbox.take(100) == []
