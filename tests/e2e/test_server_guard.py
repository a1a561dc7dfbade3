"""`logtui-guard` in authorized_keys: a stolen client key can only read logs.

sshd forces every session of the key through the guard; logtui keeps working, while
destructive or injected commands sent by a plain ssh client are refused and audited.
"""

from __future__ import annotations

import json
import shlex
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted import config_free_env

from logtui.simhost.openssh import Sshd, sim_docker_script

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, sshd_installed: None) -> Iterator[Sshd]:
    root = tmp_path_factory.mktemp("guarded")
    marker = root / "docker-was-run-by-a-shell"
    # The docker behind the guard; it records each run so a test can see what was executed.
    docker = root / "docker-real"
    docker.write_text(
        sim_docker_script().replace("exec ", f'echo "$*" >> {shlex.quote(str(root / "ran"))}; exec ', 1)
    )
    docker.chmod(0o755)
    forced = f"{sys.executable} -m logtui.server_guard --docker {docker} --audit-log {root / 'guard.jsonl'}"
    server = Sshd(
        root,
        docker_script=f"#!/bin/sh\ntouch {shlex.quote(str(marker))}\n",
        # the environment never chooses the guard's audit log (an old setting, ignored now)
        env={"LOGTUI_GUARD_AUDIT_LOG": str(root / "from-env.jsonl"), "PYTHONPATH": str(Path.cwd())},
        authorized_options=f'command="{forced}",restrict',
    )
    server.marker = marker  # type: ignore[attr-defined]
    server.start()
    yield server
    server.stop()


def raw_ssh(server: Sshd, command: str | None) -> subprocess.CompletedProcess[str]:
    env = server.settings_env()
    argv = [
        "ssh", "-i", env["LOGTUI_SSH_KEY_FILE"], "-p", env["LOGTUI_PORT"],
        "-o", f"UserKnownHostsFile={env['LOGTUI_KNOWN_HOSTS']}", "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes", "-T", f"{env['LOGTUI_USER']}@127.0.0.1",
    ]  # fmt: skip
    if command is not None:
        argv.append(command)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def guard_audit(server: Sshd) -> list[dict]:
    path = server.root / "guard.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_logtui_works_through_the_guard(guarded: Sshd) -> None:
    env = config_free_env()
    env.update(guarded.settings_env())
    for args in (
        ["status", "--json"],
        ["errors", "0.5", "--json"],
        ["container", "web-app", "0.1", "--json"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "logtui", *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, (args, result.stderr)
        assert result.stdout.strip()
    allowed = [r["command"] for r in guard_audit(guarded) if r["outcome"] == "allowed"]
    assert allowed[0] == "docker ps --all --no-trunc --format '{{json .}}'"
    assert not guarded.marker.exists()  # type: ignore[attr-defined]
    assert not (guarded.root / "from-env.jsonl").exists()
    assert stat.S_IMODE((guarded.root / "guard.jsonl").stat().st_mode) == 0o600


def test_inspect_only_of_containers(guarded: Sshd) -> None:
    """`docker inspect NAME` would also answer for an image, volume or secret of that name."""
    allowed = raw_ssh(guarded, "docker inspect --type container web-app")
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.lstrip().startswith("[")
    refused = raw_ssh(guarded, "docker inspect web-app")
    assert refused.returncode == 126
    assert "must have --type" in refused.stderr


def test_audit_records_are_ascii_and_bounded(guarded: Sshd) -> None:
    command = "docker logs --timestamps " + "\u202e\x1b[2J" * 2000
    before = len(guard_audit(guarded))
    assert raw_ssh(guarded, command).returncode == 126
    text = (guarded.root / "guard.jsonl").read_text()
    assert text.isascii() and "\x1b" not in text
    record = guard_audit(guarded)[before]
    assert record["command"] == command[:1024] and record["command_length"] == len(command)


@pytest.mark.parametrize(
    "command",
    [
        "docker rm -f web-app",
        "docker exec web-app sh",
        "docker run --rm -v /:/host busybox",
        "sh -c id",
        "docker ps; touch /tmp/logtui-guard-pwned",
        "docker ps && id",
        "docker logs --timestamps 'web-app;id'",
        "docker logs --timestamps $(id)",
        "docker logs --timestamps `id`",
        "docker ps --format '{{.Names}}' | sh",
        "docker stats",
        "docker ps\nid",
        "docker inspect web-app",
        "docker inspect --type image web-app",
    ],
)
def test_anything_else_is_refused(guarded: Sshd, command: str) -> None:
    before = len(guard_audit(guarded))
    result = raw_ssh(guarded, command)
    assert result.returncode == 126, result
    assert result.stderr.startswith("logtui-guard: refused")
    records = guard_audit(guarded)[before:]
    assert [(r["command"], r["outcome"]) for r in records] == [(command, "refused")]
    assert not Path("/tmp/logtui-guard-pwned").exists()
    assert not guarded.marker.exists()  # type: ignore[attr-defined]


def test_interactive_session_is_refused(guarded: Sshd) -> None:
    result = raw_ssh(guarded, None)
    assert result.returncode == 126
    assert "interactive sessions are not allowed" in result.stderr
