"""Display rows and widths (`merged._ranked_rows`, `views._expand`) against their meaning.

Both measure most entries on the raw line (the message is its end) instead of making the
message; here every form an entry takes is checked against `entry.message` itself.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from logtui.models import LEVEL_RANK, LEVELS, LogEntry
from logtui.tui.merged import _ranked_rows
from logtui.tui.views import _expand

STAMP = "2026-11-30T12:00:00.123456789Z"

texts = st.text(st.sampled_from("ab \n\t\x1bé日"), max_size=12)


@st.composite
def entries(draw: st.DrawFn) -> LogEntry:
    level = draw(st.sampled_from([*LEVELS, "NOTICE"]))
    message = draw(texts)
    form = draw(st.sampled_from(["line", "joined", "other", "podman"]))
    if form == "line":  # the parser's fast path: the message is the end of the raw line
        raw = f"{STAMP} [{level}] {message}"
        return LogEntry.of_line("c", level, raw, "stdout", len(raw) - len(message))
    if form == "joined":  # a multi-line group: the message is the lines' texts joined
        other = draw(texts)
        raw = f"{STAMP} {message}\n{STAMP} {other}"
        return LogEntry("c", STAMP[:26], level, f"{message}\n{other}", raw, "stderr", STAMP)
    if form == "other":  # a message that is not the end of the raw line
        return LogEntry("c", STAMP[:26], level, message, f"{STAMP} x{message}y", "stdout", STAMP)
    stamp = "2026-11-30T12:00:00Z"
    return LogEntry("c", "2026-11-30T12:00:00.000000", level, message, f"{stamp} {message}", "stdout", stamp)


def _reference(batch: list[LogEntry]) -> tuple[list[LogEntry], list[int], dict[int, int], list[int]]:
    rows, ranks, longest, widths = [], [], {}, []
    for entry in batch:
        lines = entry.message.split("\n")
        rank = LEVEL_RANK.get(entry.level, 1)
        rows += [entry] * len(lines)
        ranks += [rank] * len(lines)
        longest[rank] = max(longest.get(rank, 0), *map(len, lines))
        widths += [max(map(len, lines))] * len(lines)
    return rows, ranks, longest, widths


@given(st.lists(entries(), max_size=30))
def test_rows_ranks_and_widths_are_those_of_the_messages(batch: list[LogEntry]) -> None:
    rows, ranks, longest, widths = _reference(batch)
    got_widths: list[int] = []
    got_rows, got_ranks, got_longest = _ranked_rows(batch, got_widths)
    assert [id(r) for r in got_rows] == [id(r) for r in rows]
    assert list(got_ranks) == ranks
    assert got_longest == [longest.get(rank, 0) for rank in range(len(got_longest))]
    assert got_widths == widths  # each row: its entry's longest line (`Merged.widths`)
    assert _ranked_rows(batch)[:3] == (got_rows, got_ranks, got_longest)
    expanded, widest = _expand(batch)
    assert [id(r) for r in expanded] == [id(r) for r in rows]
    assert widest == max(longest.values(), default=0)
