"""Where a line's CPU time goes: each parsing stage alone over the bench data's stdout.

`python -m bench.stages` prints µs per line for splitting and decoding (`LineSplitter`),
masking (`Masker`: big chunks through the gate), grouping into entries (`EntryAssembler`,
level detection included, and the columnar core's `ChunkGrouper`, which the readers use for
big chunks) and
level detection alone (`level_of`; `levels_of`, the same on the whole batch at once), and
writing `--json` lines (`json_lines`), each run over the whole 584k-line stdout file of the
1M-line history in 1 MiB chunks, in one process.
Not a suite of `python -m bench` (no target): it explains the ingest and CLI figures.
"""

from __future__ import annotations

import time
from typing import Any

from ._data import NAME, bulk_data


def run(lines: int = 1_000_000) -> dict[str, Any]:
    from logtui.columnar.grouping import ChunkGrouper
    from logtui.columnar.levels import levels_of
    from logtui.json_lines import json_lines
    from logtui.levels import level_of
    from logtui.parser import EntryAssembler
    from logtui.reader import LineSplitter, Masker

    data = bulk_data(lines).stdout.read_bytes()
    chunk = 1 << 20
    started = time.perf_counter()
    splitter = LineSplitter()
    texts = [t for i in range(0, len(data), chunk) if (t := splitter.feed_text(data[i : i + chunk]))]
    split = time.perf_counter()
    masker = Masker(True)
    masked = [masker.feed(t) or "" for t in texts]
    mask = time.perf_counter()
    assembler = EntryAssembler(NAME, "stdout")
    entries = [e for t in masked for e in assembler.feed_text(t)] + assembler.flush()
    group = time.perf_counter()
    grouper = ChunkGrouper(EntryAssembler(NAME, "stdout"))
    columnar = [e for t in masked for e in grouper.feed_text(t)] + grouper.assembler.flush()
    group_columnar = time.perf_counter()
    assert [e.compact() for e in columnar] == [e.compact() for e in entries]
    count = sum(t.count("\n") + 1 for t in masked)
    bodies = [line[31:] for t in masked for line in t.split("\n")]
    levels_start = time.perf_counter()
    for body in bodies:
        level_of(body)
    levels = time.perf_counter()
    levels_of(bodies)  # the same answers, a whole batch at once (Polars)
    batch = time.perf_counter()
    json_lines(entries)
    written = time.perf_counter()

    def per_line(seconds: float) -> float:
        return round(seconds / count * 1e6, 2)

    return {
        "stages_lines": count,
        "stages_entries": len(entries),
        "split_decode_us_per_line": per_line(split - started),
        "mask_us_per_line": per_line(mask - split),
        "group_us_per_line": per_line(group - mask),
        "group_columnar_us_per_line": per_line(group_columnar - group),
        "level_of_us_per_line": per_line(levels - levels_start),
        "levels_batch_us_per_line": per_line(batch - levels),
        "json_lines_us_per_line": per_line(written - batch),
    }


if __name__ == "__main__":
    print(run())
