"""The columnar error grouping against the per-entry loops it replaced (#12).

`error_summary`, `group_errors` and the dashboard's `DigestBuilder.build` must give exactly
what the old loops gave (kept here as the references): the same dict, keys and lists in the
same order, the same groups with the same examples. Entries come in every form a LogEntry
takes (the raw line's stamps and message end, or its own), at every level, with repeated
messages, numbers, ids, hex, UUIDs, quotes, JSON and logfmt, tracebacks, colours, non-ASCII,
equal stamps, out of time order, over several containers (and hosts).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from logtui.analysis import ErrorGroup, error_summary, errors_only, group_errors, headline_template
from logtui.models import LEVEL_RANK, LogEntry, timestamps_of
from logtui.tui._hosted import HostedName, entry_key
from logtui.tui.digest import DigestBuilder

NOW = datetime(2025, 8, 16, 15, 0, 0)

MESSAGES = [
    "disk full",
    "Application error occurred request_id=17",
    "Application error occurred request_id=4242",
    'relation "users" does not exist',
    "payment 0x1f3a failed for 550e8400-e29b-41d4-a716-446655440000",
    "upstream 10.0.0.5:5432 timed out after 150ms",
    "job deadbeef12 failed at 2025-08-16T14:30:22Z",
    "Ärger: Verbindung zu «db» verloren (42)",
    "错误: 连接失败 3 次",
    "Traceback (most recent call last):\n  File \"a.py\", line 3, in f\nKeyError: 'user'",
    "Traceback (most recent call last):\n  File \"b.py\", line 9, in g\nKeyError: 'order'",
    "first line 12\n  second line 34",
    '{"level":"error","msg":"upstream request failed","err":{"message":"socket hang up"},"id":7}',
    'time=2025-08-16T14:30:22Z level=error msg="job failed" job_id=3 err="smtp: 550"',
    "\x1b[31m[ERROR]\x1b[0m coloured 5",
    "  padded 9  ",
    "",
]
LEVELS = ["ERROR", "ERROR", "CRITICAL", "WARNING", "INFO", "DEBUG"]


def make_entry(name: str, second: int, micro: int, level: str, message: str, form: int) -> LogEntry:
    ts = f"2025-08-16T14:30:{second:02d}.{micro:06d}"
    stamp = f"{ts}123Z"
    if form == 0:  # docker's usual line: stamps and message are slices of the raw line
        return LogEntry(name, ts, level, message, f"{stamp} {message}", "stdout", stamp)
    if form == 1:  # the parser's fast path
        return LogEntry.of_line(name, level, f"{stamp} {message}", "stderr", len(stamp) + 1)
    if form == 2:  # a message of its own (masked, or a group's)
        return LogEntry(name, ts, level, message, f"{stamp} {message} (raw)", "stdout", stamp)
    if form == 3:  # a timestamp of its own (corrected, or no docker stamp)
        other = f"2025-08-16T14:31:{second:02d}.{micro:06d}"
        return LogEntry(name, other, level, message, f"{stamp} {message}", "stdout", stamp)
    return LogEntry(name, ts, level, message, message, "stdout", "")  # no stamps in the line


entry_strategy = st.tuples(
    st.integers(0, 3),  # container
    st.integers(0, 5),  # second: equal stamps are common
    st.sampled_from([0, 0, 500000]),
    st.sampled_from(LEVELS),
    st.sampled_from(MESSAGES),
    st.integers(0, 4),  # form
    st.booleans(),  # a copy of the previous entry's stamp and message
)


def build_logs(draws: list[tuple], names: Sequence[str]) -> dict[str, list[LogEntry]]:
    logs: dict[str, list[LogEntry]] = {}
    previous: tuple | None = None
    for box, second, micro, level, message, form, again in draws:
        if again and previous is not None:
            second, micro, message = previous
        previous = (second, micro, message)
        name = names[box % len(names)]
        logs.setdefault(str(name), []).append(make_entry(name, second, micro, level, message, form))
    return logs


# --- the references: the per-entry loops as they were ---------------------------------------


def reference_group_errors(entries: list[LogEntry]) -> list[ErrorGroup]:
    groups: dict[str, dict[str, Any]] = {}
    for entry in entries:
        level = entry.level
        if level not in ("ERROR", "CRITICAL"):
            continue
        template, ts = headline_template(entry.message), entry.timestamp
        acc = groups.get(template)
        if acc is None:
            acc = groups[template] = {
                "count": 0,
                "level": level,
                "containers": set(),
                "first": ts,
                "last": "",
            }
            acc["example"] = None
        acc["count"] += 1
        acc["containers"].add(entry.container_name)
        if LEVEL_RANK[level] > LEVEL_RANK[acc["level"]]:
            acc["level"] = level
        if ts < acc["first"]:
            acc["first"] = ts
        if acc["example"] is None or ts >= acc["last"]:
            acc["last"], acc["example"] = ts, entry
    result = [
        ErrorGroup(
            t, a["count"], a["level"], tuple(sorted(a["containers"])), a["first"], a["last"], a["example"]
        )
        for t, a in groups.items()
    ]
    result.sort(key=lambda g: g.last_seen, reverse=True)
    result.sort(key=lambda g: g.count, reverse=True)
    return result


def reference_summary(logs: Mapping[str, Sequence[LogEntry]], recent: int) -> dict[str, Any]:
    breakdown: dict[str, Any] = {}
    criticals: list[LogEntry] = []
    all_errors: list[LogEntry] = []
    for name, entries in logs.items():
        errors = sorted(errors_only(entries), key=lambda e: e.timestamp)
        if not errors:
            continue
        all_errors.extend(errors)
        criticals.extend(e for e in errors if e.level == "CRITICAL")
        tail = errors[-recent:] if recent > 0 else []
        breakdown[name] = {"error_count": len(errors), "recent_errors": [e.to_dict() for e in tail]}
    criticals.sort(key=lambda e: e.timestamp)
    return {
        "timestamp": NOW.isoformat(timespec="microseconds"),
        "analysis_period_hours": 1.0,
        "total_containers": len(logs),
        "containers_with_errors": len(breakdown),
        "total_error_entries": len(all_errors),
        "error_breakdown": breakdown,
        "critical_issues": [
            {
                "container": e.container_name,
                "timestamp": e.timestamp,
                "message": e.message,
                "severity": "critical",
            }
            for e in criticals
        ],
        "error_groups": [g.to_dict() for g in reference_group_errors(all_errors)],
    }


def reference_digest(errors: Mapping[str, Sequence[LogEntry]], cutoff: str) -> tuple:
    groups: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    critical: list[LogEntry] = []
    for name, entries in errors.items():
        recent = [e for e in entries if e.timestamp >= cutoff]
        if not recent:
            continue
        counts[name] = len(recent)
        for entry in recent:
            template = headline_template(entry.message)
            group = groups.get(template)
            if group is None:
                group = groups[template] = {"count": 0, "level": entry.level, "containers": set()}
                group.update(first=entry.timestamp, last=entry.timestamp, example=entry)
            group["count"] += 1
            group["containers"].add(entry_key(entry))
            if LEVEL_RANK.get(entry.level, 0) > LEVEL_RANK.get(group["level"], 0):
                group["level"] = entry.level
            group["first"] = min(group["first"], entry.timestamp)
            if entry.timestamp >= group["last"]:
                group["last"], group["example"] = entry.timestamp, entry
            if entry.level == "CRITICAL":
                critical.append(entry)
    ranked = sorted(groups.items(), key=lambda kv: (-kv[1]["count"], kv[0]))[:30]
    critical.sort(key=lambda e: e.timestamp, reverse=True)
    issues = [
        {"container": entry_key(e), "timestamp": e.timestamp, "message": e.message, "severity": "critical"}
        for e in critical[:3]
    ]
    found = [
        (t, g["count"], g["level"], tuple(sorted(g["containers"])), g["first"], g["last"], g["example"])
        for t, g in ranked
    ]
    return counts, issues, found


def digest_tuple(builder: DigestBuilder, errors: Mapping[str, Sequence[LogEntry]], cutoff: str) -> tuple:
    digest = builder.build(errors, cutoff, 1.0)
    assert digest.failure == ""
    found = [
        (g.template, g.count, g.level, g.containers, g.first_seen, g.last_seen, g.example)
        for g in digest.groups
    ]
    return digest.counts, digest.critical, found


def same_examples(new: list[tuple], old: list[tuple]) -> bool:
    """The examples are the very same entries (equal fields would not be enough)."""
    return all(a[-1] is b[-1] for a, b in zip(new, old, strict=True))


# --- the tests --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(entry_strategy, max_size=80), st.integers(-1, 6))
def test_error_summary_is_the_per_entry_summary(draws: list[tuple], recent: int) -> None:
    logs = build_logs(draws, ["web", "api", "db", "worker"])
    logs["quiet"] = []
    got = error_summary(logs, 1.0, now=NOW, recent=recent)
    want = reference_summary(logs, recent)
    assert got == want
    assert json.dumps(got) == json.dumps(want)  # and every key and list in the same order


@settings(max_examples=300, deadline=None)
@given(st.lists(entry_strategy, max_size=80))
def test_group_errors_is_the_per_entry_grouping(draws: list[tuple]) -> None:
    entries = [e for es in build_logs(draws, ["web", "api", "db"]).values() for e in es]
    entries.reverse()  # neither grouped by container nor in time order
    got, want = group_errors(entries), reference_group_errors(entries)
    assert got == want
    assert all(a.example is b.example for a, b in zip(got, want, strict=True))


def hosted_names() -> list[str]:
    """Equal plain names on different hosts: equal strings, different store keys."""
    return [HostedName("web", "h1"), HostedName("web", "h2"), HostedName("db", "h1"), "api"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(entry_strategy, max_size=80),
    st.sampled_from(["", "2025-08-16T14:30:02.000000", "2025-08-16T14:30:03.500000", "2025-08-16T14:40"]),
    st.booleans(),
)
def test_digest_is_the_per_entry_digest(draws: list[tuple], cutoff: str, hosted: bool) -> None:
    # (every level, as a digest of any mapping would see: the store's index holds errors only)
    logs = build_logs(draws, hosted_names() if hosted else ["web", "api", "db"])
    got, want = digest_tuple(DigestBuilder(), logs, cutoff), reference_digest(logs, cutoff)
    assert got == want
    assert same_examples(got[2], want[2])


@settings(max_examples=200, deadline=None)
@given(st.lists(entry_strategy, max_size=60), st.lists(entry_strategy, max_size=30), st.booleans())
def test_a_digest_built_again_is_the_per_entry_digest(
    first: list[tuple], more: list[tuple], keep: bool
) -> None:
    """The second build reuses the first's templates for the entries it still holds."""
    builder = DigestBuilder()
    logs = build_logs(first, ["web", "api"])
    digest_tuple(builder, logs, "")
    later = build_logs(more, ["web", "db"])
    again = {name: (logs.get(name, []) if keep else []) + later.get(name, []) for name in {*logs, *later}}
    got, want = digest_tuple(builder, again, ""), reference_digest(again, "")
    assert got == want
    assert same_examples(got[2], want[2])


class Restamped(LogEntry):
    """A LogEntry subclass: the column reader must read it through its property."""

    __slots__ = ()

    @property
    def timestamp(self) -> str:  # type: ignore[override]
        return "restamped " + super().timestamp


def test_the_column_reader_gives_the_property() -> None:
    entries = [make_entry("web", s % 6, 0, "ERROR", m, s % 5) for s, m in enumerate(MESSAGES * 2)]
    assert timestamps_of(entries) == [e.timestamp for e in entries]
    assert timestamps_of(entries[:3]) == [e.timestamp for e in entries[:3]]  # every stamp the raw line's
    odd = [*entries, Restamped("web", "2025", "ERROR", "x", "2025-08-16T14:30:00.000000000Z x")]
    assert timestamps_of(odd) == [e.timestamp for e in odd]
    assert timestamps_of(odd)[-1] == "restamped 2025"
