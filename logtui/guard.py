"""The command guard: the one place a remote command is built and validated.

Read-only by construction. A command can leave the client only as a `GuardedCommand`,
and a `GuardedCommand` exists only if its argument vector matched the allowlist below:
`docker ps`, `docker logs`, `docker inspect`, `docker stats --no-stream`, each with a
fixed set of options whose values are checked by an allowlist pattern. Every argument is
shell-quoted, and the quoted line is parsed back and compared, so what a remote shell will
see is exactly what was validated. The same `validate_line` runs in the simulated host and
in `logtui-guard` on the server.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


class CommandRefused(ValueError):
    """A command or argument that is not one of the allowed read-only forms."""


# Docker's own container name grammar ([a-zA-Z0-9][a-zA-Z0-9_.-]+), also matching
# ID prefixes (hex, one character or more). ASCII only; fullmatch, so no trailing newline.
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}", re.ASCII)
# RFC 3339 date-time, with optional fraction (up to ns) and optional zone.
_RFC3339_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:\d{2})?", re.ASCII
)
# Unix time in seconds, optionally with a fraction.
_EPOCH_RE = re.compile(r"\d{1,11}(\.\d{1,9})?", re.ASCII)
# Go duration, relative to now: "10m", "1h30m", "90s", "1.5h".
_DURATION_RE = re.compile(r"(\d{1,9}(\.\d{1,9})?(ns|us|ms|s|m|h)){1,6}", re.ASCII)
_TAIL_RE = re.compile(r"all|\d{1,9}", re.ASCII)

JSON_FORMAT = "{{json .}}"
"""The only `--format` template allowed: one JSON object per row."""


def validate_container_name(name: str) -> str:
    """Return `name` if it is a valid Docker container name or ID, else raise."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise CommandRefused(
            f"refused container name {name!r}: a container name or ID is 1-255 characters "
            "of letters, digits, '_', '.' and '-', starting with a letter or digit"
        )
    return name


def validate_time(value: str) -> str:
    """Return `value` if Docker accepts it as a `--since`/`--until` time, else raise."""
    if isinstance(value, str) and (
        _RFC3339_RE.fullmatch(value) or _EPOCH_RE.fullmatch(value) or _DURATION_RE.fullmatch(value)
    ):
        return value
    raise CommandRefused(
        f"refused time argument {value!r}: use an RFC 3339 time (2025-08-16T14:30:22Z), "
        "Unix seconds (1723818622.5) or a duration (10m, 1h30m)"
    )


def validate_tail(value: str) -> str:
    if isinstance(value, str) and _TAIL_RE.fullmatch(value):
        return value
    raise CommandRefused(f"refused --tail value {value!r}: use a number of lines or 'all'")


def _fixed(*allowed: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise CommandRefused(f"refused option value {value!r}: allowed are {list(allowed)}")
        return value

    return check


@dataclass(frozen=True)
class _Form:
    """The allowlisted shape of one docker subcommand."""

    flags: frozenset[str]
    valued: dict[str, Callable[[str], str]]
    required: frozenset[str]
    min_names: int
    max_names: int


_FORMS: dict[str, _Form] = {
    "ps": _Form(
        flags=frozenset({"--all", "--no-trunc"}),
        valued={"--format": _fixed(JSON_FORMAT)},
        required=frozenset(),
        min_names=0,
        max_names=0,
    ),
    "logs": _Form(
        flags=frozenset({"--timestamps", "--follow"}),
        valued={"--since": validate_time, "--until": validate_time, "--tail": validate_tail},
        required=frozenset(),
        min_names=1,
        max_names=1,
    ),
    "inspect": _Form(
        flags=frozenset(),
        valued={"--type": _fixed("container")},
        # without it, `docker inspect NAME` also answers for images, volumes, networks,
        # plugins, secrets and nodes of that name
        required=frozenset({"--type"}),
        min_names=1,
        max_names=1000,
    ),
    "stats": _Form(
        flags=frozenset({"--no-stream", "--no-trunc", "--all"}),
        valued={"--format": _fixed(JSON_FORMAT)},
        required=frozenset({"--no-stream"}),
        min_names=0,
        max_names=1000,
    ),
}

ALLOWED_SUBCOMMANDS: tuple[str, ...] = tuple(_FORMS)


def validate_argv(argv: Sequence[str]) -> tuple[str, ...]:
    """Check an argument vector against the allowlist; return it as a tuple or raise."""
    argv = tuple(argv)
    if len(argv) < 2 or argv[0] != "docker":
        raise CommandRefused(f"refused command {shlex.join(argv)!r}: only docker commands are allowed")
    sub = argv[1]
    form = _FORMS.get(sub)
    if form is None:
        raise CommandRefused(
            f"refused command 'docker {sub}': only read-only "
            f"{', '.join('docker ' + s for s in ALLOWED_SUBCOMMANDS)} are allowed"
        )
    seen: set[str] = set()
    names: list[str] = []
    i = 2
    while i < len(argv):
        arg = argv[i]
        if arg in form.flags:
            if arg in seen:
                raise CommandRefused(f"refused command: option {arg} given twice")
            seen.add(arg)
        elif arg in form.valued:
            if arg in seen:
                raise CommandRefused(f"refused command: option {arg} given twice")
            if i + 1 >= len(argv):
                raise CommandRefused(f"refused command: option {arg} needs a value")
            form.valued[arg](argv[i + 1])
            seen.add(arg)
            i += 1
        elif arg.startswith("-"):
            raise CommandRefused(f"refused option {arg!r} for 'docker {sub}'")
        else:
            names.append(validate_container_name(arg))
        i += 1
    missing = form.required - seen
    if missing:
        raise CommandRefused(f"refused 'docker {sub}': it must have {', '.join(sorted(missing))}")
    if not form.min_names <= len(names) <= form.max_names:
        raise CommandRefused(
            f"refused 'docker {sub}': it takes {form.min_names}-{form.max_names} container "
            f"names, got {len(names)}"
        )
    return argv


def validate_line(line: str) -> tuple[str, ...]:
    """Validate a command line as a POSIX shell would split it; return its argv.

    The line must be exactly the canonical `shlex.join` of its argv, so that no shell
    syntax (`;`, `$()`, backticks, redirections, globbing) can hide in it.
    """
    if not isinstance(line, str) or not line.isascii() or not line.isprintable():
        raise CommandRefused(f"refused command {line!r}: control or non-ASCII characters")
    try:
        argv = shlex.split(line)
    except ValueError as exc:
        raise CommandRefused(f"refused command {line!r}: {exc}") from None
    validate_argv(argv)
    if shlex.join(argv) != line:
        raise CommandRefused(f"refused command {line!r}: not in canonical quoted form")
    return tuple(argv)


@dataclass(frozen=True)
class GuardedCommand:
    """A validated read-only docker command. Build one only with the functions below."""

    argv: tuple[str, ...]
    line: str

    @property
    def subcommand(self) -> str:
        return self.argv[1]


def _guarded(argv: Iterable[str]) -> GuardedCommand:
    argv = validate_argv(list(argv))
    line = shlex.join(argv)
    validate_line(line)
    return GuardedCommand(argv=argv, line=line)


def docker_ps(*, all_containers: bool = True) -> GuardedCommand:
    argv = ["docker", "ps"]
    if all_containers:
        argv.append("--all")
    argv += ["--no-trunc", "--format", JSON_FORMAT]
    return _guarded(argv)


def docker_logs(
    name: str,
    *,
    since: str | None = None,
    until: str | None = None,
    tail: str | int | None = None,
    follow: bool = False,
) -> GuardedCommand:
    """`docker logs --timestamps` for one container; both streams come back separately."""
    argv = ["docker", "logs", "--timestamps"]
    if follow:
        argv.append("--follow")
    if since is not None:
        argv += ["--since", validate_time(since)]
    if until is not None:
        argv += ["--until", validate_time(until)]
    if tail is not None:
        argv += ["--tail", validate_tail(str(tail))]
    argv.append(validate_container_name(name))
    return _guarded(argv)


def docker_inspect(names: Sequence[str]) -> GuardedCommand:
    return _guarded(["docker", "inspect", "--type", "container", *map(validate_container_name, names)])


def docker_stats(names: Sequence[str] = ()) -> GuardedCommand:
    argv = ["docker", "stats", "--no-stream", "--no-trunc", "--format", JSON_FORMAT]
    return _guarded([*argv, *map(validate_container_name, names)])
