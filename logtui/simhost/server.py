"""The simulated host's SSH server: asyncssh on 127.0.0.1, any port, in this process.

Every exec request goes through the same guard as the client (`validate_line`): a refused
line gets `logtui-guard: <reason>` on stderr and exit status 126, and nothing runs. An
accepted line runs on `SimDocker`, whose stdout and stderr go to the channel's stdout and
stderr as raw bytes (invalid UTF-8 passes through). Only the generated client key may log
in; passwords, keyboard-interactive, port forwarding and subsystems are all refused.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncssh

from ..config import Settings
from ..guard import CommandRefused, validate_line
from .client import LOOPBACK, client_settings, known_hosts_entry
from .docker_cli import DockerResult, LogFollow, SimDocker, refused
from .workload import Clock, Container, default_containers

_GONE = (OSError, asyncssh.Error, ConnectionError, EOFError)
"""What writing to a channel whose connection has gone away may raise."""


def public_key_line(key: asyncssh.SSHKey) -> str:
    """`algorithm base64` of `key`'s public half, no comment: what a known_hosts line holds."""
    algorithm, blob = key.export_public_key("openssh").decode().split()[:2]
    return f"{algorithm} {blob}"


async def listen_locked_down(
    port: int,
    host_key: asyncssh.SSHKey,
    client_key: asyncssh.SSHKey,
    server_factory: Callable[[], asyncssh.SSHServer],
    **extra: Any,
) -> asyncssh.SSHAcceptor:
    """Listen on `LOOPBACK`:`port` (0: any free) for `client_key` alone.

    Raw bytes in and out; no password or keyboard-interactive login, no scp, no agent or X11
    forwarding, no line editor. `extra`: more `asyncssh.listen` options (a process factory).
    """
    return await asyncssh.listen(
        LOOPBACK,
        port,
        server_host_keys=[host_key],
        authorized_client_keys=asyncssh.import_authorized_keys(
            client_key.export_public_key("openssh").decode()
        ),
        server_factory=server_factory,
        encoding=None,
        allow_scp=False,
        password_auth=False,
        kbdint_auth=False,
        agent_forwarding=False,
        x11_forwarding=False,
        line_editor=False,
        **extra,
    )


class _CountedProcess(asyncssh.SSHServerProcess):  # type: ignore[type-arg]
    """A session that frees its place in the connection's session count when it closes."""

    def __init__(self, server: _Server) -> None:
        super().__init__(server._host._handle, None, 0, False)
        self._server = server

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.sessions -= 1
        super().connection_lost(exc)


class _Server(asyncssh.SSHServer):
    """Keeps track of live connections so that `drop_connections` can cut them.

    Like OpenSSH's `MaxSessions`, it refuses a session channel beyond the host's
    `max_sessions` open on one connection.
    """

    def __init__(self, host: SimulatedHost) -> None:
        self._host = host
        self._conn: asyncssh.SSHServerConnection | None = None
        self.sessions = 0

    def session_requested(self) -> asyncssh.SSHServerSession | bool:
        if self.sessions >= self._host.max_sessions:
            self._host.sessions_refused += 1
            return False
        self.sessions += 1
        return _CountedProcess(self)

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._host._connections.add(conn)
        self._host.peak_connections = max(self._host.peak_connections, len(self._host._connections))

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._host._connections.discard(self._conn)

    def password_auth_supported(self) -> bool:
        return False


class SimulatedHost:
    """A production server stand-in: SSH on 127.0.0.1, docker with realistic containers."""

    def __init__(
        self,
        containers: Iterable[Container] | None = None,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        poll_interval: float = 0.1,
        port: int = 0,
        max_sessions: int = 10,
        client_key_text: str | None = None,
    ) -> None:
        """`containers=None` gives the demo workload; `[]` an empty host to script.

        `port=0` (the default) lets the system pick a free port; `port` tells which.
        `max_sessions`: session channels one connection may hold, as OpenSSH's default.
        `client_key_text`: the client key to accept (several hosts sharing one key, as a
        fleet does); by default a fresh one.
        """
        chosen = default_containers(seed) if containers is None else list(containers)
        self.docker: SimDocker = SimDocker.with_containers(chosen)
        if clock is not None:
            self.docker.clock = clock
        self.seed = seed
        self.poll_interval = poll_interval
        self.port: int = port
        self.max_sessions = max_sessions
        self.sessions_refused = 0
        self.peak_connections = 0
        """The most SSH connections that were open at once."""
        """Session channels refused for being over `max_sessions` on their connection."""
        self.host_public_key_line: str = ""
        self.commands_received: list[str] = []
        """Every command line that arrived, refused or not, in order."""
        self.commands_refused: list[str] = []
        self._client_key_text = client_key_text or ""
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Generate fresh keys and listen on 127.0.0.1 at a free port."""
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = (
            asyncssh.import_private_key(self._client_key_text)
            if self._client_key_text
            else asyncssh.generate_private_key("ssh-ed25519", comment="logtui-sim-client")
        )
        self.host_public_key_line = public_key_line(host_key)
        self._client_key_text = client_key.export_private_key("openssh").decode()
        self._acceptor = await listen_locked_down(self.port, host_key, client_key, lambda: _Server(self))
        self.port = self._acceptor.get_port()

    async def stop(self) -> None:
        """Stop listening, cut every connection, and wait for every command to finish."""
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None
        self.drop_connections()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=2.0)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)

    async def __aenter__(self) -> SimulatedHost:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def drop_connections(self) -> None:
        """Abort every open connection, as a network cut would; keep listening."""
        for conn in list(self._connections):
            conn.abort()
        self._connections.clear()

    # -- what a client needs -----------------------------------------------------------------

    @property
    def client_key_text(self) -> str:
        """The client's private key, OpenSSH PEM text (the only key this host accepts)."""
        return self._client_key_text

    @property
    def known_hosts_text(self) -> str:
        return known_hosts_entry(self.port, self.host_public_key_line)

    def settings(self, *, audit_log: Path | None = None, **overrides: Any) -> Settings:
        """Settings that reach this host. Without `audit_log`, Settings' default path is used."""
        return client_settings(
            self.port, self._client_key_text, self.known_hosts_text, audit_log=audit_log, **overrides
        )

    # -- serving commands ------------------------------------------------------------------

    async def _handle(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._serve(process)
        except _GONE:
            pass  # the client or the network went away: nothing left to tell anyone
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _serve(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        line = process.command or ""
        self.commands_received.append(line)
        try:
            argv = validate_line(line)
        except CommandRefused as exc:
            self.commands_refused.append(line)
            result: DockerResult = refused(exc)
        else:
            result = self.docker.run(argv)
        if not await self._write(process, result.chunks):
            return
        if result.follow is not None:
            await self._follow(process, result.follow)
        if not process.is_closing():
            process.exit(result.exit_status)

    async def _write(
        self, process: asyncssh.SSHServerProcess[bytes], chunks: Iterable[tuple[str, bytes]]
    ) -> bool:
        """Write chunks with flow control; False once the channel is gone."""
        for stream, data in chunks:
            if process.is_closing():
                return False
            writer = process.stdout if stream == "stdout" else process.stderr
            writer.write(data)
            await writer.drain()
        return not process.is_closing()

    async def _follow(self, process: asyncssh.SSHServerProcess[bytes], follow: LogFollow) -> None:
        """Stream new lines until the log ends or the channel closes."""
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def notify() -> None:
            loop.call_soon_threadsafe(wake.set)

        follow.add_listener(notify)
        try:
            while not follow.done and not process.is_closing():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), self.poll_interval)
                wake.clear()
                if not await self._write(process, follow.poll(self.docker.clock())):
                    return
        finally:
            follow.remove_listener(notify)
