"""The spec's Python API over real SSH against the scripted simulated host."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted import TRACEBACK, isolate_config, running_host, write_client_files

from logtui import LogInterface, ProductionLogCollector
from logtui.log_interface import get_production_errors, get_production_logs, save_production_logs
from logtui.simhost import SimulatedHost

ENTRY_KEYS = {"container_name", "timestamp", "level", "message", "raw_line", "stream"}


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedHost]:
    """The scripted host, with LOGTUI_* variables pointing at it and no stray .env."""
    with running_host() as sim:
        isolate_config(monkeypatch, tmp_path, write_client_files(sim, tmp_path))
        yield sim


def test_containers_and_health(host: SimulatedHost) -> None:
    with LogInterface() as interface:
        assert interface.check_health() is True
        assert sorted(interface.get_containers()) == ["database", "quiet", "web-app"]
        rows = interface.collector.get_container_list()
        web = next(r for r in rows if r["name"] == "web-app")
        assert web["image"] == "shop/web:1.4" and web["state"] == "running"
        assert len(web["id"]) == 64 and web["status"].startswith("Up")
        report = interface.collector.health_check()
        assert report["status"] == "healthy" and report["ssh_connection"] and report["docker_available"]
        assert report["container_count"] == 4 and report["running_containers"] == 3


def test_logs_of_one_container_in_the_spec_format(host: SimulatedHost) -> None:
    with ProductionLogCollector() as collector:
        entries = collector.get_logs_from_container("web-app", hours_back=1)
    assert [set(e) for e in entries] == [ENTRY_KEYS] * 5
    assert [(e["level"], e["stream"]) for e in entries] == [
        ("INFO", "stdout"),
        ("WARNING", "stdout"),
        ("ERROR", "stderr"),
        ("ERROR", "stderr"),
        ("INFO", "stdout"),
    ]
    assert entries[2]["message"] == "Application error occurred"
    assert entries[2]["raw_line"].endswith("Z [ERROR] Application error occurred")
    traceback = entries[3]
    assert traceback["message"] == "\n".join(TRACEBACK)
    assert len(traceback["raw_line"].splitlines()) == 4
    assert all(len(e["timestamp"]) == 26 and e["container_name"] == "web-app" for e in entries)
    assert [e["timestamp"] for e in entries] == sorted(e["timestamp"] for e in entries)


def test_window_limits_what_comes_back(host: SimulatedHost) -> None:
    with LogInterface() as interface:
        assert interface.get_logs("quiet", hours=1) == []
        old = interface.get_logs("quiet", hours=4)
        assert [e["message"] for e in old] == ["an error from long ago"]
        assert old[0]["raw_line"].endswith("Z [ERROR] an error from long ago")
        recent = interface.get_logs("web-app", hours=0.02)  # the last 72 s
        assert [e["message"].splitlines()[0] for e in recent] == [
            "Traceback (most recent call last):",
            "2025-08-16 14:30:22,123 INFO cache parity error corrected",
        ]


def test_errors_include_stderr_and_exited_containers(host: SimulatedHost) -> None:
    with LogInterface() as interface:
        errors = interface.get_recent_errors(hours=1)
    assert set(errors) == {"web-app", "database", "exited-job"}
    assert [e["level"] for e in errors["database"]] == ["ERROR", "CRITICAL"]
    assert errors["exited-job"][0]["message"] == "cannot open /data/input.csv"
    assert errors["exited-job"][0]["raw_line"].endswith("Z [CRITICAL] cannot open /data/input.csv")
    assert all(e["stream"] == "stderr" for es in errors.values() for e in es)


def test_error_summary_format(host: SimulatedHost) -> None:
    with ProductionLogCollector() as collector:
        summary = collector.get_error_summary(hours=1)
    assert list(summary)[:7] == [
        "timestamp",
        "analysis_period_hours",
        "total_containers",
        "containers_with_errors",
        "total_error_entries",
        "error_breakdown",
        "critical_issues",
    ]
    assert summary["analysis_period_hours"] == 1
    assert summary["total_containers"] == 4
    assert summary["containers_with_errors"] == 3
    assert summary["total_error_entries"] == 5
    assert summary["error_breakdown"]["web-app"]["error_count"] == 2
    assert {i["container"] for i in summary["critical_issues"]} == {"database", "exited-job"}
    assert all(i["severity"] == "critical" for i in summary["critical_issues"])


def test_one_connection_is_reused_and_every_command_audited(host: SimulatedHost) -> None:
    collector = ProductionLogCollector()
    with collector:
        collector.get_container_list()
        collector.get_logs_from_container("web-app")
        collector.get_error_logs_only()
        assert collector.remote is not None
        assert collector.remote.transport.connect_count == 1
        audit_path = collector.settings.audit_log
    assert collector.remote is None  # closed by the with block
    records = [json.loads(line) for line in Path(audit_path).read_text().splitlines()]
    sent = [r["command"] for r in records if r["event"] == "remote_command"]
    assert sent == host.commands_received
    assert all({"timestamp", "host", "exit_status", "bytes", "duration_ms"} <= set(r) for r in records)
    assert host.commands_refused == []


def test_save_all_logs_writes_the_saved_file_format(host: SimulatedHost, tmp_path: Path) -> None:
    with LogInterface() as interface:
        path = interface.save_all_logs(hours=1, filename=str(tmp_path / "out.json"))
    doc = json.loads(Path(path).read_text())
    assert doc["collection_source"] == "production_ssh"
    assert set(doc["containers"]) == {"web-app", "database", "exited-job", "quiet"}
    assert len(doc["containers"]["web-app"]) == 5


def test_convenience_functions(host: SimulatedHost, tmp_path: Path) -> None:
    logs = get_production_logs(hours=2)
    assert len(logs["database"]) == 3
    errors = get_production_errors(hours=1)
    assert set(errors) == {"web-app", "database", "exited-job"}
    saved = save_production_logs(hours=1)
    assert Path(saved).parent == tmp_path.resolve()


def test_unknown_container_is_a_runtime_error_with_dockers_message(host: SimulatedHost) -> None:
    with LogInterface() as interface, pytest.raises(RuntimeError, match="No such container: ghost"):
        interface.get_logs("ghost")


@pytest.mark.parametrize("name", ["-rf", "a;b", "$(reboot)", "web app", "x\ny"])
def test_hostile_names_never_reach_the_server(host: SimulatedHost, name: str) -> None:
    with LogInterface() as interface, pytest.raises(ValueError, match="refused container name"):
        interface.get_logs(name)
    assert host.commands_received == []


@pytest.mark.parametrize("hours", [0, -1, float("nan"), "1", 10**9])
def test_bad_hours_are_value_errors(host: SimulatedHost, hours: object) -> None:
    with LogInterface() as interface, pytest.raises(ValueError, match="hours"):
        interface.get_recent_logs(hours=hours)  # type: ignore[arg-type]


def test_missing_configuration_is_a_value_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("LOGTUI_HOST", "HETZNER_HOST"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="LOGTUI_HOST"):
        LogInterface()


def test_docker_daemon_down_is_a_runtime_error(host: SimulatedHost) -> None:
    host.docker.daemon_down = True
    with LogInterface() as interface:
        assert interface.check_health() is False
        with pytest.raises(RuntimeError, match="Cannot connect to the Docker daemon"):
            interface.get_containers()


def test_docker_socket_permission_denied_is_a_runtime_error(host: SimulatedHost) -> None:
    host.docker.permission_denied = True
    with (
        LogInterface() as interface,
        pytest.raises(RuntimeError, match="permission denied while trying to connect"),
    ):
        interface.get_recent_logs()
