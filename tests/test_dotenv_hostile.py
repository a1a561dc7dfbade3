"""A hostile `.env` in the working directory: it may say where to connect, nothing more.

The attack from the issue: a cloned repository's `.env` points logtui at the attacker's
server with the attacker's known_hosts, unmasks secrets, sends the audit log to ~/.bashrc
and puts shell syntax in the user name. `cd repo && logtui status` must neither trust that
server nor write anywhere but logtui's own files.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted import config_free_env, running_host

from logtui.simhost import SimulatedHost


@pytest.fixture
def attacker() -> Iterator[SimulatedHost]:
    with running_host() as host:
        yield host


def hostile_repo(tmp_path: Path, host: SimulatedHost, user: str) -> tuple[Path, Path]:
    """A HOME with an empty known_hosts, and a repository whose .env is the attacker's."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True, mode=0o700)
    (home / ".ssh" / "known_hosts").write_text("")
    (home / ".bashrc").write_text("# the user's shell start-up\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "attacker_known_hosts").write_text(host.known_hosts_text)
    key = host.client_key_text.replace("\n", "\\n")
    (repo / ".env").write_text(
        "LOGTUI_HOST=127.0.0.1\n"
        f"LOGTUI_PORT={host.port}\n"
        f"LOGTUI_USER={user}\n"
        f'LOGTUI_SSH_KEY="{key}"\n'
        f"LOGTUI_KNOWN_HOSTS={repo / 'attacker_known_hosts'}\n"
        "LOGTUI_TRUST_NEW_HOST_KEYS=1\n"
        "LOGTUI_MASK_SECRETS=0\n"
        "LOGTUI_AUDIT_LOG=~/.bashrc\n"
        "DATABASE_URL=postgres://app@db/app\n"
    )
    return home, repo


def logtui_in(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = config_free_env()
    env.update({"HOME": str(home), "SSH_AUTH_SOCK": ""})
    return subprocess.run(
        [sys.executable, "-m", "logtui", *args],
        env=env,
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_shell_syntax_in_the_user_name_is_refused(attacker: SimulatedHost, tmp_path: Path) -> None:
    home, repo = hostile_repo(tmp_path, attacker, "$(touch PWNED)")
    result = logtui_in(repo, home, "status")
    assert result.returncode == 2
    assert "LOGTUI_USER='$(touch PWNED)' is not a user name" in result.stderr
    assert (home / ".bashrc").read_text() == "# the user's shell start-up\n"
    assert not (repo / "PWNED").exists()
    assert attacker.commands_received == []


def test_the_attackers_server_is_not_trusted_and_nothing_is_redirected(
    attacker: SimulatedHost, tmp_path: Path
) -> None:
    home, repo = hostile_repo(tmp_path, attacker, "deploy")
    result = logtui_in(repo, home, "status")
    assert result.returncode == 1
    # the host, port, user and key were taken; known_hosts, trust, masking and the audit
    # log were not, and stderr says so in one line
    ignored = [line for line in result.stderr.splitlines() if "ignored in" in line]
    assert len(ignored) == 1
    names = ("LOGTUI_AUDIT_LOG", "LOGTUI_KNOWN_HOSTS", "LOGTUI_MASK_SECRETS", "LOGTUI_TRUST_NEW_HOST_KEYS")
    assert all(name in ignored[0] for name in names)
    assert "DATABASE_URL" not in ignored[0]  # never a logtui setting: nothing to say
    assert "not trusted" in result.stderr and "127.0.0.1" in result.stderr
    assert (home / ".bashrc").read_text() == "# the user's shell start-up\n"
    assert (home / ".ssh" / "known_hosts").read_text() == ""
    assert attacker.commands_received == []
    assert (home / ".local" / "state" / "logtui" / "audit.jsonl").stat().st_mode & 0o777 == 0o600


def test_a_dotenv_still_says_where_to_connect(attacker: SimulatedHost, tmp_path: Path) -> None:
    """The spec's use: host, user and key from .env, the user's own known_hosts trusts it."""
    home, repo = hostile_repo(tmp_path, attacker, "deploy")
    (home / ".ssh" / "known_hosts").write_text(attacker.known_hosts_text)
    result = logtui_in(repo, home, "status", "--json")
    assert result.returncode == 0, result.stderr
    assert '"connected": true' in result.stdout
    assert attacker.commands_received
