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

import asyncssh

from .audit import AuditLog
from .config import Settings
from .guard import GuardedCommand, validate_line
from .hostkeys import HostKeyClient, SeenHostKey, describe_untrusted_key, known_hosts_option
from .models import CommandResult


class ConnectionFailed(RuntimeError):
    """The server could not be reached, refused us, or the link dropped."""


class HostKeyNotTrusted(ConnectionFailed):
    """The server's host key is unknown, or differs from the one we trust."""


class CommandTimeout(RuntimeError):
    """A remote command did not finish within its timeout; its channel was closed."""


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
        seen = SeenHostKey()
        options: dict[str, object] = {
            "known_hosts": known_hosts_option(s),
            "client_factory": lambda: HostKeyClient(self, seen),
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
        try:
            return await asyncssh.connect(s.host, **options)  # type: ignore[arg-type]
        except asyncssh.HostKeyNotVerifiable:
            raise HostKeyNotTrusted(await describe_untrusted_key(s, seen)) from None
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
