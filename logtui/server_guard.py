"""`logtui-guard`: the server-side guard, for `command="logtui-guard",restrict` in authorized_keys.

sshd runs it instead of the client's command and puts that command in
SSH_ORIGINAL_COMMAND. It is checked with the same validator the client uses and, if it
is one of the four read-only docker forms, docker is run directly, without a shell
(`logtui-guard --docker /usr/bin/docker` names the binary; default: docker on PATH), and
ended when the SSH channel closes.
Anything else is refused with a message and exit status 126. Every decision is appended
to an audit file (LOGTUI_GUARD_AUDIT_LOG, default ~/.local/state/logtui/guard.jsonl).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .guard import CommandRefused, validate_line

EXIT_REFUSED = 126
DEFAULT_GUARD_LOG = "~/.local/state/logtui/guard.jsonl"


def _audit(record: dict[str, object]) -> None:
    path = Path(os.environ.get("LOGTUI_GUARD_AUDIT_LOG") or DEFAULT_GUARD_LOG).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as exc:  # auditing must not open a hole: refuse if we cannot record
        print(f"logtui-guard: cannot write audit log {path}: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_REFUSED) from None


def main() -> int:
    line = os.environ.get("SSH_ORIGINAL_COMMAND")
    client = os.environ.get("SSH_CLIENT", "")
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if line is None:
        _audit(
            {
                "time": when,
                "client": client,
                "command": None,
                "outcome": "refused",
                "reason": "interactive session",
            }
        )
        print(
            "logtui-guard: refused: interactive sessions are not allowed; "
            "this key may only run read-only docker commands",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    try:
        argv = validate_line(line)
    except CommandRefused as exc:
        _audit(
            {
                "time": when,
                "client": client,
                "command": line,
                "outcome": "refused",
                "reason": str(exc),
            }
        )
        print(f"logtui-guard: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    # The docker binary comes from the forced command's own arguments, never from the
    # environment, which a client might influence: command="logtui-guard --docker PATH".
    args = sys.argv[1:]
    docker = args[1] if len(args) == 2 and args[0] == "--docker" else shutil.which("docker")
    if docker is None:
        print("logtui-guard: docker is not installed on this server", file=sys.stderr)
        return EXIT_REFUSED
    _audit({"time": when, "client": client, "command": line, "outcome": "allowed"})
    sys.stdout.flush()
    return run_until_hangup([docker, *argv[1:]])


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
