"""What the columnar grouping's tests compare: entries and the assembler's state, chunk by chunk."""

from __future__ import annotations

from logtui.assembler import EntryAssembler
from logtui.columnar.grouping import ChunkGrouper
from logtui.models import LogEntry


def entry_key(entry: LogEntry) -> tuple:
    """Every field of an entry, as the spec shows it and as it is kept."""
    return (*entry.to_dict().items(), entry.stream, entry.docker_timestamp, entry.compact())


def state(assembler: EntryAssembler) -> tuple:
    """What the assembler carries to the next chunk (`_second` only speeds its stamp check)."""
    return tuple(getattr(assembler, name) for name in EntryAssembler.__slots__ if name != "_second")


def run(chunks: list[str], flushes: list[bool], columnar: bool) -> tuple[list[tuple], list[tuple]]:
    """Entries, and the assembler's state after each chunk (`flushes`: a quiet stream after it)."""
    assembler = EntryAssembler("c", "stdout")
    feed = ChunkGrouper(assembler).feed_text if columnar else assembler.feed_text
    entries: list[LogEntry] = []
    states = []
    for chunk, flush in zip(chunks, flushes, strict=True):
        entries += feed(chunk)
        states.append(state(assembler))
        if flush:
            entries += assembler.flush()
    entries += assembler.flush()
    return [entry_key(e) for e in entries], states
