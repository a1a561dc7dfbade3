"""The dashboard over several hosts (`FleetApp`), against in-process simulated hosts over SSH.

Three hosts share one client key, as a fleet does; each has scripted containers with a few
lines of history, and `web-app` runs on all three with the same error, so templates group
across hosts. A fourth host is down, answers nothing, or presents a changed host key.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncssh
import pytest
import structlog
from dashboard_support import wait_for
from textual.pilot import Pilot

from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui import create_app
from logtui.tui._fleet import FleetApp
from logtui.tui._fleet_rows import HOST_ROW, WHY_ROW, short_reason
from logtui.tui._hosted import HostedName, entry_host, entry_key
from logtui.tui._reading import pager_lines
from logtui.tui.app import LogtuiApp
from logtui.tui.detail import DetailScreen

HOSTS = ("prod-1", "prod-2", "prod-3")
CONTAINERS = {"prod-1": ("web-app", "database"), "prod-2": ("web-app", "worker"), "prod-3": ("web-app",)}


def lines_of(host: str, name: str) -> list[tuple[str, str]]:
    """(level, text) written by `name` on `host`: every line names both."""
    return [
        ("INFO", f"{host} {name} started"),
        (
            "ERROR",
            f"Application error occurred request_id={ord(host[-1]) * 7}"
            if name == "web-app"
            else f"{name} job failed: code {ord(host[-1])}",
        ),
        ("INFO", f"{host} {name} ready"),
    ]


TOTAL = sum(len(lines_of(h, n)) for h, names in CONTAINERS.items() for n in names)


@pytest.fixture(autouse=True)
def quiet_logs() -> Any:
    with structlog.testing.capture_logs():
        yield


@pytest.fixture
async def fleet() -> AsyncIterator[list[SimulatedHost]]:
    """Three simulated hosts, one client key; their history interleaved in time."""
    start = time.time() - 60
    hosts: list[SimulatedHost] = []
    key = ""
    try:
        for h, host in enumerate(HOSTS):
            containers = []
            for c, name in enumerate(CONTAINERS[host]):
                container = ScriptedContainer(name=name, image=f"example/{name}:1")
                for i, (level, text) in enumerate(lines_of(host, name)):
                    stream = "stderr" if level == "ERROR" else "stdout"
                    container.write(
                        f"[{level}] {text}", stream, ts=round(start + i * 3 + h * 0.7 + c * 0.1, 3)
                    )
                containers.append(container)
            sim = SimulatedHost(containers, poll_interval=0.05, client_key_text=key or None)
            await sim.start()
            key = sim.client_key_text
            hosts.append(sim)
        yield hosts
    finally:
        for sim in hosts:
            await sim.stop()


@pytest.fixture
def make_app(fleet: list[SimulatedHost], tmp_path: Path) -> Callable[..., FleetApp]:
    def make(extra: list[Any] | None = None, **options: Any) -> FleetApp:
        options.setdefault("poll_interval", 0.3)
        settings = [
            s.settings(audit_log=tmp_path / "audit.jsonl", name=n) for s, n in zip(fleet, HOSTS, strict=True)
        ]
        app = create_app([*settings, *(extra or [])], export_dir=tmp_path, **options)
        assert isinstance(app, FleetApp)
        return app

    return make


def loaded(app: LogtuiApp, hosts: tuple[str, ...] = HOSTS) -> bool:
    want = sum(len(lines_of(h, n)) for h in hosts for n in CONTAINERS[h])
    return app.store.size == want


def screen_text(app: LogtuiApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def rows(app: LogtuiApp) -> list[str]:
    """The containers pane's row keys, top to bottom."""
    return list(app.container_list._shown)


def shown_hosts(app: LogtuiApp) -> set[str | None]:
    return {entry_host(e) for e in app.log_pane.view.unique_entries()}


async def choose_row(pilot: Pilot, app: LogtuiApp, key: str) -> None:
    """Move the containers pane's cursor to row `key` and press Enter, as a user would."""
    table = app.container_list
    table.focus()
    table.move_cursor(row=rows(app).index(key), animate=False)
    await pilot.press("enter")
    await pilot.pause(0.05)


# -- the grouped containers pane, the host column --------------------------------------------


async def test_containers_pane_is_grouped_by_host(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: loaded(app) and len(app.digest.counts) == 5)
        # counts and rates are redrawn with the second's recount, not at every poll
        await wait_for(pilot, lambda: app.container_list._shown["\x00all"].errors == 5)  # type: ignore[attr-defined]
        assert rows(app) == [
            "\x00all",
            HOST_ROW + "prod-1",
            "prod-1/database",
            "prod-1/web-app",
            HOST_ROW + "prod-2",
            "prod-2/web-app",
            "prod-2/worker",
            HOST_ROW + "prod-3",
            "prod-3/web-app",
        ]
        text = screen_text(app)
        assert "all hosts" in text and "3/3 hosts" in text
        assert "READ-ONLY ─ 3/3 hosts connected" in text
        for host in HOSTS:
            row = app.container_list._shown[HOST_ROW + host]
            assert row.state == "connected"  # type: ignore[attr-defined]
            assert row.errors == len(CONTAINERS[host])  # type: ignore[attr-defined]
        # container rows show the plain name; their errors are counted per host and container
        assert app.digest.counts == {f"{h}/{n}": 1 for h, names in CONTAINERS.items() for n in names}
        assert "prod-2/worker 1" in text
        # the same error on three hosts is one group, said to be on 3 hosts
        assert "×3    " in text and "on 3 hosts web-app  Application error occurred request_id=<n>" in text
        assert "prod-2/worker  worker job failed: code <n>" in text  # one host: its key


async def test_log_pane_has_a_host_column_and_merges_hosts_in_time_order(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        await pilot.pause(0.3)
        entries = list(app.log_pane.view.unique_entries())
        assert len(entries) == TOTAL
        assert [e.timestamp for e in entries] == sorted(e.timestamp for e in entries)
        assert shown_hosts(app) == set(HOSTS)
        # the spec's field stays the plain name; the host rides along
        for entry in entries:
            assert entry.container_name in {"web-app", "database", "worker"}
            assert entry.to_dict()["container_name"] == entry.container_name
            assert entry_key(entry) == f"{entry_host(entry)}/{entry.container_name}"
        assert app.log_pane.look.columns.host == len("prod-1")
        text = screen_text(app)
        for host in HOSTS:  # each row says its host before the container
            assert any(
                f"{host} web-app " in line and f"{host} web-app started" in line for line in text.splitlines()
            )


async def test_a_host_row_filters_to_that_host_and_keys_keep_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        await pilot.pause(0.4)
        await choose_row(pilot, app, HOST_ROW + "prod-2")
        assert app.filter.host == "prod-2" and app.filter.container is None
        assert shown_hosts(app) == {"prod-2"}
        assert {e.container_name for e in app.log_pane.view.unique_entries()} == {"web-app", "worker"}
        assert app.log_pane.look.columns.host == 0  # one host shown: no host column
        assert "LOGS: prod-2: all containers" in screen_text(app)
        assert app.channels_text().plain.startswith("prod-2: 1 conn")
        await pilot.press("e")  # a level keeps the host
        assert app.filter.host == "prod-2" and {e.level for e in app.log_pane.view.unique_entries()} == {
            "ERROR"
        }
        await pilot.press("a", "slash", *"ready", "enter")  # and so does a search
        assert [e.message for e in app.log_pane.view.unique_entries()] == [
            "prod-2 web-app ready",
            "prod-2 worker ready",
        ]
        await pilot.press("escape")
        assert app.filter.host == "prod-2" and len(list(app.log_pane.view.unique_entries())) == 6
        # a container row: that container on that host only (web-app runs on all three)
        await choose_row(pilot, app, "prod-3/web-app")
        assert app.filter.container == "prod-3/web-app" and app.filter.host is None
        assert shown_hosts(app) == {"prod-3"} and len(list(app.log_pane.view.unique_entries())) == 3
        await choose_row(pilot, app, "\x00all")
        assert shown_hosts(app) == set(HOSTS) and app.log_pane.look.columns.host > 0
        await pilot.press("question_mark")
        assert "a host's row shows that host" in screen_text(app)


async def test_live_lines_of_a_filtered_host_arrive_and_others_stay_out(make_app, fleet) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        app.select_container(HOST_ROW + "prod-1")
        fleet[0].docker.containers["web-app"].write("[INFO] fresh on prod-1")  # type: ignore[attr-defined]
        fleet[1].docker.containers["web-app"].write("[INFO] fresh on prod-2")  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: app.store.size == TOTAL + 2)
        await pilot.pause(0.3)
        messages = [e.message for e in app.log_pane.view.unique_entries()]
        assert "fresh on prod-1" in messages and "fresh on prod-2" not in messages


# -- a host that is down, silent or refused never holds the others ------------------------------


async def test_a_down_host_shows_why_in_its_row_and_the_others_fill(make_app, tmp_path) -> None:
    gone = SimulatedHost([])
    await gone.start()
    down = gone.settings(audit_log=tmp_path / "audit.jsonl", name="prod-4")
    await gone.stop()  # nothing listens there any more
    app = make_app([down])
    async with app.run_test(size=(160, 48)) as pilot:
        started = time.monotonic()
        await wait_for(pilot, lambda: loaded(app))
        assert time.monotonic() - started < 3.0
        await wait_for(pilot, lambda: app.hosts["prod-4"].connection == "failed")
        await pilot.pause(0.3)
        assert rows(app)[-2:] == [HOST_ROW + "prod-4", WHY_ROW + "prod-4"]
        text = screen_text(app)
        lines = text.splitlines()
        row = next(line for line in lines if "✖ prod-4" in line)
        why = lines[lines.index(row) + 1]
        assert "failed" in row and "connection refused" in why
        assert "3/4 hosts connected" in text and "prod-4: connection refused" in app.status_text().plain
        assert "⚠ prod-4: failed: cannot connect to" in text  # the error pane has it whole
        # the cursor on it: the details say what happened, in full
        app.container_list.move_cursor(row=rows(app).index(HOST_ROW + "prod-4"), animate=False)
        await pilot.pause(0.1)
        details = str(app.query_one("#details").render())
        assert "prod-4" in details and "failed" in details and "Connect call failed" in details


async def test_a_silent_host_never_delays_the_others(make_app, fleet, tmp_path) -> None:
    """A host that accepts TCP and never says a word (a hung sshd): the others fill at once."""
    silent = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    hung = fleet[0].settings(audit_log=tmp_path / "audit.jsonl", name="prod-4", port=port, connect_timeout=4)
    app = make_app([hung])
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            started = time.monotonic()
            await wait_for(pilot, lambda: loaded(app))
            assert time.monotonic() - started < 3.0
            assert app.hosts["prod-4"].connection == "connecting"
            assert "3/4 hosts connected" in app.status_text().plain
            await wait_for(pilot, lambda: app.hosts["prod-4"].connection == "failed", timeout=10)
            assert short_reason(app.hosts["prod-4"].detail) == "timed out"
    finally:
        silent.close()


async def test_a_changed_host_key_is_refused_in_its_row_and_the_others_fill(
    make_app, fleet, tmp_path
) -> None:
    impostor = SimulatedHost([ScriptedContainer(name="web-app")], client_key_text=fleet[0].client_key_text)
    await impostor.start()
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode().split()
    changed = impostor.settings(
        audit_log=tmp_path / "audit.jsonl",
        name="prod-4",
        known_hosts_text=f"[127.0.0.1]:{impostor.port} {other[0]} {other[1]}\n",
    )
    app = make_app([changed])
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, lambda: loaded(app) and app.hosts["prod-4"].connection == "failed")
            await pilot.pause(0.3)
            assert "HOST KEY CHANGED" in app.hosts["prod-4"].detail
            assert "HOST KEY CHANGED: refused" in screen_text(app)
            assert not [k for k in app.store.names if k.startswith("prod-4/")]
            assert impostor.commands_received == []  # not one command went to it
    finally:
        await impostor.stop()


# -- the polls: one loop per host, spread over the interval --------------------------------------


async def test_polls_are_staggered_and_each_host_polls_as_one_does(make_app, tmp_path) -> None:
    interval = 1.2
    app = make_app(poll_interval=interval)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: all(h.polls >= 4 for h in app.hosts.values()), timeout=15)
    ps: dict[str, list[float]] = {}
    for line in (tmp_path / "audit.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record.get("event") == "remote_command" and record["command"].startswith("docker ps"):
            finished = datetime.fromisoformat(record["timestamp"]).timestamp()
            ps.setdefault(record["host"], []).append(finished - record["duration_ms"] / 1000)
    assert len(ps) == 3
    phases = []
    for times in ps.values():
        times.sort()
        gaps = [b - a for a, b in itertools.pairwise(times[1:])]
        assert all(interval * 0.9 < g < interval * 1.6 for g in gaps), gaps  # as one host polls
        phases.append((times[1] - times[0]) % interval)
    phases.sort()
    # host i's second poll waits i/3 of an interval more: the hosts are not in lock-step
    assert phases[1] - phases[0] > interval / 6 and phases[2] - phases[1] > interval / 6, phases


# -- every key across hosts: detail, pager, export, jump -------------------------------------


async def test_detail_pager_and_export_carry_the_host(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        await pilot.pause(0.3)
        await pilot.press("e", "k", "enter")
        assert isinstance(app.screen, DetailScreen)
        head = str(app.screen.query_one("#detail-head").render())
        host = entry_host(app.screen.entry)
        assert host in HOSTS and head.startswith(f"{host} {app.screen.entry.container_name}  stderr  ERROR")
        await pilot.press("escape", "a")
        lines = list(pager_lines(app.log_pane.view.unique_entries(), raw=False))
        assert any(" prod-2 worker INFO " in line for line in lines)
        await pilot.press("x")
        await wait_for(pilot, lambda: app.last_export is not None)
    document = json.loads(Path(app.last_export).read_text())
    assert document["hosts"] == list(HOSTS) and document["host_errors"] == {}
    assert set(document["containers"]) == {f"{h}/{n}" for h, names in CONTAINERS.items() for n in names}
    for key, entries in document["containers"].items():
        host, name = key.split("/")
        assert len(entries) == 3
        assert all(e["host"] == host and e["container_name"] == name for e in entries)


async def test_jump_to_a_time_reads_every_host(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: loaded(app))
        newest = max(e.timestamp for e in app.log_pane.view.unique_entries())
        app.jump_to(datetime.fromisoformat(newest))
        await wait_for(pilot, lambda: app.range is not None)
        assert app.range is not None and app.range.store.size == TOTAL
        assert sorted(app.range.store.names) == sorted(app.containers)
        assert shown_hosts(app) == set(HOSTS)
        app.select_container(HOST_ROW + "prod-1")  # the host filter works on the range too
        assert shown_hosts(app) == {"prod-1"}
        await pilot.press("G")
        assert app.range is None


# -- one host, and the hosts' names ----------------------------------------------------------------


def test_one_host_in_a_list_is_the_one_host_dashboard(fleet, tmp_path) -> None:
    settings = fleet[0].settings(audit_log=tmp_path / "a.jsonl", name="prod-1")
    app = create_app([settings])
    assert type(app) is LogtuiApp and app.host_label == "prod-1"
    with pytest.raises(ValueError, match="own name"):
        create_app([settings, settings])._open_remotes(None)


def test_a_hosted_name_is_the_plain_name() -> None:
    tagged = HostedName("web-app", "prod-1")
    assert tagged == "web-app" and hash(tagged) == hash("web-app") and tagged.key == "prod-1/web-app"
    assert json.dumps({tagged: [tagged]}) == '{"web-app": ["web-app"]}'
    assert type(str(tagged)) is str
    import pickle

    again = pickle.loads(pickle.dumps(tagged))
    assert again == "web-app" and again.host == "prod-1"


# -- how the dashboard is asked for several hosts ----------------------------------------------


@pytest.fixture
def dashboard_calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[Any, dict[str, Any]]]:
    """What the CLI hands the dashboard (which is not run)."""
    import logtui.tui

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(
        logtui.tui, "run_dashboard", lambda settings, **options: calls.append((settings, options)) or 0
    )
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    for name in ("LOGTUI_HOST", "HETZNER_HOST", "LOGTUI_HOSTS", "LOGTUI_USER", "LOGTUI_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return calls


def test_the_cli_opens_the_dashboard_over_the_hosts_given(dashboard_calls, monkeypatch) -> None:
    from logtui import cli

    assert cli.main(["--host", "prod-1", "--host", "deploy@10.0.0.7:2222", "dashboard"]) == 0
    ((settings, _),) = dashboard_calls
    assert [s.display for s in settings] == ["prod-1", "deploy@10.0.0.7:2222"]
    assert (settings[1].user, settings[1].host, settings[1].port) == ("deploy", "10.0.0.7", 2222)
    monkeypatch.setenv("LOGTUI_HOSTS", "a,b,c")
    assert cli.main([]) == 0
    assert [s.display for s in dashboard_calls[1][0]] == ["a", "b", "c"]
    monkeypatch.delenv("LOGTUI_HOSTS")
    monkeypatch.setenv("LOGTUI_HOST", "203.0.113.7")
    assert cli.main([]) == 0  # one host as before: plain settings, not a list
    assert dashboard_calls[2][0].host == "203.0.113.7" and dashboard_calls[2][0].name is None
    assert cli.main(["demo", "--hosts", "3"]) == 0
    assert dashboard_calls[3][0] is None and dashboard_calls[3][1]["demo_hosts"] == 3
    with pytest.raises(SystemExit):
        cli.main(["demo", "--hosts", "0"])


async def test_the_demo_fleet_fills_the_dashboard() -> None:
    """`logtui demo --hosts 3`: three simulated servers, one client key, different workloads."""
    from logtui.simhost.demo import demo_fleet

    with demo_fleet(3) as settings:
        assert [s.display for s in settings] == ["demo-1", "demo-2", "demo-3"]
        public = {asyncssh.import_private_key(s.key_text or "").export_public_key() for s in settings}
        assert len(public) == 1 and len({s.port for s in settings}) == 3
        app = create_app(settings, poll_interval=0.5)
        async with app.run_test(size=(160, 48)) as pilot:
            hosts_with_lines = lambda: {key.split("/")[0] for key, b in app.store.buffers.items() if b}  # noqa: E731
            await wait_for(pilot, lambda: hosts_with_lines() == {"demo-1", "demo-2", "demo-3"}, timeout=15)
            assert "3/3 hosts connected" in app.status_text().plain
