"""The error summary pane's content: counts, critical issues and repeated errors.

Computed from the store's error index with `logtui.analysis`'s templates, so the dashboard
and `logtui errors` agree on what a repeated error is; critical issues are the CRITICAL
entries, as in the spec's error summary.
"""

from __future__ import annotations

import contextlib
import heapq
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import attrgetter, ge, is_
from typing import Any

from rich.text import Text

from ..analysis import ErrorGroup, headline_template
from ..error_columns import flagged, spans, time_order
from ..models import LEVEL_RANK, LogEntry, timestamps_of
from ..textsafe import strip_escapes
from ._hosted import entry_key, key_host, key_name
from .render import container_colour, safe_text
from .store import LogStore

MAX_GROUPS = 30
MAX_CRITICAL = 3
_level = attrgetter("level")
_container = attrgetter("container_name")
_message = attrgetter("message")


@dataclass
class ErrorDigest:
    """Errors of the time window, ready to show."""

    hours: float
    counts: dict[str, int] = field(default_factory=dict)
    """Errors and criticals per container, in the window."""
    critical: list[dict[str, Any]] = field(default_factory=list)
    """The spec's critical issues, newest first."""
    groups: list[ErrorGroup] = field(default_factory=list)
    """Repeated errors, most frequent first."""
    problems: dict[str, str] = field(default_factory=dict)
    """Containers whose log stream is failing: name -> reason."""
    failure: str = ""
    """Why this digest could not be built (then `groups` and `critical` are empty)."""
    lost: str = ""
    """Which bound let some of the window's errors go before it was built ("": none)."""


class DigestBuilder:
    """Builds digests again and again, computing each entry's message template only once.

    Templating is the costly part (a few regexes per entry), and the dashboard rebuilds
    the digest every second while errors arrive; the cache keeps only entries still in
    the window, so it is bounded by the store's error index.
    """

    def __init__(self) -> None:
        # The last digest's entries and their templates, by id (an id is reused once its
        # entry is gone: the entry itself is kept to check). Two dicts, not one of pairs:
        # 100k pairs are as many objects for the garbage collector to count and walk. One
        # attribute, replaced whole, so another thread never sees one dict without the other.
        self._cache: tuple[dict[int, LogEntry], dict[int, str]] = ({}, {})

    def template(self, entry: LogEntry) -> str:
        entries, templates = self._cache
        if entries.get(id(entry)) is entry:
            return templates[id(entry)]
        return headline_template(entry.message)

    def build(self, errors: Mapping[str, Sequence[LogEntry]], cutoff: str, hours: float) -> ErrorDigest:
        """The digest of the error entries at or after `cutoff` (spec timestamp format).

        `errors` maps containers to their error entries (a copy of the store's error
        index: this may run on a worker thread while the store keeps changing).

        Never raises: a digest that cannot be built says why in `failure` (and the pane
        shows it), so a stale or empty digest never poses as "no errors".
        """
        try:
            return self._build(errors, cutoff, hours)
        except Exception as exc:
            counts: dict[str, int] = {}
            with contextlib.suppress(Exception):
                counts = {n: sum(e.timestamp >= cutoff for e in es) for n, es in errors.items()}
            reason = f"{type(exc).__name__}: {exc}"[:200]
            return ErrorDigest(hours, {n: c for n, c in counts.items() if c}, failure=reason)

    def _templates_of(self, entries: list[LogEntry]) -> list[str]:
        """Each entry's template: the last digest's where it had the entry, else computed
        once per distinct message."""
        by_message = _ByMessage()
        held, templates = self._cache
        if not held:
            return list(map(by_message.__getitem__, map(_message, entries)))
        ids = list(map(id, entries))
        return [
            template if same else by_message[entry.message]
            for entry, same, template in zip(
                entries, map(is_, map(held.get, ids), entries), map(templates.get, ids), strict=True
            )
        ]

    def _build(self, errors: Mapping[str, Sequence[LogEntry]], cutoff: str, hours: float) -> ErrorDigest:
        # Columns (one list per field), as `analysis.error_summary` groups: over the ~100k
        # errors of a million lines, a Python step per entry is most of the cost.
        entries: list[LogEntry] = []
        stamps: list[str] = []
        counts: dict[str, int] = {}
        for name, listed in errors.items():
            recent = list(listed)
            own = timestamps_of(recent)
            keep = list(map(ge, own, repeat(cutoff)))
            if False in keep:
                recent, own = list(compress(recent, keep)), list(compress(own, keep))
            if not recent:
                continue
            counts[name] = len(recent)
            entries += recent
            stamps += own
        templates = self._templates_of(entries)
        ids = list(map(id, entries))
        self._cache = dict(zip(ids, entries, strict=True)), dict(zip(ids, templates, strict=True))
        tally = Counter(templates)
        top = sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_GROUPS]
        order = time_order(stamps)
        earliest, latest = spans(list(map(templates.__getitem__, order)), order)
        levels = list(map(_level, entries))
        worst = _worst_levels(templates, levels)
        where = _places(templates, entries)
        critical = list(compress(range(len(entries)), flagged(levels, "CRITICAL")))
        newest = heapq.nlargest(MAX_CRITICAL, critical, key=stamps.__getitem__)  # = sorted(reverse)[:n]
        return ErrorDigest(
            hours,
            counts,
            [
                {
                    "container": entry_key(e),
                    "timestamp": e.timestamp,
                    "message": e.message,
                    "severity": "critical",
                }
                for e in map(entries.__getitem__, newest)
            ],
            [
                ErrorGroup(
                    template,
                    count,
                    worst[template],
                    tuple(sorted(where[template])),
                    stamps[earliest[template]],
                    stamps[latest[template]],
                    entries[latest[template]],
                )
                for template, count in top
            ],
        )


class _ByMessage(dict[str, str]):
    """Message -> template, filled on first look-up (as `analysis.TemplateCache`)."""

    def __missing__(self, message: str) -> str:
        template = self[message] = headline_template(message)
        return template


def _worst_levels(templates: list[str], levels: list[str]) -> dict[str, str]:
    """Each template's worst level: of its entries' levels ranking highest, the first."""
    if set(levels) <= {"ERROR", "CRITICAL"}:  # the error index's: one C-speed pass
        critical = set(compress(templates, flagged(levels, "CRITICAL")))
        return {t: "CRITICAL" if t in critical else "ERROR" for t in set(templates)}
    worst: dict[str, tuple[int, str]] = {}
    for template, level in zip(templates, levels, strict=True):
        rank = LEVEL_RANK.get(level, 0)
        held = worst.get(template)
        if held is None or rank > held[0]:
            worst[template] = (rank, level)
    return {t: level for t, (_, level) in worst.items()}


def _places(templates: list[str], entries: list[LogEntry]) -> dict[str, set[str]]:
    """Each template's containers (`entry_key`: `host/name` among several hosts)."""
    names = list(map(_container, entries))
    if names and all(map(is_, names, repeat(names[0]))):  # one container
        key = entry_key(entries[0])
        return {t: {key} for t in set(templates)}
    where: dict[str, set[str]] = {}
    holder = dict(zip(map(id, names), entries, strict=True))  # an entry of each name
    for template, name_id in set(zip(templates, map(id, names), strict=True)):
        where.setdefault(template, set()).add(entry_key(holder[name_id]))
    return where


def build_digest(store: LogStore, cutoff: str, hours: float) -> ErrorDigest:
    """A one-off digest of the store's errors (no template cache)."""
    return DigestBuilder().build(store.errors, cutoff, hours)


def _clock(timestamp: str) -> str:
    return timestamp[11:19] if len(timestamp) >= 19 else timestamp


_PLACEHOLDER_RE = re.compile(r"<(?:n|ip|id|s|ts|dur)>")
_META_RE = re.compile(r"([.^$*+?{}\[\]\\|()])")
_GATE_RE = re.compile(r"[\x20-\x21\x23-\x25\x27-\x2e\x30-\x3b\x3d\x3f-\x5b\x5d-\x7e]+")
"""Printable ASCII but `"&/<>\\`: text that JSON (Go's escapes `<>&`) and logfmt write as is."""
MAX_CRITICAL_PATTERN = 200
"""Characters of a critical issue's first line that its search looks for."""


def literal_pattern(text: str) -> str:
    """`text` as a regex matching itself; only metacharacters are escaped, to stay readable."""
    return _META_RE.sub(r"\\\1", text)


class GroupMatcher:
    """Finds one error group's members: the messages whose headline template is the group's.

    Template equality, not a regex built from the template: one with `.+?` for each
    placeholder backtracks catastrophically (an error with 40 numbers against lines of
    26 words froze the dashboard for 45 s). A message is templated only if it contains the
    template's longest literal run, so most lines cost one substring test.

    The log pane uses it where it uses a compiled search pattern (`search`, `finditer`,
    `pattern`, `flags`); it highlights nothing, since every row it shows is a member.
    """

    flags = 0
    """Not a case-insensitive literal pattern: the store never runs it as a text search."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.pattern = template
        # The headline is the message's text, except a JSON or logfmt message field (joined
        # to its error field by ": "), whose characters may be escaped in the message: the
        # gate avoids those (`_GATE_RE`) and the joint.
        runs = [
            run
            for part in _PLACEHOLDER_RE.split(template)
            for piece in part.split(": ")
            for run in _GATE_RE.findall(piece)
        ]
        self._gate = max(runs, key=len, default="")

    def search(self, text: str) -> bool | None:
        """True if `text` is a member's message (or the line of it that is its headline)."""
        if self._gate not in text and ("\x1b" not in text or self._gate not in strip_escapes(text)):
            return None  # (a coloured message's words may be split by escape sequences)
        return True if headline_template(text) == self.template else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return iter(())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GroupMatcher) and other.template == self.template

    def __hash__(self) -> int:
        return hash(self.template)

    def __repr__(self) -> str:
        return f"GroupMatcher({self.template!r})"


Target = str | GroupMatcher
"""What choosing a row shows: a regex to search for, or an error group's members."""


def digest_lines(digest: ErrorDigest) -> list[tuple[Text, Target | None]]:
    """The pane's rows, each with what finds its entries (or None).

    Untrusted messages go through `safe_text`, never markup.
    """
    rows: list[tuple[Text, Target | None]] = []

    def row() -> Text:
        return Text(end="", no_wrap=True, overflow="ellipsis")

    for name, reason in sorted(digest.problems.items()):
        line = row()
        line.append("⚠ ", "bold yellow")
        line.append(name, container_colour(key_name(name)))
        line.append(": ")
        line.append_text(safe_text(reason.replace("\n", " "), "yellow"))
        rows.append((line, None))
    if digest.failure:
        line = row()
        line.append("⚠ the error summary could not be built: ", "bold red")
        line.append_text(safe_text(digest.failure.replace("\n", " "), "red"))
        rows.append((line, None))
    elif not digest.counts:
        rows.append((Text("✓ no errors in the window", style="green"), None))
        return rows
    if not digest.counts:
        return rows
    line = row()
    ranked = sorted(digest.counts.items(), key=lambda kv: (-kv[1], kv[0]))
    for index, (name, count) in enumerate(ranked):
        if index:
            line.append(" · ", "dim")
        line.append(name, container_colour(key_name(name)))
        line.append(f" {count}", "bold red")
    rows.append((line, None))
    for issue in digest.critical:
        line = row()
        first = str(issue["message"]).split("\n")[0]
        line.append(" CRIT ", "bold white on red")
        line.append(f" {_clock(issue['timestamp'])} ", "dim")
        line.append(str(issue["container"]), container_colour(key_name(str(issue["container"]))))
        line.append("  ")
        line.append_text(safe_text(first, "bold"))
        target = literal_pattern(first[:MAX_CRITICAL_PATTERN]) if first.strip() else None
        rows.append((line, target))
    for group in digest.groups:
        line = row()
        style = "bold red" if group.level == "CRITICAL" else "red"
        line.append(f" ×{group.count:<5}", style)
        line.append(f"last {_clock(group.last_seen)}  ", "dim")
        names = sorted(group.containers)
        hosts = {key_host(n) for n in names} - {None}
        if len(hosts) > 1:  # the same error on several servers: say so, name the containers once
            line.append(f"on {len(hosts)} hosts ", "bold")
            names = sorted({key_name(n) for n in names})
        line.append(",".join(names), container_colour(key_name(names[0])) if names else "")
        line.append("  ")
        line.append_text(safe_text(group.template.split("\n")[0]))
        rows.append((line, GroupMatcher(group.template) if group.template.strip() else None))
    return rows


def render_digest(digest: ErrorDigest) -> Text:
    """The pane's rows as one text."""
    return Text("\n", end="").join(text for text, _ in digest_lines(digest))
