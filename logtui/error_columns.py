"""Error grouping over columns (one list per field) instead of one entry at a time.

A summary over a million lines groups ~100k errors. Over that many entries, reading memory
costs more than the Python steps: each pass over the entries touches every entry (and its
raw line) again. So each entry is read once for its stamp and template
(`stamps_and_templates`), once for its level and once for its container (C-speed `map`),
and the rest works on those columns with C-speed passes (`zip`, `dict`, `set`, `sorted`).
The answers are those of the per-entry loops they replace (`tests/test_error_columns.py`
holds both).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, islice, repeat
from operator import add, attrgetter, eq, is_, le
from typing import Any

from .models import LogEntry

__all__ = ["ErrorGroup", "ErrorTable", "flagged", "spans", "stamps_and_templates", "time_order"]

_container = attrgetter("container_name")


def time_order(stamps: Sequence[str]) -> Sequence[int]:
    """The indexes of `stamps` in time order, equal stamps in their given order: the order
    a stable `sorted(..., key=timestamp)` gives. A range when they already are in order."""
    if all(map(le, stamps, islice(stamps, 1, None))):
        return range(len(stamps))
    return sorted(range(len(stamps)), key=stamps.__getitem__)


def stamps_and_templates(
    entries: Iterable[LogEntry], templates: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """Each entry's timestamp, and `templates[message]`, in one pass: the second read of an
    entry a separate pass would make costs as much as the first (memory, not Python)."""
    stamps: list[str] = []
    stamp = stamps.append  # (called in the condition, always true: a comprehension is quicker)
    found = [templates[e.message] for e in entries if stamp(e.timestamp) is None]
    return stamps, found


def flagged(values: Iterable[object], value: object) -> Iterable[bool]:
    """For each item, whether it `== value`."""
    return map(eq, values, repeat(value))


def spans(ranked: Sequence[str], order: Sequence[int]) -> tuple[dict[str, int], dict[str, int]]:
    """For each template, the index of an entry at its earliest stamp, and that of its last
    entry at its latest stamp, given the indexes in time order (equal stamps in the entries'
    order) and their templates in that order: what a loop over the entries keeping
    `min(first, ts)`, and taking the entry whenever `ts >= last`, ends with."""
    latest = dict(zip(ranked, order, strict=True))  # a later item overwrites an earlier one
    earliest = dict(zip(reversed(ranked), reversed(order), strict=True))
    return earliest, latest


@dataclass(slots=True)
class ErrorGroup:
    """Entries whose headlines share a template: one repeated error."""

    template: str
    count: int
    level: str
    """The worst level seen in the group."""
    containers: tuple[str, ...]
    """Sorted names of the containers where it occurred."""
    first_seen: str
    last_seen: str
    example: LogEntry
    """The most recent entry of the group."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "count": self.count,
            "level": self.level,
            "containers": list(self.containers),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


class ErrorTable:
    """Error entries as columns, a block (a container's errors) at a time."""

    def __init__(self) -> None:
        self.errors: list[LogEntry] = []
        self.stamps: list[str] = []
        self.templates: list[str] = []
        self.seq: Sequence[int] = range(0)
        """Every index once, in the order the entries count in (which template came first)."""
        self.critical: set[str] = set()
        """The templates of CRITICAL entries."""
        self.where: dict[str, set[str]] = {}
        """Each template's containers (of equal names, the first one seen)."""
        self.blocks = 0

    def add(
        self,
        errors: list[LogEntry],
        stamps: list[str],
        templates: list[str],
        seq: Sequence[int],
        critical: Iterable[bool],
    ) -> None:
        """A block: its entries with their stamps and templates, the order they count in
        (indexes into the block) and whether each is CRITICAL. The lists are kept, not copied."""
        self.critical.update(compress(templates, critical))
        names = list(map(_container, errors))
        if names and all(map(is_, names, repeat(names[0]))):  # one container: the usual block
            pairs: Iterable[tuple[str, str]] = zip(set(templates), repeat(names[0]))
        else:
            pairs = set(zip(templates, names, strict=True))  # of equal pairs, the first is kept
        for template, name in pairs:
            self.where.setdefault(template, set()).add(name)
        if not self.blocks:
            self.errors, self.stamps, self.templates, self.seq = errors, stamps, templates, seq
        else:
            if self.blocks == 1:  # from now on, the lists are the table's own
                self.errors, self.stamps = list(self.errors), list(self.stamps)
                self.templates, self.seq = list(self.templates), list(self.seq)
            offset = len(self.errors)
            self.errors += errors
            self.stamps += stamps
            self.templates += templates
            self.seq += map(add, seq, repeat(offset))  # type: ignore[operator]
        self.blocks += 1

    def groups(self, order: Sequence[int] | None = None) -> list[ErrorGroup]:
        """Each template's figures, in the order of their first entry in `seq`.

        `order`: every index in time order, equal stamps in `seq`'s order (default: sorted
        from the stamps, which is that order when each block's `seq` is its time order or
        the identity). The worst level is CRITICAL if any entry is, else ERROR; the example
        is the last entry (in `seq`) at the latest stamp, as a loop taking the entry whenever
        `ts >= last_seen` ends with.
        """
        templates, stamps = self.templates, self.stamps
        if order is None:
            order = time_order(stamps)
        ranked = list(map(templates.__getitem__, order))
        earliest, latest = spans(ranked, order)
        counts = Counter(ranked if order is self.seq else map(templates.__getitem__, self.seq))
        errors = self.errors
        return [
            ErrorGroup(
                template,
                count,
                "CRITICAL" if template in self.critical else "ERROR",
                tuple(sorted(self.where[template])),
                stamps[earliest[template]],
                stamps[latest[template]],
                errors[latest[template]],
            )
            for template, count in counts.items()
        ]
