"""`python -m logtui.tui`: the dashboard against the built-in simulated host (no setup)."""

from __future__ import annotations

import sys

from . import run_dashboard

if __name__ == "__main__":
    sys.exit(run_dashboard(None, demo=True))
