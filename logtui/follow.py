"""Following one container: a live `docker logs --follow` channel, or polls in rotation.

Both ways deliver every line exactly once. A live stream that drops resumes from the last
stamp seen (`ResumePoint`); a container that gets no live channel (every connection of the
host's pool is full) is read with `docker logs --since <last stamp>` when its turn comes
(`FollowRotation`), through the same `ResumePoint`. A container moves between the two ways
without a gap or a duplicate: when a channel frees, when it is selected, or when it starts
writing while a live one has gone quiet.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from . import guard
from .models import LogEntry
from .pool import PoolClosed
from .reader import AsyncReader
from .rotation import Demoted, Lease
from .textsafe import server_message
from .transport import ChannelRefused, ConnectionFailed, HostKeyNotTrusted, Slot

if TYPE_CHECKING:
    from .remote import RemoteDocker

FLUSH_AFTER_S = 0.25
"""A held-back multi-line entry is released after this long without a new line."""

MAX_PARSING = 8
"""Chunks of one follow stream handed to its readers and not parsed yet, at most."""

PARSED_POLL_S = 0.01
"""While chunks are being parsed elsewhere, how often finished ones are looked for."""

SETTLED = "1s"
"""A poll reads up to the server's clock less this (`--until 1s`): a line that old has its
continuation lines already (as a live stream waits `FLUSH_AFTER_S` for them), so no entry is
cut in two between polls; the newer lines come with the next poll."""

REFUSED_PAUSE_S = 0.5
"""After a refused channel, how long a follow waits before it asks for a place again."""

STATE_MAX_AGE_S = 10.0
"""A polled container's running state (from `docker ps`) is refreshed when older than this."""

StateCallback = Callable[[str, str], None]
"""on_state(state, detail): 'connected', 'polled', 'reconnecting', 'ended' or 'failed'."""


SILENT_STREAM_MARGIN_S = 2
"""How much earlier a replay starts when one stream has shown nothing (`ResumePoint.timestamp`)."""


def shift_stamp(stamp: str, seconds: int) -> str:
    """A Docker RFC 3339 stamp (`2025-08-16T14:30:22.123456789Z`) moved by whole seconds."""
    base = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S") + timedelta(seconds=seconds)
    return base.strftime("%Y-%m-%dT%H:%M:%S") + stamp[19:]


class ResumePoint:
    """Where a follow stream resumes after a reconnect, without gap or duplicate.

    Docker's `--since` is inclusive, so the lines at the last timestamp seen come back;
    the raw lines already delivered at that timestamp are remembered and skipped.
    stdout and stderr arrive independently (one may lag the other), so each stream keeps
    its own mark and the replay starts at the older of the two.
    """

    def __init__(self, delivered: Iterable[LogEntry] = ()) -> None:
        """`delivered`: entries already held, in arrival order (a restarted stream's past)."""
        self._last: dict[str, str] = {}
        self._at_last: dict[str, dict[str, int]] = {}
        for entry in delivered:
            self.seen(entry)

    @property
    def timestamp(self) -> str:
        """Where the replay starts: the older stream's last stamp.

        A stream that has shown no line yet may have had one in flight at the cut (parsed
        but held, or in SSH's buffers), older than the other stream's mark: the replay then
        starts `SILENT_STREAM_MARGIN_S` earlier (the other stream's repeats are skipped).
        """
        start = min(self._last.values(), default="")
        if start and len(self._last) < 2:
            return shift_stamp(start, -SILENT_STREAM_MARGIN_S)
        return start

    def seen(self, entry: LogEntry) -> None:
        ts = entry.docker_timestamp
        last = self._last.get(entry.stream, "")
        if not ts or ts < last:
            return
        if ts != last:
            self._last[entry.stream] = ts
            self._at_last[entry.stream] = {}
        counts = self._at_last[entry.stream]
        counts[entry.raw_line] = counts.get(entry.raw_line, 0) + 1

    def seen_all(self, entries: list[LogEntry]) -> None:
        """`seen` of each entry in turn, for a batch at once: the live path calls it for
        every line on the UI's thread. Per stream only the newest stamp matters, and the raw
        lines at it (all of them come after the stamp first appears)."""
        stamps = [e.docker_timestamp for e in entries]
        for stream in {e.stream for e in entries}:
            at = [i for i, e in enumerate(entries) if e.stream == stream and stamps[i]]
            if not at:
                continue
            top = max(stamps[i] for i in at)
            last = self._last.get(stream, "")
            if top < last:
                continue
            if top != last:
                self._last[stream] = top
                self._at_last[stream] = {}
            counts = self._at_last[stream]
            for i in at:
                if stamps[i] == top:
                    raw = entries[i].raw_line
                    counts[raw] = counts.get(raw, 0) + 1

    def advance(self, stamp: str) -> None:
        """Both streams are complete up to `stamp` (a poll read everything up to its `--until`):
        a stream whose mark is older moves up to it, so the next read starts there."""
        for stream in ("stdout", "stderr"):
            if self._last.get(stream, "") < stamp:
                self._last[stream] = stamp
                self._at_last[stream] = {}

    def make_filter(self) -> Callable[[LogEntry], bool]:
        """A predicate for the replayed stream: False for entries already delivered."""
        cutoffs = dict(self._last)
        remaining = {stream: dict(counts) for stream, counts in self._at_last.items()}

        def fresh(entry: LogEntry) -> bool:
            ts = entry.docker_timestamp
            cutoff = cutoffs.get(entry.stream, "")
            if not cutoff or not ts or ts > cutoff:
                return True
            if ts < cutoff:
                return False
            counts = remaining[entry.stream]
            count = counts.get(entry.raw_line, 0)
            if count:
                counts[entry.raw_line] = count - 1
                return False
            return True

        return fresh


async def follow_container(
    remote: RemoteDocker,
    name: str,
    *,
    since: str | None,
    tail: int | str | None,
    on_state: StateCallback | None,
    max_retries: int | None,
    backoff: Iterable[float],
) -> AsyncIterator[list[LogEntry]]:
    """Yield batches of `name`'s new entries, live or polled (see `RemoteDocker.follow`)."""
    delays = list(backoff)
    resume = ResumePoint()
    rotation = remote.rotation
    notify = on_state or (lambda state, detail: None)
    attempt = 0
    polled_before = False
    demoted = False
    """A stream that gave its channel away polls once before it asks for one again."""
    try:
        while True:
            try:
                slot = None if demoted else await remote.transport.reserve_stream()
                if slot is None:
                    if not demoted:
                        rotation.make_room(name)  # a revoked stream frees its channel meanwhile
                    await rotation.turn(name, first=not polled_before)
                    if not demoted:
                        slot = await remote.transport.reserve_stream()
                demoted = False
                if slot is None:
                    running = await remote.is_running(name)
                    batch, ended = await _poll_once(remote, name, resume, since, tail, not running)
                    if not polled_before:
                        polled_before = True
                    notify("polled", f"every ~{rotation.cycle_s:.0f}s")
                    attempt = 0
                    if batch:
                        rotation.output(name)
                        yield batch
                    if ended:
                        notify("ended", f"{name}: log stream ended")
                        return
                    continue
                lease = rotation.went_live(name, slot.connection)
                async for batch in _live(remote, name, resume, since, tail, slot, lease, notify):
                    attempt = 0
                    rotation.output(name)
                    yield batch
                notify("ended", f"{name}: log stream ended")
                return
            except Demoted:
                demoted = True  # no backoff: polled from where the stream stopped
            except ChannelRefused:
                # No backoff: the channel goes elsewhere, or the container is polled. A short
                # pause, as a session that just closed may still hold the server's place.
                await asyncio.sleep(REFUSED_PAUSE_S)
            except (HostKeyNotTrusted, PoolClosed) as exc:
                notify("failed", str(exc))
                raise
            except ConnectionFailed as exc:
                attempt += 1
                if max_retries is not None and attempt > max_retries:
                    notify("failed", str(exc))
                    raise
                delay = delays[min(attempt - 1, len(delays) - 1)]
                notify("reconnecting", f"attempt {attempt} in {delay:g}s: {exc}")
                await asyncio.sleep(delay)
    finally:
        rotation.forget(name)


async def _poll_once(
    remote: RemoteDocker,
    name: str,
    resume: ResumePoint,
    since: str | None,
    tail: int | str | None,
    final: bool,
) -> tuple[list[LogEntry], bool]:
    """One `docker logs --since` read of a polled container: (new entries, has it ended).

    A running container is read up to a second ago (`SETTLED`); a stopped one to its end.
    """
    start = resume.timestamp
    fresh = resume.make_filter()
    entries = await remote.logs(
        name, since=start or since, until=None if final else SETTLED, tail=None if start else tail
    )
    batch = [e for e in entries if fresh(e)]
    resume.seen_all(batch)
    newest = max((e.docker_timestamp for e in entries), default="")
    if newest:
        resume.advance(newest)  # a quiet stream must not pin every later poll to its last line
    return batch, final


async def _live(
    remote: RemoteDocker,
    name: str,
    resume: ResumePoint,
    since: str | None,
    tail: int | str | None,
    slot: Slot,
    lease: Lease,
    notify: StateCallback,
) -> AsyncIterator[list[LogEntry]]:
    """A live channel from where the container's delivered lines end (polled or not)."""
    start = resume.timestamp
    fresh = resume.make_filter()
    try:
        command = remote.build_command(
            guard.docker_logs, name, since=start or since, tail=None if start else tail, follow=True
        )
    except BaseException:
        slot.release()
        raise
    try:
        async for batch in _follow_once(remote, command, name, notify, slot, lease):
            batch = [e for e in batch if fresh(e)]
            resume.seen_all(batch)
            if batch:
                yield batch
    finally:
        remote.rotation.left_live(name, lease)


def _drop(readers: dict[str, AsyncReader]) -> None:
    """Forget the state of readers abandoned before their stream ended (in a parse process)."""
    for reader in readers.values():
        reader.drop()


async def _follow_once(
    remote: RemoteDocker,
    command: guard.GuardedCommand,
    name: str,
    notify: StateCallback,
    slot: Slot,
    lease: Lease,
) -> AsyncIterator[list[LogEntry]]:
    """One `docker logs --follow` channel, parsed as it comes; held entries flushed when quiet.

    Raises `Demoted` when the rotation takes the channel back for another container.
    """
    make = remote.reader_factory
    label = remote.settings.label
    readers = {s: make(name, s, remote.settings.mask_secrets) for s in ("stdout", "stderr")}
    queue: asyncio.Queue[tuple[str, bytes] | BaseException | None] = asyncio.Queue(maxsize=32)
    parsing: deque[asyncio.Future[list[LogEntry]]] = deque()
    """Chunks handed to the readers whose entries are not yielded yet, in arrival order."""
    opened = asyncio.Event()

    async def pump() -> None:
        try:
            async for item in remote.transport.stream(command, slot=slot, on_open=opened.set):
                await queue.put(item)
            await queue.put(None)
        except BaseException as exc:  # handed to the consumer, re-raised there
            await queue.put(exc)

    task = asyncio.create_task(pump())
    status = 0
    ended = False
    announced = False
    fed: dict[str, float | None] = {"stdout": None, "stderr": None}
    """When each stream last brought data; None once its held entry was released."""
    try:
        while True:
            if lease.revoked.is_set():
                raise Demoted(name)
            if not announced and opened.is_set():
                announced = True
                notify("connected", label)
            while parsing and parsing[0].done():
                entries = await parsing.popleft()
                if entries:
                    yield entries
            if len(parsing) >= MAX_PARSING:
                entries = await parsing.popleft()  # the parser is behind: wait for it
                if entries:
                    yield entries
                continue
            try:
                # asyncio.timeout, not wait_for: Python 3.11's wait_for returns an item that
                # arrives as the task is cancelled and drops the cancel (the follow runs on).
                async with asyncio.timeout(PARSED_POLL_S if parsing else FLUSH_AFTER_S):
                    item = await queue.get()
            except TimeoutError:
                if not parsing:  # quiet: release held lines and the pending entries
                    fed = {"stdout": None, "stderr": None}
                    held = [e for r in readers.values() for e in await r.quiet()]
                    if held:
                        yield held
                continue
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            kind, data = item
            if kind == "exit":
                status = int(data or b"0")
                continue
            parsing.append(readers[kind].feed(data))
            # A stream quiet while the other is busy releases its held entry too (an ERROR
            # on stderr must not wait for the next stderr line while stdout flows).
            now = fed[kind] = asyncio.get_running_loop().time()
            other = "stderr" if kind == "stdout" else "stdout"
            last = fed[other]
            if last is not None and now - last >= FLUSH_AFTER_S:
                fed[other] = None
                parsing.append(readers[other].quiet())
        while parsing:
            entries = await parsing.popleft()
            if entries:
                yield entries
        tail_entries = [e for r in readers.values() for e in await r.close()]
        ended = True
        if tail_entries:
            yield tail_entries
        if status != 0:
            message = server_message(readers["stderr"].errors, f"exit status {status}")
            raise RuntimeError(f"docker on {label}: {message}")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        if not ended:
            _drop(readers)
