"""The secret shapes `logtui.masking` recognises, as patterns that each match within a line.

Every pattern starts with a literal, so `re` finds candidates at memchr-like speed; a
look-behind that anchors a match to the start of a token comes right after that literal
(a leading one would make `re` try every position). No pattern can backtrack over a long
run more than a bounded number of times: hostile lines of megabytes stay linear.

A secret is a named group `secret…` (masked; quotes around it kept), or the whole match.
A group `open_<state>` that matched means the value comes on a later line:
`CONTINUATIONS[state]` is what that line must start with.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MASK = "***"

Span = tuple[int, int]
Custom = Callable[[str, str, list[Span]], None]
"""custom(text, lower, spans): a rule that adds its spans itself."""


class Shape:
    """One compiled pattern, with what its groups mean."""

    __slots__ = ("custom", "gate", "lower", "opens", "pattern", "secrets")

    def __init__(
        self,
        pattern: str,
        *,
        lower: bool = False,
        whole: bool = False,
        gate: str = "",
        custom: Custom | None = None,
    ):
        self.pattern = re.compile(pattern, re.MULTILINE)
        self.lower = lower
        """Matches the lower-cased text (a case-insensitive shape)."""
        self.gate = gate
        """A character that must occur in the text for the shape to be tried (memchr-fast)."""
        self.custom = custom
        names = self.pattern.groupindex
        self.secrets = (0,) if whole else tuple(i for n, i in names.items() if n.startswith("secret"))
        """The groups masked; `whole`: the whole match."""
        self.opens = tuple((i, n.removeprefix("open_")) for n, i in names.items() if n.startswith("open_"))


def quoted_span(spans: list[Span], text: str, start: int, end: int) -> None:
    """Mask text[start:end], inside its quotes if it is quoted (masked JSON stays JSON)."""
    quote = _OPEN_QUOTE.match(text, start, end)
    if quote is not None:
        opening = text[start : quote.end()]
        start = quote.end()
        if end - start >= len(opening) and text.endswith(opening, start, end):
            end -= len(opening)
    if end > start:
        spans.append((start, end))


_OPEN_QUOTE = re.compile(r"\\*[\"']")

# --- key = value -------------------------------------------------------------------------

_EOL = r"(?=\r?$)"
_Q = r"(?:\\*[\"'])?"
"""An optional quote, perhaps escaped (JSON inside a JSON string)."""
_VALUE = (
    r"(?:\\+\"[^\"\\\r\n]*+(?:\\+\")?"  # \"...\" inside a JSON string
    r"|\"(?:[^\"\\\r\n]|\\[^\r\n])*+\"?"  # "..." (to the end of the line if unclosed)
    r"|'[^'\r\n]*+'?"
    r"|[^\s,;&\"'}]+)"
)
_KV = (
    r"[a-z0-9_]{0,40}+" + _Q + r"[ \t]*"  # the rest of the key's name: db_password_hash"
    r"(?:(?:=>?|:)[ \t]*(?:(?P<secret>" + _VALUE + r")|(?P<open_kv_value>)" + _EOL + r")"
    r"|(?P<open_kv_sep>)" + _EOL + r")"
)
"""After a secret word: separator and value, or the line ends before them."""

_DOCKER_AUTH = _Q + r"[ \t]*:[ \t]*(?P<secret2>\\*[\"'][a-z0-9+/]{8,}={0,2}\\*[\"'])"
"""`"auth": "<base64 user:password>"` of a Docker config.json."""

# --- Authorization, Bearer, cookies ------------------------------------------------------

AUTH_VALUE = (
    r"(?:\\*[\"'])?(?:"
    r"(?:bearer|basic|token|digest|apikey|api-key|key|negotiate|ntlm|sso-key|ssws|dpop|otp|aws4-hmac-sha256)"
    r"(?:[ \t]+(?P<secret>[^\s\"',;\\]+)|(?P<open_cred>)[ \t]*(?=\r?$))"  # or on a later line
    r"|[a-z][a-z0-9_.+-]{0,30}[ \t]+(?P<secret2>(?=[^\s\"',;\\]*\d)[^\s\"',;\\]{6,})"  # another scheme
    r"|(?P<secret3>(?=[^\s\"',;\\]*\d)[^\s\"',;\\]{8,})"  # no scheme
    r"|(?P<open_auth_value>)(?=\r?$))"
)
"""What follows `Authorization:`: a scheme and credentials, or credentials alone (with a
digit, so `Authorization: failed for user` is not one)."""

_COOKIE_PAIR = re.compile(r"[ \t]*[^=;\s\"'\\]+=(\"[^\"\r\n]*\"?|[^;\s\"'\\]*)")


def _cookies(text: str, lower: str, spans: list[Span]) -> None:
    """`Cookie: a=1; b=2` masks every value; `Set-Cookie: a=1; Path=/` only the first."""
    for match in _COOKIE.pattern.finditer(lower):
        only_first = lower.endswith("set-", 0, match.start())
        pos = match.end()
        while (pair := _COOKIE_PAIR.match(text, pos)) is not None:
            quoted_span(spans, text, pair.start(1), pair.end(1))
            pos = pair.end()
            if only_first or not text.startswith(";", pos):
                break
            pos += 1


_COOKIE = Shape(r"cookie" + _Q + r"[ \t]*[:=][ \t]*" + _Q, lower=True, custom=_cookies)

# --- URLs ----------------------------------------------------------------------------------

_URL = re.compile(r"://[^/\s:@]{0,256}+:(?=([^\s\"'<>]{1,256}+))")
_PORT = re.compile(r"\d{1,5}/")


def _url_passwords(text: str, lower: str, spans: list[Span]) -> None:
    """`scheme://user:password@host`: the password is all up to the last `@` (it may hold
    `/` and `@`), the user may be empty. A lookahead, so every `://` is looked at."""
    for match in _URL.finditer(text):
        after = match.group(1)
        at = after.rfind("@")
        if at > 0 and not _PORT.match(after):  # host:8080/path@x is a port, not a password
            spans.append((match.end(), match.end() + at))


# --- the rules ----------------------------------------------------------------------------

RULES: tuple[Shape, ...] = (
    # key = value, by the first letter of the secret word (one scan each)
    Shape(r"p(?:ass(?:word|wd|phrase)|(?<![a-z]p)ass(?![a-z])|wd|rivate[_-]?key)" + _KV, lower=True),
    Shape(r"s(?:ecret|ession[_-]?id|haredaccesskey)" + _KV, lower=True),
    Shape(r"token(?!s(?![a-z0-9_]))" + _KV, lower=True),  # not max_tokens=512
    Shape(r"credential" + _KV, lower=True),
    Shape(
        r"a(?:(?:pi[_-]?key|ccess[_-]?key|uth[_-]?key|ccount[_-]?key)"
        + _KV
        + r"|uth(?<=[\"']auth)"
        + _DOCKER_AUTH
        + r")",
        lower=True,
    ),
    Shape(
        r"authorization" + _Q + r"[ \t]*(?:[:=][ \t]*" + AUTH_VALUE + r"|(?P<open_auth_sep>)" + _EOL + r")",
        lower=True,
    ),
    Shape(r"bearer(?:[ \t]+(?P<secret>[a-z0-9._~+/=-]{8,})|(?P<open_cred>)[ \t]*" + _EOL + r")", lower=True),
    _COOKIE,
    Shape("", gate="@", custom=_url_passwords),
    Shape(  # mysql -u root -pPASSWORD db (-P is the port)
        r"m(?<![\w-]m)(?:ysql|ariadb)(?:-?dump|-?admin|check|import|show|slap|binlog)?(?![\w-])"
        r"(?:[ \t]+(?!-p)\S+){0,30}+[ \t]+-p(?P<secret>'[^'\r\n]*+'?|\"[^\"\r\n]*+\"?|\S+)"
    ),
    # tokens, by their first letter
    Shape(
        r"eyJ(?<![A-Za-z0-9_-]eyJ)[A-Za-z0-9_-]{5,}+\.eyJ[A-Za-z0-9_-]{5,}+\.[A-Za-z0-9_-]{5,}", whole=True
    ),  # JWT
    Shape(  # AWS access key ids (the first 8 characters kept), Google API keys
        r"A(?:(?:KIA|SIA|GPA|IDA|ROA|NPA)[0-9A-Z]{4}(?P<secret>[0-9A-Z]{12})(?![0-9A-Z])"
        r"|Iza(?P<secret2>[0-9A-Za-z_-]{30,}))"
    ),
    Shape(  # GitHub, GitLab
        r"g(?:h[pousr]_(?P<secret>[A-Za-z0-9]{30,255})|ithub_pat_(?P<secret2>[A-Za-z0-9_]{22,255})"
        r"|lpat-(?P<secret3>[A-Za-z0-9_-]{20,}))"
    ),
    Shape(  # Hugging Face, HashiCorp Vault, Slack webhooks
        r"h(?:f_(?<![A-Za-z0-9]hf_)(?P<secret>[A-Za-z0-9]{30,})"
        r"|v[sbr]\.(?<![A-Za-z0-9]hv[sbr]\.)(?P<secret2>[A-Za-z0-9_-]{20,})"
        r"|ooks\.slack\.com/services/(?P<secret3>[A-Za-z0-9/_-]+))"
    ),
    Shape(r"npm_(?<![A-Za-z0-9]npm_)(?P<secret>[A-Za-z0-9]{30,})"),
    Shape(r"xox[abposre]-(?P<secret>[A-Za-z0-9-]{10,})"),  # Slack
    Shape(r"SG\.(?<![A-Za-z0-9]SG\.)(?P<secret>[A-Za-z0-9_-]{16,}+\.[A-Za-z0-9_-]{16,})"),  # SendGrid
    Shape(  # Stripe; OpenAI and Anthropic (sk-proj-, sk-ant-, ...)
        r"k(?:_(?<=[sr]k_)(?:live|test)_(?P<secret>[A-Za-z0-9]{10,})"
        r"|-(?<=sk-)(?<![A-Za-z0-9_-]sk-)(?:(?:proj|ant|svcacct|admin)-)?"
        r"(?P<secret2>(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}))"
    ),
)

CONTINUATIONS: dict[str, tuple[Shape, str | None]] = {
    # state -> what the next line with text must start with, and the state after it (a
    # separator: the value follows on the same line or the next)
    "kv_sep": (Shape(r"(?:=>?|:)[ \t]*"), "kv_value"),
    "kv_value": (
        Shape(  # quoted, or a bare word alone on its line (not a new record: `[WARNING] ...`)
            r"(?P<secret>\\+\"[^\"\\\r\n]*+(?:\\+\")?|\"(?:[^\"\\\r\n]|\\[^\r\n])*+\"?|'[^'\r\n]*+'?"
            r"|(?![\[{(<])[^\s,;&\"'}]+(?=[ \t,;}\])]*\r?$))"
        ),
        None,
    ),
    "auth_sep": (Shape(r"[:=][ \t]*"), "auth_value"),
    "auth_value": (Shape(AUTH_VALUE, lower=True), None),
    "cred": (Shape(r"(?P<secret>[A-Za-z0-9._~+/=-]{8,})(?=[ \t,;\"']*\r?$)"), None),
}

# --- private-key blocks ---------------------------------------------------------------

BEGIN_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]{1,20} ){0,4}PRIVATE KEY(?: BLOCK)?-----")
END_KEY = re.compile(r"-----END (?:[A-Z0-9]{1,20} ){0,4}PRIVATE KEY(?: BLOCK)?-----")
BLOCK_BODY = re.compile(r"[A-Za-z0-9+/=\\]+")
"""A line of a key's body: base64 (PEM, PGP armour with its `=` checksum), `\\n` escapes."""
BLOCK_HEADER = re.compile(r"[A-Za-z][A-Za-z0-9-]*:(?:[ \t].*)?")
"""`Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`, PGP's `Version: ...`: kept, before the body."""

STAMP = re.compile(
    r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:[Zz]|[+-]\d\d:?\d\d)(?: |(?=\r?$))",
    re.ASCII | re.MULTILINE,
)
"""Docker's stamp at the start of a line (the parser's grammar): never masked."""
