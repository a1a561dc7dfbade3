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

import time
from collections.abc import Callable
from random import Random

from .dockerfmt import NS

Event = list[tuple[str, str]]
"""Lines written at one instant: (stream, text) pairs, stream "stdout" or "stderr"."""

Profile = Callable[[Random, int], Event]

OUT, ERR = "stdout", "stderr"


def _weighted(rng: Random, table: tuple[tuple[int, str], ...]) -> str:
    roll = rng.randrange(sum(w for w, _ in table))
    for weight, kind in table:
        if roll < weight:
            return kind
        roll -= weight
    return table[-1][1]


def _gm(ts: int, fmt: str) -> str:
    return time.strftime(fmt, time.gmtime(ts // NS))


def _ms(ts: int) -> int:
    return ts % NS // 1_000_000


def _ip(rng: Random) -> str:
    return f"172.18.0.{rng.randrange(2, 40)}"


def _rid(rng: Random) -> str:
    return f"{rng.getrandbits(48):012x}"


_PATHS = (
    "/api/users",
    "/api/users/42",
    "/api/orders",
    "/api/orders/981/items",
    "/api/reports",
    "/api/search?q=shoes",
    "/health",
    "/api/cart",
    "/login",
    "/api/products?page=3",
)
_METHODS = ("GET", "GET", "GET", "GET", "POST", "PUT", "DELETE")
_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "kube-probe/1.30",
)


# -- web-app: Python, gunicorn, logging to stdout, tracebacks to stderr --------------------

_PY_TRACEBACKS = (
    (
        '  File "/app/app/views.py", line 42, in get_user',
        "    user = db.session.query(User).filter_by(id=user_id).one()",
        '  File "/usr/local/lib/python3.11/site-packages/sqlalchemy/orm/query.py", line 2870, in one',
        "    return self._iter().one()  # type: ignore",
        "sqlalchemy.exc.NoResultFound: No row was found when one was required",
    ),
    (
        '  File "/app/app/payments.py", line 118, in charge',
        "    resp = client.post(url, json=payload, timeout=5)",
        '  File "/usr/local/lib/python3.11/site-packages/httpx/_client.py", line 1145, in post',
        "    return self.request(",
        "httpx.ConnectTimeout: timed out",
    ),
    (
        '  File "/app/app/reports.py", line 77, in monthly',
        "    ratio = totals[month] / counts[month]",
        "ZeroDivisionError: division by zero",
    ),
    (
        '  File "/app/app/serializers.py", line 31, in to_dict',
        '    "email": self.user["email"],',
        "KeyError: 'email'",
    ),
)


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


def _json_line(level: str, ts: int, msg: str, extra: str = "") -> str:
    stamp = f"{_gm(ts, '%Y-%m-%dT%H:%M:%S')}.{_ms(ts):03d}Z"
    return f'{{"level":"{level}","time":"{stamp}","pid":1,"hostname":"api-7d9f","msg":"{msg}"{extra}}}'


def api_server(rng: Random, ts: int) -> Event:
    """A Node API server logging JSON (pino style, string levels)."""
    kind = _weighted(
        rng,
        (
            (60, "request"),
            (8, "debug"),
            (8, "warn"),
            (6, "error"),
            (3, "stack"),
            (1, "fatal"),
            (1, "critical"),
            (3, "info_error"),
            (2, "markup"),
        ),
    )
    path = rng.choice(_PATHS).replace("/api/", "/v1/")
    method = rng.choice(_METHODS)
    if kind == "request":
        status = rng.choice((200, 200, 200, 201, 204, 404, 422))
        return [
            (
                OUT,
                _json_line(
                    "info",
                    ts,
                    "request completed",
                    f',"req":{{"id":"{_rid(rng)}","method":"{method}",'
                    f'"url":"{path}"}},"res":{{"statusCode":{status}}},'
                    f'"responseTime":{rng.randrange(1, 250)}',
                ),
            )
        ]
    if kind == "debug":
        return [(OUT, _json_line("debug", ts, "cache refreshed", f',"keys":{rng.randrange(10, 500)}'))]
    if kind == "warn":
        return [
            (
                OUT,
                _json_line(
                    "warn",
                    ts,
                    "rate limit close to threshold",
                    f',"client":"{_ip(rng)}","remaining":{rng.randrange(1, 10)}',
                ),
            )
        ]
    if kind == "error":
        return [
            (
                OUT,
                _json_line(
                    "error",
                    ts,
                    "upstream request failed",
                    f',"err":{{"type":"FetchError","message":"request to '
                    f'http://payments:8080/charge failed, reason: socket hang up"}}'
                    f',"req":{{"id":"{_rid(rng)}"}}',
                ),
            )
        ]
    if kind == "stack":
        port = rng.choice((6379, 5432, 8080))
        return [
            (OUT, _json_line("error", ts, f"Unhandled exception in {method} {path}")),
            (ERR, f"Error: connect ECONNREFUSED 10.0.3.7:{port}"),
            (ERR, "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)"),
            (ERR, "    at Redis.sendCommand (/app/node_modules/ioredis/built/Redis.js:371:22)"),
            (ERR, "    at async OrderService.place (/app/dist/services/orders.js:88:19)"),
        ]
    if kind == "fatal":
        return [(OUT, _json_line("fatal", ts, "Database connection pool exhausted, exiting worker"))]
    if kind == "critical":
        return [(OUT, _json_line("critical", ts, "Payment provider unreachable for 60s, orders are queued"))]
    if kind == "info_error":
        return [
            (OUT, _json_line("info", ts, "error budget report", ',"errors":0,"window":"1h","slo":"99.9%"'))
        ]
    return [
        (OUT, _json_line("info", ts, "template rendered", ',"title":"[bold red]Flash sale[/] <b>now</b>"'))
    ]


# -- database: PostgreSQL, everything on stderr as the official image does ------------------


def database(rng: Random, ts: int) -> Event:
    """PostgreSQL 16 logging to stderr, with DETAIL/STATEMENT/HINT continuation lines."""
    pid = rng.randrange(60, 9000)
    head = f"{_gm(ts, '%Y-%m-%d %H:%M:%S')}.{_ms(ts):03d} UTC [{pid}]"
    kind = _weighted(
        rng,
        (
            (25, "checkpoint"),
            (20, "duration"),
            (15, "relation"),
            (6, "duplicate"),
            (5, "auth"),
            (4, "warning"),
            (10, "conn"),
            (2, "deadlock"),
            (1, "panic_word"),
        ),
    )
    if kind == "checkpoint":
        bufs = rng.randrange(5, 900)
        return [
            (ERR, f"{head} LOG:  checkpoint starting: time"),
            (
                ERR,
                f"{head} LOG:  checkpoint complete: wrote {bufs} buffers "
                f"({bufs / 163.84:.1f}%); 0 WAL file(s) added, 0 removed, 1 recycled; "
                f"write={rng.uniform(0.1, 30):.3f} s, sync=0.004 s, "
                f"total={rng.uniform(0.2, 31):.3f} s",
            ),
        ]
    if kind == "duration":
        return [
            (
                ERR,
                f"{head} LOG:  duration: {rng.uniform(500, 4000):.3f} ms  statement: "
                f"SELECT o.* FROM orders o JOIN customers c ON c.id = o.customer_id "
                f"WHERE c.region = 'eu' ORDER BY o.created_at DESC LIMIT 50",
            )
        ]
    if kind == "relation":
        return [
            (ERR, f'{head} ERROR:  relation "users" does not exist at character 15'),
            (ERR, f"{head} STATEMENT:  SELECT * FROM users WHERE id = {rng.randrange(1, 5000)}"),
        ]
    if kind == "duplicate":
        key = rng.randrange(1000, 99999)
        return [
            (ERR, f'{head} ERROR:  duplicate key value violates unique constraint "orders_pkey"'),
            (ERR, f"{head} DETAIL:  Key (id)=({key}) already exists."),
            (
                ERR,
                f"{head} STATEMENT:  INSERT INTO orders (id, customer_id, total) VALUES ({key}, 42, 19.99)",
            ),
        ]
    if kind == "auth":
        return [
            (ERR, f'{head} FATAL:  password authentication failed for user "app"'),
            (
                ERR,
                f'{head} DETAIL:  Connection matched file "/var/lib/postgresql/data/'
                f'pg_hba.conf" line 128: "host all all all scram-sha-256"',
            ),
        ]
    if kind == "warning":
        return [(ERR, f"{head} WARNING:  there is no transaction in progress")]
    if kind == "deadlock":
        other = rng.randrange(60, 9000)
        return [
            (ERR, f"{head} ERROR:  deadlock detected"),
            (
                ERR,
                f"{head} DETAIL:  Process {pid} waits for ShareLock on transaction "
                f"{rng.randrange(10**5, 10**6)}; blocked by process {other}.",
            ),
            (ERR, f"{head} HINT:  See server log for query details."),
            (
                ERR,
                f"{head} STATEMENT:  UPDATE inventory SET qty = qty - 1 WHERE sku = "
                f"'A-{rng.randrange(100, 999)}'",
            ),
        ]
    if kind == "panic_word":
        return [(ERR, f'{head} LOG:  parameter "log_min_error_statement" changed to "panic"')]
    return [(ERR, f"{head} LOG:  connection authorized: user=app database=app application_name=web-app")]


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


# -- worker: logfmt job runner with a Go sidecar (glog) and logrus colours -----------------


def worker(rng: Random, ts: int) -> Event:
    """A queue worker logging logfmt, plus a Go sidecar that logs glog lines to stderr."""
    iso = f"{_gm(ts, '%Y-%m-%dT%H:%M:%S')}.{_ms(ts):03d}Z"
    job = rng.randrange(10**5, 10**6)
    kind = _weighted(
        rng,
        (
            (50, "done"),
            (10, "warn"),
            (6, "error"),
            (10, "glog_i"),
            (3, "glog_w"),
            (2, "glog_e"),
            (4, "logrus"),
            (4, "info_error"),
            (1, "glog_f"),
        ),
    )
    queue = rng.choice(("emails", "thumbnails", "invoices", "webhooks"))
    glog = f"{_gm(ts, '%m%d %H:%M:%S')}.{ts % NS // 1000:06d}       1"
    if kind == "done":
        return [
            (
                OUT,
                f'time={iso} level=info msg="job done" job_id={job} queue={queue} '
                f"duration_ms={rng.randrange(3, 900)}",
            )
        ]
    if kind == "warn":
        return [
            (
                OUT,
                f'time={iso} level=warn msg="retrying job" job_id={job} queue={queue} '
                f'attempt={rng.randrange(2, 5)} err="i/o timeout"',
            )
        ]
    if kind == "error":
        return [
            (
                OUT,
                f'time={iso} level=error msg="job failed" job_id={job} queue={queue} '
                f'err="smtp: 550 5.1.1 mailbox unavailable"',
            )
        ]
    if kind == "info_error":
        return [(OUT, f'time={iso} level=info msg="error queue drained" queue={queue}-errors remaining=0')]
    if kind == "logrus":
        return [
            (
                OUT,
                f"\x1b[36mINFO\x1b[0m[{rng.randrange(0, 9999):04d}] heartbeat              "
                f"\x1b[36mqueue\x1b[0m={queue} \x1b[36mworkers\x1b[0m=8",
            )
        ]
    if kind == "glog_i":
        return [
            (
                ERR,
                f"I{glog} metrics.go:61] flushed {rng.randrange(10, 300)} series to prometheus remote write",
            )
        ]
    if kind == "glog_w":
        return [
            (
                ERR,
                f"W{glog} leader.go:118] lease renewal took {rng.randrange(2, 9)}s, "
                f"close to the 10s deadline",
            )
        ]
    if kind == "glog_f":
        return [
            (ERR, f"F{glog} sync.go:203] unrecoverable: checksum mismatch on segment {rng.randrange(1, 99)}"),
            (ERR, "goroutine 1 [running]:"),
            (ERR, "main.(*Syncer).apply(0xc0001a2000, {0xc000214000, 0x3, 0x4})"),
            (ERR, "\t/src/sync.go:203 +0x2a5"),
            (ERR, "main.main()"),
            (ERR, "\t/src/main.go:57 +0x1c5"),
        ]
    return [(ERR, f"E{glog} sync.go:88] failed to sync bucket invoices: context deadline exceeded")]


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
