"""The `logtui` command: the dashboard, and the spec's subcommands for scripts and cron.

Exit codes: 0 success, 1 a failure on the server or the connection, 2 bad usage or
configuration. Errors are one line on stderr, never a traceback.

Here: the parser, `main` and the plumbing; the commands on one host are in
`logtui.cli_commands`, on several hosts in `logtui.cli_fleet`, the printing in `logtui.cli_output`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .cli_output import Output

if TYPE_CHECKING:
    from .config import Settings
    from .parse_process import ParseProcess

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
    from . import cli_commands as commands
    from .remote import RemoteDocker

    out = Output(as_json=getattr(args, "json", False))
    handlers: dict[str, Callable[[RemoteDocker], Any]] = {
        "status": lambda r: commands.status(r, out),
        "logs": lambda r: commands.logs(r, out, args.hours, args.follow),
        "errors": lambda r: commands.errors(r, out, args.hours),
        "container": lambda r: commands.container(r, out, args.name, args.hours, args.follow),
        "save": lambda r: commands.save(r, out, args.hours, args.output),
        "health": lambda r: commands.health(r, out),
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
    printing: about a quarter faster, but the processes' peak memory is about four times as
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
