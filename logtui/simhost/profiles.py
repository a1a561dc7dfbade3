"""What the demo containers say: realistic log text for five kinds of service.

A profile turns (random generator, instant) into one *event*: the lines a program writes at
once, each with the stream it goes to. A traceback is one event of several lines, so its
lines share a timestamp, as they do under a real Docker daemon. Profiles are pure functions
of their generator, which is what makes the workload deterministic.

The text deliberately includes the traps a log parser meets in production: INFO lines that
mention "error", ANSI colour codes, text that looks like Rich markup (`[bold]`), JSON and
logfmt lines, and stack traces from Python, Node and Go.
"""

from __future__ import annotations

from random import Random

from ._profile_kit import (
    _AGENTS,
    _METHODS,
    _PATHS,
    _PY_TRACEBACKS,
    ERR,
    NS,
    OUT,
    Event,
    Profile,
    _gm,
    _ms,
    _rid,
    _weighted,
)
from .service_profiles import api_server, database, worker


def web_app(rng: Random, ts: int) -> Event:
    """A Python web app under gunicorn."""
    stamp = f"{_gm(ts, '%Y-%m-%d %H:%M:%S')},{_ms(ts):03d}"
    kind = _weighted(
        rng,
        (
            (55, "request"),
            (10, "debug"),
            (8, "slow"),
            (5, "error"),
            (3, "traceback"),
            (4, "info_error_word"),
            (3, "ansi"),
            (2, "markup"),
            (1, "gunicorn"),
            (2, "critical_word"),
        ),
    )
    path = rng.choice(_PATHS)
    method = rng.choice(_METHODS)
    if kind == "request":
        status = rng.choice((200, 200, 200, 200, 201, 204, 301, 304, 400, 404))
        return [
            (
                OUT,
                f"{stamp} INFO app.access: {method} {path} {status} "
                f"{rng.randrange(2, 180)}ms request_id={_rid(rng)}",
            )
        ]
    if kind == "debug":
        return [
            (
                OUT,
                f"{stamp} DEBUG app.cache: cache hit key=user:{rng.randrange(1, 9999)} "
                f"ttl={rng.randrange(10, 600)}s",
            )
        ]
    if kind == "slow":
        return [
            (
                OUT,
                f"{stamp} WARNING app.middleware: Slow request: {method} {path} took "
                f"{rng.uniform(1.5, 9.0):.2f}s request_id={_rid(rng)}",
            )
        ]
    if kind == "error":
        return [(ERR, f"{stamp} ERROR app.views: Application error occurred request_id={_rid(rng)}")]
    if kind == "traceback":
        frames = rng.choice(_PY_TRACEBACKS)
        return [
            (ERR, f"{stamp} ERROR app.views: Unhandled exception in {method} {path} request_id={_rid(rng)}"),
            (ERR, "Traceback (most recent call last):"),
            *((ERR, line) for line in frames),
        ]
    if kind == "info_error_word":
        return [
            (
                OUT,
                rng.choice(
                    (
                        f"{stamp} INFO app.health: error_rate=0.00 errors_last_5m=0 status=ok",
                        f"{stamp} INFO app.jobs: retried after transient error, succeeded on attempt 2",
                        f"{stamp} INFO app.access: GET /api/errors?since=1h 200 8ms",
                    )
                ),
            )
        ]
    if kind == "ansi":
        return [
            (
                OUT,
                f"\x1b[32m{stamp} INFO\x1b[0m app.access: \x1b[1m{method}\x1b[0m {path} "
                f"\x1b[32m200\x1b[0m {rng.randrange(2, 90)}ms",
            )
        ]
    if kind == "markup":
        return [
            (
                OUT,
                f'{stamp} INFO app.search: query="[bold]sale[/bold] [red]50%[/red]" '
                f"results={rng.randrange(0, 40)}",
            )
        ]
    if kind == "critical_word":
        return [(OUT, f"{stamp} INFO app.audit: user {rng.randrange(1, 999)} viewed /docs/critical-path.md")]
    pid = rng.randrange(8, 40)
    return [(ERR, f"[{_gm(ts, '%Y-%m-%d %H:%M:%S')} +0000] [1] [INFO] Booting worker with pid: {pid}")]


# -- api-server: Node, JSON lines, stacks on stderr ---------------------------------------


# -- nginx: access log on stdout, error log on stderr -------------------------------------


def nginx(rng: Random, ts: int) -> Event:
    """nginx 1.27 in front of the apps."""
    kind = _weighted(
        rng, ((80, "access"), (6, "upstream"), (4, "warn"), (2, "notice"), (6, "access_5xx"), (2, "crit"))
    )
    client = f"203.0.113.{rng.randrange(1, 255)}"
    path = rng.choice((*_PATHS, "/static/app.js", "/static/app.css", "/favicon.ico"))
    method = rng.choice(_METHODS)
    err_stamp = _gm(ts, "%Y/%m/%d %H:%M:%S")
    if kind in ("access", "access_5xx"):
        status = (
            rng.choice((502, 504, 500))
            if kind == "access_5xx"
            else rng.choice((200, 200, 200, 200, 304, 301, 404))
        )
        return [
            (
                OUT,
                f'{client} - - [{_gm(ts, "%d/%b/%Y:%H:%M:%S")} +0000] "{method} {path} '
                f'HTTP/1.1" {status} {rng.randrange(0, 40000)} "https://shop.example.com/"'
                f' "{rng.choice(_AGENTS)}" "-"',
            )
        ]
    if kind == "upstream":
        return [
            (
                ERR,
                f"{err_stamp} [error] 29#29: *{rng.randrange(1, 99999)} connect() failed "
                f"(111: Connection refused) while connecting to upstream, client: "
                f'{client}, server: _, request: "{method} {path} HTTP/1.1", upstream: '
                f'"http://172.18.0.4:8000{path}", host: "shop.example.com"',
            )
        ]
    if kind == "warn":
        return [
            (
                ERR,
                f"{err_stamp} [warn] 29#29: *{rng.randrange(1, 99999)} an upstream "
                f"response is buffered to a temporary file /var/cache/nginx/proxy_temp/"
                f"{rng.randrange(1, 9)}/00/00000000{rng.randrange(10, 99)} while reading "
                f'upstream, client: {client}, server: _, request: "GET {path} HTTP/1.1"',
            )
        ]
    if kind == "crit":
        return [
            (
                ERR,
                f"{err_stamp} [crit] 29#29: *{rng.randrange(1, 99999)} SSL_do_handshake() "
                f"failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL "
                f"handshaking, client: {client}, server: 0.0.0.0:443",
            )
        ]
    return [
        (
            ERR,
            f"{err_stamp} [notice] 1#1: signal 1 (SIGHUP) received from "
            f"{rng.randrange(100, 999)}, reconfiguring",
        )
    ]


PROFILES: dict[str, Profile] = {
    "web-app": web_app,
    "api-server": api_server,
    "database": database,
    "nginx": nginx,
    "worker": worker,
}
"""The demo's generated containers, by name."""


def exited_job_script(start_ns: int) -> list[tuple[int, str, str]]:
    """The short life of `exited-job`: a migration that fails and exits 3.

    Returns (offset ns from start, stream, text).
    """
    step = NS // 4
    lines = [
        (OUT, "Operations to perform:"),
        (OUT, "  Apply all migrations: admin, auth, contenttypes, orders, sessions"),
        (OUT, "Running migrations:"),
        (OUT, "  Applying orders.0041_add_discount_code... OK"),
        (OUT, "  Applying orders.0042_backfill_discounts..."),
    ]
    out = [(i * step, stream, text) for i, (stream, text) in enumerate(lines)]
    fail = len(lines) * step + 37 * NS + 123_456_789
    trace = [
        "Traceback (most recent call last):",
        '  File "/app/manage.py", line 22, in <module>',
        "    main()",
        '  File "/usr/local/lib/python3.11/site-packages/django/db/backends/utils.py", line 105, in _execute',
        "    return self.cursor.execute(sql, params)",
        "django.db.utils.OperationalError: could not serialize access due to concurrent update",
    ]
    out += [(fail, ERR, text) for text in trace]
    out.append((fail + 1_000_000, ERR, "ERROR: migration orders.0042 failed, exiting with code 3"))
    return out
