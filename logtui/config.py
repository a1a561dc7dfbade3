"""Where to connect and how: settings from the environment and a `.env` file.

Configuration problems raise `ValueError` naming the variable and what to do, as the
spec requires. Reading `.env` never overrides a variable already set in the environment.
A `.env` belongs to whatever directory logtui runs in (a cloned repository, say), so it may
only say where to connect, as whom and with which key (`DOTENV_ALLOWED`); security switches
and file paths come from the environment alone.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_AUDIT_LOG = Path("~/.local/state/logtui/audit.jsonl")
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_COMMAND_TIMEOUT = 60.0
DEFAULT_KEEPALIVE = 15.0
DEFAULT_MAX_SESSIONS = 10
"""OpenSSH's default `MaxSessions`: channels one connection may have open at once."""
DEFAULT_MAX_CONNECTIONS = 4
"""Connections one host's pool may open (LOGTUI_MAX_CONNECTIONS)."""
DEFAULT_MEMORY_MB = 512
"""The dashboard's memory budget for the log lines it holds, in MB (LOGTUI_MEMORY_MB)."""
MAX_MEMORY_MB = 1 << 20


@dataclass(slots=True)
class Settings:
    """Everything the SSH transport needs. `None` means: as `ssh` would (ssh config, agent)."""

    host: str
    user: str | None = None
    port: int | None = None
    key_text: str | None = field(default=None, repr=False)
    key_file: str | None = None
    key_passphrase: str | None = field(default=None, repr=False)
    known_hosts: str | None = None
    """Path of a known_hosts file; None uses ~/.ssh/known_hosts."""
    known_hosts_text: str | None = field(default=None, repr=False)
    """known_hosts content held in memory (the demo host); wins over `known_hosts`."""
    audit_log: Path = field(default_factory=lambda: DEFAULT_AUDIT_LOG.expanduser())
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT
    keepalive_interval: float = DEFAULT_KEEPALIVE
    use_ssh_config: bool = True
    """Read ~/.ssh/config (Host aliases, Port, User, IdentityFile) like `ssh`."""
    trust_new_host_keys: bool = False
    """Trust and remember the key of a host known_hosts does not know (never a changed key)."""
    mask_secrets: bool = True
    """Mask passwords, tokens and keys in entries and `docker inspect` (LOGTUI_MASK_SECRETS=0: off)."""
    max_sessions: int = DEFAULT_MAX_SESSIONS
    """Channels the server allows per connection, as first assumed (lowered when it refuses one)."""
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    """Connections to this host at most; beyond their channels, containers are polled in rotation."""
    memory_mb: int = DEFAULT_MEMORY_MB
    """The dashboard's memory budget for log lines, all containers (and hosts) together, in
    MB of 2**20 bytes: past it the oldest lines go first, whatever their container."""
    name: str | None = None
    """The name the user gave this host among several (`--host`, LOGTUI_HOSTS): its identity."""

    @property
    def display(self) -> str:
        """The host's name as the user gave it, else `label`."""
        return self.name or self.label

    @property
    def label(self) -> str:
        """How the host is shown to people: user@host[:port]."""
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port and self.port != 22 else ""
        return f"{user}{self.host}{port}"


def _first(env: Mapping[str, str], *names: str) -> tuple[str | None, str | None]:
    """The first non-empty variable among `names`: (name, value)."""
    for name in names:
        value = env.get(name)
        if value is not None and value.strip() != "":
            return name, value
    return None, None


def normalize_key_text(text: str) -> str:
    """Private key text as given in an env var: literal `\\n` becomes a newline, quotes stripped."""
    text = text.strip().strip('"').strip("'")
    if "\\n" in text and "\n" not in text:
        text = text.replace("\\r\\n", "\n").replace("\\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number of seconds; set it to e.g. 10") from None
    if value <= 0:
        raise ValueError(f"{name} must be greater than 0 seconds, got {raw!r}")
    return value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _count(env: Mapping[str, str], name: str, default: int, *, most: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= most:
        raise ValueError(f"{name}={raw!r}: use a whole number from 1 to {most}")
    return value


def memory_budget_mb(env: Mapping[str, str]) -> int:
    """LOGTUI_MEMORY_MB: the dashboard's memory budget in MB (ValueError naming it if bad).

    From the environment only: a `.env` may not set it (`DOTENV_ALLOWED`)."""
    return _count(env, "LOGTUI_MEMORY_MB", DEFAULT_MEMORY_MB, most=MAX_MEMORY_MB)


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in _TRUE | _FALSE:
        raise ValueError(f"{name}={raw!r}: use 1 (yes) or 0 (no)")
    return raw in _TRUE


DOTENV_ALLOWED = frozenset(
    {
        "LOGTUI_HOST",
        "HETZNER_HOST",
        "LOGTUI_HOSTS",
        "LOGTUI_USER",
        "HETZNER_USER",
        "LOGTUI_PORT",
        "LOGTUI_SSH_KEY",
        "HETZNER_SSH_KEY",
    }
)
"""What a `.env` may set: the spec's host, user and key, the port, and a list of hosts.

Never known_hosts, trust, masking, key files or audit/log paths: a hostile `.env` could
otherwise point logtui at its own server with its own known_hosts, unmask secrets, or make
logtui append to ~/.bashrc. A host it names must still pass host-key checking against the
user's known_hosts, which a `.env` cannot change.
"""

_reported: set[tuple[str, tuple[str, ...]]] = set()


def _say_ignored(path: Path, ignored: list[str], report: Callable[[str], None] | None) -> None:
    """One stderr line (once per process per file) naming what a `.env` may not set."""
    key = (str(path), tuple(ignored))
    if key in _reported and report is None:
        return
    _reported.add(key)
    shown = [n if re.fullmatch(r"[A-Za-z0-9_]{1,64}", n) else ascii(n)[:70] for n in ignored[:20]]
    more = f" and {len(ignored) - 20} more" if len(ignored) > 20 else ""
    message = (
        f"logtui: ignored in {path}: {', '.join(shown)}{more} (a .env may set only the host, "
        "user, port and key; set the others in the environment)"
    )
    if report is not None:
        report(message)
    else:
        print(message, file=sys.stderr, flush=True)


def read_environment(
    dotenv_path: str | os.PathLike[str] | None = None,
    *,
    report: Callable[[str], None] | None = None,
) -> dict[str, str]:
    """The process environment over what `.env` may set (`DOTENV_ALLOWED`; the environment wins).

    Other LOGTUI_*/HETZNER_* names in the `.env` are ignored and named once on stderr (or
    passed to `report`). Values are taken literally: no `${VAR}` expansion, which would let a
    `.env` put the user's secrets into a host name and so into a DNS query.
    """
    path = Path(dotenv_path) if dotenv_path is not None else Path.cwd() / ".env"
    merged: dict[str, str] = {}
    if path.is_file():
        values = {k: v for k, v in dotenv_values(path, interpolate=False).items() if v is not None}
        merged.update({k: v for k, v in values.items() if k in DOTENV_ALLOWED})
        ignored = sorted(
            k for k in values if k not in DOTENV_ALLOWED and k.upper().startswith(("LOGTUI_", "HETZNER_"))
        )
        if ignored:
            _say_ignored(path, ignored, report)
    merged.update(os.environ)
    return merged


_USER_RE = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}\$?", re.ASCII)
"""POSIX user names: the portable filename characters, no leading '-' (a trailing '$' too)."""
_HOST_RE = re.compile(r"[A-Za-z0-9_.:%][A-Za-z0-9_.:%-]{0,254}", re.ASCII)
"""Host names, IPv4/IPv6 addresses and ssh-config aliases; no leading '-', no shell syntax."""


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build `Settings` from LOGTUI_* and the spec's HETZNER_* variables.

    Raises ValueError when no host is configured or a value is unusable.
    """
    env = read_environment() if env is None else env
    _, host = _first(env, "LOGTUI_HOST", "HETZNER_HOST")
    if host is None:
        raise ValueError(
            "no server configured: set LOGTUI_HOST (or HETZNER_HOST) in the environment or in "
            "a .env file, e.g. LOGTUI_HOST=203.0.113.7, or a Host alias from ~/.ssh/config; "
            "run `logtui demo` to try logtui against a built-in simulated host"
        )
    host = host.strip()
    if not _HOST_RE.fullmatch(host):
        raise ValueError(f"LOGTUI_HOST={host!r} is not a host name, address or ssh config alias")
    user_name, user = _first(env, "LOGTUI_USER", "HETZNER_USER")
    if user is not None:
        user = user.strip()
        if not _USER_RE.fullmatch(user):
            raise ValueError(
                f"{user_name}={user!r} is not a user name: use 1-64 letters, digits, '.', '_' "
                "or '-', not starting with '-'"
            )
    port_name, port_raw = _first(env, "LOGTUI_PORT")
    port: int | None = None
    if port_raw is not None:
        try:
            port = int(port_raw)
        except ValueError:
            port = -1
        if not 1 <= port <= 65535:
            raise ValueError(f"{port_name}={port_raw!r} is not a TCP port (1-65535)")
    key_name, key_text = _first(env, "LOGTUI_SSH_KEY", "HETZNER_SSH_KEY")
    if key_text is not None:
        key_text = normalize_key_text(key_text)
        if "PRIVATE KEY-----" not in key_text:
            raise ValueError(
                f"{key_name} does not hold a private key: put the key's text in it, starting "
                "with -----BEGIN OPENSSH PRIVATE KEY----- (newlines may be written as \\n), or "
                "use LOGTUI_SSH_KEY_FILE=/path/to/key"
            )
    _, key_file = _first(env, "LOGTUI_SSH_KEY_FILE")
    if key_file is not None:
        key_file = str(Path(key_file).expanduser())
        if not Path(key_file).is_file():
            raise ValueError(f"LOGTUI_SSH_KEY_FILE={key_file!r}: no such file")
    _, passphrase = _first(env, "LOGTUI_SSH_KEY_PASSPHRASE")
    _, known_hosts = _first(env, "LOGTUI_KNOWN_HOSTS")
    if known_hosts is not None:
        known_hosts = str(Path(known_hosts).expanduser())
        if not Path(known_hosts).is_file():
            raise ValueError(
                f"LOGTUI_KNOWN_HOSTS={known_hosts!r}: no such file; create it with "
                f"`ssh-keyscan -H {host} >> {known_hosts}` after checking the fingerprint"
            )
    _, audit = _first(env, "LOGTUI_AUDIT_LOG")
    mask = _flag(env, "LOGTUI_MASK_SECRETS", default=True)
    trust_new = _flag(env, "LOGTUI_TRUST_NEW_HOST_KEYS", default=False)
    return Settings(
        host=host,
        user=user,
        port=port,
        key_text=key_text,
        key_file=key_file,
        key_passphrase=passphrase,
        known_hosts=known_hosts,
        audit_log=Path(audit).expanduser() if audit else DEFAULT_AUDIT_LOG.expanduser(),
        connect_timeout=_float(env, "LOGTUI_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT),
        command_timeout=_float(env, "LOGTUI_COMMAND_TIMEOUT", DEFAULT_COMMAND_TIMEOUT),
        keepalive_interval=_float(env, "LOGTUI_KEEPALIVE", DEFAULT_KEEPALIVE),
        mask_secrets=mask,
        trust_new_host_keys=trust_new,
        max_sessions=_count(env, "LOGTUI_MAX_SESSIONS", DEFAULT_MAX_SESSIONS, most=1000),
        max_connections=_count(env, "LOGTUI_MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS, most=64),
        memory_mb=memory_budget_mb(env),
    )
