"""What a client needs to reach an in-process test SSH server.

`SimulatedHost` and the tests' hostile server both listen on 127.0.0.1 for the user `logtui`
and accept one generated client key; building their known_hosts line and their `Settings` in
one place keeps the two from drifting apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import Settings

LOOPBACK = "127.0.0.1"
USER = "logtui"


def known_hosts_entry(port: int, host_public_key_line: str) -> str:
    """The known_hosts line for a server on `LOOPBACK`:`port` with that public key."""
    return f"[{LOOPBACK}]:{port} {host_public_key_line}\n"


def client_settings(
    port: int, key_text: str, known_hosts_text: str, /, *, audit_log: Path | None = None, **overrides: Any
) -> Settings:
    """Settings that reach a test server on `LOOPBACK`:`port` as `USER` with `key_text`.

    Without `audit_log`, Settings' default path is used; `overrides` replace any field, the
    three given positionally too (hence positional-only: `port=` overrides, it does not clash).
    """
    values: dict[str, Any] = {
        "host": LOOPBACK,
        "port": port,
        "user": USER,
        "key_text": key_text,
        "known_hosts_text": known_hosts_text,
        "use_ssh_config": False,
    }
    if audit_log is not None:
        values["audit_log"] = audit_log
    values.update(overrides)
    return Settings(**values)
