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
# and the Unicode bidirectional overrides that can make text read differently than it is.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def sanitize_for_terminal(text: str) -> str:
    """`text` without escape sequences and control characters; tab and newline are kept.

    A carriage return is dropped too: it would let a line overwrite itself on screen.
    """
    if text.isprintable():
        return text
    return _CONTROL_RE.sub("", _ESCAPE_RE.sub("", text))
