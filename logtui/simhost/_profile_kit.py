"""What the demo's log profiles share: the event types, random picks, stamps and the
HTTP traffic tables (`profiles`, `service_profiles`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from random import Random

from .dockerfmt import NS

Event = list[tuple[str, str]]
"""Lines written at one instant: (stream, text) pairs, stream "stdout" or "stderr"."""

Profile = Callable[[Random, int], Event]

OUT, ERR = "stdout", "stderr"


def _weighted(rng: Random, table: tuple[tuple[int, str], ...]) -> str:
    roll = rng.randrange(sum(w for w, _ in table))
    for weight, kind in table:
        if roll < weight:
            return kind
        roll -= weight
    return table[-1][1]


def _gm(ts: int, fmt: str) -> str:
    return time.strftime(fmt, time.gmtime(ts // NS))


def _ms(ts: int) -> int:
    return ts % NS // 1_000_000


def _ip(rng: Random) -> str:
    return f"172.18.0.{rng.randrange(2, 40)}"


def _rid(rng: Random) -> str:
    return f"{rng.getrandbits(48):012x}"


_PATHS = (
    "/api/users",
    "/api/users/42",
    "/api/orders",
    "/api/orders/981/items",
    "/api/reports",
    "/api/search?q=shoes",
    "/health",
    "/api/cart",
    "/login",
    "/api/products?page=3",
)
_METHODS = ("GET", "GET", "GET", "GET", "POST", "PUT", "DELETE")
_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "kube-probe/1.30",
)


# -- web-app: Python, gunicorn, logging to stdout, tracebacks to stderr --------------------

_PY_TRACEBACKS = (
    (
        '  File "/app/app/views.py", line 42, in get_user',
        "    user = db.session.query(User).filter_by(id=user_id).one()",
        '  File "/usr/local/lib/python3.11/site-packages/sqlalchemy/orm/query.py", line 2870, in one',
        "    return self._iter().one()  # type: ignore",
        "sqlalchemy.exc.NoResultFound: No row was found when one was required",
    ),
    (
        '  File "/app/app/payments.py", line 118, in charge',
        "    resp = client.post(url, json=payload, timeout=5)",
        '  File "/usr/local/lib/python3.11/site-packages/httpx/_client.py", line 1145, in post',
        "    return self.request(",
        "httpx.ConnectTimeout: timed out",
    ),
    (
        '  File "/app/app/reports.py", line 77, in monthly',
        "    ratio = totals[month] / counts[month]",
        "ZeroDivisionError: division by zero",
    ),
    (
        '  File "/app/app/serializers.py", line 31, in to_dict',
        '    "email": self.user["email"],',
        "KeyError: 'email'",
    ),
)
