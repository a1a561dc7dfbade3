"""A first-in first-out queue of log entries that keeps at most a few MiB in memory.

Streaming output in time order means holding one source's entries until every other
source has shown where it stands: a container that writes nothing to stderr reports so
only when its `docker logs` ends, and `logs` across 40 containers cannot print the first
one's lines before the last one has started. Held in memory, that is the whole history
again (the CLI's peak memory grew with history length). So what is held past a bound goes
to a private temporary file (unlinked at once, mode 0600: logs can hold secrets) and comes
back in order: memory stays bounded, nothing is lost, and the cost is disk I/O only in the
case that needs it.
"""

from __future__ import annotations

import marshal
import tempfile
from collections import deque
from typing import IO

from .models import LogEntry

MEMORY_BYTES = 8 << 20
"""Raw-line bytes a queue holds in memory before it spills the rest to its file; a merge's
sources (`TimeMerge`) and the history reads running at once (`history`) share it."""
SEGMENT_BYTES = 1 << 20
"""Raw-line bytes per segment written to the file (one `marshal` record), at most."""
MIN_SEGMENT_BYTES = 64 << 10
"""Raw-line bytes per segment at least (a queue with a small share of memory)."""


def _size(batch: list[LogEntry]) -> int:
    return sum(len(e._raw) for e in batch) + 64 * len(batch)


class SpillQueue:
    """Batches of entries in, the same entries out in the same order (one container each).

    The head of the queue is in memory; once the queue holds more than `memory_bytes`,
    what is appended goes to a temporary file in segments and is read back segment by
    segment as the head drains. Entries keep every field (`LogEntry.compact`).
    """

    def __init__(self, memory_bytes: int | None = None, segment_bytes: int | None = None) -> None:
        """Bounds in raw-line bytes; None: the module's `MEMORY_BYTES`, and segments no
        larger than the memory bound (a segment read back and the tail being filled are held
        too), between `MIN_SEGMENT_BYTES` and `SEGMENT_BYTES`."""
        self.memory_bytes = MEMORY_BYTES if memory_bytes is None else memory_bytes
        if segment_bytes is None:
            segment_bytes = min(SEGMENT_BYTES, max(self.memory_bytes, MIN_SEGMENT_BYTES))
        self.segment_bytes = segment_bytes
        self._head: deque[LogEntry] = deque()
        self._head_bytes = 0
        self._file: IO[bytes] | None = None
        self._segments: deque[tuple[int, int]] = deque()
        """(offset, length) of the segments written and not yet read back."""
        self._tail: list[LogEntry] = []
        """Entries waiting to be written as the next segment (after the file's ones)."""
        self._tail_bytes = 0
        self._write_at = 0
        self.spilled = 0
        """Entries that went through the file in all (for tests and reports)."""
        self.length = 0

    def __len__(self) -> int:
        return self.length

    def __bool__(self) -> bool:
        return self.length > 0

    def append(self, batch: list[LogEntry]) -> None:
        if not batch:
            return
        self.length += len(batch)
        size = _size(batch)
        if not self._segments and not self._tail and self._head_bytes + size <= self.memory_bytes:
            self._head.extend(batch)
            self._head_bytes += size
            return
        self._tail.extend(batch)
        self._tail_bytes += size
        if self._tail_bytes >= self.segment_bytes:
            self._write_tail()

    def _write_tail(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="logtui-spill-")  # noqa: SIM115 (lives with the queue; unlinked, 0600)
        record = marshal.dumps([(e.container_name, e.stream, *e.compact()) for e in self._tail])
        self._file.seek(self._write_at)
        self._file.write(record)
        self._segments.append((self._write_at, len(record)))
        self._write_at += len(record)
        self.spilled += len(self._tail)
        self._tail, self._tail_bytes = [], 0

    def _refill(self) -> None:
        """Move the oldest segment (or else the unwritten tail) into the head."""
        if self._segments:
            assert self._file is not None
            offset, length = self._segments.popleft()
            self._file.seek(offset)
            rows = marshal.loads(self._file.read(length))
            from_compact = LogEntry.from_compact
            batch = [from_compact(name, stream, tuple(state)) for name, stream, *state in rows]
            if not self._segments:
                self._write_at = 0  # everything written was read back: reuse the file
                self._file.truncate(0)
        else:
            batch, self._tail, self._tail_bytes = self._tail, [], 0
        self._head.extend(batch)
        self._head_bytes += _size(batch)

    def take(self, most: int) -> list[LogEntry]:
        """Up to `most` of the oldest entries, removed (from memory first)."""
        if not self._head and self.length:
            self._refill()
        head = self._head
        if most >= len(head):
            batch = list(head)
            head.clear()
            self._head_bytes = 0
        else:  # the bytes taken are estimated: the bound is a bound, not an account
            batch = [head.popleft() for _ in range(most)]
            self._head_bytes -= self._head_bytes * most // (most + len(head))
        self.length -= len(batch)
        return batch

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
