"""The simulated containers: their metadata, their state and what they log, over time.

Time is an int of nanoseconds since the epoch everywhere. A line is *visible* once the
clock has reached its timestamp, so history queries, follow streams and reconnects all
agree: asking twice for the same interval gives the same lines.

Three kinds of container:
- `GeneratedContainer`: endless realistic log text, a pure function of (seed, name, 10 s
  bucket), generated lazily, so 24 h of history costs nothing until asked for.
- `ScriptedContainer`: exact lines written by a test at run time with `.write()`.
- `BulkContainer` (in `bulk`): N lines spread over a past period, rendered in chunks at well
  over a million lines a second, for benchmarks of the client.
`default_containers()` builds the demo host: web-app, api-server, database, nginx, worker and
one exited container. The base `Container` lives in `container`, `LogLine` and the bytes
`docker logs` prints for it in `loglines`; this module re-exports every name imported from it.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from random import Random
from typing import Any

from .bulk import BulkContainer as BulkContainer
from .container import Clock as Clock
from .container import Container as Container
from .container import Mount as Mount
from .container import Port as Port
from .container import Resources as Resources
from .container import _ns_from as _ns_from
from .container import container_id as container_id
from .dockerfmt import NS
from .loglines import LOG_PART_BYTES as LOG_PART_BYTES
from .loglines import LogLine as LogLine
from .loglines import render_line as render_line
from .loglines import render_lines as render_lines
from .profiles import PROFILES, Profile, exited_job_script

HOUR_NS = 3600 * NS
STREAMS = ("stdout", "stderr")


# -- generated: endless realistic logs ----------------------------------------------------


def _poisson(rng: Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@dataclass(eq=False)
class GeneratedContainer(Container):
    """A running service whose log is a pure function of (seed, name, time bucket)."""

    profile: Profile | None = None
    rate: float = 2.0
    """Mean events (a line, or a multi-line group) per second."""

    BUCKET_NS = 10 * NS

    def __post_init__(self) -> None:
        super().__post_init__()
        self._key = int(self.id[:15], 16)
        self._cache: OrderedDict[int, list[LogLine]] = OrderedDict()

    def _bucket(self, index: int) -> list[LogLine]:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        rng = Random(self._key * 1_000_003 + index)
        base = index * self.BUCKET_NS
        offsets = sorted(
            rng.randrange(self.BUCKET_NS) for _ in range(_poisson(rng, self.rate * self.BUCKET_NS / NS))
        )
        lines: list[LogLine] = []
        profile = self.profile or PROFILES["web-app"]
        for offset in offsets:
            ts = base + offset
            for stream, text in profile(rng, ts):
                lines.append(LogLine(ts, len(lines), stream, text.encode()))
        self._cache[index] = lines
        if len(self._cache) > 256:
            self._cache.popitem(last=False)
        return lines

    def _clip(self, start_ns: int, end_ns: int) -> tuple[int, int]:
        start = max(start_ns, self.started_ns or 0)
        if self.finished_ns is not None:
            end_ns = min(end_ns, self.finished_ns + 1)
        return start, end_ns

    def lines(self, start_ns: int, end_ns: int) -> Iterator[LogLine]:
        start, end = self._clip(start_ns, end_ns)
        if start >= end:
            return
        for index in range(start // self.BUCKET_NS, (end - 1) // self.BUCKET_NS + 1):
            for line in self._bucket(index):
                if start <= line.ts < end:
                    yield line

    def last_lines(self, n: int, end_ns: int) -> list[LogLine]:
        start, end = self._clip(0, end_ns)
        if n <= 0 or start >= end:
            return []
        found: list[list[LogLine]] = []
        total = 0
        index = (end - 1) // self.BUCKET_NS
        while total < n and index >= start // self.BUCKET_NS:
            chunk = [line for line in self._bucket(index) if start <= line.ts < end]
            found.append(chunk)
            total += len(chunk)
            index -= 1
        result = [line for chunk in reversed(found) for line in chunk]
        return result[-n:]


# -- scripted: exact lines for tests -------------------------------------------------------


@dataclass(eq=False)
class ScriptedContainer(Container):
    """A container whose log is exactly what the test writes, when it writes it.

    `write()` may be called from any thread. A line with a timestamp in the future
    becomes visible (to queries and follow streams) when the clock reaches it.
    """

    clock: Clock = time.time_ns

    def __post_init__(self) -> None:
        if not self.created_ns:
            self.created_ns = self.clock()
        super().__post_init__()
        self._lock = threading.Lock()
        self._log: list[LogLine] = []
        self._by_time: list[LogLine] = []

    def write(
        self,
        text: str | bytes,
        stream: str = "stdout",
        ts: float | str | None = None,
        *,
        ts_ns: int | None = None,
    ) -> list[LogLine]:
        """Append `text` (one line, or several split on newlines, sharing one timestamp).

        `ts` is Unix seconds (exact to its decimal digits), an RFC 3339 string, or None
        for now; `ts_ns` gives the time in ns instead. Bytes are kept as they are,
        invalid UTF-8 included.
        """
        if stream not in STREAMS:
            raise ValueError(f"stream must be 'stdout' or 'stderr', not {stream!r}")
        data = text.encode() if isinstance(text, str) else bytes(text)
        if data.endswith(b"\n"):
            data = data[:-1]
        when = ts_ns if ts_ns is not None else _ns_from(ts, self.clock)
        written = []
        with self._lock:
            for part in data.split(b"\n"):
                line = LogLine(when, len(self._log), stream, part)
                self._log.append(line)
                bisect.insort(self._by_time, line)
                written.append(line)
        self._notify()
        return written

    def now_ns(self) -> int:
        return self.clock()

    def lines(self, start_ns: int, end_ns: int) -> Iterator[LogLine]:
        with self._lock:
            lo = bisect.bisect_left(self._by_time, start_ns, key=lambda line: line.ts)
            hi = bisect.bisect_left(self._by_time, end_ns, key=lambda line: line.ts)
            return iter(self._by_time[lo:hi])

    def last_lines(self, n: int, end_ns: int) -> list[LogLine]:
        if n <= 0:
            return []
        with self._lock:
            hi = bisect.bisect_left(self._by_time, end_ns, key=lambda line: line.ts)
            return self._by_time[max(0, hi - n) : hi]

    def follow_cursor(self, now_ns: int) -> Any:
        with self._lock:
            pending = [line for line in self._log if line.ts > now_ns]
            return len(self._log), pending

    def poll(self, cursor: Any, now_ns: int) -> tuple[list[LogLine], Any]:
        seen, pending = cursor
        with self._lock:
            fresh = self._log[seen:]
            seen = len(self._log)
        waiting = pending + fresh
        ready = sorted(line for line in waiting if line.ts <= now_ns)
        return ready, (seen, [line for line in waiting if line.ts > now_ns])


# -- the demo host ---------------------------------------------------------------------------

_DEMO: tuple[tuple[str, str, tuple[str, ...], float, dict[str, Any]], ...] = (
    (
        "web-app",
        "registry.example.com/shop/web-app:2.14.3",
        ("gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "app.wsgi:application"),
        2.0,
        {
            "env": (
                "DATABASE_URL=postgres://app:s3cr3t@db/app",
                "SECRET_KEY=dj4ng0-s3cr3t-k3y-9f8e7d6c5b4a",
                "REDIS_URL=redis://:r3d1s-pw@redis:6379/0",
                "LOG_LEVEL=info",
            ),
            "ports": (Port(8000, host_ip="0.0.0.0", host_port=8000),),
            "health": "healthy",
            "labels": {"com.docker.compose.project": "shop", "com.docker.compose.service": "web-app"},
            "resources": Resources(3.1, 412 * 2**20, 8_192_606_208, 9),
            "ip_address": "172.17.0.3",
        },
    ),
    (
        "api-server",
        "registry.example.com/shop/api-server:1.8.0",
        ("docker-entrypoint.sh", "node", "dist/server.js"),
        1.5,
        {
            "env": (
                "NODE_ENV=production",
                "API_TOKEN=tok_live_51HxQ2eKz8vYq3R7mN0pL4wT",
                "JWT_SECRET=jwt-s3cr3t-do-not-share",
            ),
            "ports": (Port(3000, host_ip="0.0.0.0", host_port=3000),),
            "labels": {"com.docker.compose.project": "shop", "com.docker.compose.service": "api-server"},
            "resources": Resources(1.4, 187 * 2**20, 8_192_606_208, 11),
            "ip_address": "172.17.0.4",
        },
    ),
    (
        "database",
        "postgres:16.4",
        ("docker-entrypoint.sh", "postgres"),
        0.6,
        {
            "env": (
                "POSTGRES_USER=app",
                "POSTGRES_PASSWORD=s3cr3t",
                "POSTGRES_DB=app",
                "PGDATA=/var/lib/postgresql/data",
            ),
            "ports": (Port(5432),),
            "mounts": (Mount("shop_pgdata", "/var/lib/postgresql/data"),),
            "resources": Resources(0.8, 96 * 2**20, 8_192_606_208, 8),
            "ip_address": "172.17.0.5",
        },
    ),
    (
        "nginx",
        "nginx:1.27",
        ("/docker-entrypoint.sh", "nginx", "-g", "daemon off;"),
        3.0,
        {
            "env": ("NGINX_VERSION=1.27.1",),
            "ports": (Port(80, host_ip="0.0.0.0", host_port=80), Port(443, host_ip="0.0.0.0", host_port=443)),
            "labels": {"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"},
            "resources": Resources(0.3, 12 * 2**20, 8_192_606_208, 5),
            "ip_address": "172.17.0.2",
        },
    ),
    (
        "worker",
        "registry.example.com/shop/worker:2.14.3",
        ("python", "-m", "worker", "--queues", "emails,thumbnails,invoices,webhooks"),
        1.0,
        {
            "env": (
                "AWS_ACCESS_KEY_ID=AKIAEXAMPLE0000000000",
                "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "SMTP_PASSWORD=smtp-s3cr3t",
            ),
            "resources": Resources(0.6, 140 * 2**20, 8_192_606_208, 6),
            "ip_address": "172.17.0.6",
        },
    ),
)


def default_containers(
    seed: int = 0,
    *,
    now_ns: int | None = None,
    rate_scale: float = 1.0,
    history_hours: float = 24.0,
) -> list[Container]:
    """The demo host's containers. Their times are anchored on the current hour, so that
    separate processes started within the same hour (the e2e `docker` program) agree."""
    now = time.time_ns() if now_ns is None else now_ns
    anchor = now // HOUR_NS * HOUR_NS
    history = int(history_hours * HOUR_NS)
    containers: list[Container] = []
    for i, (name, image, command, rate, extra) in enumerate(_DEMO):
        created = anchor - history - (len(_DEMO) - i) * 61 * NS - 123_456_789 * (i + 1)
        containers.append(
            GeneratedContainer(
                name=name,
                image=image,
                command=command,
                created_ns=created,
                started_ns=created + 812_345_678,
                seed=seed,
                profile=PROFILES[name],
                rate=rate * rate_scale,
                **extra,
            )
        )
    start = anchor - 2 * HOUR_NS + 600 * NS + 402_118_337
    job = ScriptedContainer(
        name="exited-job",
        image="registry.example.com/shop/web-app:2.14.3",
        command=("python", "manage.py", "migrate", "--noinput"),
        created_ns=start - 2 * NS,
        started_ns=start,
        seed=seed,
        env=("DATABASE_URL=postgres://app:s3cr3t@db/app",),
        labels={"com.docker.compose.project": "shop", "com.docker.compose.service": "migrate"},
        resources=Resources(0.0, 0, 0, 0),
        ip_address="",
    )
    script = exited_job_script(start)
    for offset, stream, text in script:
        job.write(text, stream, ts_ns=start + offset)
    job.finished_ns = start + script[-1][0] + 48_211_005
    job.exit_code = 3
    containers.append(job)
    return containers
