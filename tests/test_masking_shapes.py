"""Secret shapes that leaked (finding 8 of "Security II"), all within the README's claimed
categories, and ordinary text that must stay readable."""

from __future__ import annotations

import pytest

from logtui.masking import mask_args, mask_env, mask_inspect, mask_text, secret_name

B64 = "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM"
TAIL = "QUFBQT09cXd3ZXJ0eQ=="
STAMP = "2025-08-16T14:30:01.000000001Z "


def masked_lines(*lines: str, end: str = "\n") -> tuple[str, str]:
    return end.join(lines), end.join(lines).replace(B64, "***").replace(TAIL, "***")


PRIVATE_KEYS = [
    # what a tty container writes: CRLF
    masked_lines(
        *(
            STAMP + x
            for x in ["-----BEGIN RSA PRIVATE KEY-----", B64, TAIL, "-----END RSA PRIVATE KEY-----", "ok"]
        ),
        end="\r\n",
    ),
    # encrypted PEM: headers, a blank line, then the body
    masked_lines(
        "-----BEGIN RSA PRIVATE KEY-----",
        "Proc-Type: 4,ENCRYPTED",
        "DEK-Info: AES-128-CBC,3F17F5316E2BAC89",
        "",
        B64,
        TAIL,
        "-----END RSA PRIVATE KEY-----",
        "[INFO] next",
    ),
    # indented (YAML)
    masked_lines(
        "tls:",
        "  key: |",
        "    -----BEGIN EC PRIVATE KEY-----",
        "    " + B64,
        "    " + TAIL,
        "    -----END EC PRIVATE KEY-----",
        "  cert: x",
    ),
    # PGP armour: headers, blank line, body, checksum
    masked_lines(
        "-----BEGIN PGP PRIVATE KEY BLOCK-----",
        "Version: GnuPG v2",
        "",
        B64,
        TAIL,
        "-----END PGP PRIVATE KEY BLOCK-----",
        "done",
    ),
]


@pytest.mark.parametrize(("text", "expected"), PRIVATE_KEYS)
def test_private_key_blocks_of_every_layout_are_masked(text: str, expected: str) -> None:
    assert mask_text(text) == expected
    assert B64 not in expected and TAIL not in expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f"loaded -----BEGIN PRIVATE KEY----- {B64} {TAIL} -----END PRIVATE KEY----- ok",
            "loaded -----BEGIN PRIVATE KEY----- *** -----END PRIVATE KEY----- ok",
        ),
        (
            f'{{"type":"service_account","private_key":"-----BEGIN RSA PRIVATE KEY-----\\n{B64}\\n{TAIL}'
            f'\\n-----END RSA PRIVATE KEY-----\\n","client_email":"x@y.iam"}}',
            '{"type":"service_account","private_key":"***","client_email":"x@y.iam"}',
        ),
        (
            f'{{"tls":"-----BEGIN RSA PRIVATE KEY-----\\nProc-Type: 4,ENCRYPTED\\nDEK-Info: AES-128-CBC,3F17'
            f'\\n\\n{B64}\\n-----END RSA PRIVATE KEY-----\\n"}}',
            '{"tls":"-----BEGIN RSA PRIVATE KEY-----\\n***\\n-----END RSA PRIVATE KEY-----\\n"}',
        ),
        (f"key=-----BEGIN OPENSSH PRIVATE KEY-----\\n{B64}", "key=-----BEGIN OPENSSH PRIVATE KEY-----\\n***"),
    ],
)
def test_private_keys_on_one_line_are_masked(line: str, expected: str) -> None:
    """Single-line PEM and PEM with `\\n` escapes (JSON), in any field."""
    assert mask_text(line) == expected


def test_a_key_block_ends_at_the_first_line_that_is_not_part_of_it() -> None:
    text = f"-----BEGIN RSA PRIVATE KEY-----\n{B64}\n[INFO] something else\n{TAIL}"
    assert mask_text(text) == f"-----BEGIN RSA PRIVATE KEY-----\n***\n[INFO] something else\n{TAIL}"


@pytest.mark.parametrize(
    ("line", "secret", "kept"),
    [
        # URLs
        ("cache at redis://:pw1234@cache:6379/0", "pw1234", "redis://:***@cache:6379/0"),
        ("db postgres://app:p@ss/w0rd@db:5432/app", "p@ss/w0rd", "postgres://app:***@db:5432/app"),
        ('{"url":"amqp://guest:gu/est@rabbit/","x":1}', "gu/est", '{"url":"amqp://guest:***@rabbit/","x":1}'),
        # other shapes
        (
            "DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=Zm9vYmFy+/YmF6==;EndpointSuffix=x",
            "Zm9vYmFy",
            "AccountKey=***;EndpointSuffix=x",
        ),
        (
            "Endpoint=sb://ns/;SharedAccessKeyName=root;SharedAccessKey=abcDEF123+/=",
            "abcDEF123",
            "SharedAccessKey=***",
        ),
        ("Authorization: ApiKey abcd1234efgh", "abcd1234efgh", "Authorization: ApiKey ***"),
        ("authorization: abcd1234efgh5678", "abcd1234efgh5678", "authorization: ***"),
        ('{"Authorization":"lin_api_k3yk3yk3y"}', "k3yk3y", '{"Authorization":"***"}'),
        ("Set-Cookie: session=abc123def; Path=/; HttpOnly", "abc123def", "session=***; Path=/; HttpOnly"),
        ("Cookie: session=abc123; csrftoken=zz9zz9", "abc123", "Cookie: session=***; csrftoken=***"),
        ("GET /login?user=bob&pass=hunter2&next=/", "hunter2", "?user=bob&pass=***&next=/"),
        ("mysql -h db -u root -pS3cret! shop", "S3cret!", "mysql -h db -u root -p*** shop"),
        ("mysqldump -uroot -p'hun ter2' shop", "ter2", "-p'***' shop"),
        ('{"user":"bob","pass":"hunter2"}', "hunter2", '{"user":"bob","pass":"***"}'),
        ('"DB_PASS": "hunter2"', "hunter2", '"DB_PASS": "***"'),
        ('params {"password" => "hunter2"}', "hunter2", '{"password" => "***"}'),
        ('msg="{\\"password\\":\\"hunter2\\"}"', "hunter2", '{\\"password\\":\\"***\\"}'),
        # tokens
        ("npm_" + "a1B2" * 9, "a1B2" * 9, "npm_***"),
        ("token glpat-" + "xY3_" * 5, "xY3_" * 5, "glpat-***"),
        ("hf_" + "aB3d" * 9, "aB3d" * 9, "hf_***"),
        ("key=AIzaSyA-" + "x1Y2" * 8, "x1Y2" * 8, "key=AIza***"),
        ("SG." + "aB3d" * 6 + "." + "xY9z" * 11, "xY9z" * 11, "SG.***"),
        ("OPENAI sk-proj-" + "Ab3_" * 12, "Ab3_" * 12, "sk-proj-***"),
        ("claude sk-ant-api03-" + "Ab3_" * 20, "Ab3_" * 20, "sk-ant-***"),
        ("vault hvs." + "CAESI" * 6, "CAESI" * 6, "vault hvs.***"),
        ('{"auths":{"ghcr.io":{"auth":"dXNlcjpwYXNzd29yZA=="}}}', "dXNlcjpw", '{"auth":"***"}'),
    ],
)
def test_shapes_that_leaked_are_masked(line: str, secret: str, kept: str) -> None:
    masked = mask_text(line)
    assert secret not in masked
    assert kept in masked


@pytest.mark.parametrize(
    "line",
    [
        "password reset email sent to user 42",
        "token expired",
        "authorization failed for user 42",
        "Authorization: failed for user bob",
        "see https://example.com/path?q=1 and http://localhost:8080/health",
        "https://medium.com/@user/post and https://cdn.example.com:8443/@scope/pkg",
        "mail bob@example.com, ssh deploy@10.0.0.5",
        "request_id=48c9cfdbd878 trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
        "tests passed=12 failed=0 bypass=yes",
        "prompt_tokens=512 completion_tokens=20 max_tokens: 1024",
        "ssh -p22 host; mkdir -p /srv/app; mysql -h db -P 3306 -u root -p shop",
        "task-runner-queue-processing-2024-v1 disk-sk-anything",
        "cookie consent: accepted",
        "GET /api/users/42 200 13ms",
        "loading private key from /etc/ssl/private/key.pem",
        "Traceback: KeyError: 'email'",
    ],
)
def test_ordinary_text_stays_readable(line: str) -> None:
    assert mask_text(line) == line


@pytest.mark.parametrize(
    "name",
    [
        "DB_PASS",
        "SMTP_PASS",
        "RABBITMQ_DEFAULT_PASS",
        "JWT_SIGNING_KEY",
        "APP_KEY",
        "ENCRYPTION_KEY",
        "AZURE_STORAGE_CONNECTION_STRING",
        "REDIS_AUTH",
        "SENTRY_DSN",
        "DB_PASSWORD",
        "traefik.http.middlewares.auth.basicauth.users",
    ],
)
def test_secret_names(name: str) -> None:
    assert secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["PATH", "LOG_LEVEL", "KEYBOARD_LAYOUT", "PASSENGER_APP_ENV", "HOSTNAME", "DATABASE_URL", "AUTH_URL"],
)
def test_names_that_are_not_secret(name: str) -> None:
    assert not secret_name(name)


def test_inspect_environment_with_every_secret_name_is_masked() -> None:
    env = [
        "DB_PASS=hunter2",
        "SMTP_PASS=hunter2",
        "RABBITMQ_DEFAULT_PASS=hunter2",
        "JWT_SIGNING_KEY=hunter2",
        "APP_KEY=base64:hunter2",
        "ENCRYPTION_KEY=hunter2",
        "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountKey=hunter2;",
        "SENTRY_DSN=https://hunter2@o1.ingest.sentry.io/5",
        "API_TOKEN=https://hooks.example.com/hunter2",
        "DATABASE_URL=postgres://app:hunter2@db/app",
        "PATH=/usr/local/bin:/usr/bin",
    ]
    masked = mask_env(env)
    assert not any("hunter2" in item for item in masked)
    assert masked[-2:] == ["DATABASE_URL=postgres://app:***@db/app", "PATH=/usr/local/bin:/usr/bin"]


def test_inspect_command_and_labels_are_masked() -> None:
    doc = {
        "Path": "redis-server",
        "Args": ["--requirepass", "hunter2", "--port", "6379"],
        "Config": {
            "Env": ["MYSQL_PWD=hunter2"],
            "Cmd": ["sh", "-c", "mysql -uroot -phunter2 shop"],
            "Entrypoint": ["app", "--db-password=hunter2", "--token", "hunter2", "--verbose"],
            "Healthcheck": {"Test": ["CMD", "curl", "-f", "https://u:hunter2@localhost/health"]},
            "Labels": {
                "traefik.http.middlewares.auth.basicauth.users": "admin:$$apr1$$hunter2",
                "com.example.db": "postgres://app:hunter2@db/app",
                "com.docker.compose.service": "web",
            },
        },
    }
    [masked] = mask_inspect([doc])
    assert "hunter2" not in repr(masked)
    assert masked["Args"] == ["--requirepass", "***", "--port", "6379"]
    assert masked["Config"]["Entrypoint"] == ["app", "--db-password=***", "--token", "***", "--verbose"]
    assert masked["Config"]["Labels"]["com.docker.compose.service"] == "web"
    assert masked["Path"] == "redis-server"


def test_inspect_tolerates_what_it_does_not_expect() -> None:
    """Hostile or odd JSON: wrong types are left alone, nothing raises."""
    docs = [
        {"Config": {"Env": "x", "Cmd": None, "Labels": ["a"], "Healthcheck": {"Test": "CMD x"}}, "Args": {}}
    ]
    assert mask_inspect(docs) == docs
    assert mask_inspect([None, 3, {"Config": None}]) == [None, 3, {"Config": None}]  # type: ignore[list-item]
    assert mask_args(["--password"]) == ["--password"]
