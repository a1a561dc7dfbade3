"""`logtui-guard`'s own settings: from its arguments in authorized_keys only, never the environment.

Run as sshd runs it: a process with SSH_ORIGINAL_COMMAND set. `echo` stands in for docker,
so what would have been run is what it prints. (The guard behind a real sshd is tested in
tests/e2e/test_server_guard.py.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scripted import config_free_env

from logtui.server_guard import audit_record

ECHO = "/bin/echo"


def guard(tmp_path: Path, command: str | None, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    variables = config_free_env()
    variables.pop("SSH_ORIGINAL_COMMAND", None)
    variables["HOME"] = str(tmp_path / "home")
    if command is not None:
        variables["SSH_ORIGINAL_COMMAND"] = command
    variables.update(env)
    return subprocess.run(
        [sys.executable, "-m", "logtui.server_guard", *args],
        env=variables,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def records(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_audit_log_comes_from_the_arguments_not_the_environment(tmp_path: Path) -> None:
    audit = tmp_path / "guard.jsonl"
    from_env = tmp_path / "from-env.jsonl"
    result = guard(
        tmp_path, "docker ps --all", "--docker", ECHO, "--audit-log", str(audit),
        LOGTUI_GUARD_AUDIT_LOG=str(from_env),
    )  # fmt: skip
    assert result.returncode == 0 and result.stdout == "ps --all\n"
    assert [(r["command"], r["outcome"]) for r in records(audit)] == [("docker ps --all", "allowed")]
    assert not from_env.exists()


def test_default_audit_log_ignores_the_environment(tmp_path: Path) -> None:
    from_env = tmp_path / "from-env.jsonl"
    result = guard(tmp_path, "docker ps", "--docker", ECHO, LOGTUI_GUARD_AUDIT_LOG=str(from_env))
    assert result.returncode == 0
    assert not from_env.exists()
    assert (
        records(tmp_path / "home" / ".local" / "state" / "logtui" / "guard.jsonl")[0]["command"]
        == "docker ps"
    )


def test_no_inspect_refuses_inspect_and_keeps_the_rest(tmp_path: Path) -> None:
    audit = tmp_path / "guard.jsonl"
    args = ("--docker", ECHO, "--audit-log", str(audit), "--no-inspect")
    inspect = guard(tmp_path, "docker inspect --type container web", *args)
    assert inspect.returncode == 126 and inspect.stdout == ""
    assert inspect.stderr.startswith("logtui-guard: refused: docker inspect is disabled")
    assert guard(
        tmp_path, "docker inspect --type container web", "--docker", ECHO, "--audit-log", str(audit)
    ).stdout
    assert guard(tmp_path, "docker ps", *args).stdout == "ps\n"
    assert [r["outcome"] for r in records(audit)] == ["refused", "allowed", "allowed"]


@pytest.mark.parametrize(
    "args",
    [
        ("--docker",),
        ("--audit", "x"),
        ("--docker", ECHO, "--docker", "/bin/sh"),
        ("/bin/sh",),
        ("--no-inspect",) * 2,
    ],
)
def test_unknown_arguments_refuse_everything(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = guard(tmp_path, "docker ps", *args)
    assert result.returncode == 126 and result.stdout == ""
    assert "bad forced command in authorized_keys" in result.stderr


def test_an_audit_log_that_is_a_symlink_refuses_the_command(tmp_path: Path) -> None:
    target = tmp_path / "authorized_keys"
    target.write_text("ssh-ed25519 AAAA admin\n")
    link = tmp_path / "guard.jsonl"
    link.symlink_to(target)
    result = guard(tmp_path, "docker ps", "--docker", ECHO, "--audit-log", str(link))
    assert result.returncode == 126 and result.stdout == ""
    assert "cannot write audit log" in result.stderr
    assert target.read_text() == "ssh-ed25519 AAAA admin\n"


def test_records_are_ascii_with_the_command_cut() -> None:
    command = "docker logs \u202e\x1b[2J" + "x" * 5000
    line = audit_record("T", "203.0.113.9 5555 22", command, "refused", "refused: " + command)
    assert line.isascii() and line.endswith("\n") and line.count("\n") == 1
    record = json.loads(line)
    assert record["command"] == command[:1024] and record["command_length"] == len(command)
    assert len(record["reason"]) <= 1224
