"""The simulated containers: their metadata, their state and what they log, over time.

Time is an int of nanoseconds since the epoch everywhere. A line is *visible* once the
clock has reached its timestamp, so history queries, follow streams and reconnects all
agree: asking twice for the same interval gives the same lines.

Three kinds of container:
- `GeneratedContainer`: endless realistic log text, a pure function of (seed, name, 10 s
  bucket), generated lazily, so 24 h of history costs nothing until asked for.
- `ScriptedContainer`: exact lines written by a test at run time with `.write()`.
- `BulkContainer`: N lines spread over a past period, rendered in chunks at well over a
  million lines a second, for benchmarks of the client.
`default_containers()` builds the demo host: web-app, api-server, database, nginx, worker and
one exited container.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random
from typing import Any, NamedTuple

from ..guard import validate_container_name
from .dockerfmt import NS, log_timestamp
from .profiles import PROFILES, Profile, exited_job_script

Clock = Callable[[], int]
"""Returns the current time in ns since the epoch (time.time_ns, or a test's fake)."""

HOUR_NS = 3600 * NS
STREAMS = ("stdout", "stderr")


class LogLine(NamedTuple):
    """One line as the daemon stored it; (ts, seq) orders lines exactly."""

    ts: int
    seq: int
    stream: str
    data: bytes


@dataclass(frozen=True)
class Port:
    """A container port, published on the host when `host_port` is set."""

    container_port: int
    proto: str = "tcp"
    host_ip: str = ""
    host_port: int | None = None


@dataclass(frozen=True)
class Mount:
    """A named volume (or a bind mount when `kind` is "bind")."""

    name: str
    destination: str
    kind: str = "volume"


@dataclass
class Resources:
    """What `docker stats` reports around: typical CPU %, memory and process count."""

    cpu_percent: float = 1.0
    mem_bytes: int = 64 * 1024 * 1024
    mem_limit: int = 8_192_606_208
    pids: int = 4


def _ns_from(ts: float | str | None, clock: Clock) -> int:
    """A time given as float seconds (exact to its decimal digits), RFC 3339, or now."""
    if ts is None:
        return clock()
    if isinstance(ts, str):
        from .dockerfmt import parse_docker_time

        return parse_docker_time(ts, clock())
    return int(Decimal(repr(ts)) * NS)


def container_id(seed: int, name: str) -> str:
    """A stable 64-hex container ID, so that separate runs agree."""
    return hashlib.sha256(f"logtui-sim:{seed}:{name}".encode()).hexdigest()


@dataclass(eq=False)
class Container:
    """A container the simulated daemon knows: metadata, state, and (in subclasses) its log."""

    name: str
    image: str = "busybox:latest"
    command: Sequence[str] = ("sh",)
    created_ns: int = 0
    started_ns: int | None = None
    finished_ns: int | None = None
    exit_code: int = 0
    seed: int = 0
    env: Sequence[str] = ()
    labels: dict[str, str] = field(default_factory=dict)
    ports: Sequence[Port] = ()
    mounts: Sequence[Mount] = ()
    health: str | None = None
    resources: Resources = field(default_factory=Resources)
    network: str = "bridge"
    ip_address: str = "172.17.0.2"
    restart_count: int = 0

    def __post_init__(self) -> None:
        validate_container_name(self.name)
        self.id = container_id(self.seed, self.name)
        if self.started_ns is None:
            self.started_ns = self.created_ns
        self._listeners: set[Callable[[], None]] = set()

    # -- state --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.finished_ns is None

    @property
    def state(self) -> str:
        return "running" if self.running else "exited"

    def now_ns(self) -> int:
        """This container's idea of now (ScriptedContainer takes a clock)."""
        return time.time_ns()

    def stop(self, exit_code: int = 0, ts: float | str | None = None) -> None:
        """The container's process ended: logs stay readable, follow streams end."""
        self.finished_ns = _ns_from(ts, self.now_ns)
        self.exit_code = exit_code
        self._notify()

    # -- change notification (follow streams wake at once instead of at the next poll) ----

    def add_listener(self, callback: Callable[[], None]) -> None:
        """Call `callback` (from any thread) whenever lines are written or the state changes."""
        self._listeners.add(callback)

    def remove_listener(self, callback: Callable[[], None]) -> None:
        self._listeners.discard(callback)

    def _notify(self) -> None:
        for callback in list(self._listeners):
            callback()

    # -- the log ------------------------------------------------------------------------

    def lines(self, start_ns: int, end_ns: int) -> Iterator[LogLine]:
        """Lines with start_ns <= ts < end_ns, in order. Subclasses provide the log."""
        return iter(())

    def lines_between(self, t0: float, t1: float) -> list[LogLine]:
        """Lines with t0 <= ts < t1, in Unix seconds: the same lines every time."""
        return list(self.lines(_ns_from(t0, self.now_ns), _ns_from(t1, self.now_ns)))

    def last_lines(self, n: int, end_ns: int) -> list[LogLine]:
        """The last `n` lines with ts < end_ns, in order."""
        if n <= 0:
            return []
        return list(self.lines(0, end_ns))[-n:]

    def follow_cursor(self, now_ns: int) -> Any:
        """A position just after every line visible at `now_ns`."""
        return now_ns

    def poll(self, cursor: Any, now_ns: int) -> tuple[list[LogLine], Any]:
        """Lines that became visible since `cursor`, and the new cursor."""
        if now_ns <= cursor:
            return [], cursor
        return list(self.lines(cursor + 1, now_ns + 1)), now_ns

    def query(
        self, since_ns: int | None, until_ns: int | None, tail: int | None, now_ns: int
    ) -> Iterator[LogLine]:
        """`docker logs` selection: the last `tail` lines of the whole log, then since/until.

        As in Docker's log drivers, --tail counts back from the end of the log and --since
        (inclusive) and --until (inclusive) then filter that tail.
        """
        start = since_ns or 0
        end = now_ns + 1 if until_ns is None else min(until_ns, now_ns) + 1
        if start >= end:
            return iter(())
        if tail is None:
            return self.lines(start, end)
        return (line for line in self.last_lines(tail, now_ns + 1) if start <= line.ts < end)

    def render(
        self,
        since_ns: int | None,
        until_ns: int | None,
        tail: int | None,
        now_ns: int,
        *,
        timestamps: bool = True,
    ) -> Iterator[tuple[str, bytes]]:
        """The selected lines as `docker logs` prints them, in (stream, bytes) chunks."""
        return render_lines(self.query(since_ns, until_ns, tail, now_ns), timestamps=timestamps)


LOG_PART_BYTES = 16384
"""Docker's json-file and local drivers store a longer line as parts of this many bytes."""


def render_line(line: LogLine, *, timestamps: bool = True) -> bytes:
    """One line as `docker logs` prints it (Docker 23+, json-file or local driver).

    A line longer than LOG_PART_BYTES was stored as parts, every one stamped with the first
    part's time; only the last ends with a newline, and is empty when the line's length is
    a multiple of the part size. So with `--timestamps` the parts run together, each after
    its stamp: `<ts> <16384 bytes><ts> <rest>\\n`. Without, the line reads as written.
    """
    data = line.data
    if not timestamps:
        return data + b"\n"
    stamp = log_timestamp(line.ts) + b" "
    if len(data) < LOG_PART_BYTES:
        return stamp + data + b"\n"
    parts = [data[at : at + LOG_PART_BYTES] for at in range(0, len(data), LOG_PART_BYTES)]
    if len(data) % LOG_PART_BYTES == 0:
        parts.append(b"")
    return b"".join(stamp + part for part in parts) + b"\n"


def render_lines(
    lines: Iterable[LogLine], *, timestamps: bool = True, batch: int = 512
) -> Iterator[tuple[str, bytes]]:
    """Format lines into chunks per stream; a chunk holds up to `batch` lines.

    Within one chunk the two streams are written one after the other, not interleaved:
    an SSH client reads them independently anyway, so only timestamps order them.
    """
    parts: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
    order: list[str] = []
    count = 0
    for line in lines:
        bucket = parts[line.stream]
        if not bucket:
            order.append(line.stream)
        bucket.append(render_line(line, timestamps=timestamps))
        count += 1
        if count >= batch:
            for stream in order:
                yield stream, b"".join(parts[stream])
                parts[stream] = []
            order, count = [], 0
    for stream in order:
        yield stream, b"".join(parts[stream])


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


# -- bulk: many lines, fast, for benchmarks -------------------------------------------------


@dataclass(eq=False)
class BulkContainer(Container):
    """`history_lines` mixed realistic lines evenly spread over the `period_s` before creation.

    Lines cycle through a pool of text made by the demo profiles (their embedded
    application timestamps are not the line's own). Rendering is by index arithmetic,
    streamed in chunks, never one giant string.
    """

    history_lines: int = 1_000_000
    period_s: float = 3600.0
    pool_size: int = 997

    def __post_init__(self) -> None:
        super().__post_init__()
        end = self.created_ns
        period = max(1, int(self.period_s * NS))
        self._step = max(1, period // max(1, self.history_lines))
        self._first = end - self._step * max(0, self.history_lines - 1)
        rng = Random(self.seed * 7919 + 17)
        pool: list[tuple[str, bytes]] = []
        profiles = list(PROFILES.values())
        while len(pool) < self.pool_size:
            for stream, text in rng.choice(profiles)(rng, self._first):
                pool.append((stream, text.encode()))
        self._pool = pool[: self.pool_size]
        self._tails = [b" " + data + b"\n" for _, data in self._pool]
        self._is_err = [stream == "stderr" for stream, _ in self._pool]

    def _line(self, i: int) -> LogLine:
        stream, data = self._pool[i % len(self._pool)]
        return LogLine(self._first + i * self._step, i, stream, data)

    def _index_range(self, start_ns: int, end_ns: int) -> tuple[int, int]:
        """Indices i with start_ns <= ts(i) < end_ns."""
        lo = max(0, -((self._first - start_ns) // self._step))
        hi = min(self.history_lines, max(0, -((self._first - end_ns) // self._step)))
        return lo, max(lo, hi)

    def lines(self, start_ns: int, end_ns: int) -> Iterator[LogLine]:
        lo, hi = self._index_range(start_ns, end_ns)
        return (self._line(i) for i in range(lo, hi))

    def last_lines(self, n: int, end_ns: int) -> list[LogLine]:
        lo, hi = self._index_range(0, end_ns)
        return [self._line(i) for i in range(max(lo, hi - n), hi)] if n > 0 else []

    def render(
        self,
        since_ns: int | None,
        until_ns: int | None,
        tail: int | None,
        now_ns: int,
        *,
        timestamps: bool = True,
    ) -> Iterator[tuple[str, bytes]]:
        start = since_ns or 0
        end = now_ns + 1 if until_ns is None else min(until_ns, now_ns) + 1
        lo, hi = self._index_range(start, end)
        if tail is not None:
            _, all_hi = self._index_range(0, now_ns + 1)
            lo = max(lo, all_hi - tail) if tail > 0 else hi
        return self._render_range(lo, hi, timestamps)

    def _render_range(self, lo: int, hi: int, timestamps: bool) -> Iterator[tuple[str, bytes]]:
        tails, is_err, size = self._tails, self._is_err, len(self._tails)
        chunk = 16384
        for c0 in range(lo, hi, chunk):
            c1 = min(c0 + chunk, hi)
            out: list[bytes] = []
            err: list[bytes] = []
            ts = self._first + c0 * self._step
            sec, frac = divmod(ts, NS)
            prefix = log_timestamp(sec * NS)[:-11] + b"."
            for i in range(c0, c1):
                k = i % size
                text = b"%s%09dZ%s" % (prefix, frac, tails[k]) if timestamps else tails[k][1:]
                (err if is_err[k] else out).append(text)
                frac += self._step
                if frac >= NS:
                    sec, frac = sec + frac // NS, frac % NS
                    prefix = log_timestamp(sec * NS)[:-11] + b"."
            if out:
                yield "stdout", b"".join(out)
            if err:
                yield "stderr", b"".join(err)


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
