"""Masking is line by line: it never touches a docker stamp or another line's text, a value
written on the line after its key is masked after that line's own stamp, and the result
does not depend on how the stream was cut into chunks (finding 4 of "Security II")."""

from __future__ import annotations

import random
import time
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logtui.masking import StreamMasker, mask_text
from logtui.models import LogEntry
from logtui.parser import split_docker_line
from logtui.reader import StreamReader
from logtui.remote import RemoteDocker
from logtui.simhost import ScriptedContainer, SimulatedHost

S1 = "2025-08-16T14:30:01.000000001Z "
S2 = "2025-08-16T14:30:02.000000002Z "
S3 = "2025-08-16T14:30:03.000000003Z "


@pytest.mark.parametrize(
    "key_line",
    [
        '[INFO] config "password":',
        "[INFO] login token=",
        "[INFO] app secret:",
        "[INFO] forwarding Authorization: Bearer",
        "[INFO] header Authorization:",
        "[INFO] set password  ",
        "[INFO] db password:\r",
    ],
)
@pytest.mark.parametrize(
    "next_line", ["[ERROR] connection refused", "[WARNING] retrying in 5s", "GET /health 200"]
)
def test_a_key_at_the_end_of_a_line_never_masks_the_next_lines_stamp(key_line: str, next_line: str) -> None:
    """The key/value rule's `\\s*` crossed the line end and took the next stamp as the value."""
    text = f"{S1}{key_line}\n{S2}{next_line}\n{S3}[INFO] done"
    assert mask_text(text) == text


@pytest.mark.parametrize(
    ("key_line", "value_line", "masked_line"),
    [
        ('[INFO] config "password":', '"Hunter2xyz"', '"***"'),
        ('{"user": "bob", "password":', '  "Hunter2xyz", "level": "info"}', '  "***", "level": "info"}'),
        ("[INFO] login token=", "abc123xyz", "***"),
        ("[INFO] app secret:", "  s3cr3t-value,", "  ***,"),
        ("[INFO] forwarding Authorization: Bearer", "abcdefgh123", "***"),
        ("[INFO] header Authorization:", "Basic dXNlcjpwYXNz", "Basic ***"),
        ("[INFO] db password:\r", '"Hunter2xyz"\r', '"***"\r'),
    ],
)
def test_a_value_on_the_next_line_is_masked_after_that_lines_stamp(
    key_line: str, value_line: str, masked_line: str
) -> None:
    text = f"{S1}{key_line}\n{S2}{value_line}\n{S3}[INFO] done"
    assert mask_text(text) == f"{S1}{key_line}\n{S2}{masked_line}\n{S3}[INFO] done"


def test_a_value_may_wait_behind_blank_lines_and_a_separator_line() -> None:
    assert mask_text(f"{S1}token\n{S2}\n{S2}:\n{S3}postgres-pw") == f"{S1}token\n{S2}\n{S2}:\n{S3}***"
    assert mask_text("token\n\n:\npostgres-pw") == "token\n\n:\n***"
    assert mask_text("Authorization:\n Bearer\n abcdefgh123") == "Authorization:\n Bearer\n ***"
    assert mask_text("password:\n\n\n\n\nlater-text") == "password:\n\n\n\n\nlater-text"  # too far


@pytest.mark.parametrize(
    "text",
    [
        f"{S1}Enter password:\n{S2}Connected to db",
        f'{S1}"password":\n{S2}[WARNING] "a new record"',
        f'{S1}token=\n{S2}{{"event": "next"}}',
        "reset token:\n2025-08-16 14:30:22,123 INFO next record",
        f"{S1}missing bearer\n{S2}ok",
    ],
)
def test_a_new_record_on_the_next_line_is_not_taken_for_a_value(text: str) -> None:
    """Only a quoted string, or a word alone on its line, continues a key's line."""
    assert mask_text(text) == text


def test_stamps_are_never_masked() -> None:
    """Whatever precedes it, a line keeps its docker stamp (offsets and podman's whole
    seconds included), and the parser still finds it."""
    stamps = ["2025-08-16T14:30:22.123456789Z", "2025-08-16T14:30:22Z", "2025-08-16T16:30:22.5+02:00"]
    for stamp in stamps:
        for before in (
            "password=",
            "token:",
            "Authorization: Bearer",
            '"secret":',
            "-----BEGIN RSA PRIVATE KEY-----",
        ):
            masked = mask_text(f"{S1}{before}\n{stamp} abc123xyz").split("\n")[1]
            assert split_docker_line(masked)[0] == stamp


def docker_text(seed: int, count: int = 400) -> str:
    """Stamped lines: multi-line secrets of every kind between ordinary lines."""
    rng = random.Random(seed)
    groups = [
        ["[INFO] config loaded", "GET /api/users/42 200 13ms"],
        ['[INFO] config "password":', '"Hunter2xyz"'],
        ["[INFO] login token=", "abc123xyz"],
        ["[INFO] header Authorization:", "Bearer", "abcdefgh123"],
        ["[ERROR] db password:", "[ERROR] connection refused"],
        ["token", "", ":", "postgres-pw"],
        [
            "-----BEGIN RSA PRIVATE KEY-----",
            "Proc-Type: 4,ENCRYPTED",
            "",
            "MIIEowIBAAKCAQEA",
            "QUFBQQ==",
            "-----END RSA PRIVATE KEY-----",
        ],
        ["[INFO] CRLF password:\r", '"Crlf-Secret1"\r'],
        ["[INFO] plain password=hunter2 user=bob"],
    ]
    lines: list[str] = []
    while len(lines) < count:
        lines += rng.choice(groups)
    return "\n".join(f"2025-08-16T14:30:{i // 1000:02d}.{i:09d}Z {line}" for i, line in enumerate(lines))


SECRETS = (
    "Hunter2xyz",
    "abc123xyz",
    "abcdefgh123",
    "postgres-pw",
    "MIIEowIBAAKCAQEA",
    "QUFBQQ==",
    "Crlf-Secret1",
    "hunter2",
)


def read(data: bytes, sizes: list[int], rng: random.Random, quiet: float = 0.0) -> list[LogEntry]:
    """Entries of one stream read in chunks of the given sizes, going quiet now and then."""
    reader = StreamReader("app", "stdout", True)
    entries: list[LogEntry] = []
    at = 0
    while at < len(data):
        size = rng.choice(sizes)
        entries += reader.feed(data[at : at + size])
        at += size
        if rng.random() < quiet:
            entries += reader.quiet()
    return entries + reader.close()


def raw_lines(entries: list[LogEntry]) -> list[str]:
    return [line for e in entries for line in e.raw_line.split("\n")]


@pytest.mark.parametrize("seed", range(4))
def test_masking_does_not_depend_on_the_chunking(seed: int) -> None:
    text = docker_text(seed)
    data = (text + "\n").encode()
    whole = read(data, [len(data)], random.Random(0))
    for sizes in ([1], [1, 7, 33], [100, 4096], [65536]):
        assert read(data, sizes, random.Random(seed)) == whole
        # going quiet may end an entry early (the parser's business), but masks nothing else
        assert raw_lines(read(data, sizes, random.Random(seed), quiet=0.2)) == raw_lines(whole)
    masked = raw_lines(whole)
    assert [split_docker_line(line)[0] for line in masked] == [line[:30] for line in text.split("\n")]
    assert not any(secret in line for line in masked for secret in SECRETS)
    assert masked == [line.removesuffix("\r") for line in mask_text(text).split("\n")]  # parser drops CR


FRAGMENTS = [
    S1,
    S2,
    "  ",
    "\r",
    "password",
    "token",
    "Authorization",
    "Bearer",
    "secret",
    '"',
    "'",
    ":",
    "=",
    " ",
    "Hunter2xyz",
    "abc123xyz",
    "[WARNING] x",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "MIIEowIBAAKCAQEA",
    "Proc-Type: 4,ENCRYPTED",
    "\\n",
    "redis://:pw@h",
    "Cookie: a=1; b=2",
    "İ",
]
LINES = st.lists(st.lists(st.sampled_from(FRAGMENTS), max_size=6).map("".join), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(LINES, st.lists(st.integers(min_value=1, max_value=29), max_size=6))
def test_masking_lines_in_any_pieces_is_masking_them_at_once(lines: list[str], cuts: list[int]) -> None:
    """Property: a stream masked in pieces (cut between any lines) is the stream masked whole."""
    masker = StreamMasker()
    bounds = [0, *sorted({c for c in cuts if c < len(lines)}), len(lines)]
    pieces = [masker.mask("\n".join(lines[a:b])) for a, b in pairwise(bounds) if a < b]
    assert "\n".join(pieces) == mask_text("\n".join(lines))


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_no_stamp_is_ever_masked(contents: list[str]) -> None:
    """Property: whatever the lines hold, each keeps its own docker stamp."""
    stamps = [f"2025-08-16T14:30:{i // 1000:02d}.{i:09d}Z " for i in range(len(contents))]
    masked = mask_text("\n".join(s + c for s, c in zip(stamps, contents, strict=True))).split("\n")
    assert len(masked) == len(stamps)
    assert all(line.startswith(stamp) for line, stamp in zip(masked, stamps, strict=True))


def test_stream_masker_equals_mask_text_line_by_line() -> None:
    text = docker_text(7, 300)
    masker = StreamMasker()
    assert "\n".join(masker.mask(line) for line in text.split("\n")) == mask_text(text)


async def test_value_on_the_next_line_end_to_end(tmp_path: Path) -> None:
    """Through SSH and the simulated docker: the value's entry keeps its own stamp and
    level, its secret is masked, and the reader gives the same entries however it is fed."""
    app = ScriptedContainer("app")
    base = time.time() - 60
    writes = [
        '[INFO] loading config "password":',
        '"Hunter2xyz"',
        "[WARNING] db token=",
        "[ERROR] connection refused",
        "[INFO] done",
    ]
    for i, line in enumerate(writes):
        app.write(line, "stdout", ts=base + i)
    async with SimulatedHost([app]) as host:
        remote = RemoteDocker(host.settings(audit_log=tmp_path / "audit.jsonl"))
        entries = await remote.logs("app")
        await remote.close()
    assert [e.message for e in entries] == [
        'loading config "password":',
        '"***"',
        "db token=",
        "connection refused",
        "done",
    ]
    assert [e.level for e in entries] == ["INFO", "INFO", "WARNING", "ERROR", "INFO"]
    seconds = [e.timestamp[:19] for e in entries]
    assert len(set(seconds)) == 5 and seconds == sorted(seconds)  # each its own stamp
    assert all(e.raw_line.startswith(e.docker_timestamp + " ") for e in entries)
    data = b"".join(chunk for _, chunk in app.render(None, None, None, time.time_ns()))
    for sizes in ([1], [5, 17], [len(data)]):
        assert read(data, sizes, random.Random(1)) == entries
