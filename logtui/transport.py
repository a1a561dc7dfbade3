"""SSH transport: a pool of verified asyncssh connections, guarded commands only.

Nothing else in logtui sends commands. `run` and `stream` accept only a `GuardedCommand` and
validate its line once more right before sending, so no code path can send a command that
did not pass the guard. Host keys are always verified. Which connection carries a channel is
the pool's business (`logtui.pool`): it keeps each within the server's MaxSessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

import asyncssh

from .audit import AuditLog
from .config import Settings
from .guard import GuardedCommand, validate_line
from .hostkeys import HostKeyClient, SeenHostKey, describe_untrusted_key, known_hosts_option
from .models import CommandResult
from .pool import ChannelRefused, ConnectionFailed, HostKeyNotTrusted, HostPool, Slot
from .textsafe import one_line

__all__ = ["ChannelRefused", "CommandTimeout", "ConnectionFailed", "HostKeyNotTrusted", "SSHTransport"]

ONE_SHOT_PLACEMENTS = 8
"""Refused channels a one-shot command tries to place elsewhere before giving up."""

CHANNEL_CLOSE_WAIT_S = 2.0
"""How long a closed channel's place waits for the server's close before it is reused anyway."""


class CommandTimeout(RuntimeError):
    """A remote command did not finish within its timeout; its channel was closed."""


class OutputTooLarge(RuntimeError):
    """A command answered more than `run`'s `max_bytes`; the rest was not read, the channel closed."""


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
    """One host's pool of verified SSH connections, running guarded commands only.

    `run` and `stream` accept only a `GuardedCommand`; each command gets a channel from the
    pool (`logtui.pool`), which keeps every connection within the server's session limit.
    """

    def __init__(
        self, settings: Settings, audit: AuditLog | None = None, handshakes: asyncio.Semaphore | None = None
    ) -> None:
        """`handshakes`: shared by several hosts' transports to bound logins in flight at once."""
        self.settings = settings
        self.audit = audit or AuditLog(settings.audit_log)
        self._handshakes = handshakes
        self.pool = HostPool(
            self._open,
            max_sessions=settings.max_sessions,
            max_connections=settings.max_connections,
            label=settings.label,
        )
        self.learned_host_key: str | None = None
        """Fingerprint of a host key trusted on first use by this transport, if any."""

    @property
    def connect_count(self) -> int:
        """How many connections were opened (reconnects and pool growth included)."""
        return self.pool.opened

    @property
    def connected(self) -> bool:
        return self.pool.alive

    async def connect(self) -> None:
        """Open the first connection if none is open; raise ConnectionFailed or ValueError."""
        await self.pool.ensure_connected()

    async def reserve_stream(self) -> Slot | None:
        """A channel place for a long-lived stream, or None when every connection is full."""
        return await self.pool.reserve(live=True)

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
            async with self._handshakes or contextlib.nullcontext():
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
        await self.pool.close()

    async def _open_channel(self, command: GuardedCommand, slot: Slot) -> asyncssh.SSHClientProcess:
        """Start `command` on the slot's connection; the slot is released if this fails."""
        if not isinstance(command, GuardedCommand):
            slot.release()
            raise TypeError("only GuardedCommand objects can be sent; build them with logtui.guard")
        validate_line(command.line)  # the last check before the wire
        slot.sending()
        try:
            process = await slot.connection.conn.create_process(command.line, encoding=None)
        except asyncssh.ChannelOpenError as exc:
            if not slot.connection.alive:  # the connection went away under the open
                self.pool.lost(slot.connection)
                slot.release()
                raise ConnectionFailed(
                    f"lost the connection to {self.settings.label}: {one_line(exc.reason)}"
                ) from None
            self.pool.refused(slot)
            raise ChannelRefused(
                f"{self.settings.label} refused channel {slot.connection.in_use + 1} on connection "
                f"{slot.connection.number}: {exc.reason}"
            ) from None
        except (asyncssh.Error, OSError) as exc:
            self.pool.lost(slot.connection)
            slot.release()
            raise ConnectionFailed(f"lost the connection to {self.settings.label}: {exc}") from None
        except BaseException:  # cancelled while the server answered: give the place back
            slot.release()
            raise
        slot.accepted()
        return process

    async def _one_shot(self, command: GuardedCommand) -> tuple[asyncssh.SSHClientProcess, Slot]:
        """A channel for a command that ends by itself: any connection, waiting for room if needed."""
        if not isinstance(command, GuardedCommand):
            raise TypeError("only GuardedCommand objects can be sent; build them with logtui.guard")
        for attempt in range(ONE_SHOT_PLACEMENTS):
            slot = await self.pool.reserve(live=False)
            assert slot is not None
            try:
                return await self._open_channel(command, slot), slot
            except ChannelRefused:
                # The connection holds fewer than we thought (its limit is lowered now), or
                # a session that just closed is not freed yet: place it again shortly.
                await asyncio.sleep(0.1 * attempt)
        raise ChannelRefused(
            f"{self.settings.label} refused {ONE_SHOT_PLACEMENTS} channels in a row for `{command.line}`"
        )

    async def _closed(self, process: asyncssh.SSHClientProcess, slot: Slot) -> None:
        """Close the channel and give its place back once the server has closed it too.

        The server frees the session only then; reusing the place earlier would be refused.
        """
        try:
            if process.exit_status is None and process.exit_signal is None:
                # OpenSSH keeps a session (and its MaxSessions place) until the command
                # exits, and a `docker logs --follow` of a quiet container notices a closed
                # channel only when it next writes: ask it to stop now. (A forced command
                # such as logtui-guard is refused the signal and ends on the hang-up itself.)
                with contextlib.suppress(asyncssh.Error, OSError, ValueError):
                    process.send_signal("TERM")
            process.close()
            task = asyncio.current_task()
            if task is None or not task.cancelling():  # shutting down: nothing will reuse it
                with contextlib.suppress(TimeoutError, asyncssh.Error, OSError):
                    await asyncio.wait_for(process.wait_closed(), CHANNEL_CLOSE_WAIT_S)
        finally:
            slot.release()

    async def run(
        self, command: GuardedCommand, *, timeout: float | None = None, max_bytes: int | None = None
    ) -> CommandResult:
        """Run a guarded command to completion; both output streams are kept apart.

        With `max_bytes`, output is read as it arrives and more than that (both streams
        together) raises OutputTooLarge: a hostile server's endless answer is never held.
        """
        timeout = self.settings.command_timeout if timeout is None else timeout
        started = time.monotonic()
        process, slot = await self._one_shot(command)
        number = slot.connection.number

        async def read_all() -> tuple[bytes, bytes]:
            if max_bytes is None:
                return await process.communicate()
            got = {"stdout": bytearray(), "stderr": bytearray()}

            async def pump(name: str, reader: asyncssh.SSHReader[bytes]) -> None:
                while chunk := await reader.read(1 << 16):
                    got[name] += chunk
                    if len(got["stdout"]) + len(got["stderr"]) > max_bytes:
                        what = " ".join(command.line.split()[:2])
                        raise OutputTooLarge(
                            f"`{what}` on {self.settings.label} answered more than "
                            f"{max_bytes / (1 << 20):g} MiB; refusing to read it"
                        )

            streams = (("stdout", process.stdout), ("stderr", process.stderr))
            pumps = [asyncio.ensure_future(pump(name, reader)) for name, reader in streams]
            try:
                await asyncio.gather(*pumps)
            finally:
                for task in pumps:
                    task.cancel()
            await process.wait_closed()
            return bytes(got["stdout"]), bytes(got["stderr"])

        try:
            stdout, stderr = await asyncio.wait_for(read_all(), timeout)
        except OutputTooLarge:
            self._audit(command, None, 0, 0, started, "too_large", number)
            raise
        except TimeoutError:
            self._audit(command, None, 0, 0, started, "timeout", number)
            raise CommandTimeout(
                f"`{command.line}` did not finish within {timeout:g}s on {self.settings.label}; "
                "it was cancelled"
            ) from None
        except (asyncssh.Error, OSError) as exc:
            self.pool.lost(slot.connection)
            self._audit(command, None, 0, 0, started, "connection_lost", number)
            raise ConnectionFailed(f"lost the connection to {self.settings.label}: {exc}") from None
        finally:
            await self._closed(process, slot)
        status = process.exit_status if process.exit_status is not None else 255
        out, err = bytes(stdout or b""), bytes(stderr or b"")
        self._audit(command, status, len(out), len(err), started, "completed", number)
        return CommandResult(command.line, status, out, err, time.monotonic() - started)

    async def stream(
        self,
        command: GuardedCommand,
        *,
        chunk_size: int = 65536,
        slot: Slot | None = None,
        on_open: Callable[[], None] | None = None,
    ) -> AsyncIterator[tuple[str, bytes]]:
        """Yield ("stdout" | "stderr", chunk) as output arrives, then ("exit", status bytes).

        `slot`: a place from `reserve_stream` for a long-lived stream (it is consumed: given
        back when the channel closes); without one, the command is a one-shot. The last item
        is always ("exit", b"<status>"). Closing the iterator closes the channel, which stops
        `docker logs --follow` on the server. `on_open` is called once the channel is open.
        """
        started = time.monotonic()
        if slot is None:
            process, slot = await self._one_shot(command)
        else:
            process = await self._open_channel(command, slot)
        if on_open is not None:
            on_open()
        number = slot.connection.number
        queue: asyncio.Queue[tuple[str, bytes] | None] = asyncio.Queue(maxsize=64)
        counts = {"stdout": 0, "stderr": 0}

        async def pump(name: str, reader: asyncssh.SSHReader[bytes]) -> None:
            try:
                while chunk := await reader.read(chunk_size):
                    counts[name] += len(chunk)
                    await queue.put((name, chunk))
            finally:
                task = asyncio.current_task()
                if task is None or not task.cancelling():  # cancelled: nobody reads the queue,
                    await queue.put(None)  # and a full one would hold this task (and it) forever

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
            if process.exit_status is None and process.exit_signal is None and not slot.connection.alive:
                # The output ended because the connection did, not the command: a lost
                # connection (resumed), not a docker failure with a made-up status.
                outcome = "connection_lost"
                self.pool.lost(slot.connection)
                raise ConnectionFailed(f"lost the connection to {self.settings.label}")
            status = process.exit_status if process.exit_status is not None else 255
            outcome = "completed"
            yield ("exit", str(status).encode())
        except (asyncssh.Error, OSError) as exc:
            outcome = "connection_lost"
            self.pool.lost(slot.connection)
            raise ConnectionFailed(f"lost the connection to {self.settings.label}: {exc}") from None
        finally:
            for task in pumps:
                task.cancel()
            self._audit(command, status, counts["stdout"], counts["stderr"], started, outcome, number)
            await self._closed(process, slot)

    def _audit(
        self,
        command: GuardedCommand,
        status: int | None,
        out: int,
        err: int,
        started: float,
        outcome: str,
        connection: int,
    ) -> None:
        self.audit.command(
            host=self.settings.label,
            command=command.line,
            exit_status=status,
            bytes_out=out,
            bytes_err=err,
            duration_s=time.monotonic() - started,
            outcome=outcome,
            connection=connection,
        )
