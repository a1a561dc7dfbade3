"""The SSH layer against a real asyncssh server: host keys, timeouts, audit, reconnects."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncssh
import pytest

from logtui import guard
from logtui.remote import RemoteDocker
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.transport import CommandTimeout, HostKeyNotTrusted, SSHTransport


async def test_unknown_host_key_is_refused_with_fingerprint(sim_host: SimulatedHost, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    settings = sim_host.settings(known_hosts_text=None, known_hosts=str(empty), audit_log=tmp_path / "a")
    key = asyncssh.import_public_key(sim_host.host_public_key_line)
    with pytest.raises(HostKeyNotTrusted) as caught:
        await SSHTransport(settings).connect()
    message = str(caught.value)
    assert "not trusted" in message and key.get_fingerprint("sha256") in message
    assert "ssh-keyscan" in message
    assert sim_host.commands_received == []


async def test_changed_host_key_is_refused_loudly(sim_host: SimulatedHost, tmp_path: Path) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sim_host.port} {' '.join(other.split()[:2])}\n")
    settings = sim_host.settings(known_hosts_text=None, known_hosts=str(known), audit_log=tmp_path / "a")
    with pytest.raises(HostKeyNotTrusted, match="HOST KEY CHANGED"):
        await RemoteDocker(settings).list_containers()
    assert sim_host.commands_received == []


async def test_timeout_cancels_the_command_and_keeps_the_connection(
    sim_host: SimulatedHost, audit_log: Path
) -> None:
    transport = SSHTransport(sim_host.settings(audit_log=audit_log))
    try:
        hanging = guard.docker_logs("web-app", since="1s", follow=True)
        with pytest.raises(CommandTimeout, match=r"did not finish within 0\.3s"):
            await transport.run(hanging, timeout=0.3)
        result = await transport.run(guard.docker_ps())
        assert result.ok and b'"Names":"web-app"' in result.stdout
        assert transport.connect_count == 1
    finally:
        await transport.close()
    outcomes = [json.loads(line)["outcome"] for line in audit_log.read_text().splitlines()]
    assert outcomes == ["timeout", "completed"]


async def test_only_guarded_commands_can_be_sent(sim_host: SimulatedHost, audit_log: Path) -> None:
    transport = SSHTransport(sim_host.settings(audit_log=audit_log))
    forged = guard.GuardedCommand(argv=("docker", "rm", "web-app"), line="docker rm web-app")
    with pytest.raises(guard.CommandRefused):
        await transport.run(forged)
    with pytest.raises(TypeError):
        await transport.run("docker ps")  # type: ignore[arg-type]
    assert sim_host.commands_received == []


async def test_audit_record_fields(sim_host: SimulatedHost, audit_log: Path) -> None:
    async with RemoteDocker(sim_host.settings(audit_log=audit_log)) as remote:
        await remote.list_containers()
    record = json.loads(audit_log.read_text().splitlines()[-1])
    assert record["event"] == "remote_command"
    assert record["command"] == "docker ps --all --no-trunc --format '{{json .}}'"
    assert record["exit_status"] == 0 and record["bytes"] > 100
    assert record["host"] == f"logtui@127.0.0.1:{sim_host.port}"
    assert record["timestamp"].endswith("Z") and record["duration_ms"] >= 0


async def test_follow_resumes_after_a_cut_without_loss_or_duplicates(audit_log: Path) -> None:
    app = ScriptedContainer("app")
    async with SimulatedHost([app], poll_interval=0.02) as host:
        remote = RemoteDocker(host.settings(audit_log=audit_log))
        states: list[str] = []
        received: list[str] = []
        base = 1_700_000_000.0

        async def consume() -> None:
            stream = remote.follow(
                "app", since="2023-01-01T00:00:00Z", on_state=lambda s, d: states.append(s)
            )
            async for batch in stream:
                received.extend(e.message for e in batch)
                if len(received) >= 300:
                    return

        task = asyncio.create_task(consume())
        for i in range(300):
            # pairs of lines share one timestamp, so a cut can fall inside a timestamp
            app.write(f"line {i}", "stderr" if i % 7 == 0 else "stdout", ts=base + i // 2)
            if i in (60, 151, 222):
                await asyncio.sleep(0.1)
                host.drop_connections()
            if i % 10 == 0:
                await asyncio.sleep(0.01)
        await asyncio.wait_for(task, 30)
        await remote.close()
    assert sorted(received, key=lambda m: int(m.split()[1])) == [f"line {i}" for i in range(300)]
    assert len(set(received)) == 300
    assert states.count("reconnecting") >= 1


async def test_trust_on_first_use_remembers_an_unknown_key(sim_host: SimulatedHost, tmp_path: Path) -> None:
    known = tmp_path / "ssh" / "known_hosts"
    settings = sim_host.settings(
        known_hosts_text=None,
        known_hosts=str(known),
        audit_log=tmp_path / "audit.jsonl",
        trust_new_host_keys=True,
    )
    transport = SSHTransport(settings)
    await transport.connect()
    await transport.close()
    key = asyncssh.import_public_key(sim_host.host_public_key_line)
    assert transport.learned_host_key == key.get_fingerprint("sha256")
    assert known.read_text() == f"[127.0.0.1]:{sim_host.port} {sim_host.host_public_key_line}\n"
    settings.trust_new_host_keys = False  # from now on the key is simply known
    again = SSHTransport(settings)
    await again.connect()
    await again.close()
    assert again.learned_host_key is None
    events = [json.loads(x)["event"] for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert events == ["host_key_trusted_on_first_use"]


async def test_trust_on_first_use_never_accepts_a_changed_key(
    sim_host: SimulatedHost, tmp_path: Path
) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sim_host.port} {' '.join(other.split()[:2])}\n")
    settings = sim_host.settings(
        known_hosts_text=None, known_hosts=str(known), audit_log=tmp_path / "a", trust_new_host_keys=True
    )
    with pytest.raises(HostKeyNotTrusted, match="HOST KEY CHANGED"):
        await SSHTransport(settings).connect()
    assert len(known.read_text().splitlines()) == 1


def test_resume_point_keeps_one_mark_per_stream() -> None:
    """stderr ran ahead of stdout: the replay starts at stdout's mark and skips what is held."""
    from logtui.models import LogEntry
    from logtui.remote import ResumePoint

    def entry(ts: str, stream: str, text: str) -> LogEntry:
        return LogEntry("app", ts, "INFO", text, f"{ts} {text}", stream, ts)

    held = [
        entry("T3", "stdout", "a"),
        entry("T5", "stderr", "b"),
        entry("T5", "stderr", "b"),
        entry("T4", "stdout", "c"),
    ]
    resume = ResumePoint(held)
    assert resume.timestamp == "T4"
    fresh = resume.make_filter()
    replay = [entry("T4", "stdout", "c"), entry("T5", "stderr", "b"), entry("T5", "stderr", "b"),
              entry("T5", "stderr", "b"), entry("T5", "stdout", "d"), entry("T6", "stderr", "e")]  # fmt: skip
    assert [(e.stream, e.message) for e in replay if fresh(e)] == [
        ("stderr", "b"),  # a third identical line at T5 is new
        ("stdout", "d"),
        ("stderr", "e"),
    ]


def test_resume_point_starts_earlier_when_one_stream_has_shown_nothing() -> None:
    """stderr had nothing to show yet: a line of it in flight at the cut, older than stdout's
    mark, is fetched again (the replay starts 2 s earlier; stdout's repeats are skipped)."""
    from logtui.models import LogEntry
    from logtui.remote import ResumePoint

    def entry(ts: str, stream: str, text: str) -> LogEntry:
        return LogEntry("app", ts, "INFO", text, f"{ts} {text}", stream, ts)

    resume = ResumePoint([entry("2025-08-16T00:00:01.500000000Z", "stdout", "a")])
    assert resume.timestamp == "2025-08-15T23:59:59.500000000Z"
    fresh = resume.make_filter()
    replay = [
        entry("2025-08-16T00:00:00.900000000Z", "stdout", "older"),
        entry("2025-08-16T00:00:01.200000000Z", "stderr", "in flight"),
        entry("2025-08-16T00:00:01.500000000Z", "stdout", "a"),
    ]
    assert [e.message for e in replay if fresh(e)] == ["in flight"]
    both = ResumePoint(
        [entry("2025-08-16T00:00:01Z", "stdout", "a"), entry("2025-08-16T00:00:02Z", "stderr", "b")]
    )
    assert both.timestamp == "2025-08-16T00:00:01Z"
