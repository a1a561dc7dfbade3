"""Error groups of JSON and logfmt lines are built from the message field joined to the
error field (`msg`/`message`/`event` plus `error`/`err`), not from one field alone.

Seen: a worker's `{"event":"job failed","error":"TimeoutError"}` grouped as `TimeoutError`,
which lost "job failed" (and merged it with every other timeout).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted import isolate_config, running_host, write_client_files

from logtui import ProductionLogCollector
from logtui.analysis import headline, headline_template
from logtui.cli import main
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui.digest import GroupMatcher

WORKER = [  # JSON lines of a worker: (line, template of its error group or None)
    ('{"event":"job failed","error":"TimeoutError","job_id":1,"level":"error"}', "job failed: TimeoutError"),
    ('{"event":"job failed","error":"TimeoutError","job_id":2,"level":"error"}', "job failed: TimeoutError"),
    ('{"event":"upload failed","error":"TimeoutError","level":"error"}', "upload failed: TimeoutError"),
    ('{"event":"job failed","error":"KeyError(\'cart\')","level":"error"}', "job failed: KeyError('<s>')"),
    ('{"level":50,"msg":"payment failed","err":{"type":"CardError","message":"Card declined."}}',
     "payment failed: Card declined."),
    ('{"level":50,"msg":"connect ECONNREFUSED 10.0.0.5:5432","err":{"message":"connect ECONNREFUSED"}}',
     "connect ECONNREFUSED <ip>"),  # the error is already in the message
    ('{"level":"error","error":"connection refused"}', "connection refused"),
    ('{"level":"info","event":"job done","job_id":3}', None),
]  # fmt: skip
API = [  # logfmt lines of an API
    ('time=2025-08-16T14:30:22Z level=error msg="request failed" err="context deadline exceeded" id=1',
     "request failed: context deadline exceeded"),
    ('time=2025-08-16T14:30:23Z level=error msg="request failed" err="context deadline exceeded" id=2',
     "request failed: context deadline exceeded"),
    ('time=2025-08-16T14:30:24Z level=error msg="request failed" error="EOF" id=3', "request failed: EOF"),
    ('level=error event="cache write failed" error=ENOSPC', "cache write failed: ENOSPC"),
    ('level=error msg="db: timeout" err=timeout', "db: timeout"),
]  # fmt: skip


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedHost]:
    now = time.time()
    worker, api = ScriptedContainer("worker"), ScriptedContainer("api")
    for box, lines in ((worker, WORKER), (api, API)):
        for i, (line, _) in enumerate(lines):
            box.write(line, "stderr", ts=now - 200 + 5 * i)
    with running_host([worker, api]) as sim:
        isolate_config(monkeypatch, tmp_path, write_client_files(sim, tmp_path))
        yield sim


def expected_groups() -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, template in WORKER + API:
        if template is not None:
            counts[template] = counts.get(template, 0) + 1
    return counts


def test_summary_groups_by_message_and_error(host: SimulatedHost) -> None:
    with ProductionLogCollector() as collector:
        summary = collector.get_error_summary(hours=1)
    groups = {g["template"]: g["count"] for g in summary["error_groups"]}
    assert groups == expected_groups()
    assert "TimeoutError" not in groups  # the seen bug: the error field alone


def test_cli_errors_show_the_joined_templates(
    host: SimulatedHost, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["errors", "1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {g["template"]: g["count"] for g in summary["error_groups"]} == expected_groups()
    assert main(["errors", "1"]) == 0
    out = capsys.readouterr().out
    assert "×2     job failed: TimeoutError" in out
    assert "×2     request failed: context deadline exceeded" in out


@pytest.mark.parametrize(("line", "template"), [pair for pair in WORKER + API if pair[1] is not None])
def test_the_dashboard_finds_each_group_member(line: str, template: str) -> None:
    """The error pane's group (template equality behind a substring gate) finds its lines,
    though the joined headline is not a substring of any of them."""
    assert headline_template(line) == template
    matcher = GroupMatcher(template)
    assert matcher.search(line)
    siblings = [other for other, t in WORKER + API if t == template]
    assert all(matcher.search(other) for other in siblings)
    assert not any(matcher.search(other) for other, t in WORKER + API if t != template)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('{"msg":"saved","error":""}', "saved"),  # an empty error adds nothing
        ('{"message":"export failed","err":"disk full\\n  at write (fs.js:1)"}', "export failed: disk full"),
        ('{"Message":"Request failed","LogLevel":"Error"}', "Request failed"),  # .NET's JSON console
        ('{"MESSAGE":"Failed to start nginx.service","PRIORITY":"3"}', "Failed to start nginx.service"),
        ('{"msg":"x","err":{"type":"TimeoutError"}}', "x: TimeoutError"),  # an error object's type
        ('{"err":42,"msg":"odd"}', "odd"),  # not text: left out
        ("[error    ] job failed    error=TimeoutError", "[error    ] job failed    error=TimeoutError"),
        ('msg="a \\"quoted\\" word" err=boom', 'a "quoted" word: boom'),
        ("level=error msg=timeout id=3", "timeout"),
    ],
)
def test_headline(message: str, expected: str) -> None:
    assert headline(message) == expected
