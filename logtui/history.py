"""History read as a stream: `docker logs` output handed on batch by batch, in time order.

A million lines of history are about 150 MB of text and, as objects, several times that.
The CLI and `RemoteDocker.logs` used to collect them all, then sort and print: peak memory
grew with the history. Here each chunk SSH delivers is parsed, merged with the other stream
(`TimeMerge`) and handed on as soon as its place in time is decided; what must wait goes to
a temporary file. The entries and their order are the same as collecting everything and
calling `merge_by_time`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from . import guard, spill
from .follow import MAX_PARSING
from .models import LogEntry
from .reader import AsyncReader
from .textsafe import server_message
from .time_merge import TimeMerge
from .transport import CommandTimeout

if TYPE_CHECKING:
    from .remote import RemoteDocker

LOGS_CHUNK = 1 << 18
"""Bytes read from a channel at once when fetching history: large reads, few calls."""
STREAMS = ("stdout", "stderr")


def _drop(readers: dict[str, AsyncReader]) -> None:
    """Forget the state of readers abandoned before their stream ended (in a parse process)."""
    for reader in readers.values():
        reader.drop()


async def log_batches(
    remote: RemoteDocker,
    name: str,
    *,
    since: str | None = None,
    until: str | None = None,
    tail: int | str | None = None,
    hold_bytes: int | None = None,
) -> AsyncIterator[list[LogEntry]]:
    """One container's logs, both streams, multi-line entries grouped, in time order, as
    batches handed on while the output arrives.

    `command_timeout` bounds silence, not length: the command is cancelled when the server
    sends nothing for that long (a long history may take minutes to read, which is fine).
    Docker's failure (non-zero exit) raises `RuntimeError` after what it did send.
    `hold_bytes`: raw bytes the two streams' waiting entries may hold in memory together
    before they go to a temporary file (default `spill.MEMORY_BYTES`).
    """
    command = remote.build_command(guard.docker_logs, name, since=since, until=until, tail=tail)
    readers = {s: remote.reader_factory(name, s, remote.settings.mask_secrets) for s in STREAMS}
    merge = TimeMerge(2, hold_bytes)
    parsing: deque[tuple[int, asyncio.Future[list[LogEntry]]]] = deque()
    status = 0
    timeout = remote.settings.command_timeout
    finished = False
    try:
        async with remote.parallel:
            stream = remote.transport.stream(command, chunk_size=LOGS_CHUNK)
            try:
                async with asyncio.timeout(timeout) as deadline:
                    async for kind, data in stream:
                        if kind == "exit":
                            status = int(data or b"0")
                            continue
                        parsing.append((STREAMS.index(kind), readers[kind].feed(data)))
                        while parsing and (parsing[0][1].done() or len(parsing) > MAX_PARSING):
                            source, entries = parsing.popleft()
                            merge.add(source, await entries)
                        batch = merge.ready()
                        if batch:
                            deadline.reschedule(None)  # the reader's time is not the server's
                            yield batch
                            while batch := merge.ready():
                                yield batch
                        deadline.reschedule(asyncio.get_running_loop().time() + timeout)
                    for source, entries in parsing:
                        merge.add(source, await entries)
            except TimeoutError:
                raise CommandTimeout(
                    f"`{command.line}` sent nothing for {timeout:g}s on {remote.settings.label}; "
                    "it was cancelled"
                ) from None
            finally:
                await stream.aclose()
            for source, kind in enumerate(STREAMS):
                merge.add(source, await readers[kind].close())
                merge.end(source)
            finished = True
        if status != 0:
            message = server_message(readers["stderr"].errors, f"exit status {status}")
            raise RuntimeError(f"docker on {remote.settings.label}: {message}")
        while batch := merge.ready():
            yield batch
    finally:
        if not finished:
            _drop(readers)
        merge.close()


async def logs_list(remote: RemoteDocker, name: str, **window: str | int | None) -> list[LogEntry]:
    """`log_batches` collected: the API's answer is a list (held whole anyway: nothing is
    spilled)."""
    entries: list[LogEntry] = []
    async for batch in log_batches(remote, name, **window, hold_bytes=sys.maxsize):  # type: ignore[arg-type]
        entries += batch
    return entries


async def merged_batches(
    remote: RemoteDocker, names: Sequence[str], since: str | None
) -> AsyncIterator[tuple[int, list[LogEntry]]]:
    """The logs of several containers read at once (up to the remote's parallel bound),
    merged in time order as `merge_by_time` over them in `names` order would: batches of
    (-1, entries)."""
    merge = TimeMerge(len(names))  # the sources share the memory bound
    try:
        async with contextlib.aclosing(container_batches(remote, names, since)) as arriving:
            async for source, batch in arriving:
                if source >= 0:
                    merge.add(source, batch)
                else:
                    merge.end(-source - 1)
                while batch := merge.ready():
                    yield -1, batch
    finally:
        merge.close()


async def each_batches(
    remote: RemoteDocker, names: Sequence[str], since: str | None
) -> AsyncIterator[tuple[int, list[LogEntry]]]:
    """The logs of several containers read at once, handed on container by container in
    `names` order: (index, entries) batches, all of container 0 before any of container 1
    (which waits in a `SpillQueue` meanwhile); (index, []) marks a container's end."""
    share = spill.MEMORY_BYTES // max(1, len(names))  # memory does not grow with the containers
    queues = [spill.SpillQueue(share) for _ in names]
    ended = [False] * len(names)
    current = 0
    try:
        async with contextlib.aclosing(container_batches(remote, names, since)) as arriving:
            async for source, batch in arriving:
                if source >= 0:
                    queues[source].append(batch)
                else:
                    ended[-source - 1] = True
                while current < len(names):
                    queue = queues[current]
                    while queue:
                        yield current, queue.take(4096)
                    if not ended[current]:
                        break
                    yield current, []
                    current += 1
    finally:
        for queue in queues:
            queue.close()


async def container_batches(
    remote: RemoteDocker, names: Sequence[str], since: str | None
) -> AsyncIterator[tuple[int, list[LogEntry]]]:
    """(index, batch) as each container's batches arrive, and (-index - 1, []) at its end;
    the first failure cancels the rest and is raised."""
    arrived: asyncio.Queue[tuple[int, list[LogEntry]] | BaseException] = asyncio.Queue(maxsize=64)
    reading = max(1, min(len(names), remote.max_parallel))
    hold = spill.MEMORY_BYTES // reading  # the reads at once share the memory bound

    async def read(index: int, name: str) -> None:
        batches = log_batches(remote, name, since=since, hold_bytes=hold)
        try:  # closed here, even when cancelled at `put`: its channel and files go with it
            async with contextlib.aclosing(batches):
                async for batch in batches:
                    await arrived.put((index, batch))
            await arrived.put((-index - 1, []))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the reader, which raises it
            await arrived.put(exc)

    tasks = [asyncio.create_task(read(i, n)) for i, n in enumerate(names)]
    try:
        left = len(names)
        while left:
            item = await arrived.get()
            if isinstance(item, BaseException):
                raise item
            if item[0] < 0:
                left -= 1
            yield item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
