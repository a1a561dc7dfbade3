"""The garbage collector while the dashboard holds a million entries.

Every entry is an object the cyclic collector tracks, and a full pass walks all of them:
~170 ms over the 870k entries of the bench's million lines, on the UI thread. CPython starts
a full pass once the objects that survived since the last one reach a quarter of those it
holds, so a flood of 100k lines a second brought one every ~2.5 s: a key pressed then waited
for it. Entries hold no cycles (strings and numbers; refcounting frees them when evicted), so
full passes are made ten times rarer while the dashboard runs (young garbage is still
collected as often as before), and the setting is restored when it stops. They are not
turned off: each still frees 80-190k objects of rendering (Textual's `Strip` caches hold
the strip itself: measured with `gc.DEBUG_SAVEALL` during `bench.keys`). For the same
reason `gc.freeze` after a full pass was tried and left out: strips alive then, and dead
soon after, would wait for a thaw.

Since then the entries, and the lists and deques that hold them, are untracked
(`logtui.gc_pause.untrack`): a full pass walks Textual's objects and only the pointers to
entries, not the entries (under the `live` flood: 200-270 ms a pass before, 50-65 ms after).
"""

from __future__ import annotations

import gc

FULL_PASS_EVERY = 100
"""Middle-generation passes between two full passes at least (CPython's default: 10)."""


class CollectorTuning:
    """Rarer full collections between `apply` and `restore`."""

    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None

    def apply(self) -> None:
        if self._saved is None:
            self._saved = young, middle, full = gc.get_threshold()
            gc.set_threshold(young, middle, max(full, FULL_PASS_EVERY))

    def restore(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
