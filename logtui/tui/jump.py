"""Jump to a time: what the user typed, as a moment, and the range of logs fetched around it.

Pure: no Textual, no SSH. Times are UTC, as the log pane shows them (Docker's stamps), and
the range goes to `docker logs --since/--until` as RFC 3339 instants, which the guard
accepts as they are.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

SPAN = timedelta(minutes=10)
"""How much before and after the moment is fetched."""

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
        raise ValueError(f"{typed!r} is more than a year ago")
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
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def docker_time(moment: datetime) -> str:
    """A naive UTC moment as `docker logs --since/--until` takes it: RFC 3339, UTC."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fetch_range(moment: datetime, span: timedelta = SPAN) -> tuple[str, str]:
    """`--since` and `--until` for the logs around `moment`: `span` either side."""
    return docker_time(moment - span), docker_time(moment + span)


NARROWEST = timedelta(seconds=5)
"""The least span a jump narrows to."""


def narrower_span(oldest: str, newest: str, moment: datetime, span: timedelta) -> timedelta | None:
    """A span that fits, when a container's range read with `span` did not hold the moment:
    its line limit or the memory budget let the oldest lines go, the moment's among them.
    `oldest`/`newest` are the lines it held (spec format): a fifth less than half of their
    time either side of the moment fits. None when the moment is held (or nothing was)."""
    if not oldest or oldest <= moment.isoformat(timespec="microseconds"):
        return None
    held = datetime.fromisoformat(newest) - datetime.fromisoformat(oldest)
    narrower = max(NARROWEST, held * 2 / 5)
    return narrower if narrower < span else None
