"""`logtui-guard`: the server-side guard, for `command="logtui-guard ...",restrict` in authorized_keys.

sshd runs it instead of the client's command and puts that command in
SSH_ORIGINAL_COMMAND. It is checked with the same validator the client uses and, if it
is one of the four read-only docker forms, docker is run directly, without a shell, and
ended when the SSH channel closes. Anything else is refused with a message and exit status
126. Every decision is appended to an audit file.

Its own settings come only from its arguments in authorized_keys, never from the
environment, which a client may influence:

    logtui-guard [--docker PATH] [--audit-log PATH] [--no-inspect]

`--docker` names the docker binary (default: docker on PATH); `--audit-log` the audit file
(default ~/.local/state/logtui/guard.jsonl); `--no-inspect` refuses `docker inspect`, which
shows each container's environment (secrets included) to whoever holds the key.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .guard import CommandRefused, validate_line
from .private_files import open_private_append

EXIT_REFUSED = 126
DEFAULT_GUARD_LOG = "~/.local/state/logtui/guard.jsonl"
MAX_AUDITED_COMMAND = 1024
"""Characters of a requested command kept in the audit record (the length is kept too)."""
MAX_AUDITED_CLIENT = 128


@dataclass(frozen=True, slots=True)
class GuardOptions:
    """The guard's arguments, from the forced command in authorized_keys."""

    docker: str | None
    audit_log: Path
    inspect: bool


class BadArguments(ValueError):
    """The forced command's arguments are not ones logtui-guard knows."""


def parse_arguments(args: list[str]) -> GuardOptions:
    """`--docker PATH`, `--audit-log PATH`, `--no-inspect`, each at most once; nothing else."""
    values: dict[str, str] = {}
    inspect = True
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--no-inspect" and inspect:
            inspect = False
        elif arg in ("--docker", "--audit-log") and arg not in values and i + 1 < len(args):
            values[arg] = args[i + 1]
            i += 1
        else:
            raise BadArguments(
                f"unexpected argument {arg!r}; use: logtui-guard [--docker PATH] "
                "[--audit-log PATH] [--no-inspect]"
            )
        i += 1
    audit = Path(values.get("--audit-log", DEFAULT_GUARD_LOG)).expanduser()
    return GuardOptions(docker=values.get("--docker"), audit_log=audit, inspect=inspect)


def audit_record(when: str, client: str, command: str | None, outcome: str, reason: str | None) -> str:
    """One JSON line: ASCII only (escapes for the rest), the command cut to a bounded size."""
    record: dict[str, object] = {"time": when, "client": client[:MAX_AUDITED_CLIENT]}
    if command is not None and len(command) > MAX_AUDITED_COMMAND:
        record["command"] = command[:MAX_AUDITED_COMMAND]
        record["command_length"] = len(command)
    else:
        record["command"] = command
    record["outcome"] = outcome
    if reason is not None:
        record["reason"] = reason[: MAX_AUDITED_COMMAND + 200]
    return json.dumps(record, ensure_ascii=True) + "\n"


def _audit(path: Path, line: str) -> None:
    try:
        with open_private_append(path) as handle:
            handle.write(line)
    except OSError as exc:  # auditing must not open a hole: refuse if we cannot record
        print(f"logtui-guard: cannot write audit log {path}: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_REFUSED) from None


def _refuse(options: GuardOptions, when: str, client: str, line: str | None, reason: str) -> int:
    _audit(options.audit_log, audit_record(when, client, line, "refused", reason))
    print(f"logtui-guard: {reason}", file=sys.stderr)
    return EXIT_REFUSED


def main(argv: list[str] | None = None) -> int:
    try:
        options = parse_arguments(sys.argv[1:] if argv is None else argv)
    except BadArguments as exc:
        print(f"logtui-guard: refused: bad forced command in authorized_keys: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    line = os.environ.get("SSH_ORIGINAL_COMMAND")
    client = os.environ.get("SSH_CLIENT", "")
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if line is None:
        return _refuse(
            options,
            when,
            client,
            None,
            "refused: interactive sessions are not allowed; this key may only run read-only docker commands",
        )
    try:
        argv_checked = validate_line(line)
    except CommandRefused as exc:
        return _refuse(options, when, client, line, str(exc))
    if argv_checked[1] == "inspect" and not options.inspect:
        return _refuse(
            options,
            when,
            client,
            line,
            "refused: docker inspect is disabled on this server (logtui-guard --no-inspect)",
        )
    docker = options.docker or shutil.which("docker")
    if docker is None:
        print("logtui-guard: docker is not installed on this server", file=sys.stderr)
        return EXIT_REFUSED
    _audit(options.audit_log, audit_record(when, client, line, "allowed", None))
    sys.stdout.flush()
    return run_until_hangup([docker, *argv_checked[1:]])


def run_until_hangup(argv: list[str], poll_interval_ms: int = 500) -> int:
    """Run docker without a shell; end it when the SSH channel goes away.

    Without a terminal, sshd does not signal a command when the client closes its
    channel: a quiet `docker logs --follow` would live on until the container next
    writes. The channel's end shows as a hang-up on our stdout, which is polled here.
    """
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    watcher = select.poll()
    watcher.register(sys.stdout.fileno(), select.POLLERR | select.POLLHUP)
    try:
        while child.poll() is None:
            if watcher.poll(poll_interval_ms):
                child.terminate()
                try:
                    child.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    child.kill()
                return 0
        return child.returncode if child.returncode >= 0 else 128 - child.returncode
    finally:
        if child.poll() is None:
            child.kill()


if __name__ == "__main__":
    sys.exit(main())
