"""Entries evicted while a search runs leave its final rows (`SearchView.show`), and only
they: the view remembers them by id, and a freed entry's id can be the next entry's."""

from __future__ import annotations

import re

from logtui.models import LogEntry
from logtui.tui.search_job import Outcome
from logtui.tui.search_view import SearchView
from logtui.tui.store import Filter, LogStore


def _fields(second: int, message: str) -> tuple[str, ...]:
    stamp = f"2025-08-16T14:00:{second:02d}.000000000Z"
    return ("a", stamp[:26], "INFO", message, f"{stamp} {message}", "stdout", stamp)


def _entry(second: int, message: str) -> LogEntry:
    return LogEntry(*_fields(second, message))


def test_a_line_made_after_an_eviction_is_not_taken_for_the_evicted_one() -> None:
    """Found by an attack pass: CPython gives a new entry the address of one just freed, so
    a matching live line, made right after an eviction, had the evicted entry's id and was
    dropped from the final rows. (The view now keeps what it evicted until the search ends;
    this fails on the old code where CPython's allocator reuses the block, as 3.11's does.)"""
    store = LogStore(max_lines_per_container=1)
    chosen = Filter(pattern=re.compile("keep", re.IGNORECASE))
    view = SearchView()
    view.begin(chosen)  # a search of an empty store starts
    store.add("a", [_entry(1, "drop")])
    evicted = store.add("a", [_entry(2, "drop")])
    view.remove(evicted)
    fields = _fields(3, "keep")
    del evicted  # the view is the only holder of the evicted entry now
    kept = LogEntry(*fields)  # where CPython puts it: the address just freed (if the view let it go)
    store.add("a", [kept])
    view.add([kept])
    view.show(Outcome(entries=[], searched=1, total=1, engine="literal", done=True), final=True)
    assert [e.message for e in view.rows] == ["keep"]


def test_entries_evicted_during_a_search_leave_its_rows() -> None:
    store = LogStore(max_lines_per_container=2)
    chosen = Filter(pattern=re.compile("keep", re.IGNORECASE))
    first = [_entry(1, "keep 1"), _entry(2, "keep 2")]
    store.add("a", first)
    view = SearchView()
    view.begin(chosen)
    third = _entry(3, "keep 3")
    view.remove(store.add("a", [third]))  # "keep 1" goes
    view.add([third])
    view.show(Outcome(entries=first, searched=2, total=2, engine="literal", done=True), final=True)
    assert [e.message for e in view.rows] == ["keep 2", "keep 3"]
