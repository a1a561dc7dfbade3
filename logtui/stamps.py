"""Docker's timestamps: split off a line, as the spec's ISO form, and in time order.

Docker stamps each line RFC 3339 with nanoseconds (`2025-08-16T14:30:22.123456789Z`); podman
gives whole seconds, and a stamp may carry a zone offset. Kept apart from the grouping
(`logtui.assembler`) because ordering code (`ordering`, `time_merge`, `fleet_api`) needs
only this: one grammar for a stamp, one key that sorts every form correctly. Pure.
"""

from __future__ import annotations

import heapq
import re
from datetime import datetime, timedelta
from functools import lru_cache

from .models import LogEntry

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
