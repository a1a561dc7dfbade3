"""The command guard: only the four read-only forms, every argument validated and quoted."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logtui import guard
from logtui.guard import CommandRefused

GOOD_NAMES = ["web-app", "api_server", "db.1", "a", "0123456789ab", "myproj-web-1", "x" * 255]
BAD_NAMES = [
    "",
    "-rf",
    "--help",
    "-",
    "web app",
    "web;rm -rf /",
    "$(reboot)",
    "`id`",
    "a|b",
    "a&b",
    "a>b",
    "name\n",
    "na\nme",
    "caf\u00e9",
    "web'app",
    'web"app',
    "*",
    "a/b",
    "_lead",
    ".hidden",
    "x" * 256,
    "a\tb",
    "a\x00b",
    "web app\r",
    "ﬁle",
]


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_valid_names_pass(name: str) -> None:
    assert guard.validate_container_name(name) == name
    command = guard.docker_logs(name, since="1h")
    assert command.argv[-1] == name


@pytest.mark.parametrize("name", BAD_NAMES)
def test_hostile_names_are_refused_before_anything_is_built(name: str) -> None:
    with pytest.raises(CommandRefused, match="refused container name"):
        guard.docker_logs(name)
    with pytest.raises(CommandRefused):
        guard.docker_inspect([name])


def test_refusal_is_a_value_error_as_the_spec_wants() -> None:
    with pytest.raises(ValueError):
        guard.docker_logs("-x")


@pytest.mark.parametrize(
    "value",
    [
        "2025-08-16T14:30:22Z",
        "2025-08-16T14:30:22.123456789Z",
        "2025-08-16T14:30:22+02:00",
        "2025-08-16",
        "1723818622",
        "1723818622.5",
        "10m",
        "1h30m",
        "3600s",
        "1.5h",
    ],
)
def test_time_arguments_docker_accepts(value: str) -> None:
    assert guard.docker_logs("web", since=value).argv[-2] == value


@pytest.mark.parametrize(
    "value", ["", "yesterday", "1h; rm -rf /", "-1h", "$(date)", "10 m", "10m\n", "1d", "Z"]
)
def test_time_arguments_refused(value: str) -> None:
    with pytest.raises(CommandRefused, match="time argument"):
        guard.docker_logs("web", since=value)


def test_built_forms_are_exact() -> None:
    assert guard.docker_ps().line == "docker ps --all --no-trunc --format '{{json .}}'"
    assert (
        guard.docker_logs("web", since="2025-08-16T14:30:22.1Z", follow=True, tail=10).line
        == "docker logs --timestamps --follow --since 2025-08-16T14:30:22.1Z --tail 10 web"
    )
    assert guard.docker_inspect(["a", "b"]).argv == (
        "docker",
        "inspect",
        "--type",
        "container",
        "a",
        "b",
    )
    assert guard.docker_stats().line == "docker stats --no-stream --no-trunc --format '{{json .}}'"


@pytest.mark.parametrize(
    "line",
    [
        "docker rm web",
        "docker exec web sh",
        "docker ps; rm -rf /",
        "docker ps && reboot",
        "docker logs --timestamps web | sh",
        "docker logs --timestamps $(whoami)",
        "docker logs --timestamps `id`",
        "docker logs --timestamps -- -x",
        "docker logs --timestamps --since=1h web",
        "docker stats web",
        "docker ps --format '{{.Names}}'",
        "docker ps --format {{json .}}",
        "docker logs --timestamps web >/etc/passwd",
        "sh -c 'docker ps'",
        "docker ps\nreboot",
        "docker logs --timestamps web web2",
        "docker inspect",
        "docker inspect web",
        "docker inspect --type image web",
        "docker inspect --type volume web",
        "docker inspect web --type",
        "docker logs --details web",
        "",
        "docker",
    ],
)
def test_validate_line_refuses_everything_else(line: str) -> None:
    with pytest.raises(CommandRefused):
        guard.validate_line(line)


def test_guarded_command_round_trips_through_the_shell_grammar() -> None:
    for command in (
        guard.docker_ps(),
        guard.docker_stats(["a"]),
        guard.docker_logs("b", since="5m"),
    ):
        assert tuple(shlex.split(command.line)) == command.argv
        assert guard.validate_line(command.line) == command.argv


@given(st.text(max_size=40))
def test_any_name_is_either_refused_or_passes_as_exactly_one_safe_argument(name: str) -> None:
    try:
        command = guard.docker_logs(name, since="1h")
    except CommandRefused:
        assert not guard._NAME_RE.fullmatch(name)
        return
    assert shlex.split(command.line) == ["docker", "logs", "--timestamps", "--since", "1h", name]
    assert not name.startswith("-")
    assert all(c.isascii() and (c.isalnum() or c in "_.-") for c in name)
