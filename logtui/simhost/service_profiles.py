"""The demo's back-end services: a Node API logging JSON, PostgreSQL, a queue worker with a Go
sidecar (see `profiles` for what a profile is)."""

from __future__ import annotations

from random import Random

from ._profile_kit import (
    _METHODS,
    _PATHS,
    ERR,
    NS,
    OUT,
    Event,
    _gm,
    _ip,
    _ms,
    _rid,
    _weighted,
)


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
