"""Several servers at once: one `RemoteDocker` (one connection pool) per host.

Every host has its own pool, state and reconnects; an operation runs on all hosts in
parallel and each host's outcome is kept apart, so an unreachable, slow or key-refused host
is reported with its reason and never holds back the answers of the others. Logins are
bounded fleet-wide (`MAX_HANDSHAKES` at once), which keeps a laptop's SSH agent and a
bastion's `MaxStartups` out of trouble.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .config import Settings
from .models import LogEntry
from .reader import ReaderFactory
from .remote import RemoteDocker

MAX_HANDSHAKES = 4
"""SSH logins in flight at once across all hosts."""

T = TypeVar("T")


@dataclass(frozen=True)
class HostOutcome(Generic[T]):
    """What one host answered: a value, or the error that stopped it."""

    host: str
    value: T | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Fleet:
    """The hosts the user chose, by the names they gave them, in their order."""

    def __init__(
        self,
        hosts: Sequence[Settings],
        *,
        reader_factory: ReaderFactory | None = None,
        max_handshakes: int = MAX_HANDSHAKES,
    ) -> None:
        names = [s.display for s in hosts]
        if len(set(names)) != len(names):
            raise ValueError(f"each host must have its own name: {names}")
        self._handshakes = asyncio.Semaphore(max_handshakes)
        self.remotes: dict[str, RemoteDocker] = {
            s.display: RemoteDocker(s, reader_factory=reader_factory, handshakes=self._handshakes)
            for s in hosts
        }

    @property
    def names(self) -> list[str]:
        return list(self.remotes)

    @property
    def several(self) -> bool:
        return len(self.remotes) > 1

    async def each(self, operation: Callable[[RemoteDocker], Awaitable[T]]) -> list[HostOutcome[T]]:
        """Run `operation` on every host at once; one host's failure is its outcome, not ours.

        Configuration errors (ValueError) and collection failures (RuntimeError) are caught
        per host; anything else is a bug and propagates.
        """

        async def one(name: str, remote: RemoteDocker) -> HostOutcome[T]:
            try:
                return HostOutcome(name, await operation(remote))
            except (RuntimeError, ValueError) as exc:
                return HostOutcome(name, error=str(exc))

        return list(await asyncio.gather(*(one(n, r) for n, r in self.remotes.items())))

    async def close(self) -> None:
        await asyncio.gather(*(r.close() for r in self.remotes.values()), return_exceptions=True)

    async def __aenter__(self) -> Fleet:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def host_key(host: str, container: str) -> str:
    """How a container is named among several hosts' containers: `host/container`."""
    return f"{host}/{container}"


def split_host_key(key: str, hosts: Sequence[str]) -> tuple[str | None, str]:
    """`prod-1/web-app` -> ("prod-1", "web-app"); a bare name -> (None, name).

    Container names cannot hold `/`, so the first `/` that follows a known host splits them.
    """
    for host in sorted(hosts, key=len, reverse=True):
        if key.startswith(host + "/"):
            return host, key[len(host) + 1 :]
    return None, key


def entry_dict(entry: LogEntry, host: str | None) -> dict[str, Any]:
    """The spec's entry dict, with a `host` key when several hosts are shown."""
    data = entry.to_dict()
    if host is not None:
        data["host"] = host
    return data


def failures(outcomes: Sequence[HostOutcome[Any]]) -> dict[str, str]:
    return {o.host: o.error for o in outcomes if o.error is not None}


def raise_if_all_failed(outcomes: Sequence[HostOutcome[Any]]) -> None:
    """Some hosts answering is a result; none answering is a collection failure."""
    if outcomes and all(not o.ok for o in outcomes):
        details = "; ".join(f"{o.host}: {o.error}" for o in outcomes)
        raise RuntimeError(f"no host answered: {details}")
