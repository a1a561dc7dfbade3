"""The gate (`logtui.masking_gate`) runs the secret rules over only the lines of a big chunk
that may hold a match: whatever the text and wherever the stream is cut, the result is the
full masker's (`StreamMasker(gate=False)`), character for character."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench._data import bulk_data
from logtui import masking_gate
from logtui.masking import StreamMasker
from logtui.reader import LineSplitter

S1 = "2025-08-16T14:30:01.000000001Z "
S2 = "2025-08-16T14:30:02.000000002Z "
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
SHAPES = [
    # key = value, and keys whose value comes on a later line
    "password=hunter2",
    '"password":',
    "PASSWORD: 's3 cr3t'",
    "?user=bob&pass=hunter2&next=/",
    "pwd=abc123",
    "private_key=zz9",
    "secret:",
    "session_id=abc",
    "SharedAccessKey=abcDEF123+/=",
    "token",
    "TOKEN=abc123",
    "to\u212aen=abc123",  # KELVIN SIGN: the rules see `token`
    "max_tokens=512",
    "credentials=x1",
    "api_key=AbC123xyz",
    "AccessKey=AKxyz",
    "AccountKey=Zm9vYmFy+/YmF6==",
    '{"auth":"dXNlcjpwYXNzd29yZA=="}',
    "Authorization:",
    "Authorization: Bearer abc.def.ghi-123",
    "authorization: abcd1234efgh5678",
    "Basic dXNlcjpwYXNz",
    "Bearer",
    "bearer abcdefgh123",
    "Cookie: a=1; b=2",
    "Set-Cookie: session=abc123def; Path=/",
    # URLs
    "postgres://app:p@ss/w0rd@db:5432/app",
    "redis://:pw@h",
    "https://shop.example.com/",
    "@",
    "://",
    "mysql -h db -u root -pS3cret! shop",
    "mysqldump -uroot -p'hun ter2' shop",
    # tokens
    JWT,
    "AKIAIOSFODNN7EXAMPLE",
    "AIzaSyA-" + "x1Y2" * 8,
    "ghp_" + "a" * 36,
    "github_pat_" + "B" * 30,
    "glpat-" + "xY3_" * 5,
    "hf_" + "aB3d" * 9,
    "hvs." + "CAESI" * 6,
    "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
    "npm_" + "a1B2" * 9,
    "xoxb-123456789012-abcdefABCDEF",
    "SG." + "aB3d" * 6 + "." + "xY9z" * 11,
    "sk_live_" + "4" * 24,
    "rk_test_" + "4" * 12,
    "sk-proj-" + "Ab3_" * 12,
    "sk-ant-api03-" + "Ab3_" * 20,
    # private-key blocks
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "MIIEowIBAAKCAQEA",
    "QUFBQQ==",
    "Proc-Type: 4,ENCRYPTED",
]
FILLER = [S1, S2, " ", "  ", "\t", "\r", '"', "'", ":", "=", ";", ",", "{", "}", "\\n", "-p", "x"]
FILLER += ["[WARNING] x", "GET /api/users 200", "İ", "Σ", "é", "\u212a", "\x00"]
LINE = st.lists(st.sampled_from(SHAPES + FILLER), max_size=6).map("".join)
PLAIN = st.lists(st.sampled_from(FILLER), max_size=4).map("".join)
LINES = st.lists(st.one_of(LINE, PLAIN, PLAIN), min_size=1, max_size=40)

GROUPS = [
    ["[INFO] config loaded", "GET /api/users/42 200 13ms"],
    ['[INFO] config "password":', '"Hunter2xyz"'],
    ["[INFO] login token=", "abc123xyz"],
    ["[INFO] header Authorization:", "Bearer", "abcdefgh123"],
    ["[INFO] header Authorization", ":", "", "Basic", "dXNlcjpwYXNz"],
    ["[ERROR] db password:", "[ERROR] connection refused"],
    ["token", "", ":", "postgres-pw"],
    ["secret", "", "", "", "", "late-value"],
    ["-----BEGIN RSA PRIVATE KEY-----", "Proc-Type: 4,ENCRYPTED", "", "MIIEowIBAAKCAQEA", "QUFBQQ=="],
    ["-----END RSA PRIVATE KEY-----"],
    ["-----BEGIN PGP PRIVATE KEY BLOCK-----", "Version: GnuPG v2", "", "MIIEowIBAAKCAQEA"],
    ["QUFBQQ==", "-----END PGP PRIVATE KEY BLOCK-----", "done"],
    ["[INFO] CRLF password:\r", '"Crlf-Secret1"\r'],
    ["[INFO] plain password=hunter2 user=bob"],
]


@pytest.fixture
def gated_chunks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many candidate lines each chunk the gate handled had."""
    counts: list[int] = []
    real = masking_gate.candidate_lines

    def spy(low: str, regex: str) -> list[tuple[int, int]] | None:
        lines = real(low, regex)
        if lines is not None:
            counts.append(len(lines))
        return lines

    monkeypatch.setattr(masking_gate, "candidate_lines", spy)
    return counts


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch, gated_chunks: list[int]) -> list[int]:
    """Every chunk through the gate, however small and however many candidates it has."""
    monkeypatch.setattr(masking_gate, "MIN_CHARS", 0)
    monkeypatch.setattr(masking_gate, "MAX_SHARE", float("inf"))
    return gated_chunks


def assert_same(chunks: list[str]) -> list[str]:
    """The chunks of one stream masked with the gate are what the full masker gives."""
    full, gate = StreamMasker(gate=False), StreamMasker()
    expected = [full.mask(chunk) for chunk in chunks]
    assert [gate.mask(chunk) for chunk in chunks] == expected
    return expected


def cut(lines: list[str], bounds: list[int]) -> list[str]:
    bounds = [0, *sorted({b for b in bounds if 0 < b < len(lines)}), len(lines)]
    return ["\n".join(lines[a:b]) for a, b in pairwise(bounds)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(LINES, st.lists(st.integers(min_value=1, max_value=39), max_size=6))
def test_gated_masking_is_full_masking_in_any_pieces(
    gated: list[int], lines: list[str], bounds: list[int]
) -> None:
    """Property: every rule's triggers and secret shapes, between plain lines, in any case
    and next to characters whose lower case differs, cut anywhere: the same result."""
    before = len(gated)
    assert_same(cut(lines, bounds))
    assert len(gated) > before  # the gate did run


def multi_line_text() -> list[str]:
    """Every group after every other one, plain lines between some."""
    lines: list[str] = []
    for i, first in enumerate(GROUPS):
        for second in GROUPS[i:]:
            lines += first + second + ["GET /health 200"] * (i % 3)
    return [f"{S1}{line}" if i % 4 else line for i, line in enumerate(lines)]


def test_values_and_key_blocks_cut_at_every_line(gated: list[int]) -> None:
    """A value waiting behind its key and an open key block carry over every boundary."""
    lines = multi_line_text()
    whole = assert_same(["\n".join(lines)])
    assert "Hunter2xyz" not in whole[0] and "MIIEowIBAAKCAQEA" not in whole[0]
    for at in range(1, len(lines)):
        assert "\n".join(assert_same(cut(lines, [at]))) == whole[0]
    for at in range(1, len(lines) - 3, 3):
        assert "\n".join(assert_same(cut(lines, [at, at + 1, at + 3]))) == whole[0]
    assert sum(gated) > 0


def bench_chunks(size: int, stream: str = "stdout") -> Iterator[str]:
    data = getattr(bulk_data(20_000), stream).read_bytes()
    splitter = LineSplitter()
    for at in range(0, len(data), size):
        if text := splitter.feed_text(data[at : at + size]):
            yield text


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_the_bench_data_masks_the_same(gated_chunks: list[int], stream: str) -> None:
    """Realistic logs in chunks big enough for the gate (its own thresholds): no secret
    there, and candidate lines (`password authentication failed`) left as they are."""
    chunks = list(bench_chunks(1 << 18, stream))
    assert assert_same(chunks) == chunks
    assert len(gated_chunks) >= len(chunks) - 1


def test_the_bench_data_with_secrets_masks_the_same(gated: list[int]) -> None:
    """Realistic logs with secret lines and multi-line secrets spread through them."""
    chunks = []
    for n, chunk in enumerate(bench_chunks(1 << 16)):
        lines = chunk.split("\n")
        for i in range(n % 7, len(lines), 41):
            group = GROUPS[(i + n) % len(GROUPS)]
            lines[i : i + len(group)] = [lines[i][:31] + line for line in group]
        for i in range(n % 5, len(lines), 97):
            lines[i] += " " + SHAPES[(i + n) % len(SHAPES)]
        chunks.append("\n".join(lines))
    masked = assert_same(chunks)
    assert "Hunter2xyz" not in "".join(masked)
    assert 0 < sum(gated) < sum(c.count("\n") for c in chunks) / 4  # candidates only


def test_a_kelvin_sign_is_masked_as_k(gated: list[int]) -> None:
    """The rules see the lower-cased text, where KELVIN SIGN is `k`: so does the gate."""
    text = "\n".join(["GET /x 200"] * 50 + ["TO\u212aEN=hunter2", "pass\u212aey=x"] + ["ok"] * 50)
    (masked,) = assert_same([text])
    assert "hunter2" not in masked
    assert gated == [2]


def test_text_polars_cannot_hold_takes_the_full_path(gated: list[int]) -> None:
    text = "\n".join(["password=hunter2", "\ud800 lone surrogate", "x"] * 30)
    (masked,) = assert_same([text])
    assert "hunter2" not in masked
    assert gated == []


def test_every_rule_has_literals() -> None:
    """A rule whose literals cannot be derived turns the gate off (safe, but slow)."""
    regex = masking_gate.trigger_regex()
    assert regex is not None
    assert "token" in regex.split("|")


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"(?:ab|c)d", {"abd", "cd"}),
        (r"p(?:ass(?:word)?|wd)\d", {"pass", "password", "pwd"}),
        (r"x[_-]?y", {"xy", "x_y", "x-y"}),
        (r"k(?:_(?<=[sr]k_)live|-(?<=sk-)(?<![a-z]sk-)x)", {"sk_live", "rk_live", "sk-x"}),
        (r"uth(?<=[\"']auth)", {'"auth', "'auth"}),
        (r"ab(?=c)d*e", {"ab"}),
        (r"ab{2,}c", {"ab"}),
        (r"(?:a|)b", {"ab", "b"}),
    ],
)
def test_literals_of_a_pattern(pattern: str, literals: set[str]) -> None:
    assert masking_gate.pattern_literals(re.compile(pattern)) == literals


@pytest.mark.parametrize("pattern", [r"(?i)token", r"a(?i:b)", r"a*b", r"[a-z]+", r"\w+x"])
def test_patterns_without_literals(pattern: str) -> None:
    assert masking_gate.pattern_literals(re.compile(pattern)) is None
