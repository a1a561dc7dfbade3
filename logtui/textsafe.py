"""Make untrusted log text safe to show on a terminal.

Log lines come from programs we do not control. Written raw to a terminal, an escape
sequence can clear the screen, move the cursor, retitle the window (OSC 0), plant a
hyperlink (OSC 8) or, on some terminals, answer back. `sanitize_for_terminal` removes
every escape sequence and control character, keeping only tab and newline, so what is
left is plain text. Markup is a separate danger: callers put the result into a
`rich.text.Text`, never into markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# ESC-introduced sequences, longest forms first:
#   CSI  ESC [ params intermediates final        (cursor moves, colours, clear screen)
#   OSC  ESC ] ... BEL | ESC \                  (window title, hyperlinks, clipboard)
#   DCS/SOS/PM/APC  ESC P|X|^|_ ... ESC \       (device control strings)
#   (an unterminated string ends at the end of its line)
#   two-character escapes  ESC <0x20-0x7e>       (ESC c resets the terminal)
_ESCAPE_RE = re.compile(
    r"""
    \x1b\[ [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?
  | \x1b\] .*? (?: \x07 | \x1b\\ | \x9c | (?=\n) | $ )
  | \x1b[PX^_] .*? (?: \x1b\\ | \x9c | (?=\n) | $ )
  | \x1b [\x20-\x2f]* [\x30-\x7e]?
  | \x9b [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?
  | [\x90\x98\x9d\x9e\x9f] .*? (?: \x07 | \x1b\\ | \x9c | (?=\n) | $ )
    """,
    re.VERBOSE,
)

# What is left after the sequences: C0 controls except tab and newline, DEL, C1 controls,
# the Unicode bidirectional controls that can make text read differently than it is, and
# invisible format characters that can hide text or make two strings look alike (soft
# hyphen, zero-width space, word joiner, invisible operators, BOM, interlinear annotation,
# tag characters) or break lines where a terminal would not (U+2028, U+2029). Kept: the
# zero-width joiner and non-joiner (U+200C, U+200D), which emoji and several scripts need.
_CONTROL_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U0001d173-\U0001d17a\U000e0000-\U000e007f]"
)


def sanitize_for_terminal(text: str) -> str:
    """`text` without escape sequences and control characters; tab and newline are kept.

    A carriage return is dropped too: it would let a line overwrite itself on screen.
    """
    if text.isprintable():
        return text
    return _CONTROL_RE.sub("", _ESCAPE_RE.sub("", text))


def strip_escapes(text: str) -> str:
    """`text` without its escape sequences (colours, cursor moves, titles, hyperlinks), and
    nothing else removed: what a coloured log line says, for level detection, templates and
    search. Control characters stay (the terminal sanitiser removes them when shown)."""
    return _ESCAPE_RE.sub("", text)


def one_line(text: str) -> str:
    """Server text (an error, a name, a status) for one line of a terminal: sanitized, with
    its line breaks and tabs as spaces, so it cannot pose as a line logtui wrote."""
    return " ".join(sanitize_for_terminal(text).split())


MAX_MESSAGE_CHARS = 500
"""Most characters of a server's words kept for an error message."""


def server_message(lines: Iterable[str], fallback: str) -> str:
    """What a failed command said on stderr, for an error message people print: its last
    three non-blank lines on one sanitized line (`one_line`) of at most `MAX_MESSAGE_CHARS`,
    or `fallback` when it said nothing."""
    said = [line for line in lines if line.strip()]
    return one_line(" ".join(said[-3:]))[:MAX_MESSAGE_CHARS] or fallback


# In JSON text made with `ensure_ascii=False`, every character a terminal could act on that
# `json.dumps` leaves raw: DEL, the C1 controls (U+0080-U+009F: U+009B is CSI, U+009D OSC)
# and the same invisible and bidirectional characters as above.
_JSON_RAW_RE = re.compile(
    "[\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\U0001d173-\U0001d17a\U000e0000-\U000e007f]"
)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_for_terminal(text: str) -> str:
    """JSON text (`json.dumps(..., ensure_ascii=False)`) with those characters written as
    `\\uXXXX` escapes: the same JSON value, but nothing in it a terminal acts on.

    Such characters only occur inside JSON strings, where an escape means the same thing.
    """
    if text.isascii() and "\x7f" not in text:
        return text
    return _JSON_RAW_RE.sub(_json_escape, text)
