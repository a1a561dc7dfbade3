"""The error summary pane's content: counts, critical issues and repeated errors.

Computed from the store's error index with `logtui.analysis`'s templates, so the dashboard
and `logtui errors` agree on what a repeated error is; critical issues are the CRITICAL
entries, as in the spec's error summary.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from ..analysis import ErrorGroup, headline_template
from ..models import LEVEL_RANK, LogEntry
from ..textsafe import strip_escapes
from ._hosted import entry_key, key_host, key_name
from .render import container_colour, safe_text
from .store import LogStore

MAX_GROUPS = 30
MAX_CRITICAL = 3


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


class DigestBuilder:
    """Builds digests again and again, computing each entry's message template only once.

    Templating is the costly part (a few regexes per entry), and the dashboard rebuilds
    the digest every second while errors arrive; the cache keeps only entries still in
    the window, so it is bounded by the store's error index.
    """

    def __init__(self) -> None:
        self._templates: dict[int, tuple[LogEntry, str]] = {}

    def template(self, entry: LogEntry) -> str:
        cached = self._templates.get(id(entry))
        if cached is not None and cached[0] is entry:
            return cached[1]
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

    def _build(self, errors: Mapping[str, Sequence[LogEntry]], cutoff: str, hours: float) -> ErrorDigest:
        templates: dict[int, tuple[LogEntry, str]] = {}
        groups: dict[str, _Group] = {}
        counts: dict[str, int] = {}
        critical: list[LogEntry] = []
        for name, entries in errors.items():
            recent = [e for e in entries if e.timestamp >= cutoff]
            if not recent:
                continue
            counts[name] = len(recent)
            for entry in recent:
                template = self.template(entry)
                templates[id(entry)] = (entry, template)
                group = groups.get(template)
                if group is None:
                    group = groups[template] = _Group(entry)
                group.add(entry)
                if entry.level == "CRITICAL":
                    critical.append(entry)
        self._templates = templates
        ranked = sorted(groups.items(), key=lambda kv: (-kv[1].count, kv[0]))[:MAX_GROUPS]
        critical.sort(key=lambda e: e.timestamp, reverse=True)
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
                for e in critical[:MAX_CRITICAL]
            ],
            [group.result(template) for template, group in ranked],
        )


class _Group:
    """One repeated error being counted (as `analysis.group_errors` counts)."""

    __slots__ = ("containers", "count", "example", "first_seen", "last_seen", "level")

    def __init__(self, entry: LogEntry) -> None:
        self.count = 0
        self.level = entry.level
        self.containers: set[str] = set()
        self.first_seen = entry.timestamp
        self.last_seen = entry.timestamp
        self.example = entry

    def add(self, entry: LogEntry) -> None:
        self.count += 1
        self.containers.add(entry_key(entry))  # `host/name` among several hosts
        if LEVEL_RANK.get(entry.level, 0) > LEVEL_RANK.get(self.level, 0):
            self.level = entry.level
        self.first_seen = min(self.first_seen, entry.timestamp)
        if entry.timestamp >= self.last_seen:
            self.last_seen = entry.timestamp
            self.example = entry

    def result(self, template: str) -> ErrorGroup:
        return ErrorGroup(
            template,
            self.count,
            self.level,
            tuple(sorted(self.containers)),
            self.first_seen,
            self.last_seen,
            self.example,
        )


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
