"""One log line as the simulated daemon stores it, and the bytes `docker logs` prints for it.

Apart from the containers because this is the byte-exact part the client's reader is tested
against (the stamp, the 16 KiB parts of a long line), and the tests render lines with it
without any container.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from .dockerfmt import log_timestamp


class LogLine(NamedTuple):
    """One line as the daemon stored it; (ts, seq) orders lines exactly."""

    ts: int
    seq: int
    stream: str
    data: bytes


LOG_PART_BYTES = 16384
"""Docker's json-file and local drivers store a longer line as parts of this many bytes."""


def render_line(line: LogLine, *, timestamps: bool = True) -> bytes:
    """One line as `docker logs` prints it (Docker 23+, json-file or local driver).

    A line longer than LOG_PART_BYTES was stored as parts, every one stamped with the first
    part's time; only the last ends with a newline, and is empty when the line's length is
    a multiple of the part size. So with `--timestamps` the parts run together, each after
    its stamp: `<ts> <16384 bytes><ts> <rest>\\n`. Without, the line reads as written.
    """
    data = line.data
    if not timestamps:
        return data + b"\n"
    stamp = log_timestamp(line.ts) + b" "
    if len(data) < LOG_PART_BYTES:
        return stamp + data + b"\n"
    parts = [data[at : at + LOG_PART_BYTES] for at in range(0, len(data), LOG_PART_BYTES)]
    if len(data) % LOG_PART_BYTES == 0:
        parts.append(b"")
    return b"".join(stamp + part for part in parts) + b"\n"


def render_lines(
    lines: Iterable[LogLine], *, timestamps: bool = True, batch: int = 512
) -> Iterator[tuple[str, bytes]]:
    """Format lines into chunks per stream; a chunk holds up to `batch` lines.

    Within one chunk the two streams are written one after the other, not interleaved:
    an SSH client reads them independently anyway, so only timestamps order them.
    """
    parts: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
    order: list[str] = []
    count = 0
    for line in lines:
        bucket = parts[line.stream]
        if not bucket:
            order.append(line.stream)
        bucket.append(render_line(line, timestamps=timestamps))
        count += 1
        if count >= batch:
            for stream in order:
                yield stream, b"".join(parts[stream])
                parts[stream] = []
            order, count = [], 0
    for stream in order:
        yield stream, b"".join(parts[stream])
