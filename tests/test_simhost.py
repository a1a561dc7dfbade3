"""The simulated production host, checked through a raw asyncssh client and as a program.

Expected outputs were taken from the real Docker CLI 28.2 (fed the same container state
through a stand-in Engine API): key order, Go's JSON escaping, time parsing, error texts.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncssh
import pytest

from logtui.simhost import (
    BulkContainer,
    ScriptedContainer,
    SimDocker,
    SimulatedHost,
    default_containers,
)
from logtui.simhost.dockerfmt import (
    NS,
    bytes_size,
    go_json,
    human_duration,
    human_size,
    log_timestamp,
    parse_docker_time,
    rfc3339nano,
)
from logtui.simhost.engine import container_sizes, inspect_data
from logtui.simhost.scenario import build_docker

REPO = Path(__file__).resolve().parents[1]
TS_LINE = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ")
PS = "docker ps --all --no-trunc --format '{{json .}}'"
STATS = "docker stats --no-stream --no-trunc --format '{{json .}}'"
T0 = 1_755_354_600  # 2025-08-16T14:30:00Z
PS_KEYS = [
    "Command",
    "CreatedAt",
    "ID",
    "Image",
    "Labels",
    "LocalVolumes",
    "Mounts",
    "Names",
    "Networks",
    "Platform",
    "Ports",
    "RunningFor",
    "Size",
    "State",
    "Status",
]
STATS_KEYS = ["BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name", "NetIO", "PIDs"]


@asynccontextmanager
async def ssh(host: SimulatedHost) -> AsyncIterator[asyncssh.SSHClientConnection]:
    settings = host.settings()
    assert settings.known_hosts_text is not None and settings.key_text is not None
    async with asyncssh.connect(
        "127.0.0.1",
        host.port,
        username=settings.user,
        known_hosts=asyncssh.import_known_hosts(settings.known_hosts_text),
        client_keys=[asyncssh.import_private_key(settings.key_text)],
        encoding=None,
        connect_timeout=5,
    ) as conn:
        yield conn


async def run(host: SimulatedHost, line: str) -> asyncssh.SSHCompletedProcess:
    async with ssh(host) as conn:
        return await asyncio.wait_for(conn.run(line), 10)


def logs(*args: str) -> str:
    return shlex.join(["docker", "logs", "--timestamps", *args])


@pytest.fixture
async def scripted() -> AsyncIterator[tuple[SimulatedHost, ScriptedContainer]]:
    """A host with only one scripted container, `app`, holding five lines at T0..T0+4 s."""
    app = ScriptedContainer(name="app", created_ns=(T0 - 60) * NS)
    for i in range(5):
        app.write(f"line {i}", "stderr" if i % 2 else "stdout", ts=T0 + i)
    async with SimulatedHost([app], poll_interval=0.05) as host:
        yield host, app


# -- formats -------------------------------------------------------------------------------


async def test_ps_prints_one_docker_json_object_per_line(sim_host: SimulatedHost) -> None:
    result = await run(sim_host, PS)
    assert result.exit_status == 0 and result.stderr == b""
    lines = result.stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["Names"] for row in rows][-1] == "web-app"  # newest first, as docker lists
    assert {row["Names"] for row in rows} == {
        "web-app",
        "api-server",
        "database",
        "nginx",
        "worker",
        "exited-job",
    }
    for row in rows:
        assert list(row) == PS_KEYS
        assert re.fullmatch(r"[0-9a-f]{64}", row["ID"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC", row["CreatedAt"])
        assert row["RunningFor"].endswith(" ago")
    by_name = {row["Names"]: row for row in rows}
    assert by_name["web-app"]["State"] == "running"
    assert re.fullmatch(r"Up \d+ hours \(healthy\)", by_name["web-app"]["Status"])
    assert by_name["exited-job"]["State"] == "exited"
    assert re.fullmatch(r"Exited \(3\) \d+ hours ago", by_name["exited-job"]["Status"])
    assert by_name["database"]["Command"] == '"docker-entrypoint.sh postgres"'
    # Go's encoder escapes <, > and & even inside strings
    nginx = next(line for line in lines if b'"Names":"nginx"' in line)
    assert b"NGINX Docker Maintainers \\u003cdocker-maint@nginx.com\\u003e" in nginx
    assert b"0.0.0.0:80-\\u003e80/tcp" in nginx and b"<" not in nginx and b">" not in nginx


async def test_ps_without_all_lists_running_containers_and_truncates() -> None:
    docker = SimDocker.with_containers(default_containers(0))
    out = b"".join(d for _, d in docker.run(["docker", "ps", "--format", "{{json .}}"]).chunks)
    rows = [json.loads(line) for line in out.splitlines()]
    assert "exited-job" not in {row["Names"] for row in rows}
    web = next(row for row in rows if row["Names"] == "web-app")
    assert len(web["ID"]) == 12
    assert web["Command"] == '"gunicorn --bind 0.0…"'


async def test_stats_rows_follow_docker(sim_host: SimulatedHost) -> None:
    result = await run(sim_host, STATS)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_status == 0
    assert len(rows) == 5  # running containers only
    for row in rows:
        assert list(row) == STATS_KEYS
        assert re.fullmatch(r"\d+\.\d\d%", row["CPUPerc"])
        assert re.fullmatch(r"\d+\.\d\d%", row["MemPerc"])
        assert re.fullmatch(r"[\d.]+MiB / 7\.63GiB", row["MemUsage"])
        assert re.fullmatch(r"[0-9a-f]{64}", row["ID"])
        assert row["Container"] == row["ID"][:12]
    named = await run(sim_host, STATS + " web-app exited-job")
    web, job = (json.loads(line) for line in named.stdout.splitlines())
    assert web["Container"] == "web-app" and web["Name"] == "web-app"
    assert job["CPUPerc"] == "0.00%" and job["MemUsage"] == "0B / 0B" and job["PIDs"] == "0"


async def test_inspect_is_an_indented_json_array(sim_host: SimulatedHost) -> None:
    result = await run(sim_host, "docker inspect --type container web-app exited-job")
    assert result.exit_status == 0
    assert result.stdout.startswith(b'[\n    {\n        "Id": "')
    assert result.stdout.endswith(b"\n    }\n]\n")
    web, job = json.loads(result.stdout)
    assert web["Name"] == "/web-app"
    assert list(web)[:5] == ["Id", "Created", "Path", "Args", "State"]
    assert web["State"]["Running"] is True and web["State"]["Health"]["Status"] == "healthy"
    assert web["State"]["FinishedAt"] == "0001-01-01T00:00:00Z"
    assert "DATABASE_URL=postgres://app:s3cr3t@db/app" in web["Config"]["Env"]
    assert job["State"]["Status"] == "exited" and job["State"]["ExitCode"] == 3


async def test_unknown_container_errors_like_docker(sim_host: SimulatedHost) -> None:
    error = b"Error response from daemon: No such container: nope\n"
    got = await run(sim_host, logs("nope"))
    assert (got.exit_status, got.stdout, got.stderr) == (1, b"", error)
    got = await run(sim_host, "docker inspect --type container nope")
    assert (got.exit_status, got.stdout, got.stderr) == (1, b"[]\n", error)
    got = await run(sim_host, "docker inspect --type container web-app nope")
    assert got.exit_status == 1 and got.stderr == error
    assert [c["Name"] for c in json.loads(got.stdout)] == ["/web-app"]


async def test_log_lines_carry_docker_timestamps_on_both_streams(sim_host: SimulatedHost) -> None:
    result = await run(sim_host, logs("--since", "30m", "database"))
    assert result.exit_status == 0
    assert result.stderr, "postgres logs to stderr"
    for stream in (result.stdout, result.stderr):
        for line in stream.splitlines(keepends=True):
            assert TS_LINE.match(line) and line.endswith(b"\n")


# -- streams, selection ----------------------------------------------------------------------


async def test_stdout_and_stderr_stay_apart_and_bytes_pass_through(scripted) -> None:
    host, app = scripted
    app.write(b"caf\xe9 \x1b[31mred\x1b[0m [bold]x[/bold]", "stderr", ts=T0 + 10)
    result = await run(host, logs("app"))
    assert result.stdout == (
        b"2025-08-16T14:30:00.000000000Z line 0\n"
        b"2025-08-16T14:30:02.000000000Z line 2\n"
        b"2025-08-16T14:30:04.000000000Z line 4\n"
    )
    assert result.stderr == (
        b"2025-08-16T14:30:01.000000000Z line 1\n"
        b"2025-08-16T14:30:03.000000000Z line 3\n"
        b"2025-08-16T14:30:10.000000000Z caf\xe9 \x1b[31mred\x1b[0m [bold]x[/bold]\n"
    )


def _texts(result: asyncssh.SSHCompletedProcess) -> list[str]:
    lines = (result.stdout + result.stderr).decode().splitlines()
    return [line.split(" ", 1)[1] for line in sorted(lines)]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--since", "2025-08-16T14:30:02Z"), [2, 3, 4]),  # --since is inclusive
        (("--until", "2025-08-16T14:30:02Z"), [0, 1, 2]),  # --until too (ts <= until)
        (("--since", "2025-08-16T16:30:01.5+02:00"), [2, 3, 4]),  # offset, fraction
        (("--since", f"{T0 + 1}.5", "--until", f"{T0 + 3}"), [2, 3]),  # Unix seconds
        (("--since", "2025-08-16T14:30:01.000000001Z"), [2, 3, 4]),  # nanoseconds count
        (("--tail", "2"), [3, 4]),
        (("--tail", "0"), []),
        (("--tail", "all"), [0, 1, 2, 3, 4]),
        (("--tail", "3", "--since", f"{T0 + 3}"), [3, 4]),  # tail first, then since
        (("--tail", "2", "--until", f"{T0 + 2}"), []),  # as docker: tail of the whole log
    ],
)
async def test_since_until_tail(scripted, args: tuple[str, ...], expected: list[int]) -> None:
    host, _ = scripted
    result = await run(host, logs(*args, "app"))
    assert result.exit_status == 0
    assert _texts(result) == [f"line {i}" for i in expected]


async def test_durations_count_back_from_now() -> None:
    app = ScriptedContainer(name="app")
    now = time.time()
    app.write("old", ts=now - 600)
    app.write("recent", ts=now - 5)
    async with SimulatedHost([app]) as host:
        assert _texts(await run(host, logs("--since", "1m", "app"))) == ["recent"]
        assert _texts(await run(host, logs("--since", "1h", "--until", "2m", "app"))) == ["old"]


async def test_lines_with_a_future_timestamp_appear_when_their_time_comes(scripted) -> None:
    host, app = scripted
    app.write("later", ts=time.time() + 3600)
    assert "later" not in _texts(await run(host, logs("app")))


# -- follow ------------------------------------------------------------------------------------


async def _read_until(stream: asyncssh.SSHReader, needle: bytes, timeout: float = 3) -> bytes:
    data = b""
    deadline = asyncio.get_running_loop().time() + timeout
    while needle not in data:
        remaining = deadline - asyncio.get_running_loop().time()
        assert remaining > 0, f"{needle!r} not seen; got {data!r}"
        chunk = await asyncio.wait_for(stream.read(65536), remaining)
        assert chunk, f"stream ended before {needle!r}; got {data!r}"
        data += chunk
    return data


async def test_follow_prints_history_then_new_lines_then_ends_when_the_container_stops(
    scripted,
) -> None:
    host, app = scripted
    async with ssh(host) as conn:
        proc = await conn.create_process(logs("--follow", "--tail", "1", "app"))
        assert (await _read_until(proc.stdout, b"line 4\n")).endswith(b" line 4\n")
        app.write("fresh out")
        app.write("fresh err", "stderr")
        out = await _read_until(proc.stdout, b"fresh out\n")
        err = await _read_until(proc.stderr, b"fresh err\n")
        assert TS_LINE.match(out) and TS_LINE.match(err)
        assert b"line 3" not in err  # --tail 1 applies to history only
        app.stop(exit_code=2)
        done = await asyncio.wait_for(proc.wait(), 3)
        assert done.exit_status == 0
    assert not host._tasks


async def test_follow_on_an_exited_container_prints_its_log_and_exits(
    sim_host: SimulatedHost,
) -> None:
    async with ssh(sim_host) as conn:
        done = await asyncio.wait_for(conn.run(logs("--follow", "exited-job")), 5)
    assert done.exit_status == 0
    assert done.stderr.endswith(b"ERROR: migration orders.0042 failed, exiting with code 3\n")
    assert b"Operations to perform:" in done.stdout


async def test_follow_stops_when_the_client_closes_the_channel(scripted) -> None:
    host, _ = scripted
    async with ssh(host) as conn:
        proc = await conn.create_process(logs("--follow", "app"))
        await _read_until(proc.stdout, b"line 4\n")
        proc.close()
        await proc.wait_closed()
        for _ in range(50):
            if not host._tasks:
                break
            await asyncio.sleep(0.02)
    assert not host._tasks


async def test_follow_and_later_history_agree_on_generated_logs() -> None:
    """A follow stream and a --since/--until query of the same interval give the same lines:
    what a reconnecting client relies on to resume without gap or duplicate."""
    containers = default_containers(7, rate_scale=80)
    async with SimulatedHost(containers, poll_interval=0.05) as host:
        since = time.time_ns()
        async with ssh(host) as conn:
            proc = await conn.create_process(logs("--follow", "--since", str(since / NS), "web-app"))
            await asyncio.sleep(0.6)
            proc.close()
            streamed = await proc.stdout.read()
        lines = streamed.splitlines(keepends=True)
        assert len(lines) > 20
        last = lines[-1].split(b" ", 1)[0].decode()
        again = await run(
            host, logs("--since", f"{since // NS}.{since % NS:09d}", "--until", last, "web-app")
        )
        assert again.stdout == b"".join(lines)


# -- the guard -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "docker rm x",
        "docker ps; rm -rf /",
        "docker logs -- -x",
        "docker exec web-app sh",
        "docker logs --timestamps web-app && reboot",
        "docker logs --timestamps $(id)",
        "",
    ],
)
async def test_refused_commands_run_nothing(sim_host: SimulatedHost, line: str) -> None:
    before = set(sim_host.docker.containers)
    result = await run(sim_host, line)
    assert result.exit_status == 126
    assert result.stdout == b""
    assert result.stderr.startswith(b"logtui-guard: refused ")
    assert result.stderr.count(b"\n") == 1 and result.stderr.endswith(b"\n")
    assert sim_host.commands_received == [line]
    assert sim_host.commands_refused == [line]
    assert set(sim_host.docker.containers) == before


async def test_accepted_commands_are_recorded_too(sim_host: SimulatedHost) -> None:
    await run(sim_host, PS)
    assert sim_host.commands_received == [PS]
    assert sim_host.commands_refused == []


# -- daemon trouble, network trouble, auth -------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        (
            "daemon_down",
            b"Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
            b"Is the docker daemon running?\n",
        ),
        (
            "permission_denied",
            b"permission denied while trying to connect to the Docker daemon "
            b"socket at unix:///var/run/docker.sock: Get ",
        ),
    ],
)
async def test_daemon_unreachable_modes(sim_host: SimulatedHost, mode: str, message: bytes) -> None:
    setattr(sim_host.docker, mode, True)
    for line, stdout in [
        (PS, b""),
        (logs("web-app"), b""),
        (STATS, b""),
        ("docker inspect --type container web-app", b"[]\n"),
    ]:
        result = await run(sim_host, line)
        assert result.exit_status == 1, line
        assert result.stdout == stdout
        assert result.stderr.startswith(message) and result.stderr.count(b"\n") == 1
    setattr(sim_host.docker, mode, False)
    assert (await run(sim_host, PS)).exit_status == 0


async def test_permission_denied_names_the_api_call(sim_host: SimulatedHost) -> None:
    sim_host.docker.permission_denied = True
    result = await run(sim_host, PS)
    assert result.stderr.endswith(
        b'Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.50/containers/json": dial unix '
        b"/var/run/docker.sock: connect: permission denied\n"
    )


async def test_drop_connections_cuts_clients_and_keeps_listening(scripted) -> None:
    host, _ = scripted
    async with ssh(host) as conn:
        proc = await conn.create_process(logs("--follow", "app"))
        await _read_until(proc.stdout, b"line 4\n")
        host.drop_connections()
        await asyncio.wait_for(conn.wait_closed(), 3)
        with pytest.raises((asyncssh.Error, OSError)):
            await asyncio.wait_for(conn.run(PS, check=True), 3)
    for _ in range(50):
        if not host._tasks:
            break
        await asyncio.sleep(0.02)
    assert not host._tasks
    assert (await run(host, logs("--tail", "1", "app"))).stdout.endswith(b" line 4\n")


async def test_only_the_generated_client_key_is_accepted(sim_host: SimulatedHost) -> None:
    settings = sim_host.settings()
    assert settings.known_hosts_text == f"[127.0.0.1]:{sim_host.port} {sim_host.host_public_key_line}\n"
    assert sim_host.host_public_key_line.startswith("ssh-ed25519 AAAA")
    known = asyncssh.import_known_hosts(settings.known_hosts_text)
    other = asyncssh.generate_private_key("ssh-ed25519")
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect(
            "127.0.0.1",
            sim_host.port,
            username="logtui",
            known_hosts=known,
            client_keys=[other],
            password="s3cr3t",
            connect_timeout=5,
        )


async def test_settings_reach_the_host(sim_host: SimulatedHost, audit_log: Path) -> None:
    settings = sim_host.settings(audit_log=audit_log, command_timeout=5.0)
    assert (settings.host, settings.port, settings.user) == ("127.0.0.1", sim_host.port, "logtui")
    assert settings.audit_log == audit_log and settings.command_timeout == 5.0
    assert settings.use_ssh_config is False
    assert settings.key_text and "OPENSSH PRIVATE KEY" in settings.key_text


# -- the workload -----------------------------------------------------------------------------


def test_generated_logs_are_a_pure_function_of_seed_and_time() -> None:
    now = time.time_ns()
    first = {c.name: c for c in default_containers(3, now_ns=now)}
    second = {c.name: c for c in default_containers(3, now_ns=now)}
    other = {c.name: c for c in default_containers(4, now_ns=now)}
    start, end = (now // NS - 600) * NS, (now // NS - 300) * NS
    lines = list(first["api-server"].lines(start, end))
    assert lines and lines == list(second["api-server"].lines(start, end))
    assert lines == list(first["api-server"].lines(start, end))
    assert lines != list(other["api-server"].lines(start, end))
    assert all(start <= line.ts < end for line in lines)
    assert [(ln.ts, ln.seq) for ln in lines] == sorted((ln.ts, ln.seq) for ln in lines)
    # a split interval gives the same lines as the whole
    mid = (start + end) // 2
    split = list(first["api-server"].lines(start, mid)) + list(first["api-server"].lines(mid, end))
    assert split == lines
    assert first["api-server"].last_lines(5, end) == lines[-5:]
    assert first["api-server"].lines_between(start // NS, end // NS) == lines


def test_demo_logs_hold_the_traps_a_parser_must_survive() -> None:
    now = time.time_ns()
    web = {c.name: c for c in default_containers(0, now_ns=now)}["web-app"]
    lines = list(web.lines(now - 2 * 3600 * NS, now))
    texts = [line.data for line in lines]
    assert any(b"\x1b[" in t for t in texts)
    assert any(b"[bold]" in t for t in texts)
    assert any(b" INFO " in t and b"error" in t for t in texts)
    tracebacks = [ln for ln in lines if ln.data == b"Traceback (most recent call last):"]
    assert tracebacks and all(ln.stream == "stderr" for ln in tracebacks)
    # a traceback's lines share the timestamp of the error that announced it
    i = lines.index(tracebacks[0])
    assert lines[i - 1].ts == lines[i].ts == lines[i + 1].ts


def test_bulk_container_is_fast_and_exact() -> None:
    now = time.time_ns()
    bulk = BulkContainer(name="bulk", history_lines=300_000, period_s=600, created_ns=now)
    start = time.perf_counter()
    count = sum(data.count(b"\n") for _, data in bulk.render(None, None, None, now))
    elapsed = time.perf_counter() - start
    assert count == 300_000
    assert elapsed < 1.0, f"{count / elapsed:.0f} lines/s"
    tail = b"".join(data for _, data in bulk.render(None, None, 3, now))
    assert tail.count(b"\n") == 3
    # the fast path agrees with the generic one
    since = now - 60 * NS
    fast = sorted(b"".join(d for _, d in bulk.render(since, None, 500, now)).splitlines())
    slow = sorted(log_timestamp(ln.ts) + b" " + ln.data for ln in bulk.query(since, None, 500, now))
    assert fast == slow and len(fast) == 500


# -- Docker's formatting rules -----------------------------------------------------------------


def test_go_formats() -> None:
    assert log_timestamp(T0 * NS + 5) == b"2025-08-16T14:30:00.000000005Z"
    assert rfc3339nano(T0 * NS + 120_000_000) == "2025-08-16T14:30:00.12Z"
    assert rfc3339nano(T0 * NS) == "2025-08-16T14:30:00Z"
    assert [human_duration(s) for s in (0.5, 1, 59, 60, 3599, 5400, 3 * 3600, 50 * 3600)] == [
        "Less than a second",
        "1 second",
        "59 seconds",
        "About a minute",
        "59 minutes",
        "2 hours",
        "3 hours",
        "2 days",
    ]
    assert human_size(1050) == "1.05kB" and human_size(726) == "726B"
    assert human_size(45_000_000) == "45MB"
    assert bytes_size(8_192_606_208) == "7.63GiB" and bytes_size(41.2 * 2**20) == "41.2MiB"


@pytest.mark.parametrize(
    ("value", "expected"),
    [  # what docker 28.2 sent to the daemon for each --since value
        ("2025-08-16T14:30:22Z", "1755354622.000000000"),
        ("2025-08-16T14:30:22.5+02:00", "1755347422.500000000"),
        ("2025-08-16", "1755302400.000000000"),
        ("2025-08-16T14", "1755352800.000000000"),
        ("2025-08-16T14:30", "1755354600.000000000"),
        ("1755354622.5", "1755354622.500000000"),
        ("1755354622", "1755354622.000000000"),
        ("0", "0.000000000"),
        ("2025-08-16T14:30:22.123456789Z", "1755354622.123456789"),
        ("1h30m", "1755349200.000000000"),  # now=T0+0.9s: durations cut to whole seconds
        ("1.5h", "1755349200.000000000"),
    ],
)
def test_time_values_are_read_as_docker_reads_them(value: str, expected: str) -> None:
    ns = parse_docker_time(value, T0 * NS + 900_000_000)
    assert f"{ns // NS}.{ns % NS:09d}" == expected


# -- the docker program (e2e stand-in) ---------------------------------------------------------


def _program(
    *args: str, scenario: dict | None = None, tmp: Path | None = None, **kwargs
) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=str(REPO), LOGTUI_SIM_SEED="5")
    if scenario is not None and tmp is not None:
        path = tmp / "scenario.json"
        path.write_text(json.dumps(scenario))
        env["LOGTUI_SIM_SCENARIO"] = str(path)
    return subprocess.run(
        [sys.executable, "-m", "logtui.simhost.docker_cli", *args],
        capture_output=True,
        env=env,
        timeout=20,
        **kwargs,
    )


def test_program_serves_scripted_content_and_guards(tmp_path: Path) -> None:
    scenario = {
        "default_containers": False,
        "containers": [
            {
                "name": "app",
                "lines": [
                    {"ts": "2025-08-16T14:30:00.123456789Z", "text": "hello"},
                    {"ts": T0 + 1, "stream": "stderr", "b64": base64.b64encode(b"\xff oops").decode()},
                ],
            },
            {"name": "done", "state": "exited", "exit_code": 4, "lines": [{"ts": T0, "text": "bye"}]},
        ],
    }
    got = _program("logs", "--timestamps", "app", scenario=scenario, tmp=tmp_path)
    assert got.returncode == 0
    assert got.stdout == b"2025-08-16T14:30:00.123456789Z hello\n"
    assert got.stderr == b"2025-08-16T14:30:01.000000000Z \xff oops\n"
    followed = _program("logs", "--follow", "done", scenario=scenario, tmp=tmp_path)
    assert (followed.returncode, followed.stdout) == (0, b"bye\n")
    ps = _program("ps", "--all", "--format", "{{json .}}", scenario=scenario, tmp=tmp_path)
    states = {row["Names"]: row["Status"] for row in map(json.loads, ps.stdout.splitlines())}
    assert states["done"].startswith("Exited (4) ") and states["app"].startswith("Up ")
    refused = _program("rm", "-f", "app", scenario=scenario, tmp=tmp_path)
    assert refused.returncode == 126 and refused.stderr.startswith(b"logtui-guard: refused")
    down = _program("ps", scenario={"daemon": "down"}, tmp=tmp_path)
    assert down.returncode == 1 and down.stderr.startswith(b"Cannot connect to the Docker daemon")


def test_separate_program_runs_agree() -> None:
    now = time.time()
    window = ("--since", f"{now - 120:.3f}", "--until", f"{now - 60:.3f}", "nginx")
    first = _program("logs", "--timestamps", *window)
    second = _program("logs", "--timestamps", *window)
    assert first.returncode == 0 and first.stdout and first.stdout == second.stdout
    in_process = build_docker({}, seed=5).run(["docker", "logs", "--timestamps", *window])
    assert b"".join(d for s, d in in_process.chunks if s == "stdout") == first.stdout


def test_program_follow_ends_quietly_when_its_reader_goes_away() -> None:
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "logtui.simhost.docker_cli",
            "logs",
            "--timestamps",
            "--follow",
            "--tail",
            "1",
            "nginx",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert TS_LINE.match(proc.stdout.readline())
        proc.stdout.close()
        assert proc.wait(timeout=5) == 0
        # nginx's error log is on stderr: only log lines there, no traceback
        assert all(TS_LINE.match(line) for line in proc.stderr.read().splitlines())


# -- against the real Docker CLI ------------------------------------------------------------------


def _engine_routes(docker: SimDocker, now: int) -> dict[str, object]:
    """What a Docker Engine would answer for the simulated containers (API 1.50)."""
    routes: dict[str, object] = {}
    listing = []
    for c in sorted(docker.containers.values(), key=lambda c: c.created_ns, reverse=True):
        ports: list[dict[str, object]] = []
        for p in c.ports if c.running else ():
            if p.host_port is None:
                ports.append({"PrivatePort": p.container_port, "Type": p.proto})
            for ip in ("0.0.0.0", "::") if p.host_port is not None else ():
                ports.append(
                    {"IP": ip, "PrivatePort": p.container_port, "PublicPort": p.host_port, "Type": p.proto}
                )
        size_rw, size_root = container_sizes(c)
        listing.append(
            {
                "Id": c.id,
                "Names": ["/" + c.name],
                "Image": c.image,
                "ImageID": "sha256:" + "a" * 64,
                "Command": " ".join(c.command),
                "Created": c.created_ns // NS,
                "Ports": ports,
                "SizeRw": size_rw,
                "SizeRootFs": size_root,
                "Labels": c.labels,
                "State": c.state,
                "Status": docker.status(c, now),
                "NetworkSettings": {"Networks": {c.network: {}}},
                "Mounts": [
                    {
                        "Type": "volume",
                        "Name": m.name,
                        "Destination": m.destination,
                        "Driver": "local",
                        "RW": True,
                    }
                    for m in c.mounts
                ],
            }
        )
        n = docker.stats_numbers(c, now)
        stats = {
            "name": "/" + c.name,
            "id": c.id,
            "pids_stats": {"current": n.pids},
            "blkio_stats": {
                "io_service_bytes_recursive": [
                    {"major": 8, "minor": 0, "op": "read", "value": n.block_read},
                    {"major": 8, "minor": 0, "op": "write", "value": n.block_write},
                ]
            },
            "cpu_stats": {
                "cpu_usage": {"total_usage": 10**13 + round(n.cpu_percent * 10**10)},
                "system_cpu_usage": 2 * 10**12,
                "online_cpus": 1,
            },
            "precpu_stats": {"cpu_usage": {"total_usage": 10**13}, "system_cpu_usage": 10**12},
            "memory_stats": {"usage": n.mem, "limit": n.mem_limit, "stats": {}},
            "networks": {"eth0": {"rx_bytes": n.net_rx, "tx_bytes": n.net_tx}},
        }
        for ref in (c.name, c.id, c.id[:12]):
            routes[f"/containers/{ref}/json"] = inspect_data(c, now)
            routes[f"/containers/{ref}/stats"] = stats
    routes["/containers/json"] = listing
    return routes


@pytest.fixture
def real_docker_cli(tmp_path: Path):
    """The real `docker` CLI, talking to a stand-in Engine API that serves SimDocker's state."""
    import socketserver
    import threading
    from http.server import BaseHTTPRequestHandler

    cli = shutil.which("docker")
    if cli is None:
        pytest.skip("the Docker CLI is not installed")
    docker = SimDocker.with_containers(default_containers(0))
    now = time.time_ns()
    docker.clock = lambda: now
    routes = _engine_routes(docker, now)

    class Engine(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Api-Version", "1.50")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self) -> None:
            self._send(200, b"")

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            path = path.removeprefix("/v1.50")
            if path == "/_ping":
                return self._send(200, b"OK")
            if path not in routes:
                return self._send(
                    404, go_json({"message": "No such container: " + path.split("/")[2]}).encode()
                )
            body = routes[path]
            if path == "/containers/json" and "all=1" not in query:
                body = [c for c in body if c["State"] == "running"]  # type: ignore[union-attr]
            self._send(200, go_json(body).encode())

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

        def get_request(self):  # http.server wants an address pair
            request, _ = super().get_request()
            return request, ("engine", 0)

    sock = tmp_path / "engine.sock"
    server = Server(str(sock), Engine)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()

    def run_both(*args: str) -> tuple[subprocess.CompletedProcess[bytes], list[bytes]]:
        env = dict(os.environ, DOCKER_HOST=f"unix://{sock}", DOCKER_CONFIG=str(tmp_path))
        real = subprocess.run([cli, *args], capture_output=True, env=env, timeout=20)
        sim = docker.run(["docker", *args])
        outs = [b"".join(d for s, d in sim.chunks if s == name) for name in ("stdout", "stderr")]
        return real, [*outs, str(sim.exit_status).encode()]

    yield run_both
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "args",
    [
        ("ps", "--all", "--no-trunc", "--format", "{{json .}}"),
        ("ps", "--format", "{{json .}}"),
        ("ps", "--all"),
        ("inspect", "--type", "container", "web-app", "database", "exited-job"),
        ("inspect", "--type", "container", "nginx", "nope"),
        ("stats", "--no-stream", "--no-trunc", "--format", "{{json .}}"),
        ("stats", "--no-stream", "--no-trunc", "--format", "{{json .}}", "web-app", "exited-job"),
        ("stats", "--no-stream", "--all"),
        ("logs", "--timestamps", "nope"),
    ],
)
def test_output_is_what_the_real_docker_cli_prints(real_docker_cli, args: tuple[str, ...]) -> None:
    real, (stdout, stderr, status) = real_docker_cli(*args)
    assert stdout == real.stdout
    assert stderr == real.stderr
    assert int(status) == real.returncode
