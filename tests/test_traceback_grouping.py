"""A traceback joins the log line it belongs to, and only that one.

`logger.exception` writes its record and the traceback in one write, so Docker stamps the
lines microseconds apart; an unrelated traceback (an uncaught exception, another thread's)
comes on its own a moment later, or under a heading of its own (`Exception in thread ...:`).
Checked on the parser and through the CLI over SSH against scripted containers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted import isolate_config, running_host, write_client_files

from logtui.cli import main
from logtui.parser import parse_stream
from logtui.simhost import ScriptedContainer

TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/app/worker.py", line 31, in run',
    "    job()",
    "KeyError: 'user'",
]
RECORD = "2025-08-16 14:30:22,123 ERROR [orders] payment failed for order 42"


def stamped(*lines: tuple[float, str]) -> str:
    """Docker output: each line after a nanosecond stamp `offset` seconds after 14:30:22."""
    out = []
    for offset, text in lines:
        ns = round(offset * 1e9)
        out.append(f"2025-08-16T14:30:{22 + ns // 10**9:02d}.{ns % 10**9:09d}Z {text}\n")
    return "".join(out)


def test_a_traceback_written_with_its_error_line_is_one_entry() -> None:
    """logger.exception: the record and its traceback in one write, microseconds apart."""
    text = stamped((0.0, RECORD), *((0.000004 * (i + 1), line) for i, line in enumerate(TRACEBACK)))
    entries = parse_stream("worker", "stderr", text)
    assert [(e.level, e.message.splitlines()) for e in entries] == [("ERROR", [RECORD, *TRACEBACK])]


def test_an_unrelated_traceback_after_an_error_line_is_its_own_entry() -> None:
    """An uncaught exception 300 ms after an ERROR record: before, it was merged into it."""
    text = stamped((0.0, RECORD), *((0.3 + 0.000004 * i, line) for i, line in enumerate(TRACEBACK)))
    entries = parse_stream("worker", "stderr", text)
    assert [(e.level, e.message.splitlines()) for e in entries] == [
        ("ERROR", [RECORD]),
        ("ERROR", TRACEBACK),
    ]
    assert entries[1].timestamp == "2025-08-16T14:30:22.300000"


def test_a_traceback_under_lines_indented_below_its_record_still_belongs() -> None:
    """`logger.exception("...:\\n  detail")`: the record's own indented lines, then its traceback."""
    record = [RECORD + ":", "    order=42 amount=19.99", ""]
    lines = [*record, *TRACEBACK]
    entries = parse_stream("worker", "stderr", stamped(*((0.000002 * i, t) for i, t in enumerate(lines))))
    assert [(e.level, len(e.message.splitlines())) for e in entries] == [("ERROR", len(lines))]


def test_an_interpreter_heading_keeps_its_traceback() -> None:
    """`Exception in thread ...:` heads the traceback Python prints for a dead thread."""
    heading = "Exception in thread Thread-3 (poll_queue):"
    text = stamped((0.0, RECORD), (0.2, heading), *((0.2, line) for line in TRACEBACK))
    entries = parse_stream("worker", "stderr", text)
    assert [(e.level, e.message.splitlines()) for e in entries] == [
        ("ERROR", [RECORD]),
        ("ERROR", [heading, *TRACEBACK]),
    ]


def test_a_second_traceback_head_opens_a_new_entry() -> None:
    """After a complete traceback, a new head is a new traceback, however close in time."""
    lines = [RECORD, *TRACEBACK, *TRACEBACK]
    entries = parse_stream("worker", "stderr", stamped(*((0.000001 * i, t) for i, t in enumerate(lines))))
    assert [len(e.message.splitlines()) for e in entries] == [1 + len(TRACEBACK), len(TRACEBACK)]


def test_whole_second_stamps_cannot_tell_a_moment_apart() -> None:
    """podman's whole seconds: a traceback in the same second as an ERROR line joins it."""
    text = "".join(f"2025-08-16T14:30:22Z {line}\n" for line in [RECORD, *TRACEBACK])
    later = "".join(
        f"2025-08-16T14:30:{s}Z {line}\n" for s, line in [(22, RECORD)] + [(25, t) for t in TRACEBACK]
    )
    assert len(parse_stream("worker", "stderr", text)) == 1
    assert len(parse_stream("worker", "stderr", later)) == 2


# -- through the CLI, over SSH -------------------------------------------------------------


@pytest.fixture
def worker_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedContainer]:
    """A worker container; the CLI's configuration points at its simulated host."""
    worker = ScriptedContainer("worker", image="shop/worker:2")
    with running_host([worker]) as host:
        isolate_config(monkeypatch, tmp_path, write_client_files(host, tmp_path))
        yield worker


def test_cli_keeps_a_logged_exception_whole_and_an_unrelated_traceback_apart(
    worker_host: ScriptedContainer, capsys: pytest.CaptureFixture[str]
) -> None:
    now = round(time.time()) - 60.0
    worker_host.write("\n".join([RECORD, *TRACEBACK]), "stderr", ts=now)  # one write: one stamp
    worker_host.write("2025-08-16 14:30:40,000 ERROR [orders] retry budget exhausted", "stderr", ts=now + 10)
    worker_host.write("\n".join(TRACEBACK), "stderr", ts=now + 10.4)  # an uncaught exception
    worker_host.write("2025-08-16 14:30:41,000 INFO [orders] shutting down", "stdout", ts=now + 10.2)
    capsys.readouterr()
    assert main(["container", "worker", "--json"]) == 0
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["stream"], e["level"], len(e["message"].splitlines())) for e in entries] == [
        ("stderr", "ERROR", 1 + len(TRACEBACK)),
        ("stderr", "ERROR", 1),
        ("stdout", "INFO", 1),
        ("stderr", "ERROR", len(TRACEBACK)),
    ]
    assert entries[3]["message"].startswith("Traceback (most recent call last):")
