"""Property-based tests of the command guard (hypothesis): nothing escapes the allowlist."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from logtui import guard
from logtui.guard_properties import DANGEROUS, line_property, name_property, time_property

ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))
SHELLISH = st.sampled_from([*sorted(DANGEROUS), "é", "\u202e", "ﬁ", "٣", "Ａ"])
"""Single characters that must never be accepted anywhere in a name."""
name_like = st.text(alphabet=st.one_of(st.sampled_from("abcXYZ019_.-"), SHELLISH), max_size=30)


@settings(max_examples=600)
@given(st.one_of(st.text(ALPHABET, max_size=40), name_like))
@example("web-app;id")
@example("-rf")
@example("web\n")
def test_names_are_refused_or_exactly_one_safe_argument(name: str) -> None:
    assert name_property(name) is None


@settings(max_examples=300)
@given(st.text(alphabet="abc019_.-", min_size=1, max_size=20), SHELLISH, st.integers(0, 20))
def test_any_metacharacter_anywhere_is_refused(base: str, bad: str, where: int) -> None:
    where = min(where, len(base))
    name = base[:where] + bad + base[where:]
    try:
        guard.docker_logs(name)
    except guard.CommandRefused:
        return
    raise AssertionError(f"accepted {name!r}")


TOKENS = st.sampled_from(
    ["docker", "ps", "logs", "inspect", "stats", "rm", "exec", "--all", "--no-trunc", "--format",
     "{{json .}}", "--timestamps", "--follow", "--since", "10m", "--tail", "5", "--no-stream",
     "--type", "container", "web", "-f", ";", "&&", "|", "$(id)", "`id`", "'", '"', "\n", " ", "x y"]
)  # fmt: skip


@settings(max_examples=800)
@given(st.lists(TOKENS, min_size=1, max_size=9), st.booleans())
def test_lines_built_from_tokens(tokens: list[str], quoted: bool) -> None:
    import shlex

    line = shlex.join(tokens) if quoted else " ".join(tokens)
    assert line_property(line) is None


@given(st.text(alphabet="abc019_.-", max_size=20))
def test_a_leading_dash_is_always_refused(rest: str) -> None:
    try:
        guard.docker_logs("-" + rest)
    except guard.CommandRefused:
        return
    raise AssertionError(f"accepted {'-' + rest!r}")


@settings(max_examples=400)
@given(st.text(ALPHABET, max_size=40))
@example("10m;id")
@example("-1h")
def test_time_arguments(value: str) -> None:
    assert time_property(value) is None
