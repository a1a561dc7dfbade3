"""Error analysis: templates, grouping, and the spec's error summary format, key by key."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logtui.analysis import (
    _TEMPLATE_RULES,
    ErrorGroup,
    error_summary,
    errors_only,
    group_errors,
    headline,
    headline_template,
    message_template,
)
from logtui.models import LogEntry
from logtui.parser import parse_docker_output


def entry(container: str, second: int, level: str, message: str) -> LogEntry:
    ts = f"2025-08-16T14:30:{second:02d}.000000"
    stamp = f"2025-08-16T14:30:{second:02d}.000000000Z"
    return LogEntry(container, ts, level, message, f"{stamp} {message}", "stdout", stamp)


# --- errors_only ----------------------------------------------------------------------------


def test_errors_only_keeps_error_and_critical_in_order() -> None:
    entries = [
        entry("a", 1, "INFO", "x"),
        entry("a", 2, "ERROR", "e1"),
        entry("a", 3, "WARNING", "w"),
        entry("a", 4, "CRITICAL", "c"),
        entry("a", 5, "DEBUG", "d"),
        entry("a", 6, "ERROR", "e2"),
    ]
    assert [e.message for e in errors_only(entries)] == ["e1", "c", "e2"]
    assert errors_only(iter(entries[:1])) == []


# --- templates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "template"),
    [
        ("Application error occurred request_id=42", "Application error occurred request_id=<n>"),
        (
            'relation "users" does not exist at character 15',
            'relation "<s>" does not exist at character <n>',
        ),
        ("can't open 'config.yaml': not found", "can't open '<s>': not found"),
        ("timeout after 2m30s talking to 10.0.0.7:5432", "timeout after <dur> talking to <ip>"),
        ("slow request: 150ms (limit 1.5s)", "slow request: <dur> (limit <dur>)"),
        ("user 550e8400-e29b-41d4-a716-446655440000 not found", "user <id> not found"),
        ("segfault at 0x7ffd3a2b in container a1b2c3d4e5f6", "segfault at <id> in container <id>"),
        ("2025-08-16 14:30:22,123 - app - ERROR - Database timeout", "<ts> - app - ERROR - Database timeout"),
        (
            "2025/08/16 14:30:22 [error] 29#29: *17 connect() failed (111: Connection refused)",
            "<ts> [error] <n>#<n>: *<n> connect() failed (<n>: Connection refused)",
        ),
        (
            "[Sat Aug 16 14:30:22.123456 2025] [core:error] [pid 123] AH00037: Symbolic link",
            "[<ts>] [core:error] [pid <n>] AH00037: Symbolic link",
        ),
        ("E0816 14:30:22.123456  1 reflector.go:138] failed", "E<ts> <ts>  <n> reflector.go:<n>] failed"),
        ("worker_12 failed, user42 kept, HTTP/1.1 500", "worker_<n> failed, user42 kept, HTTP/<n> <n>"),
        ("first line 1\nsecond line 2", "first line <n>"),
        ("   padded   ", "padded"),
        ("", ""),
    ],
)
def test_message_template(message: str, template: str) -> None:
    assert message_template(message) == template


def every_rule_template(message: str) -> str:
    """`message_template` without its gates: every rule applied, in order."""
    line = message.split("\n", 1)[0].strip()
    for pattern, replacement, _ in _TEMPLATE_RULES:
        line = pattern.sub(replacement, line)
    return line


_PIECES = st.sampled_from(
    ['"', "'", "-", "/", ":", ".", ",", "x", "X", " ", "\n", "0", "7", "12", "2025", "٣", "ab", "f3", "Aug",
     "ms", "s", "µs", "UTC", "Z", "+02:00", "T", "I0816", "0x1f", "deadbeef12", "e", "_", "[", "]"]
)  # fmt: skip


@given(st.lists(_PIECES, max_size=30).map("".join))
def test_gated_template_equals_every_rule_applied(message: str) -> None:
    """Skipping rules whose characters are absent never changes a template."""
    assert message_template(message) == every_rule_template(message)
    assert headline_template(message) == message_template(headline(message))


def test_templates_of_repeats_are_equal_and_of_different_errors_differ() -> None:
    a = message_template('2025-08-16 14:30:22.123 UTC [123] ERROR:  relation "users" does not exist')
    b = message_template('2025-08-17 09:01:02.999 UTC [4567] ERROR:  relation "orders" does not exist')
    c = message_template("2025-08-17 09:01:02.999 UTC [4567] ERROR:  deadlock detected")
    assert a == b != c


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("[ERROR] boom\n  details", "[ERROR] boom"),
        (
            'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nValueError: bad',
            "ValueError: bad",
        ),
        ('{"level":"error","time":"2025-08-16T14:30:22Z","msg":"db down: 3 retries"}', "db down: 3 retries"),
        ('{"severity":"ERROR","message":"quota exceeded"}', "quota exceeded"),
        ('{"level":"error","event":"job failed"}', "job failed"),
        ('{"level":"error","code":5}', '{"level":"error","code":5}'),
        ('{"broken json', '{"broken json'),
        ('time=2025-08-16T14:30:22Z level=error msg="connection \\"db\\" lost" id=3', 'connection "db" lost'),
        ("level=error msg=timeout id=3", "timeout"),
    ],
)
def test_headline(message: str, expected: str) -> None:
    assert headline(message) == expected


# --- group_errors ---------------------------------------------------------------------------


def test_group_errors_counts_sorts_and_keeps_worst_level() -> None:
    entries = [
        entry("web", 1, "ERROR", "Application error occurred request_id=1"),
        entry("db", 2, "ERROR", 'relation "users" does not exist'),
        entry("web", 3, "INFO", "Application error occurred request_id=2"),  # not an error: ignored
        entry("api", 4, "CRITICAL", "Application error occurred request_id=3"),
        entry("db", 5, "ERROR", 'relation "orders" does not exist'),
        entry("web", 6, "ERROR", "Application error occurred request_id=4"),
        entry("api", 7, "ERROR", "disk full"),
        entry("api", 8, "ERROR", "deadlock detected"),
    ]
    groups = group_errors(entries)
    assert [(g.template, g.count) for g in groups] == [
        ("Application error occurred request_id=<n>", 3),
        ('relation "<s>" does not exist', 2),
        ("deadlock detected", 1),  # ties: most recent first
        ("disk full", 1),
    ]
    app = groups[0]
    assert isinstance(app, ErrorGroup)
    assert app.level == "CRITICAL"
    assert app.containers == ("api", "web")
    assert (app.first_seen, app.last_seen) == ("2025-08-16T14:30:01.000000", "2025-08-16T14:30:06.000000")
    assert app.example is entries[5]
    assert app.to_dict() == {
        "template": "Application error occurred request_id=<n>",
        "count": 3,
        "level": "CRITICAL",
        "containers": ["api", "web"],
        "first_seen": "2025-08-16T14:30:01.000000",
        "last_seen": "2025-08-16T14:30:06.000000",
    }


def test_group_errors_handles_out_of_order_entries_and_tracebacks() -> None:
    tb = 'Traceback (most recent call last):\n  File "a.py", line {n}, in f\nKeyError: {k}'
    entries = [
        entry("api", 9, "ERROR", tb.format(n=3, k="'user'")),
        entry("api", 2, "ERROR", tb.format(n=7, k="'order'")),
        entry("api", 5, "ERROR", 'Traceback (most recent call last):\n  File "b.py"\nValueError: x'),
    ]
    groups = group_errors(entries)
    assert [(g.template, g.count, g.first_seen[-9:-7], g.last_seen[-9:-7]) for g in groups] == [
        ("KeyError: '<s>'", 2, "02", "09"),
        ("ValueError: x", 1, "05", "05"),
    ]
    assert group_errors([]) == []


# --- error_summary --------------------------------------------------------------------------

SPEC_KEYS = {
    "timestamp",
    "analysis_period_hours",
    "total_containers",
    "containers_with_errors",
    "total_error_entries",
    "error_breakdown",
    "critical_issues",
}
NOW = datetime(2025, 8, 16, 14, 35, 22, 123456)


def sample_logs() -> dict[str, list[LogEntry]]:
    web = [entry("web-app", s, "ERROR", f"Application error occurred request_id={s}") for s in range(1, 8)]
    web.insert(3, entry("web-app", 3, "INFO", "GET / 200"))
    web.append(entry("web-app", 40, "CRITICAL", "Fatal error occurred"))
    db = [
        entry("database", 10, "INFO", "LOG:  checkpoint"),
        entry("database", 20, "CRITICAL", "FATAL:  the database system is shutting down"),
        entry("database", 30, "ERROR", 'ERROR:  relation "users" does not exist'),
    ]
    return {"web-app": web, "database": db, "cache": [entry("cache", 1, "WARNING", "maxmemory")], "idle": []}


def test_error_summary_has_exactly_the_spec_keys_plus_error_groups() -> None:
    summary = error_summary(sample_logs(), 1, now=NOW)
    assert set(summary) == SPEC_KEYS | {"error_groups"}
    json.dumps(summary)  # JSON-serialisable as it is


def test_error_summary_values() -> None:
    logs = sample_logs()
    summary = error_summary(logs, 1, now=NOW)
    assert summary["timestamp"] == "2025-08-16T14:35:22.123456"
    assert summary["analysis_period_hours"] == 1
    assert summary["total_containers"] == 4
    assert summary["containers_with_errors"] == 2
    assert summary["total_error_entries"] == 8 + 2

    breakdown = summary["error_breakdown"]
    assert list(breakdown) == ["web-app", "database"]  # only containers with errors
    assert set(breakdown["web-app"]) == {"error_count", "recent_errors"}
    assert breakdown["web-app"]["error_count"] == 8
    recent = breakdown["web-app"]["recent_errors"]
    assert [r["message"] for r in recent] == [
        "Application error occurred request_id=4",
        "Application error occurred request_id=5",
        "Application error occurred request_id=6",
        "Application error occurred request_id=7",
        "Fatal error occurred",
    ]  # the last five, oldest first
    assert recent[-1] == logs["web-app"][-1].to_dict()
    assert set(recent[0]) >= {"container_name", "timestamp", "level", "message", "raw_line"}
    assert breakdown["database"]["error_count"] == 2

    assert summary["critical_issues"] == [
        {
            "container": "database",
            "timestamp": "2025-08-16T14:30:20.000000",
            "message": "FATAL:  the database system is shutting down",
            "severity": "critical",
        },
        {
            "container": "web-app",
            "timestamp": "2025-08-16T14:30:40.000000",
            "message": "Fatal error occurred",
            "severity": "critical",
        },
    ]  # time order across containers

    groups = summary["error_groups"]
    assert groups[0] == {
        "template": "Application error occurred request_id=<n>",
        "count": 7,
        "level": "ERROR",
        "containers": ["web-app"],
        "first_seen": "2025-08-16T14:30:01.000000",
        "last_seen": "2025-08-16T14:30:07.000000",
    }
    assert sum(g["count"] for g in groups) == summary["total_error_entries"]


def test_error_summary_recent_count_and_clock() -> None:
    logs = sample_logs()
    assert error_summary(logs, 2.5, now=NOW, recent=0)["error_breakdown"]["web-app"]["recent_errors"] == []
    assert (
        len(error_summary(logs, 2.5, now=NOW, recent=100)["error_breakdown"]["web-app"]["recent_errors"]) == 8
    )
    aware = datetime(2025, 8, 16, 16, 35, 22, tzinfo=timezone(timedelta(hours=2)))
    assert error_summary(logs, 1, now=aware)["timestamp"] == "2025-08-16T14:35:22.000000"
    before = datetime.now(UTC).replace(tzinfo=None)
    stamp = datetime.fromisoformat(error_summary({}, 1)["timestamp"])
    assert stamp.tzinfo is None and before <= stamp <= datetime.now(UTC).replace(tzinfo=None)


def test_error_summary_of_no_errors() -> None:
    summary = error_summary({"web": [entry("web", 1, "INFO", "ok")]}, 1, now=NOW)
    assert {k: v for k, v in summary.items() if k != "timestamp"} == {
        "analysis_period_hours": 1,
        "total_containers": 1,
        "containers_with_errors": 0,
        "total_error_entries": 0,
        "error_breakdown": {},
        "critical_issues": [],
        "error_groups": [],
    }


def test_summary_from_parsed_docker_output() -> None:
    stdout = (
        "2025-08-16T14:30:22.100000000Z [INFO] started\n"
        "2025-08-16T14:30:22.300000000Z [INFO] failed to find error: none\n"
    )
    stderr = (
        "2025-08-16T14:30:22.200000000Z ERROR:root:Unhandled exception\n"
        "2025-08-16T14:30:22.200000001Z Traceback (most recent call last):\n"
        '2025-08-16T14:30:22.200000002Z   File "/app/main.py", line 3, in <module>\n'
        "2025-08-16T14:30:22.200000003Z ValueError: boom\n"
        "2025-08-16T14:30:22.400000000Z [CRITICAL] out of memory\n"
    )
    logs = {"api": parse_docker_output("api", stdout, stderr)}
    summary = error_summary(logs, 1, now=NOW)
    assert summary["total_error_entries"] == 2
    recent = summary["error_breakdown"]["api"]["recent_errors"]
    assert [(r["level"], r["stream"], r["timestamp"]) for r in recent] == [
        ("ERROR", "stderr", "2025-08-16T14:30:22.200000"),
        ("CRITICAL", "stderr", "2025-08-16T14:30:22.400000"),
    ]
    assert recent[0]["message"].splitlines()[-1] == "ValueError: boom"
    assert summary["critical_issues"][0]["message"] == "out of memory"
