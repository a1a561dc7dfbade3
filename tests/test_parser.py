"""The parser on lines shaped like real `docker logs --timestamps` output."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logtui.models import LEVELS
from logtui.parser import (
    EntryAssembler,
    detect_level,
    is_continuation,
    merge_by_time,
    parse_docker_output,
    parse_stream,
    split_docker_line,
    strip_level_tag,
    to_iso,
)

TS = "2025-08-16T14:30:22.123456789Z"


def docker(*texts: str, start: int = 0) -> str:
    """Docker output for these texts: one nanosecond stamp per line, one millisecond apart."""
    return "".join(
        f"2025-08-16T14:30:{22 + (start + i) // 1000:02d}.{(start + i) % 1000:03d}000000Z {t}\n"
        for i, t in enumerate(texts)
    )


# --- split_docker_line / to_iso -------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"{TS} [ERROR] boom", (TS, "[ERROR] boom")),
        ("2025-08-16T14:30:22Z hello", ("2025-08-16T14:30:22Z", "hello")),
        ("2025-08-16T16:30:22.5+02:00 hello", ("2025-08-16T16:30:22.5+02:00", "hello")),
        (f'{TS}   File "app.py", line 3', (TS, '  File "app.py", line 3')),
        (f"{TS} crlf line\r", (TS, "crlf line")),
        (f"{TS} two\r\r", (TS, "two\r")),
        (f"{TS} ", (TS, "")),
        (TS, (TS, "")),
        ("no timestamp here", ("", "no timestamp here")),
        ("2025-08-16 14:30:22,123 - app - INFO - x", ("", "2025-08-16 14:30:22,123 - app - INFO - x")),
        (f"{TS}x glued", ("", f"{TS}x glued")),
        ("", ("", "")),
    ],
)
def test_split_docker_line(line: str, expected: tuple[str, str]) -> None:
    assert split_docker_line(line) == expected


@pytest.mark.parametrize(
    ("stamp", "iso"),
    [
        ("2025-08-16T14:30:22.123456789Z", "2025-08-16T14:30:22.123456"),
        ("2025-08-16T14:30:22.999999999Z", "2025-08-16T14:30:22.999999"),  # truncated, not rounded
        ("2025-08-16T14:30:22Z", "2025-08-16T14:30:22.000000"),
        ("2025-08-16T14:30:22.5Z", "2025-08-16T14:30:22.500000"),
        ("2025-08-16T14:30:22.123+00:00", "2025-08-16T14:30:22.123000"),
        ("2025-08-16T16:30:22.123456789+02:00", "2025-08-16T14:30:22.123456"),
        ("2025-08-16T09:00:22-05:30", "2025-08-16T14:30:22.000000"),
        ("2025-08-17T01:30:00+02:00", "2025-08-16T23:30:00.000000"),  # day rolls back
        ("", ""),
    ],
)
def test_to_iso(stamp: str, iso: str) -> None:
    assert to_iso(stamp) == iso


@pytest.mark.parametrize(
    "bad", ["yesterday", "2025-08-16", "2025-08-16T14:30:22", "2025-08-16T14:30:22Z junk"]
)
def test_to_iso_refuses_what_is_not_rfc3339(bad: str) -> None:
    with pytest.raises(ValueError):
        to_iso(bad)


# --- detect_level ---------------------------------------------------------------------------

LEVEL_CASES = [
    # generic forms
    ("[ERROR] Application error occurred", "ERROR"),
    ("ERROR: disk quota exceeded", "ERROR"),
    ("ERROR failed to open /data/x", "ERROR"),
    ("[WARN] retrying in 5s", "WARNING"),
    ("[ WARN] padded log4j level", "WARNING"),
    ("[debug] cache hit", "DEBUG"),
    ("TRACE entering handler", "DEBUG"),
    ("NOTICE: config reloaded", "INFO"),
    ("CRIT: out of file descriptors", "CRITICAL"),
    ("FATAL unable to bind :8080", "CRITICAL"),
    ("EMERG: system unusable", "CRITICAL"),
    ("npm ERR! code E404", "ERROR"),
    ("warning: variable unused", "WARNING"),
    ("Error: connect ECONNREFUSED 127.0.0.1:5432", "ERROR"),
    ("panic: runtime error: index out of range [3] with length 3", "CRITICAL"),
    # the trap: the header's level wins over words of the message
    ("2025-08-16 14:30:22 INFO cache parity error corrected", "INFO"),
    ("[INFO] failed to find error", "INFO"),
    ("2025-08-16 14:30:22,123 - uvicorn.error - INFO - Application startup complete.", "INFO"),
    ("The error log is rotated daily", "INFO"),
    ("audit log: 3 errors fixed", "INFO"),
    ("Server listening on port 8080", "INFO"),
    ("", "INFO"),
    # Python logging
    ("2025-08-16 14:30:22,123 - app - ERROR - Database timeout", "ERROR"),
    ("2025-08-16 14:30:22,123 - sqlalchemy.engine.Engine - WARNING - pool exhausted", "WARNING"),
    ("ERROR:root:Unhandled exception", "ERROR"),
    ("WARNING:app.worker:slow task", "WARNING"),
    ("2025-08-16 14:30:22,123 ERROR [app] request failed", "ERROR"),
    ("2025-08-16 14:30:22,123 CRITICAL [app] out of memory", "CRITICAL"),
    ('INFO:     127.0.0.1:51234 - "GET /health HTTP/1.1" 200 OK', "INFO"),
    ("[2025-08-16 14:30:22 +0000] [7] [ERROR] Worker (pid:8) was sent SIGKILL!", "ERROR"),
    ("[2025-08-16 14:30:22,123: ERROR/ForkPoolWorker-1] Task tasks.send failed", "ERROR"),
    # PostgreSQL
    ('2025-08-16 14:30:22.123 UTC [123] ERROR:  relation "users" does not exist at character 15', "ERROR"),
    ('2025-08-16 14:30:22.123 UTC [77] FATAL:  password authentication failed for user "app"', "CRITICAL"),
    ("2025-08-16 14:30:22.123 UTC [1] PANIC:  could not locate a valid checkpoint record", "CRITICAL"),
    ("2025-08-16 14:30:22.123 UTC [1] LOG:  database system is ready to accept connections", "INFO"),
    ("2025-08-16 14:30:22.123 UTC [9] WARNING:  there is no transaction in progress", "WARNING"),
    ('2025-08-16 14:30:22.123 UTC [9] NOTICE:  relation "t" already exists, skipping', "INFO"),
    # nginx error log
    ("2025/08/16 14:30:22 [error] 29#29: *1 connect() failed (111: Connection refused)", "ERROR"),
    ('2025/08/16 14:30:22 [crit] 29#29: *5 open() "/var/cache/x" failed (13: Permission denied)', "CRITICAL"),
    ("2025/08/16 14:30:22 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address in use)", "CRITICAL"),
    ("2025/08/16 14:30:22 [alert] 1#1: worker process 30 exited on signal 9", "CRITICAL"),
    ("2025/08/16 14:30:22 [warn] 1#1: conflicting server name", "WARNING"),
    ("2025/08/16 14:30:22 [notice] 1#1: start worker processes", "INFO"),
    ("2025/08/16 14:30:22 [info] 29#29: *3 client closed connection", "INFO"),
    ("2025/08/16 14:30:22 [debug] 29#29: *3 http cleanup", "DEBUG"),
    # Apache
    ("[Sat Aug 16 14:30:22.123456 2025] [core:error] [pid 123] AH00037: Symbolic link not allowed", "ERROR"),
    ("[Sat Aug 16 14:30:22.123456 2025] [mpm_event:notice] [pid 1:tid 2] AH00489: resuming", "INFO"),
    ("[Sat Aug 16 14:30:22.123456 2025] [ssl:warn] [pid 1] AH01909: certificate mismatch", "WARNING"),
    ("[Sat Aug 16 14:30:22.123456 2025] [core:crit] [pid 1] AH00102: error in configuration", "CRITICAL"),
    ("[Sat Aug 16 14:30:22.123456 2025] [proxy:trace3] [pid 1] proxy_util.c(2156): error-free", "DEBUG"),
    # logfmt
    ('time="2025-08-16T14:30:22Z" level=warning msg="slow query" duration=1.2s', "WARNING"),
    ('time=2025-08-16T14:30:22Z level=error msg="[INFO] marker inside the message"', "ERROR"),
    ('ts=2025-08-16T14:30:22Z level=info msg="error budget at 3%"', "INFO"),
    ('t=2025-08-16T14:30:22+0000 lvl=eror msg="Failed to send alert"', "ERROR"),
    ('t=2025-08-16T14:30:22+0000 lvl=dbug msg="x"', "DEBUG"),
    ('ts=1 severity=critical msg="disk failed"', "CRITICAL"),
    ('prevlevel=error level=info msg="recovered"', "INFO"),
    # JSON lines
    ('{"level":"error","time":"2025-08-16T14:30:22Z","msg":"request failed"}', "ERROR"),
    ('{"time":"2025-08-16T14:30:22Z","severity":"ERROR","message":"x"}', "ERROR"),
    ('{"lvl":"warn","msg":"deprecated"}', "WARNING"),
    ('{"time":"x","msg":"all good, no error","level":"info"}', "INFO"),
    ('{"@t":"2025-08-16T14:30:22Z","@l":"Fatal","@mt":"crash"}', "CRITICAL"),
    ('{"log.level":"warn","message":"x"}', "WARNING"),
    ('{"level":60,"time":1755354622000,"pid":1,"msg":"crash"}', "CRITICAL"),
    ('{"level":50,"time":1755354622000,"pid":1,"msg":"failed"}', "ERROR"),
    ('{"level":40,"msg":"slow"}', "WARNING"),
    ('{"level":30,"msg":"error handler installed"}', "INFO"),
    ('{"level":20,"msg":"x"}', "DEBUG"),
    ('{"level":10,"msg":"x"}', "DEBUG"),
    ('{"t":{"$date":"2025-08-16T14:30:22.123+00:00"},"s":"E","c":"NETWORK","msg":"x"}', "ERROR"),
    ('{"t":{"$date":"2025-08-16T14:30:22.123+00:00"},"s":"I","c":"NETWORK","msg":"error"}', "INFO"),
    # glog / klog
    ("E0816 14:30:22.123456       1 reflector.go:138] failed to list *v1.Pod", "ERROR"),
    ("F0816 14:30:22.123456       1 main.go:42] cannot start", "CRITICAL"),
    ("W0816 14:30:22.123456       1 main.go:42] slow", "WARNING"),
    ("I0816 14:30:22.123456       1 main.go:42] error count is 0", "INFO"),
    # others seen in containers
    ("2025-08-16T14:30:22.123Z\terror\tserver/main.go:12\tlisten failed", "ERROR"),
    ("2025-08-16T14:30:22.123Z ERROR 1 --- [main] o.s.boot.SpringApplication : failed", "ERROR"),
    ("E, [2025-08-16T14:30:22.123456 #1] ERROR -- : boom", "ERROR"),
    ("2:30PM WRN disk almost full", "WARNING"),
    ("EROR[08-16|14:30:22] Failed to commit", "ERROR"),
    ("1:M 16 Aug 2025 14:30:22.123 # WARNING overcommit_memory is set to 0!", "WARNING"),
    ("1:M 16 Aug 2025 14:30:22.123 * Ready to accept connections", "INFO"),
    # access logs: the status decides when nothing else does
    ('10.0.0.1 - - [16/Aug/2025:14:30:22 +0000] "GET /api HTTP/1.1" 502 150 "-" "curl/8.0"', "ERROR"),
    ('10.0.0.1 - - [16/Aug/2025:14:30:22 +0000] "GET /nope HTTP/1.1" 404 150 "-" "curl/8.0"', "WARNING"),
    ('10.0.0.1 - - [16/Aug/2025:14:30:22 +0000] "GET /error HTTP/1.1" 200 15 "-" "curl/8.0"', "INFO"),
]


@pytest.mark.parametrize(("text", "level"), LEVEL_CASES)
def test_detect_level(text: str, level: str) -> None:
    assert detect_level(text) == level


def test_detect_level_only_searches_the_header() -> None:
    padding = "x" * 120
    assert detect_level(f"processed batch {padding} ERROR: in a payload") == "INFO"
    assert detect_level(f"ERROR: {padding}") == "ERROR"


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_detect_level_is_total(text: str) -> None:
    assert detect_level(text) in LEVELS


# --- strip_level_tag ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # A leading tag goes, with the spaces after it (the spec's entry format).
        ("[ERROR] Application error occurred", "Application error occurred"),
        ("ERROR: boom", "boom"),
        ("[warn]: x", "x"),
        ("[WARNING] disk at 91%", "disk at 91%"),
        ("[Info] started", "started"),
        ("INFO: worker started", "worker started"),
        ("error: x", "error: x"),  # lower-case `tag:` names a thing (Go, git), kept
        ("[DEBUG]   spaced", "spaced"),
        ("[trace3] x", "x"),
        ("[ERR] x", "x"),
        ("[error] 7#7: *1 open() failed", "7#7: *1 open() failed"),
        ("[ERROR]: [INFO] x", "[INFO] x"),  # only one tag goes
        ("[ERROR] multi\n  line", "multi\n  line"),
        # Everything else is kept whole.
        ("ERROR:root:msg", "ERROR:root:msg"),
        ("INFO:root:next", "INFO:root:next"),
        ("[core:error] x", "[core:error] x"),
        ("ERRORS: x", "ERRORS: x"),
        ("ValueError: boom", "ValueError: boom"),
        ("[ERROR]", "[ERROR]"),
        ("[ERROR] ", "[ERROR] "),
        ("ERROR:", "ERROR:"),
        ("ERROR: ", "ERROR: "),
        ("[ERROR]x", "[ERROR]x"),
        ("[ERROR]:x", "[ERROR]:x"),
        ("[ERROR]\nnext", "[ERROR]\nnext"),
        ("ERROR : x", "ERROR : x"),
        ("[ ERROR ] x", "[ ERROR ] x"),
        ("  [ERROR] indented", "  [ERROR] indented"),
        ("INFO cache hit ratio 0.93", "INFO cache hit ratio 0.93"),
        ("WARN x", "WARN x"),
        ("2025-08-16 14:30:22.123 UTC [1] ERROR:  relation does not exist", None),
        ("2025-08-16 14:30:22.123 UTC [57] LOG:  checkpoint starting: time", None),
        ("2025-08-16 14:30:22.123 UTC [1] DETAIL:  Key (id)=(1) already exists.", None),
        ("2025-08-16 14:30:22,123 - app - ERROR - x", None),
        ("2025-08-16 14:30:22,123 ERROR [main] x", None),
        ("E0816 14:30:22.123456       1 main.go:42] x", None),
        ('{"level": "error", "msg": "x"}', None),
        ("level=error msg=x", None),
        ("", ""),
    ],
)
def test_strip_level_tag(text: str, message: str | None) -> None:
    assert strip_level_tag(text) == (text if message is None else message)


def test_stripped_tag_stays_in_raw_line() -> None:
    (entry,) = parse_stream("api", "stderr", f"{TS} [ERROR] Application error occurred\n")
    assert entry.message == "Application error occurred"
    assert entry.raw_line == f"{TS} [ERROR] Application error occurred"
    assert entry.level == "ERROR"


# --- is_continuation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('  File "/app/main.py", line 12, in handler', True),
        ("\tat com.example.Service.run(Service.java:42)", True),
        ("\t... 12 more", True),
        ("    at Object.<anonymous> (/app/index.js:3:9)", True),
        ("Caused by: java.io.IOException: broken pipe", True),
        ("During handling of the above exception, another exception occurred:", True),
        ("The above exception was the direct cause of the following exception:", True),
        ("2025-08-16 14:30:22.123 UTC [123] DETAIL:  Key (id)=(1) already exists.", True),
        ("2025-08-16 14:30:22.123 UTC [123] STATEMENT:  SELECT * FROM users", True),
        ("2025-08-16 14:30:22.123 UTC [123] HINT:  Perhaps you meant users2.", True),
        ("2025-08-16 14:30:22.123 UTC [123] CONTEXT:  SQL function f", True),
        ("", True),
        ("[ERROR] boom", False),
        ("2025-08-16 14:30:22.123 UTC [123] ERROR:  relation does not exist", False),
        ("Traceback (most recent call last):", False),  # depends on context: see the assembler
        ("Server started", False),
    ],
)
def test_is_continuation(text: str, expected: bool) -> None:
    assert is_continuation(text) is expected


# --- multi-line grouping --------------------------------------------------------------------

PY_TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/app/server.py", line 88, in handle',
    "    result = compute(payload)",
    '  File "/app/logic.py", line 12, in compute',
    '    raise ValueError("boom")',
    "ValueError: boom",
]


def test_uncaught_python_traceback_is_one_error_entry() -> None:
    text = docker("[INFO] request received", *PY_TRACEBACK, "[INFO] next request")
    entries = parse_stream("api", "stderr", text)
    assert [e.level for e in entries] == ["INFO", "ERROR", "INFO"]
    tb = entries[1]
    assert tb.message == "\n".join(PY_TRACEBACK)
    assert tb.raw_line == "\n".join(text.splitlines()[1:7])
    assert tb.docker_timestamp == "2025-08-16T14:30:22.001000000Z"
    assert tb.timestamp == "2025-08-16T14:30:22.001000"
    assert tb.stream == "stderr" and tb.container_name == "api"


def test_logging_exception_line_and_its_traceback_are_one_entry() -> None:
    lines = ["2025-08-16 14:30:22,123 - api - ERROR - Unhandled exception in POST /orders", *PY_TRACEBACK]
    entries = parse_stream("api", "stderr", docker(*lines, "2025-08-16 14:30:23,000 - api - INFO - ok"))
    assert len(entries) == 2
    assert entries[0].level == "ERROR"
    assert entries[0].message.splitlines() == lines
    assert entries[1].message.endswith("INFO - ok")


def test_chained_python_traceback_is_one_entry() -> None:
    lines = [
        "ERROR:root:Request failed",
        *PY_TRACEBACK[:-1],
        "KeyError: 'user'",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        *PY_TRACEBACK,
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        '  File "/app/server.py", line 90, in handle',
        "    raise RuntimeError('request failed') from exc",
        "RuntimeError: request failed",
    ]
    entries = parse_stream("api", "stderr", docker(*lines, "INFO:root:next"))
    assert [e.level for e in entries] == ["ERROR", "INFO"]
    assert entries[0].message == "\n".join(lines)
    assert entries[0].raw_line.count("\n") == len(lines) - 1


def test_two_separate_tracebacks_are_two_entries() -> None:
    entries = parse_stream("api", "stderr", docker(*PY_TRACEBACK, *PY_TRACEBACK))
    assert [e.level for e in entries] == ["ERROR", "ERROR"]
    assert entries[0].message == entries[1].message == "\n".join(PY_TRACEBACK)


def test_traceback_after_an_info_line_opens_its_own_error_entry() -> None:
    entries = parse_stream("api", "stderr", docker("INFO: worker started", *PY_TRACEBACK))
    assert [(e.level, e.message.splitlines()[0]) for e in entries] == [
        ("INFO", "worker started"),
        ("ERROR", "Traceback (most recent call last):"),
    ]
    assert entries[0].raw_line.endswith(" INFO: worker started")


def test_truncated_traceback_does_not_swallow_the_next_log_line() -> None:
    lines = PY_TRACEBACK[:3]
    entries = parse_stream("api", "stderr", docker(*lines, "INFO:     Started server process [1]"))
    assert [e.level for e in entries] == ["ERROR", "INFO"]


JAVA_TRACE = [
    "java.lang.IllegalStateException: Failed to execute CommandLineRunner",
    "\tat org.springframework.boot.SpringApplication.callRunner(SpringApplication.java:798)",
    "\tat org.springframework.boot.SpringApplication.run(SpringApplication.java:315)",
    "Caused by: java.sql.SQLException: Connection refused",
    "\tat com.example.db.Pool.get(Pool.java:42)",
    "\t... 12 more",
]


def test_java_stack_trace_after_its_log_line_is_one_entry() -> None:
    opener = "2025-08-16T14:30:22.123Z ERROR 1 --- [main] o.s.boot.SpringApplication : Application run failed"
    entries = parse_stream(
        "api", "stdout", docker(opener, *JAVA_TRACE, "2025-08-16T14:30:23.000Z  INFO 1 --- ok")
    )
    assert [e.level for e in entries] == ["ERROR", "INFO"]
    assert entries[0].message.splitlines() == [opener, *JAVA_TRACE]


def test_java_stack_trace_without_a_level_is_an_error() -> None:
    lines = ['Exception in thread "main" java.lang.NullPointerException', *JAVA_TRACE[1:]]
    entries = parse_stream("worker", "stderr", docker(*lines))
    assert len(entries) == 1
    assert entries[0].level == "ERROR"


def test_exception_class_line_does_not_join_an_info_line() -> None:
    entries = parse_stream("w", "stdout", docker("[INFO] starting", "java.lang.RuntimeException: boom"))
    assert len(entries) == 2


def test_node_stack_keeps_the_opener_level() -> None:
    lines = [
        "Error: connect ECONNREFUSED 127.0.0.1:5432",
        "    at TCPConnectWrap.afterConnect (net.js:1141:16)",
    ]
    entries = parse_stream("web", "stderr", docker(*lines))
    # `Error:` names the exception here, so the message keeps it (only TAG: in upper case goes).
    assert [(e.level, e.message) for e in entries] == [("ERROR", "\n".join(lines))]


def test_postgres_detail_hint_statement_join_their_error() -> None:
    p = "2025-08-16 14:30:22.123 UTC [123] "
    lines = [
        p + 'ERROR:  duplicate key value violates unique constraint "users_pkey"',
        p + "DETAIL:  Key (id)=(1) already exists.",
        p + "HINT:  Check the id sequence.",
        p + "CONTEXT:  SQL statement in function f",
        p + "STATEMENT:  INSERT INTO users (id) VALUES (1)",
        p + "LOG:  checkpoint starting: time",
    ]
    entries = parse_stream("db", "stderr", docker(*lines))
    assert [e.level for e in entries] == ["ERROR", "INFO"]
    assert entries[0].message.splitlines() == lines[:5]


def test_indented_and_blank_lines_join_the_entry_and_message_is_rstripped() -> None:
    text = docker("[WARN] config:   ", "    key=1", "", "  ", "[INFO] done")
    entries = parse_stream("c", "stdout", text)
    assert [e.message for e in entries] == ["config:\n    key=1", "done"]
    assert entries[0].raw_line == "\n".join(text.splitlines()[:4])  # blank lines kept in raw_line


# --- stamps, CR, lines without a stamp ------------------------------------------------------


def test_podman_whole_second_stamps() -> None:
    text = "2025-08-16T14:30:22Z [ERROR] boom\n2025-08-16T14:30:23Z [INFO] ok\n"
    entries = parse_stream("c", "stdout", text)
    assert [(e.timestamp, e.docker_timestamp) for e in entries] == [
        ("2025-08-16T14:30:22.000000", "2025-08-16T14:30:22Z"),
        ("2025-08-16T14:30:23.000000", "2025-08-16T14:30:23Z"),
    ]


def test_offset_stamps_are_converted_to_utc() -> None:
    (entry,) = parse_stream("c", "stdout", "2025-08-16T16:30:22.5+02:00 hello\n")
    assert entry.timestamp == "2025-08-16T14:30:22.500000"
    assert entry.docker_timestamp == "2025-08-16T16:30:22.5+02:00"


def test_crlf_is_stripped_from_message_and_raw_line() -> None:
    entries = parse_stream("tty", "stdout", f"{TS} [ERROR] boom\r\n{TS} second\r\n")
    assert [(e.message, e.raw_line) for e in entries] == [
        ("boom", f"{TS} [ERROR] boom"),
        ("second", f"{TS} second"),
    ]


def test_lines_without_a_stamp_are_kept() -> None:
    text = (
        "orphan first line\n"
        + docker("[INFO] a")
        + "unstamped standalone line\n"
        + docker("[ERROR] b", start=5)
    )
    entries = parse_stream("c", "stdout", text)
    assert [e.message for e in entries] == [
        "orphan first line",
        "a",
        "unstamped standalone line",
        "b",
    ]
    assert entries[3].raw_line.endswith("Z [ERROR] b")
    assert entries[0].timestamp == "" and entries[0].docker_timestamp == ""
    # An unstamped line inherits the stream's last stamp, so time order holds.
    assert entries[2].docker_timestamp == entries[1].docker_timestamp
    assert entries[2].raw_line == "unstamped standalone line"


def test_text_without_final_newline_and_empty_text() -> None:
    assert [e.message for e in parse_stream("c", "stdout", f"{TS} a\n{TS} b")] == ["a", "b"]
    assert parse_stream("c", "stdout", "") == []


LINE_KINDS = [
    "[INFO] ok",
    "[ERROR] boom",
    "2025-08-16 14:30:22.123 UTC [1] ERROR:  x",
    "2025-08-16 14:30:22.123 UTC [1] DETAIL:  y",
    *PY_TRACEBACK,
    "During handling of the above exception, another exception occurred:",
    *JAVA_TRACE,
    "",
    "   ",
    "plain text",
    "ERROR:root:failed",
]


@given(st.lists(st.tuples(st.sampled_from(LINE_KINDS), st.booleans()), max_size=40))
@settings(max_examples=150, deadline=None)
def test_no_line_is_ever_dropped(kinds: list[tuple[str, bool]]) -> None:
    lines = [
        f"2025-08-16T14:30:22.{i:09d}Z {text}" if stamped else text for i, (text, stamped) in enumerate(kinds)
    ]
    entries = parse_stream("c", "stdout", "".join(line + "\n" for line in lines))
    assert "\n".join(e.raw_line for e in entries) == "\n".join(lines)
    assert all(e.level in LEVELS for e in entries)


# --- EntryAssembler -------------------------------------------------------------------------

MIXED = docker(
    "[INFO] boot",
    "2025-08-16 14:30:22,123 - api - ERROR - Unhandled exception",
    *PY_TRACEBACK,
    '2025-08-16 14:30:22.123 UTC [9] ERROR:  relation "users" does not exist',
    "2025-08-16 14:30:22.123 UTC [9] STATEMENT:  SELECT * FROM users",
    *PY_TRACEBACK,
    "2025-08-16T14:30:22.123Z ERROR 1 --- [main] app : failed",
    *JAVA_TRACE,
    "",
    "[WARN] done",
)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1000])
def test_assembler_fed_in_chunks_equals_parse_stream(chunk: int) -> None:
    lines = MIXED.splitlines()
    assembler = EntryAssembler("api", "stderr")
    got = []
    for i in range(0, len(lines), chunk):
        got += assembler.feed(lines[i : i + chunk])
    got += assembler.flush()
    assert got == parse_stream("api", "stderr", MIXED)
    assert [e.level for e in got] == ["INFO", "ERROR", "ERROR", "ERROR", "ERROR", "WARNING"]
    assert [len(e.raw_line.splitlines()) for e in got] == [1, 7, 2, 6, 8, 1]
    assert not assembler.has_pending


def test_assembler_holds_back_the_last_entry_until_it_is_complete() -> None:
    assembler = EntryAssembler("api", "stderr")
    lines = docker("[ERROR] failed", *PY_TRACEBACK, "[INFO] next").splitlines()
    assert assembler.feed(lines[:1]) == []
    assert assembler.has_pending
    assert assembler.feed(lines[1:7]) == []  # every traceback line continues the entry
    (done,) = assembler.feed(lines[7:])
    assert done.message.splitlines() == ["failed", *PY_TRACEBACK]
    assert done.raw_line.splitlines()[0].endswith("Z [ERROR] failed")
    assert assembler.has_pending
    (last,) = assembler.flush()
    assert last.message == "next"
    assert assembler.flush() == []
    assert not assembler.has_pending


def test_frames_arriving_after_a_flush_keep_the_flushed_level() -> None:
    assembler = EntryAssembler("api", "stderr")
    lines = docker("[CRITICAL] worker crashed", *PY_TRACEBACK).splitlines()
    assembler.feed(lines[:3])
    (first,) = assembler.flush()  # the stream went quiet mid-traceback
    assert first.level == "CRITICAL"
    (rest,) = assembler.feed(lines[3:]) + assembler.flush()
    assert rest.level == "CRITICAL"
    assert rest.message.startswith("    result = compute")


# --- merging streams ------------------------------------------------------------------------


def test_stdout_and_stderr_merge_in_time_order() -> None:
    stdout = "2025-08-16T14:30:22.100000000Z [INFO] a\n2025-08-16T14:30:22.300000000Z [INFO] c\n"
    stderr = "2025-08-16T14:30:22.200000000Z [ERROR] b\n2025-08-16T14:30:22.400000000Z [ERROR] d\n"
    entries = parse_docker_output("web", stdout, stderr)
    assert [(e.message[-1], e.stream) for e in entries] == [
        ("a", "stdout"),
        ("b", "stderr"),
        ("c", "stdout"),
        ("d", "stderr"),
    ]


def test_equal_stamps_put_stdout_first_and_keep_arrival_order() -> None:
    stdout = "2025-08-16T14:30:22Z out1\n2025-08-16T14:30:22Z out2\n"
    stderr = "2025-08-16T14:30:22Z err1\n2025-08-16T14:30:22Z err2\n"
    assert [e.message for e in parse_docker_output("c", stdout, stderr)] == ["out1", "out2", "err1", "err2"]


def test_merge_compares_stamps_of_different_precision_and_zone() -> None:
    a = parse_stream("c", "stdout", "2025-08-16T14:30:22Z whole\n2025-08-16T14:30:23Z later\n")
    b = parse_stream("c", "stderr", "2025-08-16T14:30:22.5Z half\n2025-08-16T16:30:22.7+02:00 zoned\n")
    merged = merge_by_time(a, b)
    assert [e.message for e in merged] == ["whole", "half", "zoned", "later"]


def test_merge_of_three_lists_and_of_none() -> None:
    assert merge_by_time([], [], []) == []
    assert merge_by_time() == []
    x = parse_stream("x", "stdout", docker("x0", "x1", start=0))
    y = parse_stream("y", "stdout", docker("y0", start=1))
    z = parse_stream("z", "stdout", docker("z0", start=0))
    assert [e.message for e in merge_by_time(x, y, z)] == ["x0", "z0", "x1", "y0"]


def test_go_panic_and_glog_fatal_stacks_are_one_entry() -> None:
    panic = [
        "panic: runtime error: index out of range [3] with length 3",
        "",
        "goroutine 7 [running]:",
        "main.handler(0x0)",
        "\t/app/main.go:12 +0x1d",
        "created by main.main in goroutine 1",
        "\t/app/main.go:30 +0x4f",
    ]
    fatal = [
        "F1125 14:32:23.190024       1 sync.go:203] unrecoverable: checksum mismatch",
        "goroutine 1 [running]:",
        "main.(*Syncer).apply(0xc0001a2000, {0xc000214000, 0x3, 0x4})",
        "\t/src/sync.go:203 +0x2a5",
        "main.main()",
        "\t/src/main.go:57 +0x1c5",
    ]
    after = "goroutine leak detector started"
    entries = parse_stream("w", "stderr", docker(*panic, *fatal, after))
    assert [(e.level, e.message) for e in entries] == [
        ("CRITICAL", "\n".join(panic)),
        ("CRITICAL", "\n".join(fatal)),
        ("INFO", after),
    ]


def test_a_30_character_stamp_with_an_offset_is_not_taken_for_dockers_utc_form() -> None:
    """`...07.1234+02:00` (Go's RFC3339Nano trims zeros; an engine in local time) is as long
    as Docker's fixed `...07.123456789Z`; the one-line fast path read its first 26
    characters as the UTC stamp: 2 hours off, and `+0` in the stamp."""
    lines = [
        "2025-08-16T14:03:07.1234+02:00 first",
        "2025-08-16T14:03:07.12345-0200 second",
        "2025-08-16T14:03:07.123456789Z third",
    ]
    entries = parse_stream("web", "stdout", "".join(line + "\n" for line in lines))
    assert [e.timestamp for e in entries] == [
        "2025-08-16T12:03:07.123400",
        "2025-08-16T16:03:07.123450",
        "2025-08-16T14:03:07.123456",
    ]
    assert [e.docker_timestamp for e in entries] == [line.split(" ")[0] for line in lines]
    assert [e.message for e in entries] == ["first", "second", "third"]
