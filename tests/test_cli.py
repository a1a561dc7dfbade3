"""The `logtui` command, run as a person or a script would, against the scripted host."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted import config_free_env, running_host, scripted_containers, write_client_files

from logtui.simhost import SimulatedHost


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[SimulatedHost, dict[str, str]]]:
    with running_host() as host:
        env = config_free_env()
        env.update(write_client_files(host, tmp_path))
        yield host, env


def logtui(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "logtui", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_status_for_people_and_scripts(served: tuple[SimulatedHost, dict[str, str]]) -> None:
    _, env = served
    human = logtui(env, "status")
    assert human.returncode == 0, human.stderr
    assert "READ-ONLY" in human.stdout and "web-app" in human.stdout and "exited" in human.stdout
    data = json.loads(logtui(env, "status", "--json").stdout)
    assert {c["name"] for c in data["containers"]} == {"web-app", "database", "exited-job", "quiet"}


def test_logs_json_lines_in_time_order(served: tuple[SimulatedHost, dict[str, str]]) -> None:
    _, env = served
    result = logtui(env, "logs", "--json")
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(entries) == 10  # 5 web-app + 3 database + 2 exited-job; "quiet" is older
    assert [e["timestamp"] for e in entries] == sorted(e["timestamp"] for e in entries)
    assert result.stderr == ""


def test_container_and_hours_argument(served: tuple[SimulatedHost, dict[str, str]]) -> None:
    _, env = served
    one_hour = logtui(env, "container", "quiet", "--json")
    assert one_hour.returncode == 0 and one_hour.stdout == ""
    four = logtui(env, "container", "quiet", "4", "--json")
    assert [json.loads(x)["level"] for x in four.stdout.splitlines()] == ["ERROR"]
    human = logtui(env, "container", "web-app")
    assert "ZeroDivisionError: division by zero" in human.stdout
    assert "ERROR" in human.stdout


def test_errors_summary(served: tuple[SimulatedHost, dict[str, str]]) -> None:
    _, env = served
    summary = json.loads(logtui(env, "errors", "--json").stdout)
    assert summary["total_error_entries"] == 5 and summary["containers_with_errors"] == 3
    human = logtui(env, "errors")
    assert "5 in 3 of 4 containers" in human.stdout
    assert "CRITICAL" in human.stdout and "cannot open /data/input.csv" in human.stdout


def test_save_writes_a_file(served: tuple[SimulatedHost, dict[str, str]], tmp_path: Path) -> None:
    _, env = served
    out = tmp_path / "saved.json"
    result = logtui(env, "save", "2", "-o", str(out), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["path"] == str(out.resolve()) and report["entries"] == 10
    assert json.loads(out.read_text())["collection_source"] == "production_ssh"


def test_health_exit_codes(served: tuple[SimulatedHost, dict[str, str]]) -> None:
    host, env = served
    ok = logtui(env, "health", "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["status"] == "healthy"
    host.docker.daemon_down = True
    down = logtui(env, "health")
    assert down.returncode == 1
    assert "Cannot connect to the Docker daemon" in down.stdout


def test_failures_are_one_line_with_the_right_exit_code(
    served: tuple[SimulatedHost, dict[str, str]], tmp_path: Path
) -> None:
    host, env = served
    unknown = logtui(env, "container", "ghost")
    assert unknown.returncode == 1
    assert unknown.stderr.strip().endswith("Error response from daemon: No such container: ghost")
    assert len(unknown.stderr.strip().splitlines()) == 1
    before = list(host.commands_received)
    for name in ("$(touch /tmp/logtui-pwned)", "a;b", "--", "web app"):
        hostile = logtui(env, "container", "--", name)
        assert hostile.returncode == 2, hostile.stderr
        assert "Traceback" not in hostile.stderr
    assert host.commands_received == before
    assert not Path("/tmp/logtui-pwned").exists()
    bad_hours = logtui(env, "logs", "-3")
    assert bad_hours.returncode == 2 and "HOURS" in bad_hours.stderr
    no_config = {k: v for k, v in env.items() if not k.startswith("LOGTUI_")}
    missing = logtui(no_config, "status", cwd=tmp_path)
    assert missing.returncode == 2 and "LOGTUI_HOST" in missing.stderr


def test_help_lists_commands_and_configuration() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "logtui.cli", "--help"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    for word in ("status", "logs", "errors", "container", "save", "health", "demo", "LOGTUI_HOST"):
        assert word in result.stdout


def test_follow_streams_new_lines_until_interrupted(tmp_path: Path) -> None:
    containers = scripted_containers()
    web = containers[0]
    with running_host(containers) as host:
        env = config_free_env()
        env.update(write_client_files(host, tmp_path))
        proc = subprocess.Popen(
            [sys.executable, "-m", "logtui", "container", "web-app", "--json", "-f"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            history = [json.loads(proc.stdout.readline()) for _ in range(5)]
            assert history[0]["message"] == "Started server on :8000"
            assert history[0]["raw_line"].endswith("Z [INFO] Started server on :8000")
            web.write("[ERROR] written while following", "stderr")
            deadline = time.monotonic() + 20
            line = ""
            while time.monotonic() < deadline and "written while following" not in line:
                line = proc.stdout.readline()
            new = json.loads(line)
            assert (new["level"], new["stream"]) == ("ERROR", "stderr")
            assert new["message"] == "written while following"
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)
        assert proc.returncode == 0


def test_log_records_go_to_the_stderr_of_the_moment(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """The CLI configures structlog once; a stderr swapped (and closed) afterwards, as a
    library caller or a test runner does, must not make every later warning raise."""
    import io

    import structlog

    from logtui.cli import configure_logging

    first = io.StringIO()
    monkeypatch.setattr("sys.stderr", first)
    configure_logging()
    first.close()
    monkeypatch.undo()
    structlog.get_logger("logtui.pool").warning("channel_refused", connection=1)
    assert "channel_refused" in capsys.readouterr().err
