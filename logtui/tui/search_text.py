"""Text search over the store: what a search sees of a message, and the literal fast path.

Pure: no Textual. `SearchText` lays a container's lower-cased messages end to end in
numbered blocks so that a literal search runs at C speed; `compile_search` and
`search_needles` turn what the user typed into a pattern and, when it is only literal
alternatives, into needles for that fast path. (Moved out of `store`, which re-exports
them.)
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Sequence
from itertools import accumulate

from ..models import LogEntry, message_sources
from ..textsafe import strip_escapes
from ._deque import deque_slice


def searchable(message: str) -> str:
    """A message as a text search sees it: without escape sequences (a coloured line's
    `ESC[31m` is not text), as the log pane shows it."""
    return strip_escapes(message) if "\x1b" in message else message


def _strip_coloured(texts: list[str], skips: list[int], joined: str) -> None:
    """For the texts (laid end to end in `joined`) that hold an ESC anywhere, in place: the
    text becomes its message as a search sees it (`searchable`) and its skip 0, so that an
    escape sequence before the message (in a raw line not made by the parser) can neither
    move nor swallow it. Found from the joined text, so that the others cost nothing."""
    ends = list(accumulate(map(len, texts)))
    at = joined.find("\x1b")
    while at != -1:
        i = bisect_right(ends, at)
        texts[i], skips[i] = searchable(texts[i][skips[i] :]), 0
        at = joined.find("\x1b", ends[i])


_ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_FOLD_TRAPS = ("\u0130", "\u0131", "\u017f")
"""The only characters for which `str.lower` disagrees with `re.IGNORECASE` on an ASCII
letter (İ, ı, ſ match i / s case-insensitively); text holding one is searched by regex."""


class SearchText:
    """One container's messages lower-cased and laid end to end, to find text at C speed.

    `find` over joined text is far faster than a regex call per entry; offsets map a hit
    back to its entry with a bisection. The text is kept in blocks of `BLOCK` entries
    numbered from the container's first entry ever, so new entries only add blocks and
    evicted ones only drop them. Built on the first search, dropped when it is cleared.
    """

    BLOCK = 8192

    __slots__ = ("added", "blocks", "exact")

    def __init__(self) -> None:
        self.added = 0
        self.exact = True
        """True when lower-casing agrees with `re.IGNORECASE` for ASCII needles."""
        self.blocks: list[tuple[int, str | bytes, array[int], array[int]]] = []
        """(number of its first entry, lower-cased texts holding the messages end to end,
        where each text starts in it (plus the end), where its message starts in the text)."""

    def update(self, buffer: deque[LogEntry], added: int, max_blocks: int | None = None) -> bool:
        """Catch up with `buffer`, which has received `added` entries in all, or make at most
        `max_blocks` blocks towards it; True when caught up."""
        if added == self.added:
            return True
        base = added - len(buffer)  # the number of buffer[0]
        blocks = self.blocks
        if not self.exact:
            blocks.clear()
            self.exact = True
        while blocks and blocks[0][0] + len(blocks[0][2]) - 1 <= base:
            del blocks[0]  # wholly evicted
        if blocks and len(blocks[-1][2]) - 1 < self.BLOCK:
            blocks.pop()  # not full: made again with the new entries
        start = blocks[-1][0] + len(blocks[-1][2]) - 1 if blocks else base
        stop = None if max_blocks is None else start - base + max_blocks * self.BLOCK
        fresh = deque_slice(buffer, start - base, stop)
        for offset in range(0, len(fresh), self.BLOCK):
            block = lowered_block(fresh[offset : offset + self.BLOCK])
            if block is None:
                self.exact = False
                break
            blocks.append((start + offset, *block))
        covered = start + len(fresh)
        self.added = added if covered >= added or not self.exact else covered
        return self.added == added

    def find(self, needles: Sequence[str], base: int) -> list[int]:
        """Numbers (from `base`) of the entries whose message contains a lower-case needle."""
        found: set[int] = set()
        for first, text, starts, skips in self.blocks:
            found.update(first + i - base for i in _hits(text, starts, skips, needles) if first + i >= base)
        return sorted(found)


def lowered_block(
    entries: Sequence[LogEntry],
) -> tuple[str | bytes, array[int], array[int]] | None:
    """The entries' messages as a search sees them (`searchable`), lower-cased and laid end
    to end: (that text, where each entry's text starts in it plus the end, where its message
    starts in its text). None when the text holds a character lower-casing reads
    differently from `re.IGNORECASE` (`_FOLD_TRAPS`)."""
    texts, skips = message_sources(entries)
    joined = "".join(texts)
    if "\x1b" in joined:  # coloured messages: their text without the escapes
        _strip_coloured(texts, skips, joined)
        joined = "".join(texts)
    text: str | bytes
    if joined.isascii():  # the usual case: a bytes translation is several times faster
        text = joined.encode("ascii").translate(_ASCII_LOWER)
    elif any(c in joined for c in _FOLD_TRAPS):
        return None
    else:
        text = joined.lower()  # same length: only U+0130 grows, and it is a trap
    return text, array("q", accumulate(map(len, texts), initial=0)), array("I", skips)


def _hits(text: str | bytes, starts: array[int], skips: array[int], needles: Sequence[str]) -> set[int]:
    """Indexes of the texts of a `lowered_block` whose message holds one of the needles."""
    found: set[int] = set()
    find = text.find
    for needle in [n.encode("ascii") for n in needles] if isinstance(text, bytes) else needles:
        size = len(needle)
        at = 0
        while (hit := find(needle, at)) >= 0:  # type: ignore[arg-type]
            index = bisect_right(starts, hit) - 1
            begin = starts[index] + skips[index]
            if hit < begin:  # in the stamp or level tag before the message
                at = begin
                continue
            at = starts[index + 1]  # the next message: one hit per entry is enough
            if hit + size <= at:  # not into the next one
                found.add(index)
    return found


def literal_select(entries: Sequence[LogEntry], needles: Sequence[str]) -> list[LogEntry] | None:
    """The entries whose message (as a search sees it) holds one of the lower-case ASCII
    needles, in their order, found at C speed over their joined text: a tick's live lines
    under a search (a regex call per entry cost ~2.6 us, 50 ms a tick under a flood).
    None when lower-casing would not agree with `re.IGNORECASE` on them: ask the pattern."""
    block = lowered_block(entries)
    if block is None:
        return None
    return [entries[i] for i in sorted(_hits(*block, needles))]


def compile_search(text: str) -> tuple[re.Pattern[str], str | None]:
    """A case-insensitive pattern for what the user typed, and an error if it was a bad regex.

    A string that is not a valid regular expression is searched for literally.
    """
    try:
        return re.compile(text, re.IGNORECASE), None
    except re.error as exc:
        return re.compile(re.escape(text), re.IGNORECASE), f"not a valid regex ({exc}); searching literally"


_META = frozenset(".^$*+?{}[]()|\\")


def search_needles(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """The lower-cased texts of a case-insensitive pattern that is only literal alternatives
    (`timeout|refused`, or `compile_search`'s escaped text), or None for a real regex.

    Only ASCII needles: for them, `str.lower` agrees with `re.IGNORECASE` (see `_FOLD_TRAPS`).
    """
    if pattern.flags != re.IGNORECASE | re.UNICODE or not isinstance(pattern.pattern, str):
        return None
    needles: list[str] = []
    current: list[str] = []
    chars = iter(pattern.pattern)
    for char in chars:
        if char == "\\":
            char = next(chars, "")
            if not char or (char.isascii() and char.isalnum()):
                return None  # a class (\d), an anchor (\b), a back-reference
        elif char == "|":
            needles.append("".join(current))
            current = []
            continue
        elif char in _META:
            return None
        current.append(char)
    needles.append("".join(current))
    if not all(needles) or not all(n.isascii() for n in needles):
        return None
    return tuple(n.lower() for n in needles)
