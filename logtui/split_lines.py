"""Rejoin the parts of a long line that the container engine's log driver split.

Docker's json-file and local drivers store a line longer than 16 KiB as parts of exactly
16,384 bytes (moby's daemon/logger/copier.go: the last part holds the rest, and is empty
when the line is a multiple of 16 KiB). `docker logs --timestamps` prints every part after
its stamp and ends only the last one with a newline, so the parts arrive run together on
one output line:

    <stamp> <16384 bytes><stamp> <16384 bytes><stamp> <rest>\\n

Docker 23 and later give every part the first part's stamp; older daemons stamped each part
as it was read. podman 4 (k8s-file, behind the Docker CLI) prints the same shape with
whole-second stamps, each part's own, and parts cut where its 8 KiB read buffer ended or
the writer's own writes did: measured, 8,192 or 4,096 bytes. A part may end inside a UTF-8
character, so the parts are joined as bytes, before decoding.

A boundary is accepted only where a part of one of PART_SIZES ends and a stamp of the same
shape as the line's first starts, not earlier than the part before's and at most
MAX_STEP_S later: an application's own timestamp inside a long line is left alone. The
joined line is the first stamp, a space and the application's bytes, as it wrote them.
(podman also cuts a short line where a read ended, anywhere, when a container writes many
lines at once: those parts have no size to recognise, and stay apart.)
"""

from __future__ import annotations

import re
from datetime import datetime

__all__ = ["PART_SIZES", "rejoin_split_lines", "rejoin_split_text"]

PART_SIZES = (16384, 8192, 4096)
"""Bytes of every part but the last: Docker's json-file/local drivers, podman's conmon."""

MAX_STEP_S = 2.0
"""Most seconds between the stamps of two parts of one line (podman stamps each part)."""

_STAMP = re.compile(rb"(\d{4}-\d\d-\d\d)[Tt](\d\d:\d\d:\d\d)(\.\d{1,9})?([Zz]|[+-]\d\d:?\d\d) ", re.ASCII)
_MIN_STAMP = 21
"""`2025-08-16T14:30:22Z `: the shortest stamp and its space."""

_WINDOW = 2048
"""A line of at least 2 × _WINDOW - 1 bytes holds a whole window of the grid, so looking for
a newline in each window finds every line long enough to hold two parts (at least
_MIN_STAMP + 4096 + _MIN_STAMP bytes) with one `find` per 2 KiB."""

_MIN_SPLIT = _MIN_STAMP + min(PART_SIZES) + _MIN_STAMP


def _next_part(previous: bytes, stamp: bytes) -> bool:
    """Can `stamp` start the part after one stamped `previous` (same shape, checked)?"""
    if stamp == previous:
        return True
    if stamp < previous:
        return False
    try:
        step = datetime.fromisoformat(stamp.decode()) - datetime.fromisoformat(previous.decode())
    except ValueError:  # more than 6 fraction digits: compare the whole seconds
        step = datetime.fromisoformat(stamp[:19].decode()) - datetime.fromisoformat(previous[:19].decode())
    return step.total_seconds() <= MAX_STEP_S


def _rejoined(body: bytes, start: int, end: int) -> bytes | None:
    """The line `body[start:end]` with its parts joined, or None if it holds no parts."""
    first = _STAMP.match(body, start, end)
    if first is None:
        return None
    head = first.end()
    width = head - start  # stamp and space
    last_stamp = body[start : head - 1]
    pieces = [body[start:head]]
    at = head
    while True:
        for size in PART_SIZES:
            cut = at + size
            if cut + width > end or body[cut + width - 1] != 0x20:
                continue
            stamp = body[cut : cut + width - 1]
            if _STAMP.fullmatch(body, cut, cut + width) is not None and _next_part(last_stamp, stamp):
                pieces.append(body[at:cut])
                at, last_stamp = cut + width, stamp
                break
        else:
            break
    if len(pieces) == 1:
        return None
    pieces.append(body[at:end])
    return b"".join(pieces)


def rejoin_split_lines(body: bytes) -> bytes:
    """`docker logs --timestamps` output (complete lines) with every split line rejoined.

    Returns `body` itself when no line is long enough to hold parts, which costs one
    `find` per 2 KiB.
    """
    size = len(body)
    if size < _MIN_SPLIT:
        return body
    find = body.find
    pieces: list[bytes] = []
    done = 0
    at = 0
    while at + _WINDOW <= size:
        if find(b"\n", at, at + _WINDOW) != -1:
            at += _WINDOW
            continue
        start = body.rfind(b"\n", 0, at) + 1
        end = find(b"\n", at + _WINDOW)
        if end == -1:
            end = size
        if end - start >= _MIN_SPLIT:
            joined = _rejoined(body, start, end)
            if joined is not None:
                pieces += (body[done:start], joined)
                done = end
        at = end + 1
    if not pieces:
        return body
    pieces.append(body[done:])
    return b"".join(pieces)


def rejoin_split_text(text: str) -> str:
    """`rejoin_split_lines` for text already decoded from valid UTF-8 (the str API).

    A character is at most 4 bytes, so lines of at least _MIN_SPLIT / 4 characters are
    encoded and looked at; the others are passed over as `rejoin_split_lines` does.
    """
    window = _WINDOW // 4
    size = len(text)
    find = text.find
    pieces: list[str] = []
    done = 0
    at = 0
    while at + window <= size:
        if find("\n", at, at + window) != -1:
            at += window
            continue
        start = text.rfind("\n", 0, at) + 1
        end = find("\n", at + window)
        if end == -1:
            end = size
        line = text[start:end].encode("utf-8", "surrogateescape")
        joined = _rejoined(line, 0, len(line)) if len(line) >= _MIN_SPLIT else None
        if joined is not None:
            pieces += (text[done:start], joined.decode("utf-8", "surrogateescape"))
            done = end
        at = end + 1
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)
