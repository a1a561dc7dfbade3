"""Host keys behind an ~/.ssh/config alias: a changed key is refused, a new one is remembered right.

Each test runs `logtui health` in-process against a real SSH server (a SimulatedHost on its
own loop thread) with a temporary HOME holding `~/.ssh/config` and `~/.ssh/known_hosts`,
as a person with `Host prod` in their ssh config would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest
import structlog
from scripted import isolate_config, running_host

from logtui import cli
from logtui.config import load_settings
from logtui.hostkeys import describe_untrusted_key, recorded_for
from logtui.simhost import SimulatedHost
from logtui.simhost.openssh import free_port


@dataclass
class Home:
    host: SimulatedHost
    known_hosts: Path
    audit: Path

    @property
    def target(self) -> str:
        return f"[127.0.0.1]:{self.host.port}"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Home]:
    """`Host prod` -> 127.0.0.1:<port> in ~/.ssh/config, an empty known_hosts, LOGTUI_HOST=prod."""
    with running_host() as host:
        ssh = tmp_path / "home" / ".ssh"
        ssh.mkdir(parents=True, mode=0o700)
        (ssh / "config").write_text(f"Host prod\n  HostName 127.0.0.1\n  Port {host.port}\n  User logtui\n")
        known = ssh / "known_hosts"
        known.write_text("")
        audit = tmp_path / "audit.jsonl"
        isolate_config(
            monkeypatch,
            tmp_path,
            {"LOGTUI_HOST": "prod", "LOGTUI_SSH_KEY": host.client_key_text, "LOGTUI_AUDIT_LOG": str(audit)},
        )
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
        yield Home(host, known, audit)
    structlog.reset_defaults()  # cli.main configured it for this process


def health(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str]:
    status = cli.main([*flags, "health", "--json"])
    report = json.loads(capsys.readouterr().out)
    return status, report["error"] or ""


def other_key() -> str:
    public = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
    return " ".join(public.split()[:2])


def hashed(name: str) -> str:
    """A HashKnownHosts entry name for `name`, as OpenSSH writes it."""
    salt = os.urandom(20)
    digest = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(digest).decode()}"


@pytest.mark.parametrize(
    "entry",
    [
        "{target} {key}",  # by address and port, as `ssh` records it
        "{hashed} {key}",  # the same, hashed (HashKnownHosts yes)
        "127.0.0.* {key}",  # a pattern without the port
        "[prod]:{port} {key}",  # under the alias itself
    ],
)
def test_changed_key_behind_an_alias_is_refused_even_with_trust_on_first_use(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, entry: str
) -> None:
    line = entry.format(target=home.target, hashed=hashed(home.target), key=other_key(), port=home.host.port)
    home.known_hosts.write_text(line + "\n")
    monkeypatch.setenv("LOGTUI_TRUST_NEW_HOST_KEYS", "1")
    status, error = health(capsys)
    assert status == 1
    assert "HOST KEY CHANGED" in error and home.target in error
    assert home.known_hosts.read_text() == line + "\n"
    assert home.host.commands_received == []
    assert not home.audit.exists() or "host_key_trusted" not in home.audit.read_text()


def test_a_host_with_a_certificate_authority_is_never_new(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """asyncssh then offers only certificate algorithms; whatever it asks us, nothing is trusted."""
    line = f"@cert-authority {home.target} {other_key()}"
    home.known_hosts.write_text(line + "\n")
    assert recorded_for(load_settings(), "127.0.0.1", "127.0.0.1", home.host.port).anchors
    monkeypatch.setenv("LOGTUI_TRUST_NEW_HOST_KEYS", "1")
    assert health(capsys)[0] == 1
    assert home.known_hosts.read_text() == line + "\n"
    assert home.host.commands_received == []


def test_new_key_behind_an_alias_is_remembered_under_the_address_asyncssh_checks(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    unrelated = f"[127.0.0.1]:{free_port()} {other_key()}"
    home.known_hosts.write_text(unrelated)  # no final newline
    status, _ = health(capsys, "--trust-new-host-key")
    assert status == 0
    lines = home.known_hosts.read_text().splitlines()
    assert lines == [unrelated, f"{home.target} {home.host.host_public_key_line}"]
    # remembered where asyncssh looks: trusted from now on without the flag
    assert health(capsys) == (0, "")
    events = [json.loads(x)["event"] for x in home.audit.read_text().splitlines()]
    assert events.count("host_key_trusted_on_first_use") == 1


def test_unknown_key_advice_names_the_real_address_and_port(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    status, error = health(capsys)
    assert status == 1
    key = asyncssh.import_public_key(home.host.host_public_key_line)
    assert "not trusted" in error and key.get_fingerprint("sha256") in error
    assert f"ssh-keyscan -p {home.host.port} 127.0.0.1 " in error
    assert f"{home.target} (ssh config Host prod)" in error
    assert "-p 22" not in error and "[prod]" not in error


def test_revoked_key_is_refused_and_said_so(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home.known_hosts.write_text(f"@revoked {home.target} {home.host.host_public_key_line}\n")
    monkeypatch.setenv("LOGTUI_TRUST_NEW_HOST_KEYS", "1")
    status, error = health(capsys)
    assert status == 1 and "REVOKED" in error
    assert home.host.commands_received == []


async def test_advice_without_a_validated_key_resolves_the_alias(home: Home) -> None:
    """A refusal asyncssh decided alone: the key is fetched from the alias's real address."""
    settings = load_settings()
    key = asyncssh.import_public_key(home.host.host_public_key_line)
    message = await describe_untrusted_key(settings)
    assert key.get_fingerprint("sha256") in message and home.target in message
    (home.known_hosts.parent / "config").write_text(
        f"Host prod\n  HostName 127.0.0.1\n  Port {free_port()}\n"
    )
    settings.connect_timeout = 5
    gone = await describe_untrusted_key(settings)
    port = gone.split("could not be fetched from 127.0.0.1 port ")[1].split(".")[0]
    assert port.isdigit() and port != "22"
