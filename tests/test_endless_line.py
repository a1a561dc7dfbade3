"""A server that sends one endless line (no newline, ever): memory stays bounded, nothing
is dropped, and the lines after it are read as usual."""

from __future__ import annotations

from hostile_server import HostileServer, Reply
from hypothesis import given, settings
from hypothesis import strategies as st

from logtui.parser import MAX_ENTRY_CHARS
from logtui.reader import MAX_LINE_BYTES, LineSplitter, StreamReader
from logtui.remote import RemoteDocker


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(min_size=1, max_size=300).filter(lambda t: "\n" not in t),
    cuts=st.lists(st.integers(1, 40), min_size=1, max_size=30),
    max_line=st.integers(4, 24),
)
def test_an_endless_line_is_cut_into_bounded_lines_and_no_byte_is_lost(
    text: str, cuts: list[int], max_line: int
) -> None:
    """However the bytes arrive: what is held never passes `max_line`, a UTF-8 character is
    never cut in two (no `\\x..` escape appears), and the lines put end to end are the text."""
    data = text.encode()
    splitter = LineSplitter(max_line)
    lines: list[str] = []
    at = 0
    for size in cuts * (len(data) // sum(cuts) + 1):
        if at >= len(data):
            break
        lines += splitter.feed(data[at : at + size])
        at += size
        assert len(splitter._rest) <= max_line
    lines += splitter.flush()
    assert "".join(lines) == text
    assert all(len(line.encode()) <= max_line for line in lines)


def test_complete_lines_are_untouched_by_the_bound() -> None:
    splitter = LineSplitter(8)
    assert splitter.feed(b"short\nlonger than eight\nrest") == ["short", "longer than eight"]
    assert splitter.flush() == ["rest"]


STAMP = b"2025-08-16T14:30:22.000000001Z "
ENDLESS = 20 << 20  # 20 MiB of one line: more than MAX_LINE_BYTES


async def test_an_endless_line_from_a_server_is_read_in_bounded_pieces_and_the_next_lines_follow() -> None:
    """`docker logs` answers a stamp, 20 MiB without a newline, then two ordinary lines: the
    entries hold every character of it (cut at the entry bound), and the next lines keep
    their own stamps and levels."""
    body = STAMP + b"[ERROR] " + b"x" * ENDLESS + b"\n"
    body += b"2025-08-16T14:30:23.000000001Z [WARNING] after the flood\n"
    body += b"2025-08-16T14:30:24.000000001Z [INFO] and one more\n"
    server = HostileServer({"docker logs": Reply(stdout=body, chunk=1 << 16)})
    async with server, RemoteDocker(server.settings()) as remote:
        entries = await remote.logs("flood")
    flood = [e for e in entries if e.docker_timestamp.startswith("2025-08-16T14:30:22")]
    assert sum(e.raw_line.count("x") for e in flood) == ENDLESS
    assert all(len(e.raw_line) <= MAX_ENTRY_CHARS + MAX_LINE_BYTES for e in flood)
    assert flood[0].level == "ERROR"
    tail = [(e.level, e.message) for e in entries[len(flood) :]]
    assert tail == [("WARNING", "after the flood"), ("INFO", "and one more")]


def test_a_stream_reader_holds_at_most_the_bound_of_an_unfinished_line() -> None:
    reader = StreamReader("flood", "stdout", mask=True)
    entries = reader.feed(STAMP + b"[ERROR] ")
    for _ in range(80):
        entries += reader.feed(b"y" * (1 << 18))  # 20 MiB, no newline
        assert len(reader.splitter._rest) <= reader.splitter.max_line
    assert entries, "nothing was handed on past the bound"
    entries += reader.close()
    assert sum(e.raw_line.count("y") for e in entries) == 20 << 20  # nothing lost
