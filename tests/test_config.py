"""Settings from the environment: the spec's names, ours, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from logtui.config import load_settings, normalize_key_text, read_environment

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n"


def test_spec_variables_are_read() -> None:
    s = load_settings(
        {"HETZNER_HOST": "203.0.113.7", "HETZNER_USER": "root", "HETZNER_SSH_KEY": KEY}
    )
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


def test_dotenv_file_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("LOGTUI_HOST=from-dotenv\nLOGTUI_USER=deploy\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOGTUI_HOST", raising=False)
    monkeypatch.setenv("LOGTUI_USER", "from-env")
    env = read_environment()
    s = load_settings(env)
    assert (s.host, s.user) == ("from-dotenv", "from-env")
