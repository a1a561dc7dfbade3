"""Several servers through the spec's API: `LogInterface(hosts=[...])`, `ProductionLogCollector(hosts=...)`.

Three in-process SSH servers share one client key (as a fleet does); a fourth host is down
and a fifth presents a host key known_hosts does not hold for it. Each host answers for
itself: the others' containers, logs and errors come back, and the failures are named.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest
from scripted import isolate_config

from logtui import LogInterface, ProductionLogCollector
from logtui.fleet_api import FleetCollector
from logtui.hosts import MAX_HOSTS, load_hosts, parse_host_spec
from logtui.loop_thread import LoopThread
from logtui.simhost import ScriptedContainer, SimulatedHost


def box(name: str, *lines: tuple[str, str]) -> ScriptedContainer:
    container = ScriptedContainer(name, image="busybox")
    now = time.time()
    for i, (text, stream) in enumerate(lines):
        container.write(text, stream, ts=now - 60 + i)
    return container


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Hosts a, b, c (web-app on each, a db on c), a host that is down, one with a changed key."""
    loop = LoopThread("fleet-hosts")
    key = asyncssh.generate_private_key("ssh-ed25519").export_private_key("openssh").decode()
    contents = {
        "a": [box("web-app", ("[INFO] a up", "stdout"), ("[ERROR] a failed", "stderr"))],
        "b": [box("web-app", ("[INFO] b up", "stdout"))],
        "c": [box("web-app", ("[ERROR] c failed", "stderr")), box("db", ("[INFO] c db up", "stdout"))],
        "changed": [box("web-app", ("[INFO] never read", "stdout"))],
    }
    hosts = {n: SimulatedHost(c, client_key_text=key) for n, c in contents.items()}
    for host in hosts.values():
        loop.run(host.start())
    try:
        known = tmp_path / "known_hosts"
        lines = [hosts[n].known_hosts_text for n in ("a", "b", "c")]
        other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
        lines.append(f"[127.0.0.1]:{hosts['changed'].port} {' '.join(other.split()[:2])}\n")
        known.write_text("".join(lines))
        key_file = tmp_path / "client_key"
        key_file.write_text(key)
        key_file.chmod(0o600)
        isolate_config(
            monkeypatch,
            tmp_path,
            {
                "LOGTUI_SSH_KEY_FILE": str(key_file),
                "LOGTUI_KNOWN_HOSTS": str(known),
                "LOGTUI_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
                "LOGTUI_CONNECT_TIMEOUT": "3",
            },
        )
        names = {n: f"logtui@127.0.0.1:{h.port}" for n, h in hosts.items()}
        names["down"] = f"logtui@127.0.0.1:{closed_port()}"
        yield names
    finally:
        for host in hosts.values():
            loop.run(host.stop())
        loop.stop()


def test_logs_errors_and_health_across_hosts_with_one_down_and_one_refused(fleet: dict[str, str]) -> None:
    a, b, c, down, changed = (fleet[n] for n in ("a", "b", "c", "down", "changed"))
    with LogInterface(hosts=[a, b, c, down, changed]) as interface:
        assert isinstance(interface.collector, FleetCollector)
        logs = interface.get_recent_logs(hours=1)
        assert sorted(logs) == sorted([f"{a}/web-app", f"{b}/web-app", f"{c}/web-app", f"{c}/db"])
        assert [e["message"] for e in logs[f"{a}/web-app"]] == ["a up", "a failed"]
        assert {e["host"] for e in logs[f"{c}/db"]} == {c}
        errors = interface.get_recent_errors(hours=1)
        assert sorted(errors) == sorted([f"{a}/web-app", f"{c}/web-app"])
        failed = interface.collector.host_errors
        assert sorted(failed) == sorted([down, changed])
        assert "HOST KEY CHANGED" in failed[changed]
        assert not interface.check_health()  # healthy only if every host is
        report = interface.collector.health_check()
        assert report["healthy_hosts"] == 3 and report["hosts"][a]["status"] == "healthy"
        assert report["hosts"][down]["status"] == "unhealthy" and report["hosts"][down]["error"]
        summary = interface.get_error_summary(hours=1)
        assert summary["containers_with_errors"] == 2 and summary["total_error_entries"] == 2
        assert set(summary["host_errors"]) == {down, changed}


def test_one_container_across_hosts_merged_in_time_order(fleet: dict[str, str]) -> None:
    a, b, c = fleet["a"], fleet["b"], fleet["c"]
    with ProductionLogCollector(hosts=[a, b, c]) as collector:
        everywhere = collector.get_logs_from_container("web-app", hours_back=1)
        only_c = collector.get_logs_from_container(f"{c}/db", hours_back=1)
        containers = collector.get_container_list()
    assert sorted((e["host"], e["message"]) for e in everywhere) == sorted(
        [(a, "a up"), (a, "a failed"), (b, "b up"), (c, "c failed")]
    )
    assert [e["timestamp"] for e in everywhere] == sorted(e["timestamp"] for e in everywhere)
    assert [(e["host"], e["message"]) for e in only_c] == [(c, "c db up")]
    assert sorted((x["host"], x["name"]) for x in containers) == sorted(
        [(a, "web-app"), (b, "web-app"), (c, "web-app"), (c, "db")]
    )


def test_no_host_answering_is_a_collection_failure(fleet: dict[str, str]) -> None:
    with (
        LogInterface(hosts=[fleet["down"]]) as interface,
        pytest.raises(RuntimeError, match="no host answered"),
    ):
        interface.get_recent_logs(hours=1)


def test_host_specs() -> None:
    assert parse_host_spec("prod-1") == ("prod-1", None, None)
    assert parse_host_spec("deploy@10.0.0.7:2222") == ("10.0.0.7", "deploy", 2222)
    assert parse_host_spec("root@[::1]:22") == ("::1", "root", 22)
    for bad in ("", "a b", "user@", "host:99999", "host:port"):
        with pytest.raises(ValueError):
            parse_host_spec(bad)


def test_host_lists_and_what_applies_to_each() -> None:
    env = {"LOGTUI_HOSTS": "prod-1, deploy@10.0.0.7:2222", "LOGTUI_USER": "alice", "LOGTUI_PORT": "2200"}
    one, two = load_hosts(env)
    assert (one.name, one.host, one.user, one.port) == ("prod-1", "prod-1", None, None)
    assert (two.name, two.host, two.user, two.port) == ("deploy@10.0.0.7:2222", "10.0.0.7", "deploy", 2222)
    assert [s.name for s in load_hosts(env, ["x", "y"])] == ["x", "y"]  # given hosts win
    single = load_hosts({"LOGTUI_HOST": "203.0.113.7", "LOGTUI_USER": "alice"})
    assert [(s.host, s.user, s.name) for s in single] == [("203.0.113.7", "alice", None)]
    with pytest.raises(ValueError, match="named twice"):
        load_hosts({}, ["a", "a"])
    with pytest.raises(ValueError, match="at most"):
        load_hosts({}, [f"h{i}" for i in range(MAX_HOSTS + 1)])
    with pytest.raises(ValueError, match="'-evil'"):
        load_hosts({}, ["-evil"])


def test_cli_across_hosts(fleet: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from logtui.cli import main

    a, b, c, down = fleet["a"], fleet["b"], fleet["c"], fleet["down"]
    hosts = ["--host", a, "--host", b, "--host", c]
    assert main([*hosts, "logs", "1", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted((r["host"], r["container_name"], r["message"]) for r in records) == sorted(
        [(a, "web-app", "a up"), (a, "web-app", "a failed"), (b, "web-app", "b up"),
         (c, "web-app", "c failed"), (c, "db", "c db up")]
    )  # fmt: skip
    assert [r["timestamp"] for r in records] == sorted(r["timestamp"] for r in records)
    assert set(records[0]) == {
        "container_name",
        "timestamp",
        "level",
        "message",
        "raw_line",
        "stream",
        "host",
    }

    assert main([*hosts, "--host", down, "health"]) == 1  # healthy only if every host is
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and sum("unhealthy" in line for line in lines) == 1
    assert lines[3].startswith(f"{down}: unhealthy")

    assert main([*hosts, "--host", down, "errors", "1", "--json"]) == 1  # down is named, the rest shown
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert sorted(summary["error_breakdown"]) == sorted([f"{a}/web-app", f"{c}/web-app"])
    assert list(summary["host_errors"]) == [down] and down in captured.err

    assert main([*hosts, "container", f"{c}/db", "1", "--json"]) == 0
    assert [json.loads(x)["message"] for x in capsys.readouterr().out.splitlines()] == ["c db up"]

    target = tmp_path / "fleet.json"
    assert main([*hosts, "save", "1", "-o", str(target)]) == 0
    document = json.loads(target.read_text())
    assert document["collection_source"] == "production_ssh" and document["hosts"] == [a, b, c]
    assert document["containers"][f"{c}/db"][0]["host"] == c


def test_cli_hosts_from_the_environment(
    fleet: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from logtui.cli import main

    monkeypatch.setenv("LOGTUI_HOSTS", f"{fleet['a']},{fleet['b']}")
    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [h["host"] for h in report["hosts"]] == [fleet["a"], fleet["b"]]
    assert all(h["connected"] and h["containers"] for h in report["hosts"])


def test_hosts_from_the_settings_file(
    fleet: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from logtui.cli import main
    from logtui.settings_file import ViewSettings, dumps, load

    config = tmp_path / "config.toml"
    config.write_text(dumps(ViewSettings(hosts=[fleet["a"], fleet["c"]])))
    assert load(config).hosts == [fleet["a"], fleet["c"]]  # written and read back
    assert main(["--config", str(config), "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [h["host"] for h in report["hosts"]] == [fleet["a"], fleet["c"]]
    assert main(["--config", str(config), "--host", fleet["b"], "status", "--json"]) == 0  # --host wins
    assert [h["host"] for h in json.loads(capsys.readouterr().out)["hosts"]] == [fleet["b"]]
    config.write_text('hosts = ["ok", "a b"]\n')
    assert main(["--config", str(config), "status"]) == 2
    assert "`hosts` must be" in capsys.readouterr().err
