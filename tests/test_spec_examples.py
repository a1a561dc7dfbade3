"""The spec's examples, as written, with `logtui` in place of the spec's module path."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from scripted import isolate_config, running_host, write_client_files

BASIC_USAGE = """
from logtui import LogInterface

# Initialize the interface
interface = LogInterface()

# Get recent logs from all containers (last hour)
logs = interface.get_recent_logs(hours=1)

# Get only error logs
errors = interface.get_recent_errors(hours=2)

# Get logs from a specific container
app_logs = interface.get_logs("web-app", hours=4)

# Save all logs to a file
file_path = interface.save_all_logs(hours=6)
"""

EXAMPLE_1 = """
from logtui import LogInterface

interface = LogInterface()

# Check if system is ready
if interface.check_health():
    print("✅ System is ready")
    containers = interface.get_containers()
    print(f"Found {len(containers)} containers")
else:
    print("❌ System not ready")
"""

EXAMPLE_2 = """
from logtui import LogInterface

interface = LogInterface()

# Check for errors in last 4 hours
errors = interface.get_recent_errors(hours=4)

if errors:
    print(f"Found errors in {len(errors)} containers")
    for container, error_logs in errors.items():
        print(f"{container}: {len(error_logs)} errors")

        # Show latest error
        if error_logs:
            latest = error_logs[-1]
            print(f"  Latest: {latest['message']}")
else:
    print("✅ No errors found")
"""

EXAMPLE_3 = """
from logtui import ProductionLogCollector

collector = ProductionLogCollector()

# Get comprehensive error summary
summary = collector.get_error_summary(hours=6)

print(f"Analysis Results:")
print(f"  Containers monitored: {summary['total_containers']}")
print(f"  Containers with errors: {summary['containers_with_errors']}")
print(f"  Total error entries: {summary['total_error_entries']}")
print(f"  Critical issues: {len(summary['critical_issues'])}")

# Show critical issues
for issue in summary['critical_issues']:
    print(f"  🔥 {issue['container']}: {issue['message'][:80]}...")
"""

EXAMPLE_4 = """
from logtui.log_interface import (
    get_production_logs,
    get_production_errors,
    save_production_logs
)

# Quick access functions
logs = get_production_logs(hours=2)  # Last 2 hours
errors = get_production_errors(hours=1)  # Last hour errors
saved_file = save_production_logs(hours=4)  # Save 4 hours to file
"""

ERROR_HANDLING = """
from logtui import LogInterface

interface = LogInterface()

try:
    logs = interface.get_recent_logs(hours=1)
except RuntimeError as e:
    print(f"Log collection failed: {e}")
except ValueError as e:
    print(f"Configuration error: {e}")
except Exception as e:
    print(f"Unexpected error: {e}")
"""

DEBUG_MODE = """
import structlog

# Configure debug logging
structlog.configure(
    wrapper_class=structlog.make_filtering_bound_logger(10)  # DEBUG level
)

# Now use the interface
from logtui import LogInterface
interface = LogInterface()
interface.get_containers()
"""


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    structlog.reset_defaults()  # as in a fresh interpreter, whatever other tests configured
    with running_host() as host:
        isolate_config(monkeypatch, tmp_path, write_client_files(host, tmp_path))
        yield tmp_path


def run_example(code: str) -> tuple[dict, str]:
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<spec example>", "exec"), namespace)
    for value in list(namespace.values()):  # release the examples' connections
        close = getattr(value, "close", None)
        if callable(close) and type(value).__module__.startswith("logtui"):
            close()
    return namespace, out.getvalue()


def test_basic_usage(configured: Path) -> None:
    ns, _ = run_example(BASIC_USAGE)
    assert set(ns["logs"]) == {"web-app", "database", "exited-job", "quiet"}
    assert set(ns["errors"]) == {"web-app", "database", "exited-job"}
    assert len(ns["app_logs"]) == 5
    assert Path(ns["file_path"]).parent == configured.resolve()


def test_example_1_health_check(configured: Path) -> None:
    _, out = run_example(EXAMPLE_1)
    assert out == "✅ System is ready\nFound 3 containers\n"


def test_example_2_error_monitoring(configured: Path) -> None:
    _, out = run_example(EXAMPLE_2)
    assert out.startswith("Found errors in 4 containers\n")  # 4 h reaches "quiet"
    assert "web-app: 2 errors\n  Latest: Traceback (most recent call last):" in out
    assert "exited-job: 1 errors\n  Latest: cannot open /data/input.csv\n" in out
    assert "quiet: 1 errors\n  Latest: an error from long ago\n" in out


def test_example_3_detailed_analysis(configured: Path) -> None:
    _, out = run_example(EXAMPLE_3)
    # six hours reach "quiet" too
    assert "  Containers monitored: 4\n  Containers with errors: 4\n  Total error entries: 6\n" in out
    assert "  Critical issues: 2\n" in out and "🔥 database:" in out and "🔥 exited-job:" in out


def test_example_4_convenience_functions(configured: Path) -> None:
    ns, _ = run_example(EXAMPLE_4)
    assert len(ns["logs"]["web-app"]) == 5 and set(ns["errors"]) == {"web-app", "database", "exited-job"}
    assert Path(ns["saved_file"]).is_file()


def test_error_handling_example(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, out = run_example(ERROR_HANDLING)
    assert out == ""
    monkeypatch.setenv("LOGTUI_PORT", "1")  # nothing listens there
    _, out = run_example(ERROR_HANDLING)
    assert out.startswith("Log collection failed: cannot connect to")


def test_debug_mode_shows_every_command(configured: Path) -> None:
    try:
        _, out = run_example(DEBUG_MODE)
    finally:
        structlog.reset_defaults()
    assert "remote_command" in out and "docker ps --no-trunc" in out


def test_without_debug_mode_nothing_is_printed(configured: Path) -> None:
    structlog.reset_defaults()
    _, out = run_example(EXAMPLE_1)
    assert "remote_command" not in out
