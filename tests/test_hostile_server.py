"""A hostile server: its disconnect reasons, docker's stderr and `docker ps` fields are data.

The CLI runs in this process (`logtui.cli.main`) against `HostileServer`; what it prints
must carry no escape sequence, no C1 control, no hyperlink, and no Rich markup that was
interpreted, and one bad container name or an endless answer must not break a command.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from hostile_server import HOSTILE, Disconnect, HostileServer, Reply, ps_row, serving
from scripted import isolate_config

from logtui.cli import main
from logtui.remote import MAX_OUTPUT_BYTES, RemoteDocker
from logtui.transport import OutputTooLarge

MARKUP = "[link=https://markup.example/]markup link[/link] [bold red]markup[/]"
"""The part of HOSTILE that Rich would turn into a hyperlink and styles: must stay literal."""

_SGR_RE = re.compile(r"\x1b\[[0-9;]*m")


def assert_terminal_safe(text: str, *, styled: bool = False, json_text: bool = False) -> None:
    """Nothing in `text` a terminal would act on (with `styled`, logtui's own colours aside).

    JSON keeps the server's text, escaped: only the targets of hyperlinks are then left.
    """
    if styled:
        text = _SGR_RE.sub("", text)
    assert "\x1b" not in text
    assert not [c for c in text if "\x80" <= c <= "\x9f"], "a C1 control"
    assert not [c for c in text if c in "\x07\u202e\u200b\ufeff"], "a bell, bidi or invisible character"
    if not json_text:
        assert "evil.example" not in text and "c1.example" not in text  # the hyperlinks' targets


@pytest.fixture(autouse=True)
def unconfigure_structlog() -> Iterator[None]:
    """`main` points structlog at this test's captured stderr: undo that afterwards."""
    yield
    structlog.reset_defaults()


@pytest.fixture
def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[object]:
    """run(server, *argv) -> (exit status, stdout, stderr), with LOGTUI_* aimed at `server`."""

    def invoke(server: HostileServer, *argv: str) -> tuple[int, str, str]:
        isolate_config(monkeypatch, tmp_path, server.environment(tmp_path))
        capsys.readouterr()
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err

    yield invoke


# -- finding 6: server text reaches the terminal as plain text ------------------------------


def test_a_disconnect_reason_before_key_exchange_is_plain_text(run, tmp_path: Path) -> None:
    """The server hangs up before any host key is seen: its reason is still only data."""
    with serving(disconnect=Disconnect(11, HOSTILE, "connect")) as server:
        (tmp_path / "hostile_known_hosts").write_text("")  # no key needed to get this far
        status, out, err = run(server, "status")
        assert status == 1 and out == ""
        assert err.startswith("logtui: SSH connection to") and MARKUP in err and err.count("\n") == 1
        assert_terminal_safe(err)
        status, out, err = run(server, "health")
        assert status == 1 and "unhealthy" in out and MARKUP in out
        assert out.count("\n") == 2 and err == ""  # "host: unhealthy", then the reason
        assert_terminal_safe(out)
        status, out, _ = run(server, "health", "--json")
        assert status == 1
        assert_terminal_safe(out, json_text=True)
        assert "\x9b31m" in json.loads(out)["error"]  # --json keeps the original text


def test_an_authentication_failure_reason_is_plain_text(run) -> None:
    with serving(disconnect=Disconnect(14, HOSTILE, "auth"), banner=HOSTILE) as server:
        status, out, err = run(server, "logs")
        assert status == 1 and out == ""
        assert "SSH authentication failed" in err and MARKUP in err
        assert_terminal_safe(err)
        assert err.count("\n") == 1  # one line: the reason cannot pose as lines of ours


def test_docker_stderr_is_plain_text(run) -> None:
    script = {
        "docker ps": Reply(ps_row("web")),
        "docker logs": Reply(stderr=(HOSTILE + "\nlogtui: all good\n").encode(), exit_status=1),
    }
    with serving(script) as server:
        for argv in (["logs"], ["container", "web"], ["errors"], ["save", "-o", "x.json"]):
            status, out, err = run(server, *argv)
            assert status == 1, argv
            assert MARKUP in err and err.count("\n") == 1, argv
            assert_terminal_safe(out + err)


def test_docker_ps_fields_are_text_never_markup(run, monkeypatch: pytest.MonkeyPatch) -> None:
    script = {"docker ps": Reply(ps_row("web", Image=HOSTILE, Status=HOSTILE, State="running\x9b2J"))}
    monkeypatch.setenv("COLUMNS", "600")  # the table on one line a row: MARKUP in one piece
    with serving(script) as server:
        status, out, _ = run(server, "status")
        assert status == 0
        assert_terminal_safe(out)
        assert MARKUP in out
        monkeypatch.setenv("TTY_COMPATIBLE", "1")  # Rich writes as to a terminal: colours, links
        status, out, _ = run(server, "status")
        assert status == 0 and "\x1b[" in out
        assert "\x1b]8;" not in out  # no hyperlink
        assert_terminal_safe(out, styled=True)
        status, out, _ = run(server, "status", "--json")
        assert status == 0
        assert_terminal_safe(out, json_text=True)
        (row,) = json.loads(out)["containers"]
        assert row["image"] == HOSTILE and row["state"] == "running\x9b2j"  # data kept as is


def test_json_log_lines_carry_c1_controls_as_escapes(run) -> None:
    line = "2025-08-16T14:30:22.123456789Z [ERROR] csi \u009b2J osc \u009d0;t\u009c\n"
    script = {"docker ps": Reply(ps_row("web")), "docker logs": Reply(line.encode())}
    with serving(script) as server:
        status, out, _ = run(server, "logs", "--json")
        assert status == 0
        assert_terminal_safe(out, json_text=True)
        assert "\\u009b2J" in out
        assert json.loads(out)["message"] == "csi \u009b2J osc \u009d0;t\u009c"


# -- finding 10: one invalid name from `docker ps` ------------------------------------------


def test_an_invalid_container_name_is_skipped_with_a_warning(run, tmp_path: Path) -> None:
    line = b"2025-08-16T14:30:22.123456789Z [ERROR] disk full\n"
    listing = ps_row("web") + ps_row("bad\x1b[2Jname") + ps_row("-rf") + ps_row("[link=x]y[/link]")
    script = {"docker ps": Reply(listing), "docker logs": Reply(line)}
    with serving(script) as server:
        status, out, err = run(server, "logs", "--json")
        assert status == 0, err
        assert [json.loads(x)["container_name"] for x in out.splitlines()] == ["web"]
        assert "containers skipped" in err and "['bad\\x1b[2Jname', '-rf', '[link=x]y[/link]']" in err
        assert_terminal_safe(err)
        status, out, err = run(server, "errors", "--json")
        assert status == 0 and json.loads(out)["error_breakdown"]["web"]["error_count"] == 1
        status, out, err = run(server, "save", "-o", str(tmp_path / "saved.json"))
        assert status == 0 and "Saved 1 entries of 1 containers" in out
        status, out, err = run(server, "status")
        assert status == 0 and "1 containers" in out
        logs_sent = [c for c in server.commands_received if c.startswith("docker logs")]
        assert logs_sent and all(c.endswith(" web") for c in logs_sent)


# -- finding 9: bounded answers and bounded entries ------------------------------------------


def test_an_endless_ps_answer_is_refused(run) -> None:
    row = ps_row("web")
    flood = row * (int(MAX_OUTPUT_BYTES * 1.5) // len(row))
    with serving({"docker ps": Reply(flood, chunk=1 << 16)}) as server:
        started = time.monotonic()
        status, out, err = run(server, "status")
        assert status == 1 and out == ""
        said = f"`docker ps` on logtui@127.0.0.1:{server.port} answered more than 8 MiB; refusing to read it"
        assert err == f"logtui: {said}\n"
        assert time.monotonic() - started < 10


async def test_inspect_and_stats_answers_are_bounded_too(tmp_path: Path) -> None:
    flood = b"[" + b'{"Id": "x"},' * (MAX_OUTPUT_BYTES // 12) + b'{"Id": "x"}]'
    script = {"docker inspect": Reply(flood, chunk=1 << 16), "docker stats": Reply(flood, chunk=1 << 16)}
    async with (
        HostileServer(script) as server,
        RemoteDocker(server.settings(audit_log=tmp_path / "a")) as remote,
    ):
        with pytest.raises(OutputTooLarge, match=r"`docker inspect` .* more than 8 MiB"):
            await remote.inspect(["web"])
        with pytest.raises(OutputTooLarge, match=r"`docker stats` .* more than 8 MiB"):
            await remote.stats(["web"])
        audit = [json.loads(x) for x in (tmp_path / "a").read_text().splitlines()]
        assert [r["outcome"] for r in audit if r.get("event") == "remote_command"] == ["too_large"] * 2


def test_a_flood_of_indented_lines_becomes_bounded_entries(run) -> None:
    from logtui.parser import MAX_ENTRY_CHARS, MAX_ENTRY_LINES

    stamp = "2025-08-16T14:30:22.123456789Z "
    lines = [f"{stamp}[ERROR] crash"]
    lines += [f"{stamp}    frame {i}" for i in range(2_500)]
    lines += [f"{stamp}    " + "x" * 2_000 for _ in range(300)]
    script = {"docker ps": Reply(ps_row("web")), "docker logs": Reply("\n".join(lines).encode() + b"\n")}
    with serving(script) as server:
        status, out, _ = run(server, "container", "web", "--json")
    assert status == 0
    entries = [json.loads(x) for x in out.splitlines()]
    assert len(entries) >= 5
    assert all(len(e["raw_line"].split("\n")) <= MAX_ENTRY_LINES for e in entries)
    assert all(len(e["raw_line"]) <= MAX_ENTRY_CHARS for e in entries)
    assert [x for e in entries for x in e["raw_line"].split("\n")] == lines  # nothing lost
    assert {e["level"] for e in entries} == {"ERROR"}  # the rest keeps the entry's level


def test_a_follow_of_endless_indented_lines_shows_entries_while_they_come() -> None:
    """A follow hands on what the parser completes: a bounded entry completes by itself."""
    from logtui.reader import StreamReader

    stamp = "2025-08-16T14:30:22.123456789Z "
    reader = StreamReader("web", "stdout", mask=True)
    shown = reader.feed(f"{stamp}[ERROR] crash\n".encode())
    for _ in range(30):  # 30,000 indented lines, never a line that ends the entry
        shown += reader.feed("".join(f"{stamp}    frame {i}\n" for i in range(1000)).encode())
    assert len(shown) == 30 and {e.level for e in shown} == {"ERROR"}
    assert sum(len(e.raw_line.split("\n")) for e in shown + reader.close()) == 30_001


# -- finding 3: one nested JSON line --------------------------------------------------------


def test_a_deeply_nested_json_error_line_does_not_blind_the_summary(run) -> None:
    nested = '{"msg": ' + "[" * 6000 + "]" * 6000 + "}"
    logs = (
        f"2025-08-16T14:30:22.123456789Z [ERROR] disk full\n2025-08-16T14:30:23.123456789Z ERROR {nested}\n"
    )
    listing = ps_row("web") + ps_row("api")
    with serving({"docker ps": Reply(listing), "docker logs": Reply(logs.encode())}) as server:
        status, out, err = run(server, "errors", "--json")
        assert status == 0, err
        summary = json.loads(out)
        assert summary["total_error_entries"] == 4 and summary["containers_with_errors"] == 2
        status, out, err = run(server, "errors")
        assert status == 0 and "4 in 2 of 2 containers" in out
