"""End to end through a real OpenSSH sshd and a real shell, with the simulated `docker` CLI.

The `docker` on the server side is a wrapper that records every argv it is run with,
then runs the simulated Docker CLI, so the tests can prove what reached the server.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted import config_free_env, isolate_config

from logtui import LogInterface, ProductionLogCollector, guard
from logtui.simhost.openssh import Sshd, sim_docker_script

pytestmark = pytest.mark.e2e

NOW = time.time()
SCENARIO = {
    "default_containers": False,
    "containers": [
        {
            "name": "web-app",
            "lines": [
                {"ts": NOW - 300, "stream": "stdout", "text": "[INFO] listening on :8000"},
                {"ts": NOW - 120, "stream": "stderr", "text": "[ERROR] Application error occurred"},
                {"ts": NOW - 60, "stream": "stderr", "text": "Traceback (most recent call last):"},
                {"ts": NOW - 60, "stream": "stderr", "text": '  File "/app/x.py", line 1, in <module>'},
                {"ts": NOW - 60, "stream": "stderr", "text": "KeyError: 'user'"},
            ],
        },
        {
            "name": "database",
            "lines": [
                {
                    "ts": NOW - 30,
                    "stream": "stderr",
                    "text": "2025-08-16 14:30:23 UTC [62] FATAL:  out of memory",
                },
            ],
        },
    ],
}


def recording_docker(calls: Path) -> str:
    """A `docker` that appends its argv (one JSON list a line) to `calls`, then runs the simulation."""
    sim = sim_docker_script().split("\n", 1)[1]
    return (
        "#!/bin/sh\n"
        f"{shlex.quote(sys.executable)} -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "
        f'"$@" >> {shlex.quote(str(calls))}\n' + sim
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sshd_installed: None) -> Iterator[Sshd]:
    root = tmp_path_factory.mktemp("sshd")
    scenario = root / "scenario.json"
    scenario.write_text(json.dumps(SCENARIO))
    calls = root / "calls.jsonl"
    calls.touch()
    server = Sshd(root, docker_script=recording_docker(calls), env={"LOGTUI_SIM_SCENARIO": str(scenario)})
    server.calls = calls  # type: ignore[attr-defined]
    server.start()
    yield server
    server.stop()


def server_calls(server: Sshd) -> list[list[str]]:
    return [json.loads(line) for line in server.calls.read_text().splitlines()]  # type: ignore[attr-defined]


def run_cli(
    server: Sshd, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = config_free_env()
    env.update(server.settings_env())
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "logtui", *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def configured(server: Sshd, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Sshd:
    isolate_config(monkeypatch, tmp_path, server.settings_env())
    return server


def test_api_end_to_end(configured: Sshd, tmp_path: Path) -> None:
    with LogInterface() as interface:
        assert interface.check_health()
        assert sorted(interface.get_containers()) == ["database", "web-app"]
        web = interface.get_logs("web-app")
        assert [(e["level"], e["stream"]) for e in web] == [
            ("INFO", "stdout"),
            ("ERROR", "stderr"),
            ("ERROR", "stderr"),
        ]
        assert web[2]["message"].endswith("KeyError: 'user'") and web[2]["message"].count("\n") == 2
        errors = interface.get_recent_errors()
        assert {k: len(v) for k, v in errors.items()} == {"web-app": 2, "database": 1}
        path = interface.save_all_logs(filename=str(tmp_path / "saved.json"))
        assert json.loads(Path(path).read_text())["collection_source"] == "production_ssh"
    with ProductionLogCollector() as collector:
        summary = collector.get_error_summary(hours=1)
        assert summary["critical_issues"][0]["container"] == "database"
        assert summary["total_error_entries"] == 3
        assert collector.remote is not None and collector.remote.transport.connect_count == 1


def test_cli_end_to_end(server: Sshd) -> None:
    status = run_cli(server, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert {c["name"] for c in json.loads(status.stdout)["containers"]} == {"web-app", "database"}
    logs = run_cli(server, "logs", "--json")
    assert [json.loads(x)["container_name"] for x in logs.stdout.splitlines()] == [
        "web-app",
        "web-app",
        "web-app",
        "database",
    ]
    errors = run_cli(server, "errors")
    assert errors.returncode == 0 and "3 in 2 of 2 containers" in errors.stdout
    assert run_cli(server, "health").returncode == 0
    missing = run_cli(server, "container", "ghost")
    assert missing.returncode == 1 and "No such container: ghost" in missing.stderr


def test_only_read_only_commands_reach_the_server(server: Sshd) -> None:
    before = len(server_calls(server))
    for name in ("$(touch /tmp/logtui-e2e-pwned)", "-rf", "a;reboot", "x\ny", "`id`", "web-app'"):
        result = run_cli(server, "container", "--", name)
        assert result.returncode == 2, (name, result.stderr)
    assert len(server_calls(server)) == before
    assert not Path("/tmp/logtui-e2e-pwned").exists()
    run_cli(server, "logs")
    for argv in server_calls(server):
        assert guard.validate_argv(["docker", *argv])
        assert argv[0] in {"ps", "logs", "inspect", "stats"}


def test_wrong_host_key_is_refused(server: Sshd, tmp_path: Path) -> None:
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    known = tmp_path / "known_hosts"
    algo, blob = (other.with_suffix(".pub")).read_text().split()[:2]
    known.write_text(f"[127.0.0.1]:{server.port} {algo} {blob}\n")
    before = len(server_calls(server))
    result = run_cli(server, "status", env_extra={"LOGTUI_KNOWN_HOSTS": str(known)})
    assert result.returncode == 1
    assert "HOST KEY CHANGED" in result.stderr and "SHA256:" in result.stderr
    assert len(server_calls(server)) == before
    known.write_text("")
    unknown = run_cli(server, "status", env_extra={"LOGTUI_KNOWN_HOSTS": str(known)})
    assert unknown.returncode == 1 and "not trusted" in unknown.stderr


def test_ssh_config_alias_and_default_known_hosts_are_used(server: Sshd, tmp_path: Path) -> None:
    """Only LOGTUI_HOST=<alias>: HostName, Port, User, IdentityFile come from ~/.ssh/config."""
    home = tmp_path / "home"
    ssh_dir = home / ".ssh"
    ssh_dir.mkdir(parents=True, mode=0o700)
    env = server.settings_env()
    (ssh_dir / "config").write_text(
        "Host prod-logs\n"
        "  HostName 127.0.0.1\n"
        f"  Port {env['LOGTUI_PORT']}\n"
        f"  User {env['LOGTUI_USER']}\n"
        f"  IdentityFile {env['LOGTUI_SSH_KEY_FILE']}\n"
    )
    (ssh_dir / "known_hosts").write_text(Path(env["LOGTUI_KNOWN_HOSTS"]).read_text())
    child_env = config_free_env()
    child_env.update({"HOME": str(home), "LOGTUI_HOST": "prod-logs", "SSH_AUTH_SOCK": ""})
    result = subprocess.run(
        [sys.executable, "-m", "logtui", "status", "--json"],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert {c["name"] for c in json.loads(result.stdout)["containers"]} == {"web-app", "database"}
