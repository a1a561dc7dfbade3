"""Docker's own text formats, reproduced exactly: timestamps, durations, sizes, JSON.

Docker is written in Go, so its output follows Go's formatting rules (RFC3339NanoFixed log
stamps, `encoding/json` escaping `<`, `>`, `&`, go-units' human durations and sizes). The
simulated host prints through these helpers so that a parser tested against it is tested
against what a real Docker CLI 28 prints.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

NS = 1_000_000_000
"""Nanoseconds in a second: every time in the simulator is an int of ns since the epoch."""

_SECOND_PREFIX: dict[int, bytes] = {}


def log_timestamp(ts_ns: int) -> bytes:
    """Docker's `--timestamps` stamp (RFC3339NanoFixed, UTC): always 9 fraction digits and Z."""
    sec, frac = divmod(ts_ns, NS)
    prefix = _SECOND_PREFIX.get(sec)
    if prefix is None:
        if len(_SECOND_PREFIX) > 4096:
            _SECOND_PREFIX.clear()
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)).encode()
        _SECOND_PREFIX[sec] = prefix
    return b"%s.%09dZ" % (prefix, frac)


def rfc3339nano(ts_ns: int) -> str:
    """Go's time.RFC3339Nano in UTC (trailing fraction zeros trimmed), as in `docker inspect`."""
    sec, frac = divmod(ts_ns, NS)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
    digits = f"{frac:09d}".rstrip("0")
    return f"{base}.{digits}Z" if digits else f"{base}Z"


GO_ZERO_TIME = "0001-01-01T00:00:00Z"
"""How Docker shows a time that never happened (FinishedAt of a running container)."""


def go_time_string(ts_ns: int) -> str:
    """Go's time.Time.String() in UTC for whole seconds, as in `docker ps`'s CreatedAt."""
    return time.strftime("%Y-%m-%d %H:%M:%S +0000 UTC", time.gmtime(ts_ns // NS))


def human_duration(seconds: float) -> str:
    """go-units HumanDuration: "Up 3 hours", "2 minutes ago"."""
    secs = int(seconds)
    if secs < 1:
        return "Less than a second"
    if secs == 1:
        return "1 second"
    if secs < 60:
        return f"{secs} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


_DECIMAL_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")


def _scaled(size: float, base: float, units: tuple[str, ...]) -> tuple[float, str]:
    i = 0
    while size >= base and i < len(units) - 1:
        size /= base
        i += 1
    return size, units[i]


def human_size(size: float, precision: int = 3) -> str:
    """go-units HumanSizeWithPrecision (decimal units): `docker stats` NetIO and BlockIO."""
    value, unit = _scaled(size, 1000.0, _DECIMAL_UNITS)
    return f"{value:.{precision}g}{unit}"


def bytes_size(size: float) -> str:
    """go-units BytesSize (binary units, 4 significant digits): `docker stats` MemUsage."""
    value, unit = _scaled(size, 1024.0, _BINARY_UNITS)
    return f"{value:.4g}{unit}"


def _go_escape(text: str) -> str:
    # Go's encoding/json escapes these even inside strings; they occur only inside strings.
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def go_json(value: Any) -> str:
    """Compact JSON exactly as Go's json.Marshal writes it (used by `--format '{{json .}}'`)."""
    return _go_escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def go_json_indent(value: Any) -> str:
    """JSON as `docker inspect` prints it: Go's json.Indent with four spaces."""
    return _go_escape(json.dumps(value, ensure_ascii=False, indent=4, separators=(",", ": ")))


def ellipsis(text: str, width: int) -> str:
    """docker/cli's Ellipsis for ASCII-width text: cut to `width` with a trailing '…'."""
    if len(text) <= width:
        return text
    return text[: width - 1] + "…"


def go_quote(text: str) -> str:
    """Go's strconv.Quote for printable text (what `docker ps` does to Command)."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif not ch.isprintable():
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# -- `--since` / `--until` values, as docker's GetTimestamp and the daemon read them ------

_GO_UNITS_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": NS, "m": 60 * NS, "h": 3600 * NS}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?"
    r"(Z|z|[+-]\d{2}:\d{2})?"
)
_EPOCH = re.compile(r"(\d+)(?:\.(\d+))?")


class TimeValueError(ValueError):
    """A `--since`/`--until` value that docker would reject."""


def parse_go_duration(value: str) -> int | None:
    """Go's time.ParseDuration in ns, or None if `value` is not a duration."""
    if value in ("", "0"):
        return None
    pos, total = 0, Fraction(0)
    while pos < len(value):
        match = _DURATION_PART.match(value, pos)
        if match is None:
            return None
        total += Fraction(match.group(1)) * _GO_UNITS_NS[match.group(2)]
        pos = match.end()
    return int(total)


def parse_docker_time(value: str, now_ns: int) -> int:
    """A `--since`/`--until` argument as the instant (ns) the daemon filters with.

    Durations count back from now and, as in docker, are cut to whole seconds. RFC 3339
    values without a zone are local time in docker; the simulator reads them as UTC (the
    same thing on a UTC machine). Unix seconds may carry a fraction.
    """
    duration = parse_go_duration(value)
    if duration is not None:
        return ((now_ns - duration) // NS) * NS
    match = _RFC3339.fullmatch(value)
    if match:
        year, month, day, hour, minute, second, frac, zone = match.groups()
        try:
            when = datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                tzinfo=UTC,
            )
        except ValueError as exc:
            raise TimeValueError(f'parsing time "{value}": {exc}') from None
        seconds = calendar.timegm(when.timetuple())
        if zone and zone not in "Zz":
            sign = 1 if zone[0] == "+" else -1
            seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
        return seconds * NS + int((frac or "0").ljust(9, "0"))
    match = _EPOCH.fullmatch(value)
    if match:
        frac = match.group(2) or "0"
        return int(match.group(1)) * NS + int(frac[:9].ljust(9, "0"))
    raise TimeValueError(f'failed to parse value as time or duration: "{value}"')
