"""A hostile SSH "docker" host for tests: it answers whatever the test scripts.

Modelled on `logtui.simhost.SimulatedHost` (asyncssh on 127.0.0.1, in this process, a
fresh host key and client key), but nothing here is realistic on purpose: a test maps a
command-line prefix ("docker ps", "docker logs", "docker inspect", "docker stats") to a
`Reply` (stdout bytes, stderr bytes, exit status, optionally streamed in chunks), and can
make the server misbehave before any command runs:

- `disconnect=Disconnect(code, reason, when)` sends an SSH disconnect with `reason` (any
  text the test likes) right after the version exchange ("connect", before key exchange:
  the client has checked no host key yet), while authenticating ("auth"; with
  code 14, `DISC_NO_MORE_AUTH_METHODS_AVAILABLE`, the client reports an authentication
  failure carrying the reason), right after authentication ("authenticated"), or on the
  first command ("command").
- `banner=` sends an authentication banner.

Commands are recorded, never validated: a hostile server does not care what it was asked.
`settings()` gives `RemoteDocker` its settings, `environment(dir)` gives the `LOGTUI_*`
variables that `LogInterface`, `ProductionLogCollector` and `logtui.cli.main` read, and
`serving(...)` runs the server on its own loop thread for synchronous code under test.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import asyncssh
from scripted import write_client_files

from logtui.config import Settings
from logtui.loop_thread import LoopThread
from logtui.simhost.client import LOOPBACK, client_settings, known_hosts_entry
from logtui.simhost.server import listen_locked_down, public_key_line

HOSTILE = (
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ "
    "\x1b[2J\x1b]0;pwned\x07 \x9b31m\u009d8;;https://c1.example/\u009c "
    "[link=https://markup.example/]markup link[/link] [bold red]markup[/] "
    "\u202eevil\u202c zero\u200bwidth\ufeff\r\nlogtui: all is well"
)
"""Server text that tries every trick: OSC 8 hyperlinks (7-bit and C1), clearing the
screen, a window title, a C1 CSI, Rich markup (a link and styles), a bidi override,
invisible characters and a line of its own. A terminal must show it as plain text."""

GONE = (OSError, asyncssh.Error, ConnectionError, EOFError)
"""What writing to a channel whose connection has gone away may raise."""


@dataclass(frozen=True)
class Reply:
    """What `docker` answers to one command line."""

    stdout: bytes = b""
    stderr: bytes = b""
    exit_status: int = 0
    chunk: int = 0
    """Above 0: stdout is written this many bytes at a time, each drained (flow control)."""


@dataclass(frozen=True)
class Disconnect:
    """An SSH disconnect the server sends instead of behaving."""

    code: int
    reason: str
    when: Literal["connect", "auth", "authenticated", "command"] = "connect"


Script = Mapping[str, Reply | tuple[bytes, bytes, int]]
"""Command-line prefix -> reply; the longest matching prefix answers."""

UNSCRIPTED = Reply(stderr=b"hostile_server: no reply scripted for this command\n", exit_status=127)


class _Server(asyncssh.SSHServer):
    def __init__(self, host: HostileServer) -> None:
        self._host = host
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._host._connections.add(conn)
        if self._host.banner is not None:
            conn.send_auth_banner(self._host.banner)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._host._connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        if self._conn is not None:
            self._host._disconnect_if(self._conn, "auth")
        return True

    def auth_completed(self) -> None:
        if self._conn is not None:
            self._host._disconnect_if(self._conn, "authenticated")

    def password_auth_supported(self) -> bool:
        return False


class HostileServer:
    """An SSH server on 127.0.0.1 whose `docker` says whatever `script` says."""

    def __init__(
        self,
        script: Script | None = None,
        *,
        disconnect: Disconnect | None = None,
        banner: str | None = None,
    ) -> None:
        self.script: dict[str, Reply] = {
            prefix: reply if isinstance(reply, Reply) else Reply(*reply)
            for prefix, reply in (script or {}).items()
        }
        self.disconnect = disconnect
        self.banner = banner
        self.port = 0
        self.commands_received: list[str] = []
        self.host_public_key_line = ""
        self.client_key_text = ""
        """The client's private key (OpenSSH text), the only key this host accepts."""
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._plain: asyncio.Server | None = None
        self._plain_tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = asyncssh.generate_private_key("ssh-ed25519")
        self.host_public_key_line = public_key_line(host_key)
        self.client_key_text = client_key.export_private_key("openssh").decode()
        if self.disconnect is not None and self.disconnect.when == "connect":
            self._plain = await asyncio.start_server(self._disconnect_at_once, LOOPBACK, 0)
            self.port = self._plain.sockets[0].getsockname()[1]
            return
        self._acceptor = await listen_locked_down(
            0, host_key, client_key, lambda: _Server(self), process_factory=self._handle
        )
        self.port = self._acceptor.get_port()

    async def stop(self) -> None:
        if self._plain is not None:
            self._plain.close()
            await self._plain.wait_closed()
            self._plain = None
        for task in list(self._plain_tasks):  # Python 3.11's wait_closed does not wait for them
            task.cancel()
        if self._plain_tasks:
            await asyncio.wait(self._plain_tasks)
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None
        for conn in list(self._connections):
            conn.abort()
        self._connections.clear()

    async def __aenter__(self) -> HostileServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- what a client needs -----------------------------------------------------------------

    @property
    def known_hosts_text(self) -> str:
        return known_hosts_entry(self.port, self.host_public_key_line)

    def settings(self, *, audit_log: Path | None = None, **overrides: Any) -> Settings:
        """Settings that reach this host, as `SimulatedHost.settings` gives them."""
        return client_settings(
            self.port, self.client_key_text, self.known_hosts_text, audit_log=audit_log, **overrides
        )

    def environment(self, directory: Path) -> dict[str, str]:
        """Key and known_hosts files in `directory`, and the LOGTUI_* variables using them."""
        return write_client_files(self, directory, prefix="hostile_")

    # -- misbehaving -------------------------------------------------------------------------

    def reply_for(self, line: str) -> Reply:
        """The reply of the longest scripted prefix of `line`."""
        matches = [prefix for prefix in self.script if line.startswith(prefix)]
        return self.script[max(matches, key=len)] if matches else UNSCRIPTED

    def _disconnect_if(self, conn: asyncssh.SSHServerConnection, when: str) -> bool:
        if self.disconnect is None or self.disconnect.when != when:
            return False
        conn.disconnect(self.disconnect.code, self.disconnect.reason)
        return True

    async def _disconnect_at_once(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Version exchange, then a clear-text SSH_MSG_DISCONNECT before any key exchange.

        asyncssh's own server cannot send one that early (it resets the socket instead), so
        the packet is written by hand (RFC 4253 section 6, no MAC yet): the client has seen
        no host key when it gets the reason.
        """
        assert self.disconnect is not None
        task = asyncio.current_task()
        assert task is not None
        self._plain_tasks.add(task)
        task.add_done_callback(self._plain_tasks.discard)
        try:
            writer.write(b"SSH-2.0-hostile\r\n")
            await reader.readline()
            reason = self.disconnect.reason.encode("utf-8", "surrogateescape")
            payload = b"\x01" + struct.pack(">I", self.disconnect.code)
            payload += struct.pack(">I", len(reason)) + reason + struct.pack(">I", 0)
            padding = 8 - (5 + len(payload)) % 8
            padding += 8 if padding < 4 else 0
            packet = struct.pack(">IB", 1 + len(payload) + padding, padding) + payload + b"\0" * padding
            writer.write(packet)
            await writer.drain()
            await asyncio.wait_for(reader.read(), 2.0)  # until the client hangs up
        except (*GONE, TimeoutError, asyncio.CancelledError):
            pass  # the client hung up, or the server is stopping
        finally:
            writer.close()

    async def _handle(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        line = process.command or ""
        self.commands_received.append(line)
        conn = process.get_extra_info("connection")
        if conn is not None and self._disconnect_if(conn, "command"):
            return
        reply = self.reply_for(line)
        try:
            size = reply.chunk or len(reply.stdout) or 1
            for start in range(0, len(reply.stdout), size):
                if process.is_closing():
                    return
                process.stdout.write(reply.stdout[start : start + size])
                await process.stdout.drain()
            if reply.stderr:
                process.stderr.write(reply.stderr)
                await process.stderr.drain()
            if not process.is_closing():
                process.exit(reply.exit_status)
        except GONE:
            pass  # the client hung up, as a client facing a hostile server should


@contextmanager
def serving(
    script: Script | None = None, *, disconnect: Disconnect | None = None, banner: str | None = None
) -> Iterator[HostileServer]:
    """A `HostileServer` on its own loop thread, for synchronous code (the CLI, the API)."""
    loop = LoopThread("test-hostile-server")
    server = HostileServer(script, disconnect=disconnect, banner=banner)
    loop.run(server.start())
    try:
        yield server
    finally:
        loop.run(server.stop())
        loop.stop()


def ps_row(name: str, **fields: str) -> bytes:
    """One line of `docker ps --format '{{json .}}'` output (a running container by default)."""
    row = {
        "ID": "0123456789ab",
        "Names": name,
        "Image": "img:1",
        "State": "running",
        "Status": "Up 2 hours",
        "CreatedAt": "2025-08-16 14:00:00 +0000 UTC",
        "Ports": "",
    }
    row.update(fields)
    return json.dumps(row).encode() + b"\n"
