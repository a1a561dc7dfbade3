"""Saved files: the spec's format, written atomically, owner-only."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from logtui.export import write_saved_file

ENTRY = {
    "container_name": "web-app",
    "timestamp": "2025-08-16T14:30:22.123456",
    "level": "ERROR",
    "message": "Application error occurred \u00e9 [bold]",
    "raw_line": "2025-08-16T14:30:22.123456789Z Application error occurred \u00e9 [bold]",
    "stream": "stderr",
}


def test_saved_file_format(tmp_path: Path) -> None:
    path = write_saved_file({"web-app": [ENTRY], "db": []}, tmp_path / "out.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert list(doc) == ["timestamp", "collection_source", "containers"]
    assert doc["collection_source"] == "production_ssh"
    assert doc["containers"] == {"web-app": [ENTRY], "db": []}
    assert len(doc["timestamp"]) == 26 and doc["timestamp"][10] == "T"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_default_name_in_directory(tmp_path: Path) -> None:
    path = write_saved_file({}, directory=tmp_path)
    assert path.parent == tmp_path.resolve()
    assert path.name.startswith("production_logs_") and path.suffix == ".json"


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_saved_file({"x": [object()]}, target)  # type: ignore[list-item]
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.json"]
