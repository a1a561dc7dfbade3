"""One `docker logs` stream read into rows for `--json` (`json_rows`), not into objects.

The CLI's `container X --json` and `logs --json` print what the history holds as JSON lines
and nothing else: a `LogEntry` per line would be made only to be written and dropped. This
reader runs the same `StreamReader` (split, decode, mask, group) and hands its parts on as
rows (key, JSON line); runs of one-line entries never become objects. Polars pays per call,
so what SSH delivers is gathered until `BATCH_BYTES` before it is parsed: history is
printed in batches anyway, and what a batch holds is bounded.
"""

from __future__ import annotations

import asyncio

import polars as pl

from ..reader import StreamReader
from .json_rows import empty, parts_rows

BATCH_BYTES = 1 << 20
"""Bytes gathered before they are parsed: the columnar core's passes (the masking gate, the
batch level rules, the rows) cost ~0.1-2 ms a call whatever its size, and SSH hands
history on in pieces of ~150 KB. A history is printed in batches anyway."""


def _done(rows: pl.DataFrame) -> asyncio.Future[pl.DataFrame]:
    future: asyncio.Future[pl.DataFrame] = asyncio.get_running_loop().create_future()
    future.set_result(rows)
    return future


class RowReader:
    """`AsyncReader`-like (`feed`/`close` return futures, done at once) whose results are
    frames of rows in the stream's order, for `FrameMerge`."""

    def __init__(self, container: str, stream: str, mask: bool) -> None:
        self._reader = StreamReader(container, stream, mask)
        self._container, self._stream = container, stream
        self._chunks: list[bytes] = []
        self._bytes = 0

    @property
    def errors(self) -> list[str]:
        return self._reader.errors

    def feed_rows(self, chunk: bytes) -> pl.DataFrame:
        """The rows of the entries whose turn has come (an empty frame while fewer than
        `BATCH_BYTES` are gathered)."""
        self._chunks.append(chunk)
        self._bytes += len(chunk)
        if self._bytes < BATCH_BYTES:
            return empty()
        return parts_rows(self._reader.feed_parts(self._gathered()), self._container, self._stream)

    def close_rows(self) -> pl.DataFrame:
        """End of stream: the rows of everything still gathered or held."""
        parts = self._reader.feed_parts(self._gathered()) if self._bytes else []
        return parts_rows([*parts, *self._reader.close_parts()], self._container, self._stream)

    def _gathered(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks, self._bytes = [], 0
        return data

    def feed(self, chunk: bytes) -> asyncio.Future[pl.DataFrame]:
        return _done(self.feed_rows(chunk))

    def close(self) -> asyncio.Future[pl.DataFrame]:
        return _done(self.close_rows())

    def drop(self) -> None:
        """Nothing to forget elsewhere: the state goes with this object."""
        self._chunks, self._bytes = [], 0
