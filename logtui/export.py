"""The spec's saved-file format, written atomically with owner-only permissions."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

COLLECTION_SOURCE = "production_ssh"


def now_iso() -> str:
    """Current UTC time as the spec writes it: naive ISO 8601 with microseconds."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def default_filename(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d_%H%M%S")
    return f"production_logs_{stamp}.json"


def saved_file_document(containers: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """{timestamp, collection_source, containers: {name: [entry dicts]}}."""
    return {
        "timestamp": now_iso(),
        "collection_source": COLLECTION_SOURCE,
        "containers": {name: list(entries) for name, entries in containers.items()},
    }


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[TextIO]:
    """A text file written beside `path` and renamed over it (after fsync) on success.

    A reader sees the old file or the whole new one, never half of it; the file is
    readable by its owner only (logs can hold secrets). On an error it is removed.
    """
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def write_json_atomically(document: Any, path: Path) -> Path:
    """Write JSON (indented by 2) atomically, owner-only (`atomic_file`); the absolute path."""
    path = Path(path).expanduser()
    with atomic_file(path) as handle:
        json.dump(document, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    return path.resolve()


class SavedFileStream:
    """The saved-file format written container by container, entry by entry: the same
    bytes `write_json_atomically(saved_file_document(...))` writes, without holding the
    entries (the CLI's `save` of a long history)."""

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self._containers = 0
        self._entries = 0
        head = json.dumps({"timestamp": now_iso(), "collection_source": COLLECTION_SOURCE}, indent=2)
        handle.write(head[:-2] + ',\n  "containers": {')

    def container(self, name: str) -> None:
        """Start the next container's list."""
        if self._containers:
            self._handle.write("]" if not self._entries else "\n    ]")
            self._handle.write(",")
        self._handle.write("\n    " + json.dumps(name, ensure_ascii=False) + ": [")
        self._containers += 1
        self._entries = 0

    def entries(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """More entries (as dicts) of the current container."""
        parts = []
        for entry in entries:
            text = json.dumps(entry, ensure_ascii=False, indent=2).replace("\n", "\n      ")
            parts.append(("\n      " if not self._entries and not parts else ",\n      ") + text)
        self._entries += len(parts)
        self._handle.write("".join(parts))

    def finish(self) -> None:
        if self._containers:
            self._handle.write("]" if not self._entries else "\n    ]")
            self._handle.write("\n  }\n}\n")
        else:
            self._handle.write("}\n}\n")


def write_saved_file(
    containers: Mapping[str, Sequence[Mapping[str, Any]]],
    path: Path | str | None = None,
    *,
    directory: Path | str | None = None,
) -> Path:
    """Save entries (as dicts) in the spec's format; returns the absolute path written."""
    if path is None:
        path = Path(directory or Path.cwd()) / default_filename()
    return write_json_atomically(saved_file_document(containers), Path(path))
