"""logtui against real software: OpenSSH's sshd, the real Docker CLI and podman's engine.

Containers write known lines (one write per line, with a pause, as the recipe advises);
the Python API and the CLI must give back exactly those lines, with the right levels and
streams, in the spec's formats. Nothing here is simulated: if these pass, logtui works
against a real server.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from podman import IMAGE, PodmanEngine

from logtui import LogInterface, ProductionLogCollector
from logtui.simhost.openssh import Sshd

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
ENTRY_KEYS = {"container_name", "timestamp", "level", "message", "raw_line", "stream"}
ISO_MICRO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}")
DOCKER_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")


# -- what the containers write ------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """One entry a container writes: one or more lines, each line a separate write.

    `tag` is the level tag written before the first line (`[ERROR] `): it stays in the
    entry's raw_line but not in its message, which is `text`.
    """

    stream: str
    level: str
    text: tuple[str, ...]
    tag: str = ""

    @property
    def lines(self) -> tuple[str, ...]:
        """The lines as written."""
        return (self.tag + self.text[0], *self.text[1:])

    @property
    def message(self) -> str:
        return "\n".join(self.text)


def out(level: str, *text: str, tag: str = "") -> Written:
    return Written("stdout", level, text, tag)


def err(level: str, *text: str, tag: str = "") -> Written:
    return Written("stderr", level, text, tag)


HOSTILE = "user says [bold red]hi[/] \x1b[2J\x1b]0;owned\x07 done"
PG_ERROR = '2025-08-16 14:30:22.123 UTC [57] ERROR:  relation "users" does not exist at character 15'
PG_STATEMENT = "2025-08-16 14:30:22.123 UTC [57] STATEMENT:  SELECT * FROM users;"
PG_FATAL = '2025-08-16 14:30:23.456 UTC [58] FATAL:  password authentication failed for user "app"'
TRACEBACK = (
    "Traceback (most recent call last):",
    '  File "/app/server.py", line 42, in handle',
    "    return total / count",
    "ZeroDivisionError: division by zero",
)

SCENARIO: dict[str, list[Written]] = {
    "web-app": [
        out("INFO", "GET /api/orders 200 in 12ms", tag="[INFO] "),
        out("DEBUG", "cache warmed: 42 keys", tag="[DEBUG] "),
        err("ERROR", "boom", tag="[ERROR] "),
        out("WARNING", "slow request: 1200ms", tag="[WARNING] "),
        err("ERROR", "boom", tag="ERROR: "),
        out("INFO", HOSTILE, tag="[INFO] "),
    ],
    "api-server": [
        out("INFO", "api listening on :8080", tag="[INFO] "),
        err("ERROR", *TRACEBACK),
        err("WARNING", "retrying request 3 of 5", tag="[warn]: "),
    ],
    "database": [
        err("INFO", "2025-08-16 14:30:20.001 UTC [1] LOG:  database system is ready to accept connections"),
        err("ERROR", PG_ERROR, PG_STATEMENT),
        err("CRITICAL", PG_FATAL),
    ],
    "exited-job": [
        out("INFO", "nightly job started", tag="[INFO] "),
        err("ERROR", "job failed: disk full", tag="[ERROR] "),
    ],
}
EXIT_STATUS = {"exited-job": 3}
"""Containers that exit (with this status) after writing; the others keep running."""
RUNNING = sorted(set(SCENARIO) - set(EXIT_STATUS))
ERRORS = {
    name: [w for w in written if w.level in {"ERROR", "CRITICAL"}] for name, written in SCENARIO.items()
}


def script_for(written: list[Written], exit_status: int | None) -> str:
    """A busybox sh script writing each line with its own printf, 0.3 ms apart."""
    steps = []
    for w in written:
        redirect = " >&2" if w.stream == "stderr" else ""
        steps += [f"printf '%s\\n' {shlex.quote(line)}{redirect}; usleep 300" for line in w.lines]
    steps.append(f"exit {exit_status}" if exit_status is not None else "exec sleep 3600")
    return "\n".join(steps)


@dataclass
class Scenario:
    engine: PodmanEngine
    started: datetime
    """UTC, naive, whole seconds: podman's stamps have no fraction."""


@pytest.fixture(scope="module")
def scenario(podman_engine: PodmanEngine) -> Iterator[Scenario]:
    """Start the scenario's containers and wait until each has written everything."""
    started = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    for name, written in SCENARIO.items():
        podman_engine.run(name, script_for(written, EXIT_STATUS.get(name)))
    try:
        for name, written in SCENARIO.items():
            if name in EXIT_STATUS:
                assert podman_engine.wait_exit(name) == EXIT_STATUS[name]
            else:
                podman_engine.wait_for_lines(name, sum(len(w.lines) for w in written))
        yield Scenario(podman_engine, started)
    finally:
        for name in SCENARIO:
            podman_engine.remove(name)


# -- checking entries against what was written -----------------------------------------------


def iso_of(docker_stamp: str) -> str:
    """The spec's timestamp for a docker stamp, computed independently of logtui's parser."""
    assert DOCKER_STAMP.fullmatch(docker_stamp), docker_stamp
    whole, _, frac = docker_stamp.rstrip("Z").partition(".")
    return f"{whole}.{frac[:6].ljust(6, '0')}"


def check_entries(
    entries: list[dict[str, Any]], name: str, written: list[Written], started: datetime
) -> None:
    """`entries` are exactly `written`, per stream in order, in the spec's format."""
    for stream in ("stdout", "stderr"):
        got = [e for e in entries if e["stream"] == stream]
        want = [w for w in written if w.stream == stream]
        assert [(e["level"], e["message"]) for e in got] == [(w.level, w.message) for w in want], (
            f"{name} {stream}"
        )
        for e, w in zip(got, want, strict=True):
            # raw_line holds every line as written, level tag included, after its stamp
            assert [raw.partition(" ")[2] for raw in e["raw_line"].split("\n")] == list(w.lines)
    assert len(entries) == len(written)
    latest = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=1)
    for e in entries:
        assert set(e) == ENTRY_KEYS
        assert e["container_name"] == name
        assert ISO_MICRO.fullmatch(e["timestamp"]), e["timestamp"]
        assert started <= datetime.fromisoformat(e["timestamp"]) <= latest
        raw_lines = e["raw_line"].split("\n")
        assert len(raw_lines) == len(e["message"].split("\n"))
        for raw in raw_lines:
            assert DOCKER_STAMP.fullmatch(raw.partition(" ")[0])
        assert e["timestamp"] == iso_of(raw_lines[0].partition(" ")[0])
    stamps = [e["timestamp"] for e in entries]
    assert stamps == sorted(stamps), "entries are in time order"


def check_all(
    logs: dict[str, list[dict[str, Any]]], expected: dict[str, list[Written]], started: datetime
) -> None:
    assert sorted(logs) == sorted(expected)
    for name, written in expected.items():
        check_entries(logs[name], name, written, started)


# -- the Python API -------------------------------------------------------------------------


@pytest.fixture
def api_env(real_sshd: Sshd, scenario: Scenario, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """logtui's configuration from the environment only, in an empty working directory."""
    for key in list(os.environ):
        if key.startswith(("LOGTUI_", "HETZNER_")):
            monkeypatch.delenv(key)
    for key, value in real_sshd.settings_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def interface(api_env: Path) -> Iterator[LogInterface]:
    with LogInterface() as iface:
        yield iface


@pytest.fixture
def collector(api_env: Path) -> Iterator[ProductionLogCollector]:
    with ProductionLogCollector() as c:
        yield c


def test_get_containers_lists_the_running_ones(interface: LogInterface) -> None:
    assert sorted(interface.get_containers()) == RUNNING


def test_get_recent_logs_returns_every_line_written(interface: LogInterface, scenario: Scenario) -> None:
    check_all(interface.get_recent_logs(hours=1), SCENARIO, scenario.started)


def test_get_logs_of_one_container(interface: LogInterface, scenario: Scenario) -> None:
    for name, written in SCENARIO.items():
        check_entries(interface.get_logs(name, hours=1), name, written, scenario.started)


def test_stderr_errors_traceback_and_postgres_lines(interface: LogInterface) -> None:
    api = interface.get_logs("api-server")
    tracebacks = [e for e in api if "Traceback" in e["message"]]
    assert len(tracebacks) == 1, "a traceback is one entry"
    assert tracebacks[0]["message"] == "\n".join(TRACEBACK)
    assert (tracebacks[0]["level"], tracebacks[0]["stream"]) == ("ERROR", "stderr")
    db = {e["message"]: e for e in interface.get_logs("database")}
    assert db[f"{PG_ERROR}\n{PG_STATEMENT}"]["level"] == "ERROR"
    assert db[PG_FATAL]["level"] == "CRITICAL"
    boom = [e for e in interface.get_logs("web-app") if e["message"] == "boom"]
    assert [(e["level"], e["stream"]) for e in boom] == [("ERROR", "stderr")] * 2
    assert [e["raw_line"].partition(" ")[2] for e in boom] == ["[ERROR] boom", "ERROR: boom"]


def test_get_recent_errors_has_only_errors(interface: LogInterface, scenario: Scenario) -> None:
    check_all(interface.get_recent_errors(hours=1), ERRORS, scenario.started)


def test_get_error_summary(interface: LogInterface) -> None:
    summary = interface.get_error_summary(hours=1)
    check_summary(summary)


def check_summary(summary: dict[str, Any]) -> None:
    assert ISO_MICRO.fullmatch(summary["timestamp"])
    assert summary["analysis_period_hours"] == 1
    assert summary["total_containers"] == len(SCENARIO)
    assert summary["containers_with_errors"] == len(ERRORS)
    assert summary["total_error_entries"] == sum(len(e) for e in ERRORS.values())
    breakdown = summary["error_breakdown"]
    assert sorted(breakdown) == sorted(ERRORS)
    for name, errors in ERRORS.items():
        assert breakdown[name]["error_count"] == len(errors)
        recent = breakdown[name]["recent_errors"]
        assert Counter(e["message"] for e in recent) == Counter(w.message for w in errors)
        assert all(e["container_name"] == name for e in recent)
    issues = summary["critical_issues"]
    for issue in issues:
        assert {"container", "timestamp", "message", "severity"} <= set(issue)
        assert issue["container"] in SCENARIO
        assert ISO_MICRO.fullmatch(issue["timestamp"])
    assert [(i["container"], i["message"]) for i in issues] == [
        (name, w.message) for name, written in SCENARIO.items() for w in written if w.level == "CRITICAL"
    ]
    groups = {g["template"]: g for g in summary.get("error_groups", [])}
    boom = groups["boom"]  # `[ERROR] boom` and `ERROR: boom` are one repeated error
    assert (boom["count"], boom["containers"]) == (2, ["web-app"])
    fatal = [i for i in issues if i["message"] == PG_FATAL]
    assert len(fatal) == 1
    assert (fatal[0]["container"], fatal[0]["severity"]) == ("database", "critical")


def test_save_all_logs_writes_the_spec_file(
    interface: LogInterface, api_env: Path, scenario: Scenario
) -> None:
    explicit = api_env / "out" / "saved.json"
    path = interface.save_all_logs(hours=1, filename=str(explicit))
    assert Path(path) == explicit.resolve()
    default = Path(interface.save_all_logs(hours=1))
    assert default.parent == api_env.resolve()
    assert re.fullmatch(r"production_logs_\d{8}_\d{6}\.json", default.name)
    for saved in (explicit, default):
        document = json.loads(saved.read_text())
        assert set(document) == {"timestamp", "collection_source", "containers"}
        assert document["collection_source"] == "production_ssh"
        assert ISO_MICRO.fullmatch(document["timestamp"])
        check_all(document["containers"], SCENARIO, scenario.started)


def test_check_health(interface: LogInterface) -> None:
    assert interface.check_health() is True


def test_collector_container_list(collector: ProductionLogCollector) -> None:
    containers = collector.get_container_list()
    assert sorted(c["name"] for c in containers) == RUNNING
    for c in containers:
        assert c["image"] == IMAGE
        assert c["state"] == "running"
        assert c["status"].startswith("Up")
        assert re.fullmatch(r"[0-9a-f]{12,64}", c["id"])


def test_collector_health_check(collector: ProductionLogCollector) -> None:
    report = collector.health_check()
    assert report["status"] == "healthy"
    assert report["ssh_connection"] is True
    assert report["docker_available"] is True
    assert report["container_count"] == len(SCENARIO)
    assert report["running_containers"] == len(RUNNING)
    assert report["error"] is None


def test_collector_log_methods(collector: ProductionLogCollector, scenario: Scenario) -> None:
    check_entries(
        collector.get_logs_from_container("database", hours_back=1),
        "database",
        SCENARIO["database"],
        scenario.started,
    )
    check_all(collector.get_logs_from_all_containers(hours_back=1), SCENARIO, scenario.started)
    check_all(collector.get_error_logs_only(hours_back=1), ERRORS, scenario.started)
    check_summary(collector.get_error_summary(hours=1))


def test_unknown_container_is_a_runtime_error_with_dockers_message(interface: LogInterface) -> None:
    with pytest.raises(RuntimeError, match='no container with name or ID "no-such-container" found'):
        interface.get_logs("no-such-container")


def test_a_short_window_still_sees_the_recent_lines(interface: LogInterface, scenario: Scenario) -> None:
    # 0.05 h = 180 s; the containers wrote within the last few seconds
    check_entries(interface.get_logs("web-app", hours=0.05), "web-app", SCENARIO["web-app"], scenario.started)


# -- the CLI ----------------------------------------------------------------------------------


def cli_env(sshd: Sshd) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGTUI_", "HETZNER_"))}
    env.update(sshd.settings_env())
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["COLUMNS"] = "200"
    env.pop("FORCE_COLOR", None)
    return env


@pytest.fixture
def run_cli(real_sshd: Sshd, scenario: Scenario, tmp_path: Path):
    """Run `python -m logtui ARGS` against the real server, from an empty directory."""
    env = cli_env(real_sshd)

    def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "logtui", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def by_container(entries: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        grouped.setdefault(e["container_name"], []).append(e)
    return grouped


def assert_ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    return result.stdout


def test_cli_status(run_cli) -> None:
    text = assert_ok(run_cli("status"))
    assert "READ-ONLY" in text
    for name in SCENARIO:
        assert name in text
    assert f"{len(SCENARIO)} containers, {len(RUNNING)} running" in text
    report = json.loads(assert_ok(run_cli("status", "--json")))
    assert report["connected"] is True
    states = {c["name"]: c["state"] for c in report["containers"]}
    assert states == {name: "exited" if name in EXIT_STATUS else "running" for name in SCENARIO}


def test_cli_logs(run_cli, scenario: Scenario) -> None:
    entries = json_lines(assert_ok(run_cli("logs", "--json")))
    check_all(by_container(entries), SCENARIO, scenario.started)
    stamps = [e["timestamp"] for e in entries]
    assert stamps == sorted(stamps), "all containers merged in time order"
    text = assert_ok(run_cli("logs", "1"))
    check_text_lines(text, SCENARIO, show_container=True)


def check_text_lines(text: str, expected: dict[str, list[Written]], *, show_container: bool) -> None:
    """Every entry's first line is printed with its level (and container), markup as text."""
    lines = text.splitlines()
    for name, written in expected.items():
        for w in written:
            first = w.text[0].replace("\x1b[2J", "").replace("\x1b]0;owned\x07", "")
            matches = [
                ln
                for ln in lines
                if ln.endswith(first) and f" {w.level}" in ln and (not show_container or name in ln)
            ]
            assert matches, f"{name}: {first!r} not printed at {w.level}"
    assert "[bold red]hi[/]" in text


def test_cli_container(run_cli, scenario: Scenario) -> None:
    entries = json_lines(assert_ok(run_cli("container", "api-server", "2", "--json")))
    check_entries(entries, "api-server", SCENARIO["api-server"], scenario.started)
    text = assert_ok(run_cli("container", "web-app"))
    check_text_lines(text, {"web-app": SCENARIO["web-app"]}, show_container=False)
    assert "web-app" not in text


def test_cli_errors(run_cli) -> None:
    check_summary(json.loads(assert_ok(run_cli("errors", "--json"))))
    text = assert_ok(run_cli("errors", "1"))
    total = sum(len(e) for e in ERRORS.values())
    assert f"Errors in the last 1 h: {total} in {len(ERRORS)} of {len(SCENARIO)} containers" in text
    assert "CRITICAL" in text and 'password authentication failed for user "app"' in text
    for name in ERRORS:
        assert name in text


def test_cli_save(run_cli, tmp_path: Path, scenario: Scenario) -> None:
    target = tmp_path / "saved.json"
    report = json.loads(assert_ok(run_cli("save", "1", "-o", str(target), "--json")))
    total = sum(len(w) for w in SCENARIO.values())
    assert report == {"path": str(target.resolve()), "containers": len(SCENARIO), "entries": total}
    document = json.loads(target.read_text())
    assert document["collection_source"] == "production_ssh"
    check_all(document["containers"], SCENARIO, scenario.started)
    text = assert_ok(run_cli("save"))
    saved = list(tmp_path.glob("production_logs_*.json"))
    assert len(saved) == 1
    assert f"Saved {total} entries of {len(SCENARIO)} containers to {saved[0].resolve()}" in text
    check_all(json.loads(saved[0].read_text())["containers"], SCENARIO, scenario.started)


def test_cli_health(run_cli) -> None:
    text = assert_ok(run_cli("health"))
    assert "healthy" in text and "unhealthy" not in text
    assert f"{len(RUNNING)} of {len(SCENARIO)} containers running" in text
    report = json.loads(assert_ok(run_cli("health", "--json")))
    assert report["status"] == "healthy"
    assert (report["container_count"], report["running_containers"]) == (len(SCENARIO), len(RUNNING))


def test_cli_unknown_container_exits_1_with_dockers_message(run_cli) -> None:
    result = run_cli("container", "no-such-container")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert 'no container with name or ID "no-such-container" found' in lines[0]


# -- the audit trail --------------------------------------------------------------------------


def check_audited(records: list[dict[str, Any]], command: str, host: str) -> None:
    """`records` are exactly one completed `command`, with the fields DESIGN asks for."""
    assert [r["event"] for r in records] == ["remote_command"], records
    record = records[0]
    assert (record["command"], record["host"]) == (command, host)
    assert (record["exit_status"], record["outcome"]) == (0, "completed")
    assert record["bytes"] == record["stdout_bytes"] + record["stderr_bytes"] > 0
    assert record["duration_ms"] >= 0
    assert datetime.fromisoformat(record["timestamp"]) <= datetime.now(UTC)


def test_cli_commands_are_audit_logged(run_cli, real_sshd: Sshd) -> None:
    before = len(audit_records(real_sshd))
    assert_ok(run_cli("container", "web-app", "--json"))
    host = f"root@127.0.0.1:{real_sshd.port}"
    check_audited(audit_records(real_sshd)[before:], "docker logs --timestamps --since 3600s web-app", host)


def test_api_commands_are_audit_logged(interface: LogInterface, real_sshd: Sshd) -> None:
    before = len(audit_records(real_sshd))
    interface.get_logs("database", hours=2)
    host = f"root@127.0.0.1:{real_sshd.port}"
    check_audited(audit_records(real_sshd)[before:], "docker logs --timestamps --since 7200s database", host)


# -- hostile container names never reach the server ------------------------------------------


def sshd_log(sshd: Sshd) -> str:
    return sshd.log.read_text(errors="replace") if sshd.log.exists() else ""


def audit_records(sshd: Sshd) -> list[dict[str, Any]]:
    path = Path(sshd.settings_env()["LOGTUI_AUDIT_LOG"])
    return json_lines(path.read_text()) if path.exists() else []


def hostile_names(marker: Path) -> list[list[str]]:
    """CLI arguments naming hostile containers; `--` lets `-rf` reach logtui, not argparse."""
    return [
        ["container", f"$(touch {marker})"],
        ["container", f"`touch {marker}`"],
        ["container", f"a;touch {marker}"],
        ["container", "a;b"],
        ["container", "--", "-rf"],
        ["container", "--", "--help"],
        ["container", "web-app\ntouch " + str(marker)],
    ]


def test_cli_refuses_hostile_names_and_sends_nothing(run_cli, real_sshd: Sshd, tmp_path: Path) -> None:
    marker = Path("/tmp") / f"logtui-pwned-{uuid.uuid4().hex}"
    audit_before = len(audit_records(real_sshd))
    sessions_before = sshd_log(real_sshd).count("Starting session")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda args: (args, run_cli(*args)), hostile_names(marker)))
    for args, result in results:
        assert result.returncode == 2, (args, result.stderr)
        assert result.stdout == ""
        assert "refused container name" in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not marker.exists()
    assert sshd_log(real_sshd).count("Starting session") == sessions_before, "no command reached sshd"
    new = audit_records(real_sshd)[audit_before:]
    assert [r["event"] for r in new] == ["command_refused"] * len(hostile_names(marker))
    assert not [r for r in new if r["event"] == "remote_command"]


def test_cli_refuses_hostile_names_before_connecting(run_cli, real_sshd: Sshd) -> None:
    accepted_before = sshd_log(real_sshd).count("Accepted publickey")
    result = run_cli("container", "a;b")
    assert result.returncode == 2
    assert sshd_log(real_sshd).count("Accepted publickey") == accepted_before


def test_api_refuses_hostile_names_before_connecting(interface: LogInterface, real_sshd: Sshd) -> None:
    marker = Path("/tmp") / f"logtui-pwned-{uuid.uuid4().hex}"
    accepted_before = sshd_log(real_sshd).count("Accepted publickey")
    for name in (f"$(touch {marker})", "-rf", "a;b", "../etc", ""):
        with pytest.raises(ValueError, match="refused container name"):
            interface.get_logs(name)
    assert not marker.exists()
    assert sshd_log(real_sshd).count("Accepted publickey") == accepted_before, "no connection"


# -- following ----------------------------------------------------------------------------------


def read_lines(stream: Any, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def wait_for(lines: queue.Queue[str], text: str, seen: list[str], timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            break
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"{text!r} not printed within {timeout}s; got {seen!r}")


def follow_processes(name: str) -> list[str]:
    """Command lines of `docker logs --follow NAME` still running on the (local) server."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"logs" in argv and b"--follow" in argv and name.encode() in argv:
            found.append(b" ".join(argv).decode(errors="replace"))
    return found


def wait_until(condition: Any, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@contextmanager
def following(real_sshd: Sshd, engine: PodmanEngine, tmp_path: Path, name: str, after: str):
    """A container that waits for a trigger file, and `logtui container NAME 1 -f --json` on it.

    Yields (trigger, lines, seen, proc). The container writes a marker line to stderr once
    `trigger` exists, then runs `after`.
    """
    trigger = tmp_path / "trigger"
    trigger.mkdir()
    engine.run(
        name,
        "printf '%s\\n' '[INFO] waiting for the trigger'\n"
        "while [ ! -e /trigger/go ]; do usleep 20000; done\n"
        "printf '%s\\n' '[WARNING] written after the follow started' >&2\n" + after,
        mounts={trigger: "/trigger"},
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "logtui", "container", name, "1", "-f", "--json"],
        env=cli_env(real_sshd),
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=read_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        yield trigger / "go", lines, [], proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        engine.remove(name)


def test_cli_follow_streams_a_line_written_after_it_started(
    real_sshd: Sshd, scenario: Scenario, tmp_path: Path
) -> None:
    name = "follow-me"
    heartbeat = 'i=0; while true; do i=$((i+1)); echo "[DEBUG] heartbeat $i"; usleep 200000; done'
    with following(real_sshd, scenario.engine, tmp_path, name, heartbeat) as (go, lines, seen, proc):
        first = json.loads(wait_for(lines, "waiting for the trigger", seen))
        assert (first["level"], first["stream"]) == ("INFO", "stdout")
        assert follow_processes(name), "the follow runs docker logs --follow on the server"
        go.touch()
        later = json.loads(wait_for(lines, "written after the follow started", seen))
        assert later["message"] == "written after the follow started"
        assert later["raw_line"].endswith("Z [WARNING] written after the follow started")
        assert (later["level"], later["stream"], later["container_name"]) == ("WARNING", "stderr", name)
        assert later["timestamp"] >= first["timestamp"]
        beat = json.loads(wait_for(lines, "heartbeat 2", seen))
        assert (beat["level"], beat["stream"]) == ("DEBUG", "stdout")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
        # the closed channel ends the server's docker logs -f at its next write
        assert wait_until(lambda: not follow_processes(name)), "docker logs -f left on the server"


@pytest.mark.xfail(
    strict=False,
    reason="the test sshd logs in as root, and OpenSSH refuses signal requests for root sessions "
    "('session signalling requires privilege separation'), so logtui's TERM cannot reach docker; "
    "for any other user it ends `docker logs -f` (without it, OpenSSH sends no signal to a command "
    "without a pty, and a quiet container's follow lingers until the container writes)",
)
def test_cli_follow_of_a_quiet_container_leaves_nothing_on_the_server(
    real_sshd: Sshd, scenario: Scenario, tmp_path: Path
) -> None:
    """logtui asks sshd to TERM a follow's command before it closes the channel."""
    name = "quiet-follow"
    with following(real_sshd, scenario.engine, tmp_path, name, "exec sleep 3600") as (
        go,
        lines,
        seen,
        proc,
    ):
        go.touch()
        wait_for(lines, "written after the follow started", seen)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert wait_until(lambda: not follow_processes(name), timeout=3)


def test_with_logtui_guard_a_quiet_follow_leaves_nothing_on_the_server(
    guarded_real_sshd: Sshd, scenario: Scenario, tmp_path: Path
) -> None:
    """sshd refuses signals for a forced command: logtui-guard ends docker when the channel closes."""
    name = "quiet-follow-guarded"
    with following(guarded_real_sshd, scenario.engine, tmp_path, name, "exec sleep 3600") as (
        go, lines, seen, proc,
    ):  # fmt: skip
        go.touch()
        wait_for(lines, "written after the follow started", seen)
        assert follow_processes(name)  # docker logs --follow is running on the server
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert wait_until(lambda: not follow_processes(name), timeout=5)
