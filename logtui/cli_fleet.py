"""The CLI's commands over several hosts (`--host a --host b`, or LOGTUI_HOSTS).

Each command asks every host at once; what each host answered is shown, and a host that
failed is named on stderr with its reason, without holding back the others. Entries are
merged across hosts in time order and carry their host (a column; a `host` key in
`--json`). Exit status: 0 when every host answered, 1 when any host failed (its reason on
stderr), 2 for bad usage.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .fleet import Fleet, HostOutcome, entry_dict, failures, host_key, raise_if_all_failed, split_host_key

if TYPE_CHECKING:
    from .cli_output import Output
    from .config import Settings
    from .models import LogEntry
    from .remote import RemoteDocker

EXIT_OK, EXIT_FAILURE = 0, 1


def _say_failures(outcomes: Sequence[HostOutcome[Any]]) -> int:
    from .textsafe import one_line

    failed = failures(outcomes)
    for host, error in failed.items():
        print(f"logtui: {one_line(host)}: {one_line(error)}", file=sys.stderr, flush=True)
    return EXIT_FAILURE if failed else EXIT_OK


def _tagged(outcomes: Sequence[HostOutcome[Any]]) -> tuple[list[list[LogEntry]], dict[int, str]]:
    """Each host's entry lists, and which host each entry came from."""
    lists: list[list[LogEntry]] = []
    origin: dict[int, str] = {}
    for outcome in outcomes:
        if not outcome.ok:
            continue
        groups = outcome.value.values() if isinstance(outcome.value, dict) else [outcome.value]
        for entries in groups:
            lists.append(entries)
            origin.update((id(e), outcome.host) for e in entries)
    return lists, origin


async def status(fleet: Fleet, out: Output) -> int:
    from rich.table import Table
    from rich.text import Text

    from .textsafe import one_line

    outcomes = await fleet.each(lambda r: r.list_containers())
    if out.as_json:
        out.json(
            {
                "hosts": [
                    {
                        "host": o.host,
                        "connected": o.ok,
                        "error": o.error,
                        "containers": [c.to_dict() for c in o.value] if o.ok else [],
                    }
                    for o in outcomes
                ]
            }
        )
        return EXIT_FAILURE if failures(outcomes) else EXIT_OK
    table = Table(title=Text(f"{len(fleet.names)} hosts — READ-ONLY"), title_justify="left")
    for column in ("HOST", "NAME", "STATE", "STATUS", "IMAGE"):
        table.add_column(column)
    for o in outcomes:
        if not o.ok:
            table.add_row(
                Text(one_line(o.host)),
                Text("—"),
                Text("unreachable"),
                Text(one_line(o.error or "")[:80]),
                style="red",
            )
            continue
        for c in o.value:
            style = "green" if c.running else "red" if c.state in {"exited", "dead"} else "yellow"
            cells = (o.host, c.name, c.state, c.status, c.image)
            table.add_row(*(Text(one_line(v)) for v in cells), style=style)
    out.console.print(table)
    up = sum(o.ok for o in outcomes)
    out.console.print(Text(f"{up}/{len(outcomes)} hosts connected"))
    return _say_failures(outcomes)


async def logs(fleet: Fleet, out: Output, hours: float, follow: bool) -> int:
    from .parser import merge_by_time

    if follow:
        return await _follow_all(fleet, out, hours)
    outcomes = await fleet.each(lambda r: r.logs_of_all(hours))
    raise_if_all_failed(outcomes)
    lists, origin = _tagged(outcomes)
    out.entries(merge_by_time(*lists), host_of=lambda e: origin.get(id(e)))
    return _say_failures(outcomes)


async def container(fleet: Fleet, out: Output, name: str, hours: float, follow: bool) -> int:
    """`HOST/NAME` reads one host; a bare `NAME` reads it on every host that has it."""
    from .parser import merge_by_time

    host, bare = split_host_key(name, fleet.names)

    async def read(remote: RemoteDocker) -> list[LogEntry]:
        if host is not None and remote.settings.display != host:
            return []
        if host is None and bare not in {c.name for c in await remote.list_containers()}:
            return []
        return await remote.logs_for_hours(bare, hours)

    if follow:
        chosen = [host] if host is not None else fleet.names
        return await _follow_all(fleet, out, hours, only=bare, hosts=chosen)
    outcomes = await fleet.each(read)
    raise_if_all_failed(outcomes)
    lists, origin = _tagged(outcomes)
    if host is None and not any(lists):
        raise RuntimeError(f"no host has a container named {bare!r}")
    out.entries(merge_by_time(*lists), show_container=False, host_of=lambda e: origin.get(id(e)))
    return _say_failures(outcomes)


async def _follow_all(
    fleet: Fleet, out: Output, hours: float, only: str | None = None, hosts: Sequence[str] | None = None
) -> int:
    """Follow the running containers of every host (or `only` one name) until Ctrl-C."""
    from .remote import since_for_hours
    from .textsafe import one_line

    since = since_for_hours(hours)
    chosen = list(hosts or fleet.names)

    async def one_host(host: str) -> None:
        remote = fleet.remotes[host]

        def on_state(state: str, detail: str) -> None:
            if state in {"reconnecting", "failed"}:
                print(f"logtui: {one_line(host)}: {state}: {one_line(detail)}", file=sys.stderr, flush=True)

        async def one(name: str) -> None:
            try:
                async for batch in remote.follow(name, since=since, on_state=on_state):
                    out.entries(batch, show_container=only is None, host_of=lambda e: host)
            except (RuntimeError, ValueError) as exc:  # one container or host never stops the rest
                print(f"logtui: {one_line(host)}/{name}: {one_line(str(exc))}", file=sys.stderr, flush=True)

        try:
            names = [c.name for c in await remote.list_containers() if c.running and (only in (None, c.name))]
        except (RuntimeError, ValueError) as exc:
            print(f"logtui: {one_line(host)}: {one_line(str(exc))}", file=sys.stderr, flush=True)
            return
        await asyncio.gather(*(one(n) for n in names))

    await asyncio.gather(*(one_host(h) for h in chosen))
    return EXIT_OK


async def errors(fleet: Fleet, out: Output, hours: float) -> int:
    from .analysis import error_summary
    from .cli_output import print_summary

    outcomes = await fleet.each(lambda r: r.logs_of_all(hours))
    raise_if_all_failed(outcomes)
    logs = {host_key(o.host, n): es for o in outcomes if o.ok for n, es in o.value.items()}
    summary = error_summary(logs, hours)
    summary["hosts"] = fleet.names
    summary["host_errors"] = failures(outcomes)
    if out.as_json:
        out.json(summary)
    else:
        print_summary(out, summary)
    return _say_failures(outcomes)


async def save(fleet: Fleet, out: Output, hours: float, output: str | None) -> int:
    """The saved-file format, containers keyed `host/container`, plus `hosts` and `host_errors`."""
    from pathlib import Path

    from .export import default_filename, saved_file_document, write_json_atomically

    outcomes = await fleet.each(lambda r: r.logs_of_all(hours))
    raise_if_all_failed(outcomes)
    containers = {
        host_key(o.host, n): [entry_dict(e, o.host) for e in es]
        for o in outcomes
        if o.ok
        for n, es in o.value.items()
    }
    document = saved_file_document(containers)
    document["hosts"] = fleet.names
    document["host_errors"] = failures(outcomes)
    path = write_json_atomically(document, Path(output) if output else Path.cwd() / default_filename())
    count = sum(len(es) for es in containers.values())
    if out.as_json:
        out.json(
            {"path": str(path), "hosts": len(fleet.names), "containers": len(containers), "entries": count}
        )
    else:
        out.console.print(
            f"Saved {count} entries of {len(containers)} containers on {len(fleet.names)} hosts to {path}",
            markup=False,
            highlight=False,
        )
    return _say_failures(outcomes)


async def health(fleet: Fleet, out: Output) -> int:
    """One line per host; exit 0 only if every host is healthy."""
    from rich.text import Text

    from .textsafe import one_line

    outcomes = await fleet.each(lambda r: r.health())
    reports = {o.host: o.value if o.ok else {"status": "unhealthy", "error": o.error} for o in outcomes}
    healthy = all(r["status"] == "healthy" for r in reports.values())
    if out.as_json:
        out.json({"status": "healthy" if healthy else "unhealthy", "hosts": reports})
    else:
        for host, report in reports.items():
            ok = report["status"] == "healthy"
            line = Text(f"{one_line(host)}: ")
            line.append("healthy" if ok else "unhealthy", "green" if ok else "red")
            if ok:
                line.append(
                    f" ({report['running_containers']} of {report['container_count']} containers running)"
                )
            else:
                line.append(" " + one_line(report.get("error") or "unknown error"))
            out.console.print(line)
    return EXIT_OK if healthy else EXIT_FAILURE


def run(args: Any, out: Output, hosts: list[Settings]) -> int:
    """Run `args.command` on every host."""
    handlers = {
        "status": lambda f: status(f, out),
        "logs": lambda f: logs(f, out, args.hours, args.follow),
        "errors": lambda f: errors(f, out, args.hours),
        "container": lambda f: container(f, out, args.name, args.hours, args.follow),
        "save": lambda f: save(f, out, args.hours, args.output),
        "health": lambda f: health(f, out),
    }

    async def main() -> int:
        async with Fleet(hosts) as fleet:
            return await handlers[args.command](fleet)

    return asyncio.run(main())
