"""The columnar core: whole chunks of `docker logs` output worked on at once.

One Python object per line and ~10 µs of CPython work per line cap what logtui reads at
~100k lines a second. The modules here decide what they can for a whole chunk at once
(numpy over the bytes, Polars' Rust regex over the lines) and leave the exact per-line code
(`logtui.assembler`, `logtui.levels`) only the lines that need it. Their answers are the
same as the per-line code's, line for line: `tests/test_equality_corpus.py` is the oracle.
Imported lazily (numpy and Polars cost ~200 ms to import), never by `import logtui`.
"""
