"""Jump to a time: what the user typed, as a moment, and the range of logs fetched around it.

Pure: no Textual, no SSH. Times are UTC, as the log pane shows them (Docker's stamps), and
the range goes to `docker logs --since/--until` as RFC 3339 instants, which the guard
accepts as they are.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import accumulate

SPAN = timedelta(minutes=10)
"""How much before and after the moment is fetched."""

EARLIEST = datetime(1970, 1, 1) + timedelta(days=1)
"""The earliest moment to jump to: docker's stamps start in 1970 (a day on, so that the
range around it is a time too)."""

FORMS = "14:03, yesterday 14:03, -2h, 2h ago or 2025-08-16T14:03:00Z"
"""What the prompt accepts, for its placeholder and errors."""

_CLOCK_RE = re.compile(r"(?:(yesterday|today)\s*)?(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?")
_AGO_RE = re.compile(r"-\s*((?:\d+(?:\.\d+)?\s*[smhdw]\s*)+)|((?:\d+(?:\.\d+)?\s*[smhdw]\s*)+)ago")
_PART_RE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_LONGEST_AGO = timedelta(days=366)


def parse_moment(text: str, now: datetime) -> datetime:
    """The moment `text` names, as naive UTC; `now` is the current time, naive UTC.

    `14:03` is the most recent 14:03 (today's, or yesterday's if that is still to come),
    `yesterday 14:03` and `today 14:03` say which day; `-2h`, `-1h30m` and `2h ago` count
    back from now; RFC 3339 (`2025-08-16T14:03:00Z`, an offset, a space for the `T`, no
    zone meaning UTC, or a date alone) is taken as written. ValueError with the accepted
    forms when it is none of these, or when the moment is still to come.
    """
    typed = " ".join(text.strip().lower().split())
    if not typed:
        raise ValueError(f"type a time: {FORMS}")
    moment = _clock(typed, now) or _ago(typed, now) or _rfc3339(typed)
    if moment is None:
        raise ValueError(f"not a time: {text.strip()[:60]!r}; use {FORMS}")
    if moment > now + timedelta(seconds=1):
        raise ValueError(f"{moment:%Y-%m-%d %H:%M:%S} UTC has not happened yet")
    if moment < EARLIEST:
        raise ValueError(f"{moment.date().isoformat()} is before any container's logs (1970)")
    return moment


def _clock(typed: str, now: datetime) -> datetime | None:
    match = _CLOCK_RE.fullmatch(typed)
    if match is None:
        return None
    day, hour, minute, second, fraction = match.groups()
    if int(hour) > 23 or int(minute) > 59 or int(second or 0) > 59:
        raise ValueError(f"not a time of day: {typed!r}")
    moment = now.replace(
        hour=int(hour),
        minute=int(minute),
        second=int(second or 0),
        microsecond=int((fraction or "0").ljust(6, "0")),
    )
    if day == "yesterday":
        return moment - timedelta(days=1)
    if day is None and moment > now:
        return moment - timedelta(days=1)  # the 14:03 that has been, not the one to come
    return moment


def _ago(typed: str, now: datetime) -> datetime | None:
    match = _AGO_RE.fullmatch(typed)
    if match is None:
        return None
    parts = match.group(1) or match.group(2)
    seconds = sum(float(n) * _UNIT_S[u] for n, u in _PART_RE.findall(parts))
    if seconds > _LONGEST_AGO.total_seconds():
        raise ValueError(f"{typed[:60]!r} is more than a year ago")
    return now - timedelta(seconds=seconds)


def _rfc3339(typed: str) -> datetime | None:
    candidate = typed.upper().replace(" ", "T", 1)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[\d:.,]+(Z|[+-]\d{2}:?\d{2})?)?", candidate):
        return None
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # `0001-01-01T00:00:00+01:00`: before year 1 in UTC
            return None
    return parsed


def docker_time(moment: datetime) -> str:
    """A naive UTC moment as `docker logs --since/--until` takes it: RFC 3339, UTC."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fetch_range(moment: datetime, span: timedelta = SPAN) -> tuple[str, str]:
    """`--since` and `--until` for the logs around `moment`: `span` either side."""
    return docker_time(moment - span), docker_time(moment + span)


NARROWEST = timedelta(seconds=5)
"""The least span a jump narrows to; lines this close to the moment must be shown."""


def _second(moment: datetime) -> str:
    """A moment as the second a stamp starts with (`2025-08-16T14:03:07`)."""
    return moment.isoformat(timespec="seconds")


class Counts:
    """Counts per second (keys: stamps cut to the second), summed over any window.

    Keys are compared as strings only: a stamp a hostile server sent (month 13) is
    counted where it sorts, never parsed."""

    def __init__(self, per_second: dict[str, int]) -> None:
        self._keys = sorted(per_second)
        self._sums = list(accumulate((per_second[k] for k in self._keys), initial=0))

    def within(self, first: str, last: str) -> int:
        """The sum over the seconds from `first` to `last`, both included."""
        return self._sums[bisect_right(self._keys, last)] - self._sums[bisect_left(self._keys, first)]


def lost_near(moment: datetime, lines: dict[str, dict[str, int]], lost: dict[str, dict[str, int]]) -> bool:
    """Whether the read lost lines near the moment (`lines`, `lost`: each container's lines
    read and let go, per second): within `NARROWEST` of it, the lines nearest to it on
    either side among all containers, or a container's last line at or before it."""
    first, at, last = _second(moment - NARROWEST), _second(moment), _second(moment + NARROWEST)
    seconds = [second for counts in lines.values() for second in counts]
    nearest = {
        max((s for s in seconds if s <= at), default=None),
        min((s for s in seconds if s > at), default=None),
    }
    for key, gone in lost.items():
        if Counts(gone).within(first, last) or not nearest.isdisjoint(gone):
            return True
        before = [second for second in lines.get(key, ()) if second <= at]
        if before and max(before) in gone:
            return True
    return False


def fitting_span(
    moment: datetime,
    span: timedelta,
    lines: Iterable[dict[str, int]],
    size: dict[str, int],
    max_lines: int,
    max_bytes: int | None,
) -> timedelta:
    """The widest span (whole seconds, from `NARROWEST` up to less than `span`) whose lines,
    counted per second as a read brought them (`lines`: each container's; `size`: the
    estimated bytes of all of them), fit each container's line limit and nine tenths of
    the budget. `NARROWEST` when even that does not fit: the moment is what matters."""
    counts = [Counts(c) for c in lines]
    sized = Counts(size)

    def fits(seconds: int) -> bool:
        first, last = (
            _second(moment - timedelta(seconds=seconds)),
            _second(moment + timedelta(seconds=seconds)),
        )
        if any(c.within(first, last) > max_lines for c in counts):
            return False
        return max_bytes is None or sized.within(first, last) <= max_bytes * 9 // 10

    low, high = int(NARROWEST.total_seconds()), int(span.total_seconds()) - 1
    if high <= low or not fits(low):
        return NARROWEST
    while low < high:  # fits(low) holds; the widest that fits is in [low, high]
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return timedelta(seconds=low)
