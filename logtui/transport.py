"""SSH transport: one verified asyncssh connection, many channels, guarded commands only.

Nothing else in logtui talks to asyncssh. `run` and `stream` accept only a
`GuardedCommand` and validate its line once more right before sending, so no code path
can send a command that did not pass the guard. Host keys are always verified.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh

from .audit import AuditLog
from .config import Settings
from .guard import GuardedCommand, validate_line
from .models import CommandResult


class ConnectionFailed(RuntimeError):
    """The server could not be reached, refused us, or the link dropped."""


class HostKeyNotTrusted(ConnectionFailed):
    """The server's host key is unknown, or differs from the one we trust."""


class CommandTimeout(RuntimeError):
    """A remote command did not finish within its timeout; its channel was closed."""


def _known_hosts_path(settings: Settings) -> Path:
    return Path(settings.known_hosts or "~/.ssh/known_hosts").expanduser()


def _known_hosts_option(settings: Settings) -> object:
    """What asyncssh gets as `known_hosts`: never None, which would disable checking.

    A missing file trusts nothing (so the key is refused with our explanation).
    """
    if settings.known_hosts_text is not None:
        return asyncssh.import_known_hosts(settings.known_hosts_text)
    path = _known_hosts_path(settings)
    if not path.exists():
        return asyncssh.import_known_hosts("")
    return path.as_posix()


def _client_keys(settings: Settings) -> list[object] | None:
    """Explicit keys from the settings, or None to let asyncssh use the agent and ~/.ssh."""
    if settings.key_text is not None:
        try:
            return [asyncssh.import_private_key(settings.key_text, settings.key_passphrase)]
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise ValueError(
                f"the SSH key in LOGTUI_SSH_KEY/HETZNER_SSH_KEY cannot be read: {exc}; "
                "check that it is a complete private key, and set LOGTUI_SSH_KEY_PASSPHRASE "
                "if it is encrypted"
            ) from None
    if settings.key_file is not None:
        try:
            return [asyncssh.read_private_key(settings.key_file, settings.key_passphrase)]
        except (asyncssh.KeyImportError, OSError, ValueError) as exc:
            raise ValueError(f"LOGTUI_SSH_KEY_FILE={settings.key_file!r} cannot be read: {exc}") from None
    return None


async def describe_untrusted_key(settings: Settings, port: int) -> str:
    """Explain a host-key refusal: the fingerprint offered and how to trust it."""
    target = settings.host if port == 22 else f"[{settings.host}]:{port}"
    known = settings.known_hosts or "~/.ssh/known_hosts"
    try:
        key = await asyncio.wait_for(
            asyncssh.get_server_host_key(settings.host, port), settings.connect_timeout
        )
    except (TimeoutError, OSError, asyncssh.Error):
        key = None
    offered = (
        f"the server offered {key.get_algorithm()} key {key.get_fingerprint('sha256')}"
        if key is not None
        else "the server's key could not be fetched"
    )
    changed = settings.known_hosts_text is None and bool(_trusted_keys_for(settings, port))
    if changed:
        return (
            f"HOST KEY CHANGED for {target}: {offered}, which is NOT the key recorded in "
            f"{known}. Someone may be intercepting the connection. logtui refuses to connect. "
            f"If the server was really re-installed, remove the old key with "
            f"`ssh-keygen -R '{target}'` and trust the new one after checking its fingerprint."
        )
    return (
        f"host key of {target} is not trusted: {offered}. If that fingerprint is your "
        f"server's, trust it with `ssh-keyscan -p {port} {settings.host} >> {known}` "
        f"(or connect once with `ssh -p {port} {settings.host}`), then try again; or let "
        "logtui remember it with --trust-new-host-key (LOGTUI_TRUST_NEW_HOST_KEYS=1)."
    )


def _trusted_keys_for(settings: Settings, port: int) -> list[object]:
    """Keys known_hosts already holds for this host (empty: the host is unknown)."""
    try:
        if settings.known_hosts_text is not None:
            trusted = asyncssh.import_known_hosts(settings.known_hosts_text)
        elif _known_hosts_path(settings).exists():
            trusted = asyncssh.read_known_hosts(_known_hosts_path(settings).as_posix())
        else:
            return []
    except (OSError, ValueError, asyncssh.Error):
        return []
    return list(trusted.match(settings.host, "", port)[0])


class _TrustOnFirstUse(asyncssh.SSHClient):
    """Accept the key of a host that known_hosts does not know yet, and remember it.

    Only used when the user asked for it (LOGTUI_TRUST_NEW_HOST_KEYS=1 or
    --trust-new-host-key). A host that known_hosts knows with another key is still refused.
    """

    def __init__(self, transport: SSHTransport) -> None:
        self._transport = transport

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        settings = self._transport.settings
        if _trusted_keys_for(settings, port):
            return False  # known with another key: changed, never trusted silently
        path = _known_hosts_path(settings)
        target = settings.host if port == 22 else f"[{settings.host}]:{port}"
        line = f"{target} {key.export_public_key('openssh').decode().split()[0]} "
        line += key.export_public_key("openssh").decode().split()[1] + "\n"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line)
        self._transport.learned_host_key = key.get_fingerprint("sha256")
        self._transport.audit.host_key_learned(
            host=settings.label, fingerprint=self._transport.learned_host_key, known_hosts=str(path)
        )
        return True


class SSHTransport:
    """A lazily opened, reused SSH connection that runs guarded commands only."""

    def __init__(self, settings: Settings, audit: AuditLog | None = None) -> None:
        self.settings = settings
        self.audit = audit or AuditLog(settings.audit_log)
        self._conn: asyncssh.SSHClientConnection | None = None
        self._lock = asyncio.Lock()
        self.connect_count = 0
        """How many connections were opened (reconnects included)."""
        self.learned_host_key: str | None = None
        """Fingerprint of a host key trusted on first use by this transport, if any."""

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def connect(self) -> None:
        """Open the connection if it is not open; raise ConnectionFailed or ValueError."""
        async with self._lock:
            if self.connected:
                return
            self._conn = await self._open()
            self.connect_count += 1

    async def _open(self) -> asyncssh.SSHClientConnection:
        s = self.settings
        options: dict[str, object] = {
            "known_hosts": _known_hosts_option(s),
            "connect_timeout": s.connect_timeout,
            "keepalive_interval": s.keepalive_interval,
            "keepalive_count_max": 3,
        }
        if s.port is not None:
            options["port"] = s.port
        if s.user is not None:
            options["username"] = s.user
        keys = _client_keys(s)
        if keys is not None:
            options["client_keys"] = keys
            options["agent_path"] = None
        if not s.use_ssh_config:
            options["config"] = None
        if s.trust_new_host_keys and s.known_hosts_text is None:
            options["client_factory"] = lambda: _TrustOnFirstUse(self)
        port = s.port or 22
        try:
            return await asyncssh.connect(s.host, **options)  # type: ignore[arg-type]
        except asyncssh.HostKeyNotVerifiable:
            raise HostKeyNotTrusted(await describe_untrusted_key(s, port)) from None
        except asyncssh.PermissionDenied as exc:
            raise ConnectionFailed(
                f"SSH authentication failed for {s.label}: {exc.reason}; check the user "
                "(LOGTUI_USER) and the key (LOGTUI_SSH_KEY, LOGTUI_SSH_KEY_FILE or ssh-agent)"
            ) from None
        except TimeoutError:
            raise ConnectionFailed(
                f"timed out after {s.connect_timeout:g}s connecting to {s.label}"
            ) from None
        except asyncssh.Error as exc:
            raise ConnectionFailed(f"SSH connection to {s.label} failed: {exc.reason}") from None
        except OSError as exc:
            raise ConnectionFailed(f"cannot connect to {s.label}: {exc.strerror or exc}") from None

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
            with contextlib.suppress(TimeoutError, asyncssh.Error, OSError):
                await asyncio.wait_for(conn.wait_closed(), 5)

    def _drop(self) -> None:
        """Forget a connection that failed, so the next command reconnects."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.abort()

    async def _process(self, command: GuardedCommand) -> asyncssh.SSHClientProcess:
        if not isinstance(command, GuardedCommand):
            raise TypeError("only GuardedCommand objects can be sent; build them with logtui.guard")
        validate_line(command.line)  # the last check before the wire
        await self.connect()
        assert self._conn is not None
        try:
            return await self._conn.create_process(command.line, encoding=None)
        except (asyncssh.Error, OSError) as exc:
            self._drop()
            raise ConnectionFailed(f"lost the connection to {self.settings.label}: {exc}") from None

    async def run(self, command: GuardedCommand, *, timeout: float | None = None) -> CommandResult:
        """Run a guarded command to completion; both output streams are kept apart."""
        timeout = self.settings.command_timeout if timeout is None else timeout
        started = time.monotonic()
        process = await self._process(command)
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            process.close()
            self._audit(command, None, 0, 0, started, "timeout")
            raise CommandTimeout(
                f"`{command.line}` did not finish within {timeout:g}s on {self.settings.label}; "
                "it was cancelled"
            ) from None
        except (asyncssh.Error, OSError) as exc:
            self._drop()
            self._audit(command, None, 0, 0, started, "connection_lost")
            raise ConnectionFailed(f"lost the connection to {self.settings.label}: {exc}") from None
        status = process.exit_status if process.exit_status is not None else 255
        out, err = bytes(stdout or b""), bytes(stderr or b"")
        self._audit(command, status, len(out), len(err), started, "completed")
        return CommandResult(command.line, status, out, err, time.monotonic() - started)

    async def stream(
        self, command: GuardedCommand, *, chunk_size: int = 65536
    ) -> AsyncIterator[tuple[str, bytes]]:
        """Yield ("stdout" | "stderr", chunk) as output arrives, then ("exit", status bytes).

        The last item is always ("exit", b"<status>"). Closing the iterator closes the
        channel, which stops `docker logs --follow` on the server.
        """
        started = time.monotonic()
        process = await self._process(command)
        queue: asyncio.Queue[tuple[str, bytes] | None] = asyncio.Queue(maxsize=64)
        counts = {"stdout": 0, "stderr": 0}

        async def pump(name: str, reader: asyncssh.SSHReader[bytes]) -> None:
            try:
                while chunk := await reader.read(chunk_size):
                    counts[name] += len(chunk)
                    await queue.put((name, chunk))
            finally:
                await queue.put(None)

        pumps = [
            asyncio.create_task(pump("stdout", process.stdout)),
            asyncio.create_task(pump("stderr", process.stderr)),
        ]
        outcome = "closed"
        status: int | None = None
        try:
            finished = 0
            while finished < 2:
                item = await queue.get()
                if item is None:
                    finished += 1
                    continue
                yield item
            for task in pumps:
                await task  # re-raise a read error, if any
            await process.wait_closed()
            status = process.exit_status if process.exit_status is not None else 255
            outcome = "completed"
            yield ("exit", str(status).encode())
        except (asyncssh.Error, OSError) as exc:
            outcome = "connection_lost"
            self._drop()
            raise ConnectionFailed(f"lost the connection to {self.settings.label}: {exc}") from None
        finally:
            for task in pumps:
                task.cancel()
            process.close()
            self._audit(command, status, counts["stdout"], counts["stderr"], started, outcome)

    def _audit(
        self,
        command: GuardedCommand,
        status: int | None,
        out: int,
        err: int,
        started: float,
        outcome: str,
    ) -> None:
        self.audit.command(
            host=self.settings.label,
            command=command.line,
            exit_status=status,
            bytes_out=out,
            bytes_err=err,
            duration_s=time.monotonic() - started,
            outcome=outcome,
        )
