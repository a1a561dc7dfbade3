"""The `logtui` command: the dashboard, and the spec's subcommands for scripts and cron.

Exit codes: 0 success, 1 a failure on the server or the connection, 2 bad usage or
configuration. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .config import Settings
    from .models import LogEntry
    from .parse_process import ParseProcess
    from .remote import RemoteDocker

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

DESCRIPTION = """\
Watch the Docker containers of a server over SSH, strictly read-only.
Only `docker ps`, `docker logs`, `docker inspect` and `docker stats --no-stream`
are ever sent, each one validated and written to the audit log.

With no command, opens the dashboard (the built-in demo host if no server is set)."""

EPILOG = """\
configuration (environment; ./.env may set only these first four):
  LOGTUI_HOST / HETZNER_HOST      server name, address or ~/.ssh/config alias
  LOGTUI_HOSTS                    several servers: prod-1,deploy@10.0.0.7:2222 (as --host)
  LOGTUI_USER / HETZNER_USER      SSH user (default: from ~/.ssh/config, else you)
  LOGTUI_PORT                     SSH port (default 22)
  LOGTUI_SSH_KEY / HETZNER_SSH_KEY  private key text (\\n escapes allowed)
  LOGTUI_SSH_KEY_FILE             private key file (default: ssh-agent, ~/.ssh)
  LOGTUI_SSH_KEY_PASSPHRASE       passphrase of an encrypted key
  LOGTUI_KNOWN_HOSTS              known_hosts file (default ~/.ssh/known_hosts)
  LOGTUI_AUDIT_LOG                audit log (default ~/.local/state/logtui/audit.jsonl)
  LOGTUI_MASK_SECRETS=0           show secrets unmasked (default 1: masked)
  LOGTUI_TRUST_NEW_HOST_KEYS=1    as --trust-new-host-key
  LOGTUI_MEMORY_MB                dashboard memory for log lines, in MB (default 512)

examples:
  logtui demo                     the dashboard against a simulated server
  logtui errors 4                 error summary of the last 4 hours
  logtui container web-app 2 -f   two hours of web-app, then follow
  logtui --demo logs --json       JSON lines, from the simulated server

exit status: 0 ok, 1 server or connection failure, 2 bad usage or configuration"""


class UsageError(ValueError):
    """Bad arguments or configuration: exit status 2."""


def _hours(text: str) -> float:
    from .remote import validate_hours

    try:
        return validate_hours(float(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"invalid HOURS {text!r}: a number of hours greater than 0 (e.g. 1, 0.25, 24)"
        ) from exc


def _demo_hosts(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 12:
        raise argparse.ArgumentTypeError(f"invalid N {text!r}: a number of demo servers from 1 to 12")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logtui",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="logtui 0.1.0")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the built-in simulated server instead of the configured one",
    )
    parser.add_argument(
        "--no-mask",
        action="store_true",
        help="show secrets (passwords, tokens, keys) as they are; by default they are masked",
    )
    parser.add_argument(
        "--host",
        action="append",
        dest="hosts",
        metavar="HOST",
        help="a server to read (repeat for several: --host prod-1 --host deploy@10.0.0.7:2222); "
        "an ~/.ssh/config alias or user@host[:port]; default: LOGTUI_HOSTS, else LOGTUI_HOST",
    )
    parser.add_argument(
        "--trust-new-host-key",
        action="store_true",
        help="if the server's host key is not in known_hosts yet, trust it and remember it "
        "(a changed key is always refused)",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="the dashboard's settings file (default: ~/.config/logtui/config.toml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="machine-readable output")
        return p

    def hours(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "hours",
            nargs="?",
            type=_hours,
            default=1.0,
            metavar="HOURS",
            help="how far back to look, in hours (default 1)",
        )

    def follow(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "-f",
            "--follow",
            action="store_true",
            help="keep streaming new entries until Ctrl-C, as docker logs -f",
        )

    sub.add_parser("dashboard", help="open the full-screen dashboard (the default)")
    p = sub.add_parser("demo", help="open the dashboard against the built-in simulated server")
    p.add_argument(
        "--hosts",
        type=_demo_hosts,
        default=1,
        dest="demo_hosts",
        metavar="N",
        help="simulate N servers at once (1-12; default 1), as --host does for real ones",
    )
    command("status", "show the connection and the containers")
    p = command("logs", "log entries of all containers, in time order")
    hours(p)
    follow(p)
    p = command("errors", "error summary: counts per container, critical issues, repeats")
    hours(p)
    p = command("container", "log entries of one container")
    p.add_argument("name", metavar="NAME", help="container name or ID")
    hours(p)
    follow(p)
    p = command("save", "save all containers' logs to a JSON file")
    hours(p)
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="file to write (default: ./production_logs_<time>.json)",
    )
    command("health", "check that the server and docker answer (exit 1 if not)")
    return parser


# -- output -----------------------------------------------------------------------------

LEVEL_STYLES = {
    "DEBUG": "dim",
    "INFO": "green",
    "WARNING": "yellow",
    "ERROR": "bold red",
    "CRITICAL": "bold white on red",
}


class Output:
    """Writes entries and reports: JSON for scripts, rich text for people, never markup."""

    def __init__(self, as_json: bool, stream: TextIO | None = None) -> None:
        from rich.console import Console

        self.as_json = as_json
        self.stream = stream or sys.stdout
        self.console = Console(file=self.stream, highlight=False, soft_wrap=True)

    def json(self, obj: Any) -> None:
        from .textsafe import json_for_terminal

        self.stream.write(json_for_terminal(json.dumps(obj, ensure_ascii=False)) + "\n")

    def entries(
        self,
        entries: list[LogEntry],
        show_container: bool = True,
        host_of: Callable[[LogEntry], str | None] | None = None,
    ) -> None:
        """`host_of`: among several hosts, each entry's host (a column; `host` in JSON)."""
        if self.as_json:
            from .json_lines import json_lines

            self.stream.write(json_lines(entries, host_of))  # C1 controls as \u escapes: same JSON
            self.stream.flush()
            return
        from rich.text import Text

        from .textsafe import sanitize_for_terminal

        def columns(e: LogEntry) -> tuple[str, str, str, str]:
            container = f" {e.container_name:<16}" if show_container else ""
            if host_of is not None:
                container = f" {sanitize_for_terminal(host_of(e) or ''):<14}{container}"
            when = e.timestamp.replace("T", " ")[:23]
            return when, container, f" {e.level:<8}", " " + sanitize_for_terminal(e.message)

        if not self.console.is_terminal:  # a pipe or a file: no colours, so no rich per line
            self.stream.write("".join("".join(columns(e)) + "\n" for e in entries))
            self.stream.flush()
            return
        for e in entries:
            when, container, level, message = columns(e)
            line = Text()
            line.append(when, style="dim")
            line.append(container, style="cyan")
            line.append(level, style=LEVEL_STYLES.get(e.level, ""))
            line.append(message)
            self.console.print(line)
        self.stream.flush()


# -- commands ---------------------------------------------------------------------------


async def _status(remote: RemoteDocker, out: Output) -> int:
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
    """The containers whose history `logs`, `errors` and `save` read: all that have run."""
    return [c.name for c in await remote.list_containers() if c.state != "created"]


async def _logs(remote: RemoteDocker, out: Output, hours: float, follow: bool) -> int:
    from .history import merged_batches
    from .remote import since_for_hours

    if follow:
        containers = [c for c in await remote.list_containers() if c.running]
        await _follow(remote, out, [c.name for c in containers], hours)
        return EXIT_OK
    names = await _history_names(remote)
    async for _, batch in merged_batches(remote, names, since_for_hours(hours)):
        out.entries(batch)  # printed as soon as its place in time is decided
    return EXIT_OK


async def _container(remote: RemoteDocker, out: Output, name: str, hours: float, follow: bool) -> int:
    from .remote import since_for_hours

    if follow:
        await _follow(remote, out, [name], hours, show_container=False)
        return EXIT_OK
    async for batch in remote.log_batches(name, since=since_for_hours(hours)):
        out.entries(batch, show_container=False)
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
    from .follow_output import PipeWriter, follow_in_time_order
    from .remote import since_for_hours
    from .textsafe import sanitize_for_terminal

    def on_state(state: str, detail: str) -> None:
        if state in {"reconnecting", "failed"}:
            print(f"logtui: {state}: {sanitize_for_terminal(detail)}", file=sys.stderr, flush=True)

    pipe = PipeWriter(out.stream) if PipeWriter.usable_for(out.stream) else None
    printer = Output(out.as_json, pipe) if pipe is not None else out

    async def write(entries: list[LogEntry]) -> None:
        if entries:
            printer.entries(entries, show_container=show_container)
            if pipe is not None:
                await pipe.drain()

    reporter = asyncio.create_task(_report_rotation(remote))
    try:
        await follow_in_time_order(remote, names, since_for_hours(hours), write, on_state)
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


async def _errors(remote: RemoteDocker, out: Output, hours: float) -> int:
    from .analysis import error_summary, errors_only
    from .history import container_batches
    from .remote import since_for_hours

    names = await _history_names(remote)
    errors: dict[str, list[LogEntry]] = {name: [] for name in names}
    async for index, batch in container_batches(remote, names, since_for_hours(hours)):
        if batch:  # only the errors are kept: the summary is about them alone
            errors[names[index]] += errors_only(batch)
    summary = error_summary(errors, hours)
    if out.as_json:
        out.json(summary)
        return EXIT_OK
    _print_summary(out, summary)
    return EXIT_OK


def _print_summary(out: Output, summary: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    from .textsafe import one_line, sanitize_for_terminal

    c = out.console
    c.print(
        Text(
            f"Errors in the last {summary['analysis_period_hours']:g} h: "
            f"{summary['total_error_entries']} in {summary['containers_with_errors']} of "
            f"{summary['total_containers']} containers, "
            f"{len(summary['critical_issues'])} critical",
            style="bold",
        )
    )
    if summary["error_breakdown"]:
        table = Table("CONTAINER", "ERRORS", "LATEST", box=None, pad_edge=False)
        for name, info in sorted(summary["error_breakdown"].items(), key=lambda kv: -kv[1]["error_count"]):
            latest = info["recent_errors"][-1]["message"].splitlines()[0] if info["recent_errors"] else ""
            table.add_row(Text(one_line(name)), str(info["error_count"]), Text(one_line(latest)[:100]))
        c.print(table)
    for issue in summary["critical_issues"][-10:]:
        first = sanitize_for_terminal(issue["message"]).splitlines()[0][:100] if issue["message"] else ""
        c.print(
            Text(
                f"CRITICAL {issue['timestamp'][:19]} {one_line(issue['container'])}: {one_line(first)}",
                style="bold red",
            )
        )
    groups = summary.get("error_groups", [])
    if groups:
        c.print(Text("Repeated errors:", style="bold"))
        for group in groups[:10]:
            c.print(
                Text(
                    f"  ×{group['count']:<5} {one_line(group['template'])[:90]}"
                    f"  (last {group['last_seen'][11:19]})"
                )
            )
    if not summary["total_error_entries"]:
        c.print(Text("No errors found.", style="green"))


async def _save(remote: RemoteDocker, out: Output, hours: float, output: str | None) -> int:
    from .export import SavedFileStream, atomic_file, default_filename
    from .history import each_batches
    from .remote import since_for_hours

    names = await _history_names(remote)
    path = Path(output).expanduser() if output else Path.cwd() / default_filename()
    count = 0
    with atomic_file(path) as handle:  # written as it arrives, container after container
        saved = SavedFileStream(handle)
        started = -1
        async for index, batch in each_batches(remote, names, since_for_hours(hours)):
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


async def _health(remote: RemoteDocker, out: Output) -> int:
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


# -- plumbing ---------------------------------------------------------------------------


def _settings_or_demo(args: argparse.Namespace) -> contextlib.AbstractContextManager[Settings]:
    from .config import load_settings
    from .simhost.demo import demo_host

    if args.demo:
        return demo_host(mask_secrets=not args.no_mask)
    return contextlib.nullcontext(_with_flags(load_settings(), args))


def _with_flags(settings: Settings, args: argparse.Namespace) -> Settings:
    """The global flags (--no-mask, --trust-new-host-key) applied to loaded settings."""
    if args.no_mask:
        settings.mask_secrets = False
    if args.trust_new_host_key:
        settings.trust_new_host_keys = True
    return settings


def _run_command(args: argparse.Namespace) -> int:
    from .remote import RemoteDocker

    out = Output(as_json=getattr(args, "json", False))
    handlers: dict[str, Callable[[RemoteDocker], Any]] = {
        "status": lambda r: _status(r, out),
        "logs": lambda r: _logs(r, out, args.hours, args.follow),
        "errors": lambda r: _errors(r, out, args.hours),
        "container": lambda r: _container(r, out, args.name, args.hours, args.follow),
        "save": lambda r: _save(r, out, args.hours, args.output),
        "health": lambda r: _health(r, out),
    }

    async def main(settings: Settings) -> int:
        parse = _parse_process(args)
        try:
            async with RemoteDocker(settings, reader_factory=parse.reader if parse else None) as remote:
                return await handlers[args.command](remote)
        finally:
            if parse is not None:
                parse.shutdown()

    if not args.demo:
        from .config import read_environment
        from .hosts import host_list, load_hosts

        env = read_environment()
        configured = _configured_hosts(args)
        if host_list(env, args.hosts, configured):  # several hosts (or one named with --host)
            from . import cli_fleet

            hosts = [_with_flags(s, args) for s in load_hosts(env, args.hosts, configured)]
            return cli_fleet.run(args, out, hosts)
    with _settings_or_demo(args) as settings:
        return asyncio.run(main(settings))


def _parse_process(args: argparse.Namespace) -> ParseProcess | None:
    """Parse processes for a command that reads history, if `LOGTUI_PARSE_WORKERS` asks for
    them (default 0: parse here). On the other cores parsing overlaps with receiving and
    printing: about a third faster, but the process's peak memory is about 2.5 times as
    high (bench/RESULTS.md), so a lean process is the default for scripts and cron."""
    import os

    from .parse_process import ParseProcess, workers_from_env

    if args.command not in {"logs", "errors", "container", "save"}:
        return None
    workers = workers_from_env(os.environ)
    return ParseProcess.start(workers) if workers else None


def _configured_hosts(args: argparse.Namespace) -> list[str]:
    """The settings file's `hosts` (`--config PATH`, else ~/.config/logtui/config.toml)."""
    from pathlib import Path

    from .settings_file import default_path
    from .settings_file import load as load_view

    path = Path(args.config).expanduser() if args.config else default_path()
    return load_view(path, missing_ok=args.config is None).hosts  # a bad file: exit 2


def _run_dashboard(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .config import load_settings
    from .settings_file import default_path
    from .settings_file import load as load_view
    from .tui import run_dashboard

    path = Path(args.config).expanduser() if args.config else default_path()
    view = load_view(path, missing_ok=args.config is None)  # a bad file: ConfigError, exit 2
    view_options: dict[str, Any] = {"view": view, "config_path": path, "window_hours": view.window}
    demo_overrides = {"mask_secrets": not args.no_mask}
    if args.command == "demo" or args.demo:
        hosts = getattr(args, "demo_hosts", 1)
        return run_dashboard(None, demo=True, demo_hosts=hosts, demo_overrides=demo_overrides, **view_options)
    from .config import read_environment
    from .hosts import host_list, load_hosts

    env = read_environment()
    if host_list(env, args.hosts, view.hosts):  # several hosts (or one named with --host)
        hosts = load_hosts(env, args.hosts, view.hosts)
        return run_dashboard([_with_flags(s, args) for s in hosts], **view_options)
    try:
        settings = load_settings(env)
    except ValueError as exc:
        if "no server configured" not in str(exc):
            raise
        print(
            "logtui: no server configured (set LOGTUI_HOST or HETZNER_HOST); opening the built-in demo host",
            file=sys.stderr,
        )
        return run_dashboard(None, demo=True, demo_overrides=demo_overrides, **view_options)
    return run_dashboard(_with_flags(settings, args), **view_options)


def configure_logging() -> None:
    """The entry point configures structlog once: warnings to stderr, never to stdout.

    LOGTUI_DEBUG=1 shows debug records (every remote command) too.
    """
    import logging
    import os

    import structlog

    level = logging.DEBUG if os.environ.get("LOGTUI_DEBUG") else logging.WARNING
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # sys.stderr as it is when a record is written, not as it was when this ran: a
        # library caller may swap it (and close the old one) after the CLI returns.
        logger_factory=lambda *args: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command not in (None, "dashboard", "demo"):
        configure_logging()
    try:
        if args.command in (None, "dashboard", "demo"):
            return _run_dashboard(args)
        return _run_command(args)
    except KeyboardInterrupt:
        return EXIT_OK if getattr(args, "follow", False) else 130
    except BrokenPipeError:
        with contextlib.suppress(Exception):
            sys.stdout = open("/dev/null", "w")  # noqa: SIM115 (silence the flush at exit)
        return EXIT_OK
    except ValueError as exc:
        print(f"logtui: error: {_said(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except RuntimeError as exc:
        print(f"logtui: {_said(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:
        print(f"logtui: {_said(exc)}", file=sys.stderr)
        return EXIT_FAILURE


def _said(exc: BaseException) -> str:
    """An error for stderr: one line, terminal-safe. Errors quote the server (a disconnect
    reason, docker's stderr), and what the server says is data, never escape sequences."""
    from .textsafe import one_line

    return one_line(str(exc))


if __name__ == "__main__":
    sys.exit(main())
