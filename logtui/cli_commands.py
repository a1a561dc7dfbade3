"""The CLI's commands on one host: status, logs, container, errors, save and health.

Each takes a connected `RemoteDocker` and an `Output` and returns the exit status
(`logtui.cli_fleet` has the same commands over several hosts). History is printed batch by
batch as it arrives, so memory does not grow with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_output import Output, print_summary

if TYPE_CHECKING:
    from .models import LogEntry
    from .remote import RemoteDocker

Printer = Callable[[list["LogEntry"]], Awaitable[None]]
"""Prints a batch of entries, waiting (not blocking) while stdout's reader is behind."""

EXIT_OK, EXIT_FAILURE = 0, 1


async def status(remote: RemoteDocker, out: Output) -> int:
    containers = await remote.list_containers()
    if out.as_json:
        out.json(
            {
                "host": remote.settings.label,
                "connected": True,
                "containers": [c.to_dict() for c in containers],
                "channels": _channel_plan(remote, containers),
            }
        )
        return EXIT_OK
    from rich.table import Table
    from rich.text import Text

    from .textsafe import one_line

    title = Text(f"{one_line(remote.settings.label)} — READ-ONLY — connected")
    table = Table(title=title, title_justify="left")
    for column in ("NAME", "STATE", "STATUS", "IMAGE"):
        table.add_column(column)
    for c in containers:  # docker's text is the server's: Text, never markup
        style = "green" if c.running else "red" if c.state in {"exited", "dead"} else "yellow"
        table.add_row(*(Text(one_line(v)) for v in (c.name, c.state, c.status, c.image)), style=style)
    out.console.print(table)
    running = sum(c.running for c in containers)
    out.console.print(f"{len(containers)} containers, {running} running")
    plan = _channel_plan(remote, containers)
    conns = plan["connections"]
    line = (
        f"{conns} SSH connection{'s' if conns != 1 else ''} open · follows up to "
        f"{plan['live_capacity']} containers live "
        f"({plan['max_connections']} connections × {plan['channels_per_connection'] - 1} streams, one "
        f"channel each kept for commands)"
    )
    if plan["polled"]:
        cycle = plan["poll_cycle_s"]
        line += f"; {plan['polled']} would be polled in rotation, each about every {cycle:.0f}s"
    out.console.print(line, markup=False, highlight=False)
    return EXIT_OK


def _channel_plan(remote: RemoteDocker, containers: list[Any]) -> dict[str, Any]:
    """How `logs -f` and the dashboard would follow this host's running containers."""
    pool = remote.transport.pool
    state = pool.state()
    per_connection = min(state.limits, default=pool.max_sessions)
    capacity = pool.live_capacity
    running = sum(1 for c in containers if c.running)
    polled = max(0, running - capacity)
    return {
        "connections": state.connections,
        "max_connections": pool.max_connections,
        "channels_per_connection": per_connection,
        "live_capacity": capacity,
        "running": running,
        "polled": polled,
        "poll_cycle_s": max(remote.rotation.min_cycle_s, polled * remote.rotation.gap_s),
    }


async def _history_names(remote: RemoteDocker) -> list[str]:
    """The containers whose history `logs`, `errors` and `save` read: all that have run
    (each once: `list_containers` drops a name a broken or hostile `docker ps` repeats)."""
    return [c.name for c in await remote.list_containers() if c.state != "created"]


@contextlib.asynccontextmanager
async def _printing(out: Output, show_container: bool = True) -> AsyncIterator[Printer]:
    """Prints batches of entries without ever blocking the event loop on stdout.

    A history is printed while it is read: a write blocked on a pipe nobody reads
    (`logtui logs | less`, left open) would stop every read with it, and their silence
    timers would then fire on data that had arrived meanwhile. A thread writes instead
    (`PipeWriter`); the reads wait for it only when what is queued passes its bound.
    """
    from .follow_output import PipeWriter

    pipe = PipeWriter(out.stream) if PipeWriter.usable_for(out.stream) else None
    printer = Output(out.as_json, pipe) if pipe is not None else out

    async def write(entries: list[LogEntry]) -> None:
        if entries:
            printer.entries(entries, show_container=show_container)
            if pipe is not None:
                await pipe.drain()

    try:
        yield write
    except asyncio.CancelledError:
        raise  # Ctrl-C: what is still queued may never be read, so do not wait for it
    except BaseException:
        if pipe is not None:  # what was printed before the error still goes out
            with contextlib.suppress(OSError):
                await pipe.close()
        raise
    else:
        if pipe is not None:
            await pipe.close()


async def logs(remote: RemoteDocker, out: Output, hours: float, follow: bool) -> int:
    from .history import merged_batches
    from .remote import since_for_hours

    if follow:
        containers = [c for c in await remote.list_containers() if c.running]
        await _follow(remote, out, [c.name for c in containers], hours)
        return EXIT_OK
    names = await _history_names(remote)
    batches = merged_batches(remote, names, since_for_hours(hours))
    async with _printing(out) as write, contextlib.aclosing(batches):
        async for _, batch in batches:
            await write(batch)  # printed as soon as its place in time is decided
    return EXIT_OK


async def container(remote: RemoteDocker, out: Output, name: str, hours: float, follow: bool) -> int:
    from .remote import since_for_hours

    if follow:
        await _follow(remote, out, [name], hours, show_container=False)
        return EXIT_OK
    batches = remote.log_batches(name, since=since_for_hours(hours))
    async with _printing(out, show_container=False) as write, contextlib.aclosing(batches):
        async for batch in batches:
            await write(batch)
    return EXIT_OK


async def _follow(
    remote: RemoteDocker,
    out: Output,
    names: list[str],
    hours: float,
    show_container: bool = True,
) -> None:
    """Every container's history, then new entries, in time order, until Ctrl-C or every
    stream ends (`logtui.follow_output`)."""
    from .follow_output import follow_in_time_order
    from .remote import since_for_hours
    from .textsafe import sanitize_for_terminal

    def on_state(state: str, detail: str) -> None:
        if state in {"reconnecting", "failed"}:
            print(f"logtui: {state}: {sanitize_for_terminal(detail)}", file=sys.stderr, flush=True)

    reporter = asyncio.create_task(_report_rotation(remote))
    try:
        async with _printing(out, show_container) as write:
            await follow_in_time_order(remote, names, since_for_hours(hours), write, on_state)
    finally:
        reporter.cancel()


async def _report_rotation(remote: RemoteDocker, every_s: float = 2.0) -> None:
    """Say on stderr which containers are polled, and how often, whenever that changes.

    Silent while every container has a live channel: a small server makes no noise.
    """
    said = ""
    while True:
        await asyncio.sleep(every_s)
        state = remote.rotation.state()
        if not state.polled and not said:
            continue
        message = (
            f"{len(state.live)} containers live, {len(state.polled)} polled in rotation "
            f"(each about every {state.cycle_s:.0f}s; the SSH server's MaxSessions and "
            f"LOGTUI_MAX_CONNECTIONS bound the live ones): {', '.join(state.polled)}"
            if state.polled
            else f"all {len(state.live)} containers live"
        )
        if message != said:
            print(f"logtui: {message}", file=sys.stderr, flush=True)
            said = message


async def errors(remote: RemoteDocker, out: Output, hours: float) -> int:
    from .analysis import error_summary, errors_only
    from .history import container_batches
    from .remote import since_for_hours

    names = await _history_names(remote)
    errors: dict[str, list[LogEntry]] = {name: [] for name in names}
    batches = container_batches(remote, names, since_for_hours(hours))
    async with contextlib.aclosing(batches):
        async for index, batch in batches:
            if batch:  # only the errors are kept: the summary is about them alone
                errors[names[index]] += errors_only(batch)
    summary = error_summary(errors, hours)
    if out.as_json:
        out.json(summary)
        return EXIT_OK
    print_summary(out, summary)
    return EXIT_OK


async def save(remote: RemoteDocker, out: Output, hours: float, output: str | None) -> int:
    from .export import SavedFileStream, atomic_file, default_filename
    from .history import each_batches
    from .remote import since_for_hours

    names = await _history_names(remote)
    path = Path(output).expanduser() if output else Path.cwd() / default_filename()
    count = 0
    batches = each_batches(remote, names, since_for_hours(hours))
    with atomic_file(path) as handle:  # written as it arrives, container after container
        async with contextlib.aclosing(batches):
            saved = SavedFileStream(handle)
            started = -1
            async for index, batch in batches:
                if index != started:
                    saved.container(names[index])
                    started = index
                saved.entries([e.to_dict() for e in batch])
                count += len(batch)
        saved.finish()
    path = path.resolve()
    if out.as_json:
        out.json({"path": str(path), "containers": len(names), "entries": count})
    else:
        out.console.print(f"Saved {count} entries of {len(names)} containers to {path}")
    return EXIT_OK


async def health(remote: RemoteDocker, out: Output) -> int:
    report = await remote.health()
    if out.as_json:
        out.json(report)
    else:
        from rich.text import Text

        from .textsafe import one_line

        healthy = report["status"] == "healthy"
        line = Text(f"{one_line(report['host'])}: ")
        line.append("healthy" if healthy else "unhealthy", "green" if healthy else "red")
        out.console.print(line)
        if healthy:
            out.console.print(
                f"ssh ok, docker ok, {report['running_containers']} of "
                f"{report['container_count']} containers running"
            )
        else:  # the server's words (a disconnect reason, docker's stderr): Text, sanitized
            out.console.print(Text(one_line(report["error"] or "unknown error")))
    return EXIT_OK if report["status"] == "healthy" else EXIT_FAILURE
