"""Turn raw `docker logs --timestamps` output into `LogEntry` objects.

Pure functions and one small state machine, no I/O. Each output line of Docker looks like
`2025-08-16T14:30:22.123456789Z <text>`; podman gives whole seconds. The parser splits the
stamp off, finds the level the line states (`logtui.levels`: in its *header*, so a word
such as "error" in an INFO message does not make it an error; in colour too), and groups
multi-line output (tracebacks, Java stack traces, PostgreSQL DETAIL lines, indented lines)
into the entry that opened it.

Speed matters (the dashboard parses hundreds of thousands of lines a second), so the level
search looks only at a short prefix, with a few compiled regexes and cheap pre-checks.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from .levels import HEADER_CHARS, LEVEL_WORDS, detect_level, level_of, level_of_coloured
from .models import LogEntry
from .split_lines import rejoin_split_text

__all__ = [
    "EntryAssembler",
    "detect_level",
    "is_continuation",
    "merge_by_time",
    "parse_docker_output",
    "parse_stream",
    "split_docker_line",
    "to_iso",
]

# --- timestamps -------------------------------------------------------------------------

_TS = r"(\d{4}-\d\d-\d\d)[Tt](\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:?\d\d)"
_LINE_TS_RE = re.compile(_TS + r"(?: |$)", re.ASCII)
_TS_RE = re.compile(_TS, re.ASCII)
_UTC_ZONES = frozenset({"Z", "z", "+00:00", "-00:00", "+0000", "-0000"})


def split_docker_line(line: str) -> tuple[str, str]:
    """Split Docker's RFC 3339 stamp from the text: `("2025-...Z", "text")`, or `("", line)`.

    One trailing "\\r" is stripped (a tty container ends its lines with CRLF); exactly one
    space after the stamp is consumed, so indentation of the text is kept.
    """
    if line.endswith("\r"):
        line = line[:-1]
    m = _LINE_TS_RE.match(line)
    if m is None:
        return "", line
    end = m.end()
    return line[: m.end(4)], line[end:]


def _iso_from_parts(date: str, time: str, frac: str | None, zone: str) -> str:
    micro = (frac or "")[:6].ljust(6, "0")  # truncate, never round: keeps order stable
    if zone in _UTC_ZONES:
        return f"{date}T{time}.{micro}"
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    local = datetime.fromisoformat(f"{date}T{time}.{micro}")
    return (local - sign * offset).isoformat(timespec="microseconds")


def to_iso(docker_ts: str) -> str:
    """Docker's stamp as the spec's naive-UTC ISO form with 6 fraction digits; "" stays "".

    Offsets are converted to UTC; nanoseconds are truncated. Raises `ValueError` for text
    that is not an RFC 3339 date-time.
    """
    if not docker_ts:
        return ""
    m = _TS_RE.fullmatch(docker_ts)
    if m is None:
        raise ValueError(f"not an RFC 3339 timestamp: {docker_ts!r}")
    return _iso_from_parts(*m.groups())


@lru_cache(maxsize=4096)
def _sort_key_slow(docker_ts: str) -> str:
    m = _TS_RE.fullmatch(docker_ts)
    if m is None:
        return ""
    date, time, frac, zone = m.groups()
    if zone not in _UTC_ZONES:
        date, _, time = _iso_from_parts(date, time, "0", zone)[:19].partition("T")
    return f"{date}T{time}.{(frac or '').ljust(9, '0')}"


def _sort_key(entry: LogEntry) -> str:
    """A string that sorts in time order whatever the stamp's precision or zone."""
    ts = entry.docker_timestamp
    if len(ts) == 30 and ts[29] == "Z" and ts[19] == "." and ts[10] == "T":  # Docker's fixed form
        return ts[:29]
    return _sort_key_slow(ts) if ts else ""


# --- level detection: logtui/levels.py -----------------------------------------------------

_ALIASES = LEVEL_WORDS
_level_of = level_of


# --- multi-line grouping ------------------------------------------------------------------

_PG_CONT_RE = re.compile(r"\b(?:DETAIL|HINT|STATEMENT|CONTEXT|QUERY|LOCATION):  ", re.ASCII)
_CHAIN_PREFIXES = (
    "During handling of the above exception",
    "The above exception was the direct cause",
)
_TB_PREFIXES = ("Traceback (most recent call last):", "Exception Group Traceback (most recent")
# The last line of a Python traceback: `ValueError: boom`, `pkg.mod.Error: x`, `KeyboardInterrupt`.
_EXC_LINE_RE = re.compile(r"([A-Za-z_][\w.]*)(?::|$)")
# A Java exception printed after its log line: `java.lang.IllegalStateException: ...`.
_JAVA_EXC_RE = re.compile(r"(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)\b")

_WARNING_UP = frozenset(("WARNING", "ERROR", "CRITICAL"))
_PG_WINDOW = HEADER_CHARS + 20
# First characters of lines that may continue an entry whatever the state: indentation,
# `Traceback`, `The above exception`, `During handling`, `Caused by:`, `Exception Group`,
# `goroutine N [...]:`.
_CONT_FIRST = frozenset(" \tTDCEg")

# A Go stack dump after a panic or a glog/klog fatal line: `goroutine 1 [running]:`, then
# unindented calls (`main.main()`) each followed by an indented file line.
_GO_HEADER_RE = re.compile(r"goroutine \d+ \[[^\]]*\]:$")
_GO_FRAME_RE = re.compile(r"[\w.$/*()\[\]{}-]+\(.*\)$|created by [\w.$/*()\[\]{}-]+(?: in goroutine \d+)?$")

# Traceback states of the pending entry.
_NO_TB, _IN_TB, _TB_DONE, _TB_CHAIN, _GO_STACK = 0, 1, 2, 3, 4


def is_continuation(text: str) -> bool:
    """Whether a line (text after the stamp) always continues the entry before it.

    True for blank lines, indented lines (stack frames), `Caused by:`, Python's chained
    traceback separators and PostgreSQL's DETAIL/HINT/STATEMENT/CONTEXT lines. Lines whose
    role depends on context (`Traceback (...)`, an exception's last line) are decided by
    `EntryAssembler`, which tracks that context.
    """
    if not text or text[0] in " \t" or text.isspace():
        return True
    if text.startswith(_CHAIN_PREFIXES) or text.startswith("Caused by: "):
        return True
    head = text[:_PG_WINDOW]
    return ":  " in head and _PG_CONT_RE.search(head) is not None


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


ANNOUNCE_WINDOW_S = 1.0
"""An interpreter's heading (`Exception in thread ...:`) and its traceback are written
within this time."""

WRITTEN_TOGETHER_S = 0.05
"""A stack trace joins the log line before it (`logger.exception`, `log.error(msg, ex)`, a
panic and its goroutine dump) only if the two were stamped within this time. A logger
writes the record and its trace in one go, so Docker stamps the lines microseconds apart;
an unrelated traceback (an uncaught exception, another thread's) a moment later opens its
own entry. Whole-second stamps (podman) cannot tell that apart: there, the same or the
next second joins."""

MAX_ENTRY_LINES = 1000
MAX_ENTRY_CHARS = 256 * 1024
"""Most lines, and characters of raw lines, one entry holds. The pending entry is held back
until a line that does not continue it arrives, so without a bound a stream of indented
lines would grow one entry without end (300,000 became one 24 MB entry, and a follow showed
nothing). The line that would pass a bound opens the next entry instead, which keeps the
level (and traceback state) of the one before it: nothing is lost. Real stack traces are
far smaller; a single line longer than this is kept whole."""


def _written_within(opened: str, ts: str, window: float) -> bool:
    """Were two docker stamps written within `window` seconds? (Unknown stamps: yes.)

    Stamps without a fraction compare by whole seconds (same or next second). Only reached
    for stack-trace openers, so parsing the stamps here costs nothing overall.
    """
    if not opened or not ts:
        return True
    if opened[19:20] != "." or ts[19:20] != ".":
        window = max(window, 1.0)
    try:
        first = datetime.fromisoformat(to_iso(opened))
        second = datetime.fromisoformat(to_iso(ts))
    except ValueError:
        return True
    return abs((second - first).total_seconds()) <= window


def _indented_below(texts: list[str] | None) -> bool:
    """Are the lines after an entry's first all indented or blank (a record's own lines)?"""
    return texts is not None and all(not t or t[0] in " \t" for t in texts[1:])


# What Python prints above a traceback it reports by itself: a thread that died, an
# exception in __del__ or at exit.
_PY_HEADING_RE = re.compile(
    r"(?:Exception in thread |Exception ignored in|Error in atexit\.|Error in sys\.excepthook).*:$"
)


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
                if one_line and first.startswith(p_ts):
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


def parse_stream(container: str, stream: str, text: str) -> list[LogEntry]:
    """The whole output of one stream (stdout or stderr) as entries, in arrival order.

    A line the log driver split into parts is one entry (`logtui.split_lines`).
    """
    if not text:
        return []
    assembler = EntryAssembler(container, stream)
    entries = assembler.feed_text(rejoin_split_text(text).removesuffix("\n"))
    entries.extend(assembler.flush())
    return entries


def time_key(entry: LogEntry) -> str:
    """`merge_by_time`'s key: sorts entries in time order whatever the stamp's form."""
    return _sort_key(entry)


def stamp_time_key(docker_ts: str) -> str:
    """`time_key` of a bare docker stamp."""
    ts = docker_ts
    if len(ts) == 30 and ts[29] == "Z" and ts[19] == "." and ts[10] == "T":
        return ts[:29]
    return _sort_key_slow(ts) if ts else ""


def merge_by_time(*entry_lists: list[LogEntry]) -> list[LogEntry]:
    """Merge lists each already in time order into one, by Docker's stamp.

    Stable: entries with equal stamps keep the order of the lists given (so stdout before
    stderr in `parse_docker_output`) and, within a list, their arrival order. Stamps of any
    precision and zone compare correctly; entries without a stamp sort first.
    """
    if len(entry_lists) == 1:
        return list(entry_lists[0])
    return list(heapq.merge(*entry_lists, key=_sort_key))


def parse_docker_output(container: str, stdout: str, stderr: str) -> list[LogEntry]:
    """Both streams of one `docker logs` run, each grouped on its own, merged in time order.

    For equal stamps (common with podman's whole seconds) stdout's entries come first.
    """
    return merge_by_time(parse_stream(container, "stdout", stdout), parse_stream(container, "stderr", stderr))
