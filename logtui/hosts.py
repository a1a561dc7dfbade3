"""Which servers to watch: one (LOGTUI_HOST, as the spec has it) or several.

Several come from `--host` (repeatable) or the API's `hosts=[...]`, else from
`LOGTUI_HOSTS=prod-1,prod-2`. Each is an `~/.ssh/config` alias or `user@host[:port]`
(`[v6addr]:port` for IPv6), and is known by the name the user gave it, never by anything
the server says (Docker engine IDs of cloned machines collide). Its user, port and key are
resolved as `ssh` would: the spec's own user and port where it names them, else
`~/.ssh/config`; LOGTUI_USER and LOGTUI_PORT belong to LOGTUI_HOST alone. Keys, known_hosts,
timeouts and every other setting apply to all hosts.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

from .config import Settings, load_settings, read_environment

MAX_HOSTS = 64
"""More hosts than this are refused: logtui is not a log store (README: "Many servers")."""

_SPEC_RE = re.compile(
    r"(?:(?P<user>[^@\s]+)@)?(?:\[(?P<v6>[0-9A-Fa-f:.%]+)\]|(?P<host>[^:@\s\[\]]+))(?::(?P<port>\d{1,5}))?"
)


def parse_host_spec(spec: str) -> tuple[str, str | None, int | None]:
    """`alias`, `host`, `user@host`, `host:port`, `user@[::1]:2222` -> (host, user, port).

    Raises ValueError for anything else; the host and user grammars are checked again by
    `load_settings`.
    """
    match = _SPEC_RE.fullmatch(spec.strip())
    if match is None:
        raise ValueError(f"host {spec!r}: use an ~/.ssh/config alias or user@host[:port]")
    host = match["v6"] or match["host"]
    port = int(match["port"]) if match["port"] else None
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(f"host {spec!r}: {port} is not a TCP port (1-65535)")
    return host, match["user"], port


def host_list(
    env: Mapping[str, str], hosts: Sequence[str] | None = None, configured: Sequence[str] = ()
) -> list[str]:
    """The hosts asked for: `hosts` if given, else LOGTUI_HOSTS (commas or spaces), else the
    settings file's `hosts` (`configured`); may be empty."""
    specs = list(hosts) if hosts else re.split(r"[,\s]+", env.get("LOGTUI_HOSTS", "").strip())
    if not any(s.strip() for s in specs):
        specs = list(configured)
    specs = [s.strip() for s in specs if s and s.strip()]
    if len(specs) > MAX_HOSTS:
        raise ValueError(
            f"{len(specs)} hosts: logtui watches at most {MAX_HOSTS}; for a larger fleet, ship the "
            "logs to a log store (see the README)"
        )
    seen: set[str] = set()
    for spec in specs:
        if spec in seen:
            raise ValueError(f"host {spec!r} is named twice")
        seen.add(spec)
    return specs


def load_hosts(
    env: Mapping[str, str] | None = None, hosts: Sequence[str] | None = None, configured: Sequence[str] = ()
) -> list[Settings]:
    """Settings for each host asked for, or for LOGTUI_HOST alone when none is.

    A configuration problem raises ValueError naming the host, before any connection.
    """
    env = read_environment() if env is None else env
    specs = host_list(env, hosts, configured)
    if not specs:
        return [load_settings(env)]
    single = {k: v for k, v in env.items() if k not in _ONE_HOST}
    chosen = []
    for spec in specs:
        host, user, port = parse_host_spec(spec)
        values = {**single, "LOGTUI_HOST": host}
        if user is not None:
            values["LOGTUI_USER"] = user
        if port is not None:
            values["LOGTUI_PORT"] = str(port)
        try:
            settings = load_settings(values)
        except ValueError as exc:
            raise ValueError(f"host {spec!r}: {exc}") from None
        chosen.append(dataclasses.replace(settings, name=spec))
    return chosen


_ONE_HOST = frozenset({"LOGTUI_HOST", "HETZNER_HOST", "LOGTUI_USER", "HETZNER_USER", "LOGTUI_PORT"})
"""Variables that describe LOGTUI_HOST alone, not each of several hosts."""
