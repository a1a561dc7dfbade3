"""Hostile log text: nothing reaches the terminal as a control sequence or runs as markup,
and exports keep the original text faithfully."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scripted import config_free_env, running_host, write_client_files

from logtui.simhost import ScriptedContainer

HOSTILE = [
    b"\x1b[31mred error\x1b[0m [ERROR] coloured",
    b"\x1b[2J\x1b[H screen cleared",
    b"\x1b]0;pwned title\x07 title change",
    b"\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\ hyperlink",
    b"\x1b]52;c;cm0gLXJmIC8=\x07 clipboard write",
    b"[@click=app.quit]x[/] markup action",
    b"[link=file:///etc/passwd]x[/link] [bold]not bold[/bold]",
    b"invalid utf-8 \xff\xfe\xc3( here",
    b"nul\x00byte and bell\x07",
    b"carriage\rreturn overwrite",
    b"\x9b31m C1 CSI",
]
BIG = b"[INFO] big " + b"x" * 3_000_000


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    box = ScriptedContainer("box")
    now = time.time()
    for i, line in enumerate([*HOSTILE, BIG]):
        box.write(line, "stderr" if i % 2 else "stdout", ts=now - 100 + i)
    with running_host([box]) as host:
        environment = config_free_env()
        environment.update(write_client_files(host, tmp_path))
        yield environment


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "logtui", *args], env=env, capture_output=True, timeout=120)


def test_terminal_output_has_no_control_sequences(env: dict[str, str]) -> None:
    result = run(env, "container", "box")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for byte in (b"\x1b", b"\x07", b"\x9b", b"\x00", b"\r"):
        assert byte not in out, byte
    text = out.decode("utf-8")
    assert "\x9b" not in text
    assert "[@click=app.quit]x[/] markup action" in text
    assert "[link=file:///etc/passwd]x[/link] [bold]not bold[/bold]" in text
    assert "red error" in text and "click me" in text
    assert "invalid utf-8 \\xff\\xfe\\xc3( here" in text  # visible, not dropped
    assert text.count("x" * 1000) >= 1  # the 3 MB line is there


def test_json_keeps_the_original_text(env: dict[str, str]) -> None:
    result = run(env, "container", "box", "--json")
    assert result.returncode == 0
    entries = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    messages = [e["message"] for e in entries]
    assert "\x1b]0;pwned title\x07 title change" in messages
    assert "invalid utf-8 \\xff\\xfe\\xc3( here" in messages
    assert "nul\x00byte and bell\x07" in messages
    assert "carriage\rreturn overwrite" in messages
    assert any(m.startswith("big ") and len(m) == 3_000_004 for m in messages)
    assert all(e["raw_line"].endswith(e["message"]) for e in entries if "[ERROR]" not in e["raw_line"])
    assert len(entries) == len(HOSTILE) + 1
