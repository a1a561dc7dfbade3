"""`BulkContainer`: a history of a million lines and more, rendered fast, for benchmarks.

Apart from the other kinds because it is benchmark machinery: it renders by index arithmetic
in chunks of 16384 lines (its own stamp loop, never one giant string) rather than line by
line, so the client, not the simulated host, is what a benchmark measures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from random import Random

from .container import Container
from .dockerfmt import NS, log_timestamp
from .loglines import LogLine
from .profiles import PROFILES


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
