"""The audit log and the dashboard log: created 0600, never written through a link or to a device."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from scripted import config_free_env, running_host, write_client_files

from logtui.audit import AuditLog
from logtui.private_files import open_private_append
from logtui.tui._run import configure_file_logging

BASHRC = "# the user's shell start-up\n"


@pytest.fixture
def open_umask() -> Iterator[None]:
    """umask 000: whatever mode a file gets is the mode we asked for."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def bashrc(tmp_path: Path) -> Path:
    path = tmp_path / ".bashrc"
    path.write_text(BASHRC)
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_audit_log_is_created_private(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "state" / "logtui" / "audit.jsonl"
    AuditLog(path).refused(host="h", command="docker rm x", reason="test")
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert '"command_refused"' in path.read_text()


def test_audit_log_through_a_symlink_is_refused(tmp_path: Path, bashrc: Path) -> None:
    link = tmp_path / "audit.jsonl"
    link.symlink_to(bashrc)
    with pytest.raises(OSError, match="symbolic link"):
        AuditLog(link)
    assert bashrc.read_text() == BASHRC


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_anything_but_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        path = tmp_path / "audit.jsonl"
        os.mkfifo(path)  # opening it for writing would wait for a reader forever
    elif kind == "device":
        path = Path("/dev/null")
    else:
        path = tmp_path / "dir"
        path.mkdir()
    with pytest.raises(OSError):
        open_private_append(path)


def test_an_existing_readable_log_of_ours_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"old": 1}\n')
    path.chmod(0o644)
    with open_private_append(path) as handle:
        handle.write('{"new": 2}\n')
    assert mode(path) == 0o600
    assert path.read_text() == '{"old": 1}\n{"new": 2}\n'


def test_dashboard_log_is_private_and_never_through_a_symlink(
    tmp_path: Path, bashrc: Path, open_umask: None
) -> None:
    try:
        log = tmp_path / "logtui" / "dashboard.log"
        configure_file_logging(log).close()
        assert mode(log) == 0o600
        link = tmp_path / "linked.log"
        link.symlink_to(bashrc)
        with pytest.raises(OSError, match="symbolic link"):
            configure_file_logging(link)
        assert bashrc.read_text() == BASHRC
    finally:
        structlog.reset_defaults()


def test_cli_refuses_an_audit_log_that_is_a_symlink(tmp_path: Path, bashrc: Path) -> None:
    with running_host() as host:
        env = config_free_env()
        env.update(write_client_files(host, tmp_path))
        link = tmp_path / "audit-link.jsonl"
        link.symlink_to(bashrc)
        env["LOGTUI_AUDIT_LOG"] = str(link)
        result = subprocess.run(
            [sys.executable, "-m", "logtui", "status"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1
        assert "symbolic link" in result.stderr and "Traceback" not in result.stderr
        assert bashrc.read_text() == BASHRC
        assert host.commands_received == []
