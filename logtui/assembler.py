"""Group the lines of one container stream into `LogEntry` objects: `EntryAssembler`.

A state machine fed raw `docker logs --timestamps` lines: it splits the stamp off, finds
the level the line states (`logtui.levels`: in its header, so "error" in an INFO message
does not count; in colour too), and joins the lines that continue an entry (the rules:
`logtui.continuation`) into the entry that opened it, within bounds. `_feed` is the hot loop
of the whole program (hundreds of thousands of lines a second), which is why it is written
with locals and module globals and why this module holds nothing else. Pure, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .continuation import (
    _CHAIN_PREFIXES,
    _CONT_FIRST,
    _EXC_LINE_RE,
    _GO_FRAME_RE,
    _GO_HEADER_RE,
    _GO_STACK,
    _IN_TB,
    _JAVA_EXC_RE,
    _NO_TB,
    _PG_CONT_RE,
    _PG_WINDOW,
    _PY_HEADING_RE,
    _TB_CHAIN,
    _TB_DONE,
    _TB_PREFIXES,
    _WARNING_UP,
    ANNOUNCE_WINDOW_S,
    WRITTEN_TOGETHER_S,
    _indented_below,
    _written_within,
    is_continuation,
)
from .levels import LEVEL_WORDS, level_of, level_of_coloured
from .models import LogEntry
from .stamps import _LINE_TS_RE, to_iso

# --- level detection: logtui/levels.py -----------------------------------------------------

_ALIASES = LEVEL_WORDS
_level_of = level_of


# A level tag that opens the text: `[ERROR] msg`, `ERROR: msg`, `[warn]: msg`. The spec's
# entry keeps it in raw_line and drops it from the message.
_LEVEL_TAG_RE = re.compile(
    r"(?:\[("
    + "|".join(sorted(_ALIASES, key=len, reverse=True))
    + r")\]:?|("
    + "|".join(sorted(_ALIASES, key=len, reverse=True))
    + r"):) +(?=\S)",
    re.IGNORECASE | re.ASCII,
)


def strip_level_tag(text: str) -> str:
    """`text` without a leading level tag (`[ERROR] x` -> `x`); other forms are kept whole.

    A bracketed tag may have any case; a `TAG:` tag must be upper case, since `Error: x`
    (Node) or `panic: x` (Go) name what happened rather than tag a level.
    """
    if text[:1] == "[" or text[:1].isupper():
        m = _LEVEL_TAG_RE.match(text)
        if m is not None and (m.group(2) is None or m.group(2).isupper()):
            return text[m.end() :]
    return text


def _make_entry(
    container: str, stream: str, raws: list[str], texts: list[str], ts: str, level: str
) -> LogEntry:
    """One entry from its lines; the message loses trailing blank lines and a leading level
    tag, raw_line keeps everything."""
    if len(raws) == 1:
        message, raw_line = strip_level_tag(texts[0]), raws[0]
    else:
        message, raw_line = strip_level_tag("\n".join(texts).rstrip()), "\n".join(raws)
    # Docker's fixed nanosecond form needs only truncating to microseconds.
    fixed = len(ts) == 30 and ts[29] == "Z" and ts[19] == "." and ts[10] == "T"
    iso = ts[:26] if fixed else to_iso(ts)
    return LogEntry(container, iso, level, message, raw_line, stream, ts)


MAX_ENTRY_LINES = 1000
MAX_ENTRY_CHARS = 256 * 1024
"""Most lines, and characters of raw lines, one entry holds. The pending entry is held back
until a line that does not continue it arrives, so without a bound a stream of indented
lines would grow one entry without end (300,000 became one 24 MB entry, and a follow showed
nothing). The line that would pass a bound opens the next entry instead, which keeps the
level (and traceback state) of the one before it: nothing is lost. Real stack traces are
far smaller; a single line longer than this is kept whole."""


class EntryAssembler:
    """Groups the lines of one stream of one container into entries, incrementally.

    The last entry is held back until a line that does not continue it arrives (or `flush`
    is called), because the next line may be one more frame of its traceback. A line without
    a stamp is kept: it continues the entry or, if it opens one, inherits the last stamp
    seen on the stream so that time order holds.

    `feed` is the hot loop of the whole program, so the pending entry lives in local
    variables there and only the rare cases (continuations, tracebacks) call methods.
    """

    __slots__ = (
        "_chars",
        "_frames",
        "_last_frames",
        "_last_level",
        "_last_tb",
        "_last_ts",
        "_level",
        "_raw",
        "_second",
        "_tb",
        "_texts",
        "_ts",
        "container",
        "stream",
        "unstamped",
    )

    def __init__(self, container: str, stream: str) -> None:
        self.container = container
        self.stream = stream
        # The pending entry: its lines, first stamp, stated level (None: none stated),
        # traceback state and whether stack frames were seen.
        self._raw: list[str] = []
        self._texts: list[str] = []
        self._ts = ""
        self._chars = 0
        """Characters of the pending entry's raw lines (counted once it has two)."""
        self._level: str | None = None
        self._tb = _NO_TB
        self._frames = False
        self._last_ts = ""
        self._second = "-"
        """`YYYY-MM-DDTHH:MM:SS.` of the last fixed-form stamp the regex accepted."""
        # Of an entry flushed while its stream was quiet, in case more of it comes.
        self._last_level: str | None = None
        self._last_tb = _NO_TB
        self._last_frames = False
        self.unstamped: list[str] = []
        """The last few lines that had no docker stamp: on stderr, docker's own messages."""

    @property
    def has_pending(self) -> bool:
        return bool(self._raw)

    @property
    def pending_stamp(self) -> str:
        """The docker stamp of the entry held back ("" if none): a follow printing in time
        order must not print anything newer before it."""
        return self._ts if self._raw else ""

    def feed(self, lines: Iterable[str]) -> list[LogEntry]:
        """Raw docker lines (no trailing "\\n"); returns the entries they completed."""
        lines = list(lines)
        if not lines:
            return []
        if any("\r" in line or "\x1b" in line for line in lines):
            return self.feed_text("\n".join(lines))
        return self._feed(lines)

    def feed_text(self, text: str) -> list[LogEntry]:
        """Complete raw docker lines joined by "\\n" (no trailing one): `feed` for a chunk.

        One trailing "\\r" per line is dropped (a tty container ends its lines with CRLF).
        """
        if "\r" in text:
            text = text.replace("\r\n", "\n").removesuffix("\r")
        return self._feed(text.split("\n"), "\x1b" in text)

    def _feed(self, lines: list[str], escapes: bool = False) -> list[LogEntry]:
        """`escapes`: some line may hold an escape sequence (ESC), to look past for its level."""
        out: list[LogEntry] = []
        emit = out.append
        container, stream = self.container, self.stream
        ts_match = _LINE_TS_RE.match
        level_of = level_of_coloured if escapes else _level_of  # a level in colour counts
        of_line = LogEntry.of_line
        second = self._second
        last_ts = self._last_ts
        raws, texts, p_ts, p_level = self._raw, self._texts, self._ts, self._level
        p_chars = self._chars
        unstamped = self.unstamped
        for raw in lines:
            # Docker's fixed stamp `2025-08-16T14:30:22.123456789Z `, in a second already
            # checked by the regex: only the nanoseconds and the separator are left to check.
            if raw[29:31] == "Z " and raw[:20] == second and raw[20:29].isdigit():
                ts = last_ts = raw[:30]
                text = raw[31:].rstrip()
            else:
                m = ts_match(raw)
                if m is None:
                    ts, text = "", raw.rstrip()
                    unstamped.append(raw)
                else:
                    end = m.end(4)
                    ts = last_ts = raw[:end]
                    text = raw[m.end() :].rstrip()
                    if end == 30 and raw[29] == "Z" and raw[10] == "T":
                        second = raw[:20]
            if raws:
                # Most lines open an entry: only a few first characters (or a traceback in
                # progress) can make a line continue one, so test those before calling.
                if (
                    not text
                    or text[0] in _CONT_FIRST
                    or self._tb != _NO_TB
                    or ":  " in text[:_PG_WINDOW]
                    or (len(raws) == 1 and p_level in _WARNING_UP and text[0].islower())
                ) and self._joins(text, p_level, len(raws), ts, p_ts, texts):
                    if len(raws) == 1:  # counted here, off the hot path of one-line entries
                        p_chars = len(raws[0])
                    if len(raws) < MAX_ENTRY_LINES and p_chars + len(raw) <= MAX_ENTRY_CHARS:
                        raws.append(raw)
                        texts.append(text)
                        p_chars += len(raw)
                        continue
                    # Full: the entry ends here, and this line opens the rest of it, which
                    # keeps its level and traceback state.
                    level = p_level or ("ERROR" if self._frames else "INFO")
                    emit(_make_entry(container, stream, raws, texts, p_ts, level))
                    raws, texts, p_ts = [raw], [text], ts or last_ts
                    p_level = level_of(text) or level
                    continue
                level = p_level or ("ERROR" if self._frames else "INFO")
                first, text0 = raws[0], texts[0]
                one_line = len(raws) == 1 and len(p_ts) == 30 and len(first) - len(text0) == 31
                # Docker's fixed UTC form only: `...07.1234+02:00` is 30 characters too
                if one_line and p_ts[29] == "Z" and p_ts[10] == "T" and first.startswith(p_ts):
                    # One line, stamp then text: the entry is the raw line and an offset.
                    emit(of_line(container, level, first, stream, len(first) - len(strip_level_tag(text0))))
                else:
                    emit(_make_entry(container, stream, raws, texts, p_ts, level))
            # Open a new pending entry with this line.
            raws, texts, p_ts = [raw], [text], ts or last_ts
            p_level = level_of(text)
            if self._tb != _NO_TB or self._frames:
                self._tb, self._frames = _NO_TB, False
            if text.startswith(_TB_PREFIXES):
                self._tb, self._frames = _IN_TB, True
            if self._last_level is not None:
                p_level = self._resume_after_flush(text, p_level)
        self._raw, self._texts, self._ts, self._level = raws, texts, p_ts, p_level
        self._chars = p_chars
        self._last_ts = last_ts
        self._second = second
        if len(unstamped) > 5:
            del unstamped[:-5]
        return out

    def flush(self) -> list[LogEntry]:
        """The held-back entry, if any; later continuation lines keep its level."""
        if not self._raw:
            return []
        tb, frames = self._tb, self._frames
        level = self._level or ("ERROR" if frames else "INFO")
        entry = _make_entry(self.container, self.stream, self._raw, self._texts, self._ts, level)
        self._raw, self._texts, self._level = [], [], None
        self._tb, self._frames = _NO_TB, False
        self._last_level, self._last_tb, self._last_frames = entry.level, tb, frames
        return [entry]

    def _resume_after_flush(self, text: str, level: str | None) -> str | None:
        """The stream went quiet in the middle of an entry and it was flushed: the rest of it
        (more frames of a traceback, say) keeps the flushed entry's level and state."""
        last = self._last_level
        self._last_level = None
        if level is None and is_continuation(text):
            self._tb, self._frames = self._last_tb, self._last_frames
            return last
        return level

    def _joins(
        self,
        text: str,
        level: str | None,
        count: int,
        ts: str = "",
        opened: str = "",
        texts: list[str] | None = None,
    ) -> bool:
        """Does `text` (stamped `ts`) continue the pending entry (`count` lines `texts`,
        stated `level`, stamped `opened`)?

        Updates the traceback state as a side effect.
        """
        if not text:
            return True
        c = text[0]
        if c == " " or c == "\t":
            if not self._frames:
                s = text.lstrip()
                self._frames = s.startswith(("at ", 'File "', "... "))
            return True
        tb = self._tb
        if tb == _GO_STACK:
            return _GO_FRAME_RE.match(text) is not None or _GO_HEADER_RE.match(text) is not None
        if (
            text.startswith("goroutine ")
            and level in _WARNING_UP
            and _GO_HEADER_RE.match(text) is not None
            and _written_within(opened, ts, WRITTEN_TOGETHER_S)
        ):
            self._tb, self._frames = _GO_STACK, True
            return True
        if tb == _IN_TB:
            m = _EXC_LINE_RE.match(text)
            if m is not None and m.group(1).lower() not in _ALIASES:
                self._tb = _TB_DONE
                return True
        if text.startswith(_TB_PREFIXES):
            # Joins a chain; the record written with it (`logger.exception`), also after
            # lines indented under the record; or Python's own heading above it. After a
            # whole traceback, or a moment after an unrelated line, it opens an entry.
            if tb == _TB_CHAIN or (
                tb == _NO_TB
                and not self._frames
                and (
                    (
                        level in _WARNING_UP
                        and (count == 1 or _indented_below(texts))
                        and _written_within(opened, ts, WRITTEN_TOGETHER_S)
                    )
                    or (
                        count == 1
                        and level is None
                        and _PY_HEADING_RE.match(texts[0] if texts else "") is not None
                        and _written_within(opened, ts, ANNOUNCE_WINDOW_S)
                    )
                )
            ):
                self._tb, self._frames = _IN_TB, True
                return True
            return False
        if text.startswith(_CHAIN_PREFIXES):
            self._tb = _TB_CHAIN
            return True
        if text.startswith("Caused by: "):
            self._frames = True
            return True
        if ":  " in text[:_PG_WINDOW] and _PG_CONT_RE.search(text, 0, _PG_WINDOW):
            return True
        if (
            count == 1
            and level in _WARNING_UP
            and _JAVA_EXC_RE.match(text) is not None
            and _written_within(opened, ts, WRITTEN_TOGETHER_S)
        ):
            self._frames = True  # `java.lang.IllegalStateException: ...` after its log line
            return True
        return False
