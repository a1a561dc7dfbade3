"""Bytes of one `docker logs` output stream in, log entries out.

Split into lines (a partial last line waits for the next chunk), decoded once per chunk,
secrets masked, lines grouped into entries. No I/O: `RemoteDocker` feeds it what SSH
delivers, and the dashboard's parse process runs the same code on the other core.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from .gc_pause import collector_paused
from .masking import StreamMasker
from .models import LogEntry
from .parser import EntryAssembler
from .split_lines import rejoin_split_lines


def decode(line: bytes) -> str:
    """Log bytes as text; invalid UTF-8 shows as `\\xff` escapes, so no byte is lost."""
    return line.decode("utf-8", errors="backslashreplace")


MAX_LINE_BYTES = 8 << 20
"""Longest line held while its newline has not come. A broken or hostile server can send
one endless line; past this, what came is handed on as a line and the rest goes on as the
next one (no byte is dropped). A real line up to this size is kept whole (the parts
Docker's log drivers split it into are joined back)."""


def _cut_at(data: bytes, at: int) -> int:
    """`at`, moved back to the start of a UTF-8 character (never inside one); invalid
    UTF-8 (more than three continuation bytes) is cut at `at`."""
    for back in range(4):
        if data[at - back] & 0xC0 != 0x80:
            return at - back
    return at


class LineSplitter:
    """Splits a byte stream into complete lines, carrying a partial last line over.

    Each chunk's complete lines are decoded at once ("\\n" never occurs inside a UTF-8
    sequence, so this equals decoding line by line, at a fraction of the calls), after the
    parts of a line the log driver split are joined back (`rejoin_split_lines`). A partial
    line longer than `MAX_LINE_BYTES` is cut into lines of that size, so memory (and the
    cost of joining each chunk to it) stays bounded.
    """

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        if max_line < 4:
            raise ValueError("max_line must hold a UTF-8 character (4 bytes)")
        self._rest = b""
        self.max_line = max_line

    def feed_text(self, chunk: bytes) -> str | None:
        """The chunk's complete lines as one text without the last "\\n"; None if none."""
        if self._rest:
            chunk = self._rest + chunk
        cut = chunk.rfind(b"\n")
        rest = chunk[cut + 1 :]
        parts = [decode(rejoin_split_lines(chunk[:cut]))] if cut != -1 else []
        start = 0
        while len(rest) - start > self.max_line:  # an endless line: hand on what came
            end = _cut_at(rest, start + self.max_line)
            parts.append(decode(rest[start:end]))
            start = end
        self._rest = rest[start:] if start else rest
        return "\n".join(parts) if parts else None

    def feed(self, chunk: bytes) -> list[str]:
        text = self.feed_text(chunk)
        return [] if text is None else text.split("\n")

    def flush(self) -> list[str]:
        rest, self._rest = self._rest, b""
        return [decode(rejoin_split_lines(rest))] if rest else []


class Masker:
    """Masks secrets in text that arrives chunk by chunk, holding nothing back: a key
    whose value is still to come and an open private-key block carry over to the next
    chunk (`StreamMasker`), so where the stream was cut, or went quiet, changes nothing."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._masker = StreamMasker()

    def feed(self, text: str | None) -> str | None:
        """The masked text of the next complete lines (None: none)."""
        return self._masker.mask(text) if self.enabled and text is not None else text


COLUMNAR_CHARS = 32 * 1024
"""Text of complete lines from which a chunk is grouped by the columnar core
(`logtui.columnar.grouping`): a history read's chunks, a flood's; not a quiet stream's few
lines, where its fixed cost (and numpy's import) would not pay."""


class StreamReader:
    """One output stream of one `docker logs`: bytes in, entries out (split, decoded,
    masked, grouped)."""

    __slots__ = ("_grouper", "assembler", "masker", "splitter")

    def __init__(self, name: str, stream: str, mask: bool) -> None:
        self.splitter = LineSplitter()
        self.masker = Masker(mask)
        self.assembler = EntryAssembler(name, stream)
        self._grouper: Callable[[str], list[LogEntry]] | None = None

    @property
    def errors(self) -> list[str]:
        """The last lines without a docker stamp: on stderr, docker's own messages."""
        return self.assembler.unstamped[-5:]

    def _entries(self, text: str | None) -> list[LogEntry]:
        if text is None:
            return []
        if len(text) < COLUMNAR_CHARS:
            return self.assembler.feed_text(text)
        if self._grouper is None:  # the same entries and state as the assembler's own
            from .columnar.grouping import ChunkGrouper

            self._grouper = ChunkGrouper(self.assembler).feed_text
        return self._grouper(text)

    def feed(self, chunk: bytes) -> list[LogEntry]:
        # A chunk's entries are new objects that stay (until sent on): every 700 of them
        # would start a young collection walking the others again. They form no cycle.
        with collector_paused():
            return self._entries(self.masker.feed(self.splitter.feed_text(chunk)))

    def quiet(self) -> list[LogEntry]:
        """The stream went quiet: release the pending entry."""
        return self.assembler.flush()

    def close(self) -> list[LogEntry]:
        """End of stream: everything still held, including a last line without "\\n"."""
        rest = self.splitter.flush()
        with collector_paused():
            return self._entries(self.masker.feed(rest[0] if rest else None)) + self.assembler.flush()


class AsyncReader(Protocol):
    """A `StreamReader` whose work may run elsewhere: each call returns a future, and
    the results of one reader's calls complete in the order the calls were made."""

    def feed(self, chunk: bytes) -> asyncio.Future[list[LogEntry]]: ...
    def quiet(self) -> asyncio.Future[list[LogEntry]]: ...
    def close(self) -> asyncio.Future[list[LogEntry]]: ...
    def drop(self) -> None:
        """Forget the stream's state: it was abandoned before its end."""

    @property
    def errors(self) -> list[str]: ...


ReaderFactory = Callable[[str, str, bool], AsyncReader]
"""reader(container, stream, mask_secrets)."""


def _done(entries: list[LogEntry]) -> asyncio.Future[list[LogEntry]]:
    future: asyncio.Future[list[LogEntry]] = asyncio.get_running_loop().create_future()
    future.set_result(entries)
    return future


class LocalReader:
    """`AsyncReader` doing the work at once, in this thread: results are ready when returned."""

    def __init__(self, container: str, stream: str, mask: bool) -> None:
        self._reader = StreamReader(container, stream, mask)

    @property
    def errors(self) -> list[str]:
        return self._reader.errors

    def feed(self, chunk: bytes) -> asyncio.Future[list[LogEntry]]:
        return _done(self._reader.feed(chunk))

    def quiet(self) -> asyncio.Future[list[LogEntry]]:
        return _done(self._reader.quiet())

    def close(self) -> asyncio.Future[list[LogEntry]]:
        return _done(self._reader.close())

    def drop(self) -> None:
        """Nothing to forget elsewhere: the state goes with this object."""
