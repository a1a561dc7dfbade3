"""The guard's safety properties as plain functions, shared by the tests and the fuzz bench.

A property returns None when it holds and a description of the escape when it does not.
"""

from __future__ import annotations

import itertools
import shlex

from . import guard

DANGEROUS = set(" \t\n\r\x0b\x0c;&|<>$`\\\"'(){}[]*?!#~=%^,:@/+\x00")
"""Characters that must never appear in an accepted container name."""

READ_ONLY_FORMS = {("docker", "ps"), ("docker", "logs"), ("docker", "inspect"), ("docker", "stats")}


def name_property(name: str) -> str | None:
    """Building `docker logs NAME` either refuses or yields exactly the intended argv."""
    try:
        command = guard.docker_logs(name, since="10m")
    except guard.CommandRefused:
        return None
    expected = ["docker", "logs", "--timestamps", "--since", "10m", name]
    if shlex.split(command.line) != expected:
        return f"{name!r}: line {command.line!r} splits differently"
    if name.startswith("-") or not name.isascii() or DANGEROUS & set(name):
        return f"{name!r}: accepted a name with a leading '-', non-ASCII or a metacharacter"
    return None


def line_property(line: str) -> str | None:
    """An accepted command line is one of the four forms, with nothing a shell could act on."""
    try:
        argv = guard.validate_line(line)
    except guard.CommandRefused:
        return None
    if tuple(argv[:2]) not in READ_ONLY_FORMS:
        return f"{line!r}: accepted a command outside the four read-only forms"
    if argv[1] == "stats" and "--no-stream" not in argv:
        return f"{line!r}: accepted docker stats without --no-stream"
    if argv[1] == "inspect" and ("--type", "container") not in itertools.pairwise(argv):
        return f"{line!r}: accepted docker inspect without --type container"
    if shlex.split(line) != list(argv) or shlex.join(argv) != line:
        return f"{line!r}: the shell would see other arguments"
    if any(c in line for c in "\n\r;&|<>$`\\()"):
        return f"{line!r}: accepted shell syntax"
    return None


def time_property(value: str) -> str | None:
    """An accepted --since value is a single safe token."""
    try:
        command = guard.docker_logs("web", since=value)
    except guard.CommandRefused:
        return None
    if (
        shlex.split(command.line)[4] != value
        or value.startswith("-")
        or DANGEROUS - {":", "+", "."} & set(value)
    ):
        return f"{value!r}: accepted a time argument a shell could act on"
    return None
