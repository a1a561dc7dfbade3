"""The spec's saved-file format, written atomically with owner-only permissions."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


def write_json_atomically(document: Any, path: Path) -> Path:
    """Write JSON to a temporary file beside `path`, fsync, then rename over it.

    A reader sees the old file or the whole new one, never half of it; the file is
    readable by its owner only (logs can hold secrets).
    """
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return path.resolve()


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
