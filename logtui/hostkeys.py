"""Host keys: what asyncssh checks the server against, trust on first use, and refusals explained.

asyncssh matches known_hosts against the name it connects to after `~/.ssh/config` (the
`HostName`, or a `HostKeyAlias`), the peer's address and the port. Every decision here uses
those same three, plus the configured name (an ssh-config alias): a key recorded under any
of them that differs from the offered one is a CHANGED key, and is refused always, trust on
first use or not.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import asyncssh

from .audit import AuditLog
from .config import Settings


class KeyOwner(Protocol):
    """What trust on first use needs from the transport: its settings, audit log, a note."""

    settings: Settings
    audit: AuditLog
    learned_host_key: str | None


@dataclass(slots=True)
class SeenHostKey:
    """What asyncssh asked us to judge during one connection attempt (empty: nothing yet)."""

    host: str | None = None
    """The name asyncssh matched known_hosts against: HostKeyAlias or HostName."""
    addr: str = ""
    port: int = 22
    key: asyncssh.SSHKey | None = None


def known_hosts_path(settings: Settings) -> Path:
    return Path(settings.known_hosts or "~/.ssh/known_hosts").expanduser()


def known_hosts_option(settings: Settings) -> object:
    """What asyncssh gets as `known_hosts`: never None, which would disable checking.

    A missing file trusts nothing (so the key is refused with our explanation).
    """
    if settings.known_hosts_text is not None:
        return asyncssh.import_known_hosts(settings.known_hosts_text)
    path = known_hosts_path(settings)
    if not path.exists():
        return asyncssh.import_known_hosts("")
    return path.as_posix()


def _load(settings: Settings) -> asyncssh.SSHKnownHosts:
    """The known_hosts in force now; raises ValueError/OSError if it cannot be read."""
    if settings.known_hosts_text is not None:
        return asyncssh.import_known_hosts(settings.known_hosts_text)
    path = known_hosts_path(settings)
    if not path.exists():
        return asyncssh.import_known_hosts("")
    return asyncssh.read_known_hosts(path.as_posix())


@dataclass(slots=True)
class Recorded:
    """What known_hosts says about one server, under any of its names."""

    keys: list[asyncssh.SSHKey]
    """Host keys and certificate authorities recorded for it."""
    revoked: list[asyncssh.SSHKey]
    anchors: int
    """All trust anchors (keys, CAs, X.509 certificates and subjects): 0 means a new host."""


def recorded_for(settings: Settings, host: str, addr: str, port: int) -> Recorded:
    """Everything known_hosts holds for `host`, `addr` or the configured name, at `port`.

    Matching is asyncssh's own (plain, pattern, hashed and `@cert-authority` entries; a
    port-less entry counts when none names the port). Raises ValueError/OSError when
    known_hosts cannot be read, so that a caller can refuse rather than guess.
    """
    known = _load(settings)
    match_port = None if port == 22 else port
    keys: list[asyncssh.SSHKey] = []
    revoked: list[asyncssh.SSHKey] = []
    anchors = 0
    # `match` drops the revocations it found under the port when it falls back to port-less
    # entries, so asyncssh never sees them; `_match` per port keeps them (asyncssh >= 2.14).
    exact = getattr(known, "_match", None)
    for name, address in {(host, addr), (settings.host, "")}:
        host_keys, ca_keys, bad, certs, _, subjects, _ = known.match(name, address, match_port)
        keys += [*host_keys, *ca_keys]
        revoked += bad
        if exact is not None and match_port is not None:
            revoked += exact(name, address, match_port)[2] + exact(name, address)[2]
        anchors += len(host_keys) + len(ca_keys) + len(certs) + len(subjects)
    return Recorded(keys, revoked, anchors)


def _target(host: str, port: int) -> str:
    """How known_hosts and `ssh-keygen -R` name a server."""
    return host if port == 22 else f"[{host}]:{port}"


def _resolved(settings: Settings) -> tuple[str, int, str | None]:
    """(address, port, HostKeyAlias) as asyncssh resolves them through `~/.ssh/config`."""
    try:
        options = asyncssh.SSHClientConnectionOptions(
            config=() if settings.use_ssh_config else None,
            host=settings.host,
            port=settings.port if settings.port is not None else (),
            username=settings.user if settings.user is not None else (),
            known_hosts=None,
            client_keys=None,
            agent_path=None,
        )
    except (ValueError, OSError, asyncssh.Error):
        return settings.host, settings.port or 22, None
    return options.host, options.port, options.host_key_alias


async def describe_untrusted_key(settings: Settings, seen: SeenHostKey | None = None) -> str:
    """Explain a host-key refusal: the real address and port, the key offered, what to do.

    `seen` is what asyncssh validated; without it (a revoked key is refused before we are
    asked) the address and port are resolved as asyncssh does and the key is fetched.
    """
    address, port, alias = _resolved(settings)
    if seen is not None and seen.host is not None:
        port = seen.port
    name = seen.host if seen is not None and seen.host else (alias or address)
    key = seen.key if seen is not None else None
    if key is None:
        with contextlib.suppress(TimeoutError, OSError, asyncssh.Error, ValueError):
            key = await asyncio.wait_for(
                asyncssh.get_server_host_key(address, port, config=None), settings.connect_timeout
            )
    target = _target(name, port)
    shown = target if settings.host in (name, address) else f"{target} (ssh config Host {settings.host})"
    known = settings.known_hosts or "~/.ssh/known_hosts"
    offered = (
        f"the server offered {key.get_algorithm()} key {key.get_fingerprint('sha256')}"
        if key is not None
        else f"the server's key could not be fetched from {address} port {port}"
    )
    try:
        recorded = recorded_for(settings, name, seen.addr if seen is not None else "", port)
    except (OSError, ValueError, asyncssh.Error) as exc:
        return f"host key of {shown} is not trusted: {offered}; {known} cannot be read: {exc}"
    if key is not None and key in recorded.revoked:
        return f"host key of {shown} is REVOKED in {known}: {offered}. logtui refuses to connect."
    if recorded.anchors:
        return (
            f"HOST KEY CHANGED for {shown}: {offered}, which is NOT the key recorded in "
            f"{known}. Someone may be intercepting the connection. logtui refuses to connect. "
            f"If the server was really re-installed, remove the old key with "
            f"`ssh-keygen -R '{target}'` and trust the new one after checking its fingerprint."
        )
    connect_once = f"ssh {settings.host}" if shown != target else f"ssh -p {port} {address}"
    keyscan = (
        f"`ssh-keyscan -p {port} {address} >> {known}` (or connect once with `{connect_once}`)"
        if name == address
        else f"connecting once with `{connect_once}`"
    )
    return (
        f"host key of {shown} is not trusted: {offered}. If that fingerprint is your "
        f"server's, trust it with {keyscan}, then try again; or let logtui remember it with "
        "--trust-new-host-key (LOGTUI_TRUST_NEW_HOST_KEYS=1)."
    )


def _append_line(path: Path, line: str) -> None:
    """Append one known_hosts line, starting a new line if the file does not end with one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with path.open("a+b") as handle:
        handle.seek(0, 2)
        if handle.tell() > 0:
            handle.seek(-1, 2)
            if handle.read(1) != b"\n":
                line = "\n" + line
        handle.write(line.encode())


class HostKeyClient(asyncssh.SSHClient):
    """The asyncssh client of every connection: notes the key it is asked to judge.

    asyncssh asks only about a key known_hosts does not trust. With trust on first use
    (LOGTUI_TRUST_NEW_HOST_KEYS=1 or --trust-new-host-key) the key of a host that known_hosts
    knows nothing about, under any of its names, is trusted and remembered; a host it knows
    with another key is refused, always.
    """

    def __init__(self, owner: KeyOwner, seen: SeenHostKey) -> None:
        self._owner = owner
        self._seen = seen

    def validate_host_ca_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        self._seen.host, self._seen.addr, self._seen.port = host, addr, port
        return False  # a certificate authority is never trusted on first use

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        self._seen.host, self._seen.addr, self._seen.port, self._seen.key = host, addr, port, key
        settings = self._owner.settings
        if not settings.trust_new_host_keys or settings.known_hosts_text is not None:
            return False
        try:
            recorded = recorded_for(settings, host, addr, port)
        except (OSError, ValueError, asyncssh.Error):
            return False  # cannot tell new from changed: refuse
        if key in recorded.revoked:
            return False  # asyncssh misses a revocation under the port when no key is there
        if recorded.anchors:
            # known under one of its names: another key is CHANGED; the same key was just
            # recorded by a concurrent connection of ours
            return key in recorded.keys
        path = known_hosts_path(settings)
        algorithm, blob = key.export_public_key("openssh").decode().split()[:2]
        _append_line(path, f"{_target(host, port)} {algorithm} {blob}\n")
        self._owner.learned_host_key = key.get_fingerprint("sha256")
        self._owner.audit.host_key_learned(
            host=settings.label, fingerprint=self._owner.learned_host_key, known_hosts=str(path)
        )
        return True
