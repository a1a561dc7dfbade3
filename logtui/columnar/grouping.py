"""`EntryAssembler.feed_text` a chunk at a time: the same entries, the same state after.

In real logs most lines are whole entries: a stamp, a one-line message, and a next line
that opens an entry of its own. `EntryAssembler` finds that out line by line, at ~3 µs of
CPython work each. Here `line_facts` finds, for the whole chunk at once, the lines that
surely open an entry (`plain`, with the line before them a plain one-line entry whose level
cannot pull a lower-case line in); runs of them become one-line entries in one pass, and
everything else (tracebacks, stack dumps, indented lines, lines without a stamp, whatever
follows them until the state is plain again) goes through the assembler itself, whose
state is handed over exactly at each run's ends. Pure; equal to the assembler by
construction and by test (`tests/test_columnar_grouping.py`, the equality corpus).
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache

import numpy as np

from ..assembler import EntryAssembler, strip_level_tag
from ..continuation import _WARNING_UP
from ..levels import level_of, level_of_coloured
from ..models import LogEntry
from ..stamps import to_iso
from .levels import levels_counted
from .lines import STAMP_BYTES, WHOLE_BYTES, line_facts

MIN_CHARS = 4 * 1024
"""Chunks shorter than this go to the assembler whole: the array work has a fixed cost of
some tens of µs a call (`logtui.reader.COLUMNAR_CHARS` decides what comes here)."""


def _levels(texts: list[str], escapes: bool, batch: bool) -> tuple[list[str | None], int]:
    """`level_of` of each text (in colour too, when the chunk holds escape sequences), and
    how many the per-line rules decided; `batch`: try `levels_counted` first."""
    if not batch:
        if escapes:
            return [level_of_coloured(t) if "\x1b" in t else level_of(t) for t in texts], len(texts)
        return [level_of(t) for t in texts], len(texts)
    if not escapes:
        return levels_counted(texts)
    coloured = {i for i, text in enumerate(texts) if "\x1b" in text}
    levels, slow = levels_counted([text for i, text in enumerate(texts) if i not in coloured])
    if coloured:
        at = iter(levels)
        levels = [level_of_coloured(text) if i in coloured else next(at) for i, text in enumerate(texts)]
    return levels, slow + len(coloured)


BATCH_LEVELS_SHARE = 0.25
"""When the batch level rules leave more than this share of a chunk's lines to the per-line
rules, they cost more than they save (each of those lines pays twice): the stream's next
`BATCH_LEVELS_PAUSE` chunks take the per-line rules, then the batch is tried again."""
BATCH_LEVELS_PAUSE = 16


@lru_cache(maxsize=4096)
def _iso(stamp: str) -> str:
    """`to_iso` of a whole-second stamp: podman's lines share their second by the hundred."""
    return to_iso(stamp)


class ChunkGrouper:
    """Groups one stream's lines into entries like `assembler`, a chunk at a time, and
    leaves `assembler` in the state it would have reached itself (so the two can be mixed:
    small chunks and `flush` go to it directly)."""

    __slots__ = ("_pause", "assembler")

    def __init__(self, assembler: EntryAssembler) -> None:
        self.assembler = assembler
        self._pause = 0
        """Chunks left before the batch level rules are tried again."""

    def feed_text(self, text: str) -> list[LogEntry]:
        """`assembler.feed_text(text)`: complete raw lines joined by "\\n"."""
        if len(text) < MIN_CHARS:
            return self.assembler.feed_text(text)
        if "\r" in text:
            text = text.replace("\r\n", "\n").removesuffix("\r")
        escapes = "\x1b" in text
        lines = text.split("\n")
        facts = line_facts(text.encode("utf-8", "surrogatepass"))
        plain = facts.plain
        # Levels are needed for the lines a run may hold (plain, next to a plain line): a
        # run's entries, the line it leaves held, a warning pulling the next line in.
        paired = np.zeros(len(lines), bool)
        paired[1:] = plain[:-1]
        paired[:-1] |= plain[1:]
        at = np.flatnonzero(plain & paired).tolist()
        levels: list[str | None] = [None] * len(lines)
        stamps = facts.stamp.tolist()
        found, slow = _levels([lines[i][stamps[i] :] for i in at], escapes, self._pause == 0)
        if self._pause:
            self._pause -= 1
        elif slow > BATCH_LEVELS_SHARE * len(at):
            self._pause = BATCH_LEVELS_PAUSE
        warning_up = np.zeros(len(lines), bool)
        for index, level in zip(at, found, strict=True):
            levels[index] = level
            if level in _WARNING_UP:
                warning_up[index] = True
        # breaks[k]: line k may not open an entry even after a plain one-line entry.
        breaks = ~plain
        breaks[1:] |= facts.lowerish[1:] & warning_up[:-1]
        # A run starts at a plain line whose next line opens (is no break).
        starts = np.flatnonzero(plain[:-1] & ~breaks[1:]).tolist()
        stops = np.flatnonzero(breaks).tolist()
        offsets = self._message_offsets(lines, facts.tagged & plain, stamps)
        return self._group(lines, levels, offsets, starts, stops, escapes, stamps)

    @staticmethod
    def _message_offsets(lines: list[str], tagged: np.ndarray, stamps: list[int]) -> dict[int, int]:
        """Where the message starts in each line marked `tagged` (the others: after the stamp)."""
        offsets: dict[int, int] = {}
        for i in np.flatnonzero(tagged).tolist():
            line = lines[i]
            offsets[i] = len(line) - len(strip_level_tag(line[stamps[i] :]))
        return offsets

    def _group(
        self,
        lines: list[str],
        levels: list[str | None],
        offsets: dict[int, int],
        starts: list[int],
        stops: list[int],
        escapes: bool,
        stamps: list[int],
    ) -> list[LogEntry]:
        assembler = self.assembler
        container, stream = assembler.container, assembler.stream
        of_line = LogEntry.of_line
        out: list[LogEntry] = []
        count = len(lines)
        pos = 0  # the next line the assembler has not seen
        while pos < count:
            s = bisect_left(starts, pos)
            if s == len(starts):
                out += assembler._feed(lines[pos:], escapes)
                break
            first = starts[s]
            out += assembler._feed(lines[pos : first + 1], escapes)
            pos = first + 1
            if not self._holds_plain():
                continue
            b = bisect_left(stops, first + 1)
            end = stops[b] if b < len(stops) else count  # lines first..end-1 open entries
            get = offsets.get
            if WHOLE_BYTES in stamps[first : end - 1]:
                one = self._one
                out += [one(lines[i], levels[i], stamps[i], get(i, stamps[i])) for i in range(first, end - 1)]
            else:
                out += [
                    of_line(container, levels[i] or "INFO", lines[i], stream, get(i, STAMP_BYTES))
                    for i in range(first, end - 1)
                ]
            self._hold(lines[end - 1], levels[end - 1], stamps[end - 1])
            pos = end
        return out

    def _one(self, line: str, level: str | None, stamp: int, message_at: int) -> LogEntry:
        """A one-line entry as the assembler makes it, for either stamp (`stamp` bytes with
        its space): podman's whole second is not a slice of the spec's form, so an entry
        keeps it converted (`_make_entry`)."""
        a = self.assembler
        if stamp == STAMP_BYTES:
            return LogEntry.of_line(a.container, level or "INFO", line, a.stream, message_at)
        ts = line[: stamp - 1]
        return LogEntry(a.container, _iso(ts), level or "INFO", line[message_at:], line, a.stream, ts)

    def _holds_plain(self) -> bool:
        """Whether the assembler holds just the plain line it was last fed, as an entry of
        its own with nothing carried over: what it holds after that line opened an entry.

        A plain line joins an entry only through traceback state or Java's exception line
        after a warning, and either sets `_frames`; an entry cut at its bounds keeps it. So
        one held line without frames is a line that opened its entry: its level is its own,
        no traceback state is open (`_tb` is only set with `_frames`), and `_last_level` was
        cleared when it opened.
        """
        return len(self.assembler._raw) == 1 and not self.assembler._frames

    def _hold(self, line: str, level: str | None, stamp: int) -> None:
        """Leave the assembler as a plain `line` opening an entry would (its stamp, of
        `stamp` bytes with the space, validated by the array checks as its regex does)."""
        a = self.assembler
        ts = line[: stamp - 1]
        a._raw, a._texts, a._ts, a._level, a._last_ts = [line], [line[stamp:]], ts, level, ts
        if stamp == STAMP_BYTES:  # the regex's fast path remembers a fixed stamp's second
            a._second = line[:20]
