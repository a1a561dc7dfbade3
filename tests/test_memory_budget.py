"""One memory budget for the whole dashboard (LOGTUI_MEMORY_MB): past it, the oldest entries
of any container go first, and every view drops what went."""

from __future__ import annotations

import functools
import random
import time
from itertools import chain
from pathlib import Path
from typing import Any

import dashboard_support as support
import pytest
import structlog
from rich.text import Text

from logtui.config import DEFAULT_MEMORY_MB, load_settings, read_environment
from logtui.models import LogEntry
from logtui.simhost import ScriptedContainer, SimulatedHost
from logtui.tui import create_app
from logtui.tui.held import ENTRY_BYTES, STRING_BYTES, held_bytes
from logtui.tui.store import Filter, FilteredView, LogStore

MESSAGE = "x" * 40


def entry(name: str, second: int, level: str = "INFO", message: str = MESSAGE) -> LogEntry:
    """An entry as Docker stamps it (its stamp and message are slices of its raw line)."""
    stamp = f"2025-08-16T14:{second // 60:02d}:{second % 60:02d}.000000000Z"
    return LogEntry(name, stamp[:26], level, message, f"{stamp} {message}", "stdout", stamp)


COST = ENTRY_BYTES + len(entry("a", 0).raw_line)
"""The estimate of one `entry` with the default message."""


def seconds(entries: list[LogEntry]) -> list[tuple[str, int]]:
    return [(str(e.container_name), int(e.timestamp[14:16]) * 60 + int(e.timestamp[17:19])) for e in entries]


def held(store: LogStore) -> list[LogEntry]:
    return list(chain.from_iterable(store.buffers.values()))


def reachable(store: LogStore) -> list[LogEntry]:
    """Every entry the store keeps alive: its lines, and the errors only its index holds."""
    return list({id(e): e for e in chain(held(store), *store.errors.values())}.values())


# -- the estimate --------------------------------------------------------------------------


def test_the_estimate_counts_every_string_an_entry_holds() -> None:
    one = entry("a", 1)
    assert held_bytes([one]) == COST
    # a joined multi-line message is a string of its own; so are stamps that are not Docker's
    # fixed nanosecond form (podman writes whole seconds)
    lines = LogEntry(
        "a",
        one.timestamp,
        "ERROR",
        "boom\nTraceback",
        f"{one.docker_timestamp} [ERROR] boom\n{one.docker_timestamp} Traceback",
        "stderr",
        one.docker_timestamp,
    )
    assert isinstance(lines._msg, str)
    assert held_bytes([lines]) == ENTRY_BYTES + len(lines.raw_line) + STRING_BYTES + len("boom\nTraceback")
    podman = LogEntry(
        "a",
        "2025-08-16T14:00:01.000000",
        "INFO",
        "hi",
        "2025-08-16T14:00:01Z hi",
        "stdout",
        "2025-08-16T14:00:01Z",
    )
    assert held_bytes([podman]) == ENTRY_BYTES + len(podman.raw_line) + 2 * STRING_BYTES + 26 + 20
    assert held_bytes([one, lines, podman]) == held_bytes([one]) + held_bytes([lines]) + held_bytes([podman])


# -- the store -----------------------------------------------------------------------------


def test_the_globally_oldest_entries_go_first_and_are_returned() -> None:
    store = LogStore(max_bytes=5 * COST)
    assert store.add("a", [entry("a", s) for s in (0, 2, 4)]) == []
    evicted = store.add("b", [entry("b", s) for s in (1, 3, 5)])
    assert seconds(evicted) == [("a", 0)]  # another container's entry, reported to the views
    assert store.bytes == 5 * COST
    evicted = store.add("a", [entry("a", s) for s in (6, 8)])
    assert seconds(evicted) == [("b", 1), ("a", 2)]
    assert seconds(store.entries()) == [("b", 3), ("a", 4), ("b", 5), ("a", 6), ("a", 8)]
    assert store.bytes == held_bytes(reachable(store)) <= store.max_bytes
    assert store.dropped == {"a": 2, "b": 1} and store.dropped_by_budget == {"a": 2, "b": 1}
    assert store.total_dropped_by_budget == 3


def test_a_chatty_container_pushes_out_a_quiet_ones_older_lines() -> None:
    store = LogStore(max_bytes=8 * COST)
    store.add("quiet", [entry("quiet", s) for s in (0, 1, 2)])
    evicted = store.add("chatty", [entry("chatty", s) for s in range(10, 20)])
    assert seconds(evicted) == [("quiet", 0), ("quiet", 1), ("quiet", 2), ("chatty", 10), ("chatty", 11)]
    assert not store.buffers["quiet"] and len(store.buffers["chatty"]) == 8
    assert store.dropped == {"quiet": 3, "chatty": 2} and store.total_dropped_by_budget == 5
    # the error index keeps its own bound: a quiet container's errors outlive its lines
    store.add("quiet", [entry("quiet", 3, "ERROR", "disk full")])
    store.add("chatty", [entry("chatty", s) for s in range(20, 30)])
    assert [e.message for e in store.errors_since("quiet", "2025-08-16T14:00:00")] == ["disk full"]


def test_errors_kept_past_their_lines_count_in_the_budget() -> None:
    """Containers that log mostly errors: the error index keeps the errors whose lines went,
    and they are held memory too. Everything the store keeps alive stays within the budget
    (it held 14 times the budget when kept errors were not counted)."""
    store = LogStore(max_lines_per_container=300, max_bytes=40 * COST)
    for name in ("a", "b", "c"):
        for start in range(0, 300, 20):
            store.add(name, [entry(name, s, "ERROR") for s in range(start, start + 20)])
    assert held_bytes(reachable(store)) == store.bytes <= store.max_bytes
    assert store.size > 0  # the log pane still shows lines: kept errors take a share only


def test_kept_errors_take_at_most_a_quarter_of_a_binding_budget() -> None:
    store = LogStore(max_bytes=40 * COST)
    for start in range(0, 400, 10):  # errors, and their lines pushed out by the budget
        store.add("a", [entry("a", s, "ERROR" if s % 2 else "INFO") for s in range(start, start + 10)])
    kept = [e for e in store.errors["a"] if e not in store.buffers["a"]]
    assert kept and held_bytes(kept) <= store.max_bytes // 4
    assert held_bytes(reachable(store)) == store.bytes <= store.max_bytes
    # the newest errors are the ones kept, oldest first, and the log shows the newest lines
    indexed = [int(e.timestamp[17:19]) + 60 * int(e.timestamp[14:16]) for e in store.errors["a"]]
    assert indexed == sorted(indexed) and indexed[-1] == 399
    assert seconds(list(store.buffers["a"]))[-1] == ("a", 399)


def error_pane_sees_the_log(store: LogStore) -> None:
    """The error index ends with the errors each buffer shows, the same entries in order;
    what it holds before those (kept errors) it counts right."""
    kept = []
    for name, buffer in store.buffers.items():
        shown = [e for e in buffer if e.level in ("ERROR", "CRITICAL")]
        errors = list(store.errors[name])
        assert errors[len(errors) - len(shown) :] == shown
        assert store._index.kept[name] == len(errors) - len(shown)
        kept += errors[: len(errors) - len(shown)]
    assert store._index.kept_bytes == held_bytes(kept)


def test_errors_the_line_limit_kept_take_their_share_when_the_budget_binds() -> None:
    store = LogStore(max_lines_per_container=10, max_bytes=40 * COST)
    for name in "abc":  # each keeps 5 errors of the lines its limit dropped: 15 in all
        store.add(name, [entry(name, s, "ERROR" if s % 2 else "INFO") for s in range(20)])
    kept = [e for e in reachable(store) if e not in held(store)]  # 30 lines and 15 kept: it binds
    assert 0 < len(kept) < 15 and held_bytes(kept) <= store.max_bytes // 4
    assert store.size == 30  # the oldest kept errors went, and no line
    assert held_bytes(reachable(store)) == store.bytes <= store.max_bytes
    error_pane_sees_the_log(store)


def test_a_full_error_index_and_a_binding_budget_keep_the_pane_and_the_log_in_step() -> None:
    """Errors only, a small line limit (the index drops its own oldest kept errors), a
    budget that sheds kept errors and lines in turn."""
    store = LogStore(max_lines_per_container=4, max_bytes=9 * COST)
    for start in range(0, 60, 3):
        for name in "ab":
            store.add(name, [entry(name, s, "ERROR") for s in range(start, start + 3)])
            assert held_bytes(reachable(store)) == store.bytes <= store.max_bytes
            error_pane_sees_the_log(store)
            assert all(len(errors) <= 4 for errors in store.errors.values())
    assert store.size > 0


def test_the_line_limit_keeps_errors_and_counts_them() -> None:
    """With no budget binding, errors outlive the lines the line limit dropped (the error
    pane covers the window), and `bytes` counts them."""
    store = LogStore(max_lines_per_container=4, max_bytes=1000 * COST)
    store.add("a", [entry("a", 0, "ERROR", "disk full")] + [entry("a", s) for s in range(1, 9)])
    assert [e.message for e in store.errors["a"]] == ["disk full"] and len(store.buffers["a"]) == 4
    assert store.bytes == held_bytes(reachable(store)) == 4 * COST + held_bytes(list(store.errors["a"]))
    store.clear()
    assert store.bytes == 0 and not store.errors


def test_the_store_says_which_bound_let_errors_of_a_window_go() -> None:
    store = LogStore(max_lines_per_container=3, max_bytes=1000 * COST)
    store.add("a", [entry("a", s, "ERROR") for s in range(5)])  # the index holds 3: 0 and 1 go
    assert store.errors_lost("2025-08-16T14:00:00") == "line limit"
    assert store.errors_lost("2025-08-16T14:00:01.5") == ""  # nothing of that window went
    budget = LogStore(max_bytes=8 * COST)
    for start in range(0, 40, 4):
        budget.add("a", [entry("a", s, "ERROR") for s in range(start, start + 4)])
    oldest_held = min(e.timestamp for e in budget.errors["a"])
    assert oldest_held > "2025-08-16T14:00:01"  # the budget let the oldest errors go
    assert budget.errors_lost("2025-08-16T14:00:00") == "memory budget"
    assert budget.errors_lost(oldest_held) == ""  # a window from there lost nothing
    budget.clear()
    assert budget.errors_lost("") == ""


def test_the_line_limit_and_the_budget_count_apart() -> None:
    store = LogStore(max_lines_per_container=4, max_bytes=6 * COST)
    store.add("a", [entry("a", s) for s in range(6)])  # the limit binds: 0 and 1 go
    assert store.dropped == {"a": 2} and store.dropped_by_budget == {"a": 0}
    evicted = store.add("b", [entry("b", s) for s in range(10, 13)])  # the budget binds
    assert seconds(evicted) == [("a", 2)]
    assert store.dropped == {"a": 3, "b": 0} and store.dropped_by_budget == {"a": 1, "b": 0}
    store.clear()
    assert store.bytes == 0 and store.total_dropped_by_budget == 0 and store.size == 0


def test_ties_go_in_container_order_and_a_batch_may_evict_its_own_oldest() -> None:
    store = LogStore(max_bytes=3 * COST)
    store.add("a", [entry("a", 5)])
    store.add("b", [entry("b", 5)])
    evicted = store.add("c", [entry("c", 1), entry("c", 7)])  # c's own 1 s is the oldest
    assert seconds(evicted) == [("c", 1)]
    evicted = store.add("c", [entry("c", 8)])
    assert seconds(evicted) == [("a", 5)]  # a and b tie: the first container goes first


def _random_entry(rng: random.Random, name: str, second: int) -> LogEntry:
    """Entries of every shape the estimate knows: one line, joined lines, podman stamps."""
    kind = rng.random()
    if kind < 0.2:
        one = entry(name, second, "ERROR")
        return LogEntry(
            name,
            one.timestamp,
            "ERROR",
            "boom\n  at x",
            f"{one.docker_timestamp} boom\n{one.docker_timestamp}   at x",
            "stderr",
            one.docker_timestamp,
        )
    if kind < 0.3:
        stamp = f"2025-08-16T14:{second // 60:02d}:{second % 60:02d}"
        return LogEntry(name, stamp + ".000000", "WARNING", "slow", f"{stamp}Z slow", "stdout", stamp + "Z")
    return entry(name, second, rng.choice(["DEBUG", "INFO", "ERROR"]), "m" * rng.randrange(1, 300))


@pytest.mark.parametrize("seed", range(6))
def test_views_and_the_kept_merge_stay_exact_under_budget_evictions(seed: int) -> None:
    """As the app does: each batch into the store, then into the views (added, evicted);
    every view must equal a rebuild from the store, and hold nothing the store let go."""
    rng = random.Random(seed)
    store = LogStore(max_lines_per_container=rng.choice([25, 1000]), max_bytes=rng.randrange(20, 60) * COST)
    filters = [Filter(), Filter(container="a"), Filter(min_level="ERROR"), Filter(container="c")]
    views = [FilteredView(f) for f in filters]
    clock = {"a": 0, "b": 1, "c": 2}  # a container's seconds: its own residue mod 3, no ties
    for _ in range(60):
        name = rng.choice("aaabc")  # a chatty a, a quiet c
        batch = []
        for _ in range(rng.randrange(1, 12)):
            clock[name] += 3 * rng.randrange(0, 3) if rng.random() < 0.9 else -6  # a late line
            batch.append(_random_entry(rng, name, max(clock[name], 0)))
        evicted = store.add(name, batch)
        assert store.bytes == held_bytes(reachable(store)) <= store.max_bytes
        error_pane_sees_the_log(store)
        assert {id(e) for e in evicted}.isdisjoint(id(e) for e in held(store))
        for view in views:
            view.add(batch)
            view.remove(evicted)
        store.keep_merged(None, max_overlap=8)
        merged = store.merged(None).entries
        assert [id(e) for e in merged] == [id(e) for e in sorted(held(store), key=lambda e: e.timestamp)]
        for view in views:
            fresh = FilteredView(view.filter)
            fresh.rebuild(store)
            assert [id(r) for r in view.rows] == [id(r) for r in fresh.rows]
    assert store.total_dropped_by_budget > 0
    unfiltered = FilteredView()
    unfiltered.rebuild(store)
    assert list(unfiltered.unique_entries()) == store.entries()


def test_a_kept_merge_lets_go_of_budget_evictions() -> None:
    """A merge kept from before an eviction drops the evicted entries in place (it must not
    show, or hold, what the budget let go) and is then extended: the same entries as a merge
    built afresh."""
    store = LogStore(max_bytes=6 * COST)
    store.add("a", [entry("a", s) for s in (0, 2)])
    store.add("b", [entry("b", s) for s in (1, 3)])
    kept = store.merged(None)
    gone = kept.entries[0]
    evicted = store.add("b", [entry("b", s) for s in (5, 7, 9)])  # over budget by one: a's 0 s goes
    assert evicted == [gone]
    merged = store.merged(None)
    assert all(e is not gone for e in merged.entries)
    assert seconds(merged.entries) == [("b", 1), ("a", 2), ("b", 3), ("b", 5), ("b", 7), ("b", 9)]
    assert store._state(("a", "b")) == ((2, 1), (5, 0))
    store._merged.clear()
    assert seconds(store.merged(None).entries) == seconds(merged.entries)


# -- the setting ---------------------------------------------------------------------------


def test_the_setting_defaults_reads_and_refuses_bad_values() -> None:
    assert load_settings({"LOGTUI_HOST": "h"}).memory_mb == DEFAULT_MEMORY_MB == 512
    assert load_settings({"LOGTUI_HOST": "h", "LOGTUI_MEMORY_MB": " 64 "}).memory_mb == 64
    for bad in ("lots", "0", "-5", "1.5", "99999999"):
        with pytest.raises(ValueError, match="LOGTUI_MEMORY_MB"):
            load_settings({"LOGTUI_HOST": "h", "LOGTUI_MEMORY_MB": bad})


def test_a_dotenv_cannot_set_the_memory_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text("LOGTUI_HOST=from-dotenv\nLOGTUI_MEMORY_MB=100000\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOGTUI_HOST", raising=False)
    monkeypatch.delenv("LOGTUI_MEMORY_MB", raising=False)
    settings = load_settings(read_environment())
    assert settings.host == "from-dotenv" and settings.memory_mb == DEFAULT_MEMORY_MB
    assert "LOGTUI_MEMORY_MB" in capsys.readouterr().err  # said to be ignored
    monkeypatch.setenv("LOGTUI_MEMORY_MB", "128")  # the environment may
    assert load_settings(read_environment()).memory_mb == 128


# -- the dashboard -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def quiet_logs() -> Any:
    with structlog.testing.capture_logs():
        yield


wait_for = functools.partial(support.wait_for, timeout=10.0)


def screen_text(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_dashboard_says_when_the_memory_budget_binds(tmp_path: Path) -> None:
    start = time.time() - 600
    quiet = ScriptedContainer(name="quiet", image="example/quiet:1")
    for i in range(3):
        quiet.write(f"[INFO] quiet line {i}", ts=start + i)
    chatty = ScriptedContainer(name="chatty", image="example/chatty:1")
    for i in range(400):
        chatty.write(f"[INFO] chatty line {i} " + "y" * 80, ts=start + 60 + i)
    async with SimulatedHost([quiet, chatty], poll_interval=0.05) as sim:
        settings = sim.settings(audit_log=tmp_path / "audit.jsonl")
        app = create_app(settings, poll_interval=0.3, memory_mb=0.05)  # 52,428 bytes
        assert app.store.max_bytes == 52_429
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.store.received == 403 and app.store.total_dropped_by_budget)
            for i in range(400, 450):  # live lines: now the quiet container's are the oldest
                chatty.write(f"[INFO] chatty line {i} " + "y" * 80)
            await wait_for(pilot, lambda: app.store.received == 453)
            await pilot.pause(0.3)
            store = app.store
            assert store.bytes <= store.max_bytes
            # the quiet container's older lines went first, then the chatty one's oldest
            assert store.dropped_by_budget["quiet"] == 3 and not store.buffers["quiet"]
            assert 0 < len(store.buffers["chatty"]) < 400
            assert store.buffers["chatty"][-1].message.startswith("chatty line 449")
            # the log pane shows exactly what the store holds
            assert list(app.log_pane.view.unique_entries()) == store.entries()
            text = screen_text(app)
            dropped = store.total_dropped
            assert f"{dropped} older lines dropped (memory budget 0.05 MB)" in text  # fits 80 columns
            assert f"({dropped} dropped: 0.05 MB budget)" in app.status_text().plain
            assert "3 oldest lines (3 by the memory budget)" in app.details_text("quiet").plain


async def test_the_error_pane_says_when_the_window_lost_errors_to_the_budget(tmp_path: Path) -> None:
    """A crash-looping container fills a tiny budget with errors: the error pane's count
    is no longer the whole window's, and its title says so and why."""
    start = time.time() - 600
    crashy = ScriptedContainer(name="crashy", image="example/crashy:1")
    for i in range(300):
        crashy.write(f"[ERROR] job {i} failed: connection refused " + "z" * 80, ts=start + i)
    async with SimulatedHost([crashy], poll_interval=0.05) as sim:
        settings = sim.settings(audit_log=tmp_path / "audit.jsonl")
        app = create_app(settings, poll_interval=0.3, memory_mb=0.05)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.store.received == 300)
            title = lambda: Text.from_markup(str(app.query_one("#errors").border_title)).plain  # noqa: E731
            await wait_for(pilot, lambda: "older dropped (memory budget)" in title())
            store = app.store
            assert len(store.errors["crashy"]) < 300 and store.bytes <= store.max_bytes
            assert f"· {len(store.errors['crashy'])} ·" in title()  # what it counts: what it holds


async def test_the_error_pane_follows_errors_the_budget_sheds_in_a_tick_without_errors(
    tmp_path: Path,
) -> None:
    """Only INFO lines arrive, yet the budget lets older errors go: the error pane is
    rebuilt (its counts, the title's note), and its cache keeps no entry the store let go.
    Found by an attack pass: the pane was rebuilt only when an error arrived."""
    start = time.time() - 600
    crashy = ScriptedContainer(name="crashy", image="example/crashy:1")
    for i in range(60):
        crashy.write(f"[ERROR] crash number {i} " + "e" * 60, ts=start + i)
    chatty = ScriptedContainer(name="chatty", image="example/chatty:1")
    for i in range(20):
        chatty.write(f"[INFO] chatty line {i} " + "y" * 80, ts=start + 100 + i)
    async with SimulatedHost([crashy, chatty], poll_interval=0.05) as sim:
        settings = sim.settings(audit_log=tmp_path / "audit.jsonl")
        app = create_app(settings, poll_interval=0.3, memory_mb=0.05)
        async with app.run_test(size=(120, 30)) as pilot:
            store = app.store
            await wait_for(pilot, lambda: store.received == 80 and app.digest.counts.get("crashy") == 60)
            for i in range(20, 400):  # no error arrives; crashy's lines, then errors, go
                chatty.write(f"[INFO] chatty line {i} " + "y" * 80)
            await wait_for(pilot, lambda: store.received == 460 and len(store.errors["crashy"]) < 60)
            await wait_for(pilot, lambda: app.digest.counts.get("crashy") == len(store.errors["crashy"]))
            assert app.digest.lost == "memory budget"
            held = {id(e) for e in chain(*store.errors.values(), *store.buffers.values())}
            assert set(app._digests._cache[0]) <= held
