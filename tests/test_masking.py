"""Secrets in logs and in `docker inspect` are masked; ordinary text is left alone."""

from __future__ import annotations

import time

import pytest

from logtui.masking import MASK, mask_entry, mask_env, mask_inspect, mask_text
from logtui.models import LogEntry
from logtui.reader import Masker

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


@pytest.mark.parametrize(
    ("line", "secret", "kept"),
    [
        ("login ok password=hunter2 user=bob", "hunter2", "password=***"),
        ('{"user":"bob","password":"hunter2"}', "hunter2", '{"user":"bob","password":"***"}'),
        ("DB_PASSWORD: 's3 cr3t' retry", "s3 cr3t", "DB_PASSWORD: '***' retry"),
        ("api_key=AbC123xyz&page=2", "AbC123xyz", "&page=2"),
        ("GET /x Authorization: Bearer abc.def.ghi-123", "abc.def.ghi-123", "Authorization: Bearer ***"),
        ("curl -H 'Authorization: Basic dXNlcjpwYXNz'", "dXNlcjpwYXNz", "Basic ***"),
        (f"token {JWT} accepted", JWT, "accepted"),
        ("aws key AKIAIOSFODNN7EXAMPLE used", "IOSFODNN7EXAMPLE", "AKIAIOSF***"),
        (
            "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI",
            "aws_secret_access_key=***",
        ),
        ("pushed with ghp_" + "a" * 36, "a" * 36, "ghp_***"),
        ("github_pat_" + "B" * 30 + " ok", "B" * 30, "github_pat_***"),
        ("slack xoxb-123456789012-abcdefABCDEF done", "abcdefABCDEF", "xoxb-***"),
        ("posting to https://hooks.slack.com/services/T000/B000/XXXXXXXX", "XXXXXXXX", "services/***"),
        ("connecting to postgres://app:s3cr3t@db:5432/app", "s3cr3t", "postgres://app:***@db:5432/app"),
        ("key sk_live_" + "4" * 24, "4" * 24, "sk_live_***"),
    ],
)
def test_secrets_are_masked(line: str, secret: str, kept: str) -> None:
    masked = mask_text(line)
    assert secret not in masked
    assert kept in masked


def test_private_key_block_is_masked_whole() -> None:
    text = (
        "loaded key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nAAAAbm9uZQ==\n"
        "-----END OPENSSH PRIVATE KEY-----\nnext"
    )
    masked = mask_text(text)
    assert "b3BlbnNzaC1rZXktdjEAAAAA" not in masked and "AAAAbm9uZQ" not in masked
    assert masked == (
        "loaded key:\n-----BEGIN OPENSSH PRIVATE KEY-----\n***\n***\n-----END OPENSSH PRIVATE KEY-----\nnext"
    )
    cut = mask_text("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA")
    assert "MIIEpAIBAAKCAQEA" not in cut
    stamped = "2025-08-16T14:30:22.1Z -----BEGIN EC PRIVATE KEY-----\n2025-08-16T14:30:22.1Z MHcCAQEEIBase64"
    assert mask_text(stamped) == (
        "2025-08-16T14:30:22.1Z -----BEGIN EC PRIVATE KEY-----\n2025-08-16T14:30:22.1Z ***"
    )


@pytest.mark.parametrize(
    "line",
    [
        "GET /api/users/42 200 13ms",
        "cache parity error corrected",
        "the keyboard was unplugged",
        "2025-08-16 14:30:22 UTC [62] FATAL:  terminating connection",
        "token bucket refilled",
        "password reset email sent to user 42",
    ],
)
def test_ordinary_lines_are_unchanged(line: str) -> None:
    assert mask_text(line) == line


def test_entry_message_and_raw_line_are_masked() -> None:
    entry = LogEntry("web", "t", "INFO", "password=hunter2", "2025Z password=hunter2")
    mask_entry(entry)
    assert (entry.message, entry.raw_line) == ("password=***", "2025Z password=***")


def test_inspect_environment_is_masked() -> None:
    env = [
        "PATH=/usr/bin",
        "DATABASE_URL=postgres://app:s3cr3t@db/app",
        "API_TOKEN=abcdef123456",
        "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxx",
        "LOG_LEVEL=info",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI",
        "EMPTY=",
    ]
    assert mask_env(env) == [
        "PATH=/usr/bin",
        "DATABASE_URL=postgres://app:***@db/app",
        "API_TOKEN=***",
        "STRIPE_SECRET_KEY=***",
        "LOG_LEVEL=info",
        "AWS_SECRET_ACCESS_KEY=***",
        "EMPTY=",
    ]
    doc = mask_inspect([{"Config": {"Env": ["DB_PASSWORD=x1"]}, "Name": "/web"}])
    assert doc[0]["Config"]["Env"] == ["DB_PASSWORD=***"]


TRIGGERS = (
    "@ :// key= token: bearer eyJ AKIA AIza ghp_ glpat- github_pat_ hf_ hvs. npm_ SG. sk- sk_live_ xoxb- "
    'hooks.slack.com authorization: authorization: bearer cookie: set-cookie: "auth": mysql -p '
    "password: passwordpassword pass= -----BEGIN RSA PRIVATE KEY----- MIIE -----END RSA PRIVATE KEY----- "
)


@pytest.mark.parametrize(
    "filler", ["x", "a:", "a=", "a@", "A", "/", "-", "_", ".", "1", "eyJ", "token", "://:", "mysql ", '\\"']
)
def test_long_lines_with_every_trigger_word_do_not_backtrack(filler: str) -> None:
    """A regression guard: a 3 MB run after the trigger words once took hours (O(n^2)), and
    a run of one trigger word (`tokentoken...`) did too."""
    text = TRIGGERS + filler * (3_000_000 // len(filler))
    started = time.perf_counter()
    masked = mask_text(text)
    assert time.perf_counter() - started < 5
    assert masked.endswith((filler * 100, MASK))


def test_jwt_rule_is_linear_on_runs_of_eyj() -> None:
    """Finding 7: every `eyJ` of a long run started a scan to the run's end (64 KB: 1.3-3.7 s)."""
    for text in ("eyJ" * 21_846, "Bearer " + "eyJ" * 21_846 + ".eyJabcdef", "x.eyJ" * 13_108):
        started = time.perf_counter()
        assert mask_text(text)
        assert time.perf_counter() - started < 0.5
    assert mask_text(f"a={JWT};") == "a=***;"
    assert mask_text(f'{{"id_token":"{JWT}"}}') == '{"id_token":"***"}'


def test_private_key_split_across_chunks_is_masked_at_once() -> None:
    """A key block cut by a chunk boundary (or by the stream going quiet) is masked on both
    sides of the cut; nothing is held back."""
    masker = Masker(True)
    first = masker.feed("hello\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA")
    second = masker.feed("AAAAbm9uZQ==\n-----END OPENSSH PRIVATE KEY-----\nbye password=hunter2")
    assert first == "hello\n-----BEGIN OPENSSH PRIVATE KEY-----\n***"
    assert second == "***\n-----END OPENSSH PRIVATE KEY-----\nbye password=***"
    assert masker.feed("AAAAbm9uZQ==") == "AAAAbm9uZQ=="  # the block is closed
    open_block = Masker(True)
    assert open_block.feed("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA") == (
        "-----BEGIN RSA PRIVATE KEY-----\n***"
    )
    assert Masker(False).feed("password=hunter2") == "password=hunter2"


def test_secret_split_over_lines_is_masked() -> None:
    """A key word, its `:` and its value on separate lines are still one secret."""
    assert mask_text("token\n\n:\npostgres-pw") == "token\n\n:\n***"
    assert mask_text("Authorization:\n Bearer\n abcdefgh123") == "Authorization:\n Bearer\n ***"


def test_a_key_header_never_eats_the_start_of_the_next_line() -> None:
    """Found by chunking tests: the block's body matched `2025` of a stamped line after the
    BEGIN line, which masked the year and cost the line its docker stamp."""
    lines = [
        "2025-08-16T14:30:02.000000001Z -----BEGIN RSA PRIVATE KEY-----",
        "2025-08-16T14:30:02.000000002Z [INFO] next line",
        "2025-08-16T14:30:02.000000003Z -----BEGIN RSA PRIVATE KEY-----",
        "2025-08-16T14:30:02.000000004Z MIIEowIBAAKCAQEA",
        "2025-08-16T14:30:02.000000005Z -----END RSA PRIVATE KEY-----",
    ]
    masked = mask_text("\n".join(lines)).split("\n")
    assert masked[:3] == lines[:3] and masked[4] == lines[4]
    assert masked[3] == "2025-08-16T14:30:02.000000004Z ***"


TURKISH = "İstanbul office"
"""`İ` lower-cases to two characters: the whole chunk was once masked word by word."""
SECRETS = "DB_PASSWORD: 'hunter2secret'\nAuthorization: Basic dXNlcjpwYXNzd29yZA==\n"


def test_a_character_with_a_longer_lower_case_does_not_turn_masking_off() -> None:
    """Finding 5, as reported: both secrets came back unmasked after an `İ` line."""
    assert mask_text(SECRETS) == "DB_PASSWORD: '***'\nAuthorization: Basic ***\n"
    assert mask_text(TURKISH + "\n" + SECRETS) == TURKISH + "\n" + mask_text(SECRETS)


@pytest.mark.parametrize(
    "text",
    [
        "DB_PASSWORD: 's3 cr3t words' retry",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nAAAAbm9uZQ==\n-----END RSA PRIVATE KEY-----",
        '"password":\n"Hunter2xyz"',
        "Authorization: Bearer abcdefgh123 and token=xyz123",
    ],
)
def test_a_longer_lower_case_changes_nothing_around_it(text: str) -> None:
    """Multi-word secrets and key bodies leaked in the word-by-word fallback; the `İ` may be
    on a line of its own, or on the secret's own line."""
    masked = mask_text(text)
    assert masked != text
    assert mask_text(TURKISH + "\n" + text) == TURKISH + "\n" + masked
    assert mask_text(text + "\n" + TURKISH) == masked + "\n" + TURKISH
    assert mask_text("İ " + text) == "İ " + masked
    assert mask_text("İİ" * 100 + text) == "İİ" * 100 + masked


def test_every_character_whose_lower_case_is_longer_is_handled() -> None:
    """Masking must not assume which characters these are: it works for all of them."""
    longer = [chr(c) for c in range(0x110000) if len(chr(c).lower()) > 1]
    assert longer  # İ at least
    for char in longer:
        assert mask_text(f"{char} DB_PASSWORD: 's3 cr3t' {char}") == f"{char} DB_PASSWORD: '***' {char}"
