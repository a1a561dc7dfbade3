"""Which host an entry came from, when the dashboard watches several.

An entry's `container_name` stays the container's plain name (the spec's field, and what
exports and `--json` write), but among several hosts the dashboard sets it to a
`HostedName`: a `str` equal to that plain name that also carries the host and the store's
key (`host/container`). One object per container is shared by all its entries, so
knowing an entry's host costs no memory per entry. With one host nothing is tagged and
every helper here returns what it did before (a plain name is its own key).
"""

from __future__ import annotations

import zlib

from ..models import LogEntry

HOST_COLOURS = (
    "dodger_blue1",
    "spring_green2",
    "orchid1",
    "gold1",
    "turquoise2",
    "salmon1",
    "plum1",
    "khaki1",
)
"""The host column's colours: apart from the containers' (`render.CONTAINER_COLOURS`)."""


class HostedName(str):
    """A container's plain name that knows its host (and so its key among all hosts)."""

    host: str
    key: str

    def __new__(cls, name: str, host: str) -> HostedName:
        tagged = super().__new__(cls, name)
        tagged.host = host
        tagged.key = f"{host}/{name}"  # as `fleet.host_key` (kept free of SSH imports)
        return tagged

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return HostedName, (str(self), self.host)


def entry_key(entry: LogEntry) -> str:
    """The store's key of an entry's container: `host/name` among several hosts, else the name."""
    name = entry.container_name
    return name.key if name.__class__ is HostedName else name  # type: ignore[attr-defined]


def entry_host(entry: LogEntry) -> str | None:
    """The host an entry came from, or None with one host."""
    name = entry.container_name
    return name.host if name.__class__ is HostedName else None  # type: ignore[attr-defined]


def key_host(key: str) -> str | None:
    """`prod-1/web-app` -> `prod-1`; a plain name -> None (container names hold no `/`)."""
    host, slash, _ = key.rpartition("/")
    return host if slash else None


def key_name(key: str) -> str:
    """`prod-1/web-app` -> `web-app`; a plain name is itself."""
    return key.rpartition("/")[2]


def host_colour(host: str) -> str:
    """A stable colour per host name."""
    return HOST_COLOURS[zlib.crc32(host.encode()) % len(HOST_COLOURS)]
