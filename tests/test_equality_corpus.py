"""The equality corpus (issue #12, item 5): one mixed history, run through the reference
path and through every newer path; entries, levels, stamps, masked text, order and JSON
bytes must be identical.

Reference ("old") path: both streams decoded whole, masked whole (`mask_text`), parsed whole
(`parse_docker_output`, which merges with `merge_by_time`), each entry written with
`json.dumps(entry.to_dict(), ensure_ascii=False)` and made terminal-safe.

Newer paths: `StreamReader`s fed the bytes in arbitrary chunks, merged by `TimeMerge`
(spilling to its file or not), written by `json_lines`; and the CLI's streaming
`container --json` and `logs --json` over a real SSH connection, parsing in its own process
and in parse processes; and the columnar core (`logtui.columnar`: chunk grouping, batch
levels, the masking gate) forced onto every chunk, however small.

The corpus: every line of the level corpus (23 formats, colours included), Python
tracebacks (chained), Java stack traces (`Caused by:`), a Go panic with its goroutine dump,
JSON and logfmt lines, PostgreSQL DETAIL lines, CRLF line ends, invalid UTF-8, secrets of
several shapes (a value on the next line, a private-key block), lines Docker split into
16 KiB parts, blank and indented lines, entries with equal stamps on both streams; with
Docker's nanosecond stamps, or podman's whole seconds.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_server import Reply, ps_row, serving
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scripted import config_free_env

from logtui import masking_gate, reader
from logtui.columnar import grouping, levels
from logtui.json_lines import json_lines
from logtui.masking import mask_text
from logtui.parser import parse_docker_output
from logtui.reader import StreamReader, decode
from logtui.simhost.workload import LOG_PART_BYTES
from logtui.textsafe import json_for_terminal
from logtui.time_merge import TimeMerge

NAME = "corpus"
LEVELS = Path(__file__).parent / "data" / "levels"

TRACEBACK = [
    "[ERROR] request failed",
    "Traceback (most recent call last):",
    '  File "/app/views.py", line 42, in checkout',
    "    total = cart.total()",
    "ZeroDivisionError: division by zero",
    "",
    "During handling of the above exception, another exception occurred:",
    "",
    "Traceback (most recent call last):",
    '  File "/app/views.py", line 44, in checkout',
    '    raise CheckoutError("no total")',
    "app.errors.CheckoutError: no total",
]
JAVA = [
    "2025-08-16 14:30:22.123 ERROR 1 --- [nio-8080-exec-1] o.a.c.c.C.[.[.[/].[dispatcherServlet] : failed",
    "java.lang.IllegalStateException: boom",
    "\tat com.example.Service.run(Service.java:42)",
    "\tat com.example.Main.main(Main.java:7)",
    "Caused by: java.io.IOException: disk full",
    "\t... 5 more",
]
GO_PANIC = [
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a2b3c]",
    "",
    "goroutine 1 [running]:",
    "main.handler(0xc000010000)",
    "\t/app/main.go:42 +0x1d",
    "created by main.main in goroutine 1",
    "\t/app/main.go:12 +0x5e",
]
POSTGRES = [
    '2025-08-16 14:30:22.123 UTC [61] ERROR:  relation "users" does not exist at character 15',
    "2025-08-16 14:30:22.123 UTC [61] STATEMENT:  SELECT * FROM users",
]
SECRETS = [
    "connecting with password=hunter2 to db",
    "Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345",
    "api_key:",
    "",
    "    sk_live_0123456789abcdefghij",
    "-----BEGIN RSA PRIVATE KEY-----",
    "MIIEpAIBAAKCAQEA0123456789abcdefghijklmnopqrstuvwxyz",
    "-----END RSA PRIVATE KEY-----",
    "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
]


def _level_lines() -> list[str]:
    lines = []
    for path in sorted(LEVELS.glob("*.tsv")):
        for row in path.read_text(encoding="utf-8").split("\n"):
            if row and not row.startswith("#"):
                lines.append(row.split("\t", 1)[1])
    return lines


def _blocks(rng: random.Random) -> list[list[bytes]]:
    """Groups of lines written together (one group at one moment, on one stream)."""
    blocks: list[list[bytes]] = [[line.encode()] for line in _level_lines()]
    for lines in (TRACEBACK, JAVA, GO_PANIC, POSTGRES, SECRETS):
        blocks += [[line.encode() for line in lines]] * 3
    blocks += [
        [b'{"level":"error","msg":"job failed","error":"TimeoutError","n":1}'],
        [b'time=2025-08-16T14:30:22Z level=warn msg="slow query" duration=2.1s'],
        [b"[INFO] a tty line\r", b"[ERROR] another tty line\r"],  # CRLF line ends
        [b"invalid utf-8 \xff\xfe\xc3( here", b"[WARNING] half a char \xe2\x82"],
        [b"\x1b[31m[ERROR]\x1b[0m coloured level"],
        [b"", b"   indented after a blank line"],
        [b"[INFO] long " + b"y" * (LOG_PART_BYTES * 2 + 100)],  # Docker splits it in three
        [b"[INFO] exactly two parts " + b"z" * (LOG_PART_BYTES * 2 - 25)],
    ]
    rng.shuffle(blocks)
    return blocks


def _stamp(ns: int, podman: bool) -> bytes:
    seconds, fraction = divmod(ns, 1_000_000_000)
    minute, second = divmod(seconds, 60)
    hour, minute = divmod(minute, 60)
    base = f"2025-08-16T{14 + hour:02d}:{minute:02d}:{second:02d}"
    return (base + ("Z " if podman else f".{fraction:09d}Z ")).encode()


def _render(line: bytes, stamp: bytes) -> bytes:
    """As `docker logs --timestamps` prints it: a long line as stamped 16 KiB parts."""
    if len(line) < LOG_PART_BYTES:
        return stamp + line + b"\n"
    parts = [line[at : at + LOG_PART_BYTES] for at in range(0, len(line), LOG_PART_BYTES)]
    if len(line) % LOG_PART_BYTES == 0:
        parts.append(b"")
    return b"".join(stamp + part for part in parts) + b"\n"


def corpus(podman: bool, seed: int = 12) -> tuple[bytes, bytes]:
    """(stdout, stderr) of `docker logs --timestamps` for the mixed history."""
    rng = random.Random(seed)
    out: list[bytes] = []
    err: list[bytes] = []
    ns = 0
    for block in _blocks(rng):
        ns += rng.choice((0, 0, 1, 7_000, 30_000_000, 400_000_000))  # ties and both near and far
        stream = out if rng.random() < 0.6 else err
        stamp = _stamp(ns, podman)
        stream += [_render(line, stamp) for line in block]
    return b"".join(out), b"".join(err)


def reference_json(stdout: bytes, stderr: bytes) -> str:
    """The old path, whole: decode, mask, parse, merge, `json.dumps` each entry."""
    entries = parse_docker_output(NAME, mask_text(decode(stdout)), mask_text(decode(stderr)))
    text = "".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in entries)
    return json_for_terminal(text)


CORPORA = {"docker": corpus(podman=False), "podman": corpus(podman=True)}


@pytest.mark.parametrize("engine", CORPORA)
def test_the_corpus_is_what_it_says(engine: str) -> None:
    """Big and mixed enough to mean something: both streams, split lines, bad bytes."""
    stdout, stderr = CORPORA[engine]
    assert stdout.count(b"\n") + stderr.count(b"\n") > 1_100
    assert min(stdout.count(b"\n"), stderr.count(b"\n")) > 300
    assert b"\xff\xfe" in stdout + stderr and b"\r\n" in stdout + stderr
    reference = reference_json(stdout, stderr)
    rows = [json.loads(line) for line in reference.splitlines()]
    assert {r["level"] for r in rows} == {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
    assert any("Traceback" in r["raw_line"] and "CheckoutError" in r["raw_line"] for r in rows)
    assert any("y" * (LOG_PART_BYTES * 2 + 100) in r["raw_line"] for r in rows)  # parts joined
    assert "hunter2" not in reference and "sk_live_0123456789" not in reference


def _streamed(stdout: bytes, stderr: bytes, cuts: list[int], hold_bytes: int, order: list[int]) -> str:
    """The newer path in-process: readers fed chunks of the given sizes, the streams
    interleaved as `order` says, merged by `TimeMerge` as they arrive."""
    data = {0: stdout, 1: stderr}
    readers = {0: StreamReader(NAME, "stdout", True), 1: StreamReader(NAME, "stderr", True)}
    at = {0: 0, 1: 0}
    merge = TimeMerge(2, hold_bytes)
    out: list[str] = []
    turn = 0
    while at[0] < len(data[0]) or at[1] < len(data[1]):
        source = order[turn % len(order)]
        if at[source] >= len(data[source]):
            source = 1 - source
        size = cuts[turn % len(cuts)]
        turn += 1
        merge.add(source, readers[source].feed(data[source][at[source] : at[source] + size]))
        at[source] += size
        out.append(json_lines(merge.ready()))
    for source in (0, 1):
        merge.add(source, readers[source].close())
        merge.end(source)
    while batch := merge.ready():
        out.append(json_lines(batch))
    merge.close()
    return "".join(out)


@settings(max_examples=25, deadline=None)
@given(
    engine=st.sampled_from(sorted(CORPORA)),
    cuts=st.lists(st.integers(1, 70_000), min_size=1, max_size=8),
    order=st.lists(st.integers(0, 1), min_size=1, max_size=6),
    hold_bytes=st.sampled_from([0, 4096, 1 << 30]),
)
def test_streamed_chunks_give_the_reference_bytes(
    engine: str, cuts: list[int], order: list[int], hold_bytes: int
) -> None:
    stdout, stderr = CORPORA[engine]
    assert _streamed(stdout, stderr, cuts, hold_bytes, order) == reference_json(stdout, stderr)


@pytest.fixture
def columnar_everywhere():
    """Every chunk takes the columnar paths, whatever its size (they are exact by design;
    their size thresholds are only about speed)."""
    saved = (reader.COLUMNAR_CHARS, grouping.MIN_CHARS, levels.VECTOR_MIN)
    saved_gate = (masking_gate.MIN_CHARS, masking_gate.MAX_SHARE)
    reader.COLUMNAR_CHARS = grouping.MIN_CHARS = levels.VECTOR_MIN = 0
    masking_gate.MIN_CHARS, masking_gate.MAX_SHARE = 0, float("inf")
    yield
    reader.COLUMNAR_CHARS, grouping.MIN_CHARS, levels.VECTOR_MIN = saved
    masking_gate.MIN_CHARS, masking_gate.MAX_SHARE = saved_gate


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    engine=st.sampled_from(sorted(CORPORA)),
    cuts=st.lists(st.integers(1, 300_000), min_size=1, max_size=5),
    order=st.lists(st.integers(0, 1), min_size=1, max_size=4),
)
def test_the_columnar_core_gives_the_reference_bytes(
    engine: str, cuts: list[int], order: list[int], columnar_everywhere
) -> None:
    stdout, stderr = CORPORA[engine]
    assert _streamed(stdout, stderr, cuts, 1 << 30, order) == reference_json(stdout, stderr)


def test_the_columnar_core_sees_the_whole_corpus_at_once(columnar_everywhere, monkeypatch) -> None:
    """Each stream in one chunk: one batch of levels and one gate pass over all of it, with
    Docker's stamps and with podman's whole seconds."""
    seen: list[int] = []
    original = levels.levels_counted

    def counted(texts: list[str]) -> tuple[list[str | None], int]:
        seen.append(len(texts))
        return original(texts)

    monkeypatch.setattr(grouping, "levels_counted", counted)
    for engine, (stdout, stderr) in CORPORA.items():
        assert _streamed(stdout, stderr, [1 << 30], 1 << 30, [0, 1]) == reference_json(stdout, stderr), engine
    assert len(seen) == 4 and min(seen) > 100


@pytest.mark.parametrize("workers", ["0", "2"])
@pytest.mark.parametrize("engine", CORPORA)
def test_the_cli_over_ssh_gives_the_reference_bytes(engine: str, workers: str, tmp_path: Path) -> None:
    """`container --json` and `logs --json` against an SSH server answering the corpus."""
    stdout, stderr = CORPORA[engine]
    script = {
        "docker logs": Reply(stdout=stdout, stderr=stderr, chunk=5_000),
        "docker ps": Reply(stdout=ps_row(NAME)),
    }
    with serving(script) as server:
        env = {**config_free_env(), **server.environment(tmp_path), "LOGTUI_PARSE_WORKERS": workers}
        want = reference_json(stdout, stderr)
        for command in (["container", NAME, "24", "--json"], ["logs", "24", "--json"]):
            result = subprocess.run(
                [sys.executable, "-m", "logtui", *command], env=env, capture_output=True, timeout=120
            )
            assert result.returncode == 0, result.stderr.decode(errors="replace")
            assert result.stdout.decode("utf-8") == want, command
