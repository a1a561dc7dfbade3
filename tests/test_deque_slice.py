"""`deque_slice` is `list(buffer)[start:stop]`, from whichever end it walks."""

from __future__ import annotations

from collections import deque

from hypothesis import given
from hypothesis import strategies as st

from logtui.tui._deque import deque_slice


@given(
    items=st.lists(st.integers(), max_size=300),
    start=st.integers(0, 320),
    stop=st.none() | st.integers(0, 320),
    limit=st.none() | st.integers(1, 200),
)
def test_a_slice_of_a_deque_is_the_slice_of_its_list(items, start, stop, limit) -> None:
    buffer = deque(items, maxlen=limit)  # a bounded buffer, as the store's, that dropped its oldest
    assert deque_slice(buffer, start, stop) == list(buffer)[start:stop]
