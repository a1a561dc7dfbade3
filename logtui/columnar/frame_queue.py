"""A first-in first-out queue of Polars frames that keeps at most a few MiB in memory.

`FrameMerge` holds one stream's finished lines until every other stream has shown where it
stands: a container that writes nothing to stderr makes all of its stdout wait until
`docker logs` ends. Held in memory that is the whole history again, so, as `SpillQueue`
does for entries, what is held past a bound goes to a private temporary file (unlinked at
once, mode 0600: logs can hold secrets) in Arrow IPC segments and comes back in order.
"""

from __future__ import annotations

import tempfile
from collections import deque
from io import BytesIO
from typing import IO

import polars as pl

from .. import spill

SCHEMA = pl.Schema({"key": pl.String, "line": pl.String})
"""What the frames hold: the entry's `time_key` and its finished output line."""
ROW_BYTES = 16
"""Bytes a row costs besides its text (a string view each), in the memory bound."""


def frame_bytes(frame: pl.DataFrame) -> int:
    """The bytes `frame` counts for in a memory bound: its keys' and lines' UTF-8 bytes."""
    if not frame.height:
        return 0
    text = frame.select(pl.col("key").str.len_bytes().sum() + pl.col("line").str.len_bytes().sum())
    return int(text.item()) + ROW_BYTES * frame.height


class FrameQueue:
    """Frames in, the same rows out in the same order (one stream each).

    The head of the queue is in memory; once the queue holds more than `memory_bytes`, what
    is appended goes to a temporary file in segments and is read back segment by segment as
    the head drains. Frames are immutable to Polars (copy on write), so what is queued is
    the caller's frame itself, and what `take` returns shares nothing that is ever written to.
    """

    def __init__(self, memory_bytes: int | None = None, segment_bytes: int | None = None) -> None:
        """Bounds in `frame_bytes`; None: `spill.MEMORY_BYTES`, and segments no larger than
        the memory bound, between `spill.MIN_SEGMENT_BYTES` and `spill.SEGMENT_BYTES` (read
        when the queue is made, so a test may patch them)."""
        self.memory_bytes = spill.MEMORY_BYTES if memory_bytes is None else memory_bytes
        if segment_bytes is None:
            segment_bytes = min(spill.SEGMENT_BYTES, max(self.memory_bytes, spill.MIN_SEGMENT_BYTES))
        self.segment_bytes = segment_bytes
        self._head: deque[tuple[pl.DataFrame, int]] = deque()
        """Frames in memory, oldest first, with their `frame_bytes` (estimated once sliced)."""
        self._head_bytes = 0
        self._file: IO[bytes] | None = None
        self._segments: deque[tuple[int, int]] = deque()
        """(offset, length) of the segments written and not yet read back."""
        self._tail: list[pl.DataFrame] = []
        """Frames waiting to be written as the next segments (after the file's ones)."""
        self._tail_bytes = 0
        self._write_at = 0
        self.spilled = 0
        """Rows that went through the file in all (for tests and reports)."""
        self.length = 0
        """Rows queued."""

    def __len__(self) -> int:
        return self.length

    def __bool__(self) -> bool:
        return self.length > 0

    def append(self, frame: pl.DataFrame) -> None:
        """Queue `frame` (columns `key` and `line`, Utf8, as `SCHEMA`)."""
        if not frame.height:
            return
        self.length += frame.height
        size = frame_bytes(frame)
        if not self._segments and not self._tail and self._head_bytes + size <= self.memory_bytes:
            self._head.append((frame, size))
            self._head_bytes += size
            return
        self._tail.append(frame)
        self._tail_bytes += size
        if self._tail_bytes >= self.segment_bytes:
            self._write_tail()

    def _write_tail(self) -> None:
        """Write the tail as segments of about `segment_bytes` each (a huge frame too)."""
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="logtui-spill-")  # noqa: SIM115 (lives with the queue; unlinked, 0600)
        tail = self._tail[0] if len(self._tail) == 1 else pl.concat(self._tail, rechunk=False)
        pieces = max(1, self._tail_bytes // max(1, self.segment_bytes))
        rows = -(-tail.height // pieces)
        self._file.seek(self._write_at)
        for start in range(0, tail.height, rows):
            record = BytesIO()
            tail.slice(start, rows).write_ipc(record)
            data = record.getbuffer()
            self._file.write(data)
            self._segments.append((self._write_at, len(data)))
            self._write_at += len(data)
        self.spilled += tail.height
        self._tail, self._tail_bytes = [], 0

    def _refill(self) -> None:
        """Move the oldest segment (or else the unwritten tail) into the head."""
        if self._segments:
            assert self._file is not None
            offset, length = self._segments.popleft()
            self._file.seek(offset)
            # read into bytes of our own, never mapped: the file is truncated and rewritten
            frame = pl.read_ipc(BytesIO(self._file.read(length)))
            if not self._segments:
                self._write_at = 0  # everything written was read back: reuse the file
                self._file.truncate(0)
            self._head.append((frame, frame_bytes(frame)))
            self._head_bytes += self._head[-1][1]
        else:
            for frame in self._tail:
                self._head.append((frame, frame_bytes(frame)))
                self._head_bytes += self._head[-1][1]
            self._tail, self._tail_bytes = [], 0

    def take(self, most: int, most_bytes: int | None = None) -> pl.DataFrame:
        """Up to `most` of the oldest rows, removed, as one frame (one chunk); about
        `most_bytes` of them at most (estimated), and at least one row. An empty frame when
        the queue is empty."""
        if not self._head and self.length:
            self._refill()
        parts: list[pl.DataFrame] = []
        rows = taken = 0
        head = self._head
        while head and rows < max(1, most) and (most_bytes is None or taken < most_bytes or not rows):
            frame, size = head[0]
            want = max(1, most) - rows
            if most_bytes is not None and size > most_bytes - taken:
                want = min(want, max(1, frame.height * max(0, most_bytes - taken) // max(1, size)))
            if frame.height <= want:
                head.popleft()
                self._head_bytes -= size
                taken += size
            else:  # the bytes taken are estimated: the bound is a bound, not an account
                frame, rest = frame.slice(0, want), frame.slice(want)
                kept = size * rest.height // (frame.height + rest.height)
                head[0] = (rest, kept)
                self._head_bytes -= size - kept
                taken += size - kept
            parts.append(frame)
            rows += frame.height
        if not parts:
            return SCHEMA.to_frame()
        self.length -= rows
        return parts[0] if len(parts) == 1 else pl.concat(parts, rechunk=True)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
