"""`ResumePoint.seen_all` (a batch at once, on the live path) is `seen` of each entry in turn.

The resume point decides what a reconnect skips: a difference would show a line twice or
lose one. Batches of entries from both streams, stamps out of order and repeated, equal raw
lines, and entries without a stamp.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from logtui.follow import ResumePoint
from logtui.models import LogEntry

STAMPS = ["", "2025-08-16T14:30:22.000000001Z", "2025-08-16T14:30:22.000000002Z", "2025-08-16T14:30:23Z"]


def entry(stream: str, stamp: str, text: str) -> LogEntry:
    raw = f"{stamp} {text}" if stamp else text
    return LogEntry("c", stamp[:26] if stamp else "", "INFO", text, raw, stream, stamp)


batches = st.lists(
    st.lists(
        st.builds(
            entry, st.sampled_from(["stdout", "stderr"]), st.sampled_from(STAMPS), st.sampled_from("ab")
        ),
        max_size=8,
    ),
    max_size=6,
)


def state(point: ResumePoint) -> tuple:
    return point.timestamp, dict(point._last), {s: dict(c) for s, c in point._at_last.items()}


@settings(max_examples=500, deadline=None)
@given(
    batches=batches,
    replay=st.lists(
        st.builds(
            entry, st.sampled_from(["stdout", "stderr"]), st.sampled_from(STAMPS), st.sampled_from("ab")
        ),
        max_size=10,
    ),
)
def test_a_batch_is_seen_as_its_entries_one_by_one(batches, replay) -> None:
    one_by_one, batched = ResumePoint(), ResumePoint()
    for batch in batches:
        for e in batch:
            one_by_one.seen(e)
        batched.seen_all(batch)
        assert state(batched) == state(one_by_one)
    keep_a, keep_b = one_by_one.make_filter(), batched.make_filter()
    assert [keep_a(e) for e in replay] == [keep_b(e) for e in replay]
