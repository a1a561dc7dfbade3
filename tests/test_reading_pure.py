"""The reading aids' pure parts: the message without its echo, structured lines as fields,
the time a jump goes to, and the column layout for a terminal width."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logtui import guard
from logtui.models import LogEntry
from logtui.tui._layout import MIN_MESSAGE, list_columns, row_columns
from logtui.tui.detail import copy_text, entry_fields
from logtui.tui.jump import SPAN, fetch_range, parse_moment
from logtui.tui.message import shown, strip_echo
from logtui.tui.render import RowLook, entry_row

STAMP = "2026-11-30T10:44:46.509000"
NOW = datetime(2026, 11, 30, 15, 30, 0)

# -- the message, not its echo ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "level", "expected"),
    [
        ("2026-11-30 10:44:46,509 ERROR app.views: boom", "ERROR", "app.views: boom"),
        ("2026-11-30T10:44:46.509Z [ERROR] boom", "ERROR", "boom"),
        ("[2026-11-30 10:44:46] WARNING: disk 91%", "WARNING", "disk 91%"),
        ("2026/11/30 10:44:46 [warn] 29#29: upstream buffered", "WARNING", "29#29: upstream buffered"),
        ("Nov 30 10:44:45 INFO cron started", "INFO", "cron started"),
        ("10:44:46.509 DEBUG cache hit", "DEBUG", "cache hit"),
        ("11:44:47 INFO in another zone, a second off", "INFO", "in another zone, a second off"),
        ("ERROR app.views: boom", "ERROR", "app.views: boom"),  # the level alone repeats too
        ("FATAL:  password authentication failed", "CRITICAL", "password authentication failed"),
    ],
)
def test_an_echoed_stamp_and_level_are_left_out(line: str, level: str, expected: str) -> None:
    assert strip_echo(line, level, STAMP) == expected


def test_a_stamp_behind_a_colour_code_is_still_an_echo() -> None:
    line = "\x1b[32m2026-11-30 10:44:46,509 INFO\x1b[0m app.access: GET /health 200"
    assert shown(line, "INFO", STAMP).text == "app.access: GET /health 200"


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("2026-11-30 10:20:00,000 ERROR a stamp 25 minutes off is information", "ERROR"),
        ("ERROR but the entry is a warning", "WARNING"),
        ("LOG:  checkpoint starting", "INFO"),  # not a level word
        ("ERROR", "ERROR"),  # nothing would be left
        ("errors: 3 of 10 jobs", "ERROR"),  # a word that starts like one
    ],
)
def test_what_does_not_repeat_the_columns_stays(line: str, level: str) -> None:
    assert strip_echo(line, level, STAMP) == line


def test_json_lines_show_their_message_then_fields() -> None:
    line = (
        '{"level":"error","time":"2026-11-30T10:44:46.509Z","msg":"upstream failed",'
        '"request_id":"abc-1","n":3}'
    )
    result = shown(line, "ERROR", STAMP)
    assert result.text == "upstream failed"
    assert result.fields == (("request_id", "abc-1"), ("n", "3"))  # level and time: the columns
    nested = shown('{"message":"x","ctx":{"a":[1,2]},"ok":true,"none":null}', "INFO", STAMP)
    assert nested.text == "x" and nested.fields == (("ctx", '{"a":[1,2]}'), ("ok", "true"), ("none", "null"))
    bare = shown('{"level":"info","port":8080}', "INFO", STAMP)  # no message field: all fields
    assert bare.text == "" and bare.fields == (("level", "info"), ("port", "8080"))
    assert shown(line, "ERROR", STAMP, raw=True).text == line


def test_logfmt_lines_show_their_message_then_fields() -> None:
    line = 'time=2026-11-30T10:44:46Z level=warn msg="retrying job" job_id=981 queue="mail out"'
    result = shown(line, "WARNING", STAMP)
    assert result.text == "retrying job"
    assert result.fields == (("job_id", "981"), ("queue", "mail out"))
    # prose with a key=value in it is prose
    prose = "Application error occurred request_id=1842"
    assert shown(prose, "ERROR", STAMP).text == prose and shown(prose, "ERROR", STAMP).fields == ()


def test_structured_text_is_sanitised_and_never_markup() -> None:
    line = '{"msg":"[bold]hi[/] \\u001b]0;pwned\\u0007 \\u202eevil","k\\u001b[2J":"v\\u009b31m"}'
    result = shown(line, "INFO", STAMP)
    assert result.text == "[bold]hi[/] evil"
    assert result.fields == (("k", "v"),)  # \x9b31m is a C1 CSI sequence: all of it goes
    text = entry_row(LogEntry("api", STAMP, "INFO", line, line), 0, RowLook())
    assert "\x1b" not in text.plain and "\x9b" not in text.plain and "[bold]hi[/]" in text.plain


def test_detail_fields_and_copy_text() -> None:
    entry = LogEntry("api", STAMP, "ERROR", '{"msg":"x","ctx":{"request_id":"r-1","user":{"id":7}}}', "")
    document, fields = entry_fields(entry)
    assert document is not None and ("ctx.request_id", "r-1") in fields and ("ctx.user.id", "7") in fields
    prose = LogEntry("web", STAMP, "ERROR", 'Application error request_id=1842 user="a b"', "")
    assert entry_fields(prose) == (None, [("request_id", "1842"), ("user", "a b")])
    hostile = LogEntry("web", STAMP, "ERROR", "a\x1b[2J\tb\nc\x1b]52;c;AAAA\x07d\u202e", "")
    assert copy_text(hostile) == "a\tb\ncd"


# -- jump to a time ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "moment"),
    [
        ("14:03", datetime(2026, 11, 30, 14, 3)),
        ("14:03:27.5", datetime(2026, 11, 30, 14, 3, 27, 500000)),
        ("16:00", datetime(2026, 11, 29, 16, 0)),  # still to come today: yesterday's
        ("yesterday 14:03", datetime(2026, 11, 29, 14, 3)),
        ("Yesterday  14:03", datetime(2026, 11, 29, 14, 3)),
        ("today 9:05", datetime(2026, 11, 30, 9, 5)),
        ("-2h", datetime(2026, 11, 30, 13, 30)),
        ("-1h30m", datetime(2026, 11, 30, 14, 0)),
        ("90s ago", datetime(2026, 11, 30, 15, 28, 30)),
        ("-1d", datetime(2026, 11, 29, 15, 30)),
        ("2026-11-30T14:03:00Z", datetime(2026, 11, 30, 14, 3)),
        ("2026-11-30T16:03:00+02:00", datetime(2026, 11, 30, 14, 3)),
        ("2026-11-30 14:03:00.250", datetime(2026, 11, 30, 14, 3, 0, 250000)),
        ("2026-11-29", datetime(2026, 11, 29)),
    ],
)
def test_parse_moment(typed: str, moment: datetime) -> None:
    assert parse_moment(typed, NOW) == moment


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "type a time"),
        ("soon", "not a time"),
        ("25:00", "not a time of day"),
        ("today 16:00", "has not happened yet"),
        ("2026-12-01T00:00:00Z", "has not happened yet"),
        ("-400d", "more than a year"),
        ("2026-13-01", "not a time"),
        ("$(reboot)", "not a time"),
    ],
)
def test_parse_moment_refuses_with_the_forms(typed: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_moment(typed, NOW)


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1)))
def test_the_range_is_what_docker_and_the_guard_accept(moment: datetime) -> None:
    since, until = fetch_range(moment)
    assert guard.validate_time(since) == since and guard.validate_time(until) == until
    command = guard.docker_logs("web-app", since=since, until=until)
    assert guard.validate_line(command.line) == command.argv
    assert datetime.fromisoformat(since.rstrip("Z")) == moment - SPAN
    assert datetime.fromisoformat(until.rstrip("Z")) == moment + SPAN


@given(st.text(max_size=40))
def test_parse_moment_either_parses_or_says_so(typed: str) -> None:
    try:
        moment = parse_moment(typed, NOW)
    except ValueError as exc:
        assert str(exc)
    else:
        assert moment <= NOW + timedelta(seconds=1)
        for value in fetch_range(moment):
            guard.validate_time(value)


# -- layout -----------------------------------------------------------------------------------


def test_columns_at_80_120_and_200() -> None:
    assert list_columns(80, 10).keys == ("mark", "name", "err")
    assert list_columns(120, 10).keys == ("mark", "name", "status", "err")
    assert list_columns(200, 10).keys == ("mark", "name", "status", "err", "cpu", "mem", "rate")
    assert list_columns(200, 10).name == 11 and list_columns(200, 35).name == 21  # fits, up to a cap
    wide = row_columns(200 - list_columns(200, 10).width - 3, 10, True, "absolute")
    assert (wide.time, wide.name, wide.level, wide.tinted) == (12, 10, 5, False)
    narrow = row_columns(80 - list_columns(80, 10).width - 3, 10, True, "absolute")
    assert narrow.tinted and narrow.name == 0 and narrow.time == 8  # the time in the container's colour
    alone = row_columns(80 - 3, 10, True, "absolute")  # the containers pane hidden: names come back
    assert alone.name == 10 and not alone.tinted


@given(
    st.integers(min_value=80, max_value=400),
    st.integers(min_value=1, max_value=64),
    st.booleans(),
    st.sampled_from(["absolute", "relative", "hidden"]),
)
def test_the_message_keeps_45_columns_from_80_up(total: int, longest: int, several: bool, mode: str) -> None:
    inner = total - list_columns(total, longest).width - 3
    columns = row_columns(inner, longest, several, mode)
    assert inner - columns.width >= MIN_MESSAGE
